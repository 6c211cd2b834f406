//! The result of a load run as data: what every renderer shows and `--output json` writes (its JSON
//! Schema is docs/load.schema.json), and what `load merge` adds up. The verdict is decided here, once.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::figures::{count_errors, histogram, Recorder, Second, LATE_US};
use crate::exit::ExitCode;

/// KMS's request quota for the keys of one external key store, per second.
pub const KMS_RATE: f64 = 1800.0;
/// KMS's timeout for one call, in milliseconds.
pub const KMS_TIMEOUT_MS: f64 = 250.0;
/// Raised when a field changes meaning; `load merge` reads only its own version.
pub const LOAD_SCHEMA_VERSION: u32 = 1;

/// Latency percentiles, in milliseconds, from the HDR histogram.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Latency {
    pub fn of(histogram: &Histogram<u64>) -> Latency {
        let at = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
        Latency { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: histogram.max() as f64 / 1000.0 }
    }
}

/// Whether the load generator kept to its schedule, and why not: a request waits for a connection
/// when every one carries a call (at most one each), which is the proxy answering too slowly for the
/// rate over that many connections; any other late request is this client's own delay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Generator {
    /// Requests sent more than 10 ms after they were due.
    pub late_requests: u64,
    /// Of those, the ones that waited because every connection was carrying a call.
    pub waited_for_connection: u64,
    /// Requests due in the schedule that had not left when it ended (every connection still busy, or
    /// the client too slow): not in the figures.
    pub not_sent: u64,
    /// How late the latest request left, in milliseconds.
    pub worst_lateness_ms: f64,
    pub fell_behind: bool,
}

/// One rate of a ramp, and whether the proxy held it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Step {
    pub rate: f64,
    pub requests: u64,
    pub achieved_rate: f64,
    pub latency_ms: Latency,
    pub error_rate: f64,
    pub held: bool,
}

/// What a ramp found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Capacity {
    /// The highest rate whose p99 stayed within 250 ms and whose errors within the allowed rate; absent
    /// when even the first step did not hold.
    pub rate: Option<f64>,
    /// Whether the ramp went past it: a failing step above it bounds the capacity from above.
    pub bounded: bool,
    /// KMS's quota for one store, for comparison.
    pub kms_rate: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The proxy held the rate within KMS's limits.
    Held,
    /// It did not (p99 over 250 ms, or too many errors).
    NotHeld,
    /// Nothing was answered: the run says nothing about the proxy's speed.
    CouldNotRun,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    pub outcome: Outcome,
    /// Why, in a sentence each.
    pub reasons: Vec<String>,
    pub exit_code: ExitCode,
}

/// What was aimed at, without the credential (the access key ID is not secret; the secret never
/// appears).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    pub endpoint: String,
    pub uri_path: String,
    pub connect_to: Option<String>,
    pub access_key_id: String,
    pub operations: Vec<String>,
    pub xks_key_ids: Vec<String>,
}

/// The JSON report of `xks-preflight load` and `load merge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadReport {
    pub schema_version: u32,
    pub target: Target,
    /// When the run began (RFC 3339, UTC).
    pub started_at: String,
    /// How many runs this report adds up (`load merge`), 1 for one run.
    pub runs: u32,
    /// The rate asked for, per second (for a ramp, that of the last step run).
    pub rate: f64,
    pub duration_s: f64,
    pub connections: usize,
    /// Requests sent and judged.
    pub requests: u64,
    pub succeeded: u64,
    /// Requests sent per second of the run.
    pub achieved_rate: f64,
    pub latency_ms: Latency,
    /// Requests answered (or failed) more than 250 ms after they were due: what KMS would count as timed out.
    pub over_250ms: u64,
    pub over_250ms_share: f64,
    /// Errors by kind: `401 AuthenticationFailedException`, `500 InternalException`, `200 malformed
    /// body`, `connection: …`, `no answer in time`; at most 32 kinds, the errors of any more counted
    /// together under `other errors …`.
    pub errors: BTreeMap<String, u64>,
    pub error_rate: f64,
    pub connection_failures: u64,
    /// Requests still unanswered when the run ended, not in the figures.
    pub unfinished: u64,
    pub generator: Generator,
    /// Ended by Ctrl-C before its time.
    pub interrupted: bool,
    pub per_second: Vec<Second>,
    /// Each rate of a ramp; empty for a run at one rate.
    pub steps: Vec<Step>,
    /// After a ramp.
    pub capacity: Option<Capacity>,
    /// The highest error rate the verdict allows.
    pub max_error_rate: f64,
    pub verdict: Verdict,
    /// Every latency, in microseconds, as an HDR histogram in its V2 compressed (deflate) form, base64.
    pub histogram: String,
}

/// Serialises a histogram in the V2 compressed form, base64.
pub fn encode(histogram: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new().serialize(histogram, &mut bytes).expect("serialising into memory");
    STANDARD.encode(bytes)
}

pub fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = STANDARD.decode(text).map_err(|e| format!("the histogram is not base64 ({e})"))?;
    let read: Histogram<u64> = Deserializer::new()
        .deserialize(&mut std::io::Cursor::new(bytes))
        .map_err(|e| format!("the histogram is not an HDR V2 histogram ({e:?})"))?;
    let mut wide = histogram();
    wide.add(&read).map_err(|e| format!("the histogram does not fit ({e:?})"))?;
    Ok(wide)
}

pub fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The figures of `recorder` over `elapsed_s`.
pub struct Figures {
    pub requests: u64,
    pub achieved_rate: f64,
    pub latency: Latency,
    pub error_rate: f64,
}

impl Figures {
    pub fn of(recorder: &Recorder, elapsed_s: f64) -> Figures {
        let requests = recorder.latency.len();
        Figures {
            requests,
            achieved_rate: if elapsed_s > 0.0 { recorder.sent as f64 / elapsed_s } else { 0.0 },
            latency: Latency::of(&recorder.latency),
            error_rate: ratio(recorder.error_count(), requests),
        }
    }

    /// Whether these figures are within KMS's limits.
    pub fn held(&self, max_error_rate: f64) -> bool {
        self.requests > 0 && self.latency.p99 <= KMS_TIMEOUT_MS && self.error_rate <= max_error_rate
    }
}

pub fn generator(recorder: &Recorder) -> Generator {
    let lateness = &recorder.lateness;
    let late_requests = lateness.count_between(LATE_US + 1, lateness.high());
    Generator {
        late_requests,
        waited_for_connection: recorder.waited_for_connection,
        not_sent: recorder.not_sent,
        worst_lateness_ms: lateness.max() as f64 / 1000.0,
        // A few late sends (a scheduler hiccup) are noise; one in a hundred is a generator that cannot keep up.
        fell_behind: ratio(late_requests, lateness.len()) > 0.01 || recorder.not_sent > 0,
    }
}

/// The verdict of a report's figures: exit 1 when p99 is over 250 ms or errors over the allowed rate
/// (for a ramp: when a step at or below KMS's rate did not hold), 3 when nothing was answered.
pub fn verdict(report: &LoadReport) -> Verdict {
    let mut reasons = Vec::new();
    if report.requests == 0 || (report.succeeded == 0 && report.connection_failures == report.requests) {
        let reason = match report.errors.iter().max_by_key(|(_, n)| **n) {
            Some((kind, _)) => format!("no request was answered ({kind})"),
            None => "no request was sent".to_string(),
        };
        return Verdict { outcome: Outcome::CouldNotRun, reasons: vec![reason], exit_code: ExitCode::Incomplete };
    }
    if report.steps.is_empty() {
        if report.latency_ms.p99 > KMS_TIMEOUT_MS {
            reasons.push(format!("p99 latency {} ms is over KMS's 250 ms", report.latency_ms.p99));
        }
        if report.error_rate > report.max_error_rate {
            reasons.push(format!(
                "{:.3}% of requests failed, more than the {:.3}% allowed",
                report.error_rate * 100.0,
                report.max_error_rate * 100.0
            ));
        }
    } else {
        for step in report.steps.iter().filter(|s| !s.held && s.rate <= KMS_RATE) {
            reasons.push(format!(
                "at {}/s, at or below KMS's 1800/s, p99 was {} ms and {:.3}% failed",
                step.rate,
                step.latency_ms.p99,
                step.error_rate * 100.0
            ));
        }
    }
    let outcome = if reasons.is_empty() { Outcome::Held } else { Outcome::NotHeld };
    if reasons.is_empty() {
        reasons.push(match &report.capacity {
            Some(Capacity { rate: Some(rate), .. }) => format!("held every rate up to {rate}/s within 250 ms"),
            _ => format!("p99 {} ms within 250 ms, errors within the allowed rate", report.latency_ms.p99),
        });
    }
    let exit_code = if outcome == Outcome::Held { ExitCode::Ok } else { ExitCode::Failed };
    Verdict { outcome, reasons, exit_code }
}

/// Builds the report's figures from the whole run's histogram and counts; the verdict last.
pub struct Whole<'a> {
    pub target: Target,
    pub started_at: String,
    pub rate: f64,
    pub duration_s: f64,
    pub connections: usize,
    pub max_error_rate: f64,
    pub interrupted: bool,
    pub recorder: &'a Recorder,
    pub steps: Vec<Step>,
    pub capacity: Option<Capacity>,
}

impl Whole<'_> {
    pub fn report(self) -> LoadReport {
        let recorder = self.recorder;
        let figures = Figures::of(recorder, self.duration_s);
        let mut report = LoadReport {
            schema_version: LOAD_SCHEMA_VERSION,
            target: self.target,
            started_at: self.started_at,
            runs: 1,
            rate: self.rate,
            duration_s: self.duration_s,
            connections: self.connections,
            requests: figures.requests,
            succeeded: figures.requests - recorder.error_count(),
            achieved_rate: figures.achieved_rate,
            latency_ms: figures.latency,
            over_250ms: recorder.over_kms_timeout,
            over_250ms_share: ratio(recorder.over_kms_timeout, figures.requests),
            errors: recorder.errors.clone(),
            error_rate: figures.error_rate,
            connection_failures: recorder.connection_failures,
            unfinished: recorder.unfinished,
            generator: generator(recorder),
            interrupted: self.interrupted,
            per_second: recorder.seconds.clone(),
            steps: self.steps,
            capacity: self.capacity,
            max_error_rate: self.max_error_rate,
            verdict: Verdict { outcome: Outcome::CouldNotRun, reasons: Vec::new(), exit_code: ExitCode::Incomplete },
            histogram: encode(&recorder.latency),
        };
        report.verdict = verdict(&report);
        report
    }
}

/// Adds runs made at once (`--start-at`) on several hosts into one report: histograms and counts added,
/// the per-second series added second by second (each second's p99 is the highest of the runs': a
/// percentile cannot be added), one verdict. A ramp's steps are not merged. A report that cannot be
/// added is named by its place in `reports`, with why.
pub fn merge(reports: Vec<LoadReport>) -> Result<LoadReport, (usize, String)> {
    let mut reports = reports.into_iter().enumerate();
    let (_, mut merged) = reports.next().ok_or((0, "no report to merge".to_string()))?;
    let mut latency = addable(&merged).map_err(|problem| (0, problem))?;
    let mut seconds: BTreeMap<u64, Second> = BTreeMap::new();
    for second in std::mem::take(&mut merged.per_second) {
        add_second(&mut seconds, second);
    }
    let errors = std::mem::take(&mut merged.errors);
    for (kind, count) in errors {
        count_errors(&mut merged.errors, kind, count);
    }
    for (index, report) in reports {
        let histogram = addable(&report).map_err(|problem| (index, problem))?;
        latency.add(histogram).map_err(|e| (index, format!("its histogram does not add ({e:?})")))?;
        merged.runs = merged.runs.saturating_add(report.runs);
        merged.rate += report.rate;
        merged.connections = merged.connections.saturating_add(report.connections);
        merged.duration_s = merged.duration_s.max(report.duration_s);
        merged.started_at = merged.started_at.min(report.started_at);
        merged.requests = merged.requests.saturating_add(report.requests);
        merged.succeeded = merged.succeeded.saturating_add(report.succeeded);
        merged.achieved_rate += report.achieved_rate;
        merged.over_250ms = merged.over_250ms.saturating_add(report.over_250ms);
        for (kind, count) in report.errors {
            count_errors(&mut merged.errors, kind, count);
        }
        merged.connection_failures = merged.connection_failures.saturating_add(report.connection_failures);
        merged.unfinished = merged.unfinished.saturating_add(report.unfinished);
        let (into, from) = (&mut merged.generator, report.generator);
        into.late_requests = into.late_requests.saturating_add(from.late_requests);
        into.waited_for_connection = into.waited_for_connection.saturating_add(from.waited_for_connection);
        into.not_sent = into.not_sent.saturating_add(from.not_sent);
        into.worst_lateness_ms = into.worst_lateness_ms.max(from.worst_lateness_ms);
        into.fell_behind |= from.fell_behind;
        merged.interrupted |= report.interrupted;
        merged.max_error_rate = merged.max_error_rate.min(report.max_error_rate);
        for second in report.per_second {
            add_second(&mut seconds, second);
        }
    }
    merged.per_second = seconds.into_values().collect();
    merged.latency_ms = Latency::of(&latency);
    merged.over_250ms_share = ratio(merged.over_250ms, merged.requests);
    merged.error_rate = ratio(merged.requests.saturating_sub(merged.succeeded), merged.requests);
    merged.histogram = encode(&latency);
    merged.verdict = verdict(&merged);
    Ok(merged)
}

/// The histogram of a report `merge` can add: of this version, a run at one rate, whose counts agree
/// with its histogram.
fn addable(report: &LoadReport) -> Result<Histogram<u64>, String> {
    if report.schema_version != LOAD_SCHEMA_VERSION {
        return Err(format!("has schema_version {}, this merge reads {LOAD_SCHEMA_VERSION}", report.schema_version));
    }
    if !report.steps.is_empty() {
        return Err("is a ramp; merge adds runs at one rate".into());
    }
    let histogram = decode(&report.histogram)?;
    if histogram.len() != report.requests || report.succeeded > report.requests {
        return Err(format!(
            "does not add up: its histogram holds {} latencies for {} requests, {} of them succeeded",
            histogram.len(),
            report.requests,
            report.succeeded
        ));
    }
    Ok(histogram)
}

/// Adds one run's second to the same second of the others.
fn add_second(seconds: &mut BTreeMap<u64, Second>, second: Second) {
    let Some(into) = seconds.get_mut(&second.second) else {
        seconds.insert(second.second, second);
        return;
    };
    into.target_rate += second.target_rate;
    into.sent = into.sent.saturating_add(second.sent);
    into.answered = into.answered.saturating_add(second.answered);
    into.errors = into.errors.saturating_add(second.errors);
    into.p99_ms = match (into.p99_ms, second.p99_ms) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
}
