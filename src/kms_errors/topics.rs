//! What each of KMS's external key store errors means, in the tool's own words: what KMS was doing,
//! the likely causes in order with the checks that confirm or rule each out, and what to do.

use serde::Serialize;

use crate::catalogue::CheckId;
use crate::catalogue::CheckId::*;

/// The explanations `explain` and the diagnosis can give, one per kind of KMS error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicId {
    Internal,
    Credentials,
    Network,
    AccessDenied,
    UriPath,
    InvalidResponse,
    Tls,
    Unreachable,
    TimedOut,
    VpcInvalid,
    VpcNotFound,
    NotConnected,
    KeyState,
    StoreNotFound,
    InUse,
    Quota,
    InvalidConfiguration,
    KeyNotFound,
    KeyInvalid,
    KeyInUse,
    Ciphertext,
    Unhealthy,
    Unsupported,
    KeyDisabled,
    KmsKeyDisabled,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Cause {
    pub text: &'static str,
    /// The checks that confirm or rule out this cause, chosen among those the catalogue ties to the
    /// topic (`Topic::checks`; a test keeps them so). Where the catalogue ties none, the text says
    /// where to look instead.
    pub checks: &'static [CheckId],
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Topic {
    pub id: TopicId,
    pub title: &'static str,
    pub kms_doing: &'static str,
    pub causes: &'static [Cause],
    pub what_to_do: &'static str,
}

const fn cause(text: &'static str, checks: &'static [CheckId]) -> Cause {
    Cause { text, checks }
}

/// A cause of every connection error code: the catalogue ties each code to the store's state.
const STILL_FAILED: Cause = cause(
    "The cause is gone (fixed, or it passed), but a FAILED store keeps its ConnectionErrorCode until it is \
     disconnected and connected again.",
    &[ConfigConnectionState],
);

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
        id: TopicId::Internal,
        title: "A fault inside KMS",
        kms_doing: CONNECTING,
        causes: &[cause("KMS itself failed; nothing points at the proxy or the network.", &[ConfigConnectionState])],
        what_to_do: "Disconnect the store, connect it again, and contact AWS Support if it keeps failing this way.",
    },
    Topic {
        id: TopicId::Credentials,
        title: "The proxy does not accept KMS's credential",
        kms_doing: "Signing a request to the proxy with the store's access key ID and secret access key (SigV4).",
        causes: &[
            cause("The access key ID or secret access key in KMS differs from what the proxy holds for this path.", &[ConfigProxyConfigMatch, ConfigAccessKeyIdFormat, ConfigSecretFormat, ProxyCredentialAccepted]),
            cause("The proxy rotated its credential and the store was not updated.", &[ProxyCredentialAccepted]),
            cause("A rotation went in the wrong order: the proxy holds one credential at a time, or let the old one \
                go before KMS had the new one.", &[ProxyCredentialAccepted, ProxyCredentialRotation]),
            cause("Something between KMS and the proxy rewrites HTTP headers, which breaks the signature.", &[ProxyCredentialAccepted]),
            cause("The proxy's clock is more than five minutes off.", &[ProxyClockSkew]),
            STILL_FAILED,
        ],
        what_to_do: "Set the proxy's current credential on the store with UpdateCustomKeyStore (it can stay connected), \
            and keep header-rewriting proxies out of the path.",
    },
    Topic {
        id: TopicId::Network,
        title: "Network errors on the way to the backing key store",
        kms_doing: CONNECTING,
        causes: &[
            cause("The network path to the proxy failed when KMS last tried it: name resolution, TCP on port 443, or \
                for a VPC store the load balancer's listener or targets (dns.resolves, net.tcp_connect, vpc.nlb_listener \
                and vpc.targets_healthy test that path from here).", &[ConfigConnectionState]),
            STILL_FAILED,
        ],
        what_to_do: "Repair the path to the proxy, then disconnect and connect the store again.",
    },
    Topic {
        id: TopicId::AccessDenied,
        title: "The proxy's own authorization refuses KMS",
        kms_doing: USING,
        causes: &[
            cause("The proxy applies authorization rules (by principal, key, operation or VPC) that do not allow this request.", &[ProxyAccess]),
            STILL_FAILED,
        ],
        what_to_do: "Change the authorization policy in the proxy or external key manager; nothing in KMS can override it.",
    },
    Topic {
        id: TopicId::UriPath,
        title: "The proxy does not serve the configured URI path",
        kms_doing: MANAGING,
        causes: &[
            cause("XksProxyUriPath has a wrong or missing prefix.", &[ConfigPathFormat, ConfigProxyConfigMatch, ProxyUriPath]),
            cause("An upgrade of the proxy or external key manager changed the path it serves.", &[ProxyUriPath]),
            STILL_FAILED,
        ],
        what_to_do: "Read the path from the proxy's configuration file or documentation and set it with UpdateCustomKeyStore.",
    },
    Topic {
        id: TopicId::InvalidResponse,
        title: "KMS cannot make sense of the proxy's answer",
        kms_doing: "Reading the proxy's answer to one of its API calls.",
        causes: &[
            cause("A load balancer passes TCP on 443 to a proxy that speaks plain HTTP, or TLS ends in the wrong place.", &[VpcNlbListener, TlsHttp11]),
            cause("The proxy answers outside the specification: not JSON, missing fields, unknown values, or another \
                error than 404 KeyNotFoundException for an external key it does not hold (key.not_found tests that one).", &[ProxyHealth, ProxyErrorFormat]),
            cause("The proxy refuses a kmsOperation it does not know, where the specification requires it be served.", &[ProxyUnknownOperation]),
            cause("A transient fault in the proxy.", &[ProxyHealth]),
            STILL_FAILED,
        ],
        what_to_do: "Make the proxy answer as the XKS proxy API specification says; if it already seems to, report it to the proxy's vendor.",
    },
    Topic {
        id: TopicId::Tls,
        title: "The TLS connection to the proxy fails",
        kms_doing: "Opening a TLS connection to the proxy's endpoint.",
        causes: &[
            cause("The certificate does not name the endpoint's host (for a VPC store: the private DNS name, which \
                vpc.private_dns_name compares with the endpoint).", &[TlsHostname]),
            cause("The certificate has expired or is not valid yet.", &[TlsValidity]),
            cause("The chain does not end at a root on KMS's Trusted Certificate Authorities list, or an intermediate is missing.", &[TlsTrustedCa, TlsChainComplete]),
            cause("The proxy offers neither TLS 1.2 nor 1.3, or none of KMS's cipher suites.", &[TlsVersion, TlsCipherSuite]),
            cause("The proxy requires a client certificate, which KMS no longer promises to present since AWS deprecated mutual TLS for external key stores.", &[TlsClientCertificate]),
            cause("The proxy's certificate expired: KMS counts the days left to it (XksProxyCertificateDaysToExpire).", &[MonitorCertificateDays]),
            STILL_FAILED,
        ],
        what_to_do: "Serve a certificate for the endpoint's host from a CA on KMS's list, with its full chain, over TLS 1.2 or 1.3.",
    },
    Topic {
        id: TopicId::Unreachable,
        title: "KMS cannot reach the proxy",
        kms_doing: "Calling the proxy (GetHealthStatus when creating, updating or connecting the store; Encrypt, \
            Decrypt or GetKeyMetadata when the store is used).",
        causes: &[
            cause("The endpoint in the store is wrong or does not resolve, or port 443 does not accept connections (a \
                wrong endpoint or path can look the same: config.endpoint_format, config.path_format and proxy.uri_path \
                check them).", &[DnsResolves, NetTcpConnect]),
            cause("For a VPC store: the load balancer has no listener on 443 or no healthy targets.", &[VpcNlbListener, VpcTargetsHealthy]),
            cause("The proxy says every external key manager is UNAVAILABLE.", &[ProxyEkmAvailable]),
            cause("KMS's own health checks found no external key manager Active (XksExternalKeyManagerStates).", &[MonitorEkmStates]),
            cause("The proxy is more than 35 ms away from the Region.", &[NetRtt]),
            STILL_FAILED,
        ],
        what_to_do: "Make the proxy reachable on port 443 at the configured endpoint, with at least one external key \
            manager available, close to the store's Region.",
    },
    Topic {
        id: TopicId::TimedOut,
        title: "The proxy answered too late",
        kms_doing: "Waiting up to 250 ms for the proxy's answer.",
        causes: &[
            cause("The proxy or the external key manager behind it is slow or overloaded.", &[ProxyLatency]),
            cause("The proxy is far from the store's Region.", &[NetRtt, ProxyLatency]),
            cause("KMS recorded answers past 250 ms under its own traffic (XksProxyLatency), even when the proxy answers quickly now.", &[MonitorLatency]),
            STILL_FAILED,
        ],
        what_to_do: "Find where the time goes (network, proxy, external key manager). Persistent timeouts are for the proxy's \
            operator or vendor; a single one can be retried.",
    },
    Topic {
        id: TopicId::VpcInvalid,
        title: "The VPC endpoint service breaks KMS's rules",
        kms_doing: "Checking the VPC endpoint service and creating an interface endpoint to it.",
        causes: &[
            cause("Acceptance of endpoint connections is required.", &[VpcAcceptanceRequired]),
            cause("The service is not backed by a Network Load Balancer in two or more Availability Zones.", &[VpcLoadBalancerType, VpcAvailabilityZones, VpcServiceType]),
            cause("The service has no private DNS name, or it differs from the store's endpoint.", &[VpcPrivateDnsName]),
            cause("The private DNS name's domain is not verified (its TXT record is missing, or it lies under no public domain).", &[VpcPrivateDnsVerified, DnsVerificationTxt, DnsPublicParent]),
            cause("The service is not Available.", &[VpcServiceState]),
            STILL_FAILED,
        ],
        what_to_do: "Fix what the vpc.* and dns.* checks report, then connect the store again.",
    },
    Topic {
        id: TopicId::VpcNotFound,
        title: "KMS cannot find or use the VPC endpoint service",
        kms_doing: "Looking up the VPC endpoint service named in the store.",
        causes: &[
            cause("The service name is wrong.", &[VpcServiceFound]),
            cause("The service is in another Region, or another account without VpcEndpointServiceOwner.", &[VpcServiceRegion, VpcServiceFound]),
            cause("KMS's principal cks.kms.<region>.amazonaws.com is not allowed on the service.", &[VpcAllowedPrincipal]),
            cause("The plan or template the store was made from names a service that it does not create and that \
                does not exist.", &[IacServiceResolved]),
            STILL_FAILED,
        ],
        what_to_do: "Check the name, Region and owner of the service, and allow KMS's service principal on it.",
    },
    Topic {
        id: TopicId::NotConnected,
        title: "The store is not connected, or its state forbids the operation",
        kms_doing: USING,
        causes: &[
            cause("The store is DISCONNECTED, FAILED or still connecting (config.connection_state shows which).", &[]),
            cause("A KMS key of the store is Unavailable (store disconnected) or PendingDeletion (key.kms_key_state \
                shows the keys' states).", &[]),
        ],
        what_to_do: "Connect the store (disconnect it first if FAILED) and, for a key pending deletion, cancel the deletion.",
    },
    Topic {
        id: TopicId::KeyState,
        title: "A KMS key of the store is in the wrong state, or the proxy refused the operation",
        kms_doing: USING,
        causes: &[
            cause("The store is not connected, so its keys are Unavailable (config.connection_state shows the store's \
                state).", &[KeyKmsKeyState]),
            cause("The KMS key is pending deletion.", &[KeyKmsKeyState]),
            cause("The proxy could not be reached, answered late or refused: the message says which (net.tcp_connect, \
                proxy.latency and proxy.credential_accepted look at each).", &[KeyRoundTrip]),
            cause("The proxy refuses some of KMS's requests: a new kmsOperation, long ARNs, the optional metadata of calls \
                through AWS services and VPC endpoints.", &[ProxyUnknownOperation, ProxyLongMetadata]),
            cause("The proxy's Encrypt answer has a shape KMS refuses: IV, tag, ciphertext or metadata sizes.", &[KeyCiphertextShape]),
            cause("KMS recorded the proxy's errors and late answers over the window (XksProxyErrors, XksProxyLatency).", &[MonitorErrors, MonitorLatency]),
        ],
        what_to_do: "Read the error message that came with the exception (or paste it here); it names the actual problem.",
    },
    Topic {
        id: TopicId::StoreNotFound,
        title: "No such custom key store",
        kms_doing: "Looking up the store by ID or name in this account and Region.",
        causes: &[cause("The ID or name, the Region or the account is not the store's.", &[ConfigStoreFound])],
        what_to_do: "Check the ID, the Region (--region) and the credentials' account.",
    },
    Topic {
        id: TopicId::InUse,
        title: "Another store already uses this endpoint, path or endpoint service",
        kms_doing: MANAGING,
        causes: &[
            cause("Another store of the Region has the same endpoint and path, private DNS name or VPC endpoint service.", &[ConfigEndpointUnique]),
        ],
        what_to_do: "Give each store its own endpoint and path; a VPC store needs its own private DNS name and endpoint service.",
    },
    Topic {
        id: TopicId::Quota,
        title: "No room for another custom key store",
        kms_doing: "Creating a custom key store (CreateCustomKeyStore).",
        causes: &[cause("The account already has as many custom key stores in this Region as its quota allows.", &[ConfigStoreQuota])],
        what_to_do: "Delete a custom key store you do not need, or ask for a higher quota.",
    },
    Topic {
        id: TopicId::InvalidConfiguration,
        title: "A setting of the store is not valid",
        kms_doing: MANAGING,
        causes: &[
            cause("The endpoint is not https:// and a DNS name (a port, a path or an IP address).", &[ConfigEndpointFormat]),
            cause("The path is malformed or not the one the proxy serves (config.path_format and proxy.uri_path check \
                it).", &[]),
            cause("For a VPC store, acceptance is required on the endpoint service (vpc.acceptance_required).", &[]),
        ],
        what_to_do: "Correct the setting the check names and update the store.",
    },
    Topic {
        id: TopicId::KeyNotFound,
        title: "The proxy cannot find the external key",
        kms_doing: CREATING_KEY,
        causes: &[
            cause("The external key ID is wrong, or was an alias or mutable name that now points elsewhere.", &[KeyMetadata]),
            cause("The key was deleted from the external key manager.", &[KeyMetadata]),
            cause("No key manager behind the proxy holds the ID, and the proxy says so as the specification asks \
                (404 KeyNotFoundException), which is what lets KMS name the problem.", &[KeyNotFound]),
        ],
        what_to_do: "Use the ID the proxy knows the key by. A KMS key's external key ID cannot change: if ciphertexts exist, \
            restore the key under the same ID.",
    },
    Topic {
        id: TopicId::KeyInvalid,
        title: "The external key does not meet KMS's requirements",
        kms_doing: CREATING_KEY,
        causes: &[
            cause("The key is not a 256-bit AES key (AES_256).", &[KeyMetadata]),
            cause("The key is not ENABLED in the external key manager.", &[KeyMetadata]),
            cause("The key's usage lacks ENCRYPT or DECRYPT.", &[KeyMetadata]),
        ],
        what_to_do: "Fix the key in the external key manager, or name another key that is AES_256, ENABLED, for ENCRYPT and DECRYPT.",
    },
    Topic {
        id: TopicId::KeyInUse,
        title: "Another KMS key of the store already uses this external key",
        kms_doing: CREATING_KEY,
        causes: &[cause("Two KMS keys would share one external key ID.", &[KeyUnique])],
        what_to_do: "Use a different external key for each KMS key.",
    },
    Topic {
        id: TopicId::Ciphertext,
        title: "The ciphertext or its context is not the one that was encrypted",
        kms_doing: "Decrypting (Decrypt, or the decrypting half of ReEncrypt).",
        causes: &[
            cause("The ciphertext was altered or damaged in transit or at rest.", &[]),
            cause("The encryption context in the request differs from the one used to encrypt.", &[]),
            cause("The proxy or external key manager changes the ciphertext it returns, or checks the AAD wrongly \
                (key.round_trip and key.tamper_rejected test both).", &[]),
        ],
        what_to_do: "Retry once; if it persists, compare the encryption context with the one used at encryption and check \
            the ciphertext's integrity.",
    },
    Topic {
        id: TopicId::Unhealthy,
        title: "The proxy reports itself unhealthy",
        kms_doing: "Asking the proxy for its health (GetHealthStatus) or using it.",
        causes: &[
            cause("Every external key manager behind the proxy is UNAVAILABLE (proxy.ekm_available shows each one's \
                state).", &[]),
            cause("The proxy has an operational fault (proxy.health shows what it answers).", &[]),
        ],
        what_to_do: "Bring at least one external key manager back; a passing fault can be retried.",
    },
    Topic {
        id: TopicId::Unsupported,
        title: "The proxy does not implement what KMS asked",
        kms_doing: USING,
        causes: &[
            cause("The proxy lacks one of the API calls the specification requires, or refuses a size KMS uses \
                (proxy.health and key.round_trip make those calls).", &[]),
            cause("The external key does not allow the operation: its usage lacks ENCRYPT or DECRYPT (key.metadata \
                shows it).", &[]),
            cause("CreateKey asked the store for a key it cannot hold: asymmetric, HMAC or multi-Region (a plan's \
                aws_kms_key shows it).", &[IacKeySettings]),
        ],
        what_to_do: "Use a proxy that implements the whole XKS proxy API and report the gap to its vendor; for \
            CreateKey, ask for a symmetric, single-Region key.",
    },
    Topic {
        id: TopicId::KeyDisabled,
        title: "The external key is disabled or does not allow the operation",
        kms_doing: USING,
        causes: &[
            cause("The external key is disabled in the external key manager (key.metadata shows its status).", &[]),
            cause("The external key's usage does not include the operation (key.metadata shows it).", &[]),
        ],
        what_to_do: "Enable the key and give it ENCRYPT and DECRYPT usage in the external key manager.",
    },
    Topic {
        id: TopicId::KmsKeyDisabled,
        title: "The KMS key is disabled",
        kms_doing: USING,
        causes: &[cause("Someone disabled the KMS key (DisableKey); this is about the KMS key, not the external key.", &[])],
        what_to_do: "Enable the KMS key (EnableKey) if it should be used.",
    },
];

/// The topic of an ID; `TOPICS` holds them in `TopicId` order (a test keeps it so).
pub fn topic(id: TopicId) -> &'static Topic {
    &TOPICS[id as usize]
}
