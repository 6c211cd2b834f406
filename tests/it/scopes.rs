//! Several Regions and accounts in one run: roles assumed through moto's STS (which hands out keys
//! bound to the role's account), each account's KMS answered per Region, one report and one exit code.

use serde_json::Value;

use crate::support::fake_aws::{fixture, FakeAws};
use crate::support::{command, moto, run, Store};

const AUDIT_A: &str = "arn:aws:iam::111111111111:role/xks-audit";
const AUDIT_B: &str = "arn:aws:iam::222222222222:role/xks-audit";

fn scopes(report: &Value) -> Vec<(String, String)> {
    report["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["account"].as_str().unwrap_or("-").to_string(), s["region"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn two_regions_of_two_accounts_are_read_with_each_role_and_judged_in_one_report() {
    let healthy = Store::public("cks-1a1a1a1a1a1a1a1a1", "https://xks-a.example.com");
    let failed = Store::public("cks-2b2b2b2b2b2b2b2b2", "https://xks-b.example.com").failed("XKS_PROXY_NOT_REACHABLE");
    let aws = FakeAws::start(Some(&moto::url()))
        .with_stores_in("111111111111", "us-east-1", vec![healthy.json()])
        .with_stores_in("222222222222", "eu-west-1", vec![failed.json()]);
    let args = [
        "check",
        "--all",
        "--output",
        "json",
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--role-arn",
        AUDIT_A,
        "--role-arn",
        AUDIT_B,
    ];
    let out = run(command(Some(&aws.url)), &args);
    let report = out.json();
    let expected = [
        ("111111111111", "us-east-1"),
        ("111111111111", "eu-west-1"),
        ("222222222222", "us-east-1"),
        ("222222222222", "eu-west-1"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, r)| (a.to_string(), r.to_string())).collect();
    assert_eq!(scopes(&report), expected, "{}", out.stderr);

    // Each account's KMS was called with the keys its role gave, in each Region: none with the caller's own.
    let mut called = aws.kms_scopes();
    called.sort();
    let mut wanted: Vec<(Option<String>, String)> =
        expected.iter().map(|(a, r)| (Some(a.clone()), r.clone())).collect();
    wanted.sort();
    assert_eq!(called, wanted);
    let assumed = aws.seen().iter().filter(|(service, action)| service == "sts" && action == "AssumeRole").count();
    assert_eq!(assumed, 2, "each role is assumed once, whatever the number of its Regions and calls");

    let targets = report["targets"].as_array().unwrap();
    let labels: Vec<&str> = targets.iter().map(|t| t["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        [
            "store cks-1a1a1a1a1a1a1a1a1 \"store-cks-1a1a1a1a1a1a1a1a1\" in us-east-1 of 111111111111",
            "store cks-2b2b2b2b2b2b2b2b2 \"store-cks-2b2b2b2b2b2b2b2b2\" in eu-west-1 of 222222222222"
        ]
    );
    assert_eq!(targets[1]["account"], "222222222222");
    assert_eq!(targets[1]["diagnosis"]["reported"], "XKS_PROXY_NOT_REACHABLE");
    assert_eq!(report["scopes"][1]["targets"], 0);
    assert_eq!(out.code, 1, "the FAILED store in the second account fails the whole run");

    let table = run(
        command(Some(&aws.url)),
        &args.iter().filter(|a| !["--output", "json"].contains(a)).copied().collect::<Vec<_>>(),
    );
    assert!(
        table.stdout.contains("No external key stores in eu-west-1 of 111111111111, us-east-1 of 222222222222."),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("4 Regions of 2 accounts"), "{}", table.stdout);
}

#[test]
fn all_regions_reads_every_enabled_region_that_offers_external_key_stores() {
    let aws = FakeAws::start(Some(&moto::url()));
    let args = ["check", "--all", "--all-regions", "--role-arn", AUDIT_A, "--output", "json"];
    let out = run(command(Some(&aws.url)), &args);
    let report = out.json();
    let regions: Vec<String> = scopes(&report).into_iter().map(|(_, region)| region).collect();
    // moto lists 38 Regions, among them some that do not offer external key stores (ap-south-2,
    // eu-central-2, the GovCloud and China Regions), which are left out, and some newer than the
    // tool's list, which are read (config.region_supported warns about them).
    use xks_preflight::aws_names::{NO_XKS_REGIONS, XKS_REGIONS};
    let mut sorted = regions.clone();
    sorted.sort();
    assert_eq!(regions, sorted, "in Region order: {}", out.stderr);
    assert!(XKS_REGIONS.iter().all(|r| regions.iter().any(|seen| seen == r)), "{regions:?}");
    assert!(regions.iter().all(|r| !NO_XKS_REGIONS.contains(&r.as_str())), "{regions:?}");
    assert!(regions.iter().any(|r| r == "ca-west-1"), "a Region newer than the tool's list is read too: {regions:?}");
    assert!(aws.seen().contains(&("ec2".to_string(), "DescribeRegions".to_string())));
    assert_eq!(aws.kms_scopes().len(), regions.len());
    assert_eq!(out.code, 0, "no stores anywhere, and every Region answered");
}

#[test]
fn a_role_that_cannot_be_assumed_is_said_once_and_its_account_is_not_read() {
    // The error body is shaped after the AssumeRole errors in the AWS STS API reference.
    let denied = fixture("sts/assume-role-access-denied.xml", &[("role", AUDIT_B)]);
    let aws = FakeAws::start(Some(&moto::url())).with_canned("sts", "AssumeRole", 403, denied);
    let args = ["check", "--all", "--region", "us-east-1", "--region", "eu-west-1", "--role-arn", AUDIT_B];
    let out = run(command(Some(&aws.url)), &args);
    assert_eq!(out.code, 3, "nothing failed, but an account went unread: {}", out.stdout);
    assert_eq!(out.stdout.matches("could not be assumed").count(), 1, "once for both Regions: {}", out.stdout);
    assert!(out.stdout.contains("AWS could not be read in any of the 2 Regions and accounts asked"), "{}", out.stdout);
    assert!(out.stdout.contains("is not authorized to perform: sts:AssumeRole"), "{}", out.stdout);
    assert!(aws.kms_scopes().is_empty(), "KMS is not asked with credentials that do not exist");

    let json = run(command(Some(&aws.url)), &[&args[..], &["--output", "json"]].concat());
    let problem = &json.json()["scopes"][0]["aws_problem"];
    assert_eq!(problem["action"], "sts:AssumeRole");
    assert!(problem["remedy"].as_str().unwrap().contains("trust policy"), "{problem}");
}

#[test]
fn several_regions_without_all_are_refused_with_what_to_give() {
    let out = run(
        command(None),
        &["check", "--custom-key-store-id", "cks-1234567890abcdef0", "--region", "us-east-1", "--region", "eu-west-1"],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--region") && out.stderr.contains("--all"), "{}", out.stderr);
    let out = run(command(None), &["check", "--all", "--role-arn", "arn:aws:iam::1111:role/x"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("12-digit account"), "{}", out.stderr);
}

#[test]
fn a_refused_role_leaves_the_other_account_checked() {
    let denied = fixture("sts/assume-role-access-denied.xml", &[("role", AUDIT_B)]);
    let store = Store::public("cks-3c3c3c3c3c3c3c3c3", "https://xks-a.example.com");
    let aws = FakeAws::start(Some(&moto::url())).with_refused_role(AUDIT_B, 403, denied).with_stores_in(
        "111111111111",
        "us-east-1",
        vec![store.json()],
    );
    let args =
        ["check", "--all", "--output", "json", "--region", "us-east-1", "--role-arn", AUDIT_A, "--role-arn", AUDIT_B];
    let out = run(command(Some(&aws.url)), &args);
    let report = out.json();
    assert!(report["scopes"][0]["aws_problem"].is_null(), "{}", out.stdout);
    assert_eq!(report["scopes"][0]["targets"], 1);
    assert_eq!(report["scopes"][1]["aws_problem"]["action"], "sts:AssumeRole");
    assert_eq!(aws.kms_scopes(), [(Some("111111111111".to_string()), "us-east-1".to_string())]);
    assert_eq!(out.code, 3, "the store passed, but an account went unread");
}

#[test]
fn regions_that_cannot_be_listed_are_said_with_the_permission_to_add() {
    let refused = fixture("ec2/unauthorized-operation.xml", &[("action", "ec2:DescribeRegions")]);
    let aws = FakeAws::start(Some(&moto::url())).with_canned("ec2", "DescribeRegions", 403, refused);
    let out = run(command(Some(&aws.url)), &["check", "--all", "--all-regions", "--output", "json"]);
    assert_eq!(out.code, 3);
    let problem = &out.json()["scopes"][0]["aws_problem"];
    assert_eq!(problem["code"], "UnauthorizedOperation", "{problem}");
    assert!(problem["remedy"].as_str().unwrap().starts_with("Allow ec2:DescribeRegions"), "{problem}");
    assert!(aws.kms_scopes().is_empty());

    // Through a role, the permission is the role's to get; and the run's own Prometheus series keeps
    // the labels it has when the Regions can be listed.
    let args = ["check", "--all", "--all-regions", "--role-arn", AUDIT_A, "--output", "prometheus"];
    let out = run(command(Some(&aws.url)), &args);
    assert!(
        out.stdout.contains("xks_preflight_exit_code{account=\"111111111111\",region=\"all\"} 3"),
        "{}",
        out.stdout
    );
    let json = run(command(Some(&aws.url)), &[&args[..5], &["--output", "json"]].concat());
    let remedy = json.json()["scopes"][0]["aws_problem"]["remedy"].as_str().unwrap().to_string();
    assert!(remedy.contains(&format!("to the role {AUDIT_A}")), "{remedy}");
}

#[test]
fn facts_of_several_regions_are_saved_as_one_file_and_judged_again_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("fleet.json").display().to_string();
    let failed = Store::public("cks-4d4d4d4d4d4d4d4d4", "https://xks.example.com").failed("XKS_PROXY_TIMED_OUT");
    let aws = FakeAws::start(Some(&moto::url())).with_stores_in("111111111111", "eu-west-1", vec![failed.json()]);
    let args =
        ["check", "--all", "--output", "json", "--region", "us-east-1", "--region", "eu-west-1", "--role-arn", AUDIT_A];
    let live = run(command(Some(&aws.url)), &[&args[..], &["--save-facts", &saved]].concat());
    let replayed = run(command(None), &["check", "--output", "json", "--facts", &saved]);
    assert_eq!(replayed.code, live.code);
    let (live, replayed) = (live.json(), replayed.json());
    assert_eq!(replayed["scopes"], live["scopes"]);
    assert_eq!(replayed["targets"], live["targets"]);
    assert!(std::fs::read_to_string(&saved).unwrap().starts_with('['), "several scopes are an array");

    std::fs::write(&saved, "[]").unwrap();
    let empty = run(command(None), &["check", "--facts", &saved]);
    assert_eq!(empty.code, 2);
    assert!(empty.stderr.contains("empty list of facts"), "{}", empty.stderr);
}

#[test]
fn a_role_whose_sts_never_answers_is_cut_by_the_run_timeout_and_said_so() {
    let hanging = crate::support::Hanging::start();
    let started = std::time::Instant::now();
    let args = ["check", "--all", "--output", "json", "--role-arn", AUDIT_A, "--aws-timeout", "30", "--timeout", "2"];
    let out = run(command(Some(&hanging.url)), &args);
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "took {:?}", started.elapsed());
    assert_eq!(out.code, 3, "{}", out.stdout);
    let problem = &out.json()["scopes"][0]["aws_problem"];
    assert_eq!(problem["action"], "sts:AssumeRole", "{problem}");
    assert!(problem["message"].as_str().unwrap().contains("--timeout of 2 s"), "{problem}");
    assert!(problem["remedy"].as_str().unwrap().contains("--timeout"), "{problem}");
}
