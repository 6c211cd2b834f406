//! What KMS saw of the stores of one account and Region: their `AWS/KMS` metrics (ListMetrics, then
//! GetMetricData with as many queries a call as it takes), CloudTrail's record of their failed calls
//! (LookupEvents, at CloudTrail's 2 calls a second), and the alarms on their metrics (DescribeAlarms).
//! Each read is made once for the whole scope and shared out to the stores.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{DimensionFilter, Metric, MetricDataQuery, MetricStat};
use serde_json::Value;

use super::aws::{call_failure, out_of_time, Clients};
use crate::facts::{
    AlarmFacts, AlarmQuery, Dimension, MetricSeries, MonitorFacts, Observed, Point, TrailEvent, TrailFacts, TrailGap,
    Why,
};
use crate::kms_metrics::{statistics, NAMESPACE, STORE_DIMENSION};

/// GetMetricData takes at most 500 queries, and gives at most 100,800 datapoints, a call.
const QUERIES_PER_CALL: usize = 500;
const POINTS_PER_SERIES: u64 = 200;
/// Bounds on paging: a token that never ends is a broken endpoint.
const MAX_PAGES: usize = 100;
/// LookupEvents allows 2 calls a second per account and Region; the run makes at most this many.
const MAX_LOOKUPS: usize = 24;
const LOOKUP_SPACING: Duration = Duration::from_millis(500);
const EVENTS_PER_PAGE: i32 = 50;
const PAGES_PER_LOOKUP: usize = 4;
/// The store's own management events.
const STORE_EVENTS: [&str; 4] =
    ["CreateCustomKeyStore", "UpdateCustomKeyStore", "ConnectCustomKeyStore", "DisconnectCustomKeyStore"];

/// The window to read, ending now.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: i64,
    pub end: i64,
    pub period_s: u32,
}

impl Window {
    /// The last `since`, ending at the start of this minute, in periods of a whole number of minutes
    /// that give each series at most 200 points.
    pub fn ending_now(since: Duration) -> Window {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let end = now - now.rem_euclid(60);
        let minutes = since.as_secs().div_ceil(60 * POINTS_PER_SERIES).max(1);
        Window { start: end - since.as_secs() as i64, end, period_s: (minutes * 60) as u32 }
    }
}

/// A store to read, with the ARNs of its KMS keys (whose failed calls CloudTrail records), `None` when
/// they could not be listed.
pub struct Store {
    pub id: String,
    pub key_arns: Option<Vec<String>>,
}

/// What KMS saw of each store, by store ID.
/// Each of the three reads ends at the run's `deadline` on its own: CloudTrail's paced lookups running
/// out of time leave the metrics and alarms already read.
pub async fn gather(
    clients: &Clients,
    stores: &[Store],
    window: Window,
    deadline: tokio::time::Instant,
    run_timeout: Duration,
) -> HashMap<String, MonitorFacts> {
    let ids: Vec<&str> = stores.iter().map(|s| s.id.as_str()).collect();
    let (metrics, trail, alarms) = tokio::join!(
        by_deadline(deadline, run_timeout, "cloudwatch:GetMetricData", metrics(&clients.cloudwatch, &ids, window)),
        by_deadline(deadline, run_timeout, "cloudtrail:LookupEvents", trail(&clients.cloudtrail, stores, window)),
        by_deadline(deadline, run_timeout, "cloudwatch:DescribeAlarms", alarms(&clients.cloudwatch, &ids)),
    );
    stores
        .iter()
        .map(|store| {
            let trail = match &trail {
                Observed::Seen((by_store, gaps)) => {
                    let mut unread = gaps.clone();
                    if store.key_arns.is_none() {
                        unread.push(TrailGap::KeysUnknown);
                    }
                    Observed::Seen(TrailFacts { events: by_store.get(&store.id).cloned().unwrap_or_default(), unread })
                }
                Observed::Failed(failure) => Observed::Failed(failure.clone()),
                Observed::NotGathered(why) => Observed::NotGathered(why.clone()),
            };
            let facts = MonitorFacts {
                start: crate::dates::rfc3339(window.start),
                end: crate::dates::rfc3339(window.end),
                period_s: window.period_s,
                metrics: share(&metrics, &store.id),
                trail,
                alarms: share(&alarms, &store.id),
            };
            (store.id.clone(), facts)
        })
        .collect()
}

async fn by_deadline<T>(
    deadline: tokio::time::Instant,
    run_timeout: Duration,
    action: &str,
    read: impl std::future::Future<Output = Observed<T>>,
) -> Observed<T> {
    tokio::time::timeout_at(deadline, read).await.unwrap_or_else(|_| Observed::Failed(out_of_time(action, run_timeout)))
}

/// One store's part of a reading made for the whole scope.
fn share<T: Clone>(all: &Observed<ByStore<T>>, store: &str) -> Observed<Vec<T>> {
    match all {
        Observed::Seen(by_store) => Observed::Seen(by_store.get(store).cloned().unwrap_or_default()),
        Observed::Failed(failure) => Observed::Failed(failure.clone()),
        Observed::NotGathered(why) => Observed::NotGathered(why.clone()),
    }
}

type ByStore<T> = HashMap<String, Vec<T>>;

/// Every series of the stores' metrics: one ListMetrics for the namespace's store dimension (every
/// store at once), then GetMetricData in calls of up to 500 queries.
async fn metrics(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    ids: &[&str],
    window: Window,
) -> Observed<ByStore<MetricSeries>> {
    let mut listed = cloudwatch
        .list_metrics()
        .namespace(NAMESPACE)
        .dimensions(DimensionFilter::builder().name(STORE_DIMENSION).build())
        .into_paginator()
        .send();
    let mut wanted: Vec<(String, MetricSeries)> = Vec::new();
    for page in 0..=MAX_PAGES {
        let metrics = match listed.next().await {
            None => break,
            Some(Ok(page)) => page.metrics,
            Some(Err(error)) => return Observed::Failed(call_failure("cloudwatch:ListMetrics", &error)),
        };
        if page == MAX_PAGES {
            return Observed::NotGathered(Why::EndlessPages { action: "cloudwatch:ListMetrics".into() });
        }
        for metric in metrics.unwrap_or_default() {
            let dimensions = dimensions_of(metric.dimensions());
            let Some(store) = dimensions.iter().find(|d| d.name == STORE_DIMENSION && ids.contains(&d.value.as_str()))
            else {
                continue;
            };
            let name = metric.metric_name().unwrap_or_default();
            for statistic in statistics(name) {
                let series = MetricSeries {
                    metric: name.to_string(),
                    dimensions: dimensions.clone(),
                    statistic: statistic.to_string(),
                    points: Vec::new(),
                };
                wanted.push((store.value.clone(), series));
            }
        }
    }
    for (chunk, batch) in wanted.chunks_mut(QUERIES_PER_CALL).enumerate() {
        if let Err(failure) = read_points(cloudwatch, batch, window, chunk).await {
            return Observed::Failed(failure);
        }
    }
    let mut by_store: ByStore<MetricSeries> = HashMap::new();
    for (store, series) in wanted {
        by_store.entry(store).or_default().push(series);
    }
    Observed::Seen(by_store)
}

/// Fills the points of up to 500 series with one GetMetricData (and its pages).
async fn read_points(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    batch: &mut [(String, MetricSeries)],
    window: Window,
    chunk: usize,
) -> Result<(), crate::facts::CallFailure> {
    let queries: Vec<MetricDataQuery> = batch
        .iter()
        .enumerate()
        .map(|(index, (_, series))| {
            let dimensions = series
                .dimensions
                .iter()
                .map(|d| aws_sdk_cloudwatch::types::Dimension::builder().name(&d.name).value(&d.value).build())
                .collect();
            let metric = Metric::builder()
                .namespace(NAMESPACE)
                .metric_name(&series.metric)
                .set_dimensions(Some(dimensions))
                .build();
            let stat = MetricStat::builder().metric(metric).period(window.period_s as i32).stat(&series.statistic);
            MetricDataQuery::builder()
                .id(format!("q{chunk}_{index}"))
                .metric_stat(stat.build())
                .return_data(true)
                .build()
        })
        .collect();
    let mut pages = cloudwatch
        .get_metric_data()
        .set_metric_data_queries(Some(queries))
        .start_time(DateTime::from_secs(window.start))
        .end_time(DateTime::from_secs(window.end))
        .into_paginator()
        .send();
    for _ in 0..MAX_PAGES {
        let page = match pages.next().await {
            None => break,
            Some(Ok(page)) => page,
            Some(Err(error)) => return Err(call_failure("cloudwatch:GetMetricData", &error)),
        };
        for result in page.metric_data_results() {
            // A query CloudWatch could not answer has no points: that is no reading, not a zero.
            if let Some(status) = result.status_code().filter(|s| !matches!(s.as_str(), "Complete" | "PartialData")) {
                return Err(crate::facts::CallFailure {
                    action: "cloudwatch:GetMetricData".into(),
                    access_denied: status.as_str() == "Forbidden",
                    code: Some(status.as_str().to_string()),
                    message: format!("a query was answered {}", status.as_str()),
                    out_of_time: false,
                });
            }
            let index = result.id().and_then(|id| id.rsplit('_').next()).and_then(|i| i.parse::<usize>().ok());
            let Some((_, series)) = index.and_then(|i| batch.get_mut(i)) else { continue };
            let points = result
                .timestamps()
                .iter()
                .zip(result.values())
                .map(|(at, value)| Point { at: at.secs(), value: *value });
            series.points.extend(points);
        }
    }
    for (_, series) in batch.iter_mut() {
        series.points.sort_by_key(|point| point.at);
    }
    Ok(())
}

/// Every metric alarm of the account and Region that watches one of the stores, single-metric or
/// metric-math (its queries name the store).
async fn alarms(cloudwatch: &aws_sdk_cloudwatch::Client, ids: &[&str]) -> Observed<ByStore<AlarmFacts>> {
    let mut pages = cloudwatch.describe_alarms().into_paginator().send();
    let mut by_store: ByStore<AlarmFacts> = HashMap::new();
    for page in 0..=MAX_PAGES {
        let alarms = match pages.next().await {
            None => return Observed::Seen(by_store),
            Some(Ok(page)) => page.metric_alarms.unwrap_or_default(),
            Some(Err(error)) => return Observed::Failed(call_failure("cloudwatch:DescribeAlarms", &error)),
        };
        if page == MAX_PAGES {
            break;
        }
        for alarm in alarms {
            let facts = alarm_facts(&alarm);
            let text = serde_json::to_string(&facts).unwrap_or_default();
            // An alarm that names a store is that store's; one on KMS's metrics that names none (AWS's
            // own error alarms filter by ErrorType alone) may cover every store: alarms::present decides.
            let named: Vec<&&str> = ids.iter().filter(|id| text.contains(**id)).collect();
            let on_kms = text.contains(NAMESPACE) || text.contains("XksProxy");
            let owners: Vec<&&str> = if named.is_empty() && on_kms { ids.iter().collect() } else { named };
            for id in owners {
                by_store.entry(id.to_string()).or_default().push(facts.clone());
            }
        }
    }
    Observed::NotGathered(Why::EndlessPages { action: "cloudwatch:DescribeAlarms".into() })
}

fn dimensions_of(dimensions: &[aws_sdk_cloudwatch::types::Dimension]) -> Vec<Dimension> {
    dimensions
        .iter()
        .map(|d| Dimension { name: d.name().unwrap_or_default().into(), value: d.value().unwrap_or_default().into() })
        .collect()
}

fn alarm_facts(alarm: &aws_sdk_cloudwatch::types::MetricAlarm) -> AlarmFacts {
    AlarmFacts {
        name: alarm.alarm_name().unwrap_or_default().to_string(),
        state: alarm.state_value().map(|s| s.as_str().to_string()),
        metric: alarm.metric_name().map(str::to_string),
        namespace: alarm.namespace().map(str::to_string),
        dimensions: dimensions_of(alarm.dimensions()),
        statistic: alarm
            .statistic()
            .map(|s| s.as_str().to_string())
            .or_else(|| alarm.extended_statistic().map(str::to_string)),
        period_s: alarm.period(),
        threshold: alarm.threshold(),
        comparison: alarm.comparison_operator().map(|c| c.as_str().to_string()),
        queries: alarm
            .metrics()
            .iter()
            .map(|query| {
                let stat = query.metric_stat();
                let metric = stat.and_then(|s| s.metric());
                AlarmQuery {
                    id: query.id().unwrap_or_default().to_string(),
                    expression: query.expression().map(str::to_string),
                    metric: metric.and_then(|m| m.metric_name()).map(str::to_string),
                    namespace: metric.and_then(|m| m.namespace()).map(str::to_string),
                    dimensions: metric.map(|m| dimensions_of(m.dimensions())).unwrap_or_default(),
                    statistic: stat.and_then(|s| s.stat()).map(str::to_string),
                    // A Metrics Insights or math query keeps its period on the query itself.
                    period_s: query.period().or_else(|| stat.and_then(|s| s.period())),
                }
            })
            .collect(),
    }
}

/// One CloudTrail lookup: the store events by name, or the calls made with one KMS key.
enum Lookup<'a> {
    StoreEvent(&'static str),
    Key { store: &'a str, arn: &'a str },
}

/// The stores' own events and the failed calls on their keys, from a bounded number of lookups spaced
/// to CloudTrail's rate, with what was left unread.
async fn trail(
    cloudtrail: &aws_sdk_cloudtrail::Client,
    stores: &[Store],
    window: Window,
) -> Observed<(ByStore<TrailEvent>, Vec<TrailGap>)> {
    let mut lookups: Vec<Lookup> = STORE_EVENTS.iter().map(|name| Lookup::StoreEvent(name)).collect();
    for store in stores {
        lookups.extend(store.key_arns.iter().flatten().map(|arn| Lookup::Key { store: &store.id, arn }));
    }
    let mut by_store: ByStore<TrailEvent> = HashMap::new();
    let mut gaps = Vec::new();
    let mut pages_left = 0;
    let mut calls = 0;
    'lookups: for (index, lookup) in lookups.iter().enumerate() {
        let (key, value) = match lookup {
            Lookup::StoreEvent(name) => (LookupAttributeKey::EventName, *name),
            Lookup::Key { arn, .. } => (LookupAttributeKey::ResourceName, *arn),
        };
        let attribute = LookupAttribute::builder().attribute_key(key).attribute_value(value).build();
        let Ok(attribute) = attribute else { continue };
        let mut pages = cloudtrail
            .lookup_events()
            .lookup_attributes(attribute)
            .start_time(aws_sdk_cloudtrail::primitives::DateTime::from_secs(window.start))
            .end_time(aws_sdk_cloudtrail::primitives::DateTime::from_secs(window.end))
            .max_results(EVENTS_PER_PAGE)
            .into_paginator()
            .send();
        // A request is due for the first page, and for the next while the last one named a next token.
        let mut more = true;
        for _ in 0..PAGES_PER_LOOKUP {
            if !more {
                break;
            }
            if calls >= MAX_LOOKUPS {
                gaps.push(TrailGap::CallBound { calls });
                break 'lookups;
            }
            // The first two calls go at once, as CloudTrail's bucket allows; the rest two a second.
            if calls >= 2 {
                tokio::time::sleep(LOOKUP_SPACING).await;
            }
            calls += 1;
            let page = match pages.next().await {
                None => break,
                Some(Ok(page)) => page,
                Some(Err(error))
                    if error.as_service_error().is_some_and(|e| e.meta().code() == Some("ThrottlingException")) =>
                {
                    gaps.push(TrailGap::Throttled { lookups_not_made: lookups.len() - index });
                    break 'lookups;
                }
                Some(Err(error)) => return Observed::Failed(call_failure("cloudtrail:LookupEvents", &error)),
            };
            more = page.next_token().is_some_and(|token| !token.is_empty());
            for event in page.events() {
                let Some(record) = event.cloud_trail_event().and_then(|text| serde_json::from_str::<Value>(text).ok())
                else {
                    continue;
                };
                let trail_event = trail_event(&record, event.event_name());
                let owner = match lookup {
                    Lookup::StoreEvent(_) => event_store(&record).filter(|id| stores.iter().any(|s| s.id == *id)),
                    Lookup::Key { store, .. } => Some(*store).filter(|_| trail_event.error_code.is_some()),
                };
                if let Some(store) = owner {
                    by_store.entry(store.to_string()).or_default().push(trail_event);
                }
            }
        }
        pages_left += usize::from(more);
    }
    if pages_left > 0 {
        gaps.push(TrailGap::PagesLeft { lookups: pages_left });
    }
    for events in by_store.values_mut() {
        // One call can be found by several lookups (ReEncrypt names two keys): each is kept once.
        let mut seen = std::collections::HashSet::new();
        events.retain(|e| e.request_id.is_none() || seen.insert(e.request_id.clone()));
        events.sort_by(|a, b| a.time.cmp(&b.time));
    }
    Observed::Seen((by_store, gaps))
}

/// The store an event of the store's own is about.
fn event_store(record: &Value) -> Option<&str> {
    record["requestParameters"]["customKeyStoreId"]
        .as_str()
        .or_else(|| record["responseElements"]["customKeyStoreId"].as_str())
}

/// The fields of a CloudTrail record the checks read.
fn trail_event(record: &Value, event_name: Option<&str>) -> TrailEvent {
    let text = |value: &Value| value.as_str().map(str::to_string);
    let resources: BTreeMap<&str, &str> = record["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r["type"].as_str()?, r["ARN"].as_str()?)))
        .collect();
    TrailEvent {
        time: text(&record["eventTime"]).unwrap_or_default(),
        event_name: event_name.map(str::to_string).or_else(|| text(&record["eventName"])).unwrap_or_default(),
        key_arn: resources.get("AWS::KMS::Key").map(|arn| arn.to_string()),
        xks_key_id: text(&record["additionalEventData"]["xksKeyId"]),
        error_code: text(&record["errorCode"]),
        error_message: text(&record["errorMessage"]),
        request_id: text(&record["requestID"]),
    }
}
