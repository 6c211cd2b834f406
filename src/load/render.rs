//! A load report for people: the table for a terminal (with a text latency histogram and the per-second
//! p99 as a sparkline), and Markdown for a change ticket. They render the report; they decide nothing.

use std::fmt::Write;

use hdrhistogram::Histogram;

use super::report::{decode, LoadReport, Outcome, Step, Target, KMS_RATE};
use crate::checks::Series;
use crate::report::sparkline;

/// The upper edges of the histogram's rows, in milliseconds; 250 is KMS's timeout.
const EDGES_MS: [u64; 11] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];
const BAR_CHARS: usize = 40;

fn percent(share: f64) -> String {
    format!("{:.3}%", share * 100.0)
}

fn outcome(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Held => "HELD",
        Outcome::NotHeld => "NOT HELD",
        Outcome::CouldNotRun => "COULD NOT RUN",
    }
}

/// Whether the generator kept to its schedule, and whose delay it was when it did not: waiting for a
/// connection is the proxy answering too slowly for the rate over that many connections; the rest is
/// this client's own.
fn generator_sentence(report: &LoadReport) -> String {
    let g = &report.generator;
    if !g.fell_behind {
        return format!("kept to its schedule (worst lateness {} ms)", g.worst_lateness_ms);
    }
    let mut sentence = format!(
        "FELL BEHIND: {} requests left more than 10 ms late (worst {} ms)",
        g.late_requests, g.worst_lateness_ms
    );
    if g.waited_for_connection > 0 {
        let _ = write!(
            sentence,
            ", {} of them waiting because all {} connections carried a call (the proxy is too slow for this rate \
             over them: more --connections, or a slower rate)",
            g.waited_for_connection, report.connections
        );
    }
    if g.not_sent > 0 {
        let _ = write!(sentence, "; {} due requests had not left when the schedule ended", g.not_sent);
    }
    let client_late = g.late_requests.saturating_sub(g.waited_for_connection);
    if client_late > 0 {
        let _ = write!(sentence, "; {client_late} were this client's own delay, in the latencies");
    }
    sentence
}

/// What was aimed at and how hard, as the run says before it starts.
pub fn plan_line(target: &Target, rate: &str, duration_s: f64, total: u64, connections: usize) -> String {
    let via = target.connect_to.as_deref().map(|c| format!(" via {c}")).unwrap_or_default();
    let keys = if target.xks_key_ids.is_empty() {
        String::new()
    } else {
        format!(" (keys {})", target.xks_key_ids.join(", "))
    };
    // The call made before the run, so that the count the proxy sees is never a surprise.
    let first = if target.operations.iter().any(|o| o == "Decrypt") {
        "one Encrypt per key for the Decrypts to open".to_string()
    } else {
        format!("one {}", target.operations.first().map_or("call", String::as_str))
    };
    format!(
        "load: {}{keys} to {}{}{via} at {rate} {duration_s} s: {total} requests over {connections} connections \
         after {first} (as {})\n",
        target.operations.join(" + "),
        target.endpoint,
        target.uri_path,
        target.access_key_id,
    )
}

/// Rows of (range, count) for the latencies between the edges.
fn rows(histogram: &Histogram<u64>) -> Vec<(String, u64)> {
    let mut rows = Vec::new();
    let mut low_us = 0;
    for edge in EDGES_MS {
        let high_us = edge * 1000;
        rows.push((format!("≤ {edge} ms"), histogram.count_between(low_us + 1, high_us)));
        low_us = high_us;
    }
    rows.push((
        format!("> {} ms", EDGES_MS[EDGES_MS.len() - 1]),
        histogram.count_between(low_us + 1, histogram.high()),
    ));
    // Rows above the highest latency are left off.
    while rows.len() > 1 && rows.last().is_some_and(|(_, n)| *n == 0) {
        rows.pop();
    }
    rows
}

fn p99_series(report: &LoadReport) -> Series {
    Series {
        label: "p99 latency (ms) per second".into(),
        start: crate::dates::epoch(&report.started_at).unwrap_or_default(),
        period_s: 1,
        values: report.per_second.iter().map(|s| s.p99_ms).collect(),
    }
}

pub fn table(report: &LoadReport, width: usize) -> String {
    let mut out = String::new();
    let target = &report.target;
    let via = target.connect_to.as_deref().map(|c| format!(" via {c}")).unwrap_or_default();
    let _ = writeln!(out, "xks-preflight load · {}{}{via}", target.endpoint, target.uri_path);
    let runs = if report.runs > 1 { format!(", {} runs merged", report.runs) } else { String::new() };
    let _ = writeln!(
        out,
        "{} at {}/s for {:.1} s over {} connections{runs}{}\n",
        target.operations.join(" + "),
        report.rate,
        report.duration_s,
        report.connections,
        if report.interrupted { " (interrupted)" } else { "" }
    );
    let l = &report.latency_ms;
    let _ = writeln!(out, "requests      {} ({:.1}/s achieved)", report.requests, report.achieved_rate);
    let _ = writeln!(out, "latency (ms)  p50 {}  p90 {}  p99 {}  p99.9 {}  max {}", l.p50, l.p90, l.p99, l.p999, l.max);
    let _ = writeln!(out, "over 250 ms   {} ({})", report.over_250ms, percent(report.over_250ms_share));
    let errors = report.requests.saturating_sub(report.succeeded);
    let _ = writeln!(
        out,
        "errors        {errors} ({}), {} without an answer",
        percent(report.error_rate),
        report.connection_failures
    );
    for (kind, count) in &report.errors {
        let _ = writeln!(out, "  {count:>8}  {kind}");
    }
    if report.unfinished > 0 {
        let _ = writeln!(out, "unfinished    {} still unanswered when the run ended", report.unfinished);
    }
    let _ = writeln!(out, "generator     {}", generator_sentence(report));
    if let Ok(histogram) = decode(&report.histogram) {
        let rows = rows(&histogram);
        let most = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
        let _ = writeln!(out, "\nlatency from the moment each request was due");
        for (range, count) in rows {
            let bar = "█".repeat((count as usize * BAR_CHARS).div_ceil(most as usize));
            let _ = writeln!(out, "  {range:>10}  {bar:<BAR_CHARS$} {count}");
        }
    }
    if let Some(line) = sparkline::line(&p99_series(report), width) {
        let _ = writeln!(out, "\n{line}");
    }
    if !report.steps.is_empty() {
        let _ = writeln!(out, "\n{:>10}  {:>10}  {:>10}  {:>8}  held", "rate/s", "achieved", "p99 ms", "errors");
        for step in &report.steps {
            let [rate, achieved, p99, errors, held] = step_cells(step);
            let _ = writeln!(out, "{rate:>10}  {achieved:>10}  {p99:>10}  {errors:>8}  {held}");
        }
    }
    if let Some(capacity) = &report.capacity {
        let _ = writeln!(out, "\n{}", capacity_sentence(capacity));
    }
    let _ = writeln!(out, "\n{}: {}", outcome(report.verdict.outcome), report.verdict.reasons.join("; "));
    out
}

/// A ramp step's rate, achieved rate, p99, error share and whether it held, as the tables show them.
fn step_cells(step: &Step) -> [String; 5] {
    [
        step.rate.to_string(),
        format!("{:.1}", step.achieved_rate),
        step.latency_ms.p99.to_string(),
        percent(step.error_rate),
        (if step.held { "yes" } else { "no" }).to_string(),
    ]
}

fn capacity_sentence(capacity: &super::report::Capacity) -> String {
    match (capacity.rate, capacity.bounded) {
        (Some(rate), true) => format!(
            "capacity: {rate}/s (the next step did not hold) · KMS sends up to {KMS_RATE}/s per store{}",
            if rate < KMS_RATE { ": the proxy breaks below it" } else { "" }
        ),
        (Some(rate), false) => format!("capacity: at least {rate}/s (every step held) · KMS sends up to {KMS_RATE}/s"),
        (None, _) => "capacity: below the first step's rate (it did not hold)".to_string(),
    }
}

pub fn markdown(report: &LoadReport) -> String {
    let mut out = String::new();
    let target = &report.target;
    let _ = writeln!(out, "## xks-preflight load: {}\n", outcome(report.verdict.outcome));
    let _ = writeln!(out, "{}\n", report.verdict.reasons.join("; "));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Target | `{}{}` |", target.endpoint, target.uri_path);
    if let Some(via) = &target.connect_to {
        let _ = writeln!(out, "| Connected to | `{via}` |");
    }
    let _ = writeln!(out, "| Operations | {} |", target.operations.join(", "));
    let _ = writeln!(
        out,
        "| Rate asked | {}/s for {:.1} s, {} connections |",
        report.rate, report.duration_s, report.connections
    );
    let _ = writeln!(out, "| Requests | {} ({:.1}/s achieved) |", report.requests, report.achieved_rate);
    let l = &report.latency_ms;
    let _ = writeln!(
        out,
        "| Latency (ms) | p50 {} · p90 {} · p99 {} · p99.9 {} · max {} |",
        l.p50, l.p90, l.p99, l.p999, l.max
    );
    let _ = writeln!(out, "| Over 250 ms | {} ({}) |", report.over_250ms, percent(report.over_250ms_share));
    let _ = writeln!(out, "| Errors | {} ({}) |", report.requests - report.succeeded, percent(report.error_rate));
    let _ = writeln!(out, "| Generator | {} |", generator_sentence(report));
    if let Some(capacity) = &report.capacity {
        let _ = writeln!(out, "| Capacity | {} |", capacity_sentence(capacity));
    }
    if !report.errors.is_empty() {
        let _ = writeln!(out, "\n| Error | Count |\n|---|---|");
        for (kind, count) in &report.errors {
            let _ = writeln!(out, "| `{}` | {count} |", kind.replace('|', "\\|").replace('`', "'"));
        }
    }
    if !report.steps.is_empty() {
        let _ = writeln!(out, "\n| Rate/s | Achieved | p99 ms | Errors | Held |\n|---|---|---|---|---|");
        for step in &report.steps {
            let _ = writeln!(out, "| {} |", step_cells(step).join(" | "));
        }
    }
    out
}
