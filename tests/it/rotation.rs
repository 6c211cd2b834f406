//! `proxy.credential_rotation`: the rehearsal of a credential rotation against a proxy that holds one
//! credential, one that holds both, and one switched too early; and the next secret kept out of every
//! output, as the current one is.

use std::io::Write;

use serde_json::json;

use crate::proxy_checks::{check_store, check_with, proxy, Setup, PATH};
use crate::support::fake_aws::FakeAws;
use crate::support::readers::venv_tool;
use crate::support::xks_proxy::{Variant, ACCESS_KEY_ID, NEXT_ACCESS_KEY_ID, NEXT_SECRET, SECRET};
use crate::support::{write, Run, Store};

/// A check of the test proxy rehearsing the move to the access key ID `next_id` with the next secret,
/// from a file.
fn rehearse(setup: &Setup, next_id: &str) -> Run {
    let files = tempfile::tempdir().unwrap();
    let next = write(files.path(), "next-secret", &format!("{NEXT_SECRET}\n"));
    check_with(setup, Some(SECRET), PATH, &["--next-access-key-id", next_id, "--next-secret-access-key-file", &next])
}

#[test]
fn a_proxy_holding_both_credentials_passes_the_rehearsal() {
    let run = rehearse(&proxy(Variant::TwoCredentials), NEXT_ACCESS_KEY_ID);
    assert_eq!(run.status("proxy.credential_rotation"), "pass", "{}", run.stdout);
    let evidence = run.evidence("proxy.credential_rotation");
    assert!(evidence.contains(ACCESS_KEY_ID) && evidence.contains(NEXT_ACCESS_KEY_ID), "{evidence}");
    assert!(evidence.contains("aws kms update-custom-key-store") && evidence.contains("--region us-east-1"));
    assert_eq!(run.status("proxy.credential_accepted"), "pass");
}

#[test]
fn a_proxy_holding_one_credential_fails_the_rehearsal_naming_the_next_one() {
    let run = rehearse(&proxy(Variant::Faithful), NEXT_ACCESS_KEY_ID);
    assert_eq!(run.status("proxy.credential_rotation"), "fail", "{}", run.stdout);
    assert!(run.check("proxy.credential_rotation")["blocked_by"].is_null());
    let evidence = run.evidence("proxy.credential_rotation");
    assert!(evidence.contains(&format!("refuses the next credential {NEXT_ACCESS_KEY_ID}")), "{evidence}");
    assert!(evidence.contains("401 AuthenticationFailedException"), "{evidence}");
    let remedy = run.remedy("proxy.credential_rotation");
    // The safe order in prose, and the commands on their own, in the order the steps use them.
    let steps = [
        "(1) make the proxy accept",
        "(2) switch KMS",
        "run the first command below",
        "the store may stay CONNECTED",
        "(3) verify with the other two",
        &format!("(4) only then remove {ACCESS_KEY_ID} from the proxy"),
    ];
    let mut at = 0;
    for step in steps {
        let found = remedy[at..].find(step).unwrap_or_else(|| panic!("{step} not in order in: {remedy}"));
        at += found;
    }
    let commands = run.pastable_commands("proxy.credential_rotation");
    assert_eq!(commands.len(), 3, "{commands:?}");
    assert!(commands[0].starts_with("aws kms update-custom-key-store --custom-key-store-id"), "{commands:?}");
    assert!(
        commands[0].ends_with("--xks-proxy-authentication-credential file://next-credential.json --region us-east-1"),
        "{commands:?}"
    );
    assert!(commands[1].starts_with("aws kms describe-custom-key-stores"), "{commands:?}");
    assert!(commands[2].starts_with("xks-preflight check --custom-key-store-id"), "{commands:?}");
    // The current credential is still fine: only the rehearsal fails.
    assert_eq!(run.status("proxy.credential_accepted"), "pass");
    assert_eq!(crate::proxy_checks::failing(&run), vec!["tls.trusted_ca", "proxy.credential_rotation"]);
}

#[test]
fn a_proxy_switched_before_kms_fails_the_rehearsal_naming_the_current_credential() {
    let run = rehearse(&proxy(Variant::OnlyNextCredential), NEXT_ACCESS_KEY_ID);
    assert_eq!(run.status("proxy.credential_rotation"), "fail", "{}", run.stdout);
    let evidence = run.evidence("proxy.credential_rotation");
    assert!(evidence.contains(&format!("refuses the current one {ACCESS_KEY_ID}")), "{evidence}");
    assert!(evidence.contains("switched before KMS"), "{evidence}");
    // The current credential's refusal is the cause the diagnosis names.
    assert_eq!(run.check("proxy.credential_rotation")["blocked_by"], "proxy.credential_accepted");
    assert_eq!(run.status("proxy.credential_accepted"), "fail");
}

#[test]
fn without_a_next_credential_the_rehearsal_is_skipped_saying_how_to_run_it() {
    let run = check_with(&proxy(Variant::TwoCredentials), Some(SECRET), PATH, &[]);
    assert_eq!(run.status("proxy.credential_rotation"), "skipped", "{}", run.stdout);
    let evidence = run.evidence("proxy.credential_rotation");
    assert!(
        evidence.contains("--next-access-key-id") && evidence.contains("--next-secret-access-key-file"),
        "{evidence}"
    );
}

#[test]
fn the_next_secret_can_come_from_standard_input() {
    let setup = proxy(Variant::TwoCredentials);
    let args = ["--next-access-key-id", NEXT_ACCESS_KEY_ID, "--next-secret-access-key-stdin"];
    let run = binary(&setup, "json", &args, Some(NEXT_SECRET));
    assert_eq!(run.status("proxy.credential_rotation"), "pass", "{}{}", run.stdout, run.stderr);
}

/// The binary against the test proxy in the format `output`, with the current secret in the environment
/// and `stdin`, if any, on its standard input.
fn binary(setup: &Setup, output: &str, args: &[&str], stdin: Option<&str>) -> Run {
    use std::process::Stdio;
    let dns = crate::support::dns_server();
    let mut command = crate::support::process(None);
    command.env("XKS_PROXY_SECRET_ACCESS_KEY", SECRET);
    command.args(["check", "--output", output, "--no-aws", "--endpoint", "https://xks.example.test", "--path", PATH]);
    command.args(["--access-key-id", ACCESS_KEY_ID, "--dns-server", &dns, "--connect-to", setup.connect_to()]);
    command.args(["--ca-file", &setup.ca_file, "--rtt-samples", "3", "--probe-timeout", "2"]).args(args);
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The next secret gets the current one's protection: in no output format, no facts file, no error.
#[test]
fn the_next_secret_appears_in_no_output_and_no_facts_file() {
    let setup = proxy(Variant::Faithful);
    let dir = tempfile::tempdir().unwrap();
    let next = write(dir.path(), "next-secret", NEXT_SECRET);
    let facts = dir.path().join("facts.json");
    let facts_path = facts.display().to_string();
    let rehearsal = ["--next-access-key-id", NEXT_ACCESS_KEY_ID, "--next-secret-access-key-file", &next];
    for output in ["table", "json", "markdown", "junit", "prometheus"] {
        let run = binary(&setup, output, &[&rehearsal[..], &["--save-facts", &facts_path, "-v"]].concat(), None);
        assert!(run.stdout.contains("credential_rotation"), "{output}: {}{}", run.stdout, run.stderr);
        for text in [&run.stdout, &run.stderr] {
            assert!(!text.contains(NEXT_SECRET) && !text.contains(SECRET), "{output} shows a secret");
        }
        let saved = std::fs::read_to_string(&facts).unwrap();
        assert!(saved.contains(NEXT_ACCESS_KEY_ID), "the facts keep the next access key ID");
        assert!(!saved.contains(NEXT_SECRET) && !saved.contains(SECRET), "{output}: the facts file holds a secret");
        std::fs::remove_file(&facts).unwrap();
    }
    // A next secret of the wrong shape is refused without being shown, from a file or a pipe.
    let bad = "not a secret, but it must not be shown either";
    let path = write(dir.path(), "bad", bad);
    let from_file = ["--next-access-key-id", NEXT_ACCESS_KEY_ID, "--next-secret-access-key-file", &path];
    let from_stdin = ["--next-access-key-id", NEXT_ACCESS_KEY_ID, "--next-secret-access-key-stdin"];
    for run in [binary(&setup, "json", &from_file, None), binary(&setup, "json", &from_stdin, Some(bad))] {
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("next secret access key") && run.stderr.contains("43 to 64"), "{}", run.stderr);
        assert!(!run.stderr.contains(bad) && !run.stdout.contains(bad), "{}", run.stderr);
    }
}

#[test]
fn a_next_access_key_id_of_the_wrong_shape_is_refused_with_exit_2() {
    let setup = proxy(Variant::Faithful);
    let run = rehearse(&setup, "next-key-1");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--next-access-key-id 'next-key-1'"), "{}", run.stderr);
    // And a next access key ID alone, with no secret to sign with.
    let run = check_with(&setup, Some(SECRET), PATH, &["--next-access-key-id", NEXT_ACCESS_KEY_ID]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// The remedy's commands, run by the aws CLI as they are written against the local KMS endpoint, with
/// the credential file made as the remedy says: the update names the store and carries the next
/// credential, and the verification reads the store.
#[test]
fn the_aws_cli_runs_the_rotation_commands_of_the_remedy_as_written() {
    let setup = proxy(Variant::Faithful);
    let store = "cks-2b3c4d5e6f7a8b9c0";
    let aws = FakeAws::start(None).with_stores(vec![Store::public(store, "https://xks.example.test").json()]);
    let files = tempfile::tempdir().unwrap();
    let next = write(files.path(), "next-secret", NEXT_SECRET);
    let rehearsal = ["--next-access-key-id", NEXT_ACCESS_KEY_ID, "--next-secret-access-key-file", &next];
    let checked = check_store(&setup, &aws.url, store, &rehearsal);
    assert_eq!(checked.status("proxy.credential_rotation"), "fail", "{}{}", checked.stdout, checked.stderr);
    let remedy = checked.remedy("proxy.credential_rotation");
    let commands: Vec<String> =
        checked.commands("proxy.credential_rotation").into_iter().filter(|c| c.starts_with("aws ")).collect();
    let update = format!(
        "aws kms update-custom-key-store --custom-key-store-id {store} --xks-proxy-authentication-credential \
         file://next-credential.json --region us-east-1"
    );
    let describe = format!("aws kms describe-custom-key-stores --custom-key-store-id {store} --region us-east-1");
    assert_eq!(commands, vec![update, describe], "{commands:?}");
    // The file, as the remedy shows it, with the secret in place of its placeholder.
    let shown = remedy.split("put ").nth(1).and_then(|rest| rest.split(" in next-credential.json").next()).unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("next-credential.json"), shown.replace("<next secret>", NEXT_SECRET)).unwrap();
    let aws_cli = venv_tool("aws");
    let path = format!("{}:{}", aws_cli.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    for line in &commands {
        let sent = std::process::Command::new("sh")
            .args(["-c", &format!("{line} --endpoint-url {}", aws.url)])
            .current_dir(work.path())
            .env_clear()
            .env("PATH", &path)
            .env("HOME", work.path())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap();
        assert!(sent.status.success(), "the aws CLI refused:\n{line}\n{}", String::from_utf8_lossy(&sent.stderr));
    }
    let credential = json!({"AccessKeyId": NEXT_ACCESS_KEY_ID, "RawSecretAccessKey": NEXT_SECRET});
    assert_eq!(aws.updates(), vec![json!({"CustomKeyStoreId": store, "XksProxyAuthenticationCredential": credential})]);
    let kms_calls: Vec<String> =
        aws.seen().into_iter().filter(|(service, _)| service == "kms").map(|(_, action)| action).collect();
    assert_eq!(kms_calls.last().map(String::as_str), Some("DescribeCustomKeyStores"), "{kms_calls:?}");
}

/// As for the current secret, no flag takes the next one on the command line, where other users and the
/// shell's history would see it; the refusal does not repeat it either.
#[test]
fn the_next_secret_is_never_taken_from_the_command_line() {
    let setup = proxy(Variant::TwoCredentials);
    let inline = format!("--next-secret-access-key={NEXT_SECRET}");
    for given in [&["--next-secret-access-key", NEXT_SECRET][..], &[inline.as_str()][..]] {
        let mut args = vec!["--next-access-key-id", NEXT_ACCESS_KEY_ID];
        args.extend_from_slice(given);
        let run = check_with(&setup, Some(SECRET), PATH, &args);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(!run.stderr.contains(NEXT_SECRET) && !run.stdout.contains(NEXT_SECRET), "{}", run.stderr);
    }
}

/// Only the secret changed: a proxy cannot hold two secrets under one access key ID, so the rotation has a
/// gap whatever the proxy does.
#[test]
fn a_next_credential_with_the_current_access_key_id_fails_the_rehearsal_saying_why() {
    let run = rehearse(&proxy(Variant::TwoCredentials), ACCESS_KEY_ID);
    assert_eq!(run.status("proxy.credential_rotation"), "fail", "{}", run.stdout);
    let evidence = run.evidence("proxy.credential_rotation");
    assert!(evidence.contains(&format!("the current one's access key ID {ACCESS_KEY_ID}")), "{evidence}");
    assert!(run.remedy("proxy.credential_rotation").contains("an access key ID of its own"));
}
