//! Why a fact was not gathered, as data. Gathering only records the reason; the checks say it in words,
//! name the check that judges a missing upstream fact, and give the remedy (`checks::gates`). So a
//! replayed facts file is explained by today's words and today's catalogue, not by yesterday's.

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum Why {
    /// A command-line flag turned the step off.
    TurnedOff { flag: Flag },
    /// Nothing to sign the proxy calls with: no secret access key was supplied.
    NoSecret,
    /// Nothing to sign the proxy calls with: the settings name no access key ID.
    NoAccessKeyId,
    /// No credential to rotate to was given: the rotation was not rehearsed.
    NoNextCredential,
    /// The proxy requires a client certificate, and none was given to present.
    ClientCertificateRequired,
    /// A fact this step needs was not there.
    Needs { fact: Fact },
    /// No AWS call of this account and Region could be answered; the problem is said once, at the top.
    AwsUnreadable,
    /// The settings are planned: the store does not exist yet, so neither do its KMS keys.
    StoreNotCreated,
    /// Only the account that owns the VPC endpoint service may read this.
    OwnerOnly,
    /// The owner's view of the service was read, and holds every field the other view has.
    OwnerViewRead,
    /// The private DNS name is resolved by KMS inside its own VPC, and has no address from here.
    PrivateName,
    /// An AWS listing kept answering with another page past the bound the tool sets.
    EndlessPages { action: String },
    /// A plan or template declares this; its value exists only once it is applied.
    KnownAfterApply { address: String },
    /// The version of xks-preflight that wrote these facts did not gather this.
    OlderFacts,
    /// An older facts file, written before reasons were typed, said this in words.
    Recorded { text: String },
}

/// The flags that turn gathering steps off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    NoAws,
    NoNetwork,
    NoMonitor,
}

/// The facts whose absence keeps a later step from running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// The store's (or the planned) settings: the store was not found, or is of another type.
    Settings,
    /// A host name in the endpoint.
    EndpointHost,
    /// An answer for the endpoint's name from DNS.
    EndpointName,
    /// An IPv4 address for the endpoint.
    Ipv4Address,
    /// A TLS session made with the cipher suites KMS offers.
    KmsTlsSession,
    /// A ciphertext from Encrypt, to decrypt.
    Ciphertext,
    /// The account's custom key stores, listed.
    StoreList,
    /// A well-formed VPC endpoint service name.
    ServiceName,
    /// The service owner's view of the VPC endpoint service.
    ServiceConfiguration,
    /// The VPC of the load balancer.
    LoadBalancerVpc,
    /// The load balancer's listeners, which name its target groups.
    Listeners,
}

impl Why {
    /// Reads the typed form, or the sentence an older facts file holds.
    pub fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Why, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OnFile {
            Text(String),
            Typed(Why),
        }
        Ok(match OnFile::deserialize(deserializer)? {
            OnFile::Text(text) => Why::Recorded { text },
            OnFile::Typed(why) => why,
        })
    }
}
