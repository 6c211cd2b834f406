//! What KMS itself saw of an existing store over a window: the `AWS/KMS` CloudWatch metrics it
//! published, the failed calls CloudTrail recorded, and the alarms set on those metrics. Read as
//! they are; judged in `checks`.

use serde::{Deserialize, Serialize};

use super::Observed;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MonitorFacts {
    /// The window read, RFC 3339 UTC.
    pub start: String,
    pub end: String,
    /// The period of every series, in seconds.
    pub period_s: u32,
    /// Every series of the store's metrics, as ListMetrics named their dimension sets.
    pub metrics: Observed<Vec<MetricSeries>>,
    pub trail: Observed<TrailFacts>,
    /// The alarms on the store's metrics, single-metric and metric-math.
    pub alarms: Observed<Vec<AlarmFacts>>,
}

/// One statistic of one metric over one dimension set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MetricSeries {
    /// As ListMetrics spelled it (AWS has published some under older names).
    pub metric: String,
    pub dimensions: Vec<Dimension>,
    /// `Average`, `Maximum`, `Minimum`, `Sum`, `SampleCount` or a percentile such as `p99`.
    pub statistic: String,
    /// Oldest first; a period with no datapoint has none.
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dimension {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Point {
    /// Unix time, in seconds, of the period's start.
    pub at: i64,
    pub value: f64,
}

/// The CloudTrail events of the window that bear on the store.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrailFacts {
    /// The store's own management events, and the failed calls on its KMS keys, oldest first.
    pub events: Vec<TrailEvent>,
    /// What was left unread.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<TrailGap>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrailEvent {
    /// RFC 3339, UTC.
    pub time: String,
    /// The KMS operation, e.g. `Decrypt` or `ConnectCustomKeyStore`.
    pub event_name: String,
    /// The KMS key the call was made with, when it was one of the store's.
    pub key_arn: Option<String>,
    pub xks_key_id: Option<String>,
    /// `errorCode` and `errorMessage` of a failed call; none for one that succeeded.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// KMS's request ID: the `kmsRequestId` the proxy received, to find in its log.
    pub request_id: Option<String>,
}

/// Why part of the trail was not read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TrailGap {
    /// LookupEvents kept refusing with ThrottlingException; these lookups were not made.
    Throttled { lookups_not_made: usize },
    /// The run's bound on LookupEvents calls was reached with pages left.
    CallBound { calls: usize },
    /// These lookups had more events than the pages the run reads of each.
    PagesLeft { lookups: usize },
    /// The store's KMS keys could not be listed, so no call made with them was looked up.
    KeysUnknown,
}

/// An alarm as DescribeAlarms or DescribeAlarmsForMetric gave it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AlarmFacts {
    pub name: String,
    pub state: Option<String>,
    /// A single-metric alarm's metric; none for a metric-math alarm.
    pub metric: Option<String>,
    pub namespace: Option<String>,
    pub dimensions: Vec<Dimension>,
    /// `Average`, `Minimum`, … or an extended statistic such as `p99`.
    pub statistic: Option<String>,
    pub period_s: Option<i32>,
    pub threshold: Option<f64>,
    /// `GreaterThanThreshold`, `LessThanThreshold`, …
    pub comparison: Option<String>,
    /// A metric-math alarm's queries: expressions (`SUM(METRICS())`, a Metrics Insights query) and the
    /// metrics they read.
    pub queries: Vec<AlarmQuery>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AlarmQuery {
    pub id: String,
    pub expression: Option<String>,
    pub metric: Option<String>,
    pub namespace: Option<String>,
    pub dimensions: Vec<Dimension>,
    pub statistic: Option<String>,
    pub period_s: Option<i32>,
}
