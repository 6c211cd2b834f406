//! What KMS answers, operation by operation, when a requirement is broken: the specification's mapping
//! of proxy errors to KMS exceptions, and the troubleshooting guide's connection error codes.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// CreateCustomKeyStore and UpdateCustomKeyStore.
    CreateOrUpdateStore,
    /// The ConnectionErrorCode after ConnectCustomKeyStore.
    ConnectStore,
    CreateKey,
    /// Encrypt, Decrypt, GenerateDataKey, ReEncrypt and the other cryptographic operations.
    Cryptographic,
}

impl Operation {
    pub fn label(self) -> &'static str {
        match self {
            Operation::CreateOrUpdateStore => "Create/UpdateCustomKeyStore",
            Operation::ConnectStore => "ConnectCustomKeyStore",
            Operation::CreateKey => "CreateKey",
            Operation::Cryptographic => "Encrypt/Decrypt",
        }
    }
}

use Operation::*;

type Answers = &'static [(Operation, &'static str)];

const UNREACHABLE: Answers = &[
    (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
    (ConnectStore, "XKS_PROXY_NOT_REACHABLE"),
    (CreateKey, "CustomKeyStoreInvalidStateException"),
    (Cryptographic, "KMSInvalidStateException"),
];
const TLS: Answers = &[
    (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
    (ConnectStore, "XKS_PROXY_INVALID_TLS_CONFIGURATION"),
    (CreateKey, "CustomKeyStoreInvalidStateException"),
    (Cryptographic, "KMSInvalidStateException"),
];
const INVALID_RESPONSE: Answers = &[
    (CreateOrUpdateStore, "XksProxyInvalidResponseException"),
    (ConnectStore, "XKS_PROXY_INVALID_RESPONSE"),
    (CreateKey, "CustomKeyStoreInvalidStateException"),
    (Cryptographic, "KMSInvalidStateException"),
];
const CREDENTIALS: Answers = &[
    (CreateOrUpdateStore, "XksProxyIncorrectAuthenticationCredentialException"),
    (ConnectStore, "INVALID_CREDENTIALS"),
    (CreateKey, "CustomKeyStoreInvalidStateException"),
    (Cryptographic, "KMSInvalidStateException"),
];
const URI_PATH: Answers = &[
    (CreateOrUpdateStore, "XksProxyInvalidConfigurationException"),
    (ConnectStore, "XKS_PROXY_INVALID_CONFIGURATION"),
    (CreateKey, "CustomKeyStoreInvalidStateException"),
    (Cryptographic, "KMSInvalidStateException"),
];
const VPC_INVALID: Answers = &[
    (CreateOrUpdateStore, "XksProxyVpcEndpointServiceInvalidConfigurationException"),
    (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"),
];
const VPC_NOT_FOUND: Answers = &[
    (CreateOrUpdateStore, "XksProxyVpcEndpointServiceNotFoundException"),
    (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"),
];
const MALFORMED_SETTING: Answers =
    &[(CreateOrUpdateStore, "ValidationException or XksProxyInvalidConfigurationException")];

/// What KMS answers because `check_id` fails, per operation; empty for recommendations KMS does not enforce.
pub fn kms_answers(check_id: &str) -> Answers {
    match check_id {
        "config.store_found" => &[
            (CreateOrUpdateStore, "CustomKeyStoreNotFoundException (UpdateCustomKeyStore)"),
            (ConnectStore, "CustomKeyStoreNotFoundException"),
            (CreateKey, "CustomKeyStoreNotFoundException"),
        ],
        "config.connection_state" => &[
            (ConnectStore, "CustomKeyStoreInvalidStateException while FAILED (disconnect first)"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException (the keys are Unavailable)"),
        ],
        "config.endpoint_format" | "config.access_key_id_format" | "config.secret_format" => MALFORMED_SETTING,
        "config.path_format" => &[
            (CreateOrUpdateStore, "ValidationException or XksProxyInvalidConfigurationException"),
            (ConnectStore, "XKS_PROXY_INVALID_CONFIGURATION"),
        ],
        "config.uri_length" => &[(
            CreateKey,
            "the proxy refuses the over-long URI: XksKeyNotFoundException or CustomKeyStoreInvalidStateException",
        )],
        "config.proxy_config_match" => &[
            (
                CreateOrUpdateStore,
                "XksProxyIncorrectAuthenticationCredentialException or XksProxyInvalidConfigurationException",
            ),
            (ConnectStore, "INVALID_CREDENTIALS or XKS_PROXY_INVALID_CONFIGURATION"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        "config.endpoint_unique" => &[(
            CreateOrUpdateStore,
            "XksProxyUriInUseException, XksProxyUriEndpointInUseException or XksProxyVpcEndpointServiceInUseException",
        )],
        "config.region_supported" => &[(CreateOrUpdateStore, "refused: the Region offers no external key stores")],
        "config.store_quota" => {
            &[(CreateOrUpdateStore, "CustomKeyStoreQuotaExceeded (LimitExceededException) on CreateCustomKeyStore")]
        }
        "vpc.service_found" | "vpc.service_region" | "vpc.allowed_principal" => VPC_NOT_FOUND,
        "vpc.service_state"
        | "vpc.service_type"
        | "vpc.load_balancer_type"
        | "vpc.availability_zones"
        | "vpc.acceptance_required"
        | "vpc.private_dns_name"
        | "vpc.private_dns_verified"
        | "dns.public_parent"
        | "dns.verification_txt" => VPC_INVALID,
        "vpc.nlb_listener" => &[
            (ConnectStore, "XKS_PROXY_NOT_REACHABLE or XKS_PROXY_INVALID_RESPONSE"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        "vpc.targets_healthy" => {
            &[(ConnectStore, "XKS_PROXY_NOT_REACHABLE"), (Cryptographic, "KMSInvalidStateException")]
        }
        "dns.resolves" | "net.tcp_connect" | "proxy.ekm_available" => UNREACHABLE,
        "net.rtt" => &[
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_NOT_REACHABLE or XKS_PROXY_TIMED_OUT"),
            (Cryptographic, "KMSInvalidStateException (timed out)"),
        ],
        "tls.version" | "tls.cipher_suite" | "tls.hostname" | "tls.validity" | "tls.chain_complete"
        | "tls.trusted_ca" => TLS,
        "tls.http11" | "proxy.health" | "proxy.error_format" => INVALID_RESPONSE,
        "proxy.credential_accepted" | "proxy.clock_skew" => CREDENTIALS,
        "proxy.uri_path" => URI_PATH,
        "proxy.access" => &[
            (ConnectStore, "XKS_PROXY_ACCESS_DENIED"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        "proxy.latency" => &[
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_TIMED_OUT"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        "key.metadata" => &[
            (CreateKey, "XksKeyNotFoundException or XksKeyInvalidConfigurationException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        "key.round_trip" | "key.kms_key_state" => &[(Cryptographic, "KMSInvalidStateException")],
        "key.unique" => &[(CreateKey, "XksKeyAlreadyInUseException")],
        _ => &[],
    }
}
