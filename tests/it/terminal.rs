//! The conventions of a command-line tool: the folded report and its -q and -v forms, colour only when
//! asked for or on a terminal, Markdown, selection of checks, the exit code under --fail-on, the check
//! list, completions and the man page, files written whole after the report, and a reader that leaves.

use crate::replay::EXAMPLE;
use crate::support::pty::strip_styles;
use crate::support::{command, run, Run};

const HEALTHY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/examples/healthy-stores.json");

fn example(extra: &[&str]) -> Run {
    let mut args = vec!["check", "--facts", EXAMPLE];
    args.extend_from_slice(extra);
    run(command(None), &args)
}

#[test]
fn default_report_folds_passes_and_skips_and_says_the_cause_first() {
    let out = example(&[]);
    assert_eq!(out.code, 1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    // Two screens at most, with the fix commands and what was not checked.
    assert!(lines.len() <= 65, "{} lines\n{}", lines.len(), out.stdout);
    let diagnosis = lines.iter().position(|l| l.starts_with("Diagnosis: KMS reported")).expect("a diagnosis");
    let first_row = lines.iter().position(|l| l.starts_with(" FAIL") || l.starts_with(" WARN")).unwrap();
    assert!(diagnosis < first_row, "the cause comes first");
    let words = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("FAILED with XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION: see the diagnosis above"));
    assert!(!out.stdout.contains("Likely causes"), "the diagnosis is said once");
    assert!(!out.stdout.contains(" PASS "), "passes are folded");
    assert!(!out.stdout.contains('\u{1b}'), "no colour when not a terminal");
    insta::assert_snapshot!("example_folded", out.stdout);
}

#[test]
fn quiet_report_has_only_what_needs_attention_and_the_summary() {
    let out = example(&["-q"]);
    assert_eq!(out.code, 1);
    assert!(!out.stdout.contains("SKIP") && !out.stdout.contains("PASS"), "{}", out.stdout);
    assert!(out.stdout.contains("vpc.acceptance_required") && out.stdout.contains("→ exit 1"));
    assert!(!out.stdout.contains("KMS answers"), "what KMS answers is for -v and the default view");
    insta::assert_snapshot!("example_quiet", out.stdout);
}

#[test]
fn verbose_report_has_every_row_within_80_columns() {
    let mut cmd = command(None);
    cmd.env("COLUMNS", "80");
    let out = run(cmd, &["check", "--facts", EXAMPLE, "-v"]);
    // Every check is named: on a row of its own, or among the checks skipped for one reason.
    let words: std::collections::HashSet<&str> =
        out.stdout.split(|c: char| c.is_whitespace() || c == ',' || c == ':').collect();
    for id in xks_preflight::catalogue::CheckId::ALL {
        assert!(words.contains(id.as_str()), "{id} is not in the verbose report:\n{}", out.stdout);
    }
    // Words are never broken, so that IDs and commands can be copied: only a line of one word may be longer.
    let text_words = |line: &str| {
        let words = line.split_whitespace().count();
        // A row starts with one space and its status and ID; a continuation with the text column's indent.
        if line.starts_with(' ') && !line.starts_with("  ") {
            words.saturating_sub(2)
        } else {
            words
        }
    };
    // Below 100 columns a row is stacked: the mark and the ID alone, the text under them.
    assert!(out.stdout.lines().any(|l| l.trim_end() == " FAIL   vpc.acceptance_required"), "{}", out.stdout);
    // A command to paste keeps its line, however long.
    let is_command = |l: &str| l.trim_start().starts_with("aws ") || l.trim_start().starts_with("xks-preflight ");
    let too_long: Vec<&str> =
        out.stdout.lines().filter(|l| l.chars().count() > 80 && text_words(l) > 1 && !is_command(l)).collect();
    assert!(too_long.is_empty(), "{too_long:#?}");
    let facts: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(EXAMPLE).unwrap()).unwrap();
    let service_id = facts["targets"][0]["vpc"]["provider_view"]["seen"]["service_id"].as_str().unwrap();
    assert!(out.stdout.contains(service_id), "the service ID {service_id} stays whole");
    insta::assert_snapshot!("example_verbose_80", out.stdout);
}

#[test]
fn colour_is_added_when_asked_and_removed_for_no_color() {
    let out = example(&["--color", "always", "-q"]);
    assert!(out.stdout.contains("\u{1b}[1m\u{1b}[31mFAIL"), "red, bold FAIL: {:?}", out.stdout);
    let mut cmd = command(None);
    cmd.env("CLICOLOR_FORCE", "1");
    let out = run(cmd, &["check", "--facts", EXAMPLE]);
    assert!(out.stdout.contains('\u{1b}'), "CLICOLOR_FORCE colours a pipe");
    let mut cmd = command(None);
    cmd.env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1");
    let out = run(cmd, &["check", "--facts", EXAMPLE]);
    assert!(!out.stdout.contains('\u{1b}'), "NO_COLOR wins over CLICOLOR_FORCE");
    let out = example(&["--color", "always", "--output", "json"]);
    assert!(!out.stdout.contains('\u{1b}'), "machine output never has colour");
}

#[test]
fn coloured_report_at_120_columns_keeps_its_status_column() {
    let mut cmd = command(None);
    cmd.env("COLUMNS", "120");
    let out = run(cmd, &["check", "--facts", EXAMPLE, "--color", "always"]);
    let plain: Vec<String> = out.stdout.lines().map(strip_styles).collect();
    let is_command = |l: &str| l.trim_start().starts_with("aws ");
    assert!(
        plain.iter().all(|l| l.chars().count() <= 120 || l.split_whitespace().count() <= 3 || is_command(l)),
        "{plain:#?}"
    );
    // The text column starts at the same place on every row, coloured or not.
    let starts: Vec<usize> =
        plain.iter().filter(|l| l.starts_with(" FAIL") || l.starts_with(" WARN")).map(|l| text_column(l)).collect();
    assert!(starts.len() >= 5 && starts.iter().all(|s| *s == starts[0]), "{starts:?}");
    insta::assert_snapshot!("example_colour_120", out.stdout);
}

/// Where a row's text begins: after the status and the ID.
fn text_column(row: &str) -> usize {
    let id_end = row.find('.').and_then(|dot| row[dot..].find(' ').map(|space| dot + space)).unwrap();
    id_end + row[id_end..].chars().take_while(|c| *c == ' ').count()
}

#[test]
fn markdown_report_has_the_diagnosis_and_a_row_per_problem() {
    let out = example(&["--output", "markdown"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("# xks-preflight report: us-east-1"));
    assert!(out
        .stdout
        .contains("**Diagnosis:** KMS reported XKS\\_VPC\\_ENDPOINT\\_SERVICE\\_INVALID\\_CONFIGURATION"));
    assert!(out.stdout.contains("| ❌ fail | `vpc.acceptance_required`"), "{}", out.stdout);
    let rows =
        out.stdout.lines().filter(|l| l.starts_with("| ") && l.contains("`") && !l.starts_with("| Status")).count();
    assert!(rows > xks_preflight::catalogue::CheckId::ALL.len(), "every check in the details, problems above");
    insta::assert_snapshot!("example_markdown", out.stdout);
}

#[test]
fn only_judges_the_named_checks_and_what_they_can_be_blocked_by() {
    let out = example(&["--output", "json", "--only", "vpc.private_dns_verified"]);
    assert_eq!(out.status("vpc.acceptance_required"), "skipped");
    assert_eq!(out.evidence("vpc.acceptance_required"), "not selected with --only");
    // Its upstream checks are judged, so that a blocked result still points at a judged failure.
    assert_eq!(out.status("vpc.service_found"), "pass");
    assert_ne!(out.status("vpc.private_dns_verified"), "skipped");
    let out = example(&["--only", "tls.no_such_check"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("'tls.no_such_check'") && out.stderr.contains("list-checks"), "{}", out.stderr);
}

#[test]
fn fail_on_warn_turns_a_warning_into_exit_one() {
    let out = example(&["--output", "json", "--only", "vpc.subnets_private"]);
    assert_eq!(out.status("vpc.subnets_private"), "warn");
    assert_eq!(out.code, 0, "a warning alone passes");
    let out = example(&["--output", "json", "--only", "vpc.subnets_private", "--fail-on", "warn"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["exit_code"], 1);
    assert_eq!(out.json()["fail_on"], "warn");
    // CI reads the JUnit report: the warning that fails the run is a failure there too.
    let out = example(&["--output", "junit", "--only", "vpc.subnets_private", "--fail-on", "warn"]);
    let report = crate::support::readers::junit_parsed(&out.stdout);
    let cases = report["suites"][0]["cases"].as_array().unwrap();
    let warned = cases.iter().find(|c| c["name"] == "vpc.subnets_private").unwrap();
    assert_eq!(warned["result"], serde_json::json!(["failure"]), "{warned}");
    assert!(warned["message"][0].as_str().unwrap().starts_with("warning: "), "{warned}");
    assert_eq!(report["failures"], 1);
    assert_eq!(report["tests"].as_u64(), Some(xks_preflight::catalogue::CheckId::ALL.len() as u64));
}

/// Whether a check fails the run is decided once, by the verdict; every format shows that decision.
#[test]
fn a_warning_that_fails_the_run_says_so_in_every_format() {
    let only = ["--only", "vpc.subnets_private"];
    let prometheus = "xks_preflight_failing_checks{region=\"us-east-1\",target=\"cks-7c1d2e3f4a5b6c7d8\"}";
    for (fail_on, fails) in [("warn", true), ("fail", false)] {
        let args = |output: &'static str| [&only[..], &["--fail-on", fail_on, "--output", output]].concat();
        assert_eq!(example(&args("json")).check("vpc.subnets_private")["fails_run"], fails, "{fail_on}");
        let table = example(&args("table")).stdout;
        assert_eq!(table.contains("[fails the run under --fail-on warn] subnet-"), fails, "{table}");
        let markdown = example(&args("markdown")).stdout;
        assert_eq!(markdown.contains("| ⚠️ warn, fails the run | `vpc.subnets_private`"), fails, "{markdown}");
        let metrics = example(&args("prometheus")).stdout;
        assert!(metrics.contains(&format!("{prometheus} {}", u8::from(fails))), "{metrics}");
    }
}

#[test]
fn list_checks_gives_every_check_as_a_table_and_as_json() {
    let out = run(command(None), &["list-checks", "--output", "json"]);
    assert_eq!(out.code, 0);
    let list: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    let all: Vec<&str> = xks_preflight::catalogue::CheckId::ALL.iter().map(|id| id.as_str()).collect();
    assert_eq!(ids, all);
    let latency = list.as_array().unwrap().iter().find(|c| c["id"] == "proxy.latency").unwrap();
    assert_eq!(latency["severity"], "fail");
    assert!(latency["kms_says"].to_string().contains("XKS_PROXY_TIMED_OUT"));
    let table = run(command(None), &["list-checks"]);
    assert!(table.stdout.contains("Proxy API") && table.stdout.contains("proxy.latency"));
    assert_eq!(run(command(None), &["list-checks", "--output", "junit"]).code, 2);
}

#[test]
fn explain_refuses_formats_it_does_not_write() {
    for format in ["junit", "prometheus", "markdown"] {
        let out = run(command(None), &["explain", "--output", format, "XKS_PROXY_TIMED_OUT"]);
        assert_eq!(out.code, 2, "{format}");
        assert!(out.stderr.contains(&format!("invalid value '{format}' for '--output")), "{}", out.stderr);
        assert!(out.stderr.contains("[possible values: table, json]"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn reports_beside_the_terminal_one_are_written_whole_and_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (json, junit, prom, md) = (path("r.json"), path("r.xml"), path("r.prom"), path("r.md"));
    // A file being replaced keeps its mode: a collector running as another user can still read it.
    std::fs::write(&prom, "old").unwrap();
    std::fs::set_permissions(&prom, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
    let out = run(
        command(None),
        &["check", "--facts", HEALTHY, "--json", &json, "--junit", &junit, "--prometheus", &prom, "--markdown", &md],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("→ exit 0"));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["exit_code"], 0);
    assert!(std::fs::read_to_string(&junit).unwrap().starts_with("<?xml"));
    assert!(std::fs::read_to_string(&prom).unwrap().contains("xks_preflight_exit_code"));
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&prom).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o640);
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("# xks-preflight report"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 4, "no temporary file is left: {leftovers:?}");
    // What is not a regular file is not replaced.
    let out = run(command(None), &["check", "--facts", HEALTHY, "--json", "/dev/null"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("/dev/null: it exists and is not a regular file"), "{}", out.stderr);
    // A write that cannot be done comes after the report, and says so in one line.
    let out = run(
        command(None),
        &["check", "--no-aws", "--endpoint", "https://xks.example.com", "--save-facts", "/nonexistent/dir/facts.json"],
    );
    assert!(out.stdout.contains("→ exit"), "the report is printed before the facts are written");
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("cannot write the facts file /nonexistent/dir/facts.json"), "{}", out.stderr);
}

#[test]
fn a_reader_that_stops_reading_ends_the_output_quietly_and_the_files_are_still_written() {
    // Standard output is a pipe whose reading end is already closed: the first write gets EPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("xks-preflight"))
        .args(["check", "--facts", EXAMPLE, "-v", "--json", json.to_str().unwrap()])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "no panic, no error on a closed pipe: {stderr}");
    assert_eq!(output.status.code(), Some(1), "the verdict's exit code, not a crash");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["exit_code"], 1);
}

#[test]
fn bash_loads_the_completions_and_man_renders_the_page() {
    let out = run(command(None), &["completions", "bash"]);
    assert_eq!(out.code, 0);
    let dir = tempfile::tempdir().unwrap();
    let script = crate::support::write(dir.path(), "xks-preflight.bash", &out.stdout);
    let loaded = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source '{script}' && complete -p xks-preflight"))
        .output()
        .unwrap();
    assert!(loaded.status.success(), "{}", String::from_utf8_lossy(&loaded.stderr));
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("xks-preflight"));

    let page = run(command(None), &["man"]);
    assert!(
        page.stdout.starts_with(".ie") || page.stdout.contains(".TH"),
        "{}",
        &page.stdout[..200.min(page.stdout.len())]
    );
    let file = crate::support::write(dir.path(), "xks-preflight.1", &page.stdout);
    let rendered =
        std::process::Command::new("man").args(["-l", &file]).env("MANPAGER", "cat").env("MANWIDTH", "80").output();
    match rendered {
        Ok(rendered) if rendered.status.success() => {
            let text = String::from_utf8_lossy(&rendered.stdout);
            assert!(text.contains("xks-preflight") && text.contains("list-checks"), "{text}");
        }
        // CI installs man-db; elsewhere a host without it says so instead of passing silently.
        Ok(rendered) => panic!("man -l failed: {}", String::from_utf8_lossy(&rendered.stderr)),
        Err(error) => panic!("man is needed to render the page (apt-get install man-db): {error}"),
    }
}

#[test]
fn every_help_is_as_recorded_and_the_top_one_has_examples_and_the_exit_codes() {
    let out = run(command(None), &["--help"]);
    assert!(out.stdout.contains("Examples:") && out.stdout.contains("xks-preflight man"), "{}", out.stdout);
    insta::assert_snapshot!("help", out.stdout);
    let out = run(command(None), &["check", "--help"]);
    insta::assert_snapshot!("check_help", out.stdout);
    for subcommand in ["explain", "list-checks", "alarms", "completions", "man"] {
        let out = run(command(None), &[subcommand, "--help"]);
        assert_eq!(out.code, 0, "{subcommand}: {}", out.stderr);
        insta::assert_snapshot!(format!("{subcommand}_help"), out.stdout);
    }
}

/// Runs `check` with standard error on a pseudo-terminal of 100 columns (standard output a pipe), and
/// gives what was drawn on that terminal.
fn stderr_on_a_terminal(endpoint: &str, args: &[&str]) -> String {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};
    let (mut controller, mut device) = (-1, -1);
    let size = libc::winsize { ws_row: 30, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: openpty writes two new descriptors into the integers given; the others may be null.
    let opened = unsafe { libc::openpty(&mut controller, &mut device, std::ptr::null_mut(), std::ptr::null(), &size) };
    assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and belong to nothing else.
    let (controller, device) = unsafe { (OwnedFd::from_raw_fd(controller), OwnedFd::from_raw_fd(device)) };
    let mut child = crate::support::process(Some(endpoint))
        // A terminal always names its type; without one nothing is drawn, as on a dumb terminal.
        .env("TERM", "xterm-256color")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(device)
        .spawn()
        .unwrap();
    let mut drawn = Vec::new();
    let mut terminal = std::fs::File::from(controller);
    // Ends when the child has exited and its side of the terminal closed (EIO), or after 4096 reads.
    let mut buffer = [0u8; 4096];
    for _ in 0..4096 {
        match terminal.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => drawn.extend_from_slice(&buffer[..n]),
        }
    }
    child.wait().unwrap();
    String::from_utf8_lossy(&drawn).into_owned()
}

#[test]
fn a_progress_line_on_a_terminal_says_what_the_run_waits_for_and_machine_output_has_none() {
    let hanging = crate::support::Hanging::start();
    let args = ["check", "--custom-key-store-id", "cks-1234567890abcdef0", "--timeout", "2"];
    let drawn = stderr_on_a_terminal(&hanging.url, &[&args[..], &["--no-network"]].concat());
    assert!(drawn.contains("waiting for kms:DescribeCustomKeyStores in us-east-1"), "{drawn:?}");

    let json = stderr_on_a_terminal(&hanging.url, &[&args[..], &["--no-network", "--output", "json"]].concat());
    assert!(!json.contains("waiting for"), "{json:?}");
    // run() adds --no-network itself.
    let piped = run(command(Some(&hanging.url)), &args);
    assert_eq!(piped.code, 3);
    assert_eq!(piped.stderr, "", "no progress line when standard error is not a terminal");
}
