//! Prometheus text exposition, for alerting on a cron run (e.g. a node exporter's textfile collector).

use std::fmt::Write;

use crate::checks::{MeasureName, Status};
use crate::exit::{self, ExitCode};
use crate::verdict::{TargetVerdict, Verdict};

fn label(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The labels of one account and Region: the Region, and the account when it is known.
fn scope_labels(region: &str, account: Option<&str>) -> String {
    match account {
        Some(account) => format!("account=\"{}\",region=\"{}\"", label(account), label(region)),
        None => format!("region=\"{}\"", label(region)),
    }
}

/// The labels every series of a target starts with: its scope and the store (or the target's label).
fn target_labels(target: &TargetVerdict) -> String {
    let store = target.store.as_ref().map(|s| s.id.as_str()).unwrap_or(target.label.as_str());
    format!("{},target=\"{}\"", scope_labels(&target.region, target.account.as_deref()), label(store))
}

/// The labels of the run's own series: what tells this run from another run's file in the same
/// textfile directory, and stays the same from run to run of one command line, whether or not AWS
/// answered: the accounts of the roles asked for, and the Regions named (or `all` for --all-regions).
fn run_labels(report: &Verdict) -> String {
    let sorted = |mut values: Vec<&str>| {
        values.sort();
        values.dedup();
        values.join(",")
    };
    let regions = match report.scopes.iter().any(|s| s.all_regions) {
        true => "all".to_string(),
        false => sorted(report.scopes.iter().map(|s| s.region.as_str()).collect()),
    };
    let accounts = sorted(report.scopes.iter().filter_map(|s| s.account.as_deref()).collect());
    scope_labels(&regions, (!accounts.is_empty()).then_some(accounts.as_str()))
}

fn value(status: Status) -> u8 {
    match status {
        Status::Pass => 0,
        Status::Warn => 1,
        Status::Fail => 2,
        Status::Skipped => 3,
        Status::Error => 4,
    }
}

pub fn render(report: &Verdict) -> String {
    let mut out = String::new();
    out.push_str(
        "# HELP xks_preflight_check_status Status of each check: 0 pass, 1 warn, 2 fail, 3 skipped, 4 error.\n",
    );
    out.push_str("# TYPE xks_preflight_check_status gauge\n");
    for target in &report.targets {
        let target_labels = target_labels(target);
        for check in &target.checks {
            let blocked = check.blocked_by.map(|b| format!(",blocked_by=\"{b}\"")).unwrap_or_default();
            let _ = writeln!(
                out,
                "xks_preflight_check_status{{{target_labels},check=\"{}\",section=\"{}\"{blocked}}} {}",
                check.id,
                check.section.prefix(),
                value(check.status)
            );
        }
    }
    out.push_str("# HELP xks_preflight_checks Number of checks per target and status (blocked counted apart).\n");
    out.push_str("# TYPE xks_preflight_checks gauge\n");
    for target in &report.targets {
        let target_labels = target_labels(target);
        let s = &target.summary;
        for (status, count) in [
            ("pass", s.pass),
            ("warn", s.warn),
            ("fail", s.fail),
            ("skipped", s.skipped),
            ("error", s.error),
            ("blocked", s.blocked),
        ] {
            let _ = writeln!(out, "xks_preflight_checks{{{target_labels},status=\"{status}\"}} {count}");
        }
    }
    out.push_str(
        "# HELP xks_preflight_failing_checks Number of checks per target that fail the run: its failures, and \
         its warnings under --fail-on warn (a blocked check is not counted, the check it is blocked by is).\n",
    );
    out.push_str("# TYPE xks_preflight_failing_checks gauge\n");
    for target in &report.targets {
        let failing = target.checks.iter().filter(|c| c.fails_run).count();
        let _ = writeln!(out, "xks_preflight_failing_checks{{{}}} {failing}", target_labels(target));
    }
    render_measures(&mut out, report);
    out.push_str("# HELP xks_preflight_last_run_timestamp_seconds When the facts were gathered (Unix time).\n");
    out.push_str("# TYPE xks_preflight_last_run_timestamp_seconds gauge\n");
    for scope in &report.scopes {
        if let Ok(at) = crate::dates::epoch(&scope.facts_gathered_at) {
            let labels = scope_labels(&scope.region, scope.account.as_deref());
            let _ = writeln!(out, "xks_preflight_last_run_timestamp_seconds{{{labels}}} {at}");
        }
    }
    out.push_str(
        "# HELP xks_preflight_last_run_duration_seconds How long the facts of the account and Region took to \
         gather.\n",
    );
    out.push_str("# TYPE xks_preflight_last_run_duration_seconds gauge\n");
    for scope in &report.scopes {
        if let Some(seconds) = scope.gathering_seconds {
            let labels = scope_labels(&scope.region, scope.account.as_deref());
            let _ = writeln!(out, "xks_preflight_last_run_duration_seconds{{{labels}}} {seconds}");
        }
    }
    out.push_str(
        "# HELP xks_preflight_aws_readable 1 when AWS answered for the account and Region, 0 when no call could \
         be (no credentials, a role not assumed, an expired token, an endpoint out of reach).\n",
    );
    out.push_str("# TYPE xks_preflight_aws_readable gauge\n");
    for scope in &report.scopes {
        let labels = scope_labels(&scope.region, scope.account.as_deref());
        let _ = writeln!(out, "xks_preflight_aws_readable{{{labels}}} {}", u8::from(scope.aws_problem.is_none()));
    }
    let codes = exit::Command::Check.listed(ExitCode::in_report);
    let _ = writeln!(out, "# HELP xks_preflight_exit_code The exit code of the run: {codes}.");
    out.push_str("# TYPE xks_preflight_exit_code gauge\n");
    let _ = writeln!(out, "xks_preflight_exit_code{{{}}} {}", run_labels(report), i32::from(report.exit_code));
    out
}

/// What each figure means, for its HELP line.
fn help(name: MeasureName) -> (&'static str, &'static str) {
    match name {
        MeasureName::RoundTripMedianMs => {
            ("round_trip_median_ms", "Median TCP round trip to the proxy from where the tool ran, in ms (net.rtt).")
        }
        MeasureName::CertificateDaysLeft => {
            ("certificate_days_left", "Days until the proxy's certificate expires, negative after (tls.validity).")
        }
        MeasureName::ProxyLatencyWorstMs => (
            "proxy_latency_worst_ms",
            "The slowest proxy answer, or the kept-alive p99 when higher, in ms (proxy.latency).",
        ),
        MeasureName::ExternalKeyManagerState => (
            "external_key_manager_state",
            "1 for each external key manager in the state it reports in GetHealthStatus (proxy.ekm_available).",
        ),
    }
}

/// A gauge per figure the checks judged, labelled by target and check.
fn render_measures(out: &mut String, report: &Verdict) {
    let mut names: Vec<MeasureName> =
        report.targets.iter().flat_map(|t| &t.checks).flat_map(|c| &c.measures).map(|m| m.name).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (metric, text) = help(name);
        let _ = writeln!(out, "# HELP xks_preflight_{metric} {text}");
        let _ = writeln!(out, "# TYPE xks_preflight_{metric} gauge");
        for target in &report.targets {
            let target_labels = target_labels(target);
            for check in &target.checks {
                for measure in check.measures.iter().filter(|m| m.name == name) {
                    let extra: String =
                        measure.labels.iter().map(|(key, value)| format!(",{key}=\"{}\"", label(value))).collect();
                    let _ = writeln!(
                        out,
                        "xks_preflight_{metric}{{{target_labels},check=\"{}\"{extra}}} {}",
                        check.id, measure.value
                    );
                }
            }
        }
    }
}
