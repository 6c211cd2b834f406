//! xks-preflight: checks every requirement of an AWS KMS external key store in one run.
//!
//! The shape is facts → checks → report: [`gather`] sees (AWS calls, probes) and records [`facts`];
//! [`checks`] judges them without any I/O; [`report`] renders the results.

pub mod aws_names;
pub mod catalogue;
pub mod checks;
pub mod explain;
pub mod facts;
pub mod gather;
pub mod report;
pub mod trusted_cas;
