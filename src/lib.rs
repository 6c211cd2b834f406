//! xks-preflight: checks every requirement of an AWS KMS external key store in one run.
//!
//! The shape is facts → checks → verdict → report: [`gather`] sees (AWS calls, probes) and records
//! [`facts`]; [`checks`] judges them without any I/O; [`verdict`] decides blocking, the diagnosis and the
//! exit code; [`report`] renders the verdict. [`kms_errors`] holds what KMS's answers mean, which the
//! checks, the diagnosis and the [`explain`] subcommand share; [`alarms`] the CloudWatch alarms AWS
//! recommends per store, which the monitor checks look for and the `alarms` subcommand prints.

pub mod alarms;
pub mod aws_names;
pub mod catalogue;
pub mod checks;
pub mod dates;
pub mod endpoint;
pub mod error;
pub mod exit;
pub mod explain;
pub mod facts;
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "aws")]
pub mod gather;
pub mod iac;
pub mod kms_errors;
pub mod kms_metrics;
pub mod load;
pub mod panics;
pub mod proxy_body;
pub mod report;
pub mod shell;
pub mod trusted_cas;
pub mod user_input;
pub mod verdict;
