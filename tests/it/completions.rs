//! The completion scripts complete, driven through each shell's own machinery: bash's completion
//! function with COMP_WORDS (COMPREPLY read back), zsh's compsys with the function's `compadd` calls
//! recorded, and fish's `complete -C`. Every subcommand, flag and value, and the check IDs and sections
//! of --skip and --only.

use crate::support::{command, run};

fn script(shell: &str) -> (tempfile::TempDir, String) {
    let out = run(command(None), &["completions", shell]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::write(dir.path(), &format!("xks-preflight.{shell}"), &out.stdout);
    (dir, path)
}

/// What bash offers for the command line `words` (the last one being completed).
fn bash_offers(script: &str, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{script}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         fn=$(complete -p xks-preflight | sed -E 's/.*-F ([^ ]+).*/\\1/')\n\
         \"$fn\" xks-preflight '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = std::process::Command::new("bash").arg("-c").arg(program).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_subcommands_flags_values_and_check_ids() {
    let (_dir, script) = script("bash");
    let offers = bash_offers(&script, &["xks-preflight", ""]);
    for subcommand in ["check", "explain", "list-checks", "alarms", "completions", "man"] {
        assert!(offers.iter().any(|o| o == subcommand), "{subcommand}: {offers:?}");
    }
    assert_eq!(bash_offers(&script, &["xks-preflight", "check", "--sk"]), ["--skip"]);
    let outputs = bash_offers(&script, &["xks-preflight", "check", "--output", ""]);
    for format in ["table", "json", "junit", "prometheus", "markdown"] {
        assert!(outputs.iter().any(|o| o == format), "{format}: {outputs:?}");
    }
    assert_eq!(bash_offers(&script, &["xks-preflight", "check", "--example", "fa"]), ["failed-vpc"]);
    assert_eq!(bash_offers(&script, &["xks-preflight", "check", "--only", "proxy.lat"]), ["proxy.latency"]);
    let sections = bash_offers(&script, &["xks-preflight", "check", "--skip", "tl"]);
    assert!(sections.iter().any(|o| o == "tls.*") && sections.iter().any(|o| o == "tls.version"), "{sections:?}");
    assert_eq!(bash_offers(&script, &["xks-preflight", "list-checks", "key.round"]), ["key.round_trip"]);
    assert_eq!(bash_offers(&script, &["xks-preflight", "alarms", "--format", "terr"]), ["terraform"]);
}

/// What zsh lists for `line` (typed at an interactive zsh on a terminal, then Tab): the listing drawn,
/// once `offer` has been drawn (zsh draws the listing under the line being edited and draws no prompt
/// again: the offer expected is the sign that it is done; without it the shell is stopped after 30 s).
fn zsh_lists(script: &str, line: &str, offer: &str) -> String {
    let home = tempfile::tempdir().unwrap();
    let functions = home.path().join("functions");
    std::fs::create_dir_all(&functions).unwrap();
    std::fs::copy(script, functions.join("_xks-preflight")).unwrap();
    std::fs::write(
        home.path().join(".zshrc"),
        format!("fpath=({} $fpath)\nautoload -U compinit && compinit -u -D\nPS1='READY> '\n", functions.display()),
    )
    .unwrap();
    let binary = assert_cmd::cargo::cargo_bin("xks-preflight");
    let mut zsh = std::process::Command::new("zsh");
    crate::support::isolate(&mut zsh, None);
    zsh.arg("-i")
        .env("ZDOTDIR", home.path())
        .env("HOME", home.path())
        .env("PATH", format!("{}:{}", binary.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default()));
    // Tab, then (once the offer is drawn) the line is cleared and the shell left.
    let typed = format!("{line}\t");
    let screen = crate::support::pty::drive(zsh, 200, &[("READY> ", &typed), (offer, "\x15exit\n")]);
    crate::support::pty::strip_styles(&screen.drawn)
}

#[test]
fn zsh_completes_subcommands_flags_values_and_check_ids() {
    let (_dir, script) = script("zsh");
    let subcommands = zsh_lists(&script, "xks-preflight ", "list-checks");
    assert!(subcommands.contains("completions"), "{subcommands}");
    let flags = zsh_lists(&script, "xks-preflight check --s", "--save-facts");
    assert!(flags.contains("--skip") && flags.contains("--since"), "{flags}");
    let ids = zsh_lists(&script, "xks-preflight check --only proxy.", "proxy.latency");
    assert!(ids.contains("proxy.health"), "{ids}");
    let formats = zsh_lists(&script, "xks-preflight check --output ", "prometheus");
    assert!(formats.contains("markdown"), "{formats}");
}

#[test]
fn fish_completes_flags_values_and_check_ids() {
    let (_dir, script) = script("fish");
    let offers = |line: &str| -> Vec<String> {
        let out = std::process::Command::new("fish")
            .arg("--no-config")
            .arg("-c")
            .arg(format!("source '{script}'; complete -C '{line}'"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().map(|l| l.split('\t').next().unwrap().to_string()).collect()
    };
    let subcommands = offers("xks-preflight ");
    assert!(subcommands.iter().any(|o| o == "list-checks"), "{subcommands:?}");
    assert!(offers("xks-preflight check --sk").iter().any(|o| o == "--skip"));
    let ids = offers("xks-preflight check --only proxy.lat");
    assert!(ids.iter().any(|o| o == "proxy.latency"), "{ids:?}");
    let formats = offers("xks-preflight check --output ");
    assert!(formats.iter().any(|o| o == "prometheus"), "{formats:?}");
}
