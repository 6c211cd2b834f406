//! What a load run counts while it runs: every latency in an HDR histogram (microseconds, from the
//! moment the request was due), errors by kind, how late the generator sent, and one line a second.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

/// How one call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    Ok,
    /// An HTTP answer that is not a success: `401 AuthenticationFailedException`, `200 malformed body`.
    Error(String),
    /// No HTTP answer: the connection failed, was reset, or the answer did not come in time.
    NoAnswer(String),
}

/// The longest latency the histograms hold, in microseconds: longer ones are counted at this value
/// (every call ends within the probe timeout, at most a minute).
const HIGHEST_US: u64 = 60_000_000;
/// KMS's timeout for one call to the proxy, in microseconds.
pub const KMS_TIMEOUT_US: u64 = 250_000;
/// A request sent this much after it was due counts as sent late: the generator fell behind.
pub const LATE_US: u64 = 10_000;

/// The most kinds of error a report keeps apart: a proxy that writes a request ID into every errorName
/// would otherwise grow the run's memory (and its report) with every error.
const ERROR_KINDS: usize = 32;
/// Where the errors of the kinds past that go.
const OTHER_ERRORS: &str = "other errors (more kinds than a report keeps apart)";

/// Counts `count` errors of `kind`, or as other errors when the report already keeps enough kinds.
pub fn count_errors(errors: &mut BTreeMap<String, u64>, kind: String, count: u64) {
    let kind =
        if errors.len() < ERROR_KINDS - 1 || errors.contains_key(&kind) { kind } else { OTHER_ERRORS.to_string() };
    *errors.entry(kind).or_default() += count;
}

pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIGHEST_US, 3).expect("the bounds are fixed and valid")
}

/// One second of the run: what was sent, what came back in it, and the p99 of what came back.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Second {
    /// Seconds since the run (or the step) began.
    pub second: u64,
    /// The rate the schedule asked for in this second.
    pub target_rate: f64,
    pub sent: u64,
    pub answered: u64,
    pub errors: u64,
    /// The 99th percentile of the latencies of the answers that ended in this second; absent for a
    /// second with none.
    pub p99_ms: Option<f64>,
}

/// The figures of one run, or of one step of a ramp.
pub struct Recorder {
    pub latency: Histogram<u64>,
    /// How late each request left after it was due.
    pub lateness: Histogram<u64>,
    pub errors: BTreeMap<String, u64>,
    pub connection_failures: u64,
    pub sent: u64,
    /// Requests that left late because every connection was carrying a call when they were due.
    pub waited_for_connection: u64,
    /// Requests due in the schedule that had not left when it ended.
    pub not_sent: u64,
    pub over_kms_timeout: u64,
    /// Requests still unanswered when the run ended (cut off after the drain time, or interrupted).
    pub unfinished: u64,
    pub seconds: Vec<Second>,
    /// The second being counted.
    this_second: Second,
    this_second_latency: Histogram<u64>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder {
            latency: histogram(),
            lateness: histogram(),
            errors: BTreeMap::new(),
            connection_failures: 0,
            sent: 0,
            waited_for_connection: 0,
            not_sent: 0,
            over_kms_timeout: 0,
            unfinished: 0,
            seconds: Vec::new(),
            this_second: Second::default(),
            this_second_latency: histogram(),
        }
    }

    /// A request leaving `lateness_us` after it was due; `waited` when it waited for a connection.
    pub fn sent(&mut self, lateness_us: u64, waited: bool) {
        self.sent += 1;
        self.waited_for_connection += u64::from(waited && lateness_us > LATE_US);
        self.this_second.sent += 1;
        self.lateness.saturating_record(lateness_us.max(1));
    }

    /// One answer (or failure), `latency_us` after its request was due.
    pub fn answered(&mut self, latency_us: u64, judged: Judged) {
        let latency_us = latency_us.clamp(1, HIGHEST_US);
        self.latency.saturating_record(latency_us);
        self.this_second_latency.saturating_record(latency_us);
        self.this_second.answered += 1;
        if latency_us > KMS_TIMEOUT_US {
            self.over_kms_timeout += 1;
        }
        match judged {
            Judged::Ok => {}
            Judged::Error(kind) => {
                self.this_second.errors += 1;
                count_errors(&mut self.errors, kind, 1);
            }
            Judged::NoAnswer(kind) => {
                self.this_second.errors += 1;
                self.connection_failures += 1;
                count_errors(&mut self.errors, kind, 1);
            }
        }
    }

    /// Closes the second being counted, as second `second` at `target_rate`, and starts the next.
    pub fn close_second(&mut self, second: u64, target_rate: f64) {
        let mut closed = std::mem::take(&mut self.this_second);
        closed.second = second;
        closed.target_rate = target_rate;
        closed.p99_ms = (!self.this_second_latency.is_empty())
            .then(|| self.this_second_latency.value_at_quantile(0.99) as f64 / 1000.0);
        self.this_second_latency.reset();
        self.seconds.push(closed);
    }

    /// The second being counted, so far (for the live line).
    pub fn current(&self) -> &Second {
        &self.this_second
    }

    /// Adds a step's figures to the run's; its seconds follow the run's so far.
    pub fn absorb(&mut self, step: Recorder) {
        let offset = self.seconds.len() as u64;
        self.latency.add(&step.latency).expect("histograms of the same bounds add");
        self.lateness.add(&step.lateness).expect("histograms of the same bounds add");
        for (kind, count) in step.errors {
            count_errors(&mut self.errors, kind, count);
        }
        self.connection_failures += step.connection_failures;
        self.sent += step.sent;
        self.waited_for_connection += step.waited_for_connection;
        self.not_sent += step.not_sent;
        self.over_kms_timeout += step.over_kms_timeout;
        self.unfinished += step.unfinished;
        self.seconds.extend(step.seconds.into_iter().map(|s| Second { second: s.second + offset, ..s }));
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}
