//! Every screen fits the terminal it is drawn on: the report, `explain`, `list-checks` and every
//! `--help`, at 80 and 120 columns of a real pseudo-terminal (COLUMNS unset). Only a command to paste
//! may run past the edge, on a line of its own, so that it is never broken.

use crate::support::pty::{on_terminal, strip_styles};

/// A line that is a command to paste, as the report prints one (indented, on its own).
fn is_command(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("aws ") || line.starts_with("xks-preflight ")
}

fn assert_fits(columns: u16, args: &[&str]) -> String {
    let screen = on_terminal(columns, args, None);
    let wide: Vec<String> =
        screen.wider_than(usize::from(columns)).into_iter().filter(|line| !is_command(line)).collect();
    assert!(wide.is_empty(), "{args:?} at {columns} columns:\n{wide:#?}\n{}", screen.drawn);
    assert!(!screen.drawn.trim().is_empty(), "{args:?} drew nothing");
    screen.drawn
}

#[test]
fn the_report_explain_and_list_checks_fit_80_and_120_columns() {
    for columns in [80, 120] {
        for args in [
            &["check", "--example", "failed-vpc"][..],
            &["check", "--example", "failed-vpc", "-v"],
            &["check", "--example", "failed-vpc", "-q"],
            &["explain", "proxy.latency"],
            &["explain", "XKS_PROXY_INVALID_TLS_CONFIGURATION"],
            &["list-checks"],
            &["list-checks", "config.*"],
        ] {
            assert_fits(columns, args);
        }
    }
}

#[test]
fn a_report_follows_the_terminal_width_not_a_default() {
    let narrow = strip_styles(&on_terminal(80, &["check", "--example", "failed-vpc"], None).drawn);
    let wide = strip_styles(&on_terminal(120, &["check", "--example", "failed-vpc"], None).drawn);
    // Below 100 columns a row is stacked: its text starts under the mark, not beside the ID.
    assert!(narrow.lines().any(|l| l.trim_end().ends_with("FAIL   vpc.acceptance_required")), "{narrow}");
    assert!(wide.lines().any(|l| l.contains("vpc.acceptance_required") && l.contains("AcceptanceRequired")), "{wide}");
    assert!(narrow.lines().count() > wide.lines().count());
}

#[test]
fn every_help_fits_80_and_120_columns() {
    // The subcommands as the binary lists them, so that a new one is covered without touching this test.
    let top = on_terminal(120, &["--help"], None).drawn;
    let commands: Vec<String> = top
        .split("Commands:")
        .nth(1)
        .unwrap_or_else(|| panic!("{top}"))
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect();
    assert!(commands.len() >= 6, "{commands:?}");
    for columns in [80, 120] {
        assert_fits(columns, &["--help"]);
        for command in &commands {
            assert_fits(columns, &[command, "--help"]);
        }
    }
}

#[test]
fn a_kms_name_longer_than_the_column_breaks_at_its_parts_not_mid_word() {
    let text = "FAILED with XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION_AND_SOME_MORE_PARTS_THAT_RUN_LONG";
    let filled = xks_preflight::report::wrap::fill(text, 40);
    assert!(filled.lines().all(|l| l.chars().count() <= 40), "{filled}");
    assert!(filled.lines().skip(1).all(|l| !l.starts_with('_')), "breaks after the underscore: {filled}");
    assert_eq!(filled.replace(['\n', ' '], ""), text.replace(' ', ""), "nothing added or lost: {filled}");
    let camel = xks_preflight::report::wrap::fill("XksProxyVpcEndpointServiceNameIsLongerThanThis", 20);
    assert!(camel.lines().all(|l| l.chars().count() <= 20 && l.starts_with(char::is_uppercase)), "{camel}");
}
