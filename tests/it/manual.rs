//! `xks-preflight man` is a manual: rendered by man itself, it has every command and every option of
//! each (taken from the binary's own --help, so a new flag must appear), and EXAMPLES, EXIT STATUS,
//! ENVIRONMENT and FILES as sections of their own.

use crate::support::{command, run};

fn rendered() -> String {
    let page = run(command(None), &["man"]);
    assert_eq!(page.code, 0, "{}", page.stderr);
    let dir = tempfile::tempdir().unwrap();
    let file = crate::support::write(dir.path(), "xks-preflight.1", &page.stdout);
    let out = std::process::Command::new("man")
        .args(["-l", &file])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .unwrap_or_else(|e| panic!("man is needed to render the page (apt-get install man-db): {e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(!warnings.contains("warning"), "the page renders cleanly: {warnings}");
    // man may draw bold by overstriking; the words are what is checked.
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut plain = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() == Some(&'\u{8}') {
            chars.next();
            continue;
        }
        plain.push(c);
    }
    plain
}

/// Every `--flag` a subcommand's --help lists.
fn flags_of(subcommand: &str) -> Vec<String> {
    let help = run(command(None), &[subcommand, "--help"]).stdout;
    let mut flags: Vec<String> = help
        .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']' || c == '=')
        .filter(|w| w.starts_with("--") && w.len() > 2 && w[2..].chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .map(str::to_string)
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

#[test]
fn the_manual_has_every_option_of_every_command_and_the_sections_of_a_manual() {
    let page = rendered();
    for section in ["NAME", "SYNOPSIS", "COMMANDS", "EXAMPLES", "EXIT STATUS", "ENVIRONMENT", "FILES"] {
        assert!(page.lines().any(|l| l.trim_end() == section), "no {section} section:\n{page}");
    }
    for subcommand in ["check", "explain", "list-checks", "alarms", "completions", "man"] {
        assert!(page.contains(&format!("xks-preflight {subcommand}")), "{subcommand}");
        let flags = flags_of(subcommand);
        if subcommand == "check" {
            assert!(flags.len() >= 40, "{flags:?}");
        }
        for flag in flags {
            assert!(page.contains(&flag), "{subcommand} {flag} is not in the manual");
        }
    }
    assert!(page.contains("XKS_PROXY_SECRET_ACCESS_KEY") && page.contains("AWS_ENDPOINT_URL"));
    assert!(page.contains("xks-preflight check --example failed-vpc"), "the examples, whole");
    assert!(!page.contains("xks-preflight-check("), "no page that is never generated is pointed at");
}
