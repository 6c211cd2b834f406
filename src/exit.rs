//! Exit codes, typed: what a script or a cron job learns from the tool without reading its output.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(into = "i32")]
pub enum ExitCode {
    /// `check`: nothing failed (warnings and skipped checks allowed). `explain`: the text was recognised.
    Ok = 0,
    /// `check`: at least one requirement failed. `explain`: the text was not recognised.
    Failed = 1,
    /// Bad invocation or input.
    Usage = 2,
    /// `check`: nothing failed, but some checks could not run.
    Incomplete = 3,
}

impl From<ExitCode> for i32 {
    fn from(code: ExitCode) -> i32 {
        code as i32
    }
}
