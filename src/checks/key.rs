//! `key.*`: the external keys, judged by value as KMS would use them, and the store's KMS keys.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::body::{self, answered};
use super::proxy::refused;
use super::{list, need, quote, seen, Ctx, Outcome};
use crate::catalogue::CheckId;
use crate::facts::{probe_bytes, ExternalKeyFacts, KmsKeyFacts, Probed, ProxyExchange, Subject};

/// The external keys that were called, or why none were.
fn external_keys<'a>(ctx: &Ctx<'a>) -> Result<&'a [ExternalKeyFacts], Outcome> {
    let proxy = super::proxy::http(ctx)?;
    if proxy.keys.is_empty() {
        return Err(Outcome::skipped(
            "no external key to call: name one with --xks-key-id (an existing store's KMS keys are called too)",
        ));
    }
    Ok(&proxy.keys)
}

/// The outcome that stands in for a key check when the proxy refused one of its calls for a reason another
/// check judges (the signature, the path, the proxy's authorization).
fn refused_call(keys: &[ExternalKeyFacts], call: fn(&ExternalKeyFacts) -> &Probed<ProxyExchange>) -> Option<Outcome> {
    keys.iter().filter_map(|key| call(key).seen()).find_map(refused)
}

/// Every key's verdict: the problems of each, or what was seen.
fn per_key(
    keys: &[ExternalKeyFacts],
    judge: impl Fn(&ExternalKeyFacts) -> Result<String, String>,
) -> (Vec<String>, Vec<String>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for key in keys {
        match judge(key) {
            Ok(seen) => good.push(format!("{}: {seen}", key.xks_key_id)),
            Err(problem) => bad.push(format!("{}: {problem}", key.xks_key_id)),
        }
    }
    (good, bad)
}

/// Skipped, with the reason, when no key's call of this kind was made (no secret, no encryption).
fn uncalled(keys: &[ExternalKeyFacts], call: fn(&ExternalKeyFacts) -> &Probed<ProxyExchange>) -> Option<Outcome> {
    let mut reasons = keys.iter().map(|key| match call(key) {
        Probed::NotGathered(why) => Some(why.clone()),
        _ => None,
    });
    let first = reasons.next().flatten()?;
    reasons.all(|r| r.is_some()).then(|| Outcome::skipped(first))
}

fn exchange_of(probed: &Probed<ProxyExchange>) -> Result<&ProxyExchange, String> {
    match probed {
        Probed::Seen(exchange) => Ok(exchange),
        Probed::Failed(failure) => Err(format!("no answer ({})", failure.message)),
        Probed::NotGathered(why) => Err(why.clone()),
    }
}

pub(super) fn metadata(ctx: &Ctx) -> Outcome {
    let keys = need!(external_keys(ctx));
    if let Some(outcome) = uncalled(keys, |k| &k.metadata).or_else(|| refused_call(keys, |k| &k.metadata)) {
        return outcome;
    }
    let (good, bad) = per_key(keys, |key| {
        let exchange = exchange_of(&key.metadata)?;
        if exchange.status != 200 {
            return Err(format!(
                "GetKeyMetadata answered {} (kmsRequestId {})",
                answered(exchange),
                exchange.kms_request_id
            ));
        }
        let value = body::json(exchange).map_err(|problem| format!("GetKeyMetadata answered 200, but {problem}"))?;
        let spec = value.get("keySpec").and_then(Value::as_str).map(quote).unwrap_or_else(|| "missing".into());
        let usage: Vec<String> = value
            .get("keyUsage")
            .and_then(Value::as_array)
            .map(|u| u.iter().filter_map(Value::as_str).map(quote).collect())
            .unwrap_or_default();
        let status = value.get("keyStatus").and_then(Value::as_str).map(quote).unwrap_or_else(|| "missing".into());
        let mut problems = Vec::new();
        if spec != "AES_256" {
            problems.push(format!("keySpec {spec}, not AES_256"));
        }
        for needed in ["ENCRYPT", "DECRYPT"] {
            if !usage.iter().any(|u| u == needed) {
                problems.push(format!("keyUsage [{}] lacks {needed}", usage.join(", ")));
            }
        }
        if status != "ENABLED" {
            problems.push(format!("keyStatus {status}, not ENABLED"));
        }
        if problems.is_empty() {
            Ok(format!("{spec}, usage {}, {status}", usage.join("+")))
        } else {
            Err(problems.join("; "))
        }
    });
    if bad.is_empty() {
        Outcome::pass(good.join("; "))
    } else {
        Outcome::fail(
            bad.join("; "),
            "Use external keys that are 256-bit AES (AES_256), ENABLED, with ENCRYPT and DECRYPT usage; CreateKey \
             refuses others (XksKeyInvalidConfigurationException) and unknown IDs (XksKeyNotFoundException).",
        )
    }
}

/// The ciphertext data integrity value the specification defines, over decoded bytes.
fn integrity_value(aad: &[u8], metadata: &[u8], iv: &[u8], ciphertext: &[u8], tag: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [aad, metadata, iv, ciphertext, tag] {
        hash.update(part);
    }
    STANDARD.encode(hash.finalize())
}

fn judge_round_trip(key: &ExternalKeyFacts) -> Result<String, String> {
    let encrypt = exchange_of(&key.encrypt)?;
    if encrypt.status != 200 {
        return Err(format!("Encrypt answered {} (kmsRequestId {})", answered(encrypt), encrypt.kms_request_id));
    }
    let answer = body::json(encrypt).map_err(|problem| format!("Encrypt answered 200, but {problem}"))?;
    let bytes = |name: &str| -> Result<Vec<u8>, String> {
        let text = answer.get(name).and_then(Value::as_str).ok_or(format!("Encrypt's answer has no {name}"))?;
        STANDARD.decode(text).map_err(|_| format!("{name} is not base64"))
    };
    let (ciphertext, iv, tag) = (bytes("ciphertext")?, bytes("initializationVector")?, bytes("authenticationTag")?);
    let metadata = if answer.get("ciphertextMetadata").is_some() { bytes("ciphertextMetadata")? } else { Vec::new() };
    let mut problems = Vec::new();
    if ciphertext.len() != key.plaintext_bytes {
        problems.push(format!("{} bytes of ciphertext for {} of plaintext", ciphertext.len(), key.plaintext_bytes));
    }
    if ![12, 16].contains(&iv.len()) {
        problems.push(format!("a {}-byte initialization vector, not 12 or 16", iv.len()));
    }
    if tag.len() != 16 {
        problems.push(format!("a {}-byte authentication tag, not 16", tag.len()));
    }
    if metadata.len() > 20 {
        problems.push(format!("{} bytes of ciphertextMetadata, more than 20", metadata.len()));
    }
    let aad = probe_bytes(key.aad_bytes, 2);
    match answer.get("ciphertextDataIntegrityValue").and_then(Value::as_str) {
        None => problems.push("no ciphertextDataIntegrityValue although SHA_256 was asked for".into()),
        Some(value) if value != integrity_value(&aad, &metadata, &iv, &ciphertext, &tag) => problems.push(
            "the ciphertextDataIntegrityValue does not match SHA-256 of AAD, metadata, IV, ciphertext and tag".into(),
        ),
        Some(_) => {}
    }
    if !problems.is_empty() {
        return Err(format!("Encrypt answered {}", problems.join(", ")));
    }
    let decrypt = exchange_of(&key.decrypt)?;
    if decrypt.status != 200 {
        return Err(format!("Decrypt answered {} (kmsRequestId {})", answered(decrypt), decrypt.kms_request_id));
    }
    let plaintext = body::json(decrypt)
        .ok()
        .and_then(|b| b.get("plaintext").and_then(Value::as_str).map(str::to_string))
        .and_then(|p| STANDARD.decode(p).ok())
        .ok_or("Decrypt's answer has no base64 plaintext")?;
    if plaintext != probe_bytes(key.plaintext_bytes, 1) {
        return Err("Decrypt returned other bytes than were encrypted".into());
    }
    Ok(format!(
        "{} bytes with {} bytes of AAD encrypted and decrypted back; integrity value matches",
        key.plaintext_bytes, key.aad_bytes
    ))
}

pub(super) fn round_trip(ctx: &Ctx) -> Outcome {
    let keys = need!(external_keys(ctx));
    if let Some(outcome) = uncalled(keys, |k| &k.encrypt).or_else(|| refused_call(keys, |k| &k.encrypt)) {
        return outcome;
    }
    let (good, bad) = per_key(keys, judge_round_trip);
    if bad.is_empty() {
        Outcome::pass(good.join("; "))
    } else {
        Outcome::fail(
            bad.join("; "),
            "Make Encrypt and Decrypt follow the specification (AES-GCM over the AAD, 4300 bytes of plaintext and \
             8192 of AAD, the ciphertext data integrity value when asked): every cryptographic operation of the \
             store fails with KMSInvalidStateException otherwise.",
        )
    }
}

fn judge_refusal(label: &str, probed: &Probed<ProxyExchange>) -> Result<String, String> {
    let exchange = exchange_of(probed)?;
    let name = body::error_name(exchange);
    match exchange.status {
        400 if name.as_deref() == Some("InvalidCiphertextException") => {
            Ok(format!("{label} refused ({})", answered(exchange)))
        }
        200..=299 => Err(format!("{label} was decrypted ({})", exchange.status)),
        _ => Err(format!("{label} refused with {}, not 400 InvalidCiphertextException", answered(exchange))),
    }
}

pub(super) fn tamper_rejected(ctx: &Ctx) -> Outcome {
    let keys = need!(external_keys(ctx));
    if let Some(outcome) = uncalled(keys, |k| &k.encrypt).or_else(|| refused_call(keys, |k| &k.encrypt)) {
        return outcome;
    }
    if keys.iter().all(|key| !matches!(key.decrypt_flipped, Probed::Seen(_))) {
        return Outcome::blocked(CheckId::KeyRoundTrip, "no Encrypt answer to tamper with");
    }
    let (good, bad) = per_key(keys, |key| {
        let flipped = judge_refusal("a ciphertext with one bit flipped", &key.decrypt_flipped)?;
        let other = judge_refusal("other AAD", &key.decrypt_other_aad)?;
        Ok(format!("{flipped}; {other}"))
    });
    if bad.is_empty() {
        Outcome::pass(good.join("; "))
    } else if bad.iter().any(|b| b.contains("was decrypted")) {
        Outcome::fail(
            bad.join("; "),
            "Make Decrypt verify the authentication tag over the ciphertext and the AAD, and refuse what does not \
             verify with 400 InvalidCiphertextException: tampered data must never decrypt.",
        )
    } else {
        Outcome::warn(bad.join("; "), "Refuse data that does not verify with 400 InvalidCiphertextException.")
    }
}

/// The KMS keys of the target's store, or why they are unknown.
fn store_keys<'a>(ctx: &Ctx<'a>) -> Result<Vec<&'a KmsKeyFacts>, Outcome> {
    if matches!(ctx.target.subject, Subject::Planned(_)) {
        return Err(Outcome::skipped("planned settings: the store has no KMS keys yet"));
    }
    let store = ctx.store.ok_or_else(|| Outcome::blocked(CheckId::ConfigStoreFound, "no store to check"))?;
    let keys = seen(&ctx.facts.store_keys)?;
    Ok(keys.iter().filter(|k| k.custom_key_store_id.as_deref() == Some(store.id.as_str())).collect())
}

pub(super) fn unique(ctx: &Ctx) -> Outcome {
    let keys = need!(store_keys(ctx));
    if keys.is_empty() {
        return Outcome::skipped("the store has no KMS keys");
    }
    let mut shared = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        let Some(xks) = &key.xks_key_id else { continue };
        let same: Vec<String> =
            keys.iter().filter(|k| k.xks_key_id.as_ref() == Some(xks)).map(|k| k.key_id.clone()).collect();
        if same.len() > 1 && keys.iter().position(|k| k.xks_key_id.as_ref() == Some(xks)) == Some(index) {
            shared.push(format!("external key {xks} is used by {}", list(&same)));
        }
    }
    if shared.is_empty() {
        Outcome::pass(format!("{} KMS key(s), each with its own external key", keys.len()))
    } else {
        Outcome::fail(
            shared.join("; "),
            "Give each KMS key its own external key; CreateKey refuses a second one (XksKeyAlreadyInUseException), \
             and keys that share one are not interchangeable.",
        )
    }
}

pub(super) fn kms_key_state(ctx: &Ctx) -> Outcome {
    let keys = need!(store_keys(ctx));
    if keys.is_empty() {
        return Outcome::skipped("the store has no KMS keys");
    }
    let mut unusable = Vec::new();
    let mut states = Vec::new();
    for key in &keys {
        let state = key.key_state.as_deref().unwrap_or("unknown");
        states.push(format!("{} {state}", key.key_id));
        match state {
            "Unavailable" => unusable.push(format!("{} is Unavailable: the store is not connected", key.key_id)),
            "PendingDeletion" => unusable.push(format!("{} is PendingDeletion: scheduled for deletion", key.key_id)),
            _ => {}
        }
    }
    if unusable.is_empty() {
        Outcome::pass(list(&states))
    } else {
        Outcome::warn(
            unusable.join("; "),
            "Connect the store to make its keys available again; cancel the deletion of a key that still protects data.",
        )
    }
}

pub(super) fn not_found(_ctx: &Ctx) -> Outcome {
    Outcome::skipped("not checked by this version")
}

pub(super) fn ciphertext_shape(_ctx: &Ctx) -> Outcome {
    Outcome::skipped("not checked by this version")
}
