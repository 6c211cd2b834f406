//! The checklist a person reads on a terminal. By default each section is one line of counts, with the
//! rows that need attention (fail, warn, error) beneath it in full: what was seen, what to do, what
//! KMS answers. `-v` shows every row; `-q` only the rows that need attention and the summary. The
//! status column is fixed, so the eye can run down it; colours come as ANSI styles, which the caller's
//! stream keeps or strips (`--color`, NO_COLOR, CLICOLOR_FORCE).

use std::collections::BTreeMap;
use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::preamble::{gathered_at, no_stores, place, unread};
use crate::catalogue::{CheckId, Section};
use crate::checks::Status;
use crate::verdict::{CheckVerdict, Summary, TargetVerdict, Verdict};

/// How much of the checklist to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The rows that need attention, the diagnosis and the summary.
    Quiet,
    /// Sections folded to their counts, with the rows that need attention.
    Normal,
    /// Every row.
    Verbose,
}

pub struct Layout {
    pub width: usize,
    pub detail: Detail,
}

/// The status column: the longest mark, ERROR.
/// The narrowest terminal on which a row's text stands beside its ID.
const STACKED_BELOW: usize = 100;
const MARK_WIDTH: usize = 5;

pub fn render(report: &Verdict, layout: &Layout) -> String {
    let width = layout.width.max(60);
    let mut out = String::new();
    let title =
        format!("xks-preflight {} · {} · facts gathered {}", report.tool_version, place(report), gathered_at(report));
    let _ = writeln!(out, "{}", styled(dim(), &wrap(&title, width)));
    for unread in unread(report) {
        let _ = writeln!(out, "\n{}", styled(status_style(Status::Error), &wrap(&unread.text(), width)));
        let next = wrap(&format!("next: {}", unread.problem.remedy), width.saturating_sub(2));
        let _ = writeln!(out, "  {}", next.replace('\n', "\n  "));
    }
    if let Some(text) = no_stores(report) {
        let _ = writeln!(out, "\n{}", wrap(&text, width));
    }
    for target in &report.targets {
        render_target(&mut out, target, width, layout.detail);
        if report.targets.len() > 1 {
            let _ = writeln!(out, "\n{}", counts(&target.summary));
        }
    }
    let unread = report.scopes.iter().filter(|s| s.aws_problem.is_some()).count();
    let unread = match (unread, report.scopes.len()) {
        (0, _) => String::new(),
        (_, 1) => " · AWS not read".to_string(),
        (n, total) => format!(" · AWS not read in {n} of {total} Regions and accounts"),
    };
    let summary = format!("{}{unread} → exit {}", counts(&report.summary), i32::from(report.exit_code));
    let hint = "(-v shows the folded rows)";
    let hint = match layout.detail == Detail::Normal && folded_anything(report) {
        false => String::new(),
        true if summary.chars().count() + 1 + hint.len() <= width => format!(" {}", styled(dim(), hint)),
        true => format!("\n{}", styled(dim(), hint)),
    };
    let _ = writeln!(out, "\n{summary}{hint}");
    out
}

fn folded_anything(report: &Verdict) -> bool {
    report.targets.iter().flat_map(|t| &t.checks).any(|c| !c.needs_attention())
}

fn render_target(out: &mut String, target: &TargetVerdict, width: usize, detail: Detail) {
    let mut heading = target.label.clone();
    if let Some(store) = &target.store {
        for part in [&store.connectivity, &store.connection_state].into_iter().flatten() {
            heading.push_str(" · ");
            heading.push_str(part);
        }
        if let Some(code) = &store.connection_error_code {
            let _ = write!(heading, " ({code})");
        }
    }
    let heading = wrap(&format!("━━ {heading}"), width.saturating_sub(3)).replace('\n', "\n   ");
    let _ = writeln!(out, "\n{}", styled(Style::new().bold(), &heading));
    let reported = target.diagnosis.as_ref().and_then(|d| d.reported.as_deref());
    if let Some(diagnosis) = &target.diagnosis {
        let text = wrap(&format!("Diagnosis: {}", diagnosis.summary), width.saturating_sub(2)).replace('\n', "\n  ");
        let _ = writeln!(out, "\n{}", text.replacen("Diagnosis:", &styled(Style::new().bold(), "Diagnosis:"), 1));
    }
    let mut sections: Vec<Section> = target.checks.iter().map(|c| c.section).collect();
    sections.dedup();
    let id_width = target.checks.iter().map(|c| c.id.as_str().len()).max().unwrap_or(0);
    // Below STACKED_BELOW columns a row is stacked: the mark and the ID on a line, the text under them,
    // so that the text keeps most of the width. Otherwise one space before the mark, two after it and
    // after the ID, and the text beside them.
    let stacked = width < STACKED_BELOW;
    let indent = if stacked { 1 + MARK_WIDTH + 2 } else { 1 + MARK_WIDTH + 2 + id_width + 2 };
    // At the narrowest width (60) the longest ID still leaves about 20 columns.
    let text_width = width.saturating_sub(indent).max(20);
    let mut previous_folded = false;
    let mut last_reason: Option<&str> = None;
    for section in sections {
        let checks: Vec<&CheckVerdict> = target.checks.iter().filter(|c| c.section == section).collect();
        let shown: Vec<&CheckVerdict> = match detail {
            Detail::Verbose => checks.clone(),
            Detail::Normal | Detail::Quiet => checks.iter().copied().filter(|c| c.needs_attention()).collect(),
        };
        match detail {
            Detail::Quiet if shown.is_empty() => continue,
            Detail::Quiet | Detail::Verbose => {
                let _ = writeln!(out, "\n{}", styled(Style::new().bold(), section.heading()));
            }
            Detail::Normal => {
                let fold = fold(&checks);
                let line = format!("{} · {fold}", section.heading());
                let mut lines = wrap(&line, width.saturating_sub(2)).lines().map(str::to_string).collect::<Vec<_>>();
                lines[0] = lines[0].replacen(section.heading(), &styled(Style::new().bold(), section.heading()), 1);
                // Sections with nothing to show stand together, one line each.
                let gap = if shown.is_empty() && previous_folded { "" } else { "\n" };
                let _ = writeln!(out, "{gap}{}", lines.join("\n  "));
            }
        }
        previous_folded = shown.is_empty();
        for row in rows(&shown) {
            let check = match row {
                Row::One(check) => check,
                Row::Shared(checks) => {
                    // Several checks skipped for one reason: their IDs, and the reason once (or a pointer
                    // to the same reason just above).
                    let reason = checks[0].evidence.as_str();
                    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
                    let said = match last_reason == Some(reason) {
                        true => format!("{}: as above", ids.join(", ")),
                        false => format!("{}: {reason}", ids.join(", ")),
                    };
                    last_reason = Some(reason);
                    let mark =
                        styled(status_style(Status::Skipped), &format!("{:<MARK_WIDTH$}", mark(Status::Skipped)));
                    let text = wrap(&said, width.saturating_sub(1 + MARK_WIDTH + 2));
                    let _ = writeln!(
                        out,
                        " {mark}  {}",
                        text.replace('\n', &format!("\n{:w$}", "", w = 1 + MARK_WIDTH + 2))
                    );
                    continue;
                }
            };
            let text = row_text(check, reported, detail, text_width);
            let mut lines = text.lines();
            let mark = format!("{:<MARK_WIDTH$}", mark(check.status));
            let mark = styled(status_style(check.status), &mark);
            if stacked {
                let _ = writeln!(out, " {mark}  {}", check.id.as_str());
            } else {
                let first = lines.next().unwrap_or_default();
                let _ = writeln!(out, " {mark}  {:id_width$}  {first}", check.id.as_str());
            }
            for line in lines {
                let _ = writeln!(out, "{:indent$}{line}", "");
            }
        }
    }
    if detail == Detail::Normal {
        not_checked(out, target, width);
    }
}

enum Row<'a> {
    One(&'a CheckVerdict),
    /// Neighbouring checks skipped for the same reason, not blocked.
    Shared(Vec<&'a CheckVerdict>),
}

fn rows<'a>(checks: &[&'a CheckVerdict]) -> Vec<Row<'a>> {
    let plain_skip = |c: &CheckVerdict| c.status == Status::Skipped && c.blocked_by.is_none();
    let mut rows: Vec<Row<'a>> = Vec::new();
    for &check in checks {
        if plain_skip(check) {
            if let Some(Row::Shared(group)) = rows.last_mut() {
                if group[0].evidence == check.evidence {
                    group.push(check);
                    continue;
                }
            }
            rows.push(Row::Shared(vec![check]));
        } else {
            rows.push(Row::One(check));
        }
    }
    // A group of one is an ordinary row.
    rows.into_iter()
        .map(|row| match row {
            Row::Shared(group) if group.len() == 1 => Row::One(group[0]),
            row => row,
        })
        .collect()
}

/// What was not verified, one entry per reason: the checks (a whole section as `tls.*`) and why, which
/// says how to have them checked.
fn not_checked(out: &mut String, target: &TargetVerdict, width: usize) {
    let mut groups: Vec<(&str, Vec<&CheckVerdict>)> = Vec::new();
    for check in target.checks.iter().filter(|c| c.status == Status::Skipped && c.blocked_by.is_none()) {
        match groups.iter_mut().find(|(reason, _)| *reason == check.evidence) {
            Some((_, group)) => group.push(check),
            None => groups.push((check.evidence.as_str(), vec![check])),
        }
    }
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", styled(Style::new().bold(), "Not checked"));
    for (reason, group) in groups {
        let text = format!("{}: {reason}", named(&group, target));
        let _ = writeln!(out, "  {}", wrap(&text, width.saturating_sub(4)).replace('\n', "\n    "));
    }
}

/// The IDs of `group`, a section whose checks are all in it said as `section.*`.
fn named(group: &[&CheckVerdict], target: &TargetVerdict) -> String {
    let mut names: Vec<String> = Vec::new();
    for check in group {
        let whole =
            target.checks.iter().filter(|c| c.section == check.section).all(|c| group.iter().any(|g| g.id == c.id));
        let name = match whole {
            true => format!("{}.*", check.section.prefix()),
            false => check.id.as_str().to_string(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join(", ")
}

/// A folded section: its counts and what blocks its checks.
fn fold(checks: &[&CheckVerdict]) -> String {
    let count = |status: Status| checks.iter().filter(|c| c.blocked_by.is_none() && c.status == status).count();
    let mut parts = Vec::new();
    for (status, name) in
        [(Status::Fail, "fail"), (Status::Warn, "warn"), (Status::Error, "error"), (Status::Pass, "pass")]
    {
        let n = count(status);
        if n > 0 {
            parts.push(format!("{n} {name}"));
        }
    }
    // Why they were skipped is said once, under "Not checked" at the end.
    let skipped = count(Status::Skipped);
    if skipped > 0 {
        parts.push(format!("{skipped} skipped"));
    }
    let mut blockers: BTreeMap<&str, usize> = BTreeMap::new();
    for check in checks {
        if let Some(blocker) = check.blocked_by {
            *blockers.entry(blocker.as_str()).or_default() += 1;
        }
    }
    if !blockers.is_empty() {
        let total: usize = blockers.values().sum();
        let by: Vec<&str> = blockers.keys().copied().collect();
        parts.push(format!("{total} blocked by {}", by.join(", ")));
    }
    parts.join(" · ")
}

/// What a row says: evidence, then what to do and what KMS answers for a failure of its own. The state
/// check of a FAILED store restates the code the diagnosis already explains, so by default it points
/// there instead. A warning that fails the run says so, since its mark does not.
fn row_text(check: &CheckVerdict, reported: Option<&str>, detail: Detail, width: usize) -> String {
    let restates_diagnosis =
        reported.is_some() && check.id == CheckId::ConfigConnectionState && detail != Detail::Verbose;
    let evidence = match (check.blocked_by, reported) {
        (Some(blocker), _) => format!("[blocked by {blocker}] {}", check.evidence),
        (None, Some(code)) if restates_diagnosis => format!("FAILED with {code}: see the diagnosis above"),
        _ if check.fails_run && check.status == Status::Warn => {
            format!("[fails the run under --fail-on warn] {}", check.evidence)
        }
        _ => check.evidence.clone(),
    };
    let mut text = wrap(&evidence, width);
    // A figure over time is drawn, not wrapped.
    for line in check.series.iter().filter_map(|series| super::sparkline::line(series, width)) {
        let _ = write!(text, "\n{line}");
    }
    if let Some(remedy) = check.remedy.as_ref().filter(|_| check.blocked_by.is_none()) {
        let lead = if check.status == Status::Error { "next" } else { "fix" };
        let _ = write!(text, "\n{}", wrap(&format!("{lead}: {remedy}"), width));
        // Commands are never wrapped, so that each pastes whole: a line of its own, as long as it is.
        for command in &check.commands {
            let _ = write!(text, "\n  {command}");
        }
    }
    // With -q each problem takes a few lines: what KMS answers is for the fuller reports.
    if check.status == Status::Fail
        && check.blocked_by.is_none()
        && !check.kms_answers.is_empty()
        && !restates_diagnosis
        && detail != Detail::Quiet
    {
        let answers: Vec<String> =
            check.kms_answers.iter().map(|a| format!("{} → {}", a.operation.label(), a.answer)).collect();
        let _ = write!(text, "\n{}", wrap(&format!("KMS answers: {}", answers.join("; ")), width));
    }
    text
}

/// Wraps at spaces; only a word wider than the column breaks, at a boundary of its parts.
fn wrap(text: &str, width: usize) -> String {
    super::wrap::fill(text, width)
}

fn styled(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

fn dim() -> Style {
    Style::new().dimmed()
}

fn status_style(status: Status) -> Style {
    match status {
        Status::Pass => Style::new().fg_color(Some(AnsiColor::Green.into())),
        Status::Warn => Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold(),
        Status::Fail => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Status::Skipped => dim(),
        Status::Error => Style::new().fg_color(Some(AnsiColor::Magenta.into())).bold(),
    }
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
        Status::Skipped => "SKIP",
        Status::Error => "ERROR",
    }
}

fn counts(summary: &Summary) -> String {
    let blocked = if summary.blocked > 0 { format!(" · {} blocked", summary.blocked) } else { String::new() };
    format!(
        "{} pass · {} warn · {} fail · {} skipped · {} error{blocked}",
        summary.pass, summary.warn, summary.fail, summary.skipped, summary.error
    )
}
