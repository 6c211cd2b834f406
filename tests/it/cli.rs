//! The command line: exit codes, bad input, output formats.

use xks_preflight::exit::Command;

use crate::replay::EXAMPLE;
use crate::support::fake_aws::FakeAws;
use crate::support::readers::{junit_parsed, prometheus_parsed};
use crate::support::{check_json, command, run, write, Hanging};

#[test]
fn malformed_store_id_exits_two_naming_the_value() {
    let out = run(command(None), &["check", "--custom-key-store-id", "store-1"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("'store-1'") && out.stderr.contains("cks-"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn nothing_to_check_exits_two_and_lists_the_ways_in() {
    let out = run(command(None), &["check"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--custom-key-store-id") && out.stderr.contains("--all"), "{}", out.stderr);
}

#[test]
fn all_with_planned_settings_is_refused() {
    let out = run(command(None), &["check", "--all", "--endpoint", "https://xks.example.com"]);
    assert_eq!(out.code, 2);
}

#[test]
fn secret_is_never_taken_from_the_command_line() {
    let out = run(
        command(None),
        &["check", "--no-aws", "--endpoint", "https://xks.example.com", "--secret-access-key", "abc"],
    );
    assert_eq!(out.code, 2);
}

#[test]
fn proxy_config_that_is_not_json_exits_two_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "proxy.json", "XksProxyUriPath=/kms/xks/v1");
    let out =
        run(command(None), &["check", "--no-aws", "--endpoint", "https://xks.example.com", "--proxy-config", &file]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(&file) && out.stderr.contains("not JSON"), "{}", out.stderr);
}

#[test]
fn proxy_config_with_a_wrong_field_type_exits_two_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "proxy.json", r#"{"XksProxyUriPath": 12}"#);
    let out =
        run(command(None), &["check", "--no-aws", "--endpoint", "https://xks.example.com", "--proxy-config", &file]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("has XksProxyUriPath as a number"), "{}", out.stderr);
}

/// The credential object holds the secret: no error about it may quote what the file holds, however
/// the file is wrong.
#[test]
fn proxy_config_errors_never_quote_the_secret() {
    const SECRET: &str = "c2VjcmV0LWZvci14a3MtcHJlZmxpZ2h0LXRlc3RzLTQ0Ynl0";
    let dir = tempfile::tempdir().unwrap();
    let broken = [
        format!(
            r#"{{"XksProxyUriPath": "/kms/xks/v1", "XksProxyAuthenticationCredential": {{"RawSecretAccessKey": ["{SECRET}"]}}}}"#
        ),
        format!(
            r#"{{"XksProxyUriPath": "/kms/xks/v1", "XksProxyAuthenticationCredential": {{"RawSecretAccessKey": {{"value": "{SECRET}"}}}}}}"#
        ),
        format!(r#"{{"XksProxyUriPath": "/kms/xks/v1", "XksProxyAuthenticationCredential": "{SECRET}"}}"#),
        format!(
            r#"{{"XksProxyUriPath": "/kms/xks/v1", "XksProxyAuthenticationCredential": {{"RawSecretAccessKey": "{SECRET}" "#
        ),
        format!(r#"{{"XksProxyAuthenticationCredential": {{"RawSecretAccessKey": "{SECRET}"}}}}"#),
    ];
    for (index, text) in broken.iter().enumerate() {
        let file = write(dir.path(), &format!("proxy-{index}.json"), text);
        let out = run(
            command(None),
            &["check", "--no-aws", "--endpoint", "https://xks.example.com", "--proxy-config", &file],
        );
        assert_eq!(out.code, 2, "{text}");
        assert!(out.stderr.contains(&file), "{}", out.stderr);
        assert!(!out.stderr.contains(SECRET) && !out.stdout.contains(SECRET), "{text} → {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
    }
}

#[test]
fn missing_region_exits_two() {
    let mut cmd = command(None);
    cmd.env_remove("AWS_REGION");
    let out = run(cmd, &["check", "--no-aws", "--endpoint", "https://xks.example.com"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--region"), "{}", out.stderr);
}

#[test]
fn json_output_is_one_document_with_a_schema_version() {
    let out = run(command(None), &["check", "--facts", EXAMPLE, "--output", "json"]);
    let report = out.json();
    assert_eq!(report["schema_version"], 3);
    assert_eq!(report["exit_code"], out.code);
    assert!(report.get("not_checked").is_none(), "every requirement has its check now");
}

#[test]
fn hung_aws_endpoint_is_said_once_within_the_timeout_not_a_hang() {
    let hanging = Hanging::start();
    let started = std::time::Instant::now();
    let out = check_json(&hanging.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9", "--aws-timeout", "1"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
    let problem = out.aws_problem();
    assert_eq!(problem["action"], "kms:DescribeCustomKeyStores", "{problem}");
    assert_eq!(out.status("config.store_found"), "skipped", "said at the top, not again by the check");
    assert_eq!(out.code, 3);
}

#[test]
fn run_deadline_cuts_a_slow_aws_answer_short_and_says_so() {
    let hanging = Hanging::start();
    let args = ["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9", "--aws-timeout", "30", "--timeout", "2"];
    let out = check_json(&hanging.url, &args);
    let problem = out.aws_problem();
    assert!(problem["message"].as_str().unwrap().contains("--timeout of 2 s"), "{problem}");
    assert!(problem["remedy"].as_str().unwrap().contains("--timeout"), "{problem}");
    assert_eq!(out.code, 3);
}

#[test]
fn all_with_no_external_key_stores_says_so_and_exits_zero() {
    let aws = FakeAws::start(None);
    let out = run(crate::support::command(Some(&aws.url)), &["check", "--all"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("No external key stores in us-east-1"), "{}", out.stdout);
}

#[test]
fn profile_from_the_aws_config_file_sets_the_region() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "config", "[profile xks-audit]\nregion = eu-west-1\n");
    let mut cmd = command(None);
    cmd.env_remove("AWS_REGION").env("AWS_CONFIG_FILE", &config);
    let out = run(
        cmd,
        &["check", "--output", "json", "--no-aws", "--profile", "xks-audit", "--endpoint", "https://xks.example.com"],
    );
    assert_eq!(out.json()["scopes"][0]["region"], "eu-west-1", "{}", out.stderr);
}

#[test]
fn an_unknown_profile_is_refused_by_name_with_the_profiles_defined() {
    let dir = tempfile::tempdir().unwrap();
    let config =
        write(dir.path(), "config", "[profile xks-audit]\nregion = eu-west-1\n[default]\nregion = us-east-1\n");
    let mut cmd = command(None);
    cmd.env("AWS_CONFIG_FILE", &config);
    let out = run(cmd, &["check", "--all", "--profile", "xks-adit"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("--profile 'xks-adit'") && out.stderr.contains("defined: default, xks-audit"),
        "{}",
        out.stderr
    );
}

#[test]
fn skip_leaves_a_check_or_a_section_out_and_unknown_ids_are_refused() {
    let out = run(
        command(None),
        &["check", "--facts", EXAMPLE, "--output", "json", "--skip", "vpc.acceptance_required", "--skip", "dns.*"],
    );
    assert_eq!(out.status("vpc.acceptance_required"), "skipped");
    assert_eq!(out.evidence("vpc.acceptance_required"), "skipped with --skip");
    assert_eq!(out.status("dns.public_parent"), "skipped");
    assert_eq!(out.status("vpc.allowed_principal"), "warn");
    let out = run(command(None), &["check", "--facts", EXAMPLE, "--skip", "tls.no_such_check"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("tls.no_such_check"), "{}", out.stderr);
}

#[test]
fn junit_output_is_read_by_junitparser_with_a_failure_per_failing_check() {
    let out = run(command(None), &["check", "--facts", EXAMPLE, "--output", "junit"]);
    assert_eq!(out.code, 1);
    let report = junit_parsed(&out.stdout);
    let suite = &report["suites"][0];
    assert_eq!(suite["name"], "store cks-7c1d2e3f4a5b6c7d8 \"payments-xks\"");
    let cases = suite["cases"].as_array().unwrap();
    assert_eq!(cases.len(), xks_preflight::catalogue::CheckId::ALL.len());
    let failed: Vec<&str> = cases
        .iter()
        .filter(|c| c["result"] == serde_json::json!(["failure"]))
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["config.connection_state", "vpc.acceptance_required"]);
    assert_eq!((report["failures"].as_u64(), report["errors"].as_u64()), (Some(2), Some(0)));
    let acceptance = cases.iter().find(|c| c["name"] == "vpc.acceptance_required").unwrap();
    assert_eq!(acceptance["classname"], "vpc");
    assert!(acceptance["message"][0].as_str().unwrap().starts_with("AcceptanceRequired is true"), "{acceptance}");
    let skipped = cases.iter().filter(|c| c["result"] == serde_json::json!(["skipped"])).count();
    assert_eq!(suite["skipped"].as_u64(), Some(skipped as u64));
}

#[test]
fn junit_suites_are_timed_and_an_account_that_could_not_be_read_is_an_error() {
    use crate::proxy_checks::{check_with, proxy, PATH};
    use crate::support::xks_proxy::{Variant, SECRET};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("preflight.xml").display().to_string();
    let setup = proxy(Variant::Faithful);
    let probed = check_with(&setup, Some(SECRET), PATH, &["--junit", &file]);
    let report = junit_parsed(&std::fs::read_to_string(&file).unwrap());
    let time = report["suites"][0]["time"].as_f64().unwrap();
    let gathered = probed.json()["targets"][0]["gathering_seconds"].as_f64().unwrap();
    assert!(time > 0.0 && (time - gathered).abs() < 0.001, "the suite took the probes' {gathered} s: {time}");

    let aws = FakeAws::start(None);
    let mut cmd = command(Some(&aws.url));
    cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
    let out = run(cmd, &["check", "--all", "--output", "junit"]);
    assert_eq!(out.code, 3);
    let report = junit_parsed(&out.stdout);
    assert_eq!(report["suites"][0]["name"], "AWS in us-east-1");
    let case = &report["suites"][0]["cases"][0];
    assert_eq!(case["result"], serde_json::json!(["error"]));
    assert!(case["message"][0].as_str().unwrap().contains("no AWS credentials found"), "{case}");
}

/// An AWS problem shared by several scopes is said once, in the same words, by every human format.
#[test]
fn an_aws_problem_of_every_scope_is_said_once_alike_by_the_table_markdown_and_junit() {
    let aws = FakeAws::start(None);
    let said = "AWS could not be read in any of the 2 Regions and accounts asked: no AWS credentials found";
    let mut texts = Vec::new();
    for output in ["table", "markdown", "junit"] {
        let mut cmd = command(Some(&aws.url));
        cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
        let out = run(cmd, &["check", "--all", "--region", "us-east-1", "--region", "eu-west-1", "--output", output]);
        assert_eq!(out.code, 3, "{output}: {}", out.stdout);
        texts.push(out.stdout);
    }
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(words(&texts[0]).matches(said).count(), 1, "{}", texts[0]);
    assert_eq!(texts[1].matches("no AWS credentials found").count(), 1, "{}", texts[1]);
    assert!(texts[1].contains("> **AWS could not be read in any of the 2 Regions and accounts asked: no AWS"));
    let report = junit_parsed(&texts[2]);
    let suites: Vec<&serde_json::Value> = report["suites"].as_array().unwrap().iter().collect();
    assert_eq!(suites.len(), 1, "one suite for the shared problem: {suites:?}");
    assert_eq!(suites[0]["name"], "AWS in any of the 2 Regions and accounts asked");
    assert!(suites[0]["cases"][0]["message"][0].as_str().unwrap().starts_with(said), "{}", suites[0]);
}

#[test]
fn prometheus_output_has_a_status_per_check_and_the_exit_code() {
    let out = run(command(None), &["check", "--facts", EXAMPLE, "--output", "prometheus"]);
    assert!(out.stdout.contains(
        "xks_preflight_check_status{region=\"us-east-1\",target=\"cks-7c1d2e3f4a5b6c7d8\",check=\"vpc.acceptance_required\",section=\"vpc\"} 2"
    ), "{}", out.stdout);
    assert!(out
        .stdout
        .contains("xks_preflight_checks{region=\"us-east-1\",target=\"cks-7c1d2e3f4a5b6c7d8\",status=\"fail\"} 2"));
    assert!(out.stdout.contains("xks_preflight_exit_code{region=\"us-east-1\"} 1"));
}

#[test]
fn missing_aws_credentials_are_said_once_in_one_line_with_what_to_do() {
    let aws = FakeAws::start(None);
    let mut cmd = command(Some(&aws.url));
    cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
    let args = ["check", "--output", "json", "--custom-key-store-id", "cks-1234567890abcdef0"];
    let out = run(cmd, &args);
    assert_eq!(out.code, 3, "nothing failed, but nothing could be read: {}", out.stdout);
    let message = out.aws_problem()["message"].as_str().unwrap().to_string();
    assert!(message.contains("no AWS credentials found"), "{message}");
    // What to do is the remedy's, said by the verdict, not the gathered message's.
    let remedy = out.aws_problem()["remedy"].as_str().unwrap().to_string();
    assert!(remedy.contains("--profile") && remedy.contains("AWS_ACCESS_KEY_ID"), "{remedy}");
    assert!(!message.contains('…') && !message.contains('\n') && !message.contains("Attempted"), "{message}");
    assert!(out.with_status("error").is_empty(), "no check repeats it: {:?}", out.with_status("error"));

    let mut cmd = command(Some(&aws.url));
    cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
    let table = run(cmd, &args[..1].iter().chain(&args[3..]).copied().collect::<Vec<_>>());
    assert_eq!(table.stdout.matches("no AWS credentials found").count(), 1, "{}", table.stdout);
    let first_target = table.stdout.find("━━").unwrap();
    assert!(table.stdout.find("no AWS credentials found").unwrap() < first_target, "at the top: {}", table.stdout);
    assert_eq!(table.code, 3);
}

#[test]
fn expired_session_token_is_named_as_such() {
    let body =
        r#"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#;
    let aws = FakeAws::start(None).with_kms_error(400, body.to_string());
    let out = check_json(&aws.url, &["--custom-key-store-id", "cks-1234567890abcdef0"]);
    let problem = out.aws_problem();
    assert!(problem["message"].as_str().unwrap().contains("the AWS session token has expired"), "{problem}");
    assert_eq!(problem["code"], "ExpiredTokenException");
}

#[test]
fn a_refused_permission_stays_with_its_check_and_is_not_a_setup_problem() {
    let body = r#"{"__type":"AccessDeniedException","message":"User is not authorized to perform: kms:DescribeCustomKeyStores"}"#;
    let aws = FakeAws::start(None).with_kms_error(400, body.to_string());
    let out = check_json(&aws.url, &["--custom-key-store-id", "cks-1234567890abcdef0"]);
    assert!(out.json()["scopes"][0]["aws_problem"].is_null(), "{}", out.stdout);
    assert_eq!(out.status("config.store_found"), "error");
    assert!(out.evidence("config.store_found").contains("was refused"), "{}", out.evidence("config.store_found"));
    let remedy = out.remedy("config.store_found");
    // No role was assumed: the identity running the tool is the one that needs the permission.
    assert!(remedy.starts_with("Allow kms:DescribeCustomKeyStores to the identity running xks-preflight"), "{remedy}");
}

#[test]
fn prometheus_output_is_read_by_prometheus_client_with_the_gauges_a_dashboard_wants() {
    let healthy = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/examples/healthy-stores.json");
    let out = run(command(None), &["check", "--facts", healthy, "--output", "prometheus"]);
    let samples = prometheus_parsed(&out.stdout);
    let store = "region=us-east-1,target=cks-0a1b2c3d4e5f6a7b8";
    for expected in [
        format!("xks_preflight_certificate_days_left{{check=tls.validity,{store}}} 158.0"),
        // prometheus_client's parser gives the labels sorted by name.
        "xks_preflight_external_key_manager_state{check=proxy.ekm_available,ekm=hsm-1,region=us-east-1,\
         state=ACTIVE,target=cks-0a1b2c3d4e5f6a7b8} 1.0"
            .to_string(),
        "xks_preflight_last_run_timestamp_seconds{region=us-east-1} 1736942400.0".to_string(),
        "xks_preflight_exit_code{region=us-east-1} 0.0".to_string(),
    ] {
        assert!(samples.contains(&expected), "{expected} not in:\n{samples}");
    }
    for gauge in
        ["xks_preflight_round_trip_median_ms{check=net.rtt", "xks_preflight_proxy_latency_worst_ms{check=proxy.latency"]
    {
        assert!(samples.contains(gauge), "{gauge} not in:\n{samples}");
    }
    let statuses = samples.lines().filter(|l| l.starts_with("xks_preflight_check_status{")).count();
    assert_eq!(statuses, 3 * xks_preflight::catalogue::CheckId::ALL.len(), "a status per check of the three targets");
}

/// The README's exit codes, as `exit.rs` describes them: a table for `check`, a line for `explain` and
/// for `alarms` and `load`.
fn readme_exit_codes() -> String {
    let mut text = String::from("For `check`:\n\n| code | meaning |\n|---|---|\n");
    for (code, meaning) in Command::Check.codes() {
        text.push_str(&format!("| {} | {meaning} |\n", i32::from(*code)));
    }
    for command in [Command::Explain, Command::Alarms, Command::Load] {
        text.push_str(&format!("\nFor `{}`: {}.\n", command.name(), command.listed(|_| true)));
    }
    text
}

/// `XKS_UPDATE_DERIVED=1` rewrites the README's section from `exit.rs`.
#[test]
fn readme_exit_codes_are_the_ones_exit_rs_describes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let heading = "### Exit codes\n\n";
    let start = readme.find(heading).expect("an exit codes section") + heading.len();
    let end = start + readme[start..].find("\n### ").expect("a section after it");
    let generated = readme_exit_codes();
    if std::env::var("XKS_UPDATE_DERIVED").is_ok() {
        std::fs::write(path, format!("{}{generated}{}", &readme[..start], &readme[end..])).unwrap();
    }
    assert_eq!(&readme[start..end], generated, "README.md is out of date: rerun with XKS_UPDATE_DERIVED=1");
}

#[test]
fn check_explain_and_alarms_help_end_with_their_exit_codes() {
    for command in [Command::Check, Command::Explain, Command::Alarms, Command::Load] {
        let out = run(crate::support::command(None), &[command.name(), "--help"]);
        let words = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        let codes = format!("Exit codes ({}): {}.", command.name(), command.listed(|_| true));
        assert!(words.ends_with(&codes), "{}", out.stdout);
    }
}

/// `--since` takes a number and a unit within CloudWatch's 15 days of one-minute data; anything else is
/// refused by name, exit 2.
#[test]
fn since_outside_fourteen_days_or_without_a_unit_is_refused_naming_the_value() {
    for bad in ["15d", "30", "20x", "0m", "3 h"] {
        let out = run(command(None), &["check", "--all", "--since", bad]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains(&format!("'{bad}'")) && out.stderr.contains("from 1m to 14d"), "{}", out.stderr);
    }
}
