//! Whether an alarm the account already has covers one of the four: generous about how it is named and
//! built (single metric, metric math, Metrics Insights; the older spellings of dimensions and their
//! values), strict about what it watches (the store, the metric, the error type, the figure, the side of
//! the threshold, and a threshold and period within reach of AWS's).

use std::fmt;

use super::{insights, Aggregate, Comparison, RecommendedAlarm, NAMESPACE, STORE_DIMENSION};
use crate::facts::{AlarmFacts, AlarmQuery, Dimension};

use crate::kms_metrics::CERTIFICATE_DIMENSIONS;
/// The dimensions a latency alarm may keep to one of, as AWS's console procedure has it pick a
/// `KmsOperation`.
const OPERATION_DIMENSIONS: &[&str] = &["KmsOperation", "XksOperation", "KeySpec"];

/// Why an alarm on the right metric of the right store does not count as the recommended one.
#[derive(Debug, Clone, PartialEq)]
pub enum Shortfall {
    /// It watches only some of the store's series: these dimensions (or `LIMIT`) narrow it.
    Narrower(Vec<String>),
    /// Its statistic or function watches another figure.
    Statistic(String),
    /// Its period, in seconds, is too long to see what AWS's alarm sees.
    Period(i32),
    /// It is not a static threshold alarm on the side AWS's fires on: its comparison, if any.
    Direction(Option<String>),
    /// Its threshold is further than the recommendation allows.
    Threshold(f64),
    /// Its expression names the metric and the store in a form this does not read.
    Unreadable(String),
}

impl fmt::Display for Shortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shortfall::Narrower(keys) => write!(f, "it watches only part of the store's series ({})", keys.join(", ")),
            Shortfall::Statistic(statistic) => write!(f, "it watches the {statistic}, another figure"),
            Shortfall::Period(period) => write!(f, "its period of {period} s is too long"),
            Shortfall::Direction(Some(comparison)) => {
                write!(f, "its comparison {comparison} is not on the side AWS's alarm fires on")
            }
            Shortfall::Direction(None) => write!(f, "it has no static threshold"),
            Shortfall::Threshold(threshold) => write!(f, "its threshold of {threshold} is further than AWS's allows"),
            Shortfall::Unreadable(expression) => write!(f, "its expression {expression:?} could not be followed"),
        }
    }
}

/// The first of `existing` that covers `alarm` for the store `store_id`.
pub fn present<'a>(alarm: RecommendedAlarm, store_id: &str, existing: &'a [AlarmFacts]) -> Option<&'a AlarmFacts> {
    existing.iter().find(|facts| judge(alarm, store_id, facts).is_ok())
}

/// The first of `existing` that watches `alarm`'s metric for the store but does not cover it, and why:
/// what a report says beside the missing alarm.
pub fn nearest<'a>(
    alarm: RecommendedAlarm,
    store_id: &str,
    existing: &'a [AlarmFacts],
) -> Option<(&'a AlarmFacts, Shortfall)> {
    existing.iter().find_map(|facts| match judge(alarm, store_id, facts) {
        Err(Miss::Short(shortfall)) => Some((facts, shortfall)),
        _ => None,
    })
}

enum Miss {
    /// Another metric, store or error type: nothing to say about it.
    Unrelated,
    Short(Shortfall),
}

impl Miss {
    /// The nearer of two ways of not covering.
    fn or(self, other: Miss) -> Miss {
        match self {
            Miss::Unrelated => other,
            short => short,
        }
    }
}

/// What an alarm watches of the store's series of one metric.
struct Watched {
    /// The dimensions (or `LIMIT`) that keep it to part of those series.
    narrowed_by: Vec<String>,
    /// The statistics and functions it aggregates with, as written.
    statistics: Vec<String>,
    period_s: Option<i32>,
}

fn judge(alarm: RecommendedAlarm, store_id: &str, facts: &AlarmFacts) -> Result<(), Miss> {
    let watched = match &facts.metric {
        Some(metric) => {
            let series = Series {
                metric,
                namespace: facts.namespace.as_deref(),
                dimensions: &facts.dimensions,
                statistic: facts.statistic.as_deref(),
                period_s: facts.period_s,
            };
            single(alarm, store_id, &series)?
        }
        None => queried(alarm, store_id, &facts.queries)?,
    };
    let spec = alarm.spec();
    let allowed = narrowing(alarm);
    let narrower: Vec<String> =
        watched.narrowed_by.into_iter().filter(|key| !allowed.contains(&key.as_str())).collect();
    if !narrower.is_empty() {
        return Err(Miss::Short(Shortfall::Narrower(narrower)));
    }
    if let Some(other) = watched.statistics.iter().find(|statistic| !watches_the_figure(alarm, statistic)) {
        return Err(Miss::Short(Shortfall::Statistic(other.clone())));
    }
    let period_s = watched.period_s.or(facts.period_s);
    if let Some(period) = period_s.filter(|&period| period > longest_period_s(alarm)) {
        return Err(Miss::Short(Shortfall::Period(period)));
    }
    let side = match spec.comparison {
        Comparison::LessThanThreshold => ["LessThanThreshold", "LessThanOrEqualToThreshold"],
        Comparison::GreaterThanThreshold => ["GreaterThanThreshold", "GreaterThanOrEqualToThreshold"],
    };
    let (Some(comparison), Some(threshold)) = (facts.comparison.as_deref(), facts.threshold) else {
        return Err(Miss::Short(Shortfall::Direction(facts.comparison.clone())));
    };
    if !side.contains(&comparison) {
        return Err(Miss::Short(Shortfall::Direction(Some(comparison.to_string()))));
    }
    // A sum over a shorter or longer period is compared at AWS's period.
    let scaled = match (spec.aggregate, period_s) {
        (Aggregate::Sum, Some(period)) if period > 0 => threshold * f64::from(spec.period_s) / f64::from(period),
        _ => threshold,
    };
    let within = match spec.comparison {
        Comparison::LessThanThreshold => scaled >= loosest_threshold(alarm),
        Comparison::GreaterThanThreshold => scaled <= loosest_threshold(alarm),
    };
    match within {
        true => Ok(()),
        false => Err(Miss::Short(Shortfall::Threshold(threshold))),
    }
}

/// The dimensions an alarm may keep to part of the store's series by and still count: those AWS's own
/// procedure picks one of.
fn narrowing(alarm: RecommendedAlarm) -> &'static [&'static str] {
    match alarm {
        RecommendedAlarm::CertificateDaysToExpire => CERTIFICATE_DIMENSIONS,
        RecommendedAlarm::ProxyLatency => OPERATION_DIMENSIONS,
        RecommendedAlarm::RetryableErrors | RecommendedAlarm::NonRetryableErrors => &[],
    }
}

/// Whether a statistic (or a Metrics Insights or metric math function) watches the figure AWS's alarm
/// does, or one that fires at least as readily.
fn watches_the_figure(alarm: RecommendedAlarm, statistic: &str) -> bool {
    match alarm {
        // KMS publishes one value a period: its minimum and average are the same figure.
        RecommendedAlarm::CertificateDaysToExpire => matches!(statistic, "Minimum" | "Average" | "MIN" | "AVG"),
        // The maximum and the high percentiles are above the average.
        RecommendedAlarm::ProxyLatency => {
            matches!(statistic, "Average" | "Maximum" | "AVG" | "MAX")
                || statistic.strip_prefix('p').and_then(|p| p.parse::<f64>().ok()).is_some_and(|p| p >= 90.0)
        }
        RecommendedAlarm::RetryableErrors | RecommendedAlarm::NonRetryableErrors => {
            matches!(statistic, "Sum" | "SUM")
        }
    }
}

/// The longest period that still sees what AWS's alarm sees.
fn longest_period_s(alarm: RecommendedAlarm) -> i32 {
    match alarm {
        // The figure moves once a day.
        RecommendedAlarm::CertificateDaysToExpire => 86_400,
        // Twice AWS's 5 minutes: an average over longer hides an episode.
        RecommendedAlarm::ProxyLatency => 600,
        // A burst in one minute still shows in a 5-minute sum, scaled.
        RecommendedAlarm::RetryableErrors | RecommendedAlarm::NonRetryableErrors => 300,
    }
}

/// The furthest threshold that still counts, at AWS's period.
fn loosest_threshold(alarm: RecommendedAlarm) -> f64 {
    match alarm {
        // A week: time to have a certificate issued and deployed.
        RecommendedAlarm::CertificateDaysToExpire => 7.0,
        // Short of KMS's 250 ms timeout, which an average can barely reach.
        RecommendedAlarm::ProxyLatency => 240.0,
        // Twice AWS's 5 a minute.
        RecommendedAlarm::RetryableErrors | RecommendedAlarm::NonRetryableErrors => 10.0,
    }
}

/// The `ErrorType` values that name the alarm's error type: AWS's current spelling, and the one its
/// metrics page once listed.
fn error_types(alarm: RecommendedAlarm) -> Vec<String> {
    match alarm.spec().error_type {
        Some(error_type) => vec![error_type.to_string(), format!("{error_type} errors")],
        None => Vec::new(),
    }
}

/// One metric of one series set, as a single-metric alarm or a metric math query reads it.
struct Series<'a> {
    metric: &'a str,
    namespace: Option<&'a str>,
    dimensions: &'a [Dimension],
    statistic: Option<&'a str>,
    period_s: Option<i32>,
}

fn single(alarm: RecommendedAlarm, store_id: &str, series: &Series) -> Result<Watched, Miss> {
    let spec = alarm.spec();
    let value = |name: &str| series.dimensions.iter().find(|d| d.name == name).map(|d| d.value.as_str());
    let error_types = error_types(alarm);
    let right_error_type =
        error_types.is_empty() || value("ErrorType").is_some_and(|v| error_types.iter().any(|t| t == v));
    if series.metric != spec.metric
        || series.namespace != Some(NAMESPACE)
        || value(STORE_DIMENSION) != Some(store_id)
        || !right_error_type
    {
        return Err(Miss::Unrelated);
    }
    Ok(Watched {
        narrowed_by: series
            .dimensions
            .iter()
            .map(|d| d.name.clone())
            .filter(|name| name != STORE_DIMENSION && name != "ErrorType")
            .collect(),
        statistics: series.statistic.map(str::to_string).into_iter().collect(),
        period_s: series.period_s,
    })
}

/// A metric math alarm: a Metrics Insights query, or an expression over metric queries.
fn queried(alarm: RecommendedAlarm, store_id: &str, queries: &[AlarmQuery]) -> Result<Watched, Miss> {
    let mut nearest = Miss::Unrelated;
    for query in queries {
        let Some(expression) = &query.expression else { continue };
        let read = match insights::parse(expression) {
            Some(parsed) => from_insights(alarm, store_id, &parsed, query.period_s),
            None if expression.trim_start().to_ascii_uppercase().starts_with("SELECT") => {
                let about = expression.contains(alarm.spec().metric) && expression.contains(store_id);
                Err(if about { Miss::Short(Shortfall::Unreadable(expression.clone())) } else { Miss::Unrelated })
            }
            None => from_math(alarm, store_id, expression, queries),
        };
        match read {
            Ok(watched) => return Ok(watched),
            Err(miss) => nearest = nearest.or(miss),
        }
    }
    Err(nearest)
}

fn from_insights(
    alarm: RecommendedAlarm,
    store_id: &str,
    query: &insights::Query,
    period_s: Option<i32>,
) -> Result<Watched, Miss> {
    let spec = alarm.spec();
    let pinned = |key: &str, values: &[String]| {
        query.conditions.iter().any(|c| c.equal && c.key == key && values.contains(&c.value))
    };
    let error_types = error_types(alarm);
    let store_named = query.conditions.iter().any(|c| c.key == STORE_DIMENSION);
    // AWS's own procedure filters the errors by type alone: a sum (or a minimum, or a maximum, on the
    // side the alarm fires) over every store of the account and Region fires whenever this store's would.
    let over_every_store = !store_named
        && match (spec.comparison, query.function.as_str()) {
            (_, "SUM") => spec.aggregate == Aggregate::Sum,
            (Comparison::LessThanThreshold, "MIN") | (Comparison::GreaterThanThreshold, "MAX") => true,
            _ => false,
        };
    if query.metric != spec.metric
        || query.namespace != NAMESPACE
        || !(pinned(STORE_DIMENSION, &[store_id.to_string()]) || over_every_store)
        || !(error_types.is_empty() || pinned("ErrorType", &error_types))
    {
        return Err(Miss::Unrelated);
    }
    let mut narrowed_by: Vec<String> = query
        .conditions
        .iter()
        .filter(|c| c.key != STORE_DIMENSION && c.key != "ErrorType")
        // The datapoints whose ExceptionName is `None` count successes, not errors.
        .filter(|c| !(c.key == "ExceptionName" && !c.equal && c.value == "None"))
        .map(|c| c.key.clone())
        .chain(query.group_by.iter().cloned())
        .collect();
    if query.limited {
        narrowed_by.push("LIMIT".to_string());
    }
    Ok(Watched { narrowed_by, statistics: vec![query.function.clone()], period_s })
}

/// An expression that aggregates metric queries of the alarm's metric: `SUM(METRICS())`,
/// `SUM([m1, m2])`, `m1 + m2`, or one query's ID. Each query may be one series set of the store.
fn from_math(
    alarm: RecommendedAlarm,
    store_id: &str,
    expression: &str,
    queries: &[AlarmQuery],
) -> Result<Watched, Miss> {
    let compact: String = expression.chars().filter(|c| !c.is_whitespace()).collect();
    let metric_queries: Vec<&AlarmQuery> = queries.iter().filter(|q| q.metric.is_some()).collect();
    let all_ids = || metric_queries.iter().map(|q| q.id.clone()).collect::<Vec<_>>();
    let (function, ids): (Option<String>, Vec<String>) = match compact.split_once('(') {
        Some((function, rest)) => {
            let inner = rest.strip_suffix(')').ok_or(Miss::Unrelated)?;
            let ids = match inner {
                "METRICS()" => all_ids(),
                listed => listed
                    .strip_prefix('[')
                    .and_then(|l| l.strip_suffix(']'))
                    .ok_or(Miss::Unrelated)?
                    .split(',')
                    .map(str::to_string)
                    .collect(),
            };
            (Some(function.to_ascii_uppercase()), ids)
        }
        None => {
            let ids: Vec<String> = compact.split('+').map(str::to_string).collect();
            ((ids.len() > 1).then(|| "SUM".to_string()), ids)
        }
    };
    let mut statistics: Vec<String> = function.into_iter().collect();
    let mut period_s = None;
    for id in &ids {
        let query = metric_queries.iter().find(|q| q.id == *id).ok_or(Miss::Unrelated)?;
        let series = Series {
            metric: query.metric.as_deref().unwrap_or_default(),
            namespace: query.namespace.as_deref(),
            dimensions: &query.dimensions,
            statistic: query.statistic.as_deref(),
            period_s: query.period_s,
        };
        // Each query names one series set in full; together they may cover the store.
        let watched = single(alarm, store_id, &series)?;
        statistics.extend(watched.statistics);
        period_s = period_s.max(watched.period_s);
    }
    Ok(Watched { narrowed_by: Vec::new(), statistics, period_s })
}
