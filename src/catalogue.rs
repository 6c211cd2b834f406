//! The check catalogue: every requirement xks-preflight knows, declared once under the typed ID that
//! users filter and alert on. An ID is never renamed once released; new requirements get new IDs.
//!
//! Each declaration holds everything about its requirement that is not a judgement: section, severity,
//! texts, what KMS says and answers while it is broken, and the checks whose failure can keep it from
//! being judged on its own (its blockers), and the name of the function in `checks/` that judges it:
//! `checks::judge` is generated from these declarations, so no list of requirements is kept anywhere
//! else. CONTRIBUTING.md says how to add one.
//!
//! `data/catalogue.tsv` holds the IDs and KMS error names of the project's reference catalogue; a test
//! keeps this table and that file in step.

pub mod guide;

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Config,
    Vpc,
    Dns,
    Net,
    Tls,
    Proxy,
    Key,
    Monitor,
    Iac,
}

impl Section {
    pub const ALL: [Section; 9] = [
        Section::Config,
        Section::Vpc,
        Section::Dns,
        Section::Net,
        Section::Tls,
        Section::Proxy,
        Section::Key,
        Section::Monitor,
        Section::Iac,
    ];

    pub fn heading(self) -> &'static str {
        match self {
            Section::Config => "Key store settings",
            Section::Vpc => "VPC endpoint service",
            Section::Dns => "DNS",
            Section::Net => "Network",
            Section::Tls => "TLS",
            Section::Proxy => "Proxy API",
            Section::Key => "External keys",
            Section::Monitor => "What KMS has seen",
            Section::Iac => "Infrastructure as code",
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
            Section::Monitor => "monitor",
            Section::Iac => "iac",
        }
    }
}

/// How a broken requirement counts: a failure, or (for what AWS states as a recommendation) a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Fail,
    Warn,
}

/// The KMS operations whose answers the catalogue states, per broken requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
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

/// One requirement of an external key store.
#[derive(Debug)]
pub struct Requirement {
    pub id: CheckId,
    pub section: Section,
    pub severity: Severity,
    pub title: &'static str,
    /// What must hold, said so that an operator can act on it.
    pub requirement: &'static str,
    /// The exception names and connection error codes KMS reports when this requirement is broken.
    pub kms_says: &'static [&'static str],
    /// What KMS answers, per operation, while this requirement is broken.
    pub kms_answers: &'static [(Operation, &'static str)],
    /// The checks directly upstream of this one: their failure can keep it from being judged on its own.
    /// Together they form an acyclic graph (a test proves it). A check that lacks a fact names the check
    /// that judges it, which must be upstream: one of these, or upstream of one of these.
    pub blocked_by: &'static [CheckId],
}

/// Declares every requirement: the ID enum, its text form, and the table, in one place.
macro_rules! catalogue {
    ($(
        $variant:ident = $id:literal, $section:ident, $severity:ident, $title:literal,
        $requirement:literal,
        says [$($says:literal),* $(,)?],
        answers [$(($operation:ident, $answer:literal)),* $(,)?],
        after [$($after:ident),* $(,)?],
        check $($check:ident)::+;
    )*) => {
        /// A requirement's stable ID: `config.store_found` is `CheckId::ConfigStoreFound`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckId {
            $($variant),*
        }

        impl CheckId {
            /// Every ID, in catalogue order (section by section).
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $id),*
                }
            }
        }

        /// Every requirement, in catalogue order; `CATALOGUE[id as usize]` is `id`'s.
        pub static CATALOGUE: &[Requirement] = &[
            $(Requirement {
                id: CheckId::$variant,
                section: Section::$section,
                severity: Severity::$severity,
                title: $title,
                requirement: $requirement,
                kms_says: &[$($says),*],
                kms_answers: &[$((Operation::$operation, $answer)),*],
                blocked_by: &[$(CheckId::$after),*],
            }),*
        ];
    };
}

impl CheckId {
    pub fn requirement(self) -> &'static Requirement {
        &CATALOGUE[self as usize]
    }

    pub fn section(self) -> Section {
        self.requirement().section
    }

    /// Whether `upstream` can keep this check from being judged: one of its blockers, or theirs in turn.
    pub fn depends_on(self, upstream: CheckId) -> bool {
        // Terminates: the blocking graph is acyclic (a test proves it).
        self.requirement().blocked_by.iter().any(|&blocker| blocker == upstream || blocker.depends_on(upstream))
    }

    pub fn parse(text: &str) -> Option<CheckId> {
        CheckId::ALL.iter().copied().find(|id| id.as_str() == text)
    }

    /// The IDs and `section.*` patterns nearest to a mistyped one, nearest first (at most three): the IDs
    /// a cut-short text begins, then those a typo away (within a third of the text's length), IDs before
    /// a section's pattern at the same distance, since one check is what a near miss of an ID meant.
    pub fn nearest(text: &str) -> Vec<String> {
        let sections = Section::ALL.iter().map(|s| (format!("{}.*", s.prefix()), true));
        let known = CheckId::ALL.iter().map(|id| (id.as_str().to_string(), false)).chain(sections);
        let limit = (text.chars().count() / 3).max(2);
        // Sorted by: not begun by the text, distance, being a section's pattern.
        let mut close: Vec<(bool, usize, bool, String)> = known
            .map(|(k, section)| {
                let begun = !section && k.starts_with(text);
                (!begun, strsim::damerau_levenshtein(text, &k), section, k)
            })
            .filter(|&(not_begun, distance, _, _)| !not_begun || distance <= limit)
            .collect();
        close.sort();
        close.into_iter().take(3).map(|(_, _, _, k)| k).collect()
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// In the JSON Schema, a check ID is one of the catalogue's IDs.
impl JsonSchema for CheckId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CheckId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let ids: Vec<&str> = CheckId::ALL.iter().map(|id| id.as_str()).collect();
        schemars::json_schema!({ "type": "string", "enum": ids })
    }
}

/// The declarations, handed to `$then`: `catalogue!` below builds the table from them, and
/// `checks` builds `judge` from the check each one names, so a requirement is declared in one place.
macro_rules! requirements {
    ($then:ident) => { $then! {
    ConfigStoreFound = "config.store_found", Config, Fail, "Key store exists",
        "A custom key store with the given ID or name exists in this account and Region.",
        says ["CustomKeyStoreNotFoundException"],
        answers [
            (CreateOrUpdateStore, "CustomKeyStoreNotFoundException (UpdateCustomKeyStore)"),
            (ConnectStore, "CustomKeyStoreNotFoundException"),
            (CreateKey, "CustomKeyStoreNotFoundException"),
        ],
        after [],
        check config::store_found;
    ConfigStoreType = "config.store_type", Config, Fail, "Store is an external key store",
        "The store's CustomKeyStoreType is EXTERNAL_KEY_STORE; CloudHSM key stores have other requirements.",
        says [],
        answers [],
        after [ConfigStoreFound],
        check config::store_type;
    ConfigConnectionState = "config.connection_state", Config, Fail, "Connection state",
        "The store is CONNECTED. A FAILED store is explained by its ConnectionErrorCode and must be disconnected \
         before it can be connected again; a DISCONNECTED store leaves its keys unusable.",
        says ["INTERNAL_ERROR", "INVALID_CREDENTIALS", "NETWORK_ERRORS", "XKS_PROXY_ACCESS_DENIED",
              "XKS_PROXY_INVALID_CONFIGURATION", "XKS_PROXY_INVALID_RESPONSE", "XKS_PROXY_INVALID_TLS_CONFIGURATION",
              "XKS_PROXY_NOT_REACHABLE", "XKS_PROXY_TIMED_OUT", "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION",
              "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"],
        answers [
            (ConnectStore, "CustomKeyStoreInvalidStateException while FAILED (disconnect first)"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException (the keys are Unavailable)"),
        ],
        after [ConfigStoreFound],
        check config::connection_state;
    ConfigEndpointFormat = "config.endpoint_format", Config, Fail, "Proxy URI endpoint format",
        "XksProxyUriEndpoint is https:// followed by a DNS host name: no IP address, no port (KMS always uses 443), \
         no path, no user information, only ASCII letters, digits, dots and hyphens, 10 to 128 characters in all.",
        says ["XksProxyInvalidConfigurationException"],
        answers [(CreateOrUpdateStore, "ValidationException or XksProxyInvalidConfigurationException")],
        after [ConfigStoreFound, ConfigStoreType],
        check config::endpoint_format;
    ConfigPathFormat = "config.path_format", Config, Fail, "Proxy URI path format",
        "XksProxyUriPath is /kms/xks/v1 (or another one- or two-digit version), optionally after a prefix of letters, \
         digits, slashes, hyphens and underscores; 10 to 128 characters.",
        says ["XKS_PROXY_INVALID_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "ValidationException or XksProxyInvalidConfigurationException"),
            (ConnectStore, "XKS_PROXY_INVALID_CONFIGURATION"),
        ],
        after [ConfigStoreFound, ConfigStoreType],
        check config::path_format;
    ConfigUriLength = "config.uri_length", Config, Fail, "Room for external key IDs in the URI",
        "Endpoint, path and /keys/<external key ID>/metadata together fit in the 256 characters the proxy API allows.",
        says [],
        answers [(CreateKey,
            "the proxy refuses the over-long URI: XksKeyNotFoundException or CustomKeyStoreInvalidStateException")],
        after [ConfigStoreFound, ConfigStoreType],
        check config::uri_length;
    ConfigAccessKeyIdFormat = "config.access_key_id_format", Config, Fail, "Access key ID format",
        "The proxy access key ID is 20 to 30 characters of A-Z and 2-7.",
        says ["XksProxyIncorrectAuthenticationCredentialException"],
        answers [(CreateOrUpdateStore, "ValidationException or XksProxyInvalidConfigurationException")],
        after [ConfigStoreFound, ConfigStoreType],
        check config::access_key_id_format;
    ConfigSecretFormat = "config.secret_format", Config, Fail, "Secret access key format",
        "The proxy secret access key is 43 to 64 characters of A-Z, a-z, 0-9, /, + and =. Its value is never shown.",
        says ["INVALID_CREDENTIALS"],
        answers [(CreateOrUpdateStore, "ValidationException or XksProxyInvalidConfigurationException")],
        after [],
        check config::secret_format;
    ConfigProxyConfigMatch = "config.proxy_config_match", Config, Fail, "Proxy configuration file agrees",
        "The proxy configuration file's XksProxyUriPath and AccessKeyId are the ones the store uses.",
        says ["INVALID_CREDENTIALS", "XKS_PROXY_INVALID_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore,
                "XksProxyIncorrectAuthenticationCredentialException or XksProxyInvalidConfigurationException"),
            (ConnectStore, "INVALID_CREDENTIALS or XKS_PROXY_INVALID_CONFIGURATION"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType],
        check config::proxy_config_match;
    ConfigEndpointUnique = "config.endpoint_unique", Config, Fail, "Endpoint not used by another store",
        "No other store in the Region has the same endpoint and path; a VPC store's private DNS name and endpoint \
         service belong to it alone; a public store does not reuse a VPC store's endpoint.",
        says ["XksProxyUriInUseException", "XksProxyUriEndpointInUseException", "XksProxyVpcEndpointServiceInUseException"],
        answers [(CreateOrUpdateStore,
            "XksProxyUriInUseException, XksProxyUriEndpointInUseException or XksProxyVpcEndpointServiceInUseException")],
        after [ConfigStoreFound, ConfigStoreType],
        check config::endpoint_unique;
    ConfigRegionSupported = "config.region_supported", Config, Fail, "Region offers external key stores",
        "The Region is one where KMS supports external key stores.",
        says [],
        answers [(CreateOrUpdateStore, "refused: the Region offers no external key stores")],
        after [],
        check config::region_supported;
    ConfigStoreQuota = "config.store_quota", Config, Warn, "Room for another custom key store",
        "Before creating a store: the account has fewer custom key stores in this Region than its quota (10 unless raised).",
        says ["CustomKeyStoreQuotaExceeded", "LimitExceededException"],
        answers [(CreateOrUpdateStore,
            "CustomKeyStoreQuotaExceeded (LimitExceededException) on CreateCustomKeyStore")],
        after [],
        check config::store_quota;

    VpcServiceFound = "vpc.service_found", Vpc, Fail, "VPC endpoint service exists",
        "The VPC endpoint service name is well formed and names a service of this account, or of the configured \
         VpcEndpointServiceOwner, in the store's Region.",
        says ["XksProxyVpcEndpointServiceNotFoundException", "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceNotFoundException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"),
        ],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceRegion],
        check vpc::service_found;
    VpcServiceRegion = "vpc.service_region", Vpc, Fail, "Endpoint service in the store's Region",
        "The Region inside the service name is the key store's Region.",
        says ["XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceNotFoundException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"),
        ],
        after [ConfigStoreFound, ConfigStoreType],
        check vpc::service_region;
    VpcServiceState = "vpc.service_state", Vpc, Fail, "Endpoint service available",
        "The endpoint service's ServiceState is Available.",
        says ["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceInvalidConfigurationException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"),
        ],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound],
        check vpc::service_state;
    VpcServiceType = "vpc.service_type", Vpc, Fail, "Interface endpoint service",
        "The endpoint service serves interface endpoints (ServiceType Interface).",
        says ["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceInvalidConfigurationException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"),
        ],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound],
        check vpc::service_type;
    VpcLoadBalancerType = "vpc.load_balancer_type", Vpc, Fail, "Network Load Balancer behind the service",
        "The service is backed by a Network Load Balancer; a Gateway Load Balancer cannot carry KMS's requests.",
        says ["XksProxyVpcEndpointServiceInvalidConfigurationException"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceInvalidConfigurationException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"),
        ],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound],
        check vpc::load_balancer_type;
    VpcAvailabilityZones = "vpc.availability_zones", Vpc, Fail, "Two Availability Zones",
        "The load balancer has subnets in at least two different Availability Zones.",
        says ["XksProxyVpcEndpointServiceInvalidConfigurationException"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceInvalidConfigurationException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"),
        ],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound],
        check vpc::availability_zones;
    VpcSubnetsPrivate = "vpc.subnets_private", Vpc, Warn, "Private subnets",
        "The load balancer's subnets have no route to an internet gateway (recommended).",
        says [],
        answers [],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound, VpcLoadBalancerType],
        check vpc::subnets_private;
    VpcNlbScheme = "vpc.nlb_scheme", Vpc, Warn, "Internal load balancer",
        "The load balancer's scheme is internal (recommended).",
        says [],
        answers [],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound, VpcLoadBalancerType],
        check vpc::nlb_scheme;
    VpcNlbListener = "vpc.nlb_listener", Vpc, Fail, "Listener on port 443",
        "The load balancer listens on port 443, either passing TCP through to a proxy that speaks TLS or terminating \
         TLS with a certificate for the private DNS name.",
        says ["XKS_PROXY_INVALID_RESPONSE", "XKS_PROXY_NOT_REACHABLE"],
        answers [
            (ConnectStore, "XKS_PROXY_NOT_REACHABLE or XKS_PROXY_INVALID_RESPONSE"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound, VpcLoadBalancerType],
        check vpc::nlb_listener;
    VpcTargetsHealthy = "vpc.targets_healthy", Vpc, Fail, "Healthy proxy targets",
        "The target group behind the 443 listener has healthy targets.",
        says ["XKS_PROXY_NOT_REACHABLE"],
        answers [(ConnectStore, "XKS_PROXY_NOT_REACHABLE"), (Cryptographic, "KMSInvalidStateException")],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound, VpcLoadBalancerType, VpcNlbListener],
        check vpc::targets_healthy;
    VpcAcceptanceRequired = "vpc.acceptance_required", Vpc, Fail, "No manual acceptance",
        "AcceptanceRequired is false: KMS cannot wait for someone to accept its endpoint connection.",
        says ["XksProxyVpcEndpointServiceInvalidConfigurationException"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceInvalidConfigurationException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"),
        ],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound],
        check vpc::acceptance_required;
    VpcAllowedPrincipal = "vpc.allowed_principal", Vpc, Fail, "KMS allowed to connect",
        "The service's allowed principals include cks.kms.<region>.amazonaws.com. An allow-all * also admits KMS, \
         but opens the service to every AWS account.",
        says ["XksProxyVpcEndpointServiceNotFoundException", "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceNotFoundException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"),
        ],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound],
        check vpc::allowed_principal;
    VpcPrivateDnsName = "vpc.private_dns_name", Vpc, Fail, "Private DNS name matches the endpoint",
        "The service has a private DNS name, and https:// followed by that name is the store's proxy URI endpoint.",
        says ["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceInvalidConfigurationException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"),
        ],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound],
        check vpc::private_dns_name;
    VpcPrivateDnsVerified = "vpc.private_dns_verified", Vpc, Fail, "Private DNS domain verified",
        "The private DNS name's domain verification state is verified.",
        says ["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceInvalidConfigurationException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"),
        ],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound, VpcPrivateDnsName],
        check vpc::private_dns_verified;
    VpcIpAddressType = "vpc.ip_address_type", Vpc, Fail, "IPv4 supported",
        "The endpoint service supports IPv4; KMS does not reach external key stores over IPv6.",
        says [],
        answers [],
        after [ConfigStoreFound, ConfigStoreType, VpcServiceFound],
        check vpc::ip_address_type;

    DnsResolves = "dns.resolves", Dns, Fail, "Endpoint resolves to IPv4",
        "The endpoint's host name has at least one IPv4 address (public stores: in public DNS; VPC stores: inside the VPC).",
        says ["XKS_PROXY_NOT_REACHABLE"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_NOT_REACHABLE"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat],
        check dns::resolves;
    DnsPublicParent = "dns.public_parent", Dns, Fail, "Private DNS name under a public domain",
        "The private DNS name lies under a public domain whose name servers answer on the internet.",
        says ["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceInvalidConfigurationException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat],
        check dns::public_parent;
    DnsVerificationTxt = "dns.verification_txt", Dns, Fail, "Verification TXT record published",
        "The domain verification TXT record (PrivateDnsNameConfiguration Name and Value) is in public DNS.",
        says ["XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceInvalidConfigurationException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, VpcServiceFound],
        check dns::verification_txt;

    NetTcpConnect = "net.tcp_connect", Net, Fail, "TCP port 443 open",
        "The endpoint accepts TCP connections on port 443.",
        says ["XKS_PROXY_NOT_REACHABLE"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_NOT_REACHABLE"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves],
        check net::tcp_connect;
    NetRtt = "net.rtt", Net, Fail, "Round-trip time within 35 ms",
        "The median TCP handshake time to the endpoint is 35 ms or less, measured from where the tool runs.",
        says ["XKS_PROXY_NOT_REACHABLE", "XKS_PROXY_TIMED_OUT"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_NOT_REACHABLE or XKS_PROXY_TIMED_OUT"),
            (Cryptographic, "KMSInvalidStateException (timed out)"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves, NetTcpConnect],
        check net::rtt;

    TlsVersion = "tls.version", Tls, Fail, "TLS 1.2 or 1.3",
        "The proxy completes a handshake with TLS 1.2 or TLS 1.3; each version is tried.",
        says ["XKS_PROXY_INVALID_TLS_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_INVALID_TLS_CONFIGURATION"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves, NetTcpConnect, TlsClientCertificate],
        check tls::version;
    TlsCipherSuite = "tls.cipher_suite", Tls, Fail, "A cipher suite KMS offers",
        "The proxy accepts one of TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, \
         TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 or TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384.",
        says ["XKS_PROXY_INVALID_TLS_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_INVALID_TLS_CONFIGURATION"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves, NetTcpConnect, TlsVersion],
        check tls::cipher_suite;
    TlsHostname = "tls.hostname", Tls, Fail, "Certificate names the endpoint",
        "The server certificate's subject alternative names (or, without them, its common name) match the endpoint \
         host, wildcards included.",
        says ["XKS_PROXY_INVALID_TLS_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_INVALID_TLS_CONFIGURATION"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves, NetTcpConnect, TlsVersion,
               TlsChainComplete],
        check tls::hostname;
    TlsValidity = "tls.validity", Tls, Fail, "Certificate within its validity period",
        "The server certificate is valid now, and for at least 30 more days.",
        says ["XKS_PROXY_INVALID_TLS_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_INVALID_TLS_CONFIGURATION"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves, NetTcpConnect, TlsVersion,
               TlsChainComplete],
        check tls::validity;
    TlsChainComplete = "tls.chain_complete", Tls, Fail, "Full certificate chain sent",
        "The certificates the server sends link, by verified signatures, from its certificate up to a root: every \
         intermediate is sent, valid and a CA.",
        says ["XKS_PROXY_INVALID_TLS_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_INVALID_TLS_CONFIGURATION"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves, NetTcpConnect, TlsVersion],
        check tls::chain_complete;
    TlsTrustedCa = "tls.trusted_ca", Tls, Fail, "Chain ends at a root KMS trusts",
        "The chain ends at a root on KMS's Trusted Certificate Authorities list, matched by its name and key as KMS \
         matches it, and that root is still valid.",
        says ["XKS_PROXY_INVALID_TLS_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_INVALID_TLS_CONFIGURATION"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves, NetTcpConnect, TlsVersion,
               TlsChainComplete],
        check tls::trusted_ca;
    TlsHttp11 = "tls.http11", Tls, Fail, "HTTP/1.1 over TLS",
        "The proxy answers HTTP/1.1 on the TLS connection.",
        says ["XKS_PROXY_INVALID_RESPONSE"],
        answers [
            (CreateOrUpdateStore, "XksProxyInvalidResponseException"),
            (ConnectStore, "XKS_PROXY_INVALID_RESPONSE"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves, NetTcpConnect, TlsVersion,
               TlsCipherSuite, ProxyLatency],
        check tls::http11;
    TlsClientCertificate = "tls.client_certificate", Tls, Warn, "No client certificate asked for",
        "The proxy does not ask for a client certificate. AWS deprecated mutual TLS for external key stores in \
         March 2026: a proxy that asks for one, and above all one that requires it, counts on a certificate KMS no \
         longer promises to present.",
        says ["XKS_PROXY_INVALID_TLS_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException, once the proxy requires a certificate KMS does \
                not present"),
            (ConnectStore, "XKS_PROXY_INVALID_TLS_CONFIGURATION, once the proxy requires a certificate KMS does not \
                present"),
            (Cryptographic, "KMSInvalidStateException, once the proxy requires a certificate KMS does not present"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves, NetTcpConnect],
        check tls::client_certificate;

    ProxyHealth = "proxy.health", Proxy, Fail, "GetHealthStatus answers to specification",
        "A signed GetHealthStatus returns 200 with a fleet size above zero, 1 to 10 ekmFleetDetails and known healthStatus values.",
        says ["XKS_PROXY_INVALID_RESPONSE"],
        answers [
            (CreateOrUpdateStore, "XksProxyInvalidResponseException"),
            (ConnectStore, "XKS_PROXY_INVALID_RESPONSE"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyUriPath, ProxyAccess],
        check proxy::health;
    ProxyEkmAvailable = "proxy.ekm_available", Proxy, Fail, "An external key manager is available",
        "At least one external key manager is not UNAVAILABLE; DEGRADED ones are reported.",
        says ["XKS_PROXY_NOT_REACHABLE", "XksProxyUriUnreachableException"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_NOT_REACHABLE"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ProxyHealth],
        check proxy::ekm_available;
    ProxyCredentialAccepted = "proxy.credential_accepted", Proxy, Fail, "Proxy accepts the credential",
        "A request signed with the store's access key ID and secret is accepted.",
        says ["INVALID_CREDENTIALS"],
        answers [
            (CreateOrUpdateStore, "XksProxyIncorrectAuthenticationCredentialException"),
            (ConnectStore, "INVALID_CREDENTIALS"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [TlsHttp11, ProxyClockSkew],
        check proxy::credential_accepted;
    ProxyAuthEnforced = "proxy.auth_enforced", Proxy, Fail, "Proxy enforces SigV4",
        "Requests that are unsigned, signed with a wrong secret or an unknown access key ID, signed for another Region \
         or service, or signed more than 5 minutes ago get 401 AuthenticationFailedException.",
        says [],
        answers [],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyClockSkew],
        check proxy::auth_enforced;
    ProxyUriPath = "proxy.uri_path", Proxy, Fail, "Configured path served, others refused",
        "The configured path is served, and a wrong path gets 404 InvalidUriPathException.",
        says ["XKS_PROXY_INVALID_CONFIGURATION"],
        answers [
            (CreateOrUpdateStore, "XksProxyInvalidConfigurationException"),
            (ConnectStore, "XKS_PROXY_INVALID_CONFIGURATION"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [TlsHttp11, ProxyCredentialAccepted],
        check proxy::uri_path;
    ProxyAccess = "proxy.access", Proxy, Fail, "Proxy authorization lets KMS in",
        "The proxy's own authorization rules do not refuse KMS's request with 403 AccessDeniedException.",
        says ["XKS_PROXY_ACCESS_DENIED"],
        answers [
            (ConnectStore, "XKS_PROXY_ACCESS_DENIED"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyUriPath],
        check proxy::access;
    ProxyMethodPostOnly = "proxy.method_post_only", Proxy, Fail, "GET refused",
        "A GET on a proxy API URI gets 405 Method Not Allowed.",
        says [],
        answers [],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyAccess],
        check proxy::method_post_only;
    ProxyErrorFormat = "proxy.error_format", Proxy, Fail, "Errors in the specified format",
        "Error bodies are JSON with an errorName the specification defines; an errorMessage, when present, is \
         printable ASCII of at most 512 characters.",
        says ["XKS_PROXY_INVALID_RESPONSE"],
        answers [
            (CreateOrUpdateStore, "XksProxyInvalidResponseException"),
            (ConnectStore, "XKS_PROXY_INVALID_RESPONSE"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [TlsHttp11],
        check proxy::error_format;
    ProxyLatency = "proxy.latency", Proxy, Fail, "Answers within 250 ms",
        "Every request gets its answer within 250 ms (warn above 200 ms), on a new connection and on a kept-alive \
         one; a proxy that stops answering fails here, and the checks that needed its answers are blocked.",
        says ["XKS_PROXY_TIMED_OUT"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_TIMED_OUT"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, ConfigEndpointFormat, DnsResolves, NetTcpConnect, TlsVersion,
               TlsCipherSuite],
        check proxy::latency;
    ProxyClockSkew = "proxy.clock_skew", Proxy, Fail, "Clocks agree",
        "The local clock and the proxy's Date header differ by less than 5 minutes, the SigV4 replay window.",
        says ["INVALID_CREDENTIALS"],
        answers [
            (CreateOrUpdateStore, "XksProxyIncorrectAuthenticationCredentialException"),
            (ConnectStore, "INVALID_CREDENTIALS"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [TlsHttp11],
        check proxy::clock_skew;
    ProxyRequestValidation = "proxy.request_validation", Proxy, Warn, "Malformed requests refused",
        "GetKeyMetadata and Encrypt without requestMetadata, GetKeyMetadata with an empty one, and Encrypt without \
         plaintext get 400 ValidationException; GetHealthStatus without or with an empty requestMetadata is \
         answered or refused, not failed (the specification gives it no ValidationException). KMS never sends such \
         requests, but a proxy that serves them validates nothing.",
        says [],
        answers [],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyUriPath, ProxyAccess, ProxyErrorFormat],
        check proxy::request_validation;
    ProxyUnknownOperation = "proxy.unknown_operation", Proxy, Fail, "Unknown kmsOperation served",
        "A request whose requestMetadata.kmsOperation names an operation the proxy does not know is served as usual: \
         the specification requires it, because KMS adds operations over time.",
        says ["XKS_PROXY_INVALID_RESPONSE", "KMSInvalidStateException"],
        answers [
            (CreateOrUpdateStore, "XksProxyInvalidResponseException"),
            (ConnectStore, "XKS_PROXY_INVALID_RESPONSE"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyUriPath, ProxyAccess, ProxyHealth],
        check proxy::unknown_operation;
    ProxyLongMetadata = "proxy.long_metadata", Proxy, Fail, "Long and optional metadata served",
        "Requests whose awsPrincipalArn and kmsKeyArn are 2,048 characters long, and whose requestMetadata carries \
         the optional kmsViaService, awsSourceVpc and awsSourceVpce, are served.",
        says ["KMSInvalidStateException"],
        answers [(CreateKey, "CustomKeyStoreInvalidStateException"), (Cryptographic, "KMSInvalidStateException")],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyUriPath, ProxyAccess, KeyMetadata],
        check proxy::long_metadata;
    ProxyCredentialRotation = "proxy.credential_rotation", Proxy, Fail, "Proxy accepts the next credential too",
        "With a next credential given (--next-access-key-id and its secret), the proxy accepts both the current and \
         the next one, so that UpdateCustomKeyStore can switch KMS to the next one with no gap (the specification \
         says a proxy should hold at least two at once).",
        says ["INVALID_CREDENTIALS"],
        answers [
            (CreateOrUpdateStore, "XksProxyIncorrectAuthenticationCredentialException, when UpdateCustomKeyStore \
                gives a credential the proxy does not accept"),
            (ConnectStore, "INVALID_CREDENTIALS, once the proxy refuses the credential KMS signs with"),
            (CreateKey, "CustomKeyStoreInvalidStateException"),
            (Cryptographic, "KMSInvalidStateException, while the proxy refuses the credential KMS signs with"),
        ],
        after [TlsHttp11, ProxyClockSkew, ProxyCredentialAccepted, ProxyUriPath, ProxyAccess, ProxyLatency],
        check proxy::credential_rotation;

    KeyMetadata = "key.metadata", Key, Fail, "External key usable by KMS",
        "GetKeyMetadata reports keySpec AES_256, keyUsage with ENCRYPT and DECRYPT, and keyStatus ENABLED.",
        says ["XksKeyNotFoundException", "XksKeyInvalidConfigurationException"],
        answers [
            (CreateKey, "XksKeyNotFoundException or XksKeyInvalidConfigurationException"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyUriPath, ProxyAccess],
        check key::metadata;
    KeyRoundTrip = "key.round_trip", Key, Fail, "Encrypt and decrypt round trip",
        "Encrypt then Decrypt returns the plaintext with and without additional authenticated data, with and without \
         a ciphertext data integrity value (which must match), and at the largest sizes (4300 bytes of plaintext, \
         8192 of AAD).",
        says ["KMSInvalidStateException"],
        answers [(Cryptographic, "KMSInvalidStateException")],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyUriPath, ProxyAccess],
        check key::round_trip;
    KeyTamperRejected = "key.tamper_rejected", Key, Fail, "Tampered ciphertext refused",
        "Decrypt is refused with InvalidCiphertextException for a ciphertext with one flipped bit, a changed tag or \
         IV, other AAD, and no AAD when it was encrypted with AAD.",
        says [],
        answers [],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyUriPath, ProxyAccess, KeyRoundTrip, ProxyErrorFormat],
        check key::tamper_rejected;
    KeyNotFound = "key.not_found", Key, Fail, "Unknown external key refused",
        "GetKeyMetadata and Encrypt for an external key ID that does not exist answer 404 KeyNotFoundException, so \
         that KMS can tell the user XksKeyNotFoundException.",
        says ["XksKeyNotFoundException"],
        answers [(CreateKey, "XksProxyInvalidResponseException or another error instead of XksKeyNotFoundException")],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyUriPath, ProxyAccess, ProxyErrorFormat],
        check key::not_found;
    KeyCiphertextShape = "key.ciphertext_shape", Key, Fail, "Encrypt answer in the shape KMS accepts",
        "Encrypt answers an initializationVector of 12 or 16 bytes, a 16-byte authenticationTag, a ciphertext as long \
         as the plaintext, and a ciphertextMetadata (when present) of at most 20 bytes that is bound into the \
         authenticated data: changing it makes Decrypt fail.",
        says ["KMSInvalidStateException"],
        answers [(Cryptographic, "KMSInvalidStateException")],
        after [TlsHttp11, ProxyCredentialAccepted, ProxyUriPath, ProxyAccess, KeyRoundTrip, KeyTamperRejected],
        check key::ciphertext_shape;
    KeyUnique = "key.unique", Key, Fail, "One KMS key per external key",
        "No two KMS keys of the store use the same external key ID.",
        says ["XksKeyAlreadyInUseException"],
        answers [(CreateKey, "XksKeyAlreadyInUseException")],
        after [ConfigStoreFound],
        check key::unique;
    KeyKmsKeyState = "key.kms_key_state", Key, Warn, "KMS keys usable",
        "The store's KMS keys are not Unavailable or PendingDeletion.",
        says ["KMSInvalidStateException"],
        answers [(Cryptographic, "KMSInvalidStateException")],
        after [ConfigStoreFound],
        check key::kms_key_state;

    MonitorMetricsPresent = "monitor.metrics_present", Monitor, Warn, "KMS published metrics for the store",
        "KMS published AWS/KMS metrics for the store in the window: a connected store always has some, from \
         KMS's own health checks. None means it was not connected then, or another account or Region was read.",
        says [],
        answers [],
        after [ConfigStoreFound, ConfigStoreType, ConfigConnectionState],
        check monitor::metrics_present;
    MonitorLatency = "monitor.latency", Monitor, Fail, "KMS saw answers within 250 ms",
        "The proxy latency KMS recorded stays within 250 ms (p99 per operation, or the maximum where CloudWatch \
         has no p99), and its 5-minute average below AWS's alarm of 200 ms (warn); a maximum near 500 ms is KMS \
         retrying after a network timeout.",
        says ["XKS_PROXY_TIMED_OUT", "KMSInvalidStateException"],
        answers [
            (ConnectStore, "XKS_PROXY_TIMED_OUT"),
            (Cryptographic, "KMSInvalidStateException (the proxy did not answer in time)"),
        ],
        after [ConfigStoreFound, ConfigStoreType, MonitorMetricsPresent],
        check monitor::latency;
    MonitorErrors = "monitor.errors", Monitor, Fail, "KMS saw no errors from the proxy",
        "KMS counted no proxy error in the window (warn for any), and never more than 5 of one ErrorType in a \
         minute (AWS's recommended alarms); each exception is named with its count and the check that covers it.",
        says ["KMSInvalidStateException"],
        answers [(Cryptographic, "KMSInvalidStateException, with the proxy's errorName in the message")],
        after [ConfigStoreFound, ConfigStoreType, MonitorMetricsPresent],
        check monitor::errors;
    MonitorCertificateDays = "monitor.certificate_days", Monitor, Fail, "Certificate days left, as KMS sees them",
        "The days KMS last recorded until the proxy's certificate expires are at least 10 (AWS's alarm), and at \
         least 30 (warn).",
        says ["XKS_PROXY_INVALID_TLS_CONFIGURATION"],
        answers [(ConnectStore, "XKS_PROXY_INVALID_TLS_CONFIGURATION once the certificate expires")],
        after [ConfigStoreFound, ConfigStoreType, MonitorMetricsPresent],
        check monitor::certificate_days;
    MonitorCredentialAge = "monitor.credential_age", Monitor, Warn, "Credential rotated in time",
        "The store's proxy credential has been in KMS for at most --max-credential-age days (90 unless given).",
        says [],
        answers [],
        after [ConfigStoreFound, ConfigStoreType, MonitorMetricsPresent],
        check monitor::credential_age;
    MonitorEkmStates = "monitor.ekm_states", Monitor, Fail, "KMS saw an external key manager Active",
        "KMS's latest reading of the external key managers has at least one Active; a Degraded or Unavailable \
         reading in the window warns, with when.",
        says ["XKS_PROXY_NOT_REACHABLE", "XksProxyUriUnreachableException"],
        answers [
            (CreateOrUpdateStore, "XksProxyUriUnreachableException"),
            (ConnectStore, "XKS_PROXY_NOT_REACHABLE"),
            (Cryptographic, "KMSInvalidStateException"),
        ],
        after [ConfigStoreFound, ConfigStoreType, MonitorMetricsPresent],
        check monitor::ekm_states;
    MonitorThrottle = "monitor.throttle", Monitor, Fail, "No request throttled",
        "KMS throttled none of the store's requests in the window, and the busiest period stays below 80% of \
         the store's 1,800 requests a second (warn).",
        says ["ThrottlingException"],
        answers [(Cryptographic, "ThrottlingException")],
        after [ConfigStoreFound, ConfigStoreType, MonitorMetricsPresent],
        check monitor::throttle;
    MonitorRecentFailures = "monitor.recent_failures", Monitor, Fail, "No failed calls in CloudTrail",
        "CloudTrail holds no failed KMS call on the store's keys, and no failed change or connection of the \
         store, in the window; each is listed with its time, operation, key, KMS's message explained and the \
         request ID the proxy logs as kmsRequestId.",
        says [],
        answers [],
        after [ConfigStoreFound, ConfigStoreType],
        check monitor::recent_failures;
    MonitorAlarms = "monitor.alarms", Monitor, Warn, "AWS's recommended alarms set",
        "The four alarms AWS recommends exist for the store: certificate days to expire below 10, proxy \
         latency averaging over 200 ms for 5 minutes, and more than 5 retryable, or non-retryable, proxy \
         errors in a minute. The remedy prints the commands that create the missing ones.",
        says [],
        answers [],
        after [ConfigStoreFound, ConfigStoreType, ConfigConnectionState],
        check monitor::alarms;

    IacStoreConnected = "iac.store_connected", Iac, Warn, "Something connects the created store",
        "A store the plan creates is connected afterwards: Terraform's aws_kms_custom_key_store creates it \
         DISCONNECTED and never connects it, so its keys stay unusable until ConnectCustomKeyStore is called.",
        says [],
        answers [
            (CreateKey, "CustomKeyStoreInvalidStateException while the store is DISCONNECTED"),
            (Cryptographic, "KMSInvalidStateException (the keys are Unavailable)"),
        ],
        after [],
        check iac::store_connected;
    IacSecretInPlan = "iac.secret_in_plan", Iac, Warn, "Proxy secret not in clear in the plan",
        "The plan does not hold the proxy secret access key in clear. With raw_secret_access_key it always does, \
         and so does the state: treat both as secrets, never attach them to a pull request.",
        says [],
        answers [],
        after [],
        check iac::secret_in_plan;
    IacServiceResolved = "iac.service_resolved", Iac, Fail, "Planned endpoint service exists",
        "The VPC endpoint service the store names is created in the same plan or template, or already exists in AWS.",
        says ["XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"],
        answers [
            (CreateOrUpdateStore, "XksProxyVpcEndpointServiceNotFoundException"),
            (ConnectStore, "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"),
        ],
        after [],
        check iac::service_resolved;
    IacKeySettings = "iac.key_settings", Iac, Fail, "Planned KMS keys fit the store",
        "Each KMS key the plan creates in the store has key_usage ENCRYPT_DECRYPT and customer_master_key_spec \
         SYMMETRIC_DEFAULT, is not multi-Region, and its xks_key_id is 1 to 128 letters, digits, '-', '_' or '.'.",
        says ["ValidationException", "UnsupportedOperationException"],
        answers [(CreateKey, "ValidationException or UnsupportedOperationException")],
        after [],
        check iac::key_settings;
    } };
}
pub(crate) use requirements;

requirements!(catalogue);
