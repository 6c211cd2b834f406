//! The commands in docs/running-on-a-schedule.md, run as the page writes them (only the directories moved
//! into a temporary one), produce files their consumers read: the Prometheus file by prometheus_client's
//! parser, the JSON report by jsonschema against the kept schema, the JUnit report by junitparser.

use std::path::Path;

use crate::support::fake_aws::FakeAws;
use crate::support::fake_monitor::FakeMonitor;
use crate::support::readers::{junit_parsed, prometheus_parsed, schema_errors};
use crate::support::{command, moto, run, Run, Store, ACCESS_KEY_ID};

const PAGE: &str = include_str!("../../docs/running-on-a-schedule.md");

/// The command on the page that starts with `start`: its continuation lines joined, the shell's output
/// redirection left out, the system directories moved under `dir`, and `$VARIABLE`s given `values`.
fn command_on_the_page(start: &str, dir: &Path, values: &[(&str, &str)]) -> Vec<String> {
    let at = PAGE.find(start).unwrap_or_else(|| panic!("the page no longer has a command starting {start:?}"));
    let mut text = String::new();
    for line in PAGE[at..].lines() {
        match line.trim_end().strip_suffix('\\') {
            Some(continued) => text.push_str(continued),
            None => {
                text.push_str(line);
                break;
            }
        }
        text.push(' ');
    }
    let text = text.split(">>").next().unwrap();
    let mut text = text
        .replace("/var/lib/node_exporter/textfile_collector/", &format!("{}/textfile/", dir.display()))
        .replace("/var/log/xks-preflight/", &format!("{}/log/", dir.display()));
    for (name, value) in values {
        text = text.replace(&format!("\"${name}\""), value);
    }
    assert!(!text.contains('$'), "a variable the test gives no value: {text}");
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    let tool = words.iter().position(|w| w == "xks-preflight").expect("the command runs xks-preflight");
    words[tool + 1..].to_vec()
}

fn run_in(dir: &Path, aws: &FakeAws, args: &[String]) -> Run {
    run_with(dir, aws, args, |_| ())
}

/// `run_in`, with the environment changed first (a CI runner's, with no AWS_REGION).
fn run_with(dir: &Path, aws: &FakeAws, args: &[String], change: impl FnOnce(&mut assert_cmd::Command)) -> Run {
    for sub in ["textfile", "log"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let mut cmd = command(Some(&aws.url));
    change(&mut cmd);
    // KMS's view of the stores comes from the CloudWatch and CloudTrail stand-in: here, no metrics.
    let monitor = FakeMonitor::start();
    cmd.env("AWS_ENDPOINT_URL_CLOUDWATCH", &monitor.url).env("AWS_ENDPOINT_URL_CLOUDTRAIL", &monitor.url);
    cmd.current_dir(dir);
    run(cmd, &args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn the_cron_line_writes_a_prometheus_file_and_a_json_report_their_readers_accept() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::public("cks-5e5e5e5e5e5e5e5e5", "https://xks.example.com");
    let aws = FakeAws::start(None).with_stores(vec![store.json()]);
    let args = command_on_the_page("*/15 * * * * xks-preflight check --all --region", dir.path(), &[]);
    let out = run_in(dir.path(), &aws, &args);
    // run() adds --no-network (no test reaches the internet): a CONNECTED store, judged from KMS alone.
    assert_eq!(out.code, 0, "{}", out.stdout);
    let metrics = std::fs::read_to_string(dir.path().join("textfile/xks-preflight.prom")).unwrap();
    let samples = prometheus_parsed(&metrics);
    assert!(samples.contains(&format!("xks_preflight_exit_code{{region=eu-west-1}} {}.0", out.code)), "{samples}");
    assert!(samples.contains("xks_preflight_aws_readable{region=eu-west-1} 1.0"), "{samples}");
    let json = std::fs::read_to_string(dir.path().join("log/last.json")).unwrap();
    schema_errors(&json).unwrap();
    assert!(json.contains("cks-5e5e5e5e5e5e5e5e5"));
}

#[test]
fn the_fleet_cron_line_reads_both_accounts_in_every_region_into_one_prometheus_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::public("cks-6f6f6f6f6f6f6f6f6", "https://xks.example.com");
    let aws = FakeAws::start(Some(&moto::url())).with_stores_in("444455556666", "eu-west-1", vec![store.json()]);
    let args = command_on_the_page("*/15 * * * * xks-preflight check --all --all-regions", dir.path(), &[]);
    let out = run_in(dir.path(), &aws, &args);
    let metrics = std::fs::read_to_string(dir.path().join("textfile/xks-preflight-fleet.prom")).unwrap();
    let samples = prometheus_parsed(&metrics);
    let readable: Vec<&str> = samples.lines().filter(|s| s.starts_with("xks_preflight_aws_readable{")).collect();
    assert!(readable.iter().all(|s| s.ends_with(" 1.0")), "every Region answered: {samples}");
    for account in ["111122223333", "444455556666"] {
        let regions = readable.iter().filter(|s| s.contains(&format!("account={account},"))).count();
        assert!(regions >= xks_preflight::aws_names::XKS_REGIONS.len(), "{account}: {regions} Regions");
    }
    let store_series = "xks_preflight_check_status{account=444455556666,check=config.store_found,region=eu-west-1,\
                        section=config,target=cks-6f6f6f6f6f6f6f6f6} 0.0";
    assert!(samples.contains(store_series), "{samples}");
    // The run's own series is named by what was asked (the accounts, every Region), the same from run to run.
    let exit = format!("xks_preflight_exit_code{{account=111122223333,444455556666,region=all}} {}.0", out.code);
    assert!(samples.contains(&exit), "{samples}");
    assert_eq!(out.stdout.matches("━━").count(), 1, "-q shows the one store: {}", out.stdout);
}

#[test]
fn the_ci_job_writes_a_junit_report_junitparser_reads_and_a_markdown_summary() {
    let dir = tempfile::tempdir().unwrap();
    let aws = FakeAws::start(None);
    let args = command_on_the_page("xks-preflight check --no-aws", dir.path(), &[("XKS_ACCESS_KEY_ID", ACCESS_KEY_ID)]);
    // A GitHub runner has no AWS_REGION: the command names the Region itself.
    let out = run_with(dir.path(), &aws, &args, |cmd| {
        cmd.env_remove("AWS_REGION");
    });
    assert_ne!(out.code, 2, "the page's command is a valid invocation: {}", out.stderr);
    let junit = junit_parsed(&std::fs::read_to_string(dir.path().join("preflight.xml")).unwrap());
    assert_eq!(junit["tests"].as_u64(), Some(xks_preflight::catalogue::CheckId::ALL.len() as u64));
    let markdown = std::fs::read_to_string(dir.path().join("preflight.md")).unwrap();
    assert!(markdown.starts_with("# xks-preflight report"), "{markdown}");
}

const README: &str = include_str!("../../README.md");

/// Every command of the README's `sh` blocks, continuation lines joined.
fn readme_commands() -> Vec<String> {
    let mut commands = Vec::new();
    for block in README.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap();
        let mut current = String::new();
        for line in block.lines() {
            match line.trim_end().strip_suffix('\\') {
                Some(continued) => current.push_str(continued),
                None => {
                    current.push_str(line);
                    commands.push(current.split_whitespace().collect::<Vec<_>>().join(" "));
                    current.clear();
                }
            }
        }
    }
    commands
}

/// Each command of the README runs as written, by bash, from an empty folder with the installed binary
/// on PATH and AWS emulated: none is refused as an invocation (exit 2) or leaves an error. Only what
/// cannot run here stands in: `cargo run --` is the binary it runs, `pbpaste` a clipboard holding a
/// code, `| sh` (which would run the aws CLI) is left out, and the network is not probed (no internet).
#[test]
fn every_command_in_the_readme_runs_as_written() {
    let aws = FakeAws::start(None);
    let binary = assert_cmd::cargo::cargo_bin("xks-preflight");
    let commands = readme_commands();
    assert!(commands.len() >= 12, "{commands:#?}");
    let mut ran = 0;
    for command_line in &commands {
        // Not the tool's: the install, the test run (which this test is part of) and Terraform's own plan.
        if command_line.starts_with("cargo install")
            || command_line == "scripts/test"
            || command_line.starts_with("terraform ")
        {
            continue;
        }
        let mut line = command_line.replace("cargo run -- ", "xks-preflight ");
        line = line.trim_end_matches(" | sh").to_string();
        let probes = line.starts_with("xks-preflight check")
            && !["--example", "--facts", "--no-network"].iter().any(|f| line.contains(f));
        if probes {
            line = line.replacen("xks-preflight check", "xks-preflight check --no-network", 1);
        }
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join("proxy-configuration.json"),
            r#"{"XksProxyUriPath": "/kms/xks/v1", "XksProxyAuthenticationCredential": {"AccessKeyId": "AKSE2VPZ7WQ4XKS3PROXY5AB"}}"#,
        )
        .unwrap();
        // What `terraform show -json` wrote: a plan the real Terraform recorded (fixtures/iac/README.md).
        std::fs::copy(
            concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/iac/terraform/good/plan.json"),
            home.path().join("plan.json"),
        )
        .unwrap();
        // The rotation rehearsal's next secret, in the file the README names.
        std::fs::write(home.path().join("next-secret"), "Nn3xtNn3xtNn3xtNn3xtNn3xtNn3xtNn3xtNn3xtNn3x0\n").unwrap();
        // `bash -c` runs the line as a user's shell would, after a stand-in for the clipboard.
        let program = format!("pbpaste() {{ echo XKS_PROXY_TIMED_OUT; }}\nset -o pipefail\n{line}");
        let mut bash = std::process::Command::new("bash");
        crate::support::isolate(&mut bash, Some(&aws.url));
        let path = format!("{}:{}", binary.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
        let output = bash
            .arg("-c")
            .arg(&program)
            .current_dir(home.path())
            .env("HOME", home.path())
            .env("PATH", path)
            .env("MANPAGER", "cat")
            .env("XKS_PROXY_SECRET_ACCESS_KEY", "Ts3cretTs3cretTs3cretTs3cretTs3cretTs3cret0")
            .output()
            .unwrap();
        let code = output.status.code().unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(code != 2 && code != 127, "{command_line}: exit {code}: {stderr}");
        // A load run needs the proxy it names, which is not here (no internet): it may only say it could
        // not run (exit 3), which proves the invocation itself was taken.
        if line.starts_with("xks-preflight load ") {
            assert!(code == 3 && stderr.contains("could not run"), "{command_line}: exit {code}: {stderr}");
            ran += 1;
            continue;
        }
        assert!(!stderr.contains("xks-preflight:"), "{command_line}: {stderr}");
        ran += 1;
    }
    assert!(ran >= 10, "{ran} commands ran");
}

#[test]
fn the_readme_gives_the_report_schema_version_in_force() {
    let stated = README
        .split("`schema_version` (now ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("the README no longer says which schema_version reports carry"));
    assert_eq!(stated, xks_preflight::verdict::REPORT_SCHEMA_VERSION.to_string());
}
