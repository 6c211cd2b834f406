use serde::{Deserialize, Serialize};

/// One entry of DescribeCustomKeyStores. Enumerations are kept as AWS spells them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoreFacts {
    pub id: String,
    pub name: Option<String>,
    pub store_type: Option<String>,
    pub connection_state: Option<String>,
    pub connection_error_code: Option<String>,
    pub creation_date: Option<String>,
    pub xks: Option<XksProxySettings>,
}

/// `XksProxyConfiguration` of a store.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct XksProxySettings {
    pub connectivity: Option<String>,
    pub access_key_id: Option<String>,
    pub uri_endpoint: Option<String>,
    pub uri_path: Option<String>,
    pub vpc_endpoint_service_name: Option<String>,
    pub vpc_endpoint_service_owner: Option<String>,
}

/// Settings for a store not created yet, as the user gave them on the command line, or as a plan or
/// template declares them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PlannedSettings {
    /// As a plan states it; else it follows from whether a service name is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connectivity: Option<String>,
    pub uri_endpoint: Option<String>,
    pub uri_path: Option<String>,
    pub vpc_endpoint_service_name: Option<String>,
    pub vpc_endpoint_service_owner: Option<String>,
    pub access_key_id: Option<String>,
}

/// The JSON proxy configuration file a proxy hands out for the KMS console.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProxyConfigFacts {
    pub file: String,
    pub uri_path: Option<String>,
    pub access_key_id: Option<String>,
}

/// What can be said about the proxy secret access key without keeping it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecretShape {
    /// Where it came from: an environment variable, a file, standard input or the proxy configuration file.
    pub source: String,
    pub length: usize,
    /// How many characters fall outside A-Z a-z 0-9 / + =.
    pub disallowed_characters: usize,
}

impl SecretShape {
    pub fn of(secret: &str, source: impl Into<String>) -> Self {
        SecretShape {
            source: source.into(),
            length: secret.chars().count(),
            disallowed_characters: secret
                .chars()
                .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '+' | '=')))
                .count(),
        }
    }
}
