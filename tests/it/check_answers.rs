//! What a check means, from the tool itself: `explain <check-id>` and `list-checks <ID>` say the
//! requirement, severity, what KMS says, how it is checked and the usual fix; a mistyped ID anywhere
//! gets the nearest ones in one short line; the list of checks has a header and the requirement.

use crate::support::{command, run};
use xks_preflight::catalogue::CheckId;

fn with_columns(columns: &str, args: &[&str]) -> crate::support::Run {
    let mut cmd = command(None);
    cmd.env("COLUMNS", columns);
    run(cmd, args)
}

#[test]
fn explain_of_a_check_id_says_requirement_severity_kms_how_checked_and_fix() {
    let out = with_columns("80", &["explain", "proxy.latency"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    let requirement = CheckId::ProxyLatency.requirement();
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    for (label, expected) in [
        ("Requirement:", words(requirement.requirement)),
        ("Severity:", "fail".to_string()),
        ("What KMS says when it is broken:", "XKS_PROXY_TIMED_OUT".to_string()),
        ("How xks-preflight checks it:", "calling the proxy API as KMS does".to_string()),
        ("Fix:", words(xks_preflight::catalogue::guide::fix(CheckId::ProxyLatency))),
    ] {
        let at = text.find(label).unwrap_or_else(|| panic!("no {label}: {}", out.stdout));
        assert!(text[at..].contains(&expected), "{label} {expected}: {}", out.stdout);
    }
    assert!(out.stdout.lines().all(|l| l.chars().count() <= 80), "{}", out.stdout);
    let json = run(command(None), &["explain", "--output", "json", "proxy.latency"]);
    let entry = &serde_json::from_str::<serde_json::Value>(&json.stdout).unwrap()[0];
    assert_eq!(entry["id"], "proxy.latency");
    assert!(entry["how_checked"].as_str().unwrap().contains("proxy API"));
    assert_eq!(entry["fix"], xks_preflight::catalogue::guide::fix(CheckId::ProxyLatency));
}

#[test]
fn every_check_has_its_own_fix_and_a_way_it_is_checked() {
    let mut fixes = std::collections::HashSet::new();
    for id in CheckId::ALL {
        let fix = xks_preflight::catalogue::guide::fix(*id);
        assert!(fix.ends_with('.') && fix.len() > 15, "{id}: {fix}");
        assert!(fixes.insert(fix), "{id} shares its fix text with another check");
        assert!(!xks_preflight::catalogue::guide::how_checked(id.section()).is_empty());
    }
}

#[test]
fn list_checks_with_ids_explains_those_and_a_section_pattern_every_check_of_it() {
    let out = with_columns("100", &["list-checks", "tls.*"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let explained: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("tls.")).collect();
    let tls = CheckId::ALL.iter().filter(|id| id.as_str().starts_with("tls.")).count();
    assert_eq!(explained.len(), tls, "{}", out.stdout);
    assert!(out.stdout.contains("How xks-preflight checks it:"));
}

#[test]
fn a_mistyped_check_id_gets_the_nearest_in_one_short_line_everywhere() {
    for args in [
        &["explain", "proxy.latenc"][..],
        &["list-checks", "proxy.latenc"],
        &["check", "--example", "healthy", "--only", "proxy.latenc"],
        &["check", "--example", "healthy", "--skip", "proxy.latenc"],
    ] {
        let out = run(command(None), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
        assert!(out.stderr.len() < 160, "{args:?}: a short line: {}", out.stderr);
        assert!(out.stderr.contains("did you mean proxy.latency?"), "{args:?}: {}", out.stderr);
    }
    // Nothing near: the line says where the IDs are listed instead.
    let out = run(command(None), &["check", "--example", "healthy", "--only", "zzz.qqqqqqqqqqqq"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("`xks-preflight list-checks` lists them"), "{}", out.stderr);
}

#[test]
fn list_checks_table_has_a_header_and_each_requirement_wrapped_to_the_width() {
    for columns in [80usize, 120] {
        let out = with_columns(&columns.to_string(), &["list-checks"]);
        assert_eq!(out.code, 0);
        let first = out.stdout.lines().next().unwrap();
        assert!(first.trim_start().starts_with("ID") && out.stdout.contains("REQUIREMENT"), "{first}");
        let too_wide: Vec<&str> = out.stdout.lines().filter(|l| l.chars().count() > columns).collect();
        assert!(too_wide.is_empty(), "{columns}: {too_wide:#?}");
        let words = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        for id in CheckId::ALL {
            let requirement = id.requirement().requirement.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(words.contains(&requirement), "{columns}: {id}'s requirement");
        }
    }
}
