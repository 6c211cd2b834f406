//! Turns the verdict into what the user reads. Renderers only render: statuses, blocking, the diagnosis,
//! which checks fail the run and the exit code come from `crate::verdict`. Beside them, `answer` renders
//! what `explain` found and `catalogue` the check list of `list-checks`.

pub mod answer;
pub mod catalogue;
mod github;
mod json;
mod junit;
mod markdown;
mod preamble;
mod prometheus;
pub mod sparkline;
mod table;
pub mod wrap;

pub use github::render as render_github;
pub use json::render as render_json;
pub use junit::render as render_junit;
pub use markdown::render as render_markdown;
pub use prometheus::render as render_prometheus;
pub use table::{render as render_table, Detail, Layout};
