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
    for sub in ["textfile", "log"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let mut cmd = command(Some(&aws.url));
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
    let out = run_in(dir.path(), &aws, &args);
    assert_ne!(out.code, 2, "the page's command is a valid invocation: {}", out.stderr);
    let junit = junit_parsed(&std::fs::read_to_string(dir.path().join("preflight.xml")).unwrap());
    assert_eq!(junit["tests"].as_u64(), Some(xks_preflight::catalogue::CheckId::ALL.len() as u64));
    let markdown = std::fs::read_to_string(dir.path().join("preflight.md")).unwrap();
    assert!(markdown.starts_with("# xks-preflight report"), "{markdown}");
}
