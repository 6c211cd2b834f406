use serde::{Deserialize, Serialize};

use super::{Probed, ProxyExchange};

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
}

/// The probe's data: a fixed pattern, so that a replay can recompute what was sent.
pub fn probe_bytes(length: usize, seed: u8) -> Vec<u8> {
    (0..length).map(|i| (i as u64 * 31 + u64::from(seed)) as u8).collect()
}
