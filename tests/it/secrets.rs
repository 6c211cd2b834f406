//! The proxy secret never leaves the process: a canary secret sent through every way out — each output
//! format, `-v` and `-q`, `--save-facts` and the report files, every refusal of bad input, a malformed
//! proxy configuration file, Terraform plan or CloudFormation template, and the panic hook — appears in
//! none of them.

use crate::proxy_checks::{check_with, proxy, Setup, HOST, PATH};
use crate::support::xks_proxy::{Variant, ACCESS_KEY_ID, KEY_ID, SECRET};
use crate::support::{command, probe_to, run, write, Run};

/// A secret of the right shape that no test proxy knows: the runs that cannot sign with the proxy's
/// own secret use it.
const CANARY: &str = "Q2FuYXJ5LXNlY3JldC1mb3IteGtzLXByZWZsaWdodC00Mw";

fn assert_hidden(run: &Run, secret: &str, path: &str) {
    assert!(!run.stdout.contains(secret), "{path}: the secret is in standard output:\n{}", run.stdout);
    assert!(!run.stderr.contains(secret), "{path}: the secret is in standard error:\n{}", run.stderr);
}

/// A signed run against the test proxy with the proxy's own secret (so that every call is made and
/// answered), in the given output and extra flags.
fn signed(setup: &Setup, output: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--access-key-id", ACCESS_KEY_ID, "--xks-key-id", KEY_ID, "--ca-file", &setup.ca_file];
    args.extend_from_slice(extra);
    probe_to(output, HOST, PATH, setup.connect_to(), Some(SECRET), &args)
}

#[test]
fn the_secret_is_in_no_output_format_no_detail_and_no_file_written() {
    let setup = proxy(Variant::Faithful);
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name).display().to_string();
    for output in ["table", "json", "junit", "prometheus", "markdown", "github"] {
        for detail in [&[][..], &["-v"][..], &["-q"][..]] {
            let run = signed(&setup, output, detail);
            assert!(run.code == 0 || run.code == 1, "{output} {detail:?}: {}", run.stderr);
            assert_hidden(&run, SECRET, &format!("--output {output} {detail:?}"));
        }
    }
    let (facts, json, junit, prometheus, markdown) =
        (file("facts.json"), file("r.json"), file("r.xml"), file("r.prom"), file("r.md"));
    let run = signed(
        &setup,
        "table",
        &[
            "--save-facts",
            &facts,
            "--json",
            &json,
            "--junit",
            &junit,
            "--prometheus",
            &prometheus,
            "--markdown",
            &markdown,
        ],
    );
    assert_hidden(&run, SECRET, "the report files' run");
    for written in [&facts, &json, &junit, &prometheus, &markdown] {
        let text = std::fs::read_to_string(written).unwrap();
        assert!(!text.contains(SECRET), "{written} holds the secret");
    }
    assert!(std::fs::read_to_string(&facts).unwrap().contains("signed_health"), "the facts hold the signed calls");
}

#[test]
fn a_secret_the_proxy_refuses_is_in_no_evidence() {
    let setup = proxy(Variant::Faithful);
    let run = check_with(&setup, Some(CANARY), PATH, &["-v"]);
    assert_eq!(run.status("proxy.credential_accepted"), "fail", "{}", run.evidence("proxy.credential_accepted"));
    assert_hidden(&run, CANARY, "a refused signature");
}

/// Each way a proxy configuration file holding the secret can be wrong: refused in one line that names
/// the file and what is wrong, never with the secret.
#[test]
fn a_malformed_proxy_configuration_file_is_refused_without_its_secret() {
    let files = [
        format!("{{\"XksProxyAuthenticationCredential\": {{\"RawSecretAccessKey\": \"{CANARY}\"}}"),
        format!("{{\"XksProxyAuthenticationCredential\": {{\"RawSecretAccessKey\": \"{CANARY}\"}}}} trailing"),
        format!("{{\"XksProxyAuthenticationCredential\": \"{CANARY}\"}}"),
        format!("{{\"XksProxyAuthenticationCredential\": [\"{CANARY}\"]}}"),
        format!("{{\"XksProxyUriPath\": 7, \"XksProxyAuthenticationCredential\": {{\"RawSecretAccessKey\": \"{CANARY}\"}}}}"),
        format!("{{\"XksProxyAuthenticationCredential\": {{\"AccessKeyId\": {{\"{CANARY}\": 1}}, \"RawSecretAccessKey\": \"{CANARY}\"}}}}"),
        format!("{{\"XksProxyAuthenticationCredential\": {{\"RawSecretAccessKey\": \"{CANARY}\"}}}}"),
        format!("[\"{CANARY}\"]"),
        CANARY.to_string(),
        format!("{{\"XksProxyUriPath\": \"/kms/xks/v1\", \"XksProxyAuthenticationCredential\": {{\"AccessKeyId\": \"AKIDAKIDAKIDAKIDAKID\", \"RawSecretAccessKey\": \"{CANARY}\\u0000\\\"\"}}"),
    ];
    let mut files: Vec<Vec<u8>> = files.into_iter().map(String::into_bytes).collect();
    // Not UTF-8 at all: the reader's own error, without the bytes around it.
    let mut binary =
        format!("{{\"XksProxyAuthenticationCredential\": {{\"RawSecretAccessKey\": \"{CANARY}").into_bytes();
    binary.extend_from_slice(b"\xff\xfe\"}}");
    files.push(binary);
    each_refused_without_the_secret("proxy", &files, &["--endpoint", "https://xks.example.com", "--proxy-config"]);
}

/// Runs `check` on each file, its path after `flags`, with the secret in the environment as well: each
/// is refused with exit 2 on one line that names the file, and the secret is nowhere.
fn each_refused_without_the_secret(name: &str, files: &[Vec<u8>], flags: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    for (index, bytes) in files.iter().enumerate() {
        let path = dir.path().join(format!("{name}-{index}"));
        std::fs::write(&path, bytes).unwrap();
        let path = path.display().to_string();
        let mut cmd = command(None);
        cmd.env("XKS_PROXY_SECRET_ACCESS_KEY", CANARY);
        let mut args = vec!["check", "--output", "json", "--no-aws"];
        args.extend_from_slice(flags);
        args.push(&path);
        let run = run(cmd, &args);
        let what = format!("{name} {index}");
        assert_eq!(run.code, 2, "{what} is refused: {}{}", run.stdout, run.stderr);
        assert_hidden(&run, CANARY, &what);
        let line = run.stderr.trim_end();
        assert!(!line.contains('\n') && line.contains(&path), "{what}: one line naming the file: {line}");
    }
}

/// A file's text in each way it can be malformed around the secret it holds: cut inside the secret and
/// just after it, a bad escape, a raw control character or bytes that are not UTF-8 right after it.
fn broken_around_the_secret(whole: &str) -> Vec<Vec<u8>> {
    let at = whole.find(CANARY).unwrap() + CANARY.len();
    let with = |tail: &[u8]| [&whole.as_bytes()[..at], tail].concat();
    vec![
        whole.as_bytes()[..at - 4].to_vec(),
        whole.as_bytes()[..at + 1].to_vec(),
        with(b"\\q\"}"),
        with(b"\n\"}"),
        with(b"\xff\xfe\"}"),
    ]
}

/// Each way a Terraform plan that holds the secret (in clear, as plans do) can be malformed or hold no
/// store to check: refused in one line, never with the secret, with the secret from the environment
/// too.
#[test]
fn a_malformed_terraform_plan_is_refused_without_its_secret() {
    let store = |store_type: &str, action: &str| {
        serde_json::json!({"mode": "managed", "type": "aws_kms_custom_key_store", "address": "aws_kms_custom_key_store.this",
            "change": {"actions": [action], "after": {"custom_key_store_type": store_type,
                "xks_proxy_authentication_credential": [{"access_key_id": "AKIDAKIDAKIDAKIDAKID", "raw_secret_access_key": CANARY}]}}})
    };
    let plan = |changes: serde_json::Value| serde_json::json!({"format_version": "1.2", "resource_changes": changes});
    let whole = plan(serde_json::json!([store("EXTERNAL_KEY_STORE", "create")])).to_string();
    let mut files = broken_around_the_secret(&whole);
    for shaped in [
        serde_json::json!({"resource_changes": [store("EXTERNAL_KEY_STORE", "create")]}),
        plan(serde_json::Value::String(CANARY.into())),
        plan(serde_json::json!({"store": store("EXTERNAL_KEY_STORE", "create")})),
        plan(serde_json::json!([store("AWS_CLOUDHSM", "create")])),
        plan(serde_json::json!([store("EXTERNAL_KEY_STORE", "delete")])),
        serde_json::json!({CANARY: plan(serde_json::json!([]))}),
        serde_json::json!([CANARY]),
    ] {
        files.push(shaped.to_string().into_bytes());
    }
    files.push(whole.replace("\"1.2\"", "1e999").into_bytes());
    each_refused_without_the_secret("plan", &files, &["--terraform-plan"]);
}

/// Each way a CloudFormation template can be malformed while the secret is at hand (from the
/// environment) and written in the template too, as a value, a key or a name: refused in one line,
/// never with the secret. The YAML parser words a key given twice with the key itself: that message is
/// the tool's own.
#[test]
fn a_malformed_cloudformation_template_is_refused_without_the_secret() {
    let json = format!(
        "{{\"Parameters\": {{\"Secret\": {{\"Type\": \"String\", \"Default\": \"{CANARY}\"}}}}, \"Resources\": {{}}}}"
    );
    let mut files = broken_around_the_secret(&json);
    for text in [
        format!("Parameters:\n  {CANARY}: 1\n  {CANARY}: 2\nResources: {{}}\n"),
        format!("Parameters:\n  {CANARY}:\n    Default: a\n    Default: b\nResources: {{}}\n"),
        format!("Parameters:\n  Secret:\n    Default: \"{CANARY}\\q\"\nResources: {{}}\n"),
        format!("Resources:\n  Service: *{CANARY}\n"),
        format!("Resources:\n  Service: !{CANARY} [\n"),
        format!("Resources: {CANARY}\n"),
        format!("Resources:\n  {CANARY}:\n    Type: {CANARY}\n"),
        format!("{{\"Resources\": [\"{CANARY}\"]}}"),
    ] {
        files.push(text.into_bytes());
    }
    let flags = ["--endpoint", "https://xks.example.com", "--path", "/kms/xks/v1", "--cloudformation"];
    each_refused_without_the_secret("template", &files, &flags);
}

/// Every refusal of input while the secret is at hand, from the environment, a file and standard input.
#[test]
fn refusals_of_other_input_never_carry_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = write(dir.path(), "secret", &format!("{CANARY}\n"));
    let bad = [
        vec!["--endpoint", "https://xks.example.com", "--region", "not a region"],
        vec!["--endpoint", "https://xks.example.com", "--connect-to", "nowhere"],
        vec!["--endpoint", "https://xks.example.com", "--xks-key-id", "bad key id!"],
        vec!["--endpoint", "https://xks.example.com", "--ca-file", "/nonexistent/ca.pem"],
        vec!["--endpoint", "https://xks.example.com", "--facts", "/nonexistent/facts.json"],
        vec!["--endpoint", "https://xks.example.com", "--only", "no.such_check"],
        vec!["--endpoint", "https://xks.example.com", "--save-facts", "/nonexistent/dir/facts.json"],
    ];
    for flags in &bad {
        let ways: [(&str, Option<&str>, Vec<&str>); 3] = [
            ("environment", Some(CANARY), vec![]),
            ("file", None, vec!["--secret-access-key-file", &secret_file]),
            ("stdin", None, vec!["--secret-access-key-stdin"]),
        ];
        for (way, env, extra) in ways {
            let mut cmd = command(None);
            if let Some(secret) = env {
                cmd.env("XKS_PROXY_SECRET_ACCESS_KEY", secret);
            }
            if way == "stdin" {
                cmd.write_stdin(format!("{CANARY}\n"));
            }
            let mut args = vec!["check", "--output", "json", "--no-aws"];
            args.extend_from_slice(flags);
            args.extend_from_slice(&extra);
            let run = run(cmd, &args);
            assert_ne!(run.code, 0, "{flags:?} with the secret from the {way} is refused");
            assert_hidden(&run, CANARY, &format!("{flags:?}, secret from the {way}"));
        }
    }
}

/// The panic hook prints a panic's message with every secret the run read hidden, whichever way the
/// secret came: a message that carries the secret by mistake still never shows it.
#[test]
fn the_panic_hook_hides_every_secret_read() {
    use xks_preflight::user_input::{proxy_config_from, Secret};
    let from_file = "c2VjcmV0LWZyb20tYS1wcm94eS1jb25maWd1cmF0aW9uLWZpbGU";
    let text = format!(
        "{{\"XksProxyUriPath\": \"/kms/xks/v1\", \"XksProxyAuthenticationCredential\": {{\"AccessKeyId\": \"AKIDAKIDAKIDAKIDAKID\", \"RawSecretAccessKey\": \"{from_file}\"}}}}"
    );
    proxy_config_from(&text, std::path::Path::new("proxy.json")).unwrap();
    let _held = Secret::new(CANARY.to_string());
    let caught = std::panic::catch_unwind(|| {
        let previous = std::panic::take_hook();
        let printed = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let into = printed.clone();
        // Only this test's panic is kept: another test's, in the moment the hook is ours, is not.
        std::panic::set_hook(Box::new(move |info| {
            let line = xks_preflight::panics::line(info);
            if line.contains("signing with") {
                *into.lock().unwrap() = line;
            }
        }));
        let outcome = std::panic::catch_unwind(|| panic!("signing with {CANARY} and {from_file} failed"));
        std::panic::set_hook(previous);
        assert!(outcome.is_err());
        let line = printed.lock().unwrap().clone();
        line
    });
    let line = caught.unwrap();
    assert!(line.starts_with("xks-preflight: internal error at tests/it/secrets.rs:"), "{line}");
    assert!(line.contains("signing with (secret hidden) and (secret hidden) failed"), "{line}");
    assert!(!line.contains(CANARY) && !line.contains(from_file), "{line}");
}
