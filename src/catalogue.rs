//! The check catalogue: every requirement xks-preflight knows, under the stable ID that users filter
//! and alert on. An ID is never renamed once released; new requirements get new IDs.
//!
//! `data/catalogue.tsv` holds the IDs and KMS error names of the project's reference catalogue; a test
//! keeps this table and that file in step.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Config,
    Vpc,
    Dns,
    Net,
    Tls,
    Proxy,
    Key,
}

impl Section {
    pub fn heading(self) -> &'static str {
        match self {
            Section::Config => "Key store settings",
            Section::Vpc => "VPC endpoint service",
            Section::Dns => "DNS",
            Section::Net => "Network",
            Section::Tls => "TLS",
            Section::Proxy => "Proxy API",
            Section::Key => "External keys",
        }
    }

    pub fn prefix(self) -> &'static str {
        match self {
            Section::Config => "config",
            Section::Vpc => "vpc",
            Section::Dns => "dns",
            Section::Net => "net",
            Section::Tls => "tls",
            Section::Proxy => "proxy",
            Section::Key => "key",
        }
    }
}

/// One requirement of an external key store.
#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    pub id: &'static str,
    pub section: Section,
    pub title: &'static str,
    /// What must hold, said so that an operator can act on it.
    pub requirement: &'static str,
    /// The exception names and connection error codes KMS reports when this requirement is broken.
    pub kms_says: &'static [&'static str],
}

const fn req(
    id: &'static str,
    section: Section,
    title: &'static str,
    requirement: &'static str,
    kms_says: &'static [&'static str],
) -> Requirement {
    Requirement { id, section, title, requirement, kms_says }
}

use Section::*;

pub const CATALOGUE: &[Requirement] = &[
    req("config.store_found", Config, "Key store exists",
        "A custom key store with the given ID or name exists in this account and Region.",
        &["CustomKeyStoreNotFoundException"]),
    req("config.store_type", Config, "Store is an external key store",
        "The store's CustomKeyStoreType is EXTERNAL_KEY_STORE; CloudHSM key stores have other requirements.",
        &[]),
    req("config.connection_state", Config, "Connection state",
        "The store is CONNECTED. A FAILED store is explained by its ConnectionErrorCode and must be disconnected \
         before it can be connected again; a DISCONNECTED store leaves its keys unusable.",
        &["ConnectionErrorCode"]),
    req("config.endpoint_format", Config, "Proxy URI endpoint format",
        "XksProxyUriEndpoint is https:// followed by a DNS host name: no IP address, no port (KMS always uses 443), \
         no path, only letters, digits, dots and hyphens, 10 to 128 characters in all.",
        &["XksProxyInvalidConfigurationException"]),
    req("config.path_format", Config, "Proxy URI path format",
        "XksProxyUriPath is /kms/xks/v1 (or another one- or two-digit version), optionally after a prefix of letters, \
         digits, slashes, hyphens and underscores; 10 to 128 characters.",
        &["XKS_PROXY_INVALID_CONFIGURATION"]),
    req("config.uri_length", Config, "Room for external key IDs in the URI",
        "Endpoint, path and /keys/<external key ID>/metadata together fit in the 256 characters the proxy API allows.",
        &[]),
    req("config.access_key_id_format", Config, "Access key ID format",
        "The proxy access key ID is 20 to 30 characters of A-Z and 2-7.",
        &["XksProxyIncorrectAuthenticationCredentialException"]),
    req("config.secret_format", Config, "Secret access key format",
        "The proxy secret access key is 43 to 64 characters of A-Z, a-z, 0-9, /, + and =. Its value is never shown.",
        &["INVALID_CREDENTIALS"]),
    req("config.proxy_config_match", Config, "Proxy configuration file agrees",
        "The proxy configuration file's XksProxyUriPath and AccessKeyId are the ones the store uses.",
        &["INVALID_CREDENTIALS", "XKS_PROXY_INVALID_CONFIGURATION"]),
    req("config.endpoint_unique", Config, "Endpoint not used by another store",
        "No other store in the Region has the same endpoint and path; a VPC store's private DNS name and endpoint \
         service belong to it alone; a public store does not reuse a VPC store's endpoint.",
        &["XksProxyUriInUseException", "XksProxyUriEndpointInUseException", "XksProxyVpcEndpointServiceInUseException"]),
    req("config.region_supported", Config, "Region offers external key stores",
        "The Region is one where KMS supports external key stores.",
        &[]),
    req("config.store_quota", Config, "Room for another custom key store",
        "Before creating a store: the account has fewer custom key stores in this Region than its quota (10 unless raised).",
        &["CustomKeyStoreQuotaExceeded", "LimitExceededException"]),
    req("vpc.service_found", Vpc, "VPC endpoint service exists",
        "The VPC endpoint service name is well formed and names a service of this account, or of the configured \
         VpcEndpointServiceOwner, in the store's Region.",
        &["XksProxyVpcEndpointServiceNotFoundException", "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"]),
    req("vpc.service_region", Vpc, "Endpoint service in the store's Region",
        "The Region inside the service name is the key store's Region.",
        &["XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"]),
    req("vpc.service_state", Vpc, "Endpoint service available",
        "The endpoint service's ServiceState is Available.",
        &["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"]),
    req("vpc.service_type", Vpc, "Interface endpoint service",
        "The endpoint service serves interface endpoints (ServiceType Interface).",
        &["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"]),
    req("vpc.load_balancer_type", Vpc, "Network Load Balancer behind the service",
        "The service is backed by a Network Load Balancer; a Gateway Load Balancer cannot carry KMS's requests.",
        &["XksProxyVpcEndpointServiceInvalidConfigurationException"]),
    req("vpc.availability_zones", Vpc, "Two Availability Zones",
        "The load balancer has subnets in at least two different Availability Zones.",
        &["XksProxyVpcEndpointServiceInvalidConfigurationException"]),
    req("vpc.subnets_private", Vpc, "Private subnets",
        "The load balancer's subnets have no route to an internet gateway (recommended).",
        &[]),
    req("vpc.nlb_scheme", Vpc, "Internal load balancer",
        "The load balancer's scheme is internal (recommended).",
        &[]),
    req("vpc.nlb_listener", Vpc, "Listener on port 443",
        "The load balancer listens on port 443, either passing TCP through to a proxy that speaks TLS or terminating \
         TLS with a certificate for the private DNS name.",
        &["XKS_PROXY_INVALID_RESPONSE", "XKS_PROXY_NOT_REACHABLE"]),
    req("vpc.targets_healthy", Vpc, "Healthy proxy targets",
        "The target group behind the 443 listener has healthy targets.",
        &["XKS_PROXY_NOT_REACHABLE"]),
    req("vpc.acceptance_required", Vpc, "No manual acceptance",
        "AcceptanceRequired is false: KMS cannot wait for someone to accept its endpoint connection.",
        &["XksProxyVpcEndpointServiceInvalidConfigurationException"]),
    req("vpc.allowed_principal", Vpc, "KMS allowed to connect",
        "The service's allowed principals include cks.kms.<region>.amazonaws.com. An allow-all * also admits KMS, \
         but opens the service to every AWS account.",
        &["XksProxyVpcEndpointServiceNotFoundException", "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"]),
    req("vpc.private_dns_name", Vpc, "Private DNS name matches the endpoint",
        "The service has a private DNS name, and https:// followed by that name is the store's proxy URI endpoint.",
        &["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"]),
    req("vpc.private_dns_verified", Vpc, "Private DNS domain verified",
        "The private DNS name's domain verification state is verified.",
        &["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"]),
    req("vpc.ip_address_type", Vpc, "IPv4 supported",
        "The endpoint service supports IPv4; KMS does not reach external key stores over IPv6.",
        &[]),
    req("dns.resolves", Dns, "Endpoint resolves to IPv4",
        "The endpoint's host name has at least one IPv4 address (public stores: in public DNS; VPC stores: inside the VPC).",
        &["XKS_PROXY_NOT_REACHABLE"]),
    req("dns.public_parent", Dns, "Private DNS name under a public domain",
        "The private DNS name lies under a public domain whose name servers answer on the internet.",
        &["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"]),
    req("dns.verification_txt", Dns, "Verification TXT record published",
        "The domain verification TXT record (PrivateDnsNameConfiguration Name and Value) is in public DNS.",
        &["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"]),
    req("net.tcp_connect", Net, "TCP port 443 open",
        "The endpoint accepts TCP connections on port 443.",
        &["XKS_PROXY_NOT_REACHABLE"]),
    req("net.rtt", Net, "Round-trip time within 35 ms",
        "The median TCP handshake time to the endpoint is 35 ms or less, measured from where the tool runs.",
        &["XKS_PROXY_NOT_REACHABLE", "XKS_PROXY_TIMED_OUT"]),
    req("tls.version", Tls, "TLS 1.2 or 1.3",
        "The proxy completes a handshake with TLS 1.2 or TLS 1.3; each version is tried.",
        &["XKS_PROXY_INVALID_TLS_CONFIGURATION"]),
    req("tls.cipher_suite", Tls, "A cipher suite KMS offers",
        "The proxy accepts one of TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, \
         TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 or TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384.",
        &["XKS_PROXY_INVALID_TLS_CONFIGURATION"]),
    req("tls.hostname", Tls, "Certificate names the endpoint",
        "The server certificate's subject alternative names (or common name) match the endpoint host, wildcards included.",
        &["XKS_PROXY_INVALID_TLS_CONFIGURATION"]),
    req("tls.validity", Tls, "Certificate within its validity period",
        "The server certificate is valid now, and for at least 30 more days.",
        &["XKS_PROXY_INVALID_TLS_CONFIGURATION"]),
    req("tls.chain_complete", Tls, "Full certificate chain sent",
        "The server sends every intermediate certificate up to the root.",
        &["XKS_PROXY_INVALID_TLS_CONFIGURATION"]),
    req("tls.trusted_ca", Tls, "Chain ends at a root KMS trusts",
        "The chain ends at a root on KMS's Trusted Certificate Authorities list, and that root is still valid.",
        &["XKS_PROXY_INVALID_TLS_CONFIGURATION"]),
    req("tls.http11", Tls, "HTTP/1.1 over TLS",
        "The proxy answers HTTP/1.1 on the TLS connection.",
        &["XKS_PROXY_INVALID_RESPONSE"]),
    req("proxy.health", Proxy, "GetHealthStatus answers to specification",
        "A signed GetHealthStatus returns 200 with a fleet size above zero, 1 to 10 ekmFleetDetails and known healthStatus values.",
        &["XKS_PROXY_INVALID_RESPONSE"]),
    req("proxy.ekm_available", Proxy, "An external key manager is available",
        "At least one external key manager is not UNAVAILABLE; DEGRADED ones are reported.",
        &["XKS_PROXY_NOT_REACHABLE", "XksProxyUriUnreachableException"]),
    req("proxy.credential_accepted", Proxy, "Proxy accepts the credential",
        "A request signed with the store's access key ID and secret is accepted.",
        &["INVALID_CREDENTIALS"]),
    req("proxy.auth_enforced", Proxy, "Proxy enforces SigV4",
        "Unsigned and wrongly signed requests get 401 AuthenticationFailedException.",
        &[]),
    req("proxy.uri_path", Proxy, "Configured path served, others refused",
        "The configured path is served, and a wrong path gets 404 InvalidUriPathException.",
        &["XKS_PROXY_INVALID_CONFIGURATION"]),
    req("proxy.access", Proxy, "Proxy authorization lets KMS in",
        "The proxy's own authorization rules do not refuse KMS's request with 403 AccessDeniedException.",
        &["XKS_PROXY_ACCESS_DENIED"]),
    req("proxy.method_post_only", Proxy, "GET refused",
        "A GET on a proxy API URI gets 405 Method Not Allowed.",
        &[]),
    req("proxy.error_format", Proxy, "Errors in the specified format",
        "Error bodies are JSON with an errorName the specification defines.",
        &["XKS_PROXY_INVALID_RESPONSE"]),
    req("proxy.latency", Proxy, "Answers within 250 ms",
        "A first request and requests on a kept-alive connection complete within 250 ms (warn above 200 ms).",
        &["XKS_PROXY_TIMED_OUT"]),
    req("proxy.clock_skew", Proxy, "Clocks agree",
        "The local clock and the proxy's Date header differ by less than 5 minutes, the SigV4 replay window.",
        &["INVALID_CREDENTIALS"]),
    req("key.metadata", Key, "External key usable by KMS",
        "GetKeyMetadata reports keySpec AES_256, keyUsage with ENCRYPT and DECRYPT, and keyStatus ENABLED.",
        &["XksKeyNotFoundException", "XksKeyInvalidConfigurationException"]),
    req("key.round_trip", Key, "Encrypt and decrypt round trip",
        "Encrypt then Decrypt with additional authenticated data returns the plaintext, up to 4300 bytes of plaintext and \
         8192 of AAD, and the ciphertext data integrity value matches.",
        &["KMSInvalidStateException"]),
    req("key.tamper_rejected", Key, "Tampered ciphertext refused",
        "Decrypt of a ciphertext with a flipped bit, or with other AAD, is refused with InvalidCiphertextException.",
        &[]),
    req("key.unique", Key, "One KMS key per external key",
        "No two KMS keys of the store use the same external key ID.",
        &["XksKeyAlreadyInUseException"]),
    req("key.kms_key_state", Key, "KMS keys usable",
        "The store's KMS keys are not Unavailable or PendingDeletion.",
        &["KMSInvalidStateException"]),
];

pub fn find(id: &str) -> Option<&'static Requirement> {
    CATALOGUE.iter().find(|r| r.id == id)
}
