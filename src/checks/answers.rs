//! The proxy's answer bodies in the shapes the specification gives them (`body::read` reads one). A
//! body that is not of its type is refused with serde's words for what is missing or of the wrong type;
//! the checks then judge the values.

use serde::Deserialize;

/// GetHealthStatus.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    pub xks_proxy_fleet_size: i64,
    pub xks_proxy_vendor: String,
    pub xks_proxy_model: String,
    pub ekm_vendor: String,
    pub ekm_fleet_details: Vec<KeyManager>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyManager {
    pub id: String,
    /// Required by the specification: read so that an answer without it is refused, and not shown.
    #[serde(rename = "model")]
    _model: String,
    pub health_status: String,
}

/// GetKeyMetadata.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyMetadata {
    pub key_spec: String,
    pub key_usage: Vec<String>,
    pub key_status: String,
}

/// Encrypt: each binary field base64, as the proxy sent it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Encrypted {
    pub ciphertext: String,
    pub initialization_vector: String,
    pub authentication_tag: String,
    pub ciphertext_metadata: Option<String>,
    pub ciphertext_data_integrity_value: Option<String>,
}

/// Decrypt.
#[derive(Debug, Deserialize)]
pub struct Decrypted {
    pub plaintext: String,
}

/// An error answer, as far as a reader needs it to know what was refused.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorName {
    pub error_name: String,
}

/// An error answer whole: a message, when there is one, must be text.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorAnswer {
    pub error_name: String,
    pub error_message: Option<String>,
}
