//! `key.*`: the external keys, judged by value as KMS would use them, and the store's KMS keys.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::answers::{Decrypted, Encrypted, KeyMetadata};
use super::body::{self, answered};
use super::context::Ctx;
use super::gates::{external_keys, http, missing, refused, signed_gate, stalled, words};
use super::outcome::{need, Outcome};
use super::text::{list, quote};
use crate::catalogue::CheckId;
use crate::facts::{probe_bytes, ExternalKeyFacts, KmsKeyFacts, Probed, ProxyExchange, Subject, Tampering};

/// The outcome that stands in for a key check when the proxy refused one of its calls for a reason another
/// check judges (the signature, the path, the proxy's authorization).
fn refused_call(keys: &[ExternalKeyFacts], call: fn(&ExternalKeyFacts) -> &Probed<ProxyExchange>) -> Option<Outcome> {
    keys.iter().filter_map(|key| call(key).seen()).find_map(refused)
}

/// Why a key gets no verdict of its own in a check.
enum Fault {
    /// What is wrong, in the evidence's words.
    Bad(String),
    /// A call the check needs got no answer in time: the outcome that names proxy.latency for it.
    Stalled(Outcome),
}

impl From<String> for Fault {
    fn from(problem: String) -> Self {
        Fault::Bad(problem)
    }
}

impl From<&str> for Fault {
    fn from(problem: &str) -> Self {
        Fault::Bad(problem.to_string())
    }
}

impl Fault {
    /// Says which part of the key's calls the problem is in.
    fn within(self, part: &str) -> Fault {
        match self {
            Fault::Bad(problem) => Fault::Bad(format!("{part}: {problem}")),
            stalled => stalled,
        }
    }
}

/// Every key's verdict in one check.
struct PerKey {
    good: Vec<String>,
    bad: Vec<String>,
    /// Whether a key had nothing this check could judge, for a failure key.round_trip reports.
    unjudged: bool,
    /// The first key call the check needed that got no answer in time.
    stalled: Option<Outcome>,
}

impl PerKey {
    /// The check's outcome when no key was bad: a stall or a missing round trip, else the pass.
    fn unless_bad(self, unjudged: impl FnOnce() -> Outcome) -> Outcome {
        match (self.stalled, self.unjudged) {
            (Some(stalled), _) => stalled,
            (None, true) => unjudged(),
            (None, false) => Outcome::pass(self.good.join("; ")),
        }
    }
}

/// Judges each key: `Err` with its problems or its stall, `Ok(None)` when there was nothing to judge, or what
/// was seen.
fn per_key(
    keys: &[ExternalKeyFacts],
    mut judge: impl FnMut(&ExternalKeyFacts) -> Result<Option<String>, Fault>,
) -> PerKey {
    let mut all = PerKey { good: Vec::new(), bad: Vec::new(), unjudged: false, stalled: None };
    for key in keys {
        match judge(key) {
            Ok(Some(seen)) => all.good.push(format!("{}: {seen}", key.xks_key_id)),
            Ok(None) => all.unjudged = true,
            Err(Fault::Bad(problem)) => all.bad.push(format!("{}: {problem}", key.xks_key_id)),
            Err(Fault::Stalled(outcome)) => {
                all.stalled.get_or_insert(outcome);
            }
        }
    }
    all
}

/// Skipped, with the reason, when no key's call of this kind was made (no secret, no encryption).
fn uncalled(keys: &[ExternalKeyFacts], call: fn(&ExternalKeyFacts) -> &Probed<ProxyExchange>) -> Option<Outcome> {
    let mut reasons = keys.iter().map(|key| match call(key) {
        Probed::NotGathered(why) => Some(why),
        _ => None,
    });
    let first = reasons.next().flatten()?;
    reasons.all(|r| r.is_some()).then(|| missing(first))
}

fn exchange_of(probed: &Probed<ProxyExchange>) -> Result<&ProxyExchange, Fault> {
    if let Some(outcome) = stalled(probed) {
        return Err(Fault::Stalled(outcome));
    }
    match probed {
        Probed::Seen(exchange) => Ok(exchange),
        Probed::Failed(failure) => Err(format!("no answer ({})", quote(&failure.message)).into()),
        Probed::NotGathered(why) => Err(words(why).into()),
    }
}

pub(super) fn metadata(ctx: &Ctx) -> Outcome {
    let keys = need!(external_keys(ctx));
    if let Some(outcome) = uncalled(keys, |k| &k.metadata).or_else(|| refused_call(keys, |k| &k.metadata)) {
        return outcome;
    }
    let judged = per_key(keys, |key| {
        let exchange = exchange_of(&key.metadata)?;
        if exchange.status != 200 {
            return Err(format!(
                "GetKeyMetadata answered {} (kmsRequestId {})",
                answered(exchange),
                exchange.kms_request_id
            )
            .into());
        }
        let metadata: KeyMetadata =
            body::read(exchange).map_err(|problem| format!("GetKeyMetadata answered 200, but {problem}"))?;
        let (spec, status) = (quote(&metadata.key_spec), quote(&metadata.key_status));
        let usage: Vec<String> = metadata.key_usage.iter().map(|u| quote(u)).collect();
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
            Ok(Some(format!("{spec}, usage {}, {status}", usage.join("+"))))
        } else {
            Err(problems.join("; ").into())
        }
    });
    if judged.bad.is_empty() {
        judged.unless_bad(|| Outcome::skipped("no key's metadata could be judged"))
    } else {
        Outcome::fail(
            judged.bad.join("; "),
            "Use external keys that are 256-bit AES (AES_256), ENABLED, with ENCRYPT and DECRYPT usage; CreateKey \
             refuses others (XksKeyInvalidConfigurationException) and unknown IDs (XksKeyNotFoundException).",
        )
    }
}

/// The ciphertext data integrity value the specification defines: base64 of SHA-256 over the decoded AAD,
/// ciphertextMetadata, IV, ciphertext and tag, an absent field counting as empty (SPEC §Encrypt, App. C).
pub fn integrity_value(aad: &[u8], metadata: &[u8], iv: &[u8], ciphertext: &[u8], tag: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [aad, metadata, iv, ciphertext, tag] {
        hash.update(part);
    }
    STANDARD.encode(hash.finalize())
}

/// An Encrypt answer, decoded.
struct Sealed {
    ciphertext: Vec<u8>,
    iv: Vec<u8>,
    tag: Vec<u8>,
    /// `None` when the answer has no ciphertextMetadata.
    metadata: Option<Vec<u8>>,
    integrity_value: Option<String>,
}

/// The Encrypt answer of `probed`, or what keeps it from being one.
fn sealed(probed: &Probed<ProxyExchange>) -> Result<Sealed, Fault> {
    let encrypt = exchange_of(probed)?;
    if encrypt.status != 200 {
        return Err(format!("Encrypt answered {} (kmsRequestId {})", answered(encrypt), encrypt.kms_request_id).into());
    }
    let answer: Encrypted = body::read(encrypt).map_err(|problem| format!("Encrypt answered 200, but {problem}"))?;
    let decode = |name: &str, text: &str| standard_base64(text).map_err(|bend| format!("Encrypt's {name} {bend}"));
    Ok(Sealed {
        ciphertext: decode("ciphertext", &answer.ciphertext)?,
        iv: decode("initializationVector", &answer.initialization_vector)?,
        tag: decode("authenticationTag", &answer.authentication_tag)?,
        metadata: answer.ciphertext_metadata.map(|text| decode("ciphertextMetadata", &text)).transpose()?,
        integrity_value: answer.ciphertext_data_integrity_value,
    })
}

/// One round trip as the facts hold it: the calls, and what was encrypted.
struct Trip<'a> {
    encrypt: &'a Probed<ProxyExchange>,
    decrypt: &'a Probed<ProxyExchange>,
    plaintext: Vec<u8>,
    aad: Vec<u8>,
    integrity_value: bool,
}

impl Trip<'_> {
    fn label(&self) -> String {
        let aad = if self.aad.is_empty() { "no AAD".to_string() } else { format!("{} bytes of AAD", self.aad.len()) };
        let integrity = if self.integrity_value { ", integrity value" } else { "" };
        format!("{} bytes, {aad}{integrity}", self.plaintext.len())
    }
}

/// Every round trip of a key that was tried: the largest first.
fn trips(key: &ExternalKeyFacts) -> Vec<Trip<'_>> {
    let largest = Trip {
        encrypt: &key.encrypt,
        decrypt: &key.decrypt,
        plaintext: probe_bytes(key.plaintext_bytes, 1),
        aad: probe_bytes(key.aad_bytes, 2),
        integrity_value: true,
    };
    let more = key.more_round_trips.iter().map(|trip| Trip {
        encrypt: &trip.encrypt,
        decrypt: &trip.decrypt,
        plaintext: probe_bytes(trip.plaintext_bytes, 4),
        aad: probe_bytes(trip.aad_bytes, 5),
        integrity_value: trip.integrity_value,
    });
    std::iter::once(largest).chain(more).collect()
}

fn judge_trip(trip: &Trip) -> Result<(), Fault> {
    let sealed = sealed(trip.encrypt)?;
    if trip.integrity_value {
        let metadata = sealed.metadata.as_deref().unwrap_or_default();
        let expected = integrity_value(&trip.aad, metadata, &sealed.iv, &sealed.ciphertext, &sealed.tag);
        match &sealed.integrity_value {
            None => return Err("Encrypt gave no ciphertextDataIntegrityValue although SHA_256 was asked for".into()),
            Some(value) if *value != expected => {
                return Err("the ciphertextDataIntegrityValue does not match SHA-256 of AAD, metadata, IV, \
                            ciphertext and tag"
                    .into())
            }
            Some(_) => {}
        }
    }
    decrypted_back(trip)
}

/// The bytes a Decrypt answer gives back.
fn plaintext_of(decrypt: &ProxyExchange) -> Option<Vec<u8>> {
    let answer: Decrypted = body::read(decrypt).ok()?;
    STANDARD.decode(answer.plaintext).ok()
}

/// A Base64 field of an answer, decoded as KMS decodes it: the standard alphabet with its `=` padding
/// (RFC 4648 §4). The Base64 proxies write instead is named, since each looks valid to the eye.
fn standard_base64(text: &str) -> Result<Vec<u8>, String> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    STANDARD.decode(text).map_err(|_| {
        let only_kms = "KMS accepts only standard Base64 (A-Z a-z 0-9 + / with = padding)";
        let url_safe = URL_SAFE.decode(text).is_ok() || URL_SAFE_NO_PAD.decode(text).is_ok();
        if text.contains(['-', '_']) && url_safe {
            format!("is in Base64url, with - and _ where Base64 has + and /: {only_kms}")
        } else if STANDARD_NO_PAD.decode(text).is_ok() {
            format!("is Base64 without its = padding: {only_kms}")
        } else {
            format!("is not Base64: {only_kms}")
        }
    })
}

/// Whether Decrypt gave back the plaintext the trip encrypted.
fn decrypted_back(trip: &Trip) -> Result<(), Fault> {
    let decrypt = exchange_of(trip.decrypt)?;
    if decrypt.status != 200 {
        return Err(format!("Decrypt answered {} (kmsRequestId {})", answered(decrypt), decrypt.kms_request_id).into());
    }
    let answer: Decrypted = body::read(decrypt).map_err(|problem| format!("Decrypt answered 200, but {problem}"))?;
    let plaintext = standard_base64(&answer.plaintext).map_err(|bend| format!("Decrypt's plaintext {bend}"))?;
    if plaintext != trip.plaintext {
        return Err("Decrypt returned other bytes than were encrypted".into());
    }
    Ok(())
}

pub(super) fn round_trip(ctx: &Ctx) -> Outcome {
    let keys = need!(external_keys(ctx));
    if let Some(outcome) = uncalled(keys, |k| &k.encrypt).or_else(|| refused_call(keys, |k| &k.encrypt)) {
        return outcome;
    }
    let judged = per_key(keys, |key| {
        let mut done = Vec::new();
        for trip in trips(key).iter().filter(|trip| !matches!(trip.encrypt, Probed::NotGathered(_))) {
            judge_trip(trip).map_err(|fault| fault.within(&trip.label()))?;
            done.push(trip.label());
        }
        Ok(Some(format!("encrypted and decrypted back: {}", done.join("; "))))
    });
    if judged.bad.is_empty() {
        judged.unless_bad(|| Outcome::skipped("no key's round trip could be judged"))
    } else {
        Outcome::fail(
            judged.bad.join("; "),
            "Make Encrypt and Decrypt follow the specification (AES-GCM over the AAD, with or without AAD, up to \
             4300 bytes of plaintext and 8192 of AAD, the ciphertext data integrity value when asked): every \
             cryptographic operation of the store fails with KMSInvalidStateException otherwise.",
        )
    }
}

/// How a Decrypt that must be refused was answered.
enum Refusal {
    /// 400 InvalidCiphertextException.
    Refused(String),
    /// Refused, but otherwise; `true` when only the body's missing errorName is wrong.
    Otherwise(String, bool),
    /// Answered as a failure of the proxy (5xx), which KMS retries and counts as one.
    Failed(String),
    /// Decrypted: the altered data was accepted, and these bytes (if any) came back.
    Decrypted(String, Option<Vec<u8>>),
}

fn judge_refusal(label: &str, probed: &Probed<ProxyExchange>) -> Result<Refusal, Fault> {
    let exchange = exchange_of(probed)?;
    Ok(match exchange.status {
        400 if body::error_name(exchange).as_deref() == Some("InvalidCiphertextException") => {
            Refusal::Refused(format!("{label} refused ({})", answered(exchange)))
        }
        200..=299 => Refusal::Decrypted(format!("{label} was decrypted ({})", exchange.status), plaintext_of(exchange)),
        500..=599 => Refusal::Failed(format!(
            "{label} answered {} where the specification says 400 InvalidCiphertextException: KMS takes a 5xx for \
             the proxy failing, retries it and counts it against the store's reliability, not as a bad ciphertext",
            answered(exchange)
        )),
        _ => Refusal::Otherwise(
            format!("{label} refused with {}, not 400 InvalidCiphertextException", answered(exchange)),
            body::unnamed(exchange, 400),
        ),
    })
}

/// The Decrypts of altered data a key check judges, with what each altered.
fn refusals(key: &ExternalKeyFacts, metadata_only: bool) -> Vec<(String, &Probed<ProxyExchange>)> {
    let mut all = Vec::new();
    if !metadata_only {
        all.push(("a ciphertext with one bit flipped".to_string(), &key.decrypt_flipped));
        all.push(("other AAD".to_string(), &key.decrypt_other_aad));
    }
    for tamper in &key.more_tampering {
        if (tamper.tampering == Tampering::ChangedMetadata) == metadata_only {
            all.push((tamper.tampering.label().to_string(), &tamper.decrypt));
        }
    }
    all
}

pub(super) fn tamper_rejected(ctx: &Ctx) -> Outcome {
    let keys = need!(external_keys(ctx));
    if let Some(outcome) = uncalled(keys, |k| &k.encrypt).or_else(|| refused_call(keys, |k| &k.encrypt)) {
        return outcome;
    }
    let mut decrypted = false;
    let mut failed = false;
    let mut unnamed_only = true;
    let judged = per_key(keys, |key| {
        let mut refused = Vec::new();
        let mut problems = Vec::new();
        let mut accepted = Vec::new();
        let mut stall = None;
        for (label, probed) in refusals(key, false) {
            match judge_refusal(&label, probed) {
                Ok(Refusal::Refused(text)) => refused.push(text),
                Ok(Refusal::Otherwise(text, unnamed)) => {
                    unnamed_only &= unnamed;
                    problems.push(text)
                }
                Ok(Refusal::Failed(text)) => {
                    unnamed_only = false;
                    failed = true;
                    problems.push(text)
                }
                Ok(Refusal::Decrypted(text, _)) => accepted.push(text),
                Err(Fault::Bad(why)) => {
                    unnamed_only = false;
                    problems.push(format!("{label}: {why}"))
                }
                Err(Fault::Stalled(outcome)) => stall = Some(outcome),
            }
        }
        // Tampered data that decrypts is wrong whatever else is; a refusal only counts when the untampered
        // data decrypts, or a proxy that refuses every Decrypt would pass.
        if !accepted.is_empty() {
            decrypted = true;
            return Err(accepted.join("; ").into());
        }
        if let Some(outcome) = stall {
            return Err(Fault::Stalled(outcome));
        }
        if !round_trips(key) {
            return Ok(None);
        }
        if problems.is_empty() {
            Ok(Some(refused.join("; ")))
        } else {
            Err(problems.join("; ").into())
        }
    });
    let bad = &judged.bad;
    if decrypted {
        Outcome::fail(
            bad.join("; "),
            "Make Decrypt verify the authentication tag over the ciphertext, the IV and the AAD, and refuse what \
             does not verify with 400 InvalidCiphertextException: tampered data must never decrypt.",
        )
    } else if failed {
        Outcome::fail(
            bad.join("; "),
            "Refuse data that does not verify with 400 InvalidCiphertextException, never a 5xx: a 5xx tells KMS the \
             proxy failed, so a caller's corrupt ciphertext is retried and raises the store's retryable-error alarm.",
        )
    } else if !bad.is_empty() {
        let outcome =
            Outcome::warn(bad.join("; "), "Refuse data that does not verify with 400 InvalidCiphertextException.");
        // Refused with 400 in a form KMS cannot read: proxy.error_format's finding.
        if unnamed_only {
            outcome.because(CheckId::ProxyErrorFormat)
        } else {
            outcome
        }
    } else {
        judged.unless_bad(|| {
            Outcome::blocked(CheckId::KeyRoundTrip, "the untampered data did not decrypt, so refusals prove nothing")
        })
    }
}

/// Whether Decrypt gave back the plaintext of the key's largest round trip: the data the tampering altered.
fn round_trips(key: &ExternalKeyFacts) -> bool {
    trips(key).first().is_some_and(|trip| decrypted_back(trip).is_ok())
}

/// What is wrong with the shape of one Encrypt answer, for `plaintext_bytes` of plaintext.
fn shape_problems(sealed: &Sealed, plaintext_bytes: usize) -> Vec<String> {
    let mut problems = Vec::new();
    if sealed.ciphertext.len() != plaintext_bytes {
        problems.push(format!("{} bytes of ciphertext for {plaintext_bytes} of plaintext", sealed.ciphertext.len()));
    }
    if ![12, 16].contains(&sealed.iv.len()) {
        problems.push(format!("a {}-byte initialization vector, not 12 or 16", sealed.iv.len()));
    }
    if sealed.tag.len() != 16 {
        problems.push(format!("a {}-byte authentication tag, not 16", sealed.tag.len()));
    }
    if let Some(metadata) = sealed.metadata.as_ref().filter(|m| m.len() > 20) {
        problems.push(format!("{} bytes of ciphertextMetadata, more than 20", metadata.len()));
    }
    problems
}

pub(super) fn ciphertext_shape(ctx: &Ctx) -> Outcome {
    let keys = need!(external_keys(ctx));
    if let Some(outcome) = uncalled(keys, |k| &k.encrypt).or_else(|| refused_call(keys, |k| &k.encrypt)) {
        return outcome;
    }
    let mut unjudged_by = CheckId::KeyRoundTrip;
    let judged = per_key(keys, |key| {
        let Shapes { mut problems, iv_sizes, metadata_sizes, shaped, mut stall } = shapes(key);
        let binds = round_trips(key);
        let garbled = metadata_binding(key, binds, &mut problems, &mut stall);
        if !problems.is_empty() {
            Err(problems.join("; ").into())
        } else if let Some(outcome) = stall {
            Err(Fault::Stalled(outcome))
        } else if garbled {
            unjudged_by = CheckId::KeyTamperRejected;
            Ok(None)
        } else if shaped == 0 || (!metadata_sizes.is_empty() && !binds) {
            Ok(None)
        } else {
            let sizes = |set: &BTreeSet<usize>| set.iter().map(usize::to_string).collect::<Vec<_>>().join(" and ");
            let metadata = if metadata_sizes.is_empty() {
                ", no ciphertextMetadata".to_string()
            } else {
                format!(", {} bytes of ciphertextMetadata bound into the AAD", sizes(&metadata_sizes))
            };
            Ok(Some(format!(
                "{}-byte IVs, 16-byte tags, ciphertexts as long as their plaintexts{metadata} ({shaped} Encrypt answers)",
                sizes(&iv_sizes)
            )))
        }
    });
    if !judged.bad.is_empty() {
        Outcome::fail(
            judged.bad.join("; "),
            "Answer Encrypt with a 12- or 16-byte IV, a 16-byte tag, a ciphertext as long as the plaintext, and at \
             most 20 bytes of ciphertextMetadata that the AAD binds; KMS refuses other answers, so every \
             cryptographic operation fails with KMSInvalidStateException.",
        )
    } else {
        judged.unless_bad(|| {
            let why = match unjudged_by {
                CheckId::KeyTamperRejected => {
                    "Decrypt answers data that does not verify, so the metadata's binding is unknown"
                }
                _ => "Encrypt gave no answer to judge, or its answer did not decrypt",
            };
            Outcome::blocked(unjudged_by, why)
        })
    }
}

/// What a key's Encrypt answers showed of their shape.
struct Shapes {
    problems: Vec<String>,
    iv_sizes: BTreeSet<usize>,
    metadata_sizes: BTreeSet<usize>,
    /// How many answers had a shape to judge.
    shaped: usize,
    /// The last Encrypt that got no answer in time.
    stall: Option<Outcome>,
}

fn shapes(key: &ExternalKeyFacts) -> Shapes {
    let mut shapes = Shapes {
        problems: Vec::new(),
        iv_sizes: BTreeSet::new(),
        metadata_sizes: BTreeSet::new(),
        shaped: 0,
        stall: None,
    };
    for trip in trips(key) {
        let sealed = match sealed(trip.encrypt) {
            Ok(sealed) => sealed,
            Err(Fault::Stalled(outcome)) => {
                shapes.stall = Some(outcome);
                continue;
            }
            // What keeps an answer from being one is key.round_trip's finding.
            Err(Fault::Bad(_)) => continue,
        };
        shapes.shaped += 1;
        shapes.iv_sizes.insert(sealed.iv.len());
        shapes.metadata_sizes.extend(sealed.metadata.as_ref().map(Vec::len));
        let found = shape_problems(&sealed, trip.plaintext.len());
        shapes.problems.extend(found.into_iter().map(|problem| format!("{}: {problem}", trip.label())));
    }
    shapes
}

/// Whether the ciphertextMetadata is bound into the authenticated data: with it changed, Decrypt must
/// fail. That it failed only counts when the unchanged data decrypts (`binds`). Adds what is wrong to
/// `problems` and a stall to `stall`; true when Decrypt gave other bytes back, which is
/// key.tamper_rejected's finding and leaves the binding unknown.
fn metadata_binding(
    key: &ExternalKeyFacts,
    binds: bool,
    problems: &mut Vec<String>,
    stall: &mut Option<Outcome>,
) -> bool {
    let original = trips(key).swap_remove(0).plaintext;
    let mut garbled = false;
    for (label, probed) in refusals(key, true) {
        match judge_refusal(&label, probed) {
            Ok(Refusal::Refused(_)) => {}
            Ok(Refusal::Decrypted(_, plaintext)) if plaintext.as_ref() == Some(&original) => problems.push(
                "the ciphertextMetadata is not bound into the authenticated data: with it changed, Decrypt still \
                 gave the plaintext back"
                    .into(),
            ),
            Ok(Refusal::Decrypted(..)) => garbled = true,
            // Refused in another form: still bound; the form is other checks' concern.
            Ok(Refusal::Otherwise(..) | Refusal::Failed(_)) => {}
            Err(Fault::Stalled(outcome)) => *stall = Some(outcome),
            Err(Fault::Bad(why)) if binds => problems.push(format!("{label}: {why}")),
            Err(Fault::Bad(_)) => {}
        }
    }
    garbled
}

/// The KMS keys of the target's store, or why they are unknown.
fn store_keys<'a>(ctx: &Ctx<'a>) -> Result<Vec<&'a KmsKeyFacts>, Outcome> {
    if matches!(ctx.target.subject, Subject::Planned(_)) {
        return Err(Outcome::skipped("planned settings: the store has no KMS keys yet"));
    }
    let store = ctx.store.ok_or_else(|| Outcome::blocked(CheckId::ConfigStoreFound, "no store to check"))?;
    let keys = ctx.aws(&ctx.facts.store_keys)?;
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

pub(super) fn not_found(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    if let Some(outcome) = signed_gate(proxy) {
        return outcome;
    }
    let Some(absent) = &proxy.absent_key else {
        return Outcome::skipped("the proxy was not asked about a key it does not hold (facts of an older version)");
    };
    // Refused before the key was looked up: the signature or the proxy's authorization, judged elsewhere. A 404
    // of another kind is this check's failure: the key ID is the only unusual part of the path.
    let before_lookup = [&absent.metadata, &absent.encrypt].into_iter().filter_map(|probed| probed.seen());
    if let Some(outcome) = before_lookup.filter(|e| matches!(e.status, 401 | 403)).find_map(refused) {
        return outcome;
    }
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut unnamed_only = true;
    let mut stall = None;
    for (api, probed) in [("GetKeyMetadata", &absent.metadata), ("Encrypt", &absent.encrypt)] {
        let exchange = match exchange_of(probed) {
            Ok(exchange) => exchange,
            Err(Fault::Bad(why)) => {
                unnamed_only = false;
                bad.push(format!("{api}: {why}"));
                continue;
            }
            Err(Fault::Stalled(outcome)) => {
                stall = Some(outcome);
                continue;
            }
        };
        let answer = answered(exchange);
        if exchange.status == 404 && body::error_name(exchange).as_deref() == Some("KeyNotFoundException") {
            good.push(format!("{api} answered {answer}"));
        } else {
            unnamed_only &= body::unnamed(exchange, 404);
            bad.push(format!(
                "{api} answered {answer}, not 404 KeyNotFoundException (kmsRequestId {})",
                exchange.kms_request_id
            ));
        }
    }
    let about = format!("for {}, a key ID no key manager holds", absent.xks_key_id);
    if bad.is_empty() {
        return stall.unwrap_or_else(|| Outcome::pass(format!("{about}: {}", good.join("; "))));
    }
    let outcome = Outcome::fail(
        format!("{about}: {}", bad.join("; ")),
        "Answer calls for an external key the proxy does not hold with 404 KeyNotFoundException, so that KMS can \
         tell the user XksKeyNotFoundException instead of a fault of the proxy.",
    );
    // A 404 whose body names no error may be the right refusal in a form KMS cannot read.
    if unnamed_only {
        outcome.because(CheckId::ProxyErrorFormat)
    } else {
        outcome
    }
}
