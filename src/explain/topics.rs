//! What each of KMS's external key store errors means, in the tool's own words: what KMS was doing,
//! the likely causes in order with the checks that confirm or rule each out, and what to do.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Cause {
    pub text: &'static str,
    pub checks: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Topic {
    pub id: &'static str,
    pub title: &'static str,
    pub kms_doing: &'static str,
    pub causes: &'static [Cause],
    pub what_to_do: &'static str,
}

const fn cause(text: &'static str, checks: &'static [&'static str]) -> Cause {
    Cause { text, checks }
}

const CONNECTING: &str = "Connecting the store to its proxy (ConnectCustomKeyStore runs on for about five \
    minutes after it returns; the outcome shows as the store's ConnectionState).";
const MANAGING: &str = "Creating or updating the store (CreateCustomKeyStore, UpdateCustomKeyStore), which \
    checks the settings and asks the proxy for its health.";
const USING: &str = "A cryptographic operation (Encrypt, Decrypt, GenerateDataKey, ReEncrypt…) with a KMS key of \
    the store, or CreateKey; KMS reports almost every proxy problem there as KMSInvalidStateException or \
    CustomKeyStoreInvalidStateException, and the message says which.";
const CREATING_KEY: &str = "Creating a KMS key in the store (CreateKey), which asks the proxy for the external \
    key's metadata.";

pub const TOPICS: &[Topic] = &[
    Topic {
        id: "internal",
        title: "A fault inside KMS",
        kms_doing: CONNECTING,
        causes: &[cause("KMS itself failed; nothing points at the proxy or the network.", &["config.connection_state"])],
        what_to_do: "Disconnect the store, connect it again, and contact AWS Support if it keeps failing this way.",
    },
    Topic {
        id: "credentials",
        title: "The proxy does not accept KMS's credential",
        kms_doing: "Signing a request to the proxy with the store's access key ID and secret access key (SigV4).",
        causes: &[
            cause("The access key ID or secret access key in KMS differs from what the proxy holds for this path.", &["config.proxy_config_match", "config.access_key_id_format", "config.secret_format", "proxy.credential_accepted"]),
            cause("The proxy rotated its credential and the store was not updated.", &["proxy.credential_accepted"]),
            cause("Something between KMS and the proxy rewrites HTTP headers, which breaks the signature.", &["proxy.credential_accepted"]),
            cause("The proxy's clock is more than five minutes off.", &["proxy.clock_skew"]),
        ],
        what_to_do: "Set the proxy's current credential on the store with UpdateCustomKeyStore (it can stay connected), \
            and keep header-rewriting proxies out of the path.",
    },
    Topic {
        id: "network",
        title: "Network errors on the way to the backing key store",
        kms_doing: CONNECTING,
        causes: &[
            cause("The network path to the proxy fails.", &["dns.resolves", "net.tcp_connect", "vpc.nlb_listener", "vpc.targets_healthy"]),
        ],
        what_to_do: "Repair the path to the proxy, then disconnect and connect the store again.",
    },
    Topic {
        id: "access_denied",
        title: "The proxy's own authorization refuses KMS",
        kms_doing: USING,
        causes: &[
            cause("The proxy applies authorization rules (by principal, key, operation or VPC) that do not allow this request.", &["proxy.access"]),
        ],
        what_to_do: "Change the authorization policy in the proxy or external key manager; nothing in KMS can override it.",
    },
    Topic {
        id: "uri_path",
        title: "The proxy does not serve the configured URI path",
        kms_doing: MANAGING,
        causes: &[
            cause("XksProxyUriPath has a wrong or missing prefix.", &["config.path_format", "config.proxy_config_match", "proxy.uri_path"]),
            cause("An upgrade of the proxy or external key manager changed the path it serves.", &["proxy.uri_path"]),
        ],
        what_to_do: "Read the path from the proxy's configuration file or documentation and set it with UpdateCustomKeyStore.",
    },
    Topic {
        id: "invalid_response",
        title: "KMS cannot make sense of the proxy's answer",
        kms_doing: "Reading the proxy's answer to one of its API calls.",
        causes: &[
            cause("A load balancer passes TCP on 443 to a proxy that speaks plain HTTP, or TLS ends in the wrong place.", &["vpc.nlb_listener", "tls.http11"]),
            cause("The proxy answers outside the specification: not JSON, missing fields, unknown values.", &["proxy.health", "proxy.error_format"]),
            cause("A transient fault in the proxy.", &["proxy.health"]),
        ],
        what_to_do: "Make the proxy answer as the XKS proxy API specification says; if it already seems to, report it to the proxy's vendor.",
    },
    Topic {
        id: "tls",
        title: "The TLS connection to the proxy fails",
        kms_doing: "Opening a TLS connection to the proxy's endpoint.",
        causes: &[
            cause("The certificate does not name the endpoint's host (for a VPC store: the private DNS name).", &["tls.hostname", "vpc.private_dns_name"]),
            cause("The certificate has expired or is not valid yet.", &["tls.validity"]),
            cause("The chain does not end at a root on KMS's Trusted Certificate Authorities list, or an intermediate is missing.", &["tls.trusted_ca", "tls.chain_complete"]),
            cause("The proxy offers neither TLS 1.2 nor 1.3, or none of KMS's cipher suites.", &["tls.version", "tls.cipher_suite"]),
        ],
        what_to_do: "Serve a certificate for the endpoint's host from a CA on KMS's list, with its full chain, over TLS 1.2 or 1.3.",
    },
    Topic {
        id: "unreachable",
        title: "KMS cannot reach the proxy",
        kms_doing: "Calling the proxy (GetHealthStatus when creating, updating or connecting the store; Encrypt, \
            Decrypt or GetKeyMetadata when the store is used).",
        causes: &[
            cause("The endpoint or path in the store is wrong.", &["config.endpoint_format", "config.path_format", "proxy.uri_path"]),
            cause("The endpoint does not resolve, or port 443 does not accept connections.", &["dns.resolves", "net.tcp_connect"]),
            cause("For a VPC store: the load balancer has no listener on 443 or no healthy targets.", &["vpc.nlb_listener", "vpc.targets_healthy"]),
            cause("The proxy says every external key manager is UNAVAILABLE.", &["proxy.ekm_available"]),
            cause("The proxy is more than 35 ms away from the Region.", &["net.rtt"]),
        ],
        what_to_do: "Make the proxy reachable on port 443 at the configured endpoint, with at least one external key \
            manager available, close to the store's Region.",
    },
    Topic {
        id: "timed_out",
        title: "The proxy answered too late",
        kms_doing: "Waiting up to 250 ms for the proxy's answer.",
        causes: &[
            cause("The proxy or the external key manager behind it is slow or overloaded.", &["proxy.latency"]),
            cause("The proxy is far from the store's Region.", &["net.rtt", "proxy.latency"]),
        ],
        what_to_do: "Find where the time goes (network, proxy, external key manager). Persistent timeouts are for the proxy's \
            operator or vendor; a single one can be retried.",
    },
    Topic {
        id: "vpc_invalid",
        title: "The VPC endpoint service breaks KMS's rules",
        kms_doing: "Checking the VPC endpoint service and creating an interface endpoint to it.",
        causes: &[
            cause("Acceptance of endpoint connections is required.", &["vpc.acceptance_required"]),
            cause("The service is not backed by a Network Load Balancer in two or more Availability Zones.", &["vpc.load_balancer_type", "vpc.availability_zones", "vpc.service_type"]),
            cause("The service has no private DNS name, or it differs from the store's endpoint.", &["vpc.private_dns_name"]),
            cause("The private DNS name's domain is not verified (its TXT record is missing, or it lies under no public domain).", &["vpc.private_dns_verified", "dns.verification_txt", "dns.public_parent"]),
            cause("The service is not Available.", &["vpc.service_state"]),
        ],
        what_to_do: "Fix what the vpc.* and dns.* checks report, then connect the store again.",
    },
    Topic {
        id: "vpc_not_found",
        title: "KMS cannot find or use the VPC endpoint service",
        kms_doing: "Looking up the VPC endpoint service named in the store.",
        causes: &[
            cause("The service name is wrong.", &["vpc.service_found"]),
            cause("The service is in another Region, or another account without VpcEndpointServiceOwner.", &["vpc.service_region", "vpc.service_found"]),
            cause("KMS's principal cks.kms.<region>.amazonaws.com is not allowed on the service.", &["vpc.allowed_principal"]),
        ],
        what_to_do: "Check the name, Region and owner of the service, and allow KMS's service principal on it.",
    },
    Topic {
        id: "not_connected",
        title: "The store is not connected, or its state forbids the operation",
        kms_doing: USING,
        causes: &[
            cause("The store is DISCONNECTED, FAILED or still connecting.", &["config.connection_state"]),
            cause("A KMS key of the store is Unavailable (store disconnected) or PendingDeletion.", &["key.kms_key_state"]),
        ],
        what_to_do: "Connect the store (disconnect it first if FAILED) and, for a key pending deletion, cancel the deletion.",
    },
    Topic {
        id: "key_state",
        title: "A KMS key of the store is in the wrong state, or the proxy refused the operation",
        kms_doing: USING,
        causes: &[
            cause("The store is not connected, so its keys are Unavailable.", &["config.connection_state", "key.kms_key_state"]),
            cause("The KMS key is pending deletion.", &["key.kms_key_state"]),
            cause("The proxy could not be reached, answered late or refused: the message says which.", &["net.tcp_connect", "proxy.latency", "proxy.credential_accepted", "key.round_trip"]),
        ],
        what_to_do: "Read the error message that came with the exception (or paste it here); it names the actual problem.",
    },
    Topic {
        id: "store_not_found",
        title: "No such custom key store",
        kms_doing: "Looking up the store by ID or name in this account and Region.",
        causes: &[cause("The ID or name, the Region or the account is not the store's.", &["config.store_found"])],
        what_to_do: "Check the ID, the Region (--region) and the credentials' account.",
    },
    Topic {
        id: "in_use",
        title: "Another store already uses this endpoint, path or endpoint service",
        kms_doing: MANAGING,
        causes: &[
            cause("Another store of the Region has the same endpoint and path, private DNS name or VPC endpoint service.", &["config.endpoint_unique"]),
        ],
        what_to_do: "Give each store its own endpoint and path; a VPC store needs its own private DNS name and endpoint service.",
    },
    Topic {
        id: "quota",
        title: "No room for another custom key store",
        kms_doing: "Creating a custom key store (CreateCustomKeyStore).",
        causes: &[cause("The account already has as many custom key stores in this Region as its quota allows.", &["config.store_quota"])],
        what_to_do: "Delete a custom key store you do not need, or ask for a higher quota.",
    },
    Topic {
        id: "invalid_configuration",
        title: "A setting of the store is not valid",
        kms_doing: MANAGING,
        causes: &[
            cause("The endpoint is not https:// and a DNS name (a port, a path or an IP address).", &["config.endpoint_format"]),
            cause("The path is malformed or not the one the proxy serves.", &["config.path_format", "proxy.uri_path"]),
            cause("For a VPC store, acceptance is required on the endpoint service.", &["vpc.acceptance_required"]),
        ],
        what_to_do: "Correct the setting the check names and update the store.",
    },
    Topic {
        id: "key_not_found",
        title: "The proxy cannot find the external key",
        kms_doing: CREATING_KEY,
        causes: &[
            cause("The external key ID is wrong, or was an alias or mutable name that now points elsewhere.", &["key.metadata"]),
            cause("The key was deleted from the external key manager.", &["key.metadata"]),
        ],
        what_to_do: "Use the ID the proxy knows the key by. A KMS key's external key ID cannot change: if ciphertexts exist, \
            restore the key under the same ID.",
    },
    Topic {
        id: "key_invalid",
        title: "The external key does not meet KMS's requirements",
        kms_doing: CREATING_KEY,
        causes: &[
            cause("The key is not a 256-bit AES key (AES_256).", &["key.metadata"]),
            cause("The key is not ENABLED in the external key manager.", &["key.metadata"]),
            cause("The key's usage lacks ENCRYPT or DECRYPT.", &["key.metadata"]),
        ],
        what_to_do: "Fix the key in the external key manager, or name another key that is AES_256, ENABLED, for ENCRYPT and DECRYPT.",
    },
    Topic {
        id: "key_in_use",
        title: "Another KMS key of the store already uses this external key",
        kms_doing: CREATING_KEY,
        causes: &[cause("Two KMS keys would share one external key ID.", &["key.unique"])],
        what_to_do: "Use a different external key for each KMS key.",
    },
    Topic {
        id: "ciphertext",
        title: "The ciphertext or its context is not the one that was encrypted",
        kms_doing: "Decrypting (Decrypt, or the decrypting half of ReEncrypt).",
        causes: &[
            cause("The ciphertext was altered or damaged in transit or at rest.", &["key.round_trip"]),
            cause("The encryption context in the request differs from the one used to encrypt.", &["key.round_trip"]),
            cause("The proxy or external key manager changes the ciphertext it returns, or checks the AAD wrongly.", &["key.round_trip", "key.tamper_rejected"]),
        ],
        what_to_do: "Retry once; if it persists, compare the encryption context with the one used at encryption and check \
            the ciphertext's integrity.",
    },
    Topic {
        id: "unhealthy",
        title: "The proxy reports itself unhealthy",
        kms_doing: "Asking the proxy for its health (GetHealthStatus) or using it.",
        causes: &[
            cause("Every external key manager behind the proxy is UNAVAILABLE.", &["proxy.ekm_available", "proxy.health"]),
            cause("The proxy has an operational fault.", &["proxy.health"]),
        ],
        what_to_do: "Bring at least one external key manager back; a passing fault can be retried.",
    },
    Topic {
        id: "unsupported",
        title: "The proxy does not implement what KMS asked",
        kms_doing: USING,
        causes: &[
            cause("The proxy lacks one of the API calls the specification requires, or refuses a size KMS uses.", &["key.round_trip", "proxy.health"]),
            cause("The external key does not allow the operation (usage without ENCRYPT or DECRYPT).", &["key.metadata"]),
        ],
        what_to_do: "Use a proxy that implements the whole XKS proxy API; report the gap to its vendor.",
    },
    Topic {
        id: "key_disabled",
        title: "The external key is disabled or does not allow the operation",
        kms_doing: USING,
        causes: &[
            cause("The external key is disabled in the external key manager.", &["key.metadata"]),
            cause("The external key's usage does not include the operation.", &["key.metadata"]),
        ],
        what_to_do: "Enable the key and give it ENCRYPT and DECRYPT usage in the external key manager.",
    },
    Topic {
        id: "kms_key_disabled",
        title: "The KMS key is disabled",
        kms_doing: USING,
        causes: &[cause("Someone disabled the KMS key (DisableKey); this is about the KMS key, not the external key.", &["key.kms_key_state"])],
        what_to_do: "Enable the KMS key (EnableKey) if it should be used.",
    },
];

/// Exception names and connection error codes, with the topic that explains them.
pub const NAMES: &[(&str, &str)] = &[
    ("INTERNAL_ERROR", "internal"),
    ("INVALID_CREDENTIALS", "credentials"),
    ("NETWORK_ERRORS", "network"),
    ("XKS_PROXY_ACCESS_DENIED", "access_denied"),
    ("XKS_PROXY_INVALID_CONFIGURATION", "uri_path"),
    ("XKS_PROXY_INVALID_RESPONSE", "invalid_response"),
    ("XKS_PROXY_INVALID_TLS_CONFIGURATION", "tls"),
    ("XKS_PROXY_NOT_REACHABLE", "unreachable"),
    ("XKS_PROXY_TIMED_OUT", "timed_out"),
    ("XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION", "vpc_invalid"),
    ("XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND", "vpc_not_found"),
    ("XksProxyIncorrectAuthenticationCredentialException", "credentials"),
    ("XksProxyInvalidConfigurationException", "invalid_configuration"),
    ("XksProxyInvalidResponseException", "invalid_response"),
    ("XksProxyUriUnreachableException", "unreachable"),
    ("XksProxyVpcEndpointServiceInvalidConfigurationException", "vpc_invalid"),
    ("XksProxyVpcEndpointServiceNotFoundException", "vpc_not_found"),
    ("XksProxyUriInUseException", "in_use"),
    ("XksProxyUriEndpointInUseException", "in_use"),
    ("XksProxyVpcEndpointServiceInUseException", "in_use"),
    ("CustomKeyStoreNotFoundException", "store_not_found"),
    ("CustomKeyStoreInvalidStateException", "not_connected"),
    ("CustomKeyStoreQuotaExceeded", "quota"),
    ("LimitExceededException", "quota"),
    ("KMSInvalidStateException", "key_state"),
    ("XksKeyNotFoundException", "key_not_found"),
    ("XksKeyInvalidConfigurationException", "key_invalid"),
    ("XksKeyAlreadyInUseException", "key_in_use"),
    ("UnsupportedOperationException", "unsupported"),
    ("DisabledException", "kms_key_disabled"),
];

/// Phrases of KMS's error messages (its words, which is what users paste) and the topic each means.
pub const MESSAGE_TOPICS: &[(&str, &str)] = &[
    ("invalid URI path", "uri_path"),
    ("cannot establish a TLS connection", "tls"),
    ("cannot communicate with the external key store proxy", "unreachable"),
    ("did not respond in time", "timed_out"),
    ("did not respond to the request in the time allotted", "timed_out"),
    ("could not authenticate AWS KMS", "credentials"),
    ("ciphertext or additional authenticated data is corrupted", "ciphertext"),
    ("submitted for decryption, or the encryption context, is corrupted", "ciphertext"),
    ("could not find the external key", "key_not_found"),
    ("key spec of the external key must be AES_256", "key_invalid"),
    ("status of the external key must be ENABLED", "key_invalid"),
    ("key usage of the external key must include ENCRYPT and DECRYPT", "key_invalid"),
    ("external key does not support the requested operation", "key_disabled"),
    ("external key is not enabled in the external key manager", "key_disabled"),
    ("is in an unhealthy state", "unhealthy"),
    ("cannot interpret the response from the external key store proxy", "invalid_response"),
    ("does not support the requested cryptographic operation", "unsupported"),
    ("denied access to the operation", "access_denied"),
    ("not connected to its external key store proxy", "not_connected"),
];

pub fn topic(id: &str) -> &'static Topic {
    TOPICS.iter().find(|t| t.id == id).unwrap_or_else(|| panic!("topic {id} is named but not written"))
}
