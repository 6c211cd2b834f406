//! Inputs and errors said in the user's words: what was tried (an address, a resolver, a file) and
//! what is expected, never the SDK's layers; a report given as facts named as a report; a secret typed
//! at a terminal prompted for and not echoed.

use std::time::{Duration, Instant};

use crate::support::{command, run};

#[test]
fn no_aws_without_a_region_says_why_one_is_needed_or_takes_it_from_the_service_name() {
    let mut cmd = command(None);
    cmd.env_remove("AWS_REGION");
    let out = run(cmd, &["check", "--no-aws", "--endpoint", "https://xks.example.com"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("signs its calls to the proxy") && out.stderr.contains("--region"), "{}", out.stderr);
    let mut cmd = command(None);
    cmd.env_remove("AWS_REGION");
    let service = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0";
    let out = run(
        cmd,
        &[
            "check",
            "--no-aws",
            "--endpoint",
            "https://xks.example.com",
            "--vpc-endpoint-service-name",
            service,
            "--output",
            "json",
        ],
    );
    assert_ne!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.json()["scopes"][0]["region"], "eu-west-1");
}

#[test]
fn a_report_file_in_a_missing_folder_names_the_folder() {
    let out = run(command(None), &["check", "--example", "healthy", "--json", "/nonexistent-folder/report.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("the folder /nonexistent-folder"), "{}", out.stderr);
    assert!(!out.stderr.contains(".tmp"), "no temporary file is named: {}", out.stderr);
}

#[test]
fn a_json_report_given_to_facts_is_named_as_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = run(command(None), &["check", "--example", "healthy", "--json", report.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(command(None), &["check", "--facts", report.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("is a JSON report, not facts") && out.stderr.contains("--save-facts"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("schema_version"), "{}", out.stderr);
}

#[test]
fn two_regions_without_all_are_said_plainly() {
    let out = run(
        command(None),
        &["check", "--custom-key-store-id", "cks-1234567890abcdef0", "--region", "eu-west-1", "--region", "us-east-1"],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--region is given 2 times (eu-west-1, us-east-1)"), "{}", out.stderr);
    assert!(out.stderr.contains("needs --all"), "{}", out.stderr);
}

#[test]
fn store_ids_follow_kms_pattern() {
    for id in ["cks-123", "cks-cloudhsm0000000001", "cks-1234567890ABCDEF0", "cks-1234567890abcdef"] {
        let out = run(command(None), &["check", "--custom-key-store-id", id]);
        assert_eq!(out.code, 2, "{id}");
        assert!(out.stderr.contains("17 hexadecimal digits"), "{id}: {}", out.stderr);
    }
}

#[test]
fn an_aws_endpoint_that_refuses_connections_is_named_in_the_evidence() {
    // A port just freed: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let out =
        run(command(Some(&url)), &["check", "--custom-key-store-id", "cks-1234567890abcdef0", "--output", "json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let text = out.stdout.clone();
    assert!(text.contains(&format!("could not connect to {url}")), "{text}");
    assert!(!text.contains("dispatch failure"), "{text}");
}

#[test]
fn a_resolver_that_never_answers_costs_one_probe_timeout_and_is_named() {
    // A resolver that takes queries over UDP and TCP and answers none.
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = udp.local_addr().unwrap().port();
    let _tcp = std::net::TcpListener::bind(("127.0.0.1", port)).ok();
    let server = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let mut cmd = command(None);
    cmd.arg("check");
    let out = cmd
        .args(["--no-aws", "--endpoint", "https://xks.example.com", "--dns-server", &server, "--probe-timeout", "2"])
        .args(["--rtt-samples", "1", "--output", "json"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(took < Duration::from_millis(3500), "one probe timeout (2 s), not two: {took:?}");
    assert!(stdout.contains(&format!("the resolver {server} did not answer within 2 s")), "{stdout}");
    assert!(!stdout.contains("proto error"), "{stdout}");
    drop(udp);
}

#[test]
fn a_secret_typed_at_a_terminal_is_prompted_for_not_echoed_and_ends_at_enter() {
    let secret = "Ts3cretTs3cretTs3cretTs3cretTs3cretTs3cret0";
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let screen = crate::support::pty::on_terminal(
        100,
        &[
            "check",
            "--no-aws",
            "--region",
            "eu-west-1",
            "--endpoint",
            "https://xks.example.com",
            "--no-network",
            "--secret-access-key-stdin",
            "--json",
            json.to_str().unwrap(),
        ],
        Some(("Proxy secret access key", &format!("{secret}\n"))),
    );
    assert!(screen.drawn.contains("Proxy secret access key (not shown as typed): "), "{}", screen.drawn);
    assert!(!screen.drawn.contains(secret), "the secret is not echoed: {}", screen.drawn);
    assert_ne!(screen.code, 2, "{}", screen.drawn);
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let checks = report["targets"][0]["checks"].as_array().unwrap();
    let shape = checks.iter().find(|c| c["id"] == "config.secret_format").unwrap();
    assert_eq!(shape["status"], "pass", "{shape}");
}

/// Ctrl-C at the secret's prompt ends the run at once with one line, and leaves the terminal as it
/// found it: `stty` run after it in the same terminal still shows echo and line editing on.
#[test]
fn ctrl_c_at_the_secret_prompt_ends_the_run_and_gives_the_terminal_back() {
    let binary = assert_cmd::cargo::cargo_bin("xks-preflight");
    let script = format!(
        "{} check --no-aws --region eu-west-1 --endpoint https://xks.example.com --no-network \
         --secret-access-key-stdin; echo \"exit $?\"; stty -a",
        binary.display()
    );
    // A shell around the binary, with the tests' isolated environment, runs stty in the same terminal after it.
    let isolated = crate::support::process(None);
    let mut process = std::process::Command::new("sh");
    process.env_clear().envs(isolated.get_envs().filter_map(|(k, v)| Some((k, v?)))).args(["-c", &script]);
    let screen = crate::support::pty::drive(process, 100, &[("Proxy secret access key", "Ts3cret\x03")]);
    assert!(screen.drawn.contains("interrupted at the prompt"), "{}", screen.drawn);
    assert!(screen.drawn.contains("exit 2"), "{}", screen.drawn);
    assert!(!screen.drawn.contains("Ts3cret"), "{}", screen.drawn);
    let settings = screen.drawn.split("exit 2").nth(1).unwrap();
    let words: Vec<&str> = settings.split_whitespace().collect();
    for on in ["echo", "icanon", "isig"] {
        assert!(words.contains(&on), "{on} is off after the prompt:\n{settings}");
    }
}
