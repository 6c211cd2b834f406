//! The calls of a load run, made as KMS makes them: signed GetHealthStatus as KMS's own health checks
//! send it, and Encrypt then Decrypt of what was encrypted, with AAD, at a data key's size. Nothing with
//! a side effect on the proxy is ever sent (no CreateKey, no kmsOperation that creates anything).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::keys::{self, Sealed};
use super::sign::Signature;
use super::{call, Call, Pool};
use crate::facts::{probe_bytes, Fact, Probed, ProxyExchange, Why};
use crate::gather::budget::Budget;
use crate::user_input::Secret;

/// What KMS encrypts under an external key: a data key (32 bytes)...
const PLAINTEXT_BYTES: usize = 32;
/// ...under an encryption context of a few pairs, which KMS passes on as AAD.
const AAD_BYTES: usize = 64;
/// The kmsOperation of KMS's periodic health checks of a connected store.
const HEALTH_OPERATION: &str = "KmsHealthCheck";

/// One kind of call a load run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    Health,
    Encrypt,
    Decrypt,
}

impl Operation {
    pub fn name(self) -> &'static str {
        match self {
            Operation::Health => "GetHealthStatus",
            Operation::Encrypt => "Encrypt",
            Operation::Decrypt => "Decrypt",
        }
    }
}

/// Where and as whom the calls go.
pub struct LoadTarget {
    pub address: SocketAddr,
    pub host: String,
    pub uri_path: String,
    pub region: String,
    pub access_key_id: String,
    pub secret: Secret,
    /// External key IDs: the key calls go to each in turn.
    pub keys: Vec<String>,
    pub connections: usize,
    pub timeout: Duration,
    /// The client certificate to present when the proxy asks for one (`--client-cert`), if any.
    pub client: Option<Arc<rustls::sign::CertifiedKey>>,
}

/// An external key, the made-up ARN of the KMS key KMS would name, and what an Encrypt sealed, for
/// the Decrypts to open.
struct Key {
    xks_key_id: String,
    arn: String,
    sealed: Option<Sealed>,
}

/// The pool and what every call needs.
pub struct Caller {
    pool: Pool,
    base: String,
    region: String,
    access_key_id: String,
    secret: Secret,
    keys: Vec<Key>,
    /// What every Encrypt seals, and the AAD of every Encrypt and Decrypt.
    plaintext: Vec<u8>,
    aad: Vec<u8>,
}

impl Caller {
    /// A pool of `target.connections` kept-alive connections. A call with no answer in time does not
    /// stop the calls after it: a stall is what the run measures.
    pub fn new(target: LoadTarget, budget: Arc<Budget>) -> Caller {
        let pool =
            Pool::sized(target.address, &target.host, target.timeout, budget, target.client, target.connections, false);
        let keys = target
            .keys
            .iter()
            .map(|id| Key { xks_key_id: id.clone(), arn: keys::probe_key_arn(&target.region), sealed: None })
            .collect();
        Caller {
            pool,
            base: target.uri_path.trim_end_matches('/').to_string(),
            region: target.region,
            access_key_id: target.access_key_id,
            secret: target.secret,
            keys,
            plaintext: probe_bytes(PLAINTEXT_BYTES, 6),
            aad: probe_bytes(AAD_BYTES, 7),
        }
    }

    fn signature(&self) -> Signature<'_> {
        Signature::Kms { access_key_id: &self.access_key_id, secret: self.secret.expose() }
    }

    /// Encrypts once under each key, before the run, so that every Decrypt has a ciphertext to open: the
    /// first exchange that did not seal anything is handed back. The Encrypts leave `gap` apart, so that
    /// even these few keep to the rate asked for.
    pub async fn prepare(&mut self, gap: Duration) -> Result<(), (String, Probed<ProxyExchange>)> {
        for index in 0..self.keys.len() {
            if index > 0 {
                tokio::time::sleep(gap).await;
            }
            let encrypt = self.send(Operation::Encrypt, index).await;
            match Sealed::of(&encrypt) {
                Some(sealed) => self.keys[index].sealed = Some(sealed),
                None => return Err((self.keys[index].xks_key_id.clone(), encrypt)),
            }
        }
        Ok(())
    }

    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// One call of `operation` (a key operation to the key `key`, counted round the keys).
    pub async fn send(&self, operation: Operation, key: usize) -> Probed<ProxyExchange> {
        let material = (&self.plaintext[..], &self.aad[..]);
        let request = match (operation, self.keys.get(key % self.keys.len().max(1))) {
            (Operation::Health, _) | (_, None) => {
                Call::health(format!("{}/health", self.base), self.signature(), HEALTH_OPERATION)
            }
            (Operation::Encrypt, Some(key)) => {
                keys::encrypt_with(&self.base, &key.xks_key_id, self.signature(), &key.arn, material)
            }
            (Operation::Decrypt, Some(key)) => match &key.sealed {
                Some(sealed) => {
                    keys::decrypt_of(&self.base, &key.xks_key_id, self.signature(), &key.arn, sealed, material.1)
                }
                None => return Probed::NotGathered(Why::Needs { fact: Fact::Ciphertext }),
            },
        };
        call(&self.pool, &self.region, request).await
    }
}

/// The address the calls go to: `connect_to` (HOST:PORT) when given, else the endpoint's host on 443,
/// as the system resolves it.
pub async fn resolve(host: &str, connect_to: Option<&str>, timeout: Duration) -> Result<SocketAddr, String> {
    let target = connect_to.map(str::to_string).unwrap_or_else(|| format!("{host}:443"));
    let looked_up = match tokio::time::timeout(timeout, tokio::net::lookup_host(&target)).await {
        Ok(Ok(mut addresses)) => addresses.next().ok_or(format!("{target} resolves to no address")),
        Ok(Err(error)) => Err(format!("cannot resolve {target}: {error}")),
        Err(_) => Err(format!("cannot resolve {target}: no answer in time")),
    };
    looked_up
}
