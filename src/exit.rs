//! Exit codes, typed: what a script or a cron job learns from the tool without reading its output.
//! What each code means is written once, in [`Command::codes`], for `--help`, the Prometheus HELP line
//! and the README (a test keeps the README equal to it).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "i32", try_from = "i32")]
pub enum ExitCode {
    Ok = 0,
    Failed = 1,
    Usage = 2,
    Incomplete = 3,
}

impl ExitCode {
    /// Whether a report can carry this code: a bad invocation, or a file that could not be written, is
    /// known only outside the verdict.
    pub fn in_report(self) -> bool {
        self != ExitCode::Usage
    }
}

impl From<ExitCode> for i32 {
    fn from(code: ExitCode) -> i32 {
        code as i32
    }
}

/// A code read back from a report (`load merge`).
impl TryFrom<i32> for ExitCode {
    type Error = String;

    fn try_from(code: i32) -> Result<ExitCode, String> {
        [ExitCode::Ok, ExitCode::Failed, ExitCode::Usage, ExitCode::Incomplete]
            .into_iter()
            .find(|known| i32::from(*known) == code)
            .ok_or(format!("{code} is not an exit code of xks-preflight"))
    }
}

/// In the JSON Schema, the exit code is the number a shell sees.
impl schemars::JsonSchema for ExitCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ExitCode".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<i32> =
            [ExitCode::Ok, ExitCode::Failed, ExitCode::Usage, ExitCode::Incomplete].map(i32::from).into();
        schemars::json_schema!({ "type": "integer", "enum": codes })
    }
}

/// The commands whose exit codes say something of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Check,
    Explain,
    Alarms,
    Load,
}

impl Command {
    pub fn name(self) -> &'static str {
        match self {
            Command::Check => "check",
            Command::Explain => "explain",
            Command::Alarms => "alarms",
            Command::Load => "load",
        }
    }

    /// Every code the command ends with and what it means there, in code order.
    pub fn codes(self) -> &'static [(ExitCode, &'static str)] {
        match self {
            Command::Check => &[
                (ExitCode::Ok, "nothing failed (warnings and skipped checks allowed)"),
                (ExitCode::Failed, "at least one requirement failed (or warned, with --fail-on warn)"),
                (
                    ExitCode::Usage,
                    "bad invocation or input (an unknown flag, a malformed store ID, an unreadable configuration \
                     or facts file, no Region, a --profile that no AWS config or credentials file defines), or a \
                     file asked for (--json, --save-facts, …) that could not be written",
                ),
                (
                    ExitCode::Incomplete,
                    "nothing failed, but some checks could not run (a refused AWS call, an account or Region that \
                     could not be read)",
                ),
            ],
            Command::Explain => &[
                (ExitCode::Ok, "recognised"),
                (ExitCode::Failed, "not recognised (the closest known texts are shown)"),
                (ExitCode::Usage, "bad invocation, no text to explain, or a check ID that does not exist"),
            ],
            Command::Load => &[
                (ExitCode::Ok, "the proxy held the rate: p99 within 250 ms and errors within --max-error-rate"),
                (
                    ExitCode::Failed,
                    "it did not: p99 over 250 ms or errors over --max-error-rate (for --ramp: at a rate at or below \
                     KMS's 1,800/s)",
                ),
                (ExitCode::Usage, "bad invocation or input (no target, a rate over --max-rate, an unreadable report)"),
                (
                    ExitCode::Incomplete,
                    "could not run: the proxy could not be reached, or answered nothing, or an Encrypt to Decrypt \
                     did not succeed",
                ),
            ],
            Command::Alarms => &[
                (ExitCode::Ok, "printed"),
                (
                    ExitCode::Usage,
                    "bad invocation or input (a store ID that is not cks- and 17 hexadecimal digits, a Region code \
                     or an SNS topic ARN of another shape)",
                ),
            ],
        }
    }

    /// The codes that pass `keep`, as one line: `0 …; 1 …`.
    pub fn listed(self, keep: impl Fn(ExitCode) -> bool) -> String {
        let codes = self.codes().iter().filter(|(code, _)| keep(*code));
        codes.map(|(code, meaning)| format!("{} {meaning}", i32::from(*code))).collect::<Vec<_>>().join("; ")
    }
}
