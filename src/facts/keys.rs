use serde::{Deserialize, Serialize};

use super::{not_gathered, Probed, ProxyExchange};

/// A KMS key of a custom key store, from ListKeys and DescribeKey.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KmsKeyFacts {
    pub key_id: String,
    pub arn: Option<String>,
    pub custom_key_store_id: Option<String>,
    pub key_state: Option<String>,
    /// `XksKeyConfiguration.Id`: the external key it uses.
    pub xks_key_id: Option<String>,
}

/// The proxy's key APIs for one external key, with data of the specification's largest sizes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExternalKeyFacts {
    pub xks_key_id: String,
    /// The KMS key ARN sent in requestMetadata.
    pub kms_key_arn: String,
    pub plaintext_bytes: usize,
    pub aad_bytes: usize,
    pub metadata: Probed<ProxyExchange>,
    pub encrypt: Probed<ProxyExchange>,
    pub decrypt: Probed<ProxyExchange>,
    /// Decrypt of the ciphertext with one bit flipped.
    pub decrypt_flipped: Probed<ProxyExchange>,
    /// Decrypt with other additional authenticated data.
    pub decrypt_other_aad: Probed<ProxyExchange>,
    /// Decrypts of the same ciphertext altered in the other ways a proxy must refuse.
    #[serde(default)]
    pub more_tampering: Vec<TamperFacts>,
    /// Round trips besides the largest: without AAD or an integrity value, and with one but no AAD.
    #[serde(default)]
    pub more_round_trips: Vec<RoundTripFacts>,
    /// GetKeyMetadata whose kmsOperation no proxy knows: it must be served.
    #[serde(default = "not_gathered")]
    pub metadata_unknown_operation: Probed<ProxyExchange>,
    /// GetKeyMetadata and Encrypt with 2,048-character ARNs and every optional requestMetadata field.
    #[serde(default = "not_gathered")]
    pub metadata_long: Probed<ProxyExchange>,
    #[serde(default = "not_gathered")]
    pub encrypt_long: Probed<ProxyExchange>,
    /// Requests that must be refused with 400 ValidationException.
    #[serde(default = "not_gathered")]
    pub metadata_without_request_metadata: Probed<ProxyExchange>,
    #[serde(default = "not_gathered")]
    pub metadata_with_empty_request_metadata: Probed<ProxyExchange>,
    #[serde(default = "not_gathered")]
    pub encrypt_without_request_metadata: Probed<ProxyExchange>,
    #[serde(default = "not_gathered")]
    pub encrypt_without_plaintext: Probed<ProxyExchange>,
    /// GetKeyMetadata and Encrypt of this key made wrong in a way the proxy must refuse before it looks at
    /// the key: a wrong signature, or a path prefix it does not serve.
    #[serde(default)]
    pub misdirected: Vec<MisdirectedCall>,
}

/// The key API a misdirected call went to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum KeyApi {
    GetKeyMetadata,
    Encrypt,
}

/// How a key call was made wrong on purpose.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Misdirection {
    /// Signed with a secret the proxy cannot know: must get 401.
    WrongSecret,
    /// Signed with the store's secret under an access key ID the proxy never issued: must get 401.
    UnknownAccessKeyId,
    /// Signed as KMS signs, below a path prefix the proxy does not serve: must get 404.
    WrongPrefix,
}

impl Misdirection {
    pub fn label(self) -> &'static str {
        match self {
            Misdirection::WrongSecret => "signed with a wrong secret",
            Misdirection::UnknownAccessKeyId => "signed under an unknown access key ID",
            Misdirection::WrongPrefix => "below a path prefix the proxy does not serve",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MisdirectedCall {
    pub api: KeyApi,
    pub misdirection: Misdirection,
    pub exchange: Probed<ProxyExchange>,
}

impl ExternalKeyFacts {
    /// Every call made for this key.
    pub fn calls(&self) -> Vec<&Probed<ProxyExchange>> {
        let mut calls =
            vec![&self.metadata, &self.encrypt, &self.decrypt, &self.decrypt_flipped, &self.decrypt_other_aad];
        calls.extend(self.more_tampering.iter().map(|tamper| &tamper.decrypt));
        calls.extend(self.more_round_trips.iter().flat_map(|trip| [&trip.encrypt, &trip.decrypt]));
        calls.extend([
            &self.metadata_unknown_operation,
            &self.metadata_long,
            &self.encrypt_long,
            &self.metadata_without_request_metadata,
            &self.metadata_with_empty_request_metadata,
            &self.encrypt_without_request_metadata,
            &self.encrypt_without_plaintext,
        ]);
        calls.extend(self.misdirected.iter().map(|call| &call.exchange));
        calls
    }
}

/// How a ciphertext was altered before it was given back to Decrypt.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Tampering {
    /// One bit of the authentication tag flipped.
    ChangedTag,
    /// One bit of the initialization vector flipped.
    ChangedIv,
    /// The AAD it was encrypted with left out.
    MissingAad,
    /// One bit of the ciphertextMetadata flipped (only when Encrypt returned metadata).
    ChangedMetadata,
}

impl Tampering {
    pub fn label(self) -> &'static str {
        match self {
            Tampering::ChangedTag => "a changed authentication tag",
            Tampering::ChangedIv => "a changed initialization vector",
            Tampering::MissingAad => "the AAD left out",
            Tampering::ChangedMetadata => "changed ciphertextMetadata",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TamperFacts {
    pub tampering: Tampering,
    pub decrypt: Probed<ProxyExchange>,
}

/// One Encrypt then Decrypt of `plaintext_bytes` of the probe pattern (seed 4), with `aad_bytes` of AAD
/// (seed 5; none when 0), asking for the ciphertext data integrity value or not.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RoundTripFacts {
    pub plaintext_bytes: usize,
    pub aad_bytes: usize,
    pub integrity_value: bool,
    pub encrypt: Probed<ProxyExchange>,
    pub decrypt: Probed<ProxyExchange>,
}

/// The probe's data: a fixed pattern, so that a replay can recompute what was sent.
pub fn probe_bytes(length: usize, seed: u8) -> Vec<u8> {
    (0..length).map(|i| (i as u64 * 31 + u64::from(seed)) as u8).collect()
}
