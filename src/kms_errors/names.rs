//! What KMS answers with, as users meet it: exception names, connection error codes and the messages of
//! the troubleshooting guide, and the topic that explains each.

use super::topics::TopicId;

/// KMS's messages from the troubleshooting guide, as data: what users paste is KMS's wording.
const GUIDE: &str = include_str!("../../data/kms-errors.tsv");

/// Exception names and connection error codes, with the topic that explains them.
pub const NAMES: &[(&str, TopicId)] = &[
    ("INTERNAL_ERROR", TopicId::Internal),
    ("INVALID_CREDENTIALS", TopicId::Credentials),
    ("NETWORK_ERRORS", TopicId::Network),
    ("XKS_PROXY_ACCESS_DENIED", TopicId::AccessDenied),
    ("XKS_PROXY_INVALID_CONFIGURATION", TopicId::UriPath),
    ("XKS_PROXY_INVALID_RESPONSE", TopicId::InvalidResponse),
    ("XKS_PROXY_INVALID_TLS_CONFIGURATION", TopicId::Tls),
    ("XKS_PROXY_NOT_REACHABLE", TopicId::Unreachable),
    ("XKS_PROXY_TIMED_OUT", TopicId::TimedOut),
    ("XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION", TopicId::VpcInvalid),
    ("XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND", TopicId::VpcNotFound),
    ("XksProxyIncorrectAuthenticationCredentialException", TopicId::Credentials),
    ("XksProxyInvalidConfigurationException", TopicId::InvalidConfiguration),
    ("XksProxyInvalidResponseException", TopicId::InvalidResponse),
    ("XksProxyUriUnreachableException", TopicId::Unreachable),
    ("XksProxyVpcEndpointServiceInvalidConfigurationException", TopicId::VpcInvalid),
    ("XksProxyVpcEndpointServiceNotFoundException", TopicId::VpcNotFound),
    ("XksProxyUriInUseException", TopicId::InUse),
    ("XksProxyUriEndpointInUseException", TopicId::InUse),
    ("XksProxyVpcEndpointServiceInUseException", TopicId::InUse),
    ("CustomKeyStoreNotFoundException", TopicId::StoreNotFound),
    ("CustomKeyStoreInvalidStateException", TopicId::NotConnected),
    ("CustomKeyStoreQuotaExceeded", TopicId::Quota),
    ("LimitExceededException", TopicId::Quota),
    ("KMSInvalidStateException", TopicId::KeyState),
    ("XksKeyNotFoundException", TopicId::KeyNotFound),
    ("XksKeyInvalidConfigurationException", TopicId::KeyInvalid),
    ("XksKeyAlreadyInUseException", TopicId::KeyInUse),
    ("UnsupportedOperationException", TopicId::Unsupported),
    ("DisabledException", TopicId::KmsKeyDisabled),
];

/// Phrases of KMS's error messages (its words, which is what users paste) and the topic each means.
pub const MESSAGE_TOPICS: &[(&str, TopicId)] = &[
    ("invalid URI path", TopicId::UriPath),
    ("cannot establish a TLS connection", TopicId::Tls),
    ("cannot communicate with the external key store proxy", TopicId::Unreachable),
    ("did not respond in time", TopicId::TimedOut),
    ("did not respond to the request in the time allotted", TopicId::TimedOut),
    ("could not authenticate AWS KMS", TopicId::Credentials),
    ("ciphertext or additional authenticated data is corrupted", TopicId::Ciphertext),
    ("submitted for decryption, or the encryption context, is corrupted", TopicId::Ciphertext),
    ("could not find the external key", TopicId::KeyNotFound),
    ("key spec of the external key must be AES_256", TopicId::KeyInvalid),
    ("status of the external key must be ENABLED", TopicId::KeyInvalid),
    ("key usage of the external key must include ENCRYPT and DECRYPT", TopicId::KeyInvalid),
    ("external key does not support the requested operation", TopicId::KeyDisabled),
    ("external key is not enabled in the external key manager", TopicId::KeyDisabled),
    ("is in an unhealthy state", TopicId::Unhealthy),
    ("cannot interpret the response from the external key store proxy", TopicId::InvalidResponse),
    ("does not support the requested cryptographic operation", TopicId::Unsupported),
    ("denied access to the operation", TopicId::AccessDenied),
    ("not connected to its external key store proxy", TopicId::NotConnected),
];

/// Every message of the troubleshooting guide, whole (placeholders such as `<key-spec>` included).
pub fn guide_messages() -> impl Iterator<Item = &'static str> {
    GUIDE.lines().filter_map(|line| line.strip_prefix("message\t"))
}
