//! `monitor.*` end to end: the tool reads what KMS saw of a store from the CloudWatch and CloudTrail
//! stand-in (support/fake_monitor.rs, in AWS's wire formats) and judges it; the store itself comes from the
//! local AWS endpoint. Each verdict's logic is also walked in verdict_walk.rs.

use serde_json::{json, Value};

use crate::support::fake_aws::FakeAws;
use crate::support::fake_monitor::{
    dims, every_minute, healthy, healthy_but, minutes_ago, recommended_alarms, FakeMonitor, Series, ENCRYPT,
};
use crate::support::{check_seen, command, run, Run, Store};

const STORE: &str = "cks-3c3c3c3c3c3c3c3c3";

/// A check of `store` with CloudWatch and CloudTrail answered by `monitor`.
fn check(aws: &FakeAws, monitor: &FakeMonitor, store: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--custom-key-store-id", store];
    args.extend_from_slice(extra);
    check_seen(&aws.url, monitor, &args)
}

fn store_aws(ids: &[&str]) -> FakeAws {
    FakeAws::start(None).with_stores(ids.iter().map(|id| Store::public(id, "https://xks.example.com").json()).collect())
}

/// The store with one enabled KMS key, `arn`, on its external key `xks_key_id`.
fn store_with_key(arn: &str, xks_key_id: &str) -> FakeAws {
    let key_id = arn.rsplit('/').next().unwrap();
    FakeAws::start(None).with_stores(vec![Store::public(STORE, "https://xks.example.com").json()]).with_keys(vec![
        json!({
            "KeyId": key_id,
            "Arn": arn,
            "KeyState": "Enabled",
            "Origin": "EXTERNAL_KEY_STORE",
            "CustomKeyStoreId": STORE,
            "XksKeyConfiguration": {"Id": xks_key_id},
        }),
    ])
}

fn monitor_statuses(run: &Run) -> Vec<String> {
    run.json()["targets"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["section"] == "monitor")
        .map(|c| format!("{}={}", c["id"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect()
}

#[test]
fn a_healthy_store_as_kms_saw_it_passes_every_monitor_check_from_one_read_of_each_kind() {
    let aws = store_aws(&[STORE]);
    let monitor = FakeMonitor::start().with_series(healthy(STORE, |_| 40.0)).with_alarms(recommended_alarms(STORE));
    let run = check(&aws, &monitor, STORE, &[]);
    let statuses = monitor_statuses(&run);
    assert!(statuses.iter().all(|s| s.ends_with("=pass")), "{statuses:?}\n{}", run.stdout);
    assert!(run.evidence("monitor.latency").contains("p99 at most 40 ms"), "{}", run.evidence("monitor.latency"));
    assert!(run.evidence("monitor.certificate_days").contains("140 days"));
    let calls = monitor.calls();
    let count = |operation: &str| calls.iter().filter(|(_, op)| op == operation).count();
    assert_eq!((count("ListMetrics"), count("GetMetricData"), count("DescribeAlarms")), (1, 1, 1), "{calls:?}");
    // The four store events, looked up by name: the store has no KMS keys to look up.
    assert_eq!(count("LookupEvents"), 4, "{calls:?}");
}

#[test]
fn answers_past_250_ms_at_peak_fail_monitor_latency_naming_when_and_the_retry() {
    let aws = store_aws(&[STORE]);
    // Twenty minutes ago, for ten minutes, the p99 was 480 ms (and the maximum 490: KMS's retry).
    let monitor =
        FakeMonitor::start().with_series(healthy(STORE, |ago| if (11..=20).contains(&ago) { 480.0 } else { 40.0 }));
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.latency"), "fail", "{}", run.stdout);
    let evidence = run.evidence("monitor.latency");
    assert!(evidence.contains("480 ms") && evidence.contains("KmsOperation=Encrypt"), "{evidence}");
    assert!(evidence.contains("retrying after a network timeout"), "{evidence}");
    assert!(run.json()["targets"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "monitor.latency" && c["measures"][0]["value"].as_f64() == Some(480.0)));
}

#[test]
fn a_region_with_no_metrics_for_the_store_warns_and_the_gauges_are_not_passed() {
    let aws = store_aws(&[STORE]);
    let monitor = FakeMonitor::start().with_series(healthy("cks-9f9f9f9f9f9f9f9f9", |_| 40.0));
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.metrics_present"), "warn", "{}", run.stdout);
    assert!(run.evidence("monitor.metrics_present").contains("no AWS/KMS metric for cks-"));
    for id in ["monitor.latency", "monitor.certificate_days", "monitor.ekm_states"] {
        assert_eq!(run.status(id), "skipped", "{id}: {}", run.evidence(id));
        assert_eq!(run.check(id)["blocked_by"], Value::Null, "a warning blocks nothing: {id}");
    }
}

#[test]
fn a_refused_cloudwatch_permission_leaves_the_section_out_naming_the_action_and_the_run_unaffected() {
    let aws = store_aws(&[STORE]);
    let monitor = FakeMonitor::start().with_series(healthy(STORE, |_| 40.0)).refusing("ListMetrics");
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.metrics_present"), "skipped", "{}", run.stdout);
    assert!(run.evidence("monitor.metrics_present").contains("cloudwatch:ListMetrics was refused"));
    assert!(run.remedy("monitor.metrics_present").starts_with("Allow cloudwatch:ListMetrics"));
    assert_eq!(run.status("monitor.latency"), "skipped", "said once: {}", run.evidence("monitor.latency"));
    assert_eq!(run.status("config.store_found"), "pass");
    assert_eq!(run.status("monitor.recent_failures"), "pass", "CloudTrail still answered");
    let without = check(&aws, &FakeMonitor::start().with_series(healthy(STORE, |_| 40.0)), STORE, &["--no-monitor"]);
    assert_eq!(run.code, without.code, "the exit code is the one without monitoring");
}

#[test]
fn throttled_lookups_say_what_was_not_read_and_never_pass_silently() {
    let aws = store_aws(&[STORE]);
    let monitor = FakeMonitor::start().with_series(healthy(STORE, |_| 40.0)).throttling_lookups(1000);
    let started = std::time::Instant::now();
    let run = check(&aws, &monitor, STORE, &["--aws-timeout", "2"]);
    assert_eq!(run.status("monitor.recent_failures"), "warn", "{}", run.stdout);
    assert!(
        run.evidence("monitor.recent_failures").contains("throttled"),
        "{}",
        run.evidence("monitor.recent_failures")
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "bounded: {:?}", started.elapsed());
}

#[test]
fn failed_calls_in_cloudtrail_are_listed_with_their_request_id_and_what_kms_meant() {
    let aws = store_aws(&[STORE]);
    let at = minutes_ago(30);
    let record = json!({
        "eventVersion": "1.08",
        "eventID": "8d1a4c3e-0000-4000-8000-000000000001",
        "eventTime": xks_preflight::dates::rfc3339(at),
        "eventSource": "kms.amazonaws.com",
        "eventName": "ConnectCustomKeyStore",
        "awsRegion": "us-east-1",
        "requestParameters": {"customKeyStoreId": STORE},
        "errorCode": "CustomKeyStoreInvalidStateException",
        "errorMessage": "The external key store proxy is not connected to its external key store proxy.",
        "requestID": "c0ffee00-1111-4222-8333-444455556666",
    });
    let monitor = FakeMonitor::start().with_series(healthy(STORE, |_| 40.0)).with_events(vec![record]);
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.recent_failures"), "fail", "{}", run.stdout);
    let evidence = run.evidence("monitor.recent_failures");
    assert!(
        evidence.contains("ConnectCustomKeyStore") && evidence.contains("CustomKeyStoreInvalidStateException"),
        "{evidence}"
    );
    assert!(evidence.contains("kmsRequestId c0ffee00-1111-4222-8333-444455556666"), "{evidence}");
}

#[test]
fn the_older_metric_and_dimension_spellings_are_read() {
    let aws = store_aws(&[STORE]);
    let mut series = healthy_but(STORE, |_| 40.0, &["XksExternalKeyManagerStates"]);
    series.push(
        Series::new("XksProxyHsmStates", &dims(STORE, &[("XksProxyHsmState", "Active")]))
            .stat("Minimum", &every_minute(180, |ago| if ago == 1 { 0.0 } else { 2.0 }))
            .stat("Maximum", &every_minute(180, |_| 2.0)),
    );
    series.push(Series::new("ExtenalKeyStoreThrottle", &dims(STORE, &ENCRYPT)).stat("Sum", &[(minutes_ago(5), 4.0)]));
    let monitor = FakeMonitor::start().with_series(series);
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.ekm_states"), "fail", "{}", run.evidence("monitor.ekm_states"));
    assert_eq!(run.status("monitor.throttle"), "fail", "{}", run.evidence("monitor.throttle"));
}

#[test]
fn a_window_with_gaps_judges_what_is_there() {
    let aws = store_aws(&[STORE]);
    // The certificate gauge reported only an hour ago, then nothing: its last reading counts.
    let mut series = healthy_but(STORE, |_| 40.0, &["XksProxyCertificateDaysToExpire"]);
    series.push(
        Series::new("XksProxyCertificateDaysToExpire", &dims(STORE, &[("CertificateName", "xks.example.com")]))
            .stat("Minimum", &[(minutes_ago(61), 7.0), (minutes_ago(60), 7.0)]),
    );
    let monitor = FakeMonitor::start().with_series(series);
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.certificate_days"), "fail", "{}", run.stdout);
    assert!(run.evidence("monitor.certificate_days").contains("7 days"));
}

#[test]
fn an_old_credential_warns_with_a_rotation_rehearsed_first_and_no_secret_on_the_command_line() {
    let aws = store_aws(&[STORE]);
    let mut series = healthy_but(STORE, |_| 40.0, &["XksProxyCredentialAge"]);
    series.push(Series::new("XksProxyCredentialAge", &dims(STORE, &[])).stat("Maximum", &every_minute(180, |_| 400.0)));
    let monitor = FakeMonitor::start().with_series(series);
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.credential_age"), "warn", "{}", run.stdout);
    let commands = run.pastable_commands("monitor.credential_age").join("\n");
    assert!(
        commands.contains("--next-access-key-id") && commands.contains("file://next-credential.json"),
        "{commands}"
    );
    assert!(!commands.contains("RawSecretAccessKey"), "no secret on a command line: {commands}");
}

#[test]
fn many_stores_cost_cloudwatch_calls_by_the_queries_one_call_carries_not_by_the_metrics() {
    let ids: Vec<String> = (0..60).map(|n| format!("cks-{n:017x}")).collect();
    let aws = FakeAws::start(None)
        .with_stores(ids.iter().map(|id| Store::public(id, "https://xks.example.com").json()).collect());
    let series: Vec<Series> = ids.iter().flat_map(|id| healthy(id, |_| 40.0)).collect();
    let monitor = FakeMonitor::start().with_series(series).with_metrics_per_page(500);
    let mut cmd = command(Some(&aws.url));
    cmd.env("AWS_ENDPOINT_URL_CLOUDWATCH", &monitor.url).env("AWS_ENDPOINT_URL_CLOUDTRAIL", &monitor.url);
    let run = run(cmd, &["check", "--output", "json", "--all"]);
    assert_eq!(run.json()["targets"].as_array().unwrap().len(), 60);
    // 60 stores × 8 statistics = 480 queries: one GetMetricData; ListMetrics and DescribeAlarms once.
    let queries = monitor.metric_queries();
    assert_eq!(queries, vec![480], "{queries:?}");
    let calls = monitor.calls();
    assert_eq!(calls.iter().filter(|(_, op)| op == "ListMetrics").count(), 1);
}

#[test]
fn missing_recommended_alarms_warn_with_the_command_that_prints_them() {
    let aws = store_aws(&[STORE]);
    let mut alarms = recommended_alarms(STORE);
    // The latency alarm set on another store, and its threshold loosened: neither covers this one.
    alarms.retain(|alarm| !alarm["AlarmName"].as_str().unwrap().contains("latency"));
    let monitor = FakeMonitor::start().with_series(healthy(STORE, |_| 40.0)).with_alarms(alarms);
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.alarms"), "warn", "{}", run.stdout);
    let evidence = run.evidence("monitor.alarms");
    assert!(evidence.contains("1 of the 4") && evidence.contains("XksProxyLatency Average > 200"), "{evidence}");
    let printed = format!("xks-preflight alarms --custom-key-store-id {STORE} --region us-east-1 | sh");
    assert_eq!(run.pastable_commands("monitor.alarms"), [printed]);
    // With a profile, the alarms are made in the account the run read: the option goes before the pipe.
    let config = tempfile::tempdir().unwrap();
    std::fs::write(config.path().join("config"), "[profile audit]\nregion = us-east-1\n").unwrap();
    let mut cmd = command(Some(&aws.url));
    cmd.env("AWS_ENDPOINT_URL_CLOUDWATCH", &monitor.url)
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &monitor.url)
        .env("AWS_CONFIG_FILE", config.path().join("config"));
    let with_profile =
        crate::support::run(cmd, &["check", "--output", "json", "--custom-key-store-id", STORE, "--profile", "audit"]);
    let printed = format!("xks-preflight alarms --custom-key-store-id {STORE} --region us-east-1 --profile audit | sh");
    assert_eq!(with_profile.pastable_commands("monitor.alarms"), [printed], "{}", with_profile.stderr);
}

/// A figure over the window is seen at a glance: the table and the Markdown report draw it as a line
/// of bars with its span, the JSON report carries the values a period at a time.
#[test]
fn the_latency_kms_saw_is_drawn_as_a_sparkline_and_carried_whole_in_json() {
    let aws = store_aws(&[STORE]);
    let spike = |ago: i64| if (11..=20).contains(&ago) { 480.0 } else { 40.0 };
    let monitor = FakeMonitor::start().with_series(healthy(STORE, spike)).with_alarms(recommended_alarms(STORE));
    let json = check(&aws, &monitor, STORE, &[]);
    let latency = json.check("monitor.latency");
    let values = latency["series"][0]["values"].as_array().unwrap();
    assert_eq!(values.len(), 180, "a value a minute over three hours");
    assert_eq!(values.iter().filter(|v| v.as_f64() == Some(480.0)).count(), 10);
    assert_eq!(latency["series"][0]["period_s"], 60);
    for output in ["table", "markdown"] {
        let mut cmd = command(Some(&aws.url));
        cmd.env("AWS_ENDPOINT_URL_CLOUDWATCH", &monitor.url).env("AWS_ENDPOINT_URL_CLOUDTRAIL", &monitor.url);
        let out = run(cmd, &["check", "--output", output, "--custom-key-store-id", STORE]);
        let line =
            out.stdout.lines().find(|l| l.contains("p99 latency (ms)")).unwrap_or_else(|| panic!("{}", out.stdout));
        assert!(line.contains('█') && line.contains('▁') && line.contains("highest 480"), "{output}: {line}");
    }
}

/// AWS's own procedure filters the error alarms by ErrorType alone: such an alarm names no store, and
/// still covers this one.
#[test]
fn an_error_alarm_that_names_no_store_still_covers_it() {
    let aws = store_aws(&[STORE]);
    let mut alarms = recommended_alarms(STORE);
    alarms.retain(|alarm| alarm["AlarmName"] != format!("xks-{STORE}-retryable-errors"));
    alarms.push(json!({
        "AlarmName": "kms-xks-retryable-errors",
        "StateValue": "OK",
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "EvaluationPeriods": 1,
        "Metrics": [{
            "Id": "q1",
            "Expression": "SELECT SUM(XksProxyErrors) FROM \"AWS/KMS\" WHERE ErrorType = 'Retryable'",
            "Period": 60,
            "ReturnData": true,
        }],
    }));
    let monitor = FakeMonitor::start().with_series(healthy(STORE, |_| 40.0)).with_alarms(alarms);
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.alarms"), "pass", "{}", run.evidence("monitor.alarms"));
    assert!(run.evidence("monitor.alarms").contains("kms-xks-retryable-errors"));
}

/// A Metrics Insights alarm keeps its period on its query: an hour-long latency alarm is read as one,
/// and does not pass for AWS's 5-minute alarm.
#[test]
fn an_insights_alarm_over_an_hour_is_read_with_its_period_and_does_not_count() {
    let aws = store_aws(&[STORE]);
    let mut alarms = recommended_alarms(STORE);
    for alarm in &mut alarms {
        if alarm["AlarmName"].as_str().unwrap().ends_with("-proxy-latency") {
            alarm["Metrics"][0]["Period"] = json!(3600);
        }
    }
    let monitor = FakeMonitor::start().with_series(healthy(STORE, |_| 40.0)).with_alarms(alarms);
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.alarms"), "warn", "{}", run.stdout);
    let evidence = run.evidence("monitor.alarms");
    assert!(
        evidence.contains("1 of the 4") && evidence.contains("comes close") && evidence.contains("3600"),
        "{evidence}"
    );
}

/// A key whose calls fill more pages than the run reads: the newest are read, and what was left is said,
/// never a silent "no failed call".
#[test]
fn a_busy_key_with_more_events_than_are_read_says_what_was_left() {
    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-0000-4000-8000-00000000a0b1";
    let aws = store_with_key(ARN, "busy-key");
    let decrypts: Vec<Value> = (0..260)
        .map(|n| {
            json!({
                "eventVersion": "1.08",
                "eventID": format!("00000000-0000-4000-8000-{n:012}"),
                "eventTime": xks_preflight::dates::rfc3339(minutes_ago(100) + n),
                "eventSource": "kms.amazonaws.com",
                "eventName": "Decrypt",
                "awsRegion": "us-east-1",
                "resources": [{"type": "AWS::KMS::Key", "ARN": ARN}],
                "requestID": format!("11111111-0000-4000-8000-{n:012}"),
            })
        })
        .collect();
    let monitor = FakeMonitor::start()
        .with_series(healthy(STORE, |_| 40.0))
        .with_alarms(recommended_alarms(STORE))
        .with_events(decrypts);
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.recent_failures"), "warn", "{}", run.stdout);
    assert!(run.evidence("monitor.recent_failures").contains("more events than the run reads"));
    let lookups = monitor.calls().iter().filter(|(_, op)| op == "LookupEvents").count();
    // The four store events, one page each, and the key's four pages.
    assert_eq!(lookups, 8, "{:?}", monitor.calls());
}

/// The moment the tool is needed most: KMS marked the store FAILED with XKS_PROXY_TIMED_OUT, the proxy
/// answers well now, and KMS's own metrics show the p99 past 250 ms earlier in the window. The report
/// names what KMS saw as the cause and calls it intermittent, never "no check fails".
#[test]
fn a_timed_out_store_whose_live_proxy_answers_now_is_diagnosed_from_what_kms_saw() {
    use crate::proxy_checks::{proxy, HOST, PATH};
    use crate::support::dns_server;
    use crate::support::xks_proxy::{Variant, SECRET};

    let setup = proxy(Variant::Faithful);
    let mut store = Store::public(STORE, &format!("https://{HOST}")).failed("XKS_PROXY_TIMED_OUT");
    store.path = PATH.to_string();
    let aws = FakeAws::start(None).with_stores(vec![store.json()]);
    let monitor = FakeMonitor::start()
        .with_series(healthy(STORE, |ago| if (31..=45).contains(&ago) { 480.0 } else { 40.0 }))
        .with_alarms(recommended_alarms(STORE));
    let dns = dns_server();
    let mut cmd = command(Some(&aws.url));
    cmd.env("AWS_ENDPOINT_URL_CLOUDWATCH", &monitor.url)
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &monitor.url)
        .env("XKS_PROXY_SECRET_ACCESS_KEY", SECRET);
    let mut args = vec!["check", "--output", "json", "--custom-key-store-id", STORE];
    args.extend(setup.probe_flags(&dns));
    let run = run(cmd, &args);
    assert_eq!(run.status("config.connection_state"), "fail", "{}", run.stdout);
    for now in ["proxy.health", "proxy.latency", "net.rtt"] {
        assert_eq!(run.status(now), "pass", "{now}: {}", run.evidence(now));
    }
    assert_eq!(run.status("monitor.latency"), "fail", "{}", run.evidence("monitor.latency"));
    let diagnosis = &run.json()["targets"][0]["diagnosis"];
    let summary = diagnosis["summary"].as_str().unwrap();
    assert!(summary.contains("intermittent") && summary.contains("monitor.latency"), "{diagnosis:#}");
    assert!(summary.contains("p99 480 ms") && summary.contains("took at most"), "{diagnosis:#}");
    assert!(!summary.contains("No check of this run fails"), "{diagnosis:#}");
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
}

/// Over a day the window is read in 8-minute periods, which only bound the worst minute: 12 errors in a
/// period may have come in one minute (a warning that says so), 60 are past 5 a minute on average (a
/// failure); the peak rate says it is an average too.
#[test]
fn errors_and_the_peak_rate_read_in_periods_longer_than_a_minute_say_what_they_cannot_tell() {
    let errors = |count: f64| {
        let failed =
            [ENCRYPT.as_slice(), &[("ErrorType", "Retryable"), ("ExceptionName", "InternalException")]].concat();
        let mut series = healthy(STORE, |_| 40.0);
        series.push(Series::new("XksProxyErrors", &dims(STORE, &failed)).stat("Sum", &[(minutes_ago(40), count)]));
        series
    };
    let aws = store_aws(&[STORE]);

    let monitor = FakeMonitor::start().with_series(errors(12.0)).with_alarms(recommended_alarms(STORE));
    let run = check(&aws, &monitor, STORE, &["--since", "1d"]);
    assert_eq!(run.status("monitor.errors"), "warn", "{}", run.evidence("monitor.errors"));
    let evidence = run.evidence("monitor.errors");
    assert!(evidence.contains("12 Retryable errors in the 8 minutes from"), "{evidence}");
    assert!(evidence.contains("if they came within one minute"), "{evidence}");
    assert!(
        run.evidence("monitor.throttle").contains("on average over 8 minutes"),
        "{}",
        run.evidence("monitor.throttle")
    );

    let monitor = FakeMonitor::start().with_series(errors(60.0)).with_alarms(recommended_alarms(STORE));
    let run = check(&aws, &monitor, STORE, &["--since", "1d"]);
    assert_eq!(run.status("monitor.errors"), "fail", "{}", run.evidence("monitor.errors"));
    assert!(
        run.evidence("monitor.errors").contains("8 Retryable errors a minute on average"),
        "{}",
        run.evidence("monitor.errors")
    );
}

/// AWS's latency alarm looks at the average over 5 minutes: ten minutes averaging 230 ms warn, though
/// no p99 passed 250 ms; one minute of 600 ms among minutes of 20 ms averages 136 ms and passes.
#[test]
fn the_latency_average_is_judged_over_five_minutes_as_aws_alarm_judges_it() {
    let with_average = |average: fn(i64) -> f64| {
        let mut series = healthy_but(STORE, |_| 40.0, &["XksProxyLatency"]);
        series.push(
            Series::new("XksProxyLatency", &dims(STORE, &ENCRYPT))
                .stat("p99", &every_minute(180, |_| 240.0))
                .stat("Average", &every_minute(180, average))
                .stat("Maximum", &every_minute(180, |_| 245.0)),
        );
        series
    };
    let aws = store_aws(&[STORE]);
    let slow = FakeMonitor::start()
        .with_series(with_average(|ago| if (30..40).contains(&ago) { 230.0 } else { 20.0 }))
        .with_alarms(recommended_alarms(STORE));
    let run = check(&aws, &slow, STORE, &[]);
    assert_eq!(run.status("monitor.latency"), "warn", "{}", run.evidence("monitor.latency"));
    assert!(run.evidence("monitor.latency").contains("averaged 230 ms"), "{}", run.evidence("monitor.latency"));

    let one_minute = FakeMonitor::start()
        .with_series(with_average(|ago| if ago == 30 { 600.0 } else { 20.0 }))
        .with_alarms(recommended_alarms(STORE));
    let run = check(&aws, &one_minute, STORE, &[]);
    assert_eq!(run.status("monitor.latency"), "pass", "{}", run.evidence("monitor.latency"));
}

/// CloudTrail searching slower than the run's --timeout costs only what it was to say: the metrics and
/// alarms read in time are judged, and the lookups are named as not finished.
#[test]
fn a_cloudtrail_slower_than_the_run_leaves_the_metrics_read_in_time() {
    let aws = store_aws(&[STORE]);
    let monitor = FakeMonitor::start()
        .with_series(healthy(STORE, |_| 40.0))
        .with_alarms(recommended_alarms(STORE))
        .stalling_lookups(std::time::Duration::from_secs(30));
    let started = std::time::Instant::now();
    let run = check(&aws, &monitor, STORE, &["--timeout", "4"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "bounded: {:?}", started.elapsed());
    assert_eq!(run.status("monitor.latency"), "pass", "{}", run.stdout);
    assert_eq!(run.status("monitor.alarms"), "pass", "{}", run.evidence("monitor.alarms"));
    assert_ne!(run.status("monitor.recent_failures"), "pass");
    let evidence = run.evidence("monitor.recent_failures");
    assert!(evidence.contains("LookupEvents") && evidence.contains("--timeout"), "{evidence}");
}

/// Failed calls on the store's key: the ones KMS made for the store's trouble are listed, newest first
/// ten of them and the rest counted; those the callers caused (a refused permission, a bad request) are
/// counted apart and never fail the store.
#[test]
fn failed_calls_are_told_apart_from_the_callers_own_and_a_long_list_is_capped() {
    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-0000-4000-8000-00000000a0c1";
    let aws = store_with_key(ARN, "payments-key");
    let failure = |n: i64, code: &str, message: &str| {
        json!({
            "eventVersion": "1.08",
            "eventID": format!("00000000-0000-4000-8000-{n:012}"),
            "eventTime": xks_preflight::dates::rfc3339(minutes_ago(60) + n * 60),
            "eventSource": "kms.amazonaws.com",
            "eventName": "Decrypt",
            "awsRegion": "us-east-1",
            "resources": [{"type": "AWS::KMS::Key", "ARN": ARN}],
            "errorCode": code,
            "errorMessage": message,
            "requestID": format!("22222222-0000-4000-8000-{n:012}"),
        })
    };
    let denied = |n| failure(n, "AccessDeniedException", "User is not authorized to perform: kms:Decrypt");
    let callers: Vec<Value> = (0..3).map(denied).collect();

    let monitor = FakeMonitor::start()
        .with_series(healthy(STORE, |_| 40.0))
        .with_alarms(recommended_alarms(STORE))
        .with_events(callers.clone());
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.recent_failures"), "pass", "{}", run.evidence("monitor.recent_failures"));
    assert!(run.evidence("monitor.recent_failures").contains("3 failed calls were the callers' own"));

    let timed_out = |n| failure(n, "KMSInvalidStateException", "The external key store proxy did not respond in time.");
    let mut events: Vec<Value> = (10..22).map(timed_out).collect();
    events.extend(callers);
    let monitor = FakeMonitor::start()
        .with_series(healthy(STORE, |_| 40.0))
        .with_alarms(recommended_alarms(STORE))
        .with_events(events);
    let run = check(&aws, &monitor, STORE, &[]);
    assert_eq!(run.status("monitor.recent_failures"), "fail", "{}", run.stdout);
    let evidence = run.evidence("monitor.recent_failures");
    assert!(evidence.starts_with("12 failed calls"), "{evidence}");
    assert_eq!(evidence.matches("kmsRequestId").count(), 10, "{evidence}");
    assert!(evidence.contains("kmsRequestId 22222222-0000-4000-8000-000000000021"), "the newest: {evidence}");
    assert!(evidence.contains("and 2 older: 2 KMSInvalidStateException"), "{evidence}");
    assert!(evidence.contains("3 failed calls were the callers' own, not the store's: 3 AccessDeniedException"));
}
