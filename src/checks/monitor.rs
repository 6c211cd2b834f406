//! `monitor.*`: what KMS itself saw of an existing store over the window, judged against AWS's own
//! limits and recommended alarms. A gauge with no datapoint is said to have none, never passed; a count
//! KMS publishes only when something happens (throttling, errors) reads as zero when the store's other
//! metrics are there.

use std::collections::BTreeMap;

use super::aws_call;
use super::context::Ctx;
use super::gates::missing;
use super::outcome::{need, MeasureName, Outcome, Series};
use super::text::{list, quote};
use crate::alarms::{nearest, present, RecommendedAlarm};
use crate::catalogue::CheckId;
use crate::dates;
use crate::facts::{MetricSeries, MonitorFacts, Observed, Point, TrailEvent, TrailGap, Why};
use crate::kms_errors::MESSAGE_TOPICS;
use crate::kms_metrics::{
    CERTIFICATE_DAYS, CERTIFICATE_DIMENSIONS, CREDENTIAL_AGE, ERRORS, LATENCY, MANAGER_STATES,
    MANAGER_STATE_DIMENSIONS, STORE_DIMENSION, THROTTLE,
};

/// KMS's limit on a proxy's answer, and the average AWS's recommended alarm watches.
const LIMIT_MS: f64 = 250.0;
const ALARM_AVERAGE_MS: f64 = 200.0;
/// KMS retries once after a network timeout: a maximum near twice the limit is that retry.
const RETRIED_MS: f64 = 450.0;
/// AWS's recommended alarms on errors: more than this many of one ErrorType in a minute.
const ERRORS_PER_MINUTE: f64 = 5.0;
/// AWS's recommended alarm on certificate days, and the warning the TLS check gives.
const CERTIFICATE_FAIL_DAYS: f64 = 10.0;
const CERTIFICATE_WARN_DAYS: f64 = 30.0;
/// The requests a second the keys of one store may make, and the share past which to plan.
const STORE_RATE: f64 = 1800.0;
const RATE_WARN_SHARE: f64 = 0.8;

/// What KMS saw of the store, or why it is not known.
fn seen<'a>(ctx: &Ctx<'a>) -> Result<&'a MonitorFacts, Outcome> {
    match &ctx.target.monitor {
        Some(observed) => ctx.aws(observed),
        None if ctx.is_planned() => {
            Err(Outcome::skipped("planned settings: KMS has seen nothing of a store not created yet"))
        }
        None if ctx.store.is_none() => Err(ctx.settings().err().unwrap_or_else(|| missing(&Why::OlderFacts))),
        None => Err(missing(&Why::OlderFacts)),
    }
}

/// The store's metric series, once KMS was seen to publish any in the window.
fn metrics<'a>(ctx: &Ctx<'a>) -> Result<(&'a MonitorFacts, &'a [MetricSeries]), Outcome> {
    let monitor = seen(ctx)?;
    // Why the metrics were not read is said once, by monitor.metrics_present.
    if let Observed::Failed(_) = &monitor.metrics {
        return Err(Outcome::blocked(CheckId::MonitorMetricsPresent, "the metrics could not be read"));
    }
    let series = ctx.aws(&monitor.metrics)?;
    if series.iter().all(|s| s.points.is_empty()) {
        return Err(Outcome::blocked(CheckId::MonitorMetricsPresent, "no metric in the window"));
    }
    Ok((monitor, series))
}

/// The series of a metric (under any of its names) and statistic.
fn of<'a>(series: &'a [MetricSeries], names: &[&str], statistic: &str) -> Vec<&'a MetricSeries> {
    series.iter().filter(|s| names.contains(&s.metric.as_str()) && s.statistic == statistic).collect()
}

/// A series' dimensions other than the store, `KmsOperation=Encrypt, XksOperation=Encrypt`.
fn label(series: &MetricSeries) -> String {
    let parts: Vec<String> = series
        .dimensions
        .iter()
        .filter(|d| d.name != STORE_DIMENSION)
        .map(|d| format!("{}={}", d.name, quote(&d.value)))
        .collect();
    if parts.is_empty() {
        "all operations".into()
    } else {
        parts.join(", ")
    }
}

fn dimension<'a>(series: &'a MetricSeries, names: &[&str]) -> Option<&'a str> {
    series.dimensions.iter().find(|d| names.contains(&d.name.as_str())).map(|d| d.value.as_str())
}

/// `14:05`, or `Dec 3 14:05` when the window spans days: when something was seen.
fn when(monitor: &MonitorFacts, at: i64) -> String {
    let text = dates::rfc3339(at);
    let long = dates::epoch(&monitor.end).unwrap_or(at) - dates::epoch(&monitor.start).unwrap_or(at) > 86_400;
    let (day, time) = text.split_once('T').unwrap_or((&text, ""));
    let time: String = time.chars().take(5).collect();
    if long {
        format!("{day} {time} UTC")
    } else {
        format!("{time} UTC")
    }
}

/// The stretch of time over which `breaks` held, as `14:05-14:20 UTC`.
fn span(monitor: &MonitorFacts, points: &[&Point]) -> String {
    match (points.first(), points.last()) {
        (Some(first), Some(last)) if first.at != last.at => {
            let end = last.at + i64::from(monitor.period_s);
            format!("{}-{}", when(monitor, first.at).trim_end_matches(" UTC"), when(monitor, end))
        }
        (Some(first), _) => format!("at {}", when(monitor, first.at)),
        _ => "never".into(),
    }
}

/// The window a period at a time: each period's points of `series` combined by `combine` (their
/// largest, or their sum), `None` where there are none.
fn over_window(monitor: &MonitorFacts, label: &str, series: &[&MetricSeries], combine: fn(f64, f64) -> f64) -> Series {
    let start = dates::epoch(&monitor.start).unwrap_or(0);
    let end = dates::epoch(&monitor.end).unwrap_or(start);
    let period = i64::from(monitor.period_s.max(1));
    let count = usize::try_from((end - start) / period).unwrap_or(0);
    let mut values: Vec<Option<f64>> = vec![None; count];
    for point in series.iter().flat_map(|s| &s.points) {
        let Some(slot) = usize::try_from((point.at - start) / period).ok().and_then(|i| values.get_mut(i)) else {
            continue;
        };
        *slot = Some(slot.map_or(point.value, |known| combine(known, point.value)));
    }
    Series { label: label.to_string(), start, period_s: monitor.period_s, values }
}

fn window(monitor: &MonitorFacts) -> String {
    format!("{} to {}", monitor.start, monitor.end)
}

/// A reading of what KMS saw that AWS refused: the section is left out, naming the permission, and the
/// rest of the run is unaffected (monitoring is on by default; an older policy lacks these actions).
/// Any other failure is an error.
fn read<'a, T>(ctx: &Ctx, observed: &'a Observed<T>) -> Result<&'a T, Outcome> {
    match observed {
        Observed::Failed(failure) if failure.access_denied => {
            let evidence = format!("{} was refused: what KMS saw was not read", failure.action);
            let remedy = aws_call::remedy(failure, ctx.facts.role_arn.as_deref());
            Err(Outcome { remedy: Some(remedy), ..Outcome::skipped(evidence) })
        }
        other => ctx.aws(other),
    }
}

pub(super) fn metrics_present(ctx: &Ctx) -> Outcome {
    let monitor = need!(seen(ctx));
    let series = need!(read(ctx, &monitor.metrics));
    let points: usize = series.iter().map(|s| s.points.len()).sum();
    let id = ctx.store.map(|s| s.id.as_str()).unwrap_or("the store");
    let connected = ctx.store.is_some_and(|s| s.connection_state.as_deref() == Some("CONNECTED"));
    if points == 0 && !connected {
        // KMS publishes metrics only while the store is connected: the state says why there are none.
        return Outcome::blocked(
            CheckId::ConfigConnectionState,
            "no metric in the window, as for a store not connected",
        );
    }
    if points == 0 {
        return Outcome::warn(
            format!("no AWS/KMS metric for {id} since {}", when(monitor, dates::epoch(&monitor.start).unwrap_or(0))),
            "Connect the store, or read its own account and Region.",
        );
    }
    let mut names: Vec<String> = series.iter().filter(|s| !s.points.is_empty()).map(|s| s.metric.clone()).collect();
    names.sort();
    names.dedup();
    Outcome::pass(format!(
        "{points} datapoints of {} from {} in {}-second periods",
        list(&names),
        window(monitor),
        monitor.period_s
    ))
}

pub(super) fn latency(ctx: &Ctx) -> Outcome {
    let (monitor, series) = need!(metrics(ctx));
    let p99 = of(series, LATENCY, "p99");
    let maximum = of(series, LATENCY, "Maximum");
    let average = of(series, LATENCY, "Average");
    let with_points = |all: &[&MetricSeries]| all.iter().any(|s| !s.points.is_empty());
    // Each operation's tail: p99 where CloudWatch has it, else the maximum, said as such.
    let (tails, tail_name) = if with_points(&p99) { (p99, "p99") } else { (maximum.clone(), "Maximum") };
    if !with_points(&tails) {
        return Outcome::skipped(format!("KMS published no XksProxyLatency datapoint from {}", window(monitor)));
    }
    let mut over = Vec::new();
    let mut worst = 0.0f64;
    for tail in &tails {
        // KMS records a timeout as 250 ms: a p99 of 250 is a timeout.
        let breaking: Vec<&Point> = tail.points.iter().filter(|p| p.value >= LIMIT_MS).collect();
        worst = tail.points.iter().map(|p| p.value).fold(worst, f64::max);
        if !breaking.is_empty() {
            let peak = breaking.iter().map(|p| p.value).fold(0.0, f64::max);
            over.push(format!("{} {tail_name} {peak:.0} ms {}", label(tail), span(monitor, &breaking)));
        }
    }
    let retried: Vec<String> = maximum
        .iter()
        .filter_map(|s| {
            let near: Vec<&Point> = s.points.iter().filter(|p| p.value >= RETRIED_MS).collect();
            (!near.is_empty()).then(|| format!("{} {}", label(s), span(monitor, &near)))
        })
        .collect();
    let retry_note = if retried.is_empty() {
        String::new()
    } else {
        format!(
            "; a maximum near 500 ms ({}) is KMS retrying after a network timeout: the first attempt got no answer",
            retried.join(", ")
        )
    };
    let fallback = if tail_name == "Maximum" { " (CloudWatch gave no p99 for it: the maximum is shown)" } else { "" };
    let remedy = "Find what slows the proxy at those times (its external key manager, its host, the network to \
                  it): KMS gives each request 250 ms and reports XKS_PROXY_TIMED_OUT past it. Measure the proxy \
                  under KMS's request rate before and after the change.";
    let outcome = if !over.is_empty() {
        Outcome::fail(format!("KMS saw answers over 250 ms: {}{fallback}{retry_note}", over.join("; ")), remedy)
    } else {
        let slow: Vec<String> = rolling_averages(&average, monitor.period_s)
            .into_iter()
            .filter(|(_, _, value)| *value > ALARM_AVERAGE_MS)
            .map(|(series, at, value)| format!("{} averaged {value:.0} ms at {}", label(series), when(monitor, at)))
            .collect();
        if slow.is_empty() {
            Outcome::pass(format!(
                "{tail_name} at most {worst:.0} ms over {} operations from {}{fallback}{retry_note}",
                tails.len(),
                window(monitor)
            ))
        } else {
            Outcome::warn(
                format!("the 5-minute average passed AWS's alarm of 200 ms: {}{retry_note}", list(&slow)),
                remedy,
            )
        }
    };
    let label = format!("{tail_name} latency (ms)");
    outcome.measured(MeasureName::KmsSeenLatencyWorstMs, worst).over_time(over_window(
        monitor,
        &label,
        &tails,
        f64::max,
    ))
}

/// The averages over 5 minutes (AWS's alarm period) of each series: from each point, the points of the
/// five minutes it starts (a gap leaves fewer in; only five minutes the series covers whole), or the
/// point alone when periods are 5 minutes or longer. Each minute's average counts once, as the periods carry no sample counts to weigh them by.
fn rolling_averages<'a>(series: &[&'a MetricSeries], period_s: u32) -> Vec<(&'a MetricSeries, i64, f64)> {
    let span = i64::from(period_s.max(300));
    let mut averages = Vec::new();
    for s in series {
        let (Some(earliest), Some(latest)) = (s.points.first(), s.points.last()) else { continue };
        // Only five minutes the series covers whole; a series shorter than that is one average.
        let last_start = (latest.at + i64::from(period_s) - span).max(earliest.at);
        for (i, first) in s.points.iter().enumerate().take_while(|(_, p)| p.at <= last_start) {
            let within: Vec<f64> =
                s.points[i..].iter().take_while(|p| p.at < first.at + span).map(|p| p.value).collect();
            averages.push((*s, first.at, within.iter().sum::<f64>() / within.len() as f64));
        }
    }
    averages
}

/// The checks that judge what an error the proxy answered KMS with means.
fn judged_by(exception: &str) -> Option<CheckId> {
    Some(match exception {
        "AuthenticationFailedException" => CheckId::ProxyCredentialAccepted,
        "AccessDeniedException" => CheckId::ProxyAccess,
        "InvalidUriPathException" => CheckId::ProxyUriPath,
        "KeyNotFoundException" | "InvalidKeyUsageException" => CheckId::KeyMetadata,
        "InvalidCiphertextException" => CheckId::KeyTamperRejected,
        "ValidationException" => CheckId::ProxyLongMetadata,
        "DependencyTimeoutException" => CheckId::ProxyLatency,
        "InternalException" | "InvalidStateException" => CheckId::ProxyEkmAvailable,
        _ => return None,
    })
}

pub(super) fn errors(ctx: &Ctx) -> Outcome {
    let (monitor, series) = need!(metrics(ctx));
    let failing: Vec<&MetricSeries> = of(series, ERRORS, "Sum")
        .into_iter()
        .filter(|s| dimension(s, &["ExceptionName"]).is_some_and(|name| name != "None"))
        .collect();
    let mut by_exception: BTreeMap<(String, String), f64> = BTreeMap::new();
    // ErrorType → period start → errors then.
    let mut by_minute: BTreeMap<String, BTreeMap<i64, f64>> = BTreeMap::new();
    for s in &failing {
        let exception = dimension(s, &["ExceptionName"]).unwrap_or("?").to_string();
        let kind = dimension(s, &["ErrorType"]).unwrap_or("unknown").to_string();
        *by_exception.entry((exception, kind.clone())).or_default() += s.points.iter().map(|p| p.value).sum::<f64>();
        for point in &s.points {
            *by_minute.entry(kind.clone()).or_default().entry(point.at).or_default() += point.value;
        }
    }
    let total: f64 = by_exception.values().sum();
    let errors_over_time = over_window(monitor, "errors", &failing, |a, b| a + b);
    if total == 0.0 {
        return Outcome::pass(format!("KMS saw no error from the proxy from {}", window(monitor)));
    }
    let named: Vec<String> = by_exception
        .iter()
        .filter(|(_, count)| **count > 0.0)
        .map(|((exception, kind), count)| {
            let check = judged_by(exception).map(|c| format!(", see {c}")).unwrap_or_default();
            format!("{count:.0} {} ({kind}{check})", quote(exception))
        })
        .collect();
    // The recommended alarms count a minute's errors. A longer period only bounds its worst minute: at
    // least the period's average, at most its whole count. Past the alarm on average is a failure; past it
    // only if the errors came together is said as such, never passed over.
    let minutes_per_period = f64::from(monitor.period_s) / 60.0;
    let mut bursts = Vec::new();
    let mut maybe_bursts = Vec::new();
    for (kind, periods) in &by_minute {
        let Some((at, worst)) = periods.iter().max_by(|a, b| a.1.total_cmp(b.1)) else { continue };
        let per_minute = worst / minutes_per_period;
        if per_minute > ERRORS_PER_MINUTE {
            let how = if minutes_per_period > 1.0 { " on average" } else { "" };
            bursts.push(format!("{per_minute:.0} {kind} errors a minute{how} at {}", when(monitor, *at)));
        } else if *worst > ERRORS_PER_MINUTE {
            maybe_bursts.push(format!(
                "{worst:.0} {kind} errors in the {minutes_per_period:.0} minutes from {}",
                when(monitor, *at)
            ));
        }
    }
    let evidence = format!("KMS counted {total:.0} errors from the proxy: {}", named.join(", "));
    let remedy = "Find each exception's cause with the check named beside it, and the failed calls in CloudTrail \
                  (monitor.recent_failures) by their kmsRequestId in the proxy's log.";
    let outcome = if !bursts.is_empty() {
        Outcome::fail(format!("{evidence}; past AWS's alarm of 5 a minute: {}", list(&bursts)), remedy)
    } else if !maybe_bursts.is_empty() {
        Outcome::warn(
            format!(
                "{evidence}; past AWS's alarm of 5 a minute if they came within one minute: {} (a window this long is \
                 read in {minutes_per_period:.0}-minute periods; --since 3h or less reads single minutes)",
                list(&maybe_bursts)
            ),
            remedy,
        )
    } else {
        Outcome::warn(evidence, remedy)
    };
    outcome.over_time(errors_over_time)
}

/// The latest reading across the series: of those at the latest time (several proxies, several
/// certificates), the lowest, which is the one to worry about.
fn latest<'a>(series: &[&'a MetricSeries]) -> Option<(&'a MetricSeries, &'a Point)> {
    let lasts: Vec<(&MetricSeries, &Point)> = series.iter().filter_map(|s| s.points.last().map(|p| (*s, p))).collect();
    let when = lasts.iter().map(|(_, p)| p.at).max()?;
    lasts.into_iter().filter(|(_, p)| p.at == when).min_by(|a, b| a.1.value.total_cmp(&b.1.value))
}

pub(super) fn certificate_days(ctx: &Ctx) -> Outcome {
    let (monitor, series) = need!(metrics(ctx));
    let days = of(series, CERTIFICATE_DAYS, "Minimum");
    let Some((series, point)) = latest(&days) else {
        return Outcome::skipped(format!(
            "KMS published no XksProxyCertificateDaysToExpire datapoint from {} (it publishes none for a \
             certificate whose common name has a wildcard); tls.validity reads the certificate itself",
            window(monitor)
        ));
    };
    let name = dimension(series, CERTIFICATE_DIMENSIONS).map(quote).unwrap_or_default();
    let evidence =
        format!("{:.0} days left on the proxy's certificate {name} at {}", point.value, when(monitor, point.at));
    let remedy = "Renew the proxy's TLS certificate and install it with its whole chain; KMS refuses the \
                  connection once it expires (XKS_PROXY_INVALID_TLS_CONFIGURATION).";
    let outcome = if point.value < CERTIFICATE_FAIL_DAYS {
        Outcome::fail(format!("{evidence}: fewer than 10, AWS's alarm"), remedy)
    } else if point.value < CERTIFICATE_WARN_DAYS {
        Outcome::warn(format!("{evidence}: fewer than 30"), remedy)
    } else {
        Outcome::pass(evidence)
    };
    outcome.measured(MeasureName::KmsSeenCertificateDaysLeft, point.value)
}

pub(super) fn credential_age(ctx: &Ctx) -> Outcome {
    let (monitor, series) = need!(metrics(ctx));
    let ages = of(series, CREDENTIAL_AGE, "Maximum");
    let Some((_, point)) = latest(&ages) else {
        return Outcome::skipped(format!("KMS published no XksProxyCredentialAge datapoint from {}", window(monitor)));
    };
    let limit = f64::from(ctx.limits.max_credential_age_days);
    let evidence =
        format!("the store has used its proxy credential for {:.0} days (at {})", point.value, when(monitor, point.at));
    let outcome = if point.value > limit {
        let id = ctx.store.map(|s| s.id.as_str()).unwrap_or("STORE_ID");
        Outcome::warn(
            format!("{evidence}, more than {limit:.0}"),
            "Rotate it without an outage: give the proxy the new credential beside the old one, and rehearse \
             the change with the first command below (NEXT_ACCESS_KEY_ID is the new credential's ID, \
             NEXT_SECRET_FILE a file holding its secret) until proxy.credential_rotation passes; then put the new \
             credential in next-credential.json, a file only you can read, update the store with the second \
             command, check that the store stays CONNECTED, and only then retire the old credential on the proxy.",
        )
        .run([
            format!(
                "xks-preflight check --custom-key-store-id {id} --region {} --next-access-key-id NEXT_ACCESS_KEY_ID \
                 --next-secret-access-key-file NEXT_SECRET_FILE",
                ctx.facts.region
            ),
            ctx.aws_command(&format!(
                "kms update-custom-key-store --custom-key-store-id {id} --xks-proxy-authentication-credential \
                 file://next-credential.json"
            )),
        ])
    } else {
        Outcome::pass(format!("{evidence}, within {limit:.0}"))
    };
    outcome.measured(MeasureName::KmsSeenCredentialAgeDays, point.value)
}

pub(super) fn ekm_states(ctx: &Ctx) -> Outcome {
    let (monitor, series) = need!(metrics(ctx));
    let state_of = |s: &MetricSeries| dimension(s, MANAGER_STATE_DIMENSIONS).unwrap_or("?").to_ascii_lowercase();
    let lowest = of(series, MANAGER_STATES, "Minimum");
    let highest = of(series, MANAGER_STATES, "Maximum");
    let active: Vec<&MetricSeries> = lowest.iter().copied().filter(|s| state_of(s) == "active").collect();
    let Some((_, now)) = latest(&active) else {
        return Outcome::skipped(format!(
            "KMS published no XksExternalKeyManagerStates datapoint for Active from {}",
            window(monitor)
        ));
    };
    let troubled: Vec<String> = highest
        .iter()
        .filter(|s| matches!(state_of(s).as_str(), "degraded" | "unavailable"))
        .filter_map(|s| {
            let seen: Vec<&Point> = s.points.iter().filter(|p| p.value > 0.0).collect();
            (!seen.is_empty())
                .then(|| format!("{} {}", dimension(s, MANAGER_STATE_DIMENSIONS).unwrap_or("?"), span(monitor, &seen)))
        })
        .collect();
    if now.value < 1.0 {
        return Outcome::fail(
            format!("at {} KMS counted no Active external key manager", when(monitor, now.at)),
            "Bring at least one external key manager back; until then KMS cannot use the store's keys \
             (XKS_PROXY_NOT_REACHABLE).",
        );
    }
    if troubled.is_empty() {
        Outcome::pass(format!(
            "{:.0} Active at {}, none Degraded or Unavailable from {}",
            now.value,
            when(monitor, now.at),
            window(monitor)
        ))
    } else {
        Outcome::warn(
            format!("{:.0} Active at {}; KMS saw {}", now.value, when(monitor, now.at), list(&troubled)),
            "Find why those external key managers failed then (their logs, their network), before the others do too.",
        )
    }
}

pub(super) fn throttle(ctx: &Ctx) -> Outcome {
    let (monitor, series) = need!(metrics(ctx));
    let throttled: Vec<String> = of(series, THROTTLE, "Sum")
        .into_iter()
        .filter_map(|s| {
            let count: f64 = s.points.iter().map(|p| p.value).sum();
            let busy: Vec<&Point> = s.points.iter().filter(|p| p.value > 0.0).collect();
            (count > 0.0).then(|| format!("{count:.0} {} {}", label(s), span(monitor, &busy)))
        })
        .collect();
    // Every request KMS sent the proxy is counted under some ExceptionName, successes under None.
    let mut requests: BTreeMap<i64, f64> = BTreeMap::new();
    for s in of(series, ERRORS, "Sum") {
        for p in &s.points {
            *requests.entry(p.at).or_default() += p.value;
        }
    }
    let busiest =
        requests.iter().max_by(|a, b| a.1.total_cmp(b.1)).map(|(at, count)| (*at, count / f64::from(monitor.period_s)));
    // A period longer than a minute averages its peak away: say so beside the figure.
    let averaged = if monitor.period_s > 60 {
        format!(" on average over {} minutes (a shorter --since reads single minutes)", monitor.period_s / 60)
    } else {
        String::new()
    };
    let rate = busiest
        .map(|(at, rate)| format!("; busiest at {}, {rate:.1} requests a second{averaged}", when(monitor, at)))
        .unwrap_or_default();
    let peak = busiest.map(|(_, rate)| rate).unwrap_or(0.0);
    let outcome = if !throttled.is_empty() {
        Outcome::fail(
            format!("KMS throttled the store's requests: {}{rate}", list(&throttled)),
            "The store's keys asked for more than its 1,800 requests a second: spread the load over time, use \
             data key caching in the callers, or ask AWS for a higher quota.",
        )
    } else if peak > STORE_RATE * RATE_WARN_SHARE {
        Outcome::warn(
            format!("no request throttled{rate}: over 80% of the store's 1,800 a second"),
            "Plan for the peak before it reaches 1,800 requests a second: callers' data key caching, or a \
             higher quota from AWS; and check that the proxy holds that rate within 250 ms.",
        )
    } else {
        Outcome::pass(format!("no request throttled from {}{rate}", window(monitor)))
    };
    let mut per_second = over_window(monitor, "requests a second", &of(series, ERRORS, "Sum"), |a, b| a + b);
    for value in per_second.values.iter_mut().flatten() {
        *value /= f64::from(monitor.period_s.max(1));
    }
    outcome.measured(MeasureName::KmsSeenPeakRequestsPerSecond, peak).over_time(per_second)
}

/// What an error message of KMS's means, by the phrases of the troubleshooting guide.
fn explained(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    MESSAGE_TOPICS.iter().find(|(phrase, _)| lower.contains(&phrase.to_ascii_lowercase())).map(|(_, id)| {
        let topic = crate::kms_errors::topic(*id);
        let checks: Vec<String> = topic.checks().iter().take(3).map(|c| c.to_string()).collect();
        if checks.is_empty() {
            topic.title.to_string()
        } else {
            format!("{} ({})", topic.title, checks.join(", "))
        }
    })
}

/// Whether a failed call was the store's doing (its state, its proxy, its external keys), not the
/// caller's (a refused permission, a malformed request, a disabled key): KMS's answers for an external
/// key store's trouble, the store's own operations, and any message KMS words for the proxy.
fn store_side(event: &TrailEvent) -> bool {
    let code = event.error_code.as_deref().unwrap_or_default();
    event.event_name.ends_with("CustomKeyStore")
        || ["Xks", "CustomKeyStore"].iter().any(|prefix| code.starts_with(prefix))
        || ["KMSInvalidStateException", "DependencyTimeoutException", "KMSInternalException"].contains(&code)
        || event.error_message.as_deref().and_then(explained).is_some()
}

/// The most failed calls listed one by one; the older ones are counted by error.
const FAILURES_LISTED: usize = 10;

/// A count of failed calls by their error code, most frequent first: `3 AccessDeniedException`.
fn by_code(events: &[&TrailEvent]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for event in events {
        *counts.entry(event.error_code.as_deref().unwrap_or("?")).or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let named: Vec<String> = counts.iter().map(|(code, count)| format!("{count} {code}")).collect();
    named.join(", ")
}

pub(super) fn recent_failures(ctx: &Ctx) -> Outcome {
    let monitor = need!(seen(ctx));
    let trail = need!(read(ctx, &monitor.trail));
    let (stores, callers): (Vec<&TrailEvent>, Vec<&TrailEvent>) =
        trail.events.iter().filter(|event| event.error_code.is_some()).partition(|event| store_side(event));
    // The newest, one by one (the events are oldest first).
    let older = stores.len().saturating_sub(FAILURES_LISTED);
    let mut failed: Vec<String> = stores[older..]
        .iter()
        .map(|event| {
            let key = event
                .key_arn
                .as_deref()
                .or(event.xks_key_id.as_deref())
                .map(|k| format!(" with {}", quote(k)))
                .unwrap_or_default();
            let message = event.error_message.as_deref().map(|m| format!(": {}", quote(m))).unwrap_or_default();
            let meaning =
                event.error_message.as_deref().and_then(explained).map(|m| format!(" [{m}]")).unwrap_or_default();
            let request = event.request_id.as_deref().map(|id| format!(" (kmsRequestId {id})")).unwrap_or_default();
            format!(
                "{} {}{key} {}{message}{meaning}{request}",
                event.time,
                event.event_name,
                event.error_code.as_deref().unwrap_or_default()
            )
        })
        .collect();
    if older > 0 {
        failed.push(format!("and {older} older: {}", by_code(&stores[..older])));
    }
    let callers_note = if callers.is_empty() {
        String::new()
    } else {
        format!("; {} failed calls were the callers' own, not the store's: {}", callers.len(), by_code(&callers))
    };
    let unread: String = trail
        .unread
        .iter()
        .map(|gap| match gap {
            TrailGap::Throttled { lookups_not_made } => {
                format!("; CloudTrail throttled the lookups, {lookups_not_made} not made")
            }
            TrailGap::CallBound { calls } => format!("; the run stopped at {calls} lookups, the rest not made"),
            TrailGap::PagesLeft { lookups } => {
                format!("; {lookups} lookups had more events than the run reads (the newest were read)")
            }
            TrailGap::KeysUnknown => "; the store's KMS keys could not be listed (kms:ListKeys), so the calls made \
                                      with them were not looked up"
                .to_string(),
        })
        .collect();
    if !stores.is_empty() {
        return Outcome::fail(
            format!(
                "{} failed calls from {}: {}{unread}{callers_note}",
                stores.len(),
                window(monitor),
                failed.join("; ")
            ),
            "Search the proxy's log for each kmsRequestId: it is the request KMS sent, and the log says why it \
             failed.",
        );
    }
    let store_events = trail.events.len();
    if !trail.unread.is_empty() {
        return Outcome::warn(
            format!("no failed call of the store's among those read from {}{unread}{callers_note}", window(monitor)),
            "Run it again with a shorter --since, or later: CloudTrail answers 2 lookups a second.",
        );
    }
    Outcome::pass(format!(
        "no failed call on the store or its keys from {} ({store_events} store events){callers_note}",
        window(monitor)
    ))
}

pub(super) fn alarms(ctx: &Ctx) -> Outcome {
    let monitor = need!(seen(ctx));
    let existing = need!(read(ctx, &monitor.alarms));
    let Some(store) = ctx.store else { return Outcome::blocked(CheckId::ConfigStoreFound, "no store to look for") };
    let missing: Vec<RecommendedAlarm> =
        RecommendedAlarm::ALL.into_iter().filter(|alarm| present(*alarm, &store.id, existing).is_none()).collect();
    if missing.is_empty() {
        let found: Vec<String> = RecommendedAlarm::ALL
            .into_iter()
            .filter_map(|alarm| present(alarm, &store.id, existing))
            .map(|facts| quote(&facts.name))
            .collect();
        return Outcome::pass(format!("the four alarms AWS recommends are set: {}", list(&found)));
    }
    let lacking: Vec<String> = missing
        .iter()
        .map(|alarm| match nearest(*alarm, &store.id, existing) {
            Some((facts, shortfall)) => {
                format!("{} ({} comes close: {shortfall})", alarm.summary(), quote(&facts.name))
            }
            None => alarm.summary(),
        })
        .collect();
    let evidence = format!("{} of the 4 alarms AWS recommends missing: {}", missing.len(), lacking.join("; "));
    if store.connection_state.as_deref() != Some("CONNECTED") {
        // They watch a connected store: connecting it comes first, and is the state check's finding.
        return Outcome::blocked(CheckId::ConfigConnectionState, evidence);
    }
    Outcome::warn(
        evidence,
        "Create them with the aws cloudwatch put-metric-alarm commands this prints (--format cloudformation or \
         terraform for those tools):",
    )
    .run([format!("xks-preflight alarms --custom-key-store-id {} --region {} | sh", store.id, ctx.facts.region)])
}
