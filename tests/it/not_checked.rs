//! What a run did not verify is said at the end of the default report, one line per reason, with how
//! to have it verified; -v says a reason shared by several checks once.

use crate::support::{command, run};

fn example(args: &[&str]) -> String {
    let mut cmd = command(None);
    cmd.env("COLUMNS", "100");
    run(cmd, &[&["check", "--example", "failed-vpc"][..], args].concat()).stdout
}

#[test]
fn the_default_report_ends_with_what_was_not_checked_and_how_to_check_it() {
    let out = example(&[]);
    let at = out.find("\nNot checked\n").unwrap_or_else(|| panic!("{out}"));
    let section = &out[at..];
    let entries: Vec<String> =
        section.lines().skip(2).take_while(|l| l.starts_with("  ")).fold(Vec::new(), |mut entries, line| {
            match line.starts_with("    ") {
                true => entries.last_mut().map(|e: &mut String| e.push_str(&format!(" {}", line.trim()))).unwrap_or(()),
                false => entries.push(line.trim().to_string()),
            }
            entries
        });
    // The probes that could not reach the private name: whole sections by their pattern, and how.
    let unreachable = entries.iter().find(|e| e.contains("tls.*")).unwrap_or_else(|| panic!("{entries:#?}"));
    assert!(unreachable.contains("proxy.*") && unreachable.contains("--connect-to"), "{unreachable}");
    // The missing secret is its own line, naming the environment variable.
    let secret =
        entries.iter().find(|e| e.starts_with("config.secret_format")).unwrap_or_else(|| panic!("{entries:#?}"));
    assert!(secret.contains("XKS_PROXY_SECRET_ACCESS_KEY"), "{secret}");
    // Each reason once.
    let reasons: std::collections::HashSet<&str> = entries.iter().map(|e| e.split_once(": ").unwrap().1).collect();
    assert_eq!(reasons.len(), entries.len(), "{entries:#?}");
}

#[test]
fn verbose_says_a_shared_reason_once() {
    let out = example(&["-v"]);
    let reason = "the private DNS name has no IPv4 address here";
    let said = out.matches(reason).count();
    assert!(said <= 2, "said {said} times:\n{out}");
    for id in ["tls.version", "proxy.latency", "key.round_trip", "net.rtt"] {
        assert!(out.contains(id), "{id} is still named:\n{out}");
    }
}
