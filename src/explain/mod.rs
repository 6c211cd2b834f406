//! What KMS's terse answers mean. The catalogue says which checks can confirm each code; this module
//! says, in the tool's own words, what KMS was doing and what to do about it.

use crate::catalogue::{Requirement, CATALOGUE};

/// A `ConnectionErrorCode` KMS gives an external key store that turned FAILED.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionError {
    pub code: &'static str,
    /// What went wrong, as far as KMS lets one know.
    pub meaning: &'static str,
    /// What to do before connecting again.
    pub next_steps: &'static str,
    /// The exceptions CreateCustomKeyStore and UpdateCustomKeyStore raise for the same causes: their
    /// checks bear on this code too.
    pub same_causes_as: &'static [&'static str],
}

pub const CONNECTION_ERRORS: &[ConnectionError] = &[
    ConnectionError {
        code: "INTERNAL_ERROR",
        meaning: "KMS hit a fault of its own while connecting; nothing points at your proxy.",
        next_steps: "Try the connection again. If it fails the same way several times, open a case with AWS Support.",
        same_causes_as: &[],
    },
    ConnectionError {
        code: "INVALID_CREDENTIALS",
        meaning: "The proxy refused KMS's signed request: the access key ID or the secret access key stored in KMS \
                  is not one the proxy accepts for this URI path.",
        next_steps: "Compare the credential in KMS with the proxy's (the proxy configuration file helps), fix it with \
                     UpdateCustomKeyStore, and make sure nothing between KMS and the proxy rewrites HTTP headers, \
                     which breaks SigV4 signatures.",
        same_causes_as: &["XksProxyIncorrectAuthenticationCredentialException"],
    },
    ConnectionError {
        code: "NETWORK_ERRORS",
        meaning: "The network between KMS and the store's backing key store failed.",
        next_steps:
            "Check the network path to the proxy (VPC endpoint service, load balancer, firewalls), then connect again.",
        same_causes_as: &[],
    },
    ConnectionError {
        code: "XKS_PROXY_ACCESS_DENIED",
        meaning: "The proxy authenticated KMS but its own authorization rules refused the request.",
        next_steps: "Change the proxy's authorization policy so that it allows KMS's requests for this store; \
                     nothing in KMS can change this.",
        same_causes_as: &[],
    },
    ConnectionError {
        code: "XKS_PROXY_INVALID_CONFIGURATION",
        meaning: "The proxy did not recognise the URI path KMS called; most often XksProxyUriPath is wrong \
                  (a missing or extra prefix, or a path the proxy changed in an upgrade).",
        next_steps: "Find the path the proxy serves (its configuration file or documentation) and set it with \
                     UpdateCustomKeyStore.",
        same_causes_as: &["XksProxyInvalidConfigurationException"],
    },
    ConnectionError {
        code: "XKS_PROXY_INVALID_RESPONSE",
        meaning: "KMS reached the proxy but could not make sense of the answer: not the JSON the proxy API \
                  specification defines, not HTTP/1.1, or plain HTTP where TLS was expected (a load balancer \
                  passing TCP to a proxy that does not speak TLS itself).",
        next_steps: "Check that the proxy answers GetHealthStatus as the specification says and that TLS ends either \
                     at the proxy or at a TLS listener; if the answers look right, report it to the proxy's vendor.",
        same_causes_as: &["XksProxyInvalidResponseException"],
    },
    ConnectionError {
        code: "XKS_PROXY_INVALID_TLS_CONFIGURATION",
        meaning: "The TLS handshake with the proxy failed: no TLS 1.2 or 1.3, a certificate that has expired, that \
                  does not name the endpoint's host, or that does not chain to a root on KMS's trusted list.",
        next_steps: "Serve a certificate for the endpoint host (for a VPC store, the private DNS name) from a CA on \
                     KMS's list, with the full chain, over TLS 1.2 or 1.3.",
        same_causes_as: &[],
    },
    ConnectionError {
        code: "XKS_PROXY_NOT_REACHABLE",
        meaning: "KMS could not talk to the proxy: the endpoint or path is wrong, the proxy is down or unreachable \
                  on port 443, the round trip is longer than 35 ms, or the proxy said every external key manager \
                  is UNAVAILABLE.",
        next_steps: "Make the proxy reachable on port 443 at the configured endpoint, check its external key \
                     managers, and keep it within 35 ms of the store's Region.",
        same_causes_as: &["XksProxyUriUnreachableException"],
    },
    ConnectionError {
        code: "XKS_PROXY_TIMED_OUT",
        meaning: "The proxy was reached but did not answer within KMS's 250 ms limit.",
        next_steps: "Find where the time goes: distance to the Region, the proxy itself, or the external key \
                     manager behind it. Persistent timeouts are for the proxy's operator or vendor.",
        same_causes_as: &[],
    },
    ConnectionError {
        code: "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION",
        meaning: "The VPC endpoint service breaks one of KMS's rules: an interface service backed by a Network Load \
                  Balancer in two or more Availability Zones, KMS's principal allowed, no acceptance required, and a \
                  private DNS name that is verified and named by the proxy's certificate.",
        next_steps: "Fix what the vpc.* and dns.* checks report, then connect again.",
        same_causes_as: &["XksProxyVpcEndpointServiceInvalidConfigurationException"],
    },
    ConnectionError {
        code: "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND",
        meaning: "KMS could not find or use the VPC endpoint service: the name is wrong, the service is in another \
                  Region or account, or cks.kms.<region>.amazonaws.com is not an allowed principal.",
        next_steps: "Check the service name and its Region, and allow KMS's service principal on the service.",
        same_causes_as: &["XksProxyVpcEndpointServiceNotFoundException"],
    },
];

pub fn connection_error(code: &str) -> Option<&'static ConnectionError> {
    CONNECTION_ERRORS.iter().find(|e| e.code == code)
}

impl ConnectionError {
    /// The checks that bear on this code, directly or through an exception with the same causes.
    pub fn related_checks(&self) -> Vec<&'static Requirement> {
        CATALOGUE
            .iter()
            .filter(|r| r.kms_says.iter().any(|name| *name == self.code || self.same_causes_as.contains(name)))
            .collect()
    }
}
