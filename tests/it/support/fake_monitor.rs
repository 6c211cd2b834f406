//! A stand-in for CloudWatch and CloudTrail on 127.0.0.1, for the monitor checks: moto cannot serve
//! either to the Rust SDK (../shared/xks/TESTING-AWS.md). It answers in AWS's wire formats, with bodies
//! shaped after the API reference:
//! - CloudWatch in Smithy RPC v2 CBOR as aws-sdk-cloudwatch speaks it (`POST
//!   /service/GraniteServiceVersion20100801/operation/<Op>`), and in JSON 1.0 (`X-Amz-Target:
//!   GraniteServiceVersion20100801.<Op>`), which botocore, and so the aws CLI, prefers;
//! - CloudTrail in JSON 1.1 (`X-Amz-Target: CloudTrail_20131101.<Op>` from the Rust SDK,
//!   `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Op>` from botocore).
//!
//! Its limits and defaults are AWS's. Every answer is kept as it was sent, so that a test can hand the
//! same bytes to parsers that are not ours (tests/it/monitor_standin.rs proves the format that way).

use std::convert::Infallible;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use aws_sdk_cloudtrail::primitives::{DateTime, DateTimeFormat};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use minicbor::data::{IanaTag, Type};
use serde_json::{json, Value};
use xks_preflight::alarms::RecommendedAlarm;

use super::loopback::Loopback;

const CBOR_PATH: &str = "/service/GraniteServiceVersion20100801/operation/";
const CLOUDWATCH_TARGET: &str = "GraniteServiceVersion20100801.";
// botocore (and so the aws CLI) names CloudTrail's operations with the namespace, the Rust SDK without.
const CLOUDTRAIL_NAMESPACE: &str = "com.amazonaws.cloudtrail.v20131101.";
const CLOUDTRAIL_TARGET: &str = "CloudTrail_20131101.";
const NAMESPACE: &str = "AWS/KMS";
const ACCOUNT: &str = "111122223333";
// AWS's limits and defaults, from the API reference of each operation.
const MAX_QUERIES: usize = 500;
const DATAPOINTS_PER_PAGE: usize = 100_800;
const METRICS_PER_PAGE: usize = 500;
const ALARMS_PER_PAGE: usize = 50;
const EVENTS_PER_PAGE: usize = 50;

/// The wire format of an exchange.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Protocol {
    RpcV2Cbor,
    Json10,
    Json11,
}

impl Protocol {
    /// botocore's name for it, which chooses its parser.
    pub fn botocore_name(self) -> &'static str {
        match self {
            Protocol::RpcV2Cbor => "smithy-rpc-v2-cbor",
            Protocol::Json10 | Protocol::Json11 => "json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Protocol::RpcV2Cbor => "application/cbor",
            Protocol::Json10 => "application/x-amz-json-1.0",
            Protocol::Json11 => "application/x-amz-json-1.1",
        }
    }
}

/// One answer, as it went on the wire.
#[derive(Clone, Debug)]
pub struct Answer {
    /// botocore's name of the service: `cloudwatch` or `cloudtrail`.
    pub service: &'static str,
    pub operation: String,
    pub protocol: Protocol,
    pub status: u16,
    /// Lower-case names, as HTTP/1.1 servers may send them and hyper gives them.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// A metric of the `AWS/KMS` namespace: its name, its dimensions in the order ListMetrics gives them,
/// and its datapoints per statistic.
pub struct Series {
    name: String,
    dimensions: Vec<(String, String)>,
    stats: Vec<(String, Vec<(i64, f64)>)>,
}

impl Series {
    pub fn new(name: &str, dimensions: &[(&str, &str)]) -> Series {
        let dimensions = dimensions.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        Series { name: name.to_string(), dimensions, stats: Vec::new() }
    }

    /// Its datapoints for one statistic as GetMetricData names it (`Average`, `Maximum`, `Sum`, `p99`,
    /// …): (epoch seconds, value), in any order.
    pub fn stat(mut self, stat: &str, points: &[(i64, f64)]) -> Series {
        self.stats.push((stat.to_string(), points.to_vec()));
        self
    }

    /// Whether `metric` (a Metric of a request: Namespace, MetricName, Dimensions) names this one: the
    /// same name and exactly the same dimensions, in any order, as CloudWatch matches them.
    fn is(&self, metric: &Value) -> bool {
        let mut mine = self.dimensions.clone();
        mine.sort();
        metric["Namespace"] == NAMESPACE && metric["MetricName"] == self.name.as_str() && dimensions(metric) == mine
    }

    fn wire(&self) -> Wire {
        let dimensions =
            self.dimensions.iter().map(|(n, v)| Wire::map([("Name", Wire::text(n)), ("Value", Wire::text(v))]));
        Wire::map([
            ("Namespace", Wire::text(NAMESPACE)),
            ("MetricName", Wire::text(&self.name)),
            ("Dimensions", Wire::List(dimensions.collect())),
        ])
    }
}

/// The (Name, Value) pairs of a request's or an alarm's `Dimensions`, sorted.
fn dimensions(owner: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = owner["Dimensions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| (d["Name"].as_str().unwrap_or("").to_string(), d["Value"].as_str().unwrap_or("").to_string()))
        .collect();
    pairs.sort();
    pairs
}

/// A CloudTrail record as LookupEvents returns it: an Event whose `CloudTrailEvent` is the record.
struct Event {
    time: f64,
    fields: Value,
}

impl Event {
    fn of(record: Value) -> Event {
        let field = |name: &str| record[name].as_str().unwrap_or_else(|| panic!("a CloudTrail record has {name}"));
        let time = DateTime::from_str(field("eventTime"), DateTimeFormat::DateTime)
            .unwrap_or_else(|e| panic!("eventTime {}: {e}", field("eventTime")))
            .as_secs_f64();
        let resources: Vec<Value> = record["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| json!({"ResourceType": r["type"], "ResourceName": r["ARN"]}))
            .collect();
        let mut fields = json!({
            "EventId": field("eventID"),
            "EventName": field("eventName"),
            "EventTime": time,
            "EventSource": field("eventSource"),
            "Resources": resources,
            "CloudTrailEvent": record.to_string(),
        });
        if let Some(read_only) = record["readOnly"].as_bool() {
            fields["ReadOnly"] = json!(read_only.to_string());
        }
        let identity = &record["userIdentity"];
        if let Some(key) = identity["accessKeyId"].as_str() {
            fields["AccessKeyId"] = json!(key);
        }
        // An IAM user's name, else the last part of the identity's ARN (a role's session name), as the
        // CloudTrail console's User name column shows it; AWS services have none.
        let username = identity["userName"].as_str().or_else(|| identity["arn"].as_str()?.rsplit('/').next());
        if let Some(username) = username {
            fields["Username"] = json!(username);
        }
        Event { time, fields }
    }

    /// Whether it matches a LookupAttribute: `ResourceName` and `ResourceType` against its resources, any
    /// other key against its own field.
    fn matches(&self, key: &str, value: &str) -> bool {
        match key {
            "ResourceName" | "ResourceType" => {
                self.fields["Resources"].as_array().into_iter().flatten().any(|r| r[key] == value)
            }
            _ => self.fields[key] == value,
        }
    }
}

#[derive(Default)]
struct State {
    series: Vec<Series>,
    alarms: Vec<Value>,
    events: Vec<Event>,
    /// How many LookupEvents calls are still to be throttled.
    throttled_lookups: usize,
    /// How long each LookupEvents call waits before it answers.
    lookup_delay: Option<std::time::Duration>,
    refused: Vec<String>,
    metrics_per_page: Option<usize>,
    calls: Vec<(String, String)>,
    metric_queries: Vec<usize>,
    put_alarms: Vec<Value>,
    answers: Vec<Answer>,
}

pub struct FakeMonitor {
    /// For AWS_ENDPOINT_URL_CLOUDWATCH and AWS_ENDPOINT_URL_CLOUDTRAIL (or AWS_ENDPOINT_URL).
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: Loopback,
}

impl FakeMonitor {
    pub fn start() -> FakeMonitor {
        let state = Arc::new(Mutex::new(State::default()));
        let server = Loopback::http(state.clone(), handle);
        FakeMonitor { url: format!("http://{}", server.address), state, _server: server }
    }

    /// Metrics that ListMetrics lists and GetMetricData reads, after those already given.
    pub fn with_series(self, series: Vec<Series>) -> Self {
        self.state.lock().unwrap().series.extend(series);
        self
    }

    /// Metric alarms in the API's JSON shape (DescribeAlarms' MetricAlarm: times as epoch seconds), as
    /// DescribeAlarms and DescribeAlarmsForMetric return them.
    pub fn with_alarms(self, alarms: Vec<Value>) -> Self {
        self.state.lock().unwrap().alarms.extend(alarms);
        self
    }

    /// CloudTrail records (eventTime, eventID, eventName, eventSource, userIdentity, resources, …), which
    /// LookupEvents returns as Events.
    pub fn with_events(self, records: Vec<Value>) -> Self {
        self.state.lock().unwrap().events.extend(records.into_iter().map(Event::of));
        self
    }

    /// The first `calls` LookupEvents calls get 400 ThrottlingException, as past CloudTrail's 2 per second.
    pub fn throttling_lookups(self, calls: usize) -> Self {
        self.state.lock().unwrap().throttled_lookups = calls;
        self
    }

    /// Each LookupEvents call answers after `delay`, as a CloudTrail that is slow to search.
    pub fn stalling_lookups(self, delay: std::time::Duration) -> Self {
        self.state.lock().unwrap().lookup_delay = Some(delay);
        self
    }

    /// Every call of `operation` (`GetMetricData`, `LookupEvents`, …) is refused, as to an identity whose
    /// policy does not allow it.
    pub fn refusing(self, operation: &str) -> Self {
        self.state.lock().unwrap().refused.push(operation.to_string());
        self
    }

    /// ListMetrics pages of `size` metrics (AWS: 500), so that a test needs no 500 metrics to page.
    pub fn with_metrics_per_page(self, size: usize) -> Self {
        self.state.lock().unwrap().metrics_per_page = Some(size);
        self
    }

    /// Every call, in order: (`cloudwatch` or `cloudtrail`, operation).
    pub fn calls(&self) -> Vec<(String, String)> {
        self.state.lock().unwrap().calls.clone()
    }

    /// The number of MetricDataQueries of each GetMetricData call, in order.
    pub fn metric_queries(&self) -> Vec<usize> {
        self.state.lock().unwrap().metric_queries.clone()
    }

    /// The PutMetricAlarm requests, in the API's JSON shape, whatever protocol carried them.
    pub fn put_alarms(&self) -> Vec<Value> {
        self.state.lock().unwrap().put_alarms.clone()
    }

    /// The answers to `operation`, in order, as they were sent.
    pub fn answers(&self, operation: &str) -> Vec<Answer> {
        self.state.lock().unwrap().answers.iter().filter(|a| a.operation == operation).cloned().collect()
    }
}

async fn handle(state: Arc<Mutex<State>>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_string();
    let target = request.headers().get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let (service, protocol, operation) = if let Some(operation) = path.strip_prefix(CBOR_PATH) {
        ("cloudwatch", Protocol::RpcV2Cbor, operation)
    } else if let Some(operation) = target.strip_prefix(CLOUDWATCH_TARGET) {
        ("cloudwatch", Protocol::Json10, operation)
    } else if let Some(operation) =
        target.strip_prefix(CLOUDTRAIL_NAMESPACE).unwrap_or(&target).strip_prefix(CLOUDTRAIL_TARGET)
    {
        ("cloudtrail", Protocol::Json11, operation)
    } else {
        let text = format!("neither CloudWatch nor CloudTrail: POST {path}, X-Amz-Target {target:?}");
        return Ok(Response::builder().status(404).body(Full::new(Bytes::from(text))).unwrap());
    };
    let input = match protocol {
        Protocol::RpcV2Cbor => from_cbor(&body),
        Protocol::Json10 | Protocol::Json11 if body.is_empty() => Ok(json!({})),
        Protocol::Json10 | Protocol::Json11 => serde_json::from_slice(&body).map_err(|e| e.to_string()),
    };
    let delay = state.lock().unwrap().lookup_delay.filter(|_| operation == "LookupEvents");
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let mut state = state.lock().unwrap();
    state.calls.push((service.to_string(), operation.to_string()));
    let reply = match input {
        Ok(input) => serve(&mut state, service, operation, &input),
        Err(error) => Err(Fault::new("SerializationException", format!("the body does not decode: {error}"))),
    };
    let answer = encoded(service, operation, protocol, reply, state.answers.len());
    state.answers.push(answer.clone());
    let mut response = Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        response = response.header(*name, value);
    }
    Ok(response.body(Full::new(Bytes::from(answer.body))).unwrap())
}

fn encoded(
    service: &'static str,
    operation: &str,
    protocol: Protocol,
    reply: Result<Option<Wire>, Fault>,
    number: usize,
) -> Answer {
    let mut headers = vec![
        ("content-type", protocol.content_type().to_string()),
        ("x-amzn-requestid", format!("5f0c9a3e-0000-4000-8000-{number:012}")),
    ];
    if protocol == Protocol::RpcV2Cbor {
        headers.push(("smithy-protocol", "rpc-v2-cbor".to_string()));
    }
    let (status, body) = match reply {
        Ok(body) => (200, body),
        Err(fault) => {
            if let Some(code) = fault.query_code {
                headers.push(("x-amzn-query-error", format!("{code};Sender")));
            }
            let body = Wire::map([("__type", Wire::text(&fault.error_type)), ("message", Wire::text(&fault.message))]);
            (400, Some(body))
        }
    };
    let body = match (body, protocol) {
        // An operation with no output (PutMetricAlarm) answers with an empty body.
        (None, _) => Vec::new(),
        (Some(body), Protocol::RpcV2Cbor) => body.cbor(),
        (Some(body), Protocol::Json10 | Protocol::Json11) => body.json().to_string().into_bytes(),
    };
    Answer { service, operation: operation.to_string(), protocol, status, headers, body }
}

/// An error answer, always 400 as AWS sends these. CloudWatch is query-compatible: beside its Smithy error type it names its Query
/// API's code in `x-amzn-query-error`, which the SDKs report as the code (`AccessDenied`,
/// `ValidationError`).
struct Fault {
    error_type: String,
    query_code: Option<&'static str>,
    message: String,
}

impl Fault {
    fn new(error_type: &str, message: String) -> Fault {
        Fault { error_type: error_type.to_string(), query_code: None, message }
    }

    fn cloudwatch(error_type: &str, query_code: &'static str, message: String) -> Fault {
        Fault { query_code: Some(query_code), ..Fault::new(error_type, message) }
    }

    fn access_denied(service: &str, operation: &str) -> Fault {
        let message = format!(
            "User: arn:aws:iam::{ACCOUNT}:user/xks-audit is not authorized to perform: {service}:{operation} \
             because no identity-based policy allows the {service}:{operation} action"
        );
        match service {
            "cloudwatch" => {
                Fault::cloudwatch("com.amazon.coral.service#AccessDeniedException", "AccessDenied", message)
            }
            _ => Fault::new("AccessDeniedException", message),
        }
    }

    fn invalid_token(service: &str) -> Fault {
        let message = "The NextToken is not valid.".to_string();
        match service {
            "cloudwatch" => Fault::cloudwatch("com.amazonaws.cloudwatch#InvalidNextToken", "InvalidNextToken", message),
            _ => Fault::new("InvalidNextTokenException", message),
        }
    }
}

fn serve(state: &mut State, service: &str, operation: &str, input: &Value) -> Result<Option<Wire>, Fault> {
    if state.refused.iter().any(|refused| refused == operation) {
        return Err(Fault::access_denied(service, operation));
    }
    match (service, operation) {
        ("cloudwatch", "ListMetrics") => list_metrics(state, input),
        ("cloudwatch", "GetMetricData") => get_metric_data(state, input),
        ("cloudwatch", "DescribeAlarms") => describe_alarms(state, input),
        ("cloudwatch", "DescribeAlarmsForMetric") => describe_alarms_for_metric(state, input),
        ("cloudwatch", "PutMetricAlarm") => {
            // Recorded, not applied: DescribeAlarms still shows only the alarms the test gave.
            state.put_alarms.push(input.clone());
            Ok(None)
        }
        ("cloudtrail", "LookupEvents") if state.throttled_lookups > 0 => {
            state.throttled_lookups -= 1;
            Err(Fault::new("ThrottlingException", "Rate exceeded".to_string()))
        }
        ("cloudtrail", "LookupEvents") => lookup_events(state, input),
        _ => Err(Fault::new("UnknownOperationException", format!("the stand-in does not serve {service} {operation}"))),
    }
}

/// The positions of one page of `len` items, from the one a NextToken names (none: the first), with
/// the token of the next. The tokens are opaque to clients; a made-up one, or one past the end, is
/// refused as AWS refuses a token that is not its own.
fn page(len: usize, service: &str, input: &Value, size: usize) -> Result<(Range<usize>, Option<Wire>), Fault> {
    let start = match input["NextToken"].as_str() {
        None => 0,
        Some(token) => token
            .strip_prefix("page-")
            .and_then(|n| n.parse().ok())
            .filter(|&n| n < len)
            .ok_or_else(|| Fault::invalid_token(service))?,
    };
    let end = len.min(start + size.max(1));
    Ok((start..end, (end < len).then(|| Wire::text(format!("page-{end}")))))
}

fn with_token(mut members: Vec<(&str, Wire)>, token: Option<Wire>) -> Wire {
    members.extend(token.map(|token| ("NextToken", token)));
    Wire::map(members)
}

fn list_metrics(state: &State, input: &Value) -> Result<Option<Wire>, Fault> {
    let wanted = |series: &&Series| {
        let namespace = input["Namespace"].as_str().is_none_or(|n| n == NAMESPACE);
        let name = input["MetricName"].as_str().is_none_or(|n| n == series.name);
        // A dimension filter names a dimension the metric must have, with this value if it gives one.
        let filters = input["Dimensions"].as_array().into_iter().flatten().all(|filter| {
            series
                .dimensions
                .iter()
                .any(|(n, v)| filter["Name"] == n.as_str() && filter["Value"].as_str().is_none_or(|f| f == v))
        });
        namespace && name && filters
    };
    let matching: Vec<&Series> = state.series.iter().filter(wanted).collect();
    let (range, token) = page(matching.len(), "cloudwatch", input, state.metrics_per_page.unwrap_or(METRICS_PER_PAGE))?;
    Ok(Some(with_token(vec![("Metrics", Wire::List(matching[range].iter().map(|s| s.wire()).collect()))], token)))
}

fn get_metric_data(state: &mut State, input: &Value) -> Result<Option<Wire>, Fault> {
    let queries = input["MetricDataQueries"].as_array().cloned().unwrap_or_default();
    state.metric_queries.push(queries.len());
    if queries.len() > MAX_QUERIES {
        let message = format!(
            "1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must \
             have length less than or equal to {MAX_QUERIES}"
        );
        return Err(Fault::cloudwatch("com.amazon.coral.validate#ValidationException", "ValidationError", message));
    }
    // Start inclusive, end exclusive, as CloudWatch reads the window.
    let (start, end) = (input["StartTime"].as_f64().unwrap_or(0.0), input["EndTime"].as_f64().unwrap_or(f64::MAX));
    let ascending = input["ScanBy"] == "TimestampAscending";
    let mut series = Vec::new();
    for query in &queries {
        let Some(stat) = query.get("MetricStat") else {
            let message = format!("the stand-in reads MetricStat queries only, not {query}");
            return Err(Fault::cloudwatch("com.amazon.coral.validate#ValidationException", "ValidationError", message));
        };
        let mut points: Vec<(i64, f64)> = state
            .series
            .iter()
            .filter(|s| s.is(&stat["Metric"]))
            .flat_map(|s| s.stats.iter().filter(|(name, _)| stat["Stat"] == name.as_str()))
            .flat_map(|(_, points)| points.iter().copied())
            .filter(|&(t, _)| start <= t as f64 && (t as f64) < end)
            .collect();
        // Newest first unless asked otherwise, as AWS answers.
        points.sort_by_key(|&(t, _)| if ascending { t } else { -t });
        let label = query["Label"].as_str().or(stat["Metric"]["MetricName"].as_str()).unwrap_or("").to_string();
        series.push((query["Id"].as_str().unwrap_or("").to_string(), label, points));
    }

    // Pages hold MaxDatapoints datapoints (AWS: 100,800), counted across the queries in order; a query
    // whose datapoints go on in a later page is PartialData in this one.
    let total: usize = series.iter().map(|(_, _, points)| points.len()).sum();
    let size = input["MaxDatapoints"].as_u64().map_or(DATAPOINTS_PER_PAGE, |n| n as usize);
    let (range, token) = page(total, "cloudwatch", input, size)?;
    let mut results = Vec::new();
    let mut before = 0;
    for (id, label, points) in &series {
        let from = range.start.saturating_sub(before).min(points.len());
        let to = range.end.saturating_sub(before).min(points.len());
        before += points.len();
        // A query with no datapoints at all is answered, empty, on the first page.
        if from == to && !(points.is_empty() && range.start == 0) {
            continue;
        }
        let shown = &points[from..to];
        results.push(Wire::map([
            ("Id", Wire::text(id)),
            ("Label", Wire::text(label)),
            ("Timestamps", Wire::List(shown.iter().map(|&(t, _)| Wire::Time(t as f64)).collect())),
            ("Values", Wire::List(shown.iter().map(|&(_, v)| Wire::Double(v)).collect())),
            ("StatusCode", Wire::text(if to == points.len() { "Complete" } else { "PartialData" })),
            ("Messages", Wire::List(Vec::new())),
        ]));
    }
    Ok(Some(with_token(vec![("MetricDataResults", Wire::List(results)), ("Messages", Wire::List(Vec::new()))], token)))
}

fn describe_alarms(state: &State, input: &Value) -> Result<Option<Wire>, Fault> {
    // Without AlarmTypes, only metric alarms are described, as AWS does; the stand-in holds no composite
    // alarms. Filters other than names and a name prefix are not applied.
    let types: Vec<&str> = input["AlarmTypes"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let metric_alarms = types.is_empty() || types.contains(&"MetricAlarm");
    let names: Vec<&str> = input["AlarmNames"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let prefix = input["AlarmNamePrefix"].as_str().unwrap_or("");
    let matching: Vec<&Value> = state
        .alarms
        .iter()
        .filter(|alarm| {
            let name = alarm["AlarmName"].as_str().unwrap_or("");
            metric_alarms && name.starts_with(prefix) && (names.is_empty() || names.contains(&name))
        })
        .collect();
    let size = input["MaxRecords"].as_u64().map_or(ALARMS_PER_PAGE, |n| n as usize);
    let (range, token) = page(matching.len(), "cloudwatch", input, size)?;
    let mut members =
        vec![("MetricAlarms", Wire::List(matching[range].iter().map(|a| Wire::from_api("", a)).collect()))];
    if types.contains(&"CompositeAlarm") {
        members.push(("CompositeAlarms", Wire::List(Vec::new())));
    }
    Ok(Some(with_token(members, token)))
}

fn describe_alarms_for_metric(state: &State, input: &Value) -> Result<Option<Wire>, Fault> {
    // The alarms on exactly this metric: a metric-math alarm has no single metric and is never among
    // them (which is why the monitor checks read DescribeAlarms too).
    let wanted = dimensions(input);
    let alarms = state.alarms.iter().filter(|alarm| {
        alarm["Namespace"] == input["Namespace"]
            && alarm["MetricName"] == input["MetricName"]
            && dimensions(alarm) == wanted
    });
    Ok(Some(Wire::map([("MetricAlarms", Wire::List(alarms.map(|a| Wire::from_api("", a)).collect()))])))
}

fn lookup_events(state: &State, input: &Value) -> Result<Option<Wire>, Fault> {
    let attributes = input["LookupAttributes"].as_array().cloned().unwrap_or_default();
    if attributes.len() > 1 {
        let message = "You cannot specify more than one lookup attribute.".to_string();
        return Err(Fault::new("InvalidLookupAttributesException", message));
    }
    let size = input["MaxResults"].as_u64().map_or(EVENTS_PER_PAGE, |n| n as usize);
    if !(1..=EVENTS_PER_PAGE).contains(&size) {
        let message = format!("Value {size} for MaxResults is invalid: it must be between 1 and {EVENTS_PER_PAGE}.");
        return Err(Fault::new("InvalidMaxResultsException", message));
    }
    let (start, end) = (input["StartTime"].as_f64().unwrap_or(0.0), input["EndTime"].as_f64().unwrap_or(f64::MAX));
    let mut matching: Vec<&Event> = state
        .events
        .iter()
        .filter(|event| start <= event.time && event.time <= end)
        .filter(|event| {
            attributes.iter().all(|a| {
                event.matches(a["AttributeKey"].as_str().unwrap_or(""), a["AttributeValue"].as_str().unwrap_or(""))
            })
        })
        .collect();
    // Newest first, as CloudTrail answers.
    matching.sort_by(|a, b| b.time.total_cmp(&a.time));
    let (range, token) = page(matching.len(), "cloudtrail", input, size)?;
    let events = matching[range].iter().map(|e| Wire::from_api("", &e.fields)).collect();
    Ok(Some(with_token(vec![("Events", Wire::List(events))], token)))
}

/// A request body in RPC v2 CBOR, read as its JSON 1.0 form: tag-1 timestamps as their epoch seconds,
/// the one data item filling the body (an empty body is an empty input).
fn from_cbor(body: &[u8]) -> Result<Value, String> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    let mut decoder = minicbor::Decoder::new(body);
    let value = cbor_item(&mut decoder, 0).map_err(|e| e.to_string())?;
    match decoder.position() == body.len() {
        true => Ok(value),
        false => Err(format!("{} bytes after the data item", body.len() - decoder.position())),
    }
}

fn cbor_item(decoder: &mut minicbor::Decoder, depth: usize) -> Result<Value, minicbor::decode::Error> {
    use minicbor::decode::Error;
    // Deeper than any CloudWatch input nests: a request that is not one.
    if depth > 16 {
        return Err(Error::message("nested too deep"));
    }
    // Indefinite lengths end at a break: each item read moves on, so the body's end bounds the loops.
    let more = |decoder: &mut minicbor::Decoder, left: &mut Option<u64>| -> Result<bool, Error> {
        match left {
            Some(0) => Ok(false),
            Some(n) => {
                *n -= 1;
                Ok(true)
            }
            None if decoder.datatype()? == Type::Break => decoder.skip().map(|_| false),
            None => Ok(true),
        }
    };
    Ok(match decoder.datatype()? {
        Type::Bool => json!(decoder.bool()?),
        Type::Null | Type::Undefined => decoder.skip().map(|_| Value::Null)?,
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => json!(decoder.u64()?),
        Type::I8 | Type::I16 | Type::I32 | Type::I64 => json!(decoder.i64()?),
        Type::F16 | Type::F32 | Type::F64 => json!(decoder.f64()?),
        Type::String | Type::StringIndef => {
            json!(decoder.str_iter()?.collect::<Result<Vec<&str>, Error>>()?.concat())
        }
        Type::Array | Type::ArrayIndef => {
            let mut left = decoder.array()?;
            let mut items = Vec::new();
            while more(decoder, &mut left)? {
                items.push(cbor_item(decoder, depth + 1)?);
            }
            Value::Array(items)
        }
        Type::Map | Type::MapIndef => {
            let mut left = decoder.map()?;
            let mut members = serde_json::Map::new();
            while more(decoder, &mut left)? {
                let key = decoder.str()?.to_string();
                members.insert(key, cbor_item(decoder, depth + 1)?);
            }
            Value::Object(members)
        }
        Type::Tag if decoder.tag()? == IanaTag::Timestamp => cbor_item(decoder, depth + 1)?,
        other => return Err(Error::message(format!("{other} is in no CloudWatch input"))),
    })
}

/// An answer's members as the API's shapes type them, for either protocol to encode.
enum Wire {
    Text(String),
    Int(i64),
    Double(f64),
    Time(f64),
    Bool(bool),
    List(Vec<Wire>),
    Map(Vec<(String, Wire)>),
}

impl Wire {
    fn text(text: impl Into<String>) -> Wire {
        Wire::Text(text.into())
    }

    fn map<'a>(members: impl IntoIterator<Item = (&'a str, Wire)>) -> Wire {
        Wire::Map(members.into_iter().map(|(name, value)| (name.to_string(), value)).collect())
    }

    /// A value in the API reference's JSON shape, typed by its member's name: the MetricAlarm and Event
    /// members that are timestamps (`…Timestamp`, `EventTime`) and doubles (`Threshold`) by name, any
    /// other number an integer.
    fn from_api(member: &str, value: &Value) -> Wire {
        match value {
            Value::String(text) => Wire::text(text),
            Value::Bool(flag) => Wire::Bool(*flag),
            Value::Number(n) if member.ends_with("Timestamp") || member == "EventTime" => {
                Wire::Time(n.as_f64().unwrap())
            }
            Value::Number(n) if member == "Threshold" => Wire::Double(n.as_f64().unwrap()),
            Value::Number(n) => Wire::Int(n.as_i64().unwrap_or_else(|| panic!("{member}: {n} is not an integer"))),
            Value::Array(items) => Wire::List(items.iter().map(|item| Wire::from_api(member, item)).collect()),
            Value::Object(members) => {
                Wire::Map(members.iter().map(|(k, v)| (k.clone(), Wire::from_api(k, v))).collect())
            }
            Value::Null => panic!("{member} is null: AWS leaves out a member it has no value for"),
        }
    }

    /// Definite lengths, timestamps as tag 1 over a double of epoch seconds, as the Smithy RPC v2 CBOR
    /// implementations write them.
    fn cbor(&self) -> Vec<u8> {
        fn write(
            wire: &Wire,
            e: &mut minicbor::Encoder<&mut Vec<u8>>,
        ) -> Result<(), minicbor::encode::Error<Infallible>> {
            match wire {
                Wire::Text(text) => e.str(text).map(drop),
                Wire::Int(n) => e.i64(*n).map(drop),
                Wire::Double(x) => e.f64(*x).map(drop),
                Wire::Time(t) => e.tag(IanaTag::Timestamp)?.f64(*t).map(drop),
                Wire::Bool(flag) => e.bool(*flag).map(drop),
                Wire::List(items) => {
                    e.array(items.len() as u64)?;
                    items.iter().try_for_each(|item| write(item, e))
                }
                Wire::Map(members) => {
                    e.map(members.len() as u64)?;
                    members.iter().try_for_each(|(name, value)| write(value, e.str(name)?))
                }
            }
        }
        let mut bytes = Vec::new();
        write(self, &mut minicbor::Encoder::new(&mut bytes)).expect("a Vec takes every write");
        bytes
    }

    /// JSON 1.0 and 1.1: timestamps as epoch seconds.
    fn json(&self) -> Value {
        match self {
            Wire::Text(text) => json!(text),
            Wire::Int(n) => json!(n),
            Wire::Double(x) | Wire::Time(x) => json!(x),
            Wire::Bool(flag) => json!(flag),
            Wire::List(items) => Value::Array(items.iter().map(Wire::json).collect()),
            Wire::Map(members) => Value::Object(members.iter().map(|(k, v)| (k.clone(), v.json())).collect()),
        }
    }
}

// What KMS publishes for healthy, connected stores, for the tests and the benchmark.

/// The start of the current minute, and the minutes before it.
pub fn minutes_ago(minutes: i64) -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    now - now % 60 - minutes * 60
}

/// One value a minute over the last `minutes` minutes.
pub fn every_minute(minutes: i64, value: impl Fn(i64) -> f64) -> Vec<(i64, f64)> {
    (1..=minutes).rev().map(|ago| (minutes_ago(ago), value(ago))).collect()
}

pub fn dims<'a>(store: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    std::iter::once(("CustomKeyStoreId", store)).chain(extra.iter().copied()).collect()
}

pub const ENCRYPT: [(&str, &str); 3] =
    [("KmsOperation", "Encrypt"), ("XksOperation", "Encrypt"), ("KeySpec", "AES_256")];

/// What KMS publishes for a healthy, connected store over the last three hours; `latency` gives the p99
/// of each minute (minutes ago → ms).
pub fn healthy(store: &str, latency: impl Fn(i64) -> f64) -> Vec<Series> {
    healthy_but(store, latency, &[])
}

/// `healthy`, without the metrics named in `leave_out`.
pub fn healthy_but(store: &str, latency: impl Fn(i64) -> f64, leave_out: &[&str]) -> Vec<Series> {
    let succeeded = [ENCRYPT.as_slice(), &[("ErrorType", "None"), ("ExceptionName", "None")]].concat();
    let all = vec![
        (
            "XksProxyLatency",
            Series::new("XksProxyLatency", &dims(store, &ENCRYPT))
                .stat("p99", &every_minute(180, &latency))
                .stat("Average", &every_minute(180, |_| 20.0))
                .stat("Maximum", &every_minute(180, |ago| latency(ago) + 10.0)),
        ),
        (
            "XksProxyErrors",
            Series::new("XksProxyErrors", &dims(store, &succeeded)).stat("Sum", &every_minute(180, |_| 120.0)),
        ),
        (
            "XksProxyCertificateDaysToExpire",
            Series::new("XksProxyCertificateDaysToExpire", &dims(store, &[("CertificateName", "xks.example.com")]))
                .stat("Minimum", &every_minute(180, |_| 140.0)),
        ),
        (
            "XksProxyCredentialAge",
            Series::new("XksProxyCredentialAge", &dims(store, &[])).stat("Maximum", &every_minute(180, |_| 12.0)),
        ),
        (
            "XksExternalKeyManagerStates",
            Series::new("XksExternalKeyManagerStates", &dims(store, &[("XksExternalKeyManagerState", "Active")]))
                .stat("Minimum", &every_minute(180, |_| 2.0))
                .stat("Maximum", &every_minute(180, |_| 2.0)),
        ),
    ];
    all.into_iter().filter(|(name, _)| !leave_out.contains(name)).map(|(_, series)| series).collect()
}

/// The four alarms AWS recommends for `store`, as `alarms` creates them, in DescribeAlarms' shape.
pub fn recommended_alarms(store: &str) -> Vec<Value> {
    RecommendedAlarm::ALL
        .into_iter()
        .map(|alarm| {
            let spec = alarm.spec();
            json!({
                "AlarmName": alarm.name(store),
                "StateValue": "OK",
                "Threshold": spec.threshold,
                "ComparisonOperator": spec.comparison.as_str(),
                "EvaluationPeriods": spec.evaluation_periods,
                "Metrics": [{"Id": "q1", "Expression": alarm.query(store), "Period": spec.period_s, "ReturnData": true}],
            })
        })
        .collect()
}
