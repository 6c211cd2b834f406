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
