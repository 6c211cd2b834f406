//! What a check concludes about one requirement: its status, the evidence, the remedy, and the check
//! that explains it when it lacked a fact.

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalogue::CheckId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    /// Does not apply, or needs a fact that an earlier failure or a missing input left out.
    Skipped,
    /// Could not be judged: a fact could not be gathered.
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// What was seen; for skipped and error, why.
    pub evidence: String,
    /// What to do, for anything but a pass.
    pub remedy: Option<String>,
    /// The commands the remedy asks to run, each whole (an `aws` command names its Region), in order.
    /// A boxed slice: every check returns an Outcome, so it stays small.
    pub commands: Box<[String]>,
    /// The check whose subject explains this outcome: the one that judged the fact this check lacked
    /// (or that made it fail). The verdict marks this outcome blocked only if that check failed.
    pub because: Option<CheckId>,
    /// Figures the check judged, for dashboards (the Prometheus output's gauges).
    pub measures: Vec<Measure>,
    /// Figures over time the check judged (what KMS saw, a period at a time), to be looked at.
    pub series: Vec<Series>,
}

/// A figure a period at a time over a window: `values[i]` is the period starting `start + i * period_s`
/// (Unix seconds), `None` where nothing was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Series {
    /// What the values are, with their unit: `p99 latency (ms)`.
    pub label: String,
    pub start: i64,
    pub period_s: u32,
    pub values: Vec<Option<f64>>,
}

/// One figure a check judged: a round trip, days left, a latency, a key manager's state.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Measure {
    pub name: MeasureName,
    /// A label that tells apart several figures of one name (an external key manager's ID and state).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureName {
    RoundTripMedianMs,
    CertificateDaysLeft,
    ProxyLatencyWorstMs,
    ExternalKeyManagerState,
    KmsSeenLatencyWorstMs,
    KmsSeenCertificateDaysLeft,
    KmsSeenCredentialAgeDays,
    KmsSeenPeakRequestsPerSecond,
}

impl Outcome {
    pub fn pass(evidence: impl Into<String>) -> Self {
        Outcome {
            status: Status::Pass,
            evidence: evidence.into(),
            remedy: None,
            commands: Box::default(),
            because: None,
            measures: Vec::new(),
            series: Vec::new(),
        }
    }
    pub fn warn(evidence: impl Into<String>, remedy: impl Into<String>) -> Self {
        Outcome {
            status: Status::Warn,
            evidence: evidence.into(),
            remedy: Some(remedy.into()),
            commands: Box::default(),
            because: None,
            measures: Vec::new(),
            series: Vec::new(),
        }
    }
    pub fn fail(evidence: impl Into<String>, remedy: impl Into<String>) -> Self {
        Outcome {
            status: Status::Fail,
            evidence: evidence.into(),
            remedy: Some(remedy.into()),
            commands: Box::default(),
            because: None,
            measures: Vec::new(),
            series: Vec::new(),
        }
    }
    pub fn skipped(why: impl Into<String>) -> Self {
        Outcome {
            status: Status::Skipped,
            evidence: why.into(),
            remedy: None,
            commands: Box::default(),
            because: None,
            measures: Vec::new(),
            series: Vec::new(),
        }
    }
    pub fn error(why: impl Into<String>, remedy: impl Into<String>) -> Self {
        Outcome {
            status: Status::Error,
            evidence: why.into(),
            remedy: Some(remedy.into()),
            commands: Box::default(),
            because: None,
            measures: Vec::new(),
            series: Vec::new(),
        }
    }

    /// Adds a figure the check judged.
    pub fn measured(self, name: MeasureName, value: f64) -> Self {
        self.measured_with(name, Vec::new(), value)
    }

    /// Adds a labelled figure.
    pub fn measured_with(mut self, name: MeasureName, labels: Vec<(&'static str, String)>, value: f64) -> Self {
        self.measures.push(Measure { name, labels, value });
        self
    }

    /// Adds a figure over time.
    pub fn over_time(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// Adds the commands the remedy asks to run, in order.
    pub fn run(mut self, commands: impl IntoIterator<Item = String>) -> Self {
        self.commands = std::mem::take(&mut self.commands).into_vec().into_iter().chain(commands).collect();
        self
    }

    /// Names the check that explains this outcome.
    pub fn because(mut self, check: CheckId) -> Self {
        self.because = Some(check);
        self
    }

    /// Skipped for want of a fact that `check` judges, saying so.
    pub fn blocked(check: CheckId, why: impl std::fmt::Display) -> Self {
        Outcome::skipped(format!("{why} (see {check})")).because(check)
    }
}

/// `need!(expr)`: the `Ok` value, or return the `Err` outcome from the check. A check judges only
/// what it has; whatever it lacks has already said why.
macro_rules! need {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(outcome) => return outcome,
        }
    };
}
pub(crate) use need;
