//! `xks-preflight load`: will the proxy hold KMS's request rate within 250 ms, and where does it break?
//! Signed calls on a fixed schedule (an open loop), judged as `check` judges them, counted in HDR
//! histograms; a ramp of rates finds the proxy's capacity; runs on several hosts merge into one report.

mod figures;
#[cfg(feature = "aws")]
mod judge;
pub mod plot;
pub mod render;
pub mod report;
// The run itself sends calls (the `aws` feature); the reports, their merge and their renderers do not,
// so that the fuzz targets build them.
#[cfg(feature = "aws")]
mod run;

pub use report::{merge, LoadReport, KMS_RATE};
#[cfg(feature = "aws")]
pub use run::{run, Live, Plan};
