//! Prometheus text exposition, for alerting on a cron run (e.g. a node exporter's textfile collector).

use std::fmt::Write;

use crate::checks::Status;
use crate::verdict::Verdict;

fn label(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
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
        let store = target.store.as_ref().map(|s| s.id.as_str()).unwrap_or(target.label.as_str());
        for check in &target.checks {
            let blocked = check.blocked_by.map(|b| format!(",blocked_by=\"{b}\"")).unwrap_or_default();
            let _ = writeln!(
                out,
                "xks_preflight_check_status{{region=\"{}\",target=\"{}\",check=\"{}\",section=\"{}\"{blocked}}} {}",
                label(&report.region),
                label(store),
                check.id,
                check.section.prefix(),
                value(check.status)
            );
        }
    }
    out.push_str("# HELP xks_preflight_checks Number of checks per target and status (blocked counted apart).\n");
    out.push_str("# TYPE xks_preflight_checks gauge\n");
    for target in &report.targets {
        let store = target.store.as_ref().map(|s| s.id.as_str()).unwrap_or(target.label.as_str());
        let s = &target.summary;
        for (status, count) in [
            ("pass", s.pass),
            ("warn", s.warn),
            ("fail", s.fail),
            ("skipped", s.skipped),
            ("error", s.error),
            ("blocked", s.blocked),
        ] {
            let _ = writeln!(
                out,
                "xks_preflight_checks{{region=\"{}\",target=\"{}\",status=\"{status}\"}} {count}",
                label(&report.region),
                label(store)
            );
        }
    }
    out.push_str(
        "# HELP xks_preflight_exit_code The exit code of the run: 0 ok, 1 a requirement failed (or warned, with \
         --fail-on warn), 3 incomplete.\n",
    );
    out.push_str("# TYPE xks_preflight_exit_code gauge\n");
    let _ = writeln!(
        out,
        "xks_preflight_exit_code{{region=\"{}\"}} {}",
        label(&report.region),
        i32::from(report.exit_code)
    );
    out
}
