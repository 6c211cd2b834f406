//! Turns the verdict into what the user reads. Renderers only render: statuses, blocking, the diagnosis
//! and the exit code come from `crate::verdict`.

pub mod answer;
mod json;
mod junit;
mod prometheus;
mod table;

pub use json::render as render_json;
pub use junit::render as render_junit;
pub use prometheus::render as render_prometheus;
pub use table::render as render_table;
