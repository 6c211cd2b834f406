//! Turns the verdict into what the user reads. Renderers only render: statuses, blocking, the diagnosis
//! and the exit code come from `crate::verdict`.

pub mod answer;
pub mod checks;
mod json;
mod junit;
mod markdown;
mod preamble;
mod prometheus;
mod table;

pub use json::render as render_json;
pub use junit::render as render_junit;
pub use markdown::render as render_markdown;
pub use prometheus::render as render_prometheus;
pub use table::{render as render_table, Detail, Layout};
