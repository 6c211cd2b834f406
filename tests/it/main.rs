//! The one integration test binary: every scenario runs the real `xks-preflight` binary against a local
//! AWS endpoint (moto's server, and fixtures for what moto cannot produce).

mod support;

mod alarms;
mod aws_faults;
mod catalogue;
mod check_answers;
mod cli;
mod completions;
mod config_checks;
mod conformance;
mod connection_errors;
mod diagnosis;
mod docs_commands;
mod explain;
mod healthy;
mod iac;
mod iam_policy;
mod inputs;
mod install;
mod key_checks;
mod load;
mod manual;
mod modules;
mod monitor_checks;
mod monitor_standin;
mod network_checks;
mod not_checked;
mod properties;
mod proxy_checks;
mod real_chains;
mod remedy_commands;
mod replay;
mod report_schema;
mod rotation;
mod scopes;
mod screens;
mod secrets;
mod side_effects;
mod sigv4;
mod slow_links;
mod stalls;
mod terminal;
mod trusted_cas;
mod verdict_walk;
mod vpc_checks;
