//! AWS's faults, each answered by the local endpoint in the service's own wire format: throttling on
//! every call, listings over several pages, one permission refused, credentials that expire during the
//! run, an HTML page or a cut body where an answer belongs, and a Region with no endpoint. Each ends in
//! one clear line, within the run's `--timeout`, and leaves the checks it does not touch as they were.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::fake_aws::{fixture, FakeAws, Fault};
use crate::support::moto::{self, VpcSpec};
use crate::support::readers::python;
use crate::support::{check_json, command, run, Run, Store};
use crate::vpc_checks::service_configuration;

const STORE: &str = "cks-1a2b3c4d5e6f7a8b9";

fn kms_key(n: usize) -> Value {
    let id = format!("1234abcd-0000-4000-8000-{n:012}");
    json!({
        "KeyId": id,
        "Arn": format!("arn:aws:kms:us-east-1:111122223333:key/{id}"),
        "KeyState": "Enabled",
        "Origin": "EXTERNAL_KEY_STORE",
        "CustomKeyStoreId": STORE,
        "XksKeyConfiguration": {"Id": format!("external-key-{n}")},
    })
}

/// A check of the store with the SDK's standard retry (three attempts), as a user runs it, and the time
/// it took.
fn check_retrying(aws: &FakeAws, args: &[&str]) -> (Run, Duration) {
    let mut cmd = command(Some(&aws.url));
    cmd.env("AWS_MAX_ATTEMPTS", "3").env("AWS_RETRY_MODE", "standard");
    let mut all = vec!["check", "--output", "json", "--no-monitor", "--custom-key-store-id", STORE];
    all.extend_from_slice(args);
    let started = Instant::now();
    let run = run(cmd, &all);
    (run, started.elapsed())
}

/// Every error answer of the report's first target, as `id: evidence`.
fn errors(run: &Run) -> Vec<String> {
    run.with_status("error").iter().map(|id| format!("{id}: {}", run.evidence(id))).collect()
}

#[test]
fn throttling_on_every_call_is_retried_three_times_then_said_once_within_the_timeout() {
    let aws = FakeAws::start(None).with_stores(vec![Store::public(STORE, "https://xks.example.com").json()]);
    let aws = aws.with_fault(Fault::Throttle);
    let (run, took) = check_retrying(&aws, &["--timeout", "30"]);
    let attempts = aws.seen().iter().filter(|(_, action)| action == "DescribeCustomKeyStores").count();
    assert_eq!(attempts, 3, "the SDK's standard retry makes three attempts: {:?}", aws.seen());
    assert_eq!(run.code, 3, "an unread store leaves the run incomplete: {}", run.stdout);
    let errors = errors(&run);
    assert_eq!(errors.len(), 1, "one line says it, the rest follow from it: {errors:?}");
    assert!(errors[0].contains("kms:DescribeCustomKeyStores") && errors[0].contains("Rate exceeded"), "{errors:?}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn throttling_that_outlasts_the_run_timeout_ends_the_run_at_the_timeout() {
    let aws = FakeAws::start(None).with_stores(vec![Store::public(STORE, "https://xks.example.com").json()]);
    let aws = aws.with_fault(Fault::Throttle);
    let mut cmd = command(Some(&aws.url));
    // So many attempts that the SDK's backoff alone (up to 20 s between two) would take several minutes.
    cmd.env("AWS_MAX_ATTEMPTS", "50").env("AWS_RETRY_MODE", "standard");
    let started = Instant::now();
    let run =
        run(cmd, &["check", "--output", "json", "--no-monitor", "--custom-key-store-id", STORE, "--timeout", "5"]);
    let took = started.elapsed();
    // A margin for a busy machine: without the deadline the retries would go on for minutes.
    assert!(took < Duration::from_secs(60), "the run's 5 s deadline held: took {took:?}");
    let message = said_once_at_the_top(&run, "kms:DescribeCustomKeyStores");
    assert!(run.aws_problem()["code"].is_null(), "cut off by the deadline, not a final answer: {message}");
}

#[test]
fn kms_keys_listed_over_several_pages_are_all_judged() {
    let aws = FakeAws::start(None)
        .with_stores(vec![Store::public(STORE, "https://xks.example.com").json()])
        .with_keys((1..=5).map(kms_key).collect())
        .with_key_pages_of(2);
    let (run, _) = check_retrying(&aws, &[]);
    let pages = aws.seen().iter().filter(|(_, action)| action == "ListKeys").count();
    assert_eq!(pages, 3, "five keys at two a page are three pages");
    assert_eq!(run.status("key.unique"), "pass");
    assert!(run.evidence("key.unique").contains('5'), "{}", run.evidence("key.unique"));
}

const EC2_XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

/// A DescribeVpcEndpointServicePermissions page, as EC2 writes one.
fn permissions_page(principals: &[&str], next: Option<&str>) -> String {
    let items: String = principals
        .iter()
        .map(|p| format!("<item><principalType>Service</principalType><principal>{p}</principal></item>"))
        .collect();
    let next = next.map(|token| format!("<nextToken>{token}</nextToken>")).unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeVpcEndpointServicePermissionsResponse xmlns=\"{EC2_XMLNS}\">\
         <requestId>7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</requestId><allowedPrincipals>{items}</allowedPrincipals>{next}\
         </DescribeVpcEndpointServicePermissionsResponse>"
    )
}

/// An empty DescribeVpcEndpointServiceConfigurations page that points to the next.
fn empty_configurations_page(next: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeVpcEndpointServiceConfigurationsResponse xmlns=\"{EC2_XMLNS}\">\
         <requestId>1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f</requestId><serviceConfigurationSet/><nextToken>{next}</nextToken>\
         </DescribeVpcEndpointServiceConfigurationsResponse>"
    )
}

/// The endpoint service's own listing and its permissions, each over several pages: the service on the
/// second page only, KMS's principal on the third only. Both are found only by reading every page.
#[tokio::test]
async fn endpoint_service_and_its_permissions_over_several_pages_are_read_whole() {
    let built = moto::build(VpcSpec::default()).await;
    let configuration = service_configuration(&built, "verified", "Available", "ipv4");
    let store = "cks-5e6f7a8b9c0d1e2f3";
    let aws = FakeAws::start(Some(&moto::url()))
        .with_stores(vec![Store::vpc(store, &built.private_dns_name, &built.service_name).json()])
        .with_pages(
            "ec2",
            "DescribeVpcEndpointServiceConfigurations",
            vec![empty_configurations_page("page-1"), configuration],
        )
        .with_pages(
            "ec2",
            "DescribeVpcEndpointServicePermissions",
            vec![
                permissions_page(&["arn:aws:iam::111122223333:root"], Some("page-1")),
                permissions_page(&[], Some("page-2")),
                permissions_page(&["cks.kms.us-east-1.amazonaws.com"], None),
            ],
        );
    let run = check_json(&aws.url, &["--custom-key-store-id", store]);
    assert_eq!(run.status("vpc.service_found"), "pass", "{}", run.evidence("vpc.service_found"));
    assert_eq!(run.status("vpc.allowed_principal"), "pass", "{}", run.evidence("vpc.allowed_principal"));
    let calls = |action: &str| aws.seen().iter().filter(|(_, a)| a == action).count();
    assert_eq!(calls("DescribeVpcEndpointServiceConfigurations"), 2);
    assert_eq!(calls("DescribeVpcEndpointServicePermissions"), 3);
    // The pages are EC2's as botocore reads them.
    let script = "import sys, json, botocore.session\n\
                  from botocore.parsers import create_parser\n\
                  model = botocore.session.get_session().get_service_model('ec2')\n\
                  out = []\n\
                  for operation, body in json.load(sys.stdin):\n\
                  \x20   parsed = create_parser('ec2').parse({'status_code': 200, 'headers': {}, 'body': body.encode()},\n\
                  \x20       model.operation_model(operation).output_shape)\n\
                  \x20   parsed.pop('ResponseMetadata', None)\n\
                  \x20   out.append(parsed)\n\
                  print(json.dumps(out))\n";
    let pages = json!([
        ["DescribeVpcEndpointServiceConfigurations", empty_configurations_page("page-1")],
        [
            "DescribeVpcEndpointServicePermissions",
            permissions_page(&["cks.kms.us-east-1.amazonaws.com"], Some("page-2"))
        ],
    ]);
    assert_eq!(
        botocore(script, &pages),
        json!([
            {"ServiceConfigurations": [], "NextToken": "page-1"},
            {"AllowedPrincipals": [{"PrincipalType": "Service", "Principal": "cks.kms.us-east-1.amazonaws.com"}], "NextToken": "page-2"},
        ])
    );
}

#[test]
fn a_refused_list_keys_names_the_action_and_the_identity_and_leaves_the_other_checks_judged() {
    let refused = fixture("kms/access-denied.json", &[]).replace("kms:DescribeCustomKeyStores", "kms:ListKeys");
    let aws = FakeAws::start(None)
        .with_stores(vec![Store::public(STORE, "https://xks.example.com").json()])
        .with_kms_answer("ListKeys", 400, refused);
    let (run, _) = check_retrying(&aws, &[]);
    let errors = errors(&run);
    assert!(!errors.is_empty(), "the refusal is an error: {}", run.stdout);
    for error in &errors {
        assert!(error.contains("kms:ListKeys"), "names the action: {error}");
        assert!(error.contains("arn:aws:iam::111122223333:user/xks-auditor"), "names the identity: {error}");
    }
    for id in ["config.store_found", "config.connection_state", "config.endpoint_unique"] {
        assert_eq!(run.status(id), "pass", "{id} does not read the keys");
    }
    assert_eq!(run.code, 3);
}

#[test]
fn credentials_that_expire_during_the_run_are_said_once_as_expired() {
    let start = || {
        FakeAws::start(None)
            .with_stores(vec![Store::public(STORE, "https://xks.example.com").json()])
            .with_keys(vec![kms_key(1)])
            .with_fault(Fault::ExpiresAfter(1))
    };
    let (run, _) = check_retrying(&start(), &[]);
    assert_eq!(run.status("config.store_found"), "pass", "the first call was answered");
    let problem = run.aws_problem();
    assert_eq!(problem["action"], "kms:ListKeys", "{problem}");
    assert!(problem["message"].as_str().unwrap().contains("expired"), "{problem}");
    let errors = errors(&run);
    assert!(errors.iter().all(|e| !e.contains("expired")), "said once, at the top: {errors:?}");
    let table = run_table(&start());
    assert_eq!(table.stdout.matches("expired").count(), 1, "one line:\n{}", table.stdout);
    assert_eq!(run.code, 3);
}

/// The same run in the table a user reads.
fn run_table(aws: &FakeAws) -> Run {
    let mut cmd = command(Some(&aws.url));
    cmd.env("AWS_MAX_ATTEMPTS", "3");
    run(cmd, &["check", "--no-monitor", "--custom-key-store-id", STORE])
}

/// A failure of the first call that leaves nothing else to read in the account and Region: one line at
/// the top of the report naming the call, and no check that reports it again.
fn said_once_at_the_top(run: &Run, action: &str) -> String {
    let problem = run.aws_problem();
    assert_eq!(problem["action"], action, "{problem}");
    let message = problem["message"].as_str().unwrap().to_string();
    assert!(!message.contains('\n') && !message.is_empty(), "one line: {problem}");
    assert_eq!(errors(run), Vec::<String>::new(), "no check says it again");
    assert!(run.evidence("config.store_found").contains("said at the top"), "{}", run.evidence("config.store_found"));
    assert_eq!(run.code, 3);
    message
}

#[test]
fn an_html_page_where_kms_answers_belong_is_said_once_naming_the_call() {
    for status in [200, 502] {
        let aws = FakeAws::start(None)
            .with_stores(vec![Store::public(STORE, "https://xks.example.com").json()])
            .with_fault(Fault::Html(status));
        let (run, took) = check_retrying(&aws, &["--timeout", "30"]);
        let message = said_once_at_the_top(&run, "kms:DescribeCustomKeyStores");
        assert!(!message.contains("<html"), "HTTP {status}: the page is not quoted whole: {message}");
        assert!(took < Duration::from_secs(30));
    }
}

#[test]
fn a_body_cut_in_half_is_said_once_naming_the_call() {
    let aws = FakeAws::start(None)
        .with_stores(vec![Store::public(STORE, "https://xks.example.com").json()])
        .with_fault(Fault::Truncated);
    let (run, _) = check_retrying(&aws, &[]);
    let message = said_once_at_the_top(&run, "kms:DescribeCustomKeyStores");
    assert!(message.contains("end of stream"), "{message}");
}

#[test]
fn a_region_whose_endpoint_does_not_exist_is_said_once_within_the_timeout() {
    let mut cmd = command(Some("https://kms.xx-south-9.invalid"));
    cmd.env("AWS_MAX_ATTEMPTS", "3");
    let started = Instant::now();
    let args = ["check", "--output", "json", "--no-monitor", "--custom-key-store-id", STORE, "--timeout", "20"];
    let run = run(cmd, &args);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "bounded by the 20 s deadline, with a margin for a busy machine"
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    let problem = run.aws_problem();
    let message = problem["message"].as_str().unwrap();
    assert!(message.contains("kms.xx-south-9.invalid") || message.contains("dns"), "{problem}");
    assert!(!message.contains('\n'));
}

/// The fault answers are AWS's as botocore (a reader that is not ours) reads them: the same code and
/// message the SDK reads, and botocore too classes the throttling answers as throttling.
#[test]
fn fault_answers_are_read_by_botocore_as_the_errors_they_stand_for() {
    let script = "import sys, json, botocore.session, botocore.model\n\
                  from botocore.parsers import create_parser\n\
                  from botocore.awsrequest import AWSResponse\n\
                  from botocore.retries.standard import RetryContext, ThrottlingErrorDetector\n\
                  s = botocore.session.get_session()\n\
                  out = []\n\
                  for service, operation, status, body in json.load(sys.stdin):\n\
                  \x20   model = s.get_service_model(service)\n\
                  \x20   op = model.operation_model(operation)\n\
                  \x20   parsed = create_parser(model.metadata['protocol']).parse(\n\
                  \x20       {'status_code': status, 'headers': {}, 'body': body.encode()}, op.output_shape)\n\
                  \x20   context = RetryContext(attempt_number=1, operation_model=op, parsed_response=parsed,\n\
                  \x20       http_response=AWSResponse('', status, {}, None), caught_exception=None)\n\
                  \x20   throttled = ThrottlingErrorDetector(None).is_throttling_error_from_context(context)\n\
                  \x20   out.append([parsed['Error']['Code'], parsed['Error']['Message'], throttled])\n\
                  print(json.dumps(out))\n";
    let cases = json!([
        ["kms", "DescribeCustomKeyStores", 400, fixture("kms/throttling.json", &[])],
        ["ec2", "DescribeVpcEndpointServicePermissions", 503, fixture("ec2/request-limit-exceeded.xml", &[])],
        ["elbv2", "DescribeListeners", 400, fixture("elbv2/throttling.xml", &[])],
        ["kms", "ListKeys", 400, fixture("kms/expired-token.json", &[])],
        ["ec2", "DescribeRouteTables", 400, fixture("ec2/request-expired.xml", &[])],
        ["elbv2", "DescribeTargetHealth", 400, fixture("elbv2/expired-token.xml", &[])],
    ]);
    assert_eq!(
        botocore(script, &cases),
        json!([
            ["ThrottlingException", "Rate exceeded", true],
            ["RequestLimitExceeded", "Request limit exceeded.", true],
            ["Throttling", "Rate exceeded", true],
            ["ExpiredTokenException", "The security token included in the request is expired", false],
            ["RequestExpired", "Request has expired.", false],
            ["ExpiredToken", "The security token included in the request is expired", false],
        ])
    );
}

/// What a Python script of botocore prints for `input` on its standard input, as JSON.
fn botocore(script: &str, input: &Value) -> Value {
    let output = python(&["-c", script], &input.to_string());
    assert!(output.status.success(), "botocore: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}
