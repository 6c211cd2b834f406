//! The CloudWatch and CloudTrail stand-in (support/fake_monitor.rs) speaks AWS's wire formats, proved by
//! implementations that are not ours: the Rust SDK's clients read every answer, page with their own
//! paginators and classify its errors; botocore's own RPC v2 CBOR and JSON parsers read the very bytes
//! the SDK read to the same values; cbor2 sees the CBOR itself (times under tag 1, doubles).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_cloudtrail::operation::lookup_events::{LookupEventsError, LookupEventsOutput};
use aws_sdk_cloudtrail::types::{Event, LookupAttribute, LookupAttributeKey};
use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput;
use aws_sdk_cloudwatch::operation::get_metric_data::{GetMetricDataError, GetMetricDataOutput};
use aws_sdk_cloudwatch::operation::list_metrics::ListMetricsOutput;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, DimensionFilter, MessageData, Metric, MetricAlarm, MetricDataQuery,
    MetricStat, ScanBy,
};
use serde_json::{json, Value};

use crate::support::fake_monitor::{FakeMonitor, Protocol, Series};
use crate::support::readers::{botocore_call, botocore_parsed, cbor2_decoded};
use crate::support::REGION;

/// 2024-05-01T03:00:00Z.
const T: i64 = 1_714_532_400;
const LATENCY: [(&str, &str); 4] =
    [("CustomKeyStoreId", "cks-1"), ("KmsOperation", "Encrypt"), ("XksOperation", "Encrypt"), ("KeySpec", "AES_256")];
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OTHER_KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321";

/// The SDK's configuration for the stand-in: dummy credentials, `attempts` attempts a call with a short
/// backoff, and nothing read from the environment or the user's AWS files.
fn sdk(monitor: &FakeMonitor, attempts: u32) -> SdkConfig {
    let retry = RetryConfig::standard().with_max_attempts(attempts).with_initial_backoff(Duration::from_millis(10));
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "tests",
        )))
        .endpoint_url(&monitor.url)
        .retry_config(retry)
        .build()
}

fn cloudwatch(monitor: &FakeMonitor, attempts: u32) -> aws_sdk_cloudwatch::Client {
    aws_sdk_cloudwatch::Client::new(&sdk(monitor, attempts))
}

fn cloudtrail(monitor: &FakeMonitor, attempts: u32) -> aws_sdk_cloudtrail::Client {
    aws_sdk_cloudtrail::Client::new(&sdk(monitor, attempts))
}

fn dimension(name: &str, value: &str) -> Dimension {
    Dimension::builder().name(name).value(value).build()
}

fn metric(name: &str, dimensions: &[(&str, &str)]) -> Metric {
    let dimensions = dimensions.iter().map(|(n, v)| dimension(n, v)).collect();
    Metric::builder().namespace("AWS/KMS").metric_name(name).set_dimensions(Some(dimensions)).build()
}

fn query(id: &str, metric: Metric, stat: &str) -> MetricDataQuery {
    let stat = MetricStat::builder().metric(metric).period(60).stat(stat).build();
    MetricDataQuery::builder().id(id).metric_stat(stat).build()
}

// What the SDK read, written as botocore gives it: only the members the answer has, times as epoch
// seconds, enumerations as their strings.

fn object<'a>(members: impl IntoIterator<Item = (&'a str, Option<Value>)>) -> Value {
    Value::Object(members.into_iter().filter_map(|(name, value)| Some((name.to_string(), value?))).collect())
}

fn text(value: &Option<String>) -> Option<Value> {
    value.as_deref().map(Value::from)
}

fn time(value: &Option<DateTime>) -> Option<Value> {
    value.map(|t| json!(t.as_secs_f64()))
}

fn list<T>(items: &Option<Vec<T>>, each: impl Fn(&T) -> Value) -> Option<Value> {
    items.as_ref().map(|items| items.iter().map(each).collect())
}

fn dimensions_json(dimensions: &Option<Vec<Dimension>>) -> Option<Value> {
    list(dimensions, |d| object([("Name", text(&d.name)), ("Value", text(&d.value))]))
}

fn metric_json(metric: &Metric) -> Value {
    object([
        ("Namespace", text(&metric.namespace)),
        ("MetricName", text(&metric.metric_name)),
        ("Dimensions", dimensions_json(&metric.dimensions)),
    ])
}

fn messages_json(messages: &Option<Vec<MessageData>>) -> Option<Value> {
    list(messages, |m| object([("Code", text(&m.code)), ("Value", text(&m.value))]))
}

fn query_json(query: &MetricDataQuery) -> Value {
    let stat = query.metric_stat.as_ref().map(|stat| {
        object([
            ("Metric", stat.metric.as_ref().map(metric_json)),
            ("Period", stat.period.map(Value::from)),
            ("Stat", text(&stat.stat)),
        ])
    });
    object([
        ("Id", text(&query.id)),
        ("MetricStat", stat),
        ("Expression", text(&query.expression)),
        ("Label", text(&query.label)),
        ("ReturnData", query.return_data.map(Value::from)),
        ("Period", query.period.map(Value::from)),
    ])
}

fn alarm_json(alarm: &MetricAlarm) -> Value {
    object([
        ("AlarmName", text(&alarm.alarm_name)),
        ("AlarmArn", text(&alarm.alarm_arn)),
        ("AlarmConfigurationUpdatedTimestamp", time(&alarm.alarm_configuration_updated_timestamp)),
        ("ActionsEnabled", alarm.actions_enabled.map(Value::from)),
        ("AlarmActions", list(&alarm.alarm_actions, |a| json!(a))),
        ("StateValue", alarm.state_value.as_ref().map(|s| json!(s.as_str()))),
        ("StateUpdatedTimestamp", time(&alarm.state_updated_timestamp)),
        ("MetricName", text(&alarm.metric_name)),
        ("Namespace", text(&alarm.namespace)),
        ("Statistic", alarm.statistic.as_ref().map(|s| json!(s.as_str()))),
        ("Dimensions", dimensions_json(&alarm.dimensions)),
        ("Period", alarm.period.map(Value::from)),
        ("EvaluationPeriods", alarm.evaluation_periods.map(Value::from)),
        ("DatapointsToAlarm", alarm.datapoints_to_alarm.map(Value::from)),
        ("Threshold", alarm.threshold.map(Value::from)),
        ("ComparisonOperator", alarm.comparison_operator.as_ref().map(|c| json!(c.as_str()))),
        ("TreatMissingData", text(&alarm.treat_missing_data)),
        ("Metrics", list(&alarm.metrics, query_json)),
    ])
}

fn list_metrics_json(page: &ListMetricsOutput) -> Value {
    object([("Metrics", list(&page.metrics, metric_json)), ("NextToken", text(&page.next_token))])
}

fn metric_data_json(page: &GetMetricDataOutput) -> Value {
    let result = |r: &aws_sdk_cloudwatch::types::MetricDataResult| {
        object([
            ("Id", text(&r.id)),
            ("Label", text(&r.label)),
            ("Timestamps", list(&r.timestamps, |t| json!(t.as_secs_f64()))),
            ("Values", list(&r.values, |v| json!(v))),
            ("StatusCode", r.status_code.as_ref().map(|s| json!(s.as_str()))),
            ("Messages", messages_json(&r.messages)),
        ])
    };
    object([
        ("MetricDataResults", list(&page.metric_data_results, result)),
        ("NextToken", text(&page.next_token)),
        ("Messages", messages_json(&page.messages)),
    ])
}

fn alarms_json(page: &DescribeAlarmsOutput) -> Value {
    object([
        ("MetricAlarms", list(&page.metric_alarms, alarm_json)),
        ("CompositeAlarms", list(&page.composite_alarms, |_| json!({}))),
        ("NextToken", text(&page.next_token)),
    ])
}

fn event_json(event: &Event) -> Value {
    let resource = |r: &aws_sdk_cloudtrail::types::Resource| {
        object([("ResourceType", text(&r.resource_type)), ("ResourceName", text(&r.resource_name))])
    };
    object([
        ("EventId", text(&event.event_id)),
        ("EventName", text(&event.event_name)),
        ("ReadOnly", text(&event.read_only)),
        ("AccessKeyId", text(&event.access_key_id)),
        ("EventTime", event.event_time.map(|t| json!(t.as_secs_f64()))),
        ("EventSource", text(&event.event_source)),
        ("Username", text(&event.username)),
        ("Resources", event.resources.as_ref().map(|r| r.iter().map(resource).collect())),
        ("CloudTrailEvent", text(&event.cloud_trail_event)),
    ])
}

fn lookup_json(page: &LookupEventsOutput) -> Value {
    object([("Events", list(&page.events, event_json)), ("NextToken", text(&page.next_token))])
}

/// What botocore read from an error answer: its code and message, as the SDK names them.
fn botocore_error(parsed: &Value) -> (String, String) {
    let error = &parsed["Error"];
    (error["Code"].as_str().unwrap().to_string(), error["Message"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn list_metrics_pages_and_filters_in_rpc_v2_cbor_that_the_rust_sdk_and_botocore_read_alike() {
    let errors = [("CustomKeyStoreId", "cks-1"), ("ErrorType", "Retryable"), ("ExceptionName", "None")];
    let monitor = FakeMonitor::start().with_metrics_per_page(2).with_series(vec![
        Series::new("XksProxyLatency", &LATENCY),
        Series::new("XksProxyErrors", &errors),
        Series::new(
            "XksProxyCertificateDaysToExpire",
            &[("CustomKeyStoreId", "cks-1"), ("CertificateName", "xks.example.com")],
        ),
        // The older spelling of the external key manager states, as AWS's list-metrics example shows it.
        Series::new("XksProxyHsmStates", &[("CustomKeyStoreId", "cks-1"), ("XksProxyHsmState", "Active")]),
        Series::new("XksProxyLatency", &[("CustomKeyStoreId", "cks-2")]),
    ]);
    let client = cloudwatch(&monitor, 1);

    let store = DimensionFilter::builder().name("CustomKeyStoreId").value("cks-1").build();
    let pages: Vec<ListMetricsOutput> = client
        .list_metrics()
        .namespace("AWS/KMS")
        .dimensions(store)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<&str> = pages.iter().flat_map(|p| p.metrics()).filter_map(|m| m.metric_name()).collect();
    assert_eq!(names, ["XksProxyLatency", "XksProxyErrors", "XksProxyCertificateDaysToExpire", "XksProxyHsmStates"]);
    assert_eq!(pages.iter().map(|p| p.next_token.is_some()).collect::<Vec<_>>(), [true, false]);
    assert_eq!(metric_json(&pages[0].metrics()[1])["Dimensions"][2], json!({"Name": "ExceptionName", "Value": "None"}));
    let answers = monitor.answers("ListMetrics");
    // The headers RPC v2 CBOR answers carry, which neither reader checks.
    for answer in &answers {
        assert_eq!(answer.protocol, Protocol::RpcV2Cbor);
        let header = |name: &str| answer.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
        assert_eq!(
            (header("smithy-protocol"), header("content-type")),
            (Some("rpc-v2-cbor"), Some("application/cbor"))
        );
    }
    assert_eq!(botocore_parsed(&answers), pages.iter().map(list_metrics_json).collect::<Vec<_>>());

    // A filter with a name and no value wants the dimension, whatever its value.
    let any_store = DimensionFilter::builder().name("CustomKeyStoreId").build();
    let latency = client.list_metrics().metric_name("XksProxyLatency").dimensions(any_store).send().await.unwrap();
    let stores: Vec<&str> = latency.metrics().iter().filter_map(|m| m.dimensions()[0].value()).collect();
    assert_eq!(stores, ["cks-1", "cks-2"]);
    let elsewhere = client.list_metrics().namespace("AWS/EC2").send().await.unwrap();
    assert_eq!(elsewhere.metrics, Some(Vec::new()));
    assert_eq!(monitor.calls(), vec![("cloudwatch".to_string(), "ListMetrics".to_string()); 4]);
}

#[tokio::test]
async fn get_metric_data_in_rpc_v2_cbor_gives_tagged_times_newest_first_paged_as_the_rust_sdk_and_botocore_read_it() {
    let monitor = FakeMonitor::start().with_series(vec![
        Series::new("XksProxyLatency", &LATENCY)
            .stat("p99", &[(T - 60, 12.0), (T, 41.5), (T + 60, 230.25), (T + 120, 480.0), (T + 180, 99.0)])
            .stat("Maximum", &[(T, 52.0), (T + 60, 499.5)]),
        // The same metric under another dimension set is another series.
        Series::new("XksProxyLatency", &LATENCY[..3]).stat("p99", &[(T, 7.0)]),
    ]);
    let client = cloudwatch(&monitor, 1);
    let queries = vec![
        MetricDataQuery::builder()
            .id("p99")
            .label("latency p99")
            .metric_stat(
                MetricStat::builder().metric(metric("XksProxyLatency", &LATENCY)).period(60).stat("p99").build(),
            )
            .build(),
        query("max", metric("XksProxyLatency", &LATENCY), "Maximum"),
        query("average", metric("XksProxyLatency", &LATENCY), "Average"),
        query("three", metric("XksProxyLatency", &LATENCY[..3]), "p99"),
    ];
    // The window starts at T (included) and ends at T + 180 (excluded), as CloudWatch reads it.
    let request = client
        .get_metric_data()
        .set_metric_data_queries(Some(queries))
        .start_time(DateTime::from_secs(T))
        .end_time(DateTime::from_secs(T + 180));
    let pages: Vec<GetMetricDataOutput> =
        request.clone().into_paginator().page_size(2).send().try_collect().await.unwrap();

    assert_eq!(monitor.metric_queries(), [4, 4, 4]);
    let status = |page: &GetMetricDataOutput| -> Vec<(String, String)> {
        let results = page.metric_data_results().iter();
        results.map(|r| (r.id().unwrap().to_string(), r.status_code().unwrap().as_str().to_string())).collect()
    };
    let expected = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(id, status)| (id.to_string(), status.to_string())).collect()
    };
    assert_eq!(status(&pages[0]), expected(&[("p99", "PartialData"), ("average", "Complete")]));
    assert_eq!(status(&pages[1]), expected(&[("p99", "Complete"), ("max", "PartialData")]));
    assert_eq!(status(&pages[2]), expected(&[("max", "Complete"), ("three", "Complete")]));
    let read = |id: &str| -> (Vec<Option<String>>, Vec<i64>, Vec<f64>) {
        let results = pages.iter().flat_map(|p| p.metric_data_results()).filter(|r| r.id() == Some(id));
        let (mut labels, mut times, mut values) = (Vec::new(), Vec::new(), Vec::new());
        for result in results {
            labels.push(result.label.clone());
            times.extend(result.timestamps().iter().map(|t| t.secs()));
            values.extend(result.values());
        }
        (labels, times, values)
    };
    let label = |l: &str| Some(l.to_string());
    assert_eq!(read("p99"), (vec![label("latency p99"); 2], vec![T + 120, T + 60, T], vec![480.0, 230.25, 41.5]));
    assert_eq!(read("max"), (vec![label("XksProxyLatency"); 2], vec![T + 60, T], vec![499.5, 52.0]));
    assert_eq!(read("average"), (vec![label("XksProxyLatency")], vec![], vec![]));
    assert_eq!(read("three"), (vec![label("XksProxyLatency")], vec![T], vec![7.0]));

    let answers = monitor.answers("GetMetricData");
    assert_eq!(botocore_parsed(&answers), pages.iter().map(metric_data_json).collect::<Vec<_>>());
    let raw = cbor2_decoded(&answers[0].body);
    let first = &raw["MetricDataResults"][0];
    assert_eq!(first["Timestamps"], json!([{"epoch": (T + 120) as f64}, {"epoch": (T + 60) as f64}]), "{raw}");
    assert!(first["Values"].as_array().unwrap().iter().all(Value::is_f64), "values are doubles: {raw}");
    assert_eq!(raw["NextToken"], json!(pages[0].next_token()));

    let oldest_first = request.scan_by(ScanBy::TimestampAscending).max_datapoints(100).send().await.unwrap();
    let times: Vec<i64> = oldest_first.metric_data_results()[0].timestamps().iter().map(|t| t.secs()).collect();
    assert_eq!(times, [T, T + 60, T + 120]);
}

#[tokio::test]
async fn get_metric_data_takes_500_queries_and_more_is_cloudwatchs_validation_error_for_the_rust_sdk_and_botocore() {
    let monitor =
        FakeMonitor::start().with_series(vec![Series::new("XksProxyLatency", &LATENCY).stat("p99", &[(T, 1.0)])]);
    let client = cloudwatch(&monitor, 1);
    let queries =
        |n: usize| (0..n).map(|i| query(&format!("q{i}"), metric("XksProxyLatency", &LATENCY), "p99")).collect();
    let call = |n: usize| {
        let request = client.get_metric_data().set_metric_data_queries(Some(queries(n)));
        request.start_time(DateTime::from_secs(T)).end_time(DateTime::from_secs(T + 60)).send()
    };

    let error = call(501).await.unwrap_err().into_service_error();
    assert_eq!(error.code(), Some("ValidationError"), "{error:?}");
    assert!(error.message().unwrap().contains("less than or equal to 500"), "{error:?}");
    let parsed = &botocore_parsed(&monitor.answers("GetMetricData"))[0];
    assert_eq!(botocore_error(parsed), (error.code().unwrap().to_string(), error.message().unwrap().to_string()));

    let answer = call(500).await.unwrap();
    assert_eq!(answer.metric_data_results().len(), 500);
    assert_eq!(monitor.metric_queries(), [501, 500]);
}

fn single_metric_alarm(
    name: &str,
    metric: &str,
    dimensions: &[(&str, &str)],
    statistic: &str,
    threshold: f64,
) -> Value {
    let dimensions: Vec<Value> = dimensions.iter().map(|(n, v)| json!({"Name": n, "Value": v})).collect();
    json!({
        "AlarmName": name,
        "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}"),
        "AlarmConfigurationUpdatedTimestamp": 1_714_500_000.0,
        "ActionsEnabled": true,
        "AlarmActions": ["arn:aws:sns:us-east-1:111122223333:xks-on-call"],
        "StateValue": "OK",
        "StateUpdatedTimestamp": 1_714_510_000.5,
        "MetricName": metric,
        "Namespace": "AWS/KMS",
        "Statistic": statistic,
        "Dimensions": dimensions,
        "Period": 300,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": threshold,
        "ComparisonOperator": if threshold < 100.0 { "LessThanThreshold" } else { "GreaterThanThreshold" },
        "TreatMissingData": "missing",
    })
}

/// An alarm on `SUM(XksProxyErrors)` of one error type, as AWS's procedure makes it: a Metrics
/// Insights query, or a metric with a math expression over it.
fn errors_alarm(error_type: &str, metrics: Value) -> Value {
    json!({
        "AlarmName": format!("xks-cks-1-{}-errors", error_type.to_lowercase()),
        "StateValue": "INSUFFICIENT_DATA",
        "StateUpdatedTimestamp": 1_714_520_000.0,
        "Metrics": metrics,
        "EvaluationPeriods": 1,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    })
}

#[tokio::test]
async fn alarms_in_rpc_v2_cbor_read_alike_in_the_rust_sdk_and_botocore_and_metric_math_ones_only_through_describe_alarms(
) {
    let certificate = [("CustomKeyStoreId", "cks-1"), ("CertificateName", "xks.example.com")];
    let insights =
        "SELECT SUM(XksProxyErrors) FROM \"AWS/KMS\" WHERE CustomKeyStoreId = 'cks-1' AND ErrorType = 'Retryable'";
    let non_retryable = json!({"Namespace": "AWS/KMS", "MetricName": "XksProxyErrors",
        "Dimensions": [{"Name": "CustomKeyStoreId", "Value": "cks-1"}, {"Name": "ErrorType", "Value": "Non-retryable"}]});
    let alarms = vec![
        single_metric_alarm("xks-cks-1-certificate", "XksProxyCertificateDaysToExpire", &certificate, "Minimum", 10.0),
        single_metric_alarm("xks-cks-1-latency", "XksProxyLatency", &LATENCY, "Average", 200.0),
        errors_alarm(
            "Retryable",
            json!([{"Id": "q1", "Expression": insights, "Period": 60, "Label": "Retryable", "ReturnData": true}]),
        ),
        errors_alarm(
            "Non-retryable",
            json!([
                {"Id": "m1", "MetricStat": {"Metric": non_retryable, "Period": 60, "Stat": "Sum"}, "ReturnData": false},
                {"Id": "e1", "Expression": "SUM(METRICS())", "Label": "Non-retryable", "ReturnData": true},
            ]),
        ),
        single_metric_alarm(
            "xks-cks-2-certificate",
            "XksProxyCertificateDaysToExpire",
            &[("CustomKeyStoreId", "cks-2")],
            "Minimum",
            10.0,
        ),
    ];
    let monitor = FakeMonitor::start().with_alarms(alarms.clone());
    let client = cloudwatch(&monitor, 1);

    let pages: Vec<DescribeAlarmsOutput> =
        client.describe_alarms().into_paginator().page_size(2).send().try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    let read: Vec<Value> = pages.iter().flat_map(|p| p.metric_alarms()).map(alarm_json).collect();
    assert_eq!(read, alarms, "the SDK reads every member as it was given");
    let raw = cbor2_decoded(&monitor.answers("DescribeAlarms")[0].body);
    let first = &raw["MetricAlarms"][0];
    assert_eq!(first["StateUpdatedTimestamp"], json!({"epoch": 1_714_510_000.5}), "{raw}");
    assert!(first["Threshold"].is_f64() && first["Period"].is_u64(), "a double and an integer: {raw}");

    let named = |page: DescribeAlarmsOutput| -> Vec<String> {
        page.metric_alarms().iter().filter_map(|a| a.alarm_name.clone()).collect()
    };
    let store = named(client.describe_alarms().alarm_name_prefix("xks-cks-1-").send().await.unwrap());
    assert_eq!(
        store,
        ["xks-cks-1-certificate", "xks-cks-1-latency", "xks-cks-1-retryable-errors", "xks-cks-1-non-retryable-errors"]
    );
    let one = named(client.describe_alarms().alarm_names("xks-cks-2-certificate").send().await.unwrap());
    assert_eq!(one, ["xks-cks-2-certificate"]);
    let composite = client.describe_alarms().alarm_types(AlarmType::CompositeAlarm).send().await.unwrap();
    assert_eq!((composite.metric_alarms().len(), composite.composite_alarms), (0, Some(Vec::new())));

    // The alarms on one metric: its dimensions in any order; metric-math alarms are never among them.
    let for_metric = |name: &str, dimensions: Vec<Dimension>| {
        client
            .describe_alarms_for_metric()
            .namespace("AWS/KMS")
            .metric_name(name)
            .set_dimensions(Some(dimensions))
            .send()
    };
    let reversed = vec![dimension("CertificateName", "xks.example.com"), dimension("CustomKeyStoreId", "cks-1")];
    let found = for_metric("XksProxyCertificateDaysToExpire", reversed).await.unwrap();
    assert_eq!(found.metric_alarms().iter().map(alarm_json).collect::<Vec<_>>(), [alarms[0].clone()]);
    let errors = vec![dimension("CustomKeyStoreId", "cks-1"), dimension("ErrorType", "Non-retryable")];
    assert!(for_metric("XksProxyErrors", errors).await.unwrap().metric_alarms().is_empty());

    // botocore reads the pages of DescribeAlarms and the first DescribeAlarmsForMetric as the SDK did.
    let answers = [&monitor.answers("DescribeAlarms")[..3], &monitor.answers("DescribeAlarmsForMetric")[..1]].concat();
    let mut read: Vec<Value> = pages.iter().map(alarms_json).collect();
    read.push(json!({"MetricAlarms": [alarm_json(&found.metric_alarms()[0])]}));
    assert_eq!(botocore_parsed(&answers), read);
}

#[tokio::test]
async fn put_metric_alarm_is_recorded_alike_from_the_rust_sdks_cbor_and_botocores_json_1_0_as_the_aws_cli_sends_it() {
    let monitor = FakeMonitor::start();
    let insights =
        "SELECT SUM(XksProxyErrors) FROM \"AWS/KMS\" WHERE CustomKeyStoreId = 'cks-1' AND ErrorType = 'Retryable'";
    let request = json!({
        "AlarmName": "xks-cks-1-retryable-errors",
        "Metrics": [{"Id": "q1", "Expression": insights, "Period": 60, "ReturnData": true}],
        "EvaluationPeriods": 1,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    });
    let query = MetricDataQuery::builder().id("q1").expression(insights).period(60).return_data(true).build();
    cloudwatch(&monitor, 1)
        .put_metric_alarm()
        .alarm_name("xks-cks-1-retryable-errors")
        .metrics(query)
        .evaluation_periods(1)
        .threshold(5.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data("notBreaching")
        .send()
        .await
        .unwrap();
    assert_eq!(botocore_call(&monitor.url, "cloudwatch", "PutMetricAlarm", &request), json!({}));

    assert_eq!(monitor.put_alarms(), [request.clone(), request]);
    let answers = monitor.answers("PutMetricAlarm");
    let seen: Vec<(Protocol, u16)> = answers.iter().map(|a| (a.protocol, a.status)).collect();
    assert_eq!(seen, [(Protocol::RpcV2Cbor, 200), (Protocol::Json10, 200)]);
}

#[tokio::test]
async fn a_refused_cloudwatch_call_is_access_denied_by_its_query_code_not_retried_and_botocore_reads_it_so() {
    let monitor = FakeMonitor::start().refusing("GetMetricData");
    let client = cloudwatch(&monitor, 3);
    let error = client
        .get_metric_data()
        .metric_data_queries(query("q", metric("XksProxyLatency", &LATENCY), "p99"))
        .start_time(DateTime::from_secs(T))
        .end_time(DateTime::from_secs(T + 60))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(error.code(), Some("AccessDenied"), "{error:?}");
    assert!(error.message().unwrap().contains("not authorized to perform: cloudwatch:GetMetricData"), "{error:?}");
    let parsed = &botocore_parsed(&monitor.answers("GetMetricData"))[0];
    assert_eq!(botocore_error(parsed), (error.code().unwrap().to_string(), error.message().unwrap().to_string()));

    // Only that operation is refused.
    client.list_metrics().send().await.unwrap();
    let calls: Vec<String> = monitor.calls().into_iter().map(|(_, operation)| operation).collect();
    assert_eq!(calls, ["GetMetricData", "ListMetrics"]);
}

/// A CloudTrail record of a call of the store's KMS key or of the store itself, as CloudTrail writes it.
fn record(id: &str, name: &str, at: &str, key: Option<&str>, error: Option<&str>) -> Value {
    let mut record = json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEROLEID:app-7",
            "arn": "arn:aws:sts::111122223333:assumed-role/payments/app-7",
            "accountId": "111122223333",
            "accessKeyId": "ASIAEXAMPLEKEY7",
        },
        "eventTime": at,
        "eventSource": "kms.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.7",
        "requestID": format!("{id}-request"),
        "eventID": id,
        "readOnly": name != "ConnectCustomKeyStore" && name != "CreateCustomKeyStore",
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management",
    });
    if let Some(key) = key {
        record["resources"] = json!([{"accountId": "111122223333", "type": "AWS::KMS::Key", "ARN": key}]);
        record["additionalEventData"] = json!({"customKeyStoreId": "cks-1", "xksKeyId": "key-2026-01"});
    }
    if let Some(message) = error {
        record["errorCode"] = json!("KMSInvalidStateException");
        record["errorMessage"] = json!(message);
    }
    record
}

fn records() -> Vec<Value> {
    let timed_out = "The external key store proxy did not respond to the request within the timeout allowed.";
    let mut created = record("e1", "CreateCustomKeyStore", "2024-05-01T02:00:00Z", None, None);
    created["userIdentity"] = json!({"type": "IAMUser", "userName": "alice", "accessKeyId": "AKIAEXAMPLEKEY1",
        "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333"});
    vec![
        created,
        record("e2", "Encrypt", "2024-05-01T03:00:00Z", Some(KEY), Some(timed_out)),
        record("e3", "Decrypt", "2024-05-01T03:01:00Z", Some(KEY), Some(timed_out)),
        record("e4", "Encrypt", "2024-05-01T03:00:30Z", Some(OTHER_KEY), None),
        record("e5", "ConnectCustomKeyStore", "2024-05-01T03:10:00Z", None, None),
    ]
}

fn attribute(key: LookupAttributeKey, value: &str) -> LookupAttribute {
    LookupAttribute::builder().attribute_key(key).attribute_value(value).build().unwrap()
}

#[tokio::test]
async fn lookup_events_in_json_1_1_pages_newest_first_and_the_rust_sdk_and_botocore_read_the_same_events() {
    let monitor = FakeMonitor::start().with_events(records());
    let client = cloudtrail(&monitor, 1);

    let pages: Vec<LookupEventsOutput> = client
        .lookup_events()
        .lookup_attributes(attribute(LookupAttributeKey::ResourceName, KEY))
        .start_time(DateTime::from_secs(T - 10))
        .end_time(DateTime::from_secs(T + 3600))
        .into_paginator()
        .page_size(1)
        .send()
        .try_collect()
        .await
        .unwrap();
    let events: Vec<&Event> = pages.iter().flat_map(|p| p.events()).collect();
    let ids: Vec<&str> = events.iter().filter_map(|e| e.event_id()).collect();
    assert_eq!(ids, ["e3", "e2"]);
    let failed = event_json(events[1]);
    assert_eq!(failed["EventTime"], json!(T as f64));
    assert_eq!(failed["Username"], "app-7");
    assert_eq!(failed["ReadOnly"], "true");
    assert_eq!(failed["Resources"], json!([{"ResourceType": "AWS::KMS::Key", "ResourceName": KEY}]));
    let trail: Value = serde_json::from_str(events[1].cloud_trail_event().unwrap()).unwrap();
    assert_eq!(trail, records()[1], "CloudTrailEvent is the record, as a JSON string");
    let answers = monitor.answers("LookupEvents");
    assert!(answers.iter().all(|answer| answer.protocol == Protocol::Json11));
    assert_eq!(botocore_parsed(&answers), pages.iter().map(lookup_json).collect::<Vec<_>>());

    let by_name = |name: &str| client.lookup_events().lookup_attributes(attribute(LookupAttributeKey::EventName, name));
    let created = by_name("CreateCustomKeyStore").send().await.unwrap();
    // botocore's client asks in its own spelling of the operation and reads the same event.
    let lookup = json!({"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "CreateCustomKeyStore"}]});
    assert_eq!(botocore_call(&monitor.url, "cloudtrail", "LookupEvents", &lookup), lookup_json(&created));
    let created = event_json(&created.events()[0]);
    assert_eq!(
        (&created["Username"], &created["AccessKeyId"], &created["ReadOnly"]),
        (&json!("alice"), &json!("AKIAEXAMPLEKEY1"), &json!("false"))
    );
    assert_eq!(created["Resources"], json!([]));
    let before = by_name("ConnectCustomKeyStore").end_time(DateTime::from_secs(T + 599)).send().await.unwrap();
    assert_eq!(before.events, Some(Vec::new()));
}

#[tokio::test]
async fn throttled_lookups_are_throttling_errors_that_the_rust_sdk_retries_and_botocore_names() {
    let monitor = FakeMonitor::start().with_events(records()).throttling_lookups(2);
    let answer = cloudtrail(&monitor, 3).lookup_events().send().await.unwrap();
    assert_eq!(answer.events().len(), 5);
    assert_eq!(monitor.calls(), vec![("cloudtrail".to_string(), "LookupEvents".to_string()); 3]);

    let monitor = FakeMonitor::start().throttling_lookups(1);
    let error = cloudtrail(&monitor, 1).lookup_events().send().await.unwrap_err().into_service_error();
    assert_eq!((error.code(), error.message()), (Some("ThrottlingException"), Some("Rate exceeded")), "{error:?}");
    let parsed = &botocore_parsed(&monitor.answers("LookupEvents"))[0];
    assert_eq!(botocore_error(parsed), ("ThrottlingException".to_string(), "Rate exceeded".to_string()));
}

#[tokio::test]
async fn refused_lookups_are_access_denied_exception_for_the_rust_sdk_and_botocore_and_not_retried() {
    let monitor = FakeMonitor::start().with_events(records()).refusing("LookupEvents");
    let error = cloudtrail(&monitor, 3).lookup_events().send().await.unwrap_err().into_service_error();
    assert_eq!(error.code(), Some("AccessDeniedException"), "{error:?}");
    assert!(error.message().unwrap().contains("cloudtrail:LookupEvents"), "{error:?}");
    let parsed = &botocore_parsed(&monitor.answers("LookupEvents"))[0];
    assert_eq!(botocore_error(parsed), (error.code().unwrap().to_string(), error.message().unwrap().to_string()));
    assert_eq!(monitor.calls().len(), 1);
}

#[tokio::test]
async fn made_up_tokens_and_cloudtrails_limits_get_the_errors_the_sdks_model() {
    let monitor = FakeMonitor::start().with_events(records());
    let error = cloudwatch(&monitor, 1)
        .get_metric_data()
        .metric_data_queries(query("q", metric("XksProxyLatency", &LATENCY), "p99"))
        .start_time(DateTime::from_secs(T))
        .end_time(DateTime::from_secs(T + 60))
        .next_token("made-up")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(matches!(error, GetMetricDataError::InvalidNextToken(_)), "{error:?}");

    let client = cloudtrail(&monitor, 1);
    let error = client.lookup_events().next_token("made-up").send().await.unwrap_err().into_service_error();
    assert!(matches!(error, LookupEventsError::InvalidNextTokenException(_)), "{error:?}");
    let error = client.lookup_events().max_results(51).send().await.unwrap_err().into_service_error();
    assert!(matches!(error, LookupEventsError::InvalidMaxResultsException(_)), "{error:?}");
    let two = [attribute(LookupAttributeKey::EventName, "Encrypt"), attribute(LookupAttributeKey::ResourceName, KEY)];
    let error =
        client.lookup_events().set_lookup_attributes(Some(two.to_vec())).send().await.unwrap_err().into_service_error();
    assert!(matches!(error, LookupEventsError::InvalidLookupAttributesException(_)), "{error:?}");
    let answers = [monitor.answers("GetMetricData"), monitor.answers("LookupEvents")].concat();
    let codes: Vec<String> = botocore_parsed(&answers).iter().map(|parsed| botocore_error(parsed).0).collect();
    let modeled = ["InvalidNextTokenException", "InvalidMaxResultsException", "InvalidLookupAttributesException"];
    assert_eq!(codes, [&["InvalidNextToken"][..], &modeled].concat());
}
