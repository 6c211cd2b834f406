//! The four CloudWatch alarms AWS recommends for each external key store (KMS Developer Guide, "Create
//! CloudWatch alarms for external key stores"): what each watches, whether an existing alarm already
//! covers it ([`present`]), and the aws CLI commands, CloudFormation or Terraform that create them
//! ([`render`]). Pure: no AWS call is made here.
//!
//! Each alarm is a Metrics Insights query over every `AWS/KMS` series of the store, as AWS's own
//! procedure builds the error alarms (`SUM(XksProxyErrors)` filtered by `ErrorType`). The certificate
//! and latency alarms use one too: a single-metric alarm must name every dimension of its series (the
//! certificate's subject name, the KMS operation, the key spec), which cannot be known without reading
//! the store's metrics and which changes when the certificate is renewed; a query filtered by
//! `CustomKeyStoreId` watches whatever series KMS publishes for the store, however it names them.

mod insights;
mod present;
pub mod render;

pub use present::{nearest, present, Shortfall};

pub use crate::kms_metrics::{NAMESPACE, STORE_DIMENSION};

/// One of the four alarms, in the order AWS's guide gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecommendedAlarm {
    /// The proxy's TLS certificate expires in less than 10 days.
    CertificateDaysToExpire,
    /// The proxy takes more than 200 ms on average to answer (KMS gives up at 250 ms).
    ProxyLatency,
    /// More than 5 retryable errors in a minute: often the network.
    RetryableErrors,
    /// More than 5 non-retryable errors in a minute: often the configuration.
    NonRetryableErrors,
}

/// How a Metrics Insights query aggregates the store's series in each period, with the CloudWatch
/// statistic of the same meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Minimum,
    Average,
    Sum,
}

impl Aggregate {
    /// The Metrics Insights function: `MIN`, `AVG`, `SUM`.
    pub fn function(self) -> &'static str {
        match self {
            Aggregate::Minimum => "MIN",
            Aggregate::Average => "AVG",
            Aggregate::Sum => "SUM",
        }
    }

    /// The CloudWatch statistic: `Minimum`, `Average`, `Sum`.
    pub fn statistic(self) -> &'static str {
        match self {
            Aggregate::Minimum => "Minimum",
            Aggregate::Average => "Average",
            Aggregate::Sum => "Sum",
        }
    }
}

/// Which side of the threshold fires the alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    LessThanThreshold,
    GreaterThanThreshold,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::LessThanThreshold => "LessThanThreshold",
            Comparison::GreaterThanThreshold => "GreaterThanThreshold",
        }
    }
}

/// What a period with no datapoint counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingData {
    /// The alarm shows INSUFFICIENT_DATA: for a figure KMS publishes all the time while connected.
    Missing,
    /// The period is fine: for errors, which have no datapoint when there are none.
    NotBreaching,
}

impl MissingData {
    pub fn as_str(self) -> &'static str {
        match self {
            MissingData::Missing => "missing",
            MissingData::NotBreaching => "notBreaching",
        }
    }
}

/// An alarm as AWS recommends it, for any store.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlarmSpec {
    /// The end of the alarm's name, after the store's ID.
    pub slug: &'static str,
    /// The alarm's query's label, and its name in reports.
    pub label: &'static str,
    pub metric: &'static str,
    pub aggregate: Aggregate,
    /// The `ErrorType` the error alarms keep, in AWS's current spelling.
    pub error_type: Option<&'static str>,
    pub period_s: u32,
    pub comparison: Comparison,
    pub threshold: f64,
    pub evaluation_periods: u32,
    pub missing_data: MissingData,
    /// Why the alarm matters, for its description.
    pub why: &'static str,
}

impl RecommendedAlarm {
    pub const ALL: [RecommendedAlarm; 4] = [
        RecommendedAlarm::CertificateDaysToExpire,
        RecommendedAlarm::ProxyLatency,
        RecommendedAlarm::RetryableErrors,
        RecommendedAlarm::NonRetryableErrors,
    ];

    pub fn spec(self) -> AlarmSpec {
        match self {
            RecommendedAlarm::CertificateDaysToExpire => AlarmSpec {
                slug: "certificate-days-to-expire",
                label: "Certificate days to expire",
                metric: "XksProxyCertificateDaysToExpire",
                aggregate: Aggregate::Minimum,
                error_type: None,
                period_s: 300,
                comparison: Comparison::LessThanThreshold,
                threshold: 10.0,
                evaluation_periods: 1,
                missing_data: MissingData::Missing,
                why: "the TLS certificate of the proxy expires in less than 10 days; once it has, KMS cannot \
                      reach the proxy and every key of the store is unusable",
            },
            RecommendedAlarm::ProxyLatency => AlarmSpec {
                slug: "proxy-latency",
                label: "Proxy latency",
                metric: "XksProxyLatency",
                aggregate: Aggregate::Average,
                error_type: None,
                period_s: 300,
                comparison: Comparison::GreaterThanThreshold,
                threshold: 200.0,
                evaluation_periods: 1,
                missing_data: MissingData::NotBreaching,
                why: "the proxy took more than 200 ms on average over 5 minutes to answer KMS; at 250 ms KMS \
                      gives up on a request",
            },
            RecommendedAlarm::RetryableErrors => AlarmSpec {
                slug: "retryable-errors",
                label: "Retryable errors",
                metric: "XksProxyErrors",
                aggregate: Aggregate::Sum,
                error_type: Some("Retryable"),
                period_s: 60,
                comparison: Comparison::GreaterThanThreshold,
                threshold: 5.0,
                evaluation_periods: 1,
                missing_data: MissingData::NotBreaching,
                why: "more than 5 retryable errors in one minute between KMS and the proxy, often the network \
                      or an overloaded proxy",
            },
            RecommendedAlarm::NonRetryableErrors => AlarmSpec {
                slug: "non-retryable-errors",
                label: "Non-retryable errors",
                metric: "XksProxyErrors",
                aggregate: Aggregate::Sum,
                error_type: Some("Non-retryable"),
                period_s: 60,
                comparison: Comparison::GreaterThanThreshold,
                threshold: 5.0,
                evaluation_periods: 1,
                missing_data: MissingData::NotBreaching,
                why: "more than 5 non-retryable errors in one minute between KMS and the proxy, often the \
                      configuration of the store or of the proxy",
            },
        }
    }

    /// The alarm's name for a store: `xks-<store ID>-<slug>`.
    pub fn name(self, store_id: &str) -> String {
        format!("xks-{store_id}-{}", self.spec().slug)
    }

    /// What the alarm watches, in a few words: `XksProxyLatency Average > 200 over 5 minutes`.
    pub fn summary(self) -> String {
        let spec = self.spec();
        let error_type = spec.error_type.map(|t| format!(" ({t})")).unwrap_or_default();
        let side = match spec.comparison {
            Comparison::LessThanThreshold => "<",
            Comparison::GreaterThanThreshold => ">",
        };
        let minutes = spec.period_s / 60;
        let period = if minutes == 1 { "1 minute".to_string() } else { format!("{minutes} minutes") };
        format!("{}{error_type} {} {side} {} over {period}", spec.metric, spec.aggregate.statistic(), spec.threshold)
    }

    /// The alarm's description for a store.
    pub fn description(self, store_id: &str) -> String {
        format!("External key store {store_id}: {}.", self.spec().why)
    }

    /// The Metrics Insights query the alarm watches: the metric over every series of the store (and of
    /// the error type), whatever other dimensions KMS publishes it with.
    pub fn query(self, store_id: &str) -> String {
        let spec = self.spec();
        let mut query = format!(
            "SELECT {}({}) FROM \"{NAMESPACE}\" WHERE {STORE_DIMENSION} = {}",
            spec.aggregate.function(),
            spec.metric,
            insights::literal(store_id)
        );
        if let Some(error_type) = spec.error_type {
            query.push_str(&format!(" AND ErrorType = {}", insights::literal(error_type)));
        }
        query
    }
}
