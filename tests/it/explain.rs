//! `explain`: every name and message of the troubleshooting guide is recognised, and each topic names
//! exactly the checks the catalogue ties to its names; pasted text with noise still finds its cause;
//! unknown text is answered with doubt, not invention.

use std::collections::BTreeSet;

use xks_preflight::catalogue::{CheckId, CATALOGUE};
use xks_preflight::explain::explain;
use xks_preflight::kms_errors::{topic_for_name, TopicId, NAMES, TOPICS};

use crate::support::{command, run};

const DERIVED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/kms-errors.tsv");

/// Backticked exception names and connection error codes, and the messages of the guide's tables.
fn derive(guides: &[String]) -> String {
    let mut names = BTreeSet::new();
    let mut messages: Vec<String> = Vec::new();
    for guide in guides {
        for token in guide.split('`').skip(1).step_by(2) {
            let token = token.trim_end_matches(',');
            let exception = token.ends_with("Exception") && token.chars().all(|c| c.is_ascii_alphanumeric());
            let code = token.contains('_')
                && token.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                && token != "VPC_ENDPOINT_SERVICE";
            if exception {
                names.insert(format!("exception\t{token}"));
            } else if code {
                names.insert(format!("code\t{token}"));
            }
        }
        let lines: Vec<&str> = guide.lines().collect();
        for pair in lines.windows(2) {
            if pair[0].trim() != "| --- |" {
                continue;
            }
            let cell = pair[1].trim().trim_matches('|').replace('\\', "");
            let text: String = cell.split('`').step_by(2).collect::<Vec<_>>().join(" ");
            let mut text = text.trim();
            while let Some(rest) = ["-or-", ",", "or "].iter().find_map(|p| text.strip_prefix(p)) {
                text = rest.trim();
            }
            let bare_name = !text.contains(' ');
            if !bare_name && !messages.iter().any(|m| m == text) {
                messages.push(text.to_string());
            }
        }
    }
    let mut out = String::from("# Derived from the KMS troubleshooting guide: every backticked exception name and connection error code, and every message of its tables.\n");
    for name in names {
        out.push_str(&format!("{name}\n"));
    }
    for message in messages {
        out.push_str(&format!("message\t{message}\n"));
    }
    out
}

fn derived_entries() -> Vec<(String, String)> {
    std::fs::read_to_string(DERIVED)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (kind, value) = l.split_once('\t').unwrap();
            (kind.to_string(), value.to_string())
        })
        .collect()
}

#[test]
#[ignore = "reads ../shared/xks/seeds, which only CI and the team have"]
fn derived_kms_errors_match_the_shared_guide() {
    let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/xks/seeds");
    let guides: Vec<String> = ["xks-troubleshooting.md", "xks-vpc-endpoint-exception-article.md"]
        .iter()
        .map(|f| std::fs::read_to_string(format!("{seeds}/{f}")).expect("the seed guide beside the repository"))
        .collect();
    let derived = derive(&guides);
    if std::env::var("XKS_UPDATE_DERIVED").is_ok() {
        std::fs::write(DERIVED, &derived).unwrap();
    }
    assert_eq!(std::fs::read_to_string(DERIVED).unwrap(), derived, "rerun with XKS_UPDATE_DERIVED=1");
}

/// The checks whose requirement KMS reports with one of `names`, by the catalogue alone.
fn catalogue_checks(names: &[&str]) -> BTreeSet<CheckId> {
    CATALOGUE.iter().filter(|r| r.kms_says.iter().any(|said| names.contains(said))).map(|r| r.id).collect()
}

#[test]
fn every_name_and_message_of_the_guide_is_recognised_and_names_lead_to_their_checks() {
    let entries = derived_entries();
    assert!(entries.iter().filter(|(k, _)| k == "message").count() >= 18, "{entries:?}");
    assert!(entries.iter().filter(|(k, _)| k == "code").count() >= 11);
    for (kind, value) in &entries {
        let answer = explain(value);
        assert!(answer.sure, "{kind} {value} is not recognised: {:?}", answer.suggestions);
        let topic = answer.topic.unwrap();
        if kind != "message" {
            assert_eq!(answer.recognised.first().map(String::as_str), Some(value.as_str()));
            let checks: BTreeSet<CheckId> = topic.checks().into_iter().collect();
            let missing: Vec<CheckId> = catalogue_checks(&[value]).difference(&checks).copied().collect();
            assert!(missing.is_empty(), "{value}: topic {:?} leaves out {missing:?}", topic.id);
        }
    }
}

#[test]
fn every_topic_has_causes_and_sits_at_its_id() {
    for (index, topic) in TOPICS.iter().enumerate() {
        assert!(!topic.causes.is_empty(), "{:?}", topic.id);
        assert_eq!(topic.id as usize, index, "TOPICS is in TopicId order");
        assert_eq!(xks_preflight::kms_errors::topic(topic.id).id, topic.id);
    }
    assert_eq!(TOPICS.last().map(|t| t.id), Some(TopicId::KmsKeyDisabled));
}

/// One map of KMS's answers: a topic's causes name exactly the checks whose `kms_says` holds one of
/// the topic's names, so a link added or removed on either side, in the catalogue or in a cause, fails
/// here.
#[test]
fn every_topic_names_exactly_the_checks_the_catalogue_ties_to_its_names() {
    for topic in TOPICS {
        let names: Vec<&str> = NAMES.iter().filter(|(_, id)| *id == topic.id).map(|(name, _)| *name).collect();
        let catalogue = catalogue_checks(&names);
        let causes: BTreeSet<CheckId> = topic.causes.iter().flat_map(|cause| cause.checks.iter().copied()).collect();
        assert_eq!(causes, catalogue, "{:?} ({names:?}): the causes' checks, then the catalogue's", topic.id);
        assert_eq!(topic.checks().into_iter().collect::<BTreeSet<_>>(), catalogue, "{:?}", topic.id);
        assert_eq!(topic.names().collect::<Vec<_>>(), names, "{:?}", topic.id);
    }
}

/// The state check of a FAILED store lists each cause of its code with the checks that show it.
#[test]
fn every_cause_of_a_connection_error_code_names_a_check() {
    let codes = CheckId::ConfigConnectionState.requirement().kms_says;
    for code in codes {
        let topic = topic_for_name(code).unwrap_or_else(|| panic!("{code} has no topic"));
        for cause in topic.causes {
            assert!(!cause.checks.is_empty(), "{code}: \"{}\" names no check", cause.text);
        }
    }
}

#[test]
fn message_after_an_sdk_prefix_names_the_operation_and_the_cause() {
    let answer = explain(
        "An error occurred (KMSInvalidStateException) when calling the Encrypt operation: The external key store \
         proxy rejected the request because it could not find the external key.",
    );
    assert_eq!(answer.topic.unwrap().id, TopicId::KeyNotFound);
    assert_eq!(answer.kms_operation.as_deref(), Some("Encrypt"));
    assert!(answer.recognised.contains(&"KMSInvalidStateException".to_string()));
}

#[test]
fn escaped_quotes_and_a_line_break_do_not_hide_the_message() {
    let pasted = "\"errorMessage\": \"AWS KMS rejected the request because the external key store proxy did not\\n respond in time. Retry the request.\"";
    assert_eq!(explain(pasted).topic.unwrap().id, TopicId::TimedOut);
    let with_break = "AWS KMS cannot interpret the response\nfrom the external key store proxy.";
    assert_eq!(explain(with_break).topic.unwrap().id, TopicId::InvalidResponse);
}

#[test]
fn part_of_a_message_is_enough() {
    assert_eq!(explain("could not authenticate AWS KMS").topic.unwrap().id, TopicId::Credentials);
    assert_eq!(
        explain("'the key usage of the external key must include ENCRYPT and DECRYPT'").topic.unwrap().id,
        TopicId::KeyInvalid
    );
}

#[test]
fn message_with_the_actual_key_spec_in_place_of_the_placeholder_is_recognised() {
    let answer =
        explain("The key spec of the external key must be AES_256. The key spec of specified external key is RSA_0.");
    assert_eq!(answer.topic.unwrap().id, TopicId::KeyInvalid);
}

#[test]
fn a_specific_exception_wins_over_the_generic_one() {
    let answer = explain("KMSInvalidStateException XksProxyUriUnreachableException");
    assert_eq!(answer.topic.unwrap().id, TopicId::Unreachable);
}

#[test]
fn unknown_text_is_not_explained_but_answered_with_the_closest_names() {
    let answer = explain("XKS_PROXY_TIMEOUT");
    assert!(!answer.sure);
    assert!(answer.topic.is_none());
    assert!(answer.suggestions.contains(&"XKS_PROXY_TIMED_OUT".to_string()), "{:?}", answer.suggestions);
    let answer = explain("the flux capacitor overheated");
    assert!(!answer.sure && answer.topic.is_none());
}

#[test]
fn explain_command_prints_causes_with_checks_and_exits_zero() {
    let out = run(command(None), &["explain", "XKS_PROXY_INVALID_TLS_CONFIGURATION"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("tls.hostname") && out.stdout.contains("tls.trusted_ca"), "{}", out.stdout);
    assert!(out.stdout.contains("What KMS was doing"));
}

#[test]
fn a_topic_the_catalogue_ties_no_check_to_says_so_and_keeps_its_pointers_in_words() {
    let out = run(command(None), &["explain", "CustomKeyStoreInvalidStateException"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("No check of `xks-preflight check` is tied to this answer."), "{}", out.stdout);
    assert!(!out.stdout.contains("checks:"), "{}", out.stdout);
    assert!(out.stdout.contains("(config.connection_state shows which)"), "{}", out.stdout);
}

#[test]
fn explain_command_in_json_and_for_unknown_text() {
    let out = run(command(None), &["explain", "--output", "json", "XksProxyUriInUseException"]);
    let answer = out.json();
    assert_eq!(answer["sure"], true);
    assert_eq!(answer["topic"]["id"], "in_use");
    assert_eq!(answer["topic"]["causes"][0]["checks"][0], "config.endpoint_unique");
    let out = run(command(None), &["explain", "Something", "else", "entirely"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("not sure"), "{}", out.stdout);
}

#[test]
fn explain_list_shows_every_known_name() {
    let out = run(command(None), &["explain", "--list"]);
    assert_eq!(out.code, 0);
    for (kind, value) in derived_entries() {
        if kind != "message" {
            assert!(out.stdout.contains(&value), "{value} missing from --list");
        }
    }
}

/// A log of `lines` lines of ordinary noise, with `needle` as one line in the middle.
fn log_with(needle: &str, lines: usize) -> String {
    let noise = "2026-12-01T10:00:00Z INFO request_id=4f1c2d3e latency_ms=12 status=200 path=/kms/xks/v1/health";
    let mut text = String::new();
    for i in 0..lines {
        if i == lines / 2 {
            text.push_str(needle);
        } else {
            text.push_str(&format!("{noise} n={i} token=QUJDREVGR0hJSktMTU5PUFFSU1RVVldY{i:08}"));
        }
        text.push('\n');
    }
    text
}

#[test]
fn a_code_and_a_message_fragment_buried_in_a_long_log_are_still_recognised() {
    let answer = explain(&log_with("ERROR connect failed: ConnectionErrorCode XKS_PROXY_TIMED_OUT", 50_000));
    assert_eq!(answer.topic.unwrap().id, TopicId::TimedOut);
    // No exact phrase: the line is matched word by word against the guide's messages.
    let fragment =
        "ERROR kms said: the external key store proxy rejected the request because it could not find the key";
    let answer = explain(&log_with(fragment, 50_000));
    assert_eq!(answer.topic.map(|t| t.id), Some(TopicId::KeyNotFound), "{:?}", answer.recognised);
}

#[test]
fn a_long_log_with_nothing_known_is_answered_with_suggestions_not_a_guess() {
    let answer = explain(&log_with("WARN upstream said XKS_PROXY_TIMEOUT", 50_000));
    assert!(!answer.sure);
    assert!(answer.suggestions.contains(&"XKS_PROXY_TIMED_OUT".to_string()), "{:?}", answer.suggestions);
}
