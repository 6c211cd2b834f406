//! `alarms`: what it prints is read by the tools that use it (Terraform, cfn-lint, the aws CLI against
//! the CloudWatch stand-in), and `alarms::present` finds the recommended alarms in the shapes
//! DescribeAlarms gives (moto's CloudWatch: single metric, metric math, Metrics Insights, the older
//! spellings) and nothing else.

use serde_json::{json, Value};
use xks_preflight::alarms::{nearest, present, RecommendedAlarm, Shortfall};
use xks_preflight::facts::{AlarmFacts, AlarmQuery, Dimension};

use crate::support::fake_monitor::FakeMonitor;
use crate::support::readers::{python, venv_tool};
use crate::support::terraform::Terraform;
use crate::support::{command, moto, run, Run};

const ACTION: &str = "arn:aws:sns:eu-west-1:111122223333:xks-alarms";

/// What each alarm must be, from AWS's guide (REFERENCE §3.10), written out here rather than read from
/// the code: name suffix, comparison, threshold, period, Metrics Insights query (`{store}` for the ID)
/// and what a period without data means.
const EXPECTED: [(&str, &str, f64, u64, &str, &str); 4] = [
    (
        "certificate-days-to-expire",
        "LessThanThreshold",
        10.0,
        300,
        "SELECT MIN(XksProxyCertificateDaysToExpire) FROM \"AWS/KMS\" WHERE CustomKeyStoreId = '{store}'",
        "missing",
    ),
    (
        "proxy-latency",
        "GreaterThanThreshold",
        200.0,
        300,
        "SELECT AVG(XksProxyLatency) FROM \"AWS/KMS\" WHERE CustomKeyStoreId = '{store}'",
        "notBreaching",
    ),
    (
        "retryable-errors",
        "GreaterThanThreshold",
        5.0,
        60,
        "SELECT SUM(XksProxyErrors) FROM \"AWS/KMS\" WHERE CustomKeyStoreId = '{store}' AND ErrorType = 'Retryable'",
        "notBreaching",
    ),
    (
        "non-retryable-errors",
        "GreaterThanThreshold",
        5.0,
        60,
        "SELECT SUM(XksProxyErrors) FROM \"AWS/KMS\" WHERE CustomKeyStoreId = '{store}' AND ErrorType = 'Non-retryable'",
        "notBreaching",
    ),
];

fn alarms(args: &[&str]) -> Run {
    let mut all = vec!["alarms"];
    all.extend_from_slice(args);
    let out = run(command(None), &all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out
}

#[test]
fn terraform_initialises_validates_formats_and_plans_the_terraform_offline() {
    let store = "cks-0d1e2f3a4b5c6d7e8";
    let out = alarms(&["--custom-key-store-id", store, "--region", "eu-west-1", "--format", "terraform"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), &out.stdout).unwrap();
    // The provider is made to plan without AWS: credentials and account lookups skipped, merged into the
    // printed provider by Terraform's override files.
    let provider = format!("xks_{}", store.replace('-', "_"));
    let offline = format!(
        "provider \"aws\" {{\n  alias                       = \"{provider}\"\n  access_key                  = \"testing\"\n  \
         secret_key                  = \"testing\"\n  skip_credentials_validation = true\n  \
         skip_requesting_account_id  = true\n  skip_metadata_api_check     = true\n}}\n"
    );
    std::fs::write(dir.path().join("offline_override.tf"), offline).unwrap();
    let terraform = Terraform::init(dir.path());
    let validated: Value = serde_json::from_str(&terraform.succeeds(&["validate", "-json", "-no-color"])).unwrap();
    assert_eq!(validated["valid"], true, "{validated}");
    let formatted = terraform.run(&["fmt", "-check", "-diff", "-no-color", "main.tf"]);
    assert!(
        formatted.status.success(),
        "not as terraform fmt lays it out:\n{}",
        String::from_utf8_lossy(&formatted.stdout)
    );
    terraform.succeeds(&["plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin"]);
    let plan: Value = serde_json::from_str(&terraform.succeeds(&["show", "-json", "plan.bin"])).unwrap();
    let planned: Vec<&Value> =
        plan["resource_changes"].as_array().unwrap().iter().map(|c| &c["change"]["after"]).collect();
    assert_eq!(planned.len(), 4, "{plan}");
    for (slug, comparison, threshold, period, query, missing) in EXPECTED {
        let name = format!("xks-{store}-{slug}");
        let alarm = planned.iter().find(|a| a["alarm_name"] == name).unwrap_or_else(|| panic!("no {name} in {plan}"));
        assert_eq!(alarm["comparison_operator"], comparison);
        assert_eq!(alarm["threshold"], threshold);
        assert_eq!(alarm["treat_missing_data"], missing);
        assert_eq!((alarm["evaluation_periods"].as_u64(), alarm["datapoints_to_alarm"].as_u64()), (Some(1), Some(1)));
        let queries = alarm["metric_query"].as_array().unwrap();
        assert_eq!(queries.len(), 1, "{alarm}");
        assert_eq!(queries[0]["expression"], query.replace("{store}", store));
        assert_eq!((queries[0]["period"].as_u64(), &queries[0]["return_data"]), (Some(period), &json!(true)));
    }
}

#[test]
fn terraform_takes_the_profile_and_the_alarm_action() {
    let out = alarms(&[
        "--custom-key-store-id",
        "cks-1f2e3d4c5b6a79807",
        "--region",
        "ap-southeast-2",
        "--format",
        "terraform",
        "--profile",
        "xks-audit",
        "--alarm-action",
        "arn:aws:sns:ap-southeast-2:111122223333:xks-alarms",
    ]);
    assert!(out.stdout.contains("  region  = \"ap-southeast-2\"\n  profile = \"xks-audit\"\n"), "{}", out.stdout);
    assert_eq!(
        out.stdout.matches("alarm_actions       = [\"arn:aws:sns:ap-southeast-2:111122223333:xks-alarms\"]").count(),
        4
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), &out.stdout).unwrap();
    let validated: Value =
        serde_json::from_str(&Terraform::init(dir.path()).succeeds(&["validate", "-json", "-no-color"])).unwrap();
    assert_eq!(validated["valid"], true, "{validated}");
}

#[test]
fn cfn_lint_accepts_the_cloudformation_and_a_yaml_reader_finds_the_four_alarms() {
    let store = "cks-2a3b4c5d6e7f80912";
    let out = alarms(&[
        "--custom-key-store-id",
        store,
        "--region",
        "eu-west-1",
        "--format",
        "cloudformation",
        "--alarm-action",
        ACTION,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("alarms.yaml");
    std::fs::write(&template, &out.stdout).unwrap();
    let linted = std::process::Command::new(venv_tool("cfn-lint")).arg(&template).output().unwrap();
    assert!(
        linted.status.success(),
        "cfn-lint refused it:\n{}{}",
        String::from_utf8_lossy(&linted.stdout),
        String::from_utf8_lossy(&linted.stderr)
    );
    let read = python(&["-c", "import json, sys, yaml\nprint(json.dumps(yaml.safe_load(sys.stdin)))"], &out.stdout);
    assert!(read.status.success(), "{}", String::from_utf8_lossy(&read.stderr));
    let parsed: Value = serde_json::from_slice(&read.stdout).unwrap();
    let resources = parsed["Resources"].as_object().unwrap();
    assert_eq!(resources.len(), 4);
    for (slug, comparison, threshold, period, query, missing) in EXPECTED {
        let name = format!("xks-{store}-{slug}");
        let alarm = resources
            .values()
            .find(|r| r["Properties"]["AlarmName"] == name)
            .unwrap_or_else(|| panic!("no {name} in {parsed}"));
        assert_eq!(alarm["Type"], "AWS::CloudWatch::Alarm");
        let properties = &alarm["Properties"];
        assert_eq!(properties["ComparisonOperator"], comparison);
        assert_eq!(properties["Threshold"], threshold);
        assert_eq!(properties["TreatMissingData"], missing);
        assert_eq!(properties["AlarmActions"], json!([ACTION]));
        assert_eq!(properties["Metrics"][0]["Expression"], query.replace("{store}", store));
        assert_eq!(properties["Metrics"][0]["Period"], period);
    }
}

#[test]
fn the_aws_cli_sends_every_printed_command_with_the_fields_meant() {
    let store = "cks-3b4c5d6e7f8091a2b";
    // A profile with a space: each command must carry it through the shell whole.
    let out = alarms(&[
        "--custom-key-store-id",
        store,
        "--region",
        "eu-west-1",
        "--profile",
        "xks audit",
        "--alarm-action",
        ACTION,
    ]);
    let commands: Vec<&str> = out.stdout.lines().filter(|line| !line.starts_with('#') && !line.is_empty()).collect();
    assert_eq!(commands.len(), 4, "{}", out.stdout);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile xks audit]\nregion = eu-west-1\n").unwrap();
    let credentials = dir.path().join("credentials");
    std::fs::write(&credentials, "[xks audit]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
        .unwrap();
    let aws = venv_tool("aws");
    let path = format!("{}:{}", aws.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let cloudwatch = FakeMonitor::start();
    for line in &commands {
        assert!(
            line.starts_with("aws cloudwatch put-metric-alarm --region eu-west-1 --profile 'xks audit' "),
            "{line}"
        );
        let sent = std::process::Command::new("sh")
            .args(["-c", &format!("{line} --endpoint-url {}", cloudwatch.url)])
            .env_clear()
            .env("PATH", &path)
            .env("HOME", dir.path())
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap();
        assert!(sent.status.success(), "the aws CLI refused:\n{line}\n{}", String::from_utf8_lossy(&sent.stderr));
    }
    let requests = cloudwatch.put_alarms();
    assert_eq!(requests.len(), 4, "{requests:?}");
    for (slug, comparison, threshold, period, query, missing) in EXPECTED {
        let name = format!("xks-{store}-{slug}");
        let alarm =
            requests.iter().find(|a| a["AlarmName"] == name).unwrap_or_else(|| panic!("no {name}: {requests:?}"));
        assert_eq!(alarm["ComparisonOperator"], comparison);
        assert_eq!(alarm["Threshold"], threshold);
        assert_eq!((alarm["EvaluationPeriods"].as_u64(), alarm["DatapointsToAlarm"].as_u64()), (Some(1), Some(1)));
        assert_eq!(alarm["TreatMissingData"], missing);
        assert_eq!(alarm["AlarmActions"], json!([ACTION]));
        assert!(alarm["AlarmDescription"].as_str().unwrap().contains(store), "{alarm}");
        let metrics = alarm["Metrics"].as_array().unwrap();
        assert_eq!(metrics.len(), 1, "{alarm}");
        assert_eq!(metrics[0]["Expression"], query.replace("{store}", store));
        assert_eq!((metrics[0]["Period"].as_u64(), &metrics[0]["ReturnData"]), (Some(period), &json!(true)));
    }
    // A request names its fields as DescribeAlarms does: what the commands make is what `present` finds.
    let facts: Vec<AlarmFacts> = requests.iter().map(alarm_facts).collect();
    for alarm in RecommendedAlarm::ALL {
        let found = present(alarm, store, &facts).unwrap_or_else(|| panic!("{alarm:?} not found in {facts:?}"));
        assert_eq!(found.name, alarm.name(store));
    }
}

/// An alarm of DescribeAlarms' answer as the facts record it.
fn alarm_facts(alarm: &Value) -> AlarmFacts {
    let text = |value: &Value| value.as_str().map(str::to_string);
    let dimensions = |value: &Value| -> Vec<Dimension> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| Dimension { name: text(&d["Name"]).unwrap(), value: text(&d["Value"]).unwrap() })
            .collect()
    };
    let queries = alarm["Metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|query| {
            let stat = &query["MetricStat"];
            AlarmQuery {
                id: text(&query["Id"]).unwrap(),
                expression: text(&query["Expression"]),
                metric: text(&stat["Metric"]["MetricName"]),
                namespace: text(&stat["Metric"]["Namespace"]),
                dimensions: dimensions(&stat["Metric"]["Dimensions"]),
                statistic: text(&stat["Stat"]),
                period_s: query["Period"].as_i64().or(stat["Period"].as_i64()).map(|p| p as i32),
            }
        })
        .collect();
    AlarmFacts {
        name: text(&alarm["AlarmName"]).unwrap(),
        state: text(&alarm["StateValue"]),
        metric: text(&alarm["MetricName"]),
        namespace: text(&alarm["Namespace"]),
        dimensions: dimensions(&alarm["Dimensions"]),
        statistic: text(&alarm["Statistic"]).or(text(&alarm["ExtendedStatistic"])),
        period_s: alarm["Period"].as_i64().map(|p| p as i32),
        threshold: alarm["Threshold"].as_f64(),
        comparison: text(&alarm["ComparisonOperator"]),
        queries,
    }
}

/// Creates these alarms (PutMetricAlarm's arguments, with `AlarmName` after `prefix`) in moto with
/// boto3, and gives DescribeAlarms' answer for them as facts.
fn through_cloudwatch(prefix: &str, alarms: Value) -> Vec<AlarmFacts> {
    let script = "import boto3, json, sys\n\
                  prefix, url = sys.argv[1], sys.argv[2]\n\
                  cw = boto3.client('cloudwatch', region_name='eu-west-1', endpoint_url=url,\n\
                  \x20                 aws_access_key_id='testing', aws_secret_access_key='testing')\n\
                  for alarm in json.load(sys.stdin):\n\
                  \x20   alarm['AlarmName'] = prefix + alarm['AlarmName']\n\
                  \x20   alarm.setdefault('EvaluationPeriods', 1)\n\
                  \x20   cw.put_metric_alarm(**alarm)\n\
                  print(json.dumps(cw.describe_alarms(AlarmNamePrefix=prefix)['MetricAlarms'], default=str))\n";
    let out = python(&["-c", script, prefix, &moto::url()], &alarms.to_string());
    assert!(out.status.success(), "boto3 against moto: {}", String::from_utf8_lossy(&out.stderr));
    let answer: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer.len(), alarms.as_array().unwrap().len(), "{answer:?}");
    answer.iter().map(alarm_facts).collect()
}

fn dims(pairs: &[(&str, &str)]) -> Value {
    pairs.iter().map(|(name, value)| json!({"Name": name, "Value": value})).collect()
}

/// A single-metric alarm's PutMetricAlarm arguments, its name after the test's prefix.
fn single_metric(
    name: &str,
    metric: &str,
    dimensions: &[(&str, &str)],
    statistic: &str,
    period: u32,
    comparison: &str,
    threshold: f64,
) -> Value {
    json!({"AlarmName": name, "Namespace": "AWS/KMS", "MetricName": metric, "Dimensions": dims(dimensions),
           "Statistic": statistic, "Period": period, "ComparisonOperator": comparison, "Threshold": threshold})
}

/// A metric query of a metric math alarm: `XksProxyErrors`, summed per minute, on one series set.
fn error_series(id: &str, dimensions: &[(&str, &str)]) -> Value {
    json!({"Id": id, "ReturnData": false, "MetricStat": {
        "Metric": {"Namespace": "AWS/KMS", "MetricName": "XksProxyErrors", "Dimensions": dims(dimensions)},
        "Period": 60, "Stat": "Sum"}})
}

#[test]
fn present_finds_the_alarms_made_by_aws_procedure_by_metric_math_and_under_the_older_spellings() {
    let store = "cks-4c5d6e7f8091a2b3c";
    let single = |name, metric, dimensions: &[(&str, &str)], statistic, comparison, threshold| {
        single_metric(name, metric, dimensions, statistic, 300, comparison, threshold)
    };
    let facts = through_cloudwatch(
        "present-",
        json!([
            // The console procedure: the certificate's dimension as its alarm page names it.
            single("certificate", "XksProxyCertificateDaysToExpire",
                   &[("CustomKeyStoreId", store), ("XksProxyCertificateName", "xks.example.com")],
                   "Minimum", "LessThanThreshold", 10.0),
            // One KMS operation's latency, as the console procedure picks one.
            single("latency-decrypt", "XksProxyLatency",
                   &[("CustomKeyStoreId", store), ("KmsOperation", "Decrypt"), ("XksOperation", "Decrypt"),
                     ("KeySpec", "SYMMETRIC_DEFAULT")],
                   "Average", "GreaterThanThreshold", 200.0),
            // AWS's query for retryable errors: by type alone, so over every store of the Region.
            {"AlarmName": "retryable", "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0,
             "Metrics": [{"Id": "q1", "Label": "Retryable errors", "Period": 60, "ReturnData": true,
                          "Expression": "SELECT SUM(XksProxyErrors) FROM \"AWS/KMS\" WHERE ErrorType = 'Retryable'"}]},
            // Metric math over two series sets, with the older spelling of the error type.
            {"AlarmName": "non-retryable", "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 6.0,
             "Metrics": [
                error_series("m1", &[("CustomKeyStoreId", store), ("KmsOperation", "Decrypt"), ("XksOperation", "Decrypt"),
                                     ("KeySpec", "SYMMETRIC_DEFAULT"), ("ErrorType", "Non-retryable errors"),
                                     ("ExceptionName", "XksProxyInvalidResponseException")]),
                error_series("m2", &[("CustomKeyStoreId", store), ("KmsOperation", "Encrypt"), ("XksOperation", "Encrypt"),
                                     ("KeySpec", "SYMMETRIC_DEFAULT"), ("ErrorType", "Non-retryable errors"),
                                     ("ExceptionName", "XksProxyInvalidResponseException")]),
                {"Id": "e1", "Expression": "SUM(METRICS())", "Label": "Non-retryable errors", "ReturnData": true}]},
        ]),
    );
    let expected = [
        (RecommendedAlarm::CertificateDaysToExpire, "present-certificate"),
        (RecommendedAlarm::ProxyLatency, "present-latency-decrypt"),
        (RecommendedAlarm::RetryableErrors, "present-retryable"),
        (RecommendedAlarm::NonRetryableErrors, "present-non-retryable"),
    ];
    for (alarm, name) in expected {
        assert_eq!(present(alarm, store, &facts).map(|f| f.name.as_str()), Some(name), "{alarm:?} in {facts:?}");
    }
    // The older name of the certificate's dimension, and a sum of listed queries.
    let older = through_cloudwatch(
        "older-",
        json!([
            single("certificate", "XksProxyCertificateDaysToExpire",
                   &[("CustomKeyStoreId", store), ("CertificateName", "xks.example.com")],
                   "Minimum", "LessThanOrEqualToThreshold", 14.0),
            {"AlarmName": "retryable", "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0,
             "Metrics": [
                error_series("a", &[("CustomKeyStoreId", store), ("ErrorType", "Retryable")]),
                error_series("b", &[("CustomKeyStoreId", store), ("ErrorType", "Retryable errors")]),
                {"Id": "total", "Expression": "a + b", "ReturnData": true}]},
        ]),
    );
    assert!(present(RecommendedAlarm::CertificateDaysToExpire, store, &older).is_some(), "{older:?}");
    assert!(present(RecommendedAlarm::RetryableErrors, store, &older).is_some(), "{older:?}");
    assert!(present(RecommendedAlarm::NonRetryableErrors, store, &older).is_none());
}

#[test]
fn present_refuses_another_store_another_error_type_and_alarms_that_watch_otherwise() {
    let store = "cks-5d6e7f8091a2b3c4d";
    let other = "cks-6e7f8091a2b3c4d5e";
    let latency = |name, on, statistic, comparison, threshold, period| {
        let operation = [
            ("CustomKeyStoreId", on),
            ("KmsOperation", "Decrypt"),
            ("XksOperation", "Decrypt"),
            ("KeySpec", "SYMMETRIC_DEFAULT"),
        ];
        single_metric(name, "XksProxyLatency", &operation, statistic, period, comparison, threshold)
    };
    let insights = |name: &str, query: &str, comparison: &str, threshold: f64| {
        json!({"AlarmName": name, "ComparisonOperator": comparison, "Threshold": threshold,
               "Metrics": [{"Id": "q1", "Period": 60, "ReturnData": true, "Expression": query}]})
    };
    let cases = [
        (RecommendedAlarm::ProxyLatency, latency("other-store", other, "Average", "GreaterThanThreshold", 200.0, 300), None),
        (
            RecommendedAlarm::RetryableErrors,
            insights(
                "other-store-query",
                &format!("SELECT SUM(XksProxyErrors) FROM \"AWS/KMS\" WHERE CustomKeyStoreId = '{other}' AND ErrorType = 'Retryable'"),
                "GreaterThanThreshold",
                5.0,
            ),
            None,
        ),
        // Retryable errors are not the non-retryable ones.
        (
            RecommendedAlarm::NonRetryableErrors,
            insights(
                "retryable-only",
                &format!("SELECT SUM(XksProxyErrors) FROM \"AWS/KMS\" WHERE CustomKeyStoreId = '{store}' AND ErrorType = 'Retryable'"),
                "GreaterThanThreshold",
                5.0,
            ),
            None,
        ),
        // An average over every store dilutes this one.
        (
            RecommendedAlarm::ProxyLatency,
            insights("every-store-average", "SELECT AVG(XksProxyLatency) FROM \"AWS/KMS\"", "GreaterThanThreshold", 200.0),
            None,
        ),
        (
            RecommendedAlarm::CertificateDaysToExpire,
            single_metric(
                "certificate-above",
                "XksProxyCertificateDaysToExpire",
                &[("CustomKeyStoreId", store), ("CertificateName", "xks.example.com")],
                "Minimum",
                300,
                "GreaterThanThreshold",
                10.0,
            ),
            Some(Shortfall::Direction(Some("GreaterThanThreshold".into()))),
        ),
        (
            RecommendedAlarm::ProxyLatency,
            latency("latency-below", store, "Average", "LessThanThreshold", 200.0, 300),
            Some(Shortfall::Direction(Some("LessThanThreshold".into()))),
        ),
        (
            RecommendedAlarm::ProxyLatency,
            latency("latency-500", store, "Average", "GreaterThanThreshold", 500.0, 300),
            Some(Shortfall::Threshold(500.0)),
        ),
        (
            RecommendedAlarm::ProxyLatency,
            latency("latency-minimum", store, "Minimum", "GreaterThanThreshold", 200.0, 300),
            Some(Shortfall::Statistic("Minimum".into())),
        ),
        (
            RecommendedAlarm::ProxyLatency,
            latency("latency-hourly", store, "Average", "GreaterThanThreshold", 200.0, 3600),
            Some(Shortfall::Period(3600)),
        ),
        // One series of the errors (one operation, one exception) is not their sum.
        (
            RecommendedAlarm::RetryableErrors,
            single_metric(
                "one-series",
                "XksProxyErrors",
                &[
                    ("CustomKeyStoreId", store),
                    ("KmsOperation", "Decrypt"),
                    ("XksOperation", "Decrypt"),
                    ("KeySpec", "SYMMETRIC_DEFAULT"),
                    ("ErrorType", "Retryable"),
                    ("ExceptionName", "XksProxyTimeoutException"),
                ],
                "Sum",
                60,
                "GreaterThanThreshold",
                5.0,
            ),
            Some(Shortfall::Narrower(vec![
                "KmsOperation".into(),
                "XksOperation".into(),
                "KeySpec".into(),
                "ExceptionName".into(),
            ])),
        ),
    ];
    for (index, (alarm, shape, shortfall)) in cases.into_iter().enumerate() {
        let facts = through_cloudwatch(&format!("refused-{index}-"), json!([shape]));
        assert_eq!(present(alarm, store, &facts), None, "{alarm:?} taken from {facts:?}");
        let near = nearest(alarm, store, &facts).map(|(_, why)| why);
        assert_eq!(near, shortfall, "{alarm:?} and {facts:?}");
    }
    let why = Shortfall::Narrower(vec!["KmsOperation".into(), "ExceptionName".into()]);
    assert_eq!(why.to_string(), "it watches only part of the store's series (KmsOperation, ExceptionName)");
}

#[test]
fn alarms_prints_one_command_a_line_and_refuses_bad_input_naming_the_value() {
    let out = alarms(&["--custom-key-store-id", "cks-1234567890abcdef0", "--region", "us-east-1"]);
    let commands: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("aws ")).collect();
    assert_eq!(commands.len(), 4, "{}", out.stdout);
    assert!(commands.iter().all(|c| c.contains(" --region us-east-1 ") && !c.contains("--profile")));
    assert!(!out.stdout.contains("--alarm-actions") && !out.stdout.lines().any(|l| l.ends_with('\\')));
    // Each command follows a line that says what it watches.
    for said in [
        "# Certificate days to expire: XksProxyCertificateDaysToExpire Minimum < 10 over 5 minutes\naws ",
        "# Proxy latency: XksProxyLatency Average > 200 over 5 minutes\naws ",
        "# Retryable errors: XksProxyErrors (Retryable) Sum > 5 over 1 minute\naws ",
        "# Non-retryable errors: XksProxyErrors (Non-retryable) Sum > 5 over 1 minute\naws ",
    ] {
        assert!(out.stdout.contains(said), "{said:?} in {}", out.stdout);
    }
    let refused = [
        (
            &["--custom-key-store-id", "cks-1234", "--region", "us-east-1"][..],
            "--custom-key-store-id 'cks-1234' is not",
        ),
        (&["--custom-key-store-id", "cks-1234567890ABCDEF0", "--region", "us-east-1"][..], "17 hexadecimal digits"),
        (&["--custom-key-store-id", "cks-1234567890abcdef0", "--region", "Ireland"][..], "--region 'Ireland' is not"),
        (
            &[
                "--custom-key-store-id",
                "cks-1234567890abcdef0",
                "--region",
                "us-east-1",
                "--alarm-action",
                "arn:aws:sqs:us-east-1:111122223333:q",
            ][..],
            "--alarm-action 'arn:aws:sqs:us-east-1:111122223333:q' is not an SNS topic ARN",
        ),
        (
            &["--custom-key-store-id", "cks-1234567890abcdef0", "--region", "us-east-1", "--profile", "a\nb"][..],
            "--profile",
        ),
        (&["--custom-key-store-id", "cks-1234567890abcdef0"][..], "--region"),
        (
            &["--custom-key-store-id", "cks-1234567890abcdef0", "--region", "us-east-1", "--format", "json"][..],
            "--format",
        ),
    ];
    for (args, said) in refused {
        let mut all = vec!["alarms"];
        all.extend_from_slice(args);
        let out = run(command(None), &all);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty() && out.stderr.contains(said), "{args:?}: {}", out.stderr);
    }
}
