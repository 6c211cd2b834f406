//! The conformance checks against proxies that each break one rule of the specification the way real
//! proxies do: every variant turns exactly its own check, and no other, away from pass.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::proxy_checks::{check_with, names_kms_error, proxy, PATH};
use crate::support::xks_proxy::{Variant, KEY_ID, SECRET};
use crate::support::Run;

/// The checks that are not a pass against the faithful proxy with its key: the test root is no public CA,
/// and planned settings have no KMS keys.
/// The rotation is rehearsed only with a next credential.
const BASELINE: &[&str] =
    &["tls.trusted_ca=fail", "key.unique=skipped", "key.kms_key_state=skipped", "proxy.credential_rotation=skipped"];

fn run(variant: Variant) -> Run {
    check_with(&proxy(variant), Some(SECRET), PATH, &["--xks-key-id", KEY_ID])
}

/// Every proxy and key check that is not a pass, as `id=status`, besides the baseline.
fn not_passing(run: &Run) -> Vec<String> {
    run.json()["targets"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] != "pass" && ["proxy", "key", "tls"].contains(&c["section"].as_str().unwrap()))
        .map(|c| format!("{}={}", c["id"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .filter(|found| !BASELINE.contains(&found.as_str()))
        .collect()
}

/// Runs `variant` and asserts that `id` alone turned to `status`; gives the run for more assertions.
fn only(variant: Variant, id: &str, status: &str) -> Run {
    let run = run(variant);
    assert_eq!(not_passing(&run), vec![format!("{id}={status}")], "{variant:?}\n{}", run.stdout);
    run
}

#[test]
fn faithful_proxy_passes_every_conformance_check() {
    let run = run(Variant::Faithful);
    assert!(not_passing(&run).is_empty(), "{:?}\n{}", not_passing(&run), run.stdout);
    let evidence = |id| run.evidence(id);
    assert!(evidence("proxy.request_validation").contains("without plaintext: 400 ValidationException"));
    assert!(evidence("proxy.unknown_operation").contains("XksPreflight-NoSuchOperation"));
    assert!(evidence("proxy.long_metadata").contains("2048-character ARNs"), "{}", evidence("proxy.long_metadata"));
    assert!(evidence("key.not_found").contains("404 KeyNotFoundException"));
    let shape = evidence("key.ciphertext_shape");
    assert!(shape.contains("12-byte IVs") && shape.contains("13 bytes of ciphertextMetadata bound"), "{shape}");
    let auth = evidence("proxy.auth_enforced");
    for refused in ["unknown access key ID", "another Region", "another service", "ten minutes ago"] {
        assert!(auth.contains(refused), "{refused}: {auth}");
    }
    let round_trip = evidence("key.round_trip");
    for trip in
        ["4300 bytes, 8192 bytes of AAD, integrity value", "32 bytes, no AAD;", "32 bytes, no AAD, integrity value"]
    {
        assert!(round_trip.contains(trip), "{trip}: {round_trip}");
    }
    assert!(evidence("key.tamper_rejected").contains("a changed authentication tag refused"));
}

#[test]
fn proxy_serving_requests_without_request_metadata_warns_request_validation() {
    let run = only(Variant::AcceptsWithoutMetadata, "proxy.request_validation", "warn");
    let evidence = run.evidence("proxy.request_validation");
    assert!(evidence.contains("GetKeyMetadata of foo without requestMetadata was served"), "{evidence}");
    assert!(evidence.contains("GetKeyMetadata of foo with an empty requestMetadata was served"), "{evidence}");
    // The specification gives GetHealthStatus no ValidationException: serving it is no fault.
    assert!(!evidence.contains("GetHealthStatus"), "{evidence}");
}

#[test]
fn proxy_failing_on_a_health_call_without_metadata_warns_request_validation() {
    let run = only(Variant::MalformedHealth500, "proxy.request_validation", "warn");
    let evidence = run.evidence("proxy.request_validation");
    assert!(evidence.contains("GetHealthStatus without requestMetadata got 500 InternalException"), "{evidence}");
}

#[test]
fn proxy_encrypting_a_missing_plaintext_warns_request_validation() {
    let run = only(Variant::AcceptsWithoutPlaintext, "proxy.request_validation", "warn");
    let evidence = run.evidence("proxy.request_validation");
    assert!(evidence.contains("Encrypt with foo without plaintext was served"), "{evidence}");
    assert!(!evidence.contains("without requestMetadata was served"), "{evidence}");
}

#[test]
fn proxy_answering_500_for_an_unknown_key_fails_not_found() {
    let run = only(Variant::UnknownKey500, "key.not_found", "fail");
    assert!(run.evidence("key.not_found").contains("500 InternalException, not 404 KeyNotFoundException"));
    assert!(names_kms_error(&run, "key.not_found", "XksKeyNotFoundException"));
}

#[test]
fn proxy_serving_a_key_it_does_not_hold_fails_not_found() {
    let run = only(Variant::UnknownKey200, "key.not_found", "fail");
    assert!(run.evidence("key.not_found").contains("GetKeyMetadata answered 200"));
}

#[test]
fn proxy_refusing_an_unknown_kms_operation_fails_unknown_operation() {
    let run = only(Variant::RefusesUnknownOperation, "proxy.unknown_operation", "fail");
    let evidence = run.evidence("proxy.unknown_operation");
    assert!(evidence.contains("got 400 ValidationException where the usual call got 200"), "{evidence}");
    assert!(evidence.contains("GetHealthStatus") && evidence.contains("GetKeyMetadata of foo"), "{evidence}");
}

#[test]
fn proxy_refusing_2048_character_arns_fails_long_metadata() {
    let run = only(Variant::RefusesLongArns, "proxy.long_metadata", "fail");
    let evidence = run.evidence("proxy.long_metadata");
    assert!(evidence.contains("GetKeyMetadata of foo got 400") && evidence.contains("Encrypt with foo got 400"));
}

#[test]
fn eight_byte_initialization_vectors_fail_ciphertext_shape_though_they_round_trip() {
    let run = only(Variant::ShortIv, "key.ciphertext_shape", "fail");
    assert!(run.evidence("key.ciphertext_shape").contains("8-byte initialization vector"));
}

#[test]
fn twelve_byte_authentication_tags_fail_ciphertext_shape() {
    let run = only(Variant::ShortTag, "key.ciphertext_shape", "fail");
    assert!(run.evidence("key.ciphertext_shape").contains("12-byte authentication tag"));
}

#[test]
fn ciphertext_longer_than_the_plaintext_fails_ciphertext_shape() {
    let run = only(Variant::LongCiphertext, "key.ciphertext_shape", "fail");
    assert!(run.evidence("key.ciphertext_shape").contains("4304 bytes of ciphertext for 4300 of plaintext"));
}

#[test]
fn thirty_two_bytes_of_ciphertext_metadata_fail_ciphertext_shape() {
    let run = only(Variant::LargeMetadata, "key.ciphertext_shape", "fail");
    assert!(run.evidence("key.ciphertext_shape").contains("32 bytes of ciphertextMetadata, more than 20"));
}

#[test]
fn ciphertext_metadata_outside_the_authenticated_data_fails_ciphertext_shape() {
    let run = only(Variant::UnboundMetadata, "key.ciphertext_shape", "fail");
    assert!(run.evidence("key.ciphertext_shape").contains("not bound into the authenticated data"));
}

#[test]
fn integrity_value_computed_without_the_metadata_fails_round_trip() {
    let run = only(Variant::IntegrityWithoutMetadata, "key.round_trip", "fail");
    assert!(run.evidence("key.round_trip").contains("ciphertextDataIntegrityValue does not match"));
}

#[test]
fn proxy_accepting_any_access_key_id_fails_auth_enforced() {
    let run = only(Variant::AcceptsUnknownAccessKeyId, "proxy.auth_enforced", "fail");
    assert!(run.evidence("proxy.auth_enforced").contains("unknown access key ID was served"));
}

#[test]
fn proxy_accepting_signatures_for_another_region_fails_auth_enforced() {
    let run = only(Variant::AcceptsOtherRegion, "proxy.auth_enforced", "fail");
    assert!(run.evidence("proxy.auth_enforced").contains("another Region was served"));
}

#[test]
fn proxy_accepting_signatures_for_another_service_fails_auth_enforced() {
    let run = only(Variant::AcceptsOtherService, "proxy.auth_enforced", "fail");
    assert!(run.evidence("proxy.auth_enforced").contains("another service was served"));
}

#[test]
fn proxy_accepting_ten_minute_old_signatures_fails_auth_enforced_with_clocks_in_step() {
    let run = only(Variant::AcceptsStale, "proxy.auth_enforced", "fail");
    assert!(run.evidence("proxy.auth_enforced").contains("ten minutes ago was served"));
    assert!(run.check("proxy.auth_enforced")["blocked_by"].is_null());
}

/// The specification's own Encrypt example (aws/aws-kms-xksproxy-api-spec, xks_proxy_api_spec.md,
/// Encrypt's request and response payload examples, and Appendix C for the computation).
#[test]
fn integrity_value_matches_the_specifications_example() {
    let decode = |text: &str| STANDARD.decode(text).unwrap();
    let value = xks_preflight::checks::integrity_value(
        &decode("cHJvamVjdD1uaWxlLGRlcGFydG1lbnQ9bWFya2V0aW5n"),
        &decode("a2V5X3ZlcnNpb249MQ=="),
        &decode("HMrlRw85cAJUd5Ax"),
        &decode("ghxkK1txeDNn3q8Y"),
        &decode("vBxN2ncH1oEkR8WVXpmyYQ=="),
    );
    assert_eq!(value, "qHA/ImC9h5HsLRXqCyPmWgYx7tzyoTplzILbP0fPXsc=");
}

#[test]
fn error_messages_of_2000_characters_fail_error_format_alone_with_a_key_too() {
    let run = only(Variant::LongErrorMessage, "proxy.error_format", "fail");
    assert!(run.evidence("proxy.error_format").contains("2000 characters"));
}

#[test]
fn error_messages_with_control_characters_fail_error_format_alone_with_a_key_too() {
    let run = only(Variant::ControlErrorMessage, "proxy.error_format", "fail");
    assert!(run.evidence("proxy.error_format").contains("not printable ASCII"));
}

#[test]
fn proxy_checking_signatures_on_health_only_fails_auth_enforced_for_the_key_calls() {
    let run = only(Variant::KeysUnauthenticated, "proxy.auth_enforced", "fail");
    let evidence = run.evidence("proxy.auth_enforced");
    assert!(evidence.contains("GetKeyMetadata of foo signed with a wrong secret was served"), "{evidence}");
    assert!(!evidence.contains("an unsigned call"), "{evidence}");
}

#[test]
fn proxy_serving_the_key_calls_below_any_prefix_fails_uri_path() {
    let run = only(Variant::KeysAnyPrefix, "proxy.uri_path", "fail");
    let evidence = run.evidence("proxy.uri_path");
    assert!(evidence.contains("Encrypt with foo below a path prefix the proxy does not serve"), "{evidence}");
    assert!(!evidence.contains("GetHealthStatus:"), "{evidence}");
}

/// Runs `variant` and asserts that `id` fails on its own, and that every other check that is not a pass
/// (the baseline aside) is blocked by it: the bend is named once, by its own check.
fn fails_alone(variant: Variant, id: &str) -> Run {
    let run = run(variant);
    assert_eq!(run.status(id), "fail", "{variant:?}\n{}", run.stdout);
    assert!(run.check(id)["blocked_by"].is_null(), "{variant:?}: {id} is blocked");
    let blocked = run.blocked();
    let others: Vec<String> = not_passing(&run)
        .into_iter()
        .filter(|found| {
            let checked = found.split('=').next().unwrap_or_default();
            checked != id && !blocked.iter().any(|b| b == checked)
        })
        .collect();
    assert!(others.is_empty(), "{variant:?}: {others:?} besides {id}\n{}", run.stdout);
    run
}

#[test]
fn encrypt_answers_in_base64url_fail_round_trip_naming_the_alphabet() {
    let run = fails_alone(Variant::Base64Url, "key.round_trip");
    let evidence = run.evidence("key.round_trip");
    assert!(evidence.contains("Encrypt's ciphertext is in Base64url"), "{evidence}");
    assert!(evidence.contains("KMS accepts only standard Base64"), "{evidence}");
    assert!(names_kms_error(&run, "key.round_trip", "KMSInvalidStateException"));
}

#[test]
fn encrypt_answers_without_base64_padding_fail_round_trip_naming_the_padding() {
    let run = fails_alone(Variant::UnpaddedBase64, "key.round_trip");
    let evidence = run.evidence("key.round_trip");
    assert!(evidence.contains("is Base64 without its = padding"), "{evidence}");
    assert!(!evidence.contains("Base64url"), "{evidence}");
}

#[test]
fn missing_integrity_value_when_asked_fails_round_trip() {
    let run = only(Variant::NoIntegrityValue, "key.round_trip", "fail");
    let evidence = run.evidence("key.round_trip");
    assert!(
        evidence.contains("Encrypt gave no ciphertextDataIntegrityValue although SHA_256 was asked for"),
        "{evidence}"
    );
}

#[test]
fn tampered_ciphertext_refused_with_500_fails_tamper_rejected_naming_the_status() {
    let run = only(Variant::Tampered500, "key.tamper_rejected", "fail");
    let evidence = run.evidence("key.tamper_rejected");
    assert!(
        evidence.contains("500 InternalException where the specification says 400 InvalidCiphertextException"),
        "{evidence}"
    );
    assert!(run.remedy("key.tamper_rejected").contains("never a 5xx"), "{}", run.remedy("key.tamper_rejected"));
}

#[test]
fn get_refused_with_501_fails_method_post_only_naming_the_status() {
    let run = only(Variant::Get501, "proxy.method_post_only", "fail");
    let evidence = run.evidence("proxy.method_post_only");
    assert!(evidence.contains("501 UnsupportedOperationException where the specification says 405"), "{evidence}");
}

#[test]
fn aes_128_keys_fail_metadata_naming_the_key_spec() {
    let run = fails_alone(Variant::Aes128, "key.metadata");
    assert!(run.evidence("key.metadata").contains("keySpec AES_128, not AES_256"), "{}", run.evidence("key.metadata"));
    assert!(names_kms_error(&run, "key.metadata", "XksKeyInvalidConfigurationException"));
}

#[test]
fn rsa_keys_fail_metadata_naming_the_key_spec() {
    let run = fails_alone(Variant::Rsa2048, "key.metadata");
    assert!(run.evidence("key.metadata").contains("keySpec RSA_2048, not AES_256"), "{}", run.evidence("key.metadata"));
}

/// A health report that stays ACTIVE while the key manager is out of reach: only the key calls beside it can
/// show that it is fixed, and ekm_available says so; the key checks fail for the outage itself.
#[test]
fn a_fixed_health_report_beside_failing_key_calls_fails_ekm_available() {
    let run = run(Variant::StaticHealth);
    assert_eq!(run.status("proxy.ekm_available"), "fail", "{}", run.stdout);
    let evidence = run.evidence("proxy.ekm_available");
    assert!(evidence.contains("hsm-1 ACTIVE"), "{evidence}");
    assert!(evidence.contains("GetKeyMetadata of foo answered 503 DependencyTimeoutException"), "{evidence}");
    assert!(evidence.contains("does not follow the key manager"), "{evidence}");
    assert_eq!(run.status("key.metadata"), "fail");
    let blocked = run.blocked();
    let other_proxy_failures: Vec<String> = not_passing(&run)
        .into_iter()
        .filter(|found| found.starts_with("proxy.") || found.starts_with("tls."))
        .filter(|found| !found.starts_with("proxy.ekm_available="))
        .filter(|found| !blocked.iter().any(|b| found.starts_with(&format!("{b}="))))
        .filter(|found| found.ends_with("=fail"))
        .collect();
    assert!(other_proxy_failures.is_empty(), "{other_proxy_failures:?}\n{}", run.stdout);
}

#[test]
fn a_health_report_is_taken_as_live_only_beside_working_key_calls() {
    let with_key = run(Variant::Faithful);
    assert!(with_key.evidence("proxy.ekm_available").contains("the key calls agree with it"));
    let without_key = crate::proxy_checks::check(&proxy(Variant::Faithful), Some(SECRET), PATH);
    assert!(
        without_key.evidence("proxy.ekm_available").contains("cannot tell a live report from a fixed one"),
        "{}",
        without_key.evidence("proxy.ekm_available")
    );
}
