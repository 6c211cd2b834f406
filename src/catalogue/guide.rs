//! What a person asks about one requirement beyond its declaration: how the tool finds out, and what
//! usually puts it right. `explain <check-id>` and `list-checks <check-id>` print them; the report's
//! own remedies stay with the checks, which know the values involved.

use super::{CheckId, Section};

/// How the checks of a section learn what they judge.
pub fn how_checked(section: Section) -> &'static str {
    match section {
        Section::Config => {
            "From the store's settings as KMS returns them (kms:DescribeCustomKeyStores), or from the planned \
             settings and the proxy configuration file; the shapes are compared with what KMS accepts."
        }
        Section::Vpc => {
            "From the VPC endpoint service and its Network Load Balancer, read with ec2:Describe* and \
             elasticloadbalancing:Describe* in the store's account and Region."
        }
        Section::Dns => {
            "By resolving the endpoint's name from this host (the system's resolver, or --dns-server), and \
             for a VPC store the private DNS name's parent domain and verification TXT record."
        }
        Section::Net => {
            "By opening TCP connections to port 443 from this host (or --connect-to) and timing the \
             handshakes."
        }
        Section::Tls => {
            "By TLS handshakes from this host with the versions and cipher suites KMS offers, and by \
             verifying the chain the server sends as KMS does, against KMS's list of trusted roots."
        }
        Section::Proxy => {
            "By calling the proxy API as KMS does, over the probes' TLS connection: signed with the proxy \
             credential (SigV4) when the secret is given, and deliberately malformed or unsigned calls."
        }
        Section::Key => {
            "By calling GetKeyMetadata, Encrypt and Decrypt for each external key named (--xks-key-id) or \
             used by the store's KMS keys, on a fixed test pattern, which needs the proxy's secret; and, for \
             the store's KMS keys themselves, from kms:ListKeys and kms:DescribeKey."
        }
        Section::Monitor => {
            "From what KMS recorded about an existing store over --since: its CloudWatch metrics and alarms, \
             and CloudTrail's failed calls."
        }
        Section::Iac => {
            "From a Terraform plan (terraform show -json) or a CloudFormation or CDK template, read as a file \
             before anything is applied: what it creates stands in for the store and its endpoint service."
        }
    }
}

/// What usually puts a broken requirement right.
pub fn fix(id: CheckId) -> &'static str {
    use CheckId::*;
    match id {
        ConfigStoreFound => "Check the store ID or name, the Region (--region) and the account (--profile).",
        ConfigStoreType => "Name an external key store; CloudHSM key stores are not checked by this tool.",
        ConfigConnectionState => {
            "Fix what the store's ConnectionErrorCode points at, then disconnect and connect the store again."
        }
        ConfigEndpointFormat => "Give https:// and a DNS host name only: no IP address, port, path or user.",
        ConfigPathFormat => "Use the path the proxy serves, ending in /kms/xks/v1 (a prefix before it is allowed).",
        ConfigUriLength => "Shorten the endpoint's host name or the path prefix.",
        ConfigAccessKeyIdFormat => "Use the access key ID the proxy issued (20 to 30 characters of A-Z and 2-7).",
        ConfigSecretFormat => "Use the secret the proxy issued (43 to 64 characters of A-Z a-z 0-9 / + =).",
        ConfigProxyConfigMatch => "Update the store, or the proxy, so that both hold the same path and credential.",
        ConfigEndpointUnique => "Give each store its own endpoint, or its own path and endpoint service.",
        ConfigRegionSupported => "Create the store in a Region where KMS offers external key stores.",
        ConfigStoreQuota => "Delete an unused custom key store, or ask AWS for a higher quota.",
        VpcServiceFound => "Check the endpoint service name, its owner account and the Region.",
        VpcServiceRegion => "Create the endpoint service in the store's Region.",
        VpcServiceState => "Wait for the endpoint service to be Available, or recreate it.",
        VpcServiceType => "Create an Interface endpoint service (a Gateway Load Balancer service will not do).",
        VpcLoadBalancerType => "Put a Network Load Balancer behind the endpoint service.",
        VpcAvailabilityZones => "Give the load balancer subnets in at least two Availability Zones.",
        VpcSubnetsPrivate => "Move the load balancer to private subnets.",
        VpcNlbScheme => "Use an internal Network Load Balancer.",
        VpcNlbListener => "Add a TCP or TLS listener on port 443 to the load balancer.",
        VpcTargetsHealthy => "Make the proxy's targets pass the target group's health check.",
        VpcAcceptanceRequired => "Turn off acceptance on the endpoint service.",
        VpcAllowedPrincipal => "Allow the principal cks.kms.<region>.amazonaws.com on the endpoint service.",
        VpcPrivateDnsName => "Set the endpoint service's private DNS name to the endpoint's host name.",
        VpcPrivateDnsVerified => "Publish the TXT record EC2 gives and start the domain's verification.",
        VpcIpAddressType => "Let the endpoint service support IPv4.",
        DnsResolves => "Publish an A record for the endpoint's host name.",
        DnsPublicParent => "Use a private DNS name under a public domain you control.",
        DnsVerificationTxt => "Publish the verification TXT record EC2 asks for under the domain.",
        NetTcpConnect => "Open port 443 to the proxy (security groups, firewalls, the listener).",
        NetRtt => "Run the proxy closer to the store's Region.",
        TlsVersion => "Enable TLS 1.2 or TLS 1.3 on the proxy.",
        TlsCipherSuite => "Enable one of the cipher suites KMS offers (TLS_AES_128_GCM_SHA256 among them).",
        TlsHostname => "Issue a certificate whose subject alternative names include the endpoint's host.",
        TlsValidity => "Renew the certificate before it expires and install it on the proxy.",
        TlsChainComplete => "Configure the proxy to send the intermediate certificates with its own.",
        TlsTrustedCa => "Use a certificate from a public CA on KMS's list of trusted roots.",
        TlsHttp11 => "Serve the proxy API over HTTP/1.1 on the TLS connection (offer http/1.1 in ALPN, or none).",
        TlsClientCertificate => "Stop asking for client certificates: KMS does not send one.",
        ProxyHealth => "Make GetHealthStatus answer 200 with the fields the proxy API specification lists.",
        ProxyEkmAvailable => "Bring an external key manager behind the proxy back to Active.",
        ProxyCredentialAccepted => "Give the store the credential the proxy issued, or the proxy the store's.",
        ProxyAuthEnforced => "Make the proxy verify every request's SigV4 signature and refuse others with 401.",
        ProxyUriPath => "Serve the proxy API under the store's path and answer 404 elsewhere.",
        ProxyAccess => "Let KMS's principal and the store's account through the proxy's authorization rules.",
        ProxyMethodPostOnly => "Answer GET with 405: the proxy API takes POST only.",
        ProxyErrorFormat => "Answer errors as JSON with an errorName the specification defines.",
        ProxyLatency => "Make the proxy and its key manager answer within 250 ms.",
        ProxyClockSkew => "Synchronise the proxy's clock (NTP).",
        ProxyRequestValidation => "Refuse requests without requestMetadata or plaintext with 400 ValidationException.",
        ProxyUnknownOperation => "Serve a request whatever its kmsOperation: KMS adds operations.",
        ProxyCredentialRotation => {
            "Give the proxy the next credential beside the current one before the store is updated to it."
        }
        ProxyLongMetadata => "Accept 2,048-character ARNs and the optional metadata fields.",
        KeyMetadata => "Give KMS an enabled AES_256 external key allowed to ENCRYPT and DECRYPT.",
        KeyRoundTrip => "Make Encrypt and Decrypt with the same key, AAD and metadata give the plaintext back.",
        KeyTamperRejected => "Make Decrypt verify the tag and AAD and refuse with InvalidCiphertextException.",
        KeyNotFound => "Answer 404 KeyNotFoundException for a key ID no key manager holds.",
        KeyCiphertextShape => {
            "Answer Encrypt with a 12- or 16-byte IV, a 16-byte tag and ciphertext of the plaintext's length."
        }
        KeyUnique => "Give each KMS key its own external key.",
        KeyKmsKeyState => "Enable the KMS key, or cancel its deletion.",
        MonitorMetricsPresent => "Connect the store, or read the account and Region that hold it.",
        MonitorLatency => "Find what slows the proxy or its key manager at the times KMS recorded.",
        MonitorErrors => "Look up the kmsRequestId of each error in the proxy's log.",
        MonitorCertificateDays => "Renew the proxy's certificate.",
        MonitorCredentialAge => "Rotate the proxy credential: the new one beside the old, then update the store.",
        MonitorEkmStates => "Bring the external key manager back to Active.",
        MonitorThrottle => "Spread the load over time or over more stores.",
        MonitorRecentFailures => "Look up each failed call's kmsRequestId in the proxy's log.",
        MonitorAlarms => "Create them with the commands `xks-preflight alarms` prints.",
        IacStoreConnected => "Connect the store once it is created: aws kms connect-custom-key-store, after apply.",
        IacSecretInPlan => "Keep the plan and the state as secrets, and feed the secret in from a secret store.",
        IacServiceResolved => "Create the endpoint service in the same plan, or name one that exists in the Region.",
        IacKeySettings => {
            "Declare the keys ENCRYPT_DECRYPT, SYMMETRIC_DEFAULT, single-Region, with a valid xks_key_id."
        }
    }
}
