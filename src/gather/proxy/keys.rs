//! The key APIs for one external key: GetKeyMetadata, round trips through Encrypt and Decrypt at the
//! sizes and in the forms KMS uses, Decrypts that must be refused, and requests shaped wrongly or
//! unusually on purpose. Only the fixed probe pattern is ever encrypted (`facts::probe_bytes`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures_util::future::join_all;
use serde_json::{json, Map, Value};

use super::requests::{self, Metadata};
use super::sign::Signature;
use super::{call, credential, no_secret, signed, Call, Pool, ProxyInputs, WRONG_PREFIX};
use crate::facts::{
    probe_bytes, ExternalKeyFacts, Fact, KeyApi, MisdirectedCall, Misdirection, Probed, ProxyExchange, RoundTripFacts,
    SignatureFault, TamperFacts, Tampering, Why, UNKNOWN_OPERATION,
};

/// The specification's largest sizes: what a proxy must handle.
const PLAINTEXT_BYTES: usize = 4300;
const AAD_BYTES: usize = 8192;
/// The smaller round trips: a data key's size (seed 4), and their AAD (seed 5).
const SMALL_PLAINTEXT_BYTES: usize = 32;

fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("the field literals are objects"),
    }
}

fn key_uri(base: &str, xks_key_id: &str, operation: &str) -> String {
    format!("{base}/keys/{xks_key_id}/{operation}")
}

pub fn metadata_call<'a>(base: &str, xks_key_id: &str, signature: Signature<'a>, metadata: Metadata) -> Call<'a> {
    Call::post(key_uri(base, xks_key_id, "metadata"), signature, Map::new(), Some(metadata))
}

/// The fields of an Encrypt of `plaintext`, with `aad` and the integrity value when asked.
fn encrypt_fields(plaintext: &[u8], aad: &[u8], integrity_value: bool) -> Map<String, Value> {
    let mut body = fields(json!({"plaintext": STANDARD.encode(plaintext), "encryptionAlgorithm": "AES_GCM"}));
    if !aad.is_empty() {
        body.insert("additionalAuthenticatedData".into(), STANDARD.encode(aad).into());
    }
    if integrity_value {
        body.insert("ciphertextDataIntegrityValueAlgorithm".into(), "SHA_256".into());
    }
    body
}

/// Encrypt of a data key's worth of the probe pattern for the KMS key `kms_key_arn` (a made-up one
/// when none), as KMS sends it.
pub fn encrypt_call<'a>(
    base: &str,
    xks_key_id: &str,
    signature: Signature<'a>,
    region: &str,
    kms_key_arn: Option<&str>,
) -> Call<'a> {
    let arn = kms_key_arn.map(str::to_string).unwrap_or_else(|| probe_key_arn(region));
    let body = encrypt_fields(&probe_bytes(SMALL_PLAINTEXT_BYTES, 4), &[], false);
    Call::post(key_uri(base, xks_key_id, "encrypt"), signature, body, Some(requests::crypto("Encrypt", &arn)))
}

/// The ARN sent for an external key named on the command line, which no KMS key uses yet.
pub fn probe_key_arn(region: &str) -> String {
    format!("arn:aws:kms:{region}:111122223333:key/{}", uuid::Uuid::new_v4())
}

/// What an Encrypt answered, as the fields a Decrypt of it sends back.
#[derive(Clone)]
struct Sealed {
    ciphertext: Vec<u8>,
    iv: Value,
    tag: Value,
    metadata: Option<Value>,
}

impl Sealed {
    fn of(encrypt: &Probed<ProxyExchange>) -> Option<Sealed> {
        let exchange = encrypt.seen().filter(|e| e.status == 200 && e.body_problem.is_none())?;
        let answer: Value = serde_json::from_str(&exchange.body).ok()?;
        Some(Sealed {
            ciphertext: STANDARD.decode(answer.get("ciphertext")?.as_str()?).ok()?,
            iv: answer.get("initializationVector")?.clone(),
            tag: answer.get("authenticationTag")?.clone(),
            metadata: answer.get("ciphertextMetadata").cloned(),
        })
    }

    fn decrypt_fields(&self, aad: &[u8]) -> Map<String, Value> {
        let mut body = fields(json!({
            "ciphertext": STANDARD.encode(&self.ciphertext),
            "encryptionAlgorithm": "AES_GCM",
            "initializationVector": self.iv,
            "authenticationTag": self.tag,
        }));
        if !aad.is_empty() {
            body.insert("additionalAuthenticatedData".into(), STANDARD.encode(aad).into());
        }
        if let Some(metadata) = &self.metadata {
            body.insert("ciphertextMetadata".into(), metadata.clone());
        }
        body
    }
}

/// A base64 value with the first bit of its first byte flipped.
fn flipped(value: &Value) -> Value {
    match value.as_str().and_then(|text| STANDARD.decode(text).ok()).filter(|bytes| !bytes.is_empty()) {
        Some(mut bytes) => {
            bytes[0] ^= 0x01;
            STANDARD.encode(bytes).into()
        }
        None => value.clone(),
    }
}

/// The calls of one external key, signed as KMS signs them.
struct Key<'a> {
    pool: &'a Pool,
    inputs: &'a ProxyInputs,
    base: &'a str,
    xks_key_id: &'a str,
    arn: String,
}

impl Key<'_> {
    async fn post(
        &self,
        operation: &str,
        body: Map<String, Value>,
        metadata: Option<Metadata>,
    ) -> Probed<ProxyExchange> {
        let uri = key_uri(self.base, self.xks_key_id, operation);
        signed(self.pool, self.inputs, |s| Call::post(uri, s, body, metadata)).await
    }

    async fn encrypt(&self, plaintext: &[u8], aad: &[u8], integrity_value: bool) -> Probed<ProxyExchange> {
        let metadata = requests::crypto("Encrypt", &self.arn);
        self.post("encrypt", encrypt_fields(plaintext, aad, integrity_value), Some(metadata)).await
    }

    async fn decrypt(&self, body: Map<String, Value>) -> Probed<ProxyExchange> {
        self.post("decrypt", body, Some(requests::crypto("Decrypt", &self.arn))).await
    }

    /// GetKeyMetadata and Encrypt made wrong in each way the proxy must refuse before it uses the key.
    async fn misdirected(&self) -> Vec<MisdirectedCall> {
        let Some((access_key_id, secret)) = credential(self.inputs) else { return Vec::new() };
        let region = self.inputs.region.as_str();
        let each = [Misdirection::WrongSecret, Misdirection::UnknownAccessKeyId, Misdirection::WrongPrefix];
        let cases = [KeyApi::GetKeyMetadata, KeyApi::Encrypt].into_iter().flat_map(|api| each.map(|m| (api, m)));
        join_all(cases.map(|(api, misdirection)| async move {
            let (signature, base) = match misdirection {
                Misdirection::WrongSecret => (Signature::WrongSecret { access_key_id }, self.base.to_string()),
                Misdirection::UnknownAccessKeyId => {
                    let fault = SignatureFault::UnknownAccessKeyId;
                    (Signature::Faulty { access_key_id, secret, fault }, self.base.to_string())
                }
                Misdirection::WrongPrefix => {
                    (Signature::Kms { access_key_id, secret }, format!("{WRONG_PREFIX}{}", self.base))
                }
            };
            let request = match api {
                KeyApi::GetKeyMetadata => metadata_call(
                    &base,
                    self.xks_key_id,
                    signature,
                    requests::key_metadata(requests::DESCRIBE_KEY, &self.arn),
                ),
                KeyApi::Encrypt => encrypt_call(&base, self.xks_key_id, signature, region, Some(&self.arn)),
            };
            MisdirectedCall { api, misdirection, exchange: call(self.pool, region, request).await }
        }))
        .await
    }

    /// Encrypt, then Decrypt of what it answered (not tried when Encrypt did not answer).
    async fn round_trip(&self, plaintext_bytes: usize, aad_bytes: usize, integrity_value: bool) -> RoundTripFacts {
        let (plaintext, aad) = (probe_bytes(plaintext_bytes, 4), probe_bytes(aad_bytes, 5));
        let encrypt = self.encrypt(&plaintext, &aad, integrity_value).await;
        let decrypt = match Sealed::of(&encrypt) {
            Some(sealed) => self.decrypt(sealed.decrypt_fields(&aad)).await,
            None => not_encrypted(),
        };
        RoundTripFacts { plaintext_bytes, aad_bytes, integrity_value, encrypt, decrypt }
    }
}

fn not_encrypted() -> Probed<ProxyExchange> {
    Probed::NotGathered(Why::Needs { fact: Fact::Ciphertext })
}

/// Every call of one external key; the calls that do not depend on each other run at once.
pub async fn probe(
    pool: &Pool,
    base: &str,
    inputs: &ProxyInputs,
    xks_key_id: &str,
    kms_key_arn: Option<&str>,
) -> ExternalKeyFacts {
    let arn = kms_key_arn.map(str::to_string).unwrap_or_else(|| probe_key_arn(&inputs.region));
    if credential(inputs).is_none() {
        return unsigned(inputs, xks_key_id, arn);
    }
    let key = Key { pool, inputs, base, xks_key_id, arn };
    let small = probe_bytes(SMALL_PLAINTEXT_BYTES, 4);
    let region = inputs.region.as_str();
    let more_round_trips = async {
        let (plain, with_integrity) = tokio::join!(
            key.round_trip(SMALL_PLAINTEXT_BYTES, 0, false),
            key.round_trip(SMALL_PLAINTEXT_BYTES, 0, true)
        );
        vec![plain, with_integrity]
    };
    let (
        metadata,
        metadata_unknown_operation,
        metadata_long,
        metadata_without_request_metadata,
        metadata_with_empty_request_metadata,
        encrypt_long,
        encrypt_without_request_metadata,
        encrypt_without_plaintext,
        largest,
        more_round_trips,
        misdirected,
    ) = tokio::join!(
        Box::pin(key.post("metadata", Map::new(), Some(requests::key_metadata(requests::DESCRIBE_KEY, &key.arn)))),
        key.post("metadata", Map::new(), Some(requests::key_metadata(UNKNOWN_OPERATION, &key.arn))),
        key.post("metadata", Map::new(), Some(requests::long(requests::DESCRIBE_KEY, region, true))),
        key.post("metadata", Map::new(), None),
        key.post("metadata", requests::empty_metadata(), None),
        key.post("encrypt", encrypt_fields(&small, &[], false), Some(requests::long("Encrypt", region, true))),
        key.post("encrypt", encrypt_fields(&small, &[], false), None),
        key.post(
            "encrypt",
            fields(json!({"encryptionAlgorithm": "AES_GCM"})),
            Some(requests::crypto("Encrypt", &key.arn))
        ),
        Box::pin(key.largest_round_trip()),
        Box::pin(more_round_trips),
        Box::pin(key.misdirected()),
    );
    ExternalKeyFacts {
        xks_key_id: xks_key_id.to_string(),
        kms_key_arn: key.arn.clone(),
        plaintext_bytes: PLAINTEXT_BYTES,
        aad_bytes: AAD_BYTES,
        metadata,
        encrypt: largest.encrypt,
        decrypt: largest.decrypt,
        decrypt_flipped: largest.decrypt_flipped,
        decrypt_other_aad: largest.decrypt_other_aad,
        more_tampering: largest.more_tampering,
        more_round_trips,
        metadata_unknown_operation,
        metadata_long,
        encrypt_long,
        metadata_without_request_metadata,
        metadata_with_empty_request_metadata,
        encrypt_without_request_metadata,
        encrypt_without_plaintext,
        misdirected,
    }
}

/// A key's facts when nothing could be signed: every call not made, for the same reason.
fn unsigned(inputs: &ProxyInputs, xks_key_id: &str, kms_key_arn: String) -> ExternalKeyFacts {
    ExternalKeyFacts {
        xks_key_id: xks_key_id.to_string(),
        kms_key_arn,
        plaintext_bytes: PLAINTEXT_BYTES,
        aad_bytes: AAD_BYTES,
        metadata: no_secret(inputs),
        encrypt: no_secret(inputs),
        decrypt: no_secret(inputs),
        decrypt_flipped: no_secret(inputs),
        decrypt_other_aad: no_secret(inputs),
        more_tampering: Vec::new(),
        more_round_trips: Vec::new(),
        metadata_unknown_operation: no_secret(inputs),
        metadata_long: no_secret(inputs),
        encrypt_long: no_secret(inputs),
        metadata_without_request_metadata: no_secret(inputs),
        metadata_with_empty_request_metadata: no_secret(inputs),
        encrypt_without_request_metadata: no_secret(inputs),
        encrypt_without_plaintext: no_secret(inputs),
        misdirected: Vec::new(),
    }
}

/// The largest round trip, and every Decrypt of its ciphertext that must be refused.
struct Largest {
    encrypt: Probed<ProxyExchange>,
    decrypt: Probed<ProxyExchange>,
    decrypt_flipped: Probed<ProxyExchange>,
    decrypt_other_aad: Probed<ProxyExchange>,
    more_tampering: Vec<TamperFacts>,
}

impl Key<'_> {
    async fn largest_round_trip(&self) -> Largest {
        let (plaintext, aad) = (probe_bytes(PLAINTEXT_BYTES, 1), probe_bytes(AAD_BYTES, 2));
        let encrypt = self.encrypt(&plaintext, &aad, true).await;
        let Some(sealed) = Sealed::of(&encrypt) else {
            return Largest {
                encrypt,
                decrypt: not_encrypted(),
                decrypt_flipped: not_encrypted(),
                decrypt_other_aad: not_encrypted(),
                more_tampering: Vec::new(),
            };
        };
        let mut bit_flipped = sealed.clone();
        if let Some(first) = bit_flipped.ciphertext.first_mut() {
            *first ^= 0x01;
        }
        let tampered = |tampering: Tampering| {
            let mut body = sealed.decrypt_fields(&aad);
            match tampering {
                Tampering::ChangedTag => body.insert("authenticationTag".into(), flipped(&sealed.tag)),
                Tampering::ChangedIv => body.insert("initializationVector".into(), flipped(&sealed.iv)),
                Tampering::MissingAad => body.remove("additionalAuthenticatedData"),
                Tampering::ChangedMetadata => {
                    body.insert("ciphertextMetadata".into(), flipped(sealed.metadata.as_ref().unwrap_or(&Value::Null)))
                }
            };
            async move { TamperFacts { tampering, decrypt: self.decrypt(body).await } }
        };
        let mut tamperings = vec![Tampering::ChangedTag, Tampering::ChangedIv, Tampering::MissingAad];
        if sealed.metadata.is_some() {
            tamperings.push(Tampering::ChangedMetadata);
        }
        let (decrypt, decrypt_flipped, decrypt_other_aad, more_tampering) = tokio::join!(
            self.decrypt(sealed.decrypt_fields(&aad)),
            self.decrypt(bit_flipped.decrypt_fields(&aad)),
            self.decrypt(sealed.decrypt_fields(&probe_bytes(AAD_BYTES, 3))),
            join_all(tamperings.into_iter().map(tampered)),
        );
        Largest { encrypt, decrypt, decrypt_flipped, decrypt_other_aad, more_tampering }
    }
}
