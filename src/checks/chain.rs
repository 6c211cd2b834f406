//! Following a presented certificate chain to its root, by names and key identifiers, with no I/O:
//! the server's certificates, the `--ca-file` roots recorded in the facts, and the well-known roots
//! compiled into the tool.

use std::sync::OnceLock;

use base64::Engine;
use sha2::{Digest, Sha256};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

/// What the checks need of one certificate.
#[derive(Debug, Clone)]
pub struct Cert {
    pub subject: String,
    pub issuer: String,
    subject_raw: Vec<u8>,
    issuer_raw: Vec<u8>,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    pub not_before: i64,
    pub not_after: i64,
    /// Uppercase hex.
    pub sha256: String,
    pub dns_names: Vec<String>,
    pub common_name: Option<String>,
}

impl Cert {
    pub fn parse(der: &[u8]) -> Result<Cert, String> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
        let mut subject_key_id = None;
        let mut authority_key_id = None;
        let mut dns_names = Vec::new();
        for extension in cert.extensions() {
            match extension.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => subject_key_id = Some(id.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    authority_key_id = aki.key_identifier.as_ref().map(|id| id.0.to_vec())
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        if let GeneralName::DNSName(dns) = name {
                            dns_names.push(dns.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        let common_name = cert.subject().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_string);
        Ok(Cert {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            subject_raw: cert.subject().as_raw().to_vec(),
            issuer_raw: cert.issuer().as_raw().to_vec(),
            subject_key_id,
            authority_key_id,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            sha256: Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect(),
            dns_names,
            common_name,
        })
    }

    pub fn is_self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
            && match (&self.subject_key_id, &self.authority_key_id) {
                (Some(subject), Some(authority)) => subject == authority,
                _ => true,
            }
    }

    /// Whether `issuer` can have issued this certificate, by name and, where both carry one, key identifier.
    fn issued_by(&self, issuer: &Cert) -> bool {
        self.issuer_raw == issuer.subject_raw
            && match (&self.authority_key_id, &issuer.subject_key_id) {
                (Some(authority), Some(subject)) => authority == subject,
                _ => true,
            }
    }

    /// The same CA as `other` (same name and key), however it was signed: a cross-signed copy of a root.
    fn same_ca_as(&self, other: &Cert) -> bool {
        self.subject_raw == other.subject_raw
            && self.subject_key_id.is_some()
            && self.subject_key_id == other.subject_key_id
    }
}

pub fn decode(base64_der: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD.decode(base64_der).map_err(|e| e.to_string())
}

/// The well-known public roots (Mozilla's, as the webpki-root-certs crate ships them).
fn well_known() -> &'static [Cert] {
    static ROOTS: OnceLock<Vec<Cert>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().filter_map(|der| Cert::parse(der).ok()).collect()
    })
}

#[derive(Debug, Clone)]
pub enum RootSource {
    /// The server sent it.
    Sent,
    /// Found among the well-known roots.
    WellKnown,
    /// Found in `--ca-file`.
    CaFile,
}

#[derive(Debug, Clone)]
pub enum ChainEnd {
    Root {
        cert: Cert,
        source: RootSource,
    },
    /// The last certificate reached, whose issuer is nowhere to be found.
    Missing {
        last: Cert,
    },
}

#[derive(Debug, Clone)]
pub struct Chain {
    /// The presented certificates, leaf first.
    pub presented: Vec<Cert>,
    /// Subjects from the leaf up, as linked.
    pub path: Vec<String>,
    pub end: ChainEnd,
    /// Presented certificates the path did not use.
    pub unused: Vec<String>,
}

pub fn follow(presented_der: &[Vec<u8>], ca_file_der: &[Vec<u8>]) -> Result<Chain, String> {
    let presented: Vec<Cert> = presented_der
        .iter()
        .enumerate()
        .map(|(index, der)| {
            Cert::parse(der).map_err(|e| format!("certificate {} of the chain cannot be parsed: {e}", index + 1))
        })
        .collect::<Result<_, _>>()?;
    let ca_file: Vec<Cert> = ca_file_der.iter().filter_map(|der| Cert::parse(der).ok()).collect();
    let Some(leaf) = presented.first() else { return Err("the server sent no certificate".into()) };
    let mut used = vec![0usize];
    let mut path = vec![leaf.subject.clone()];
    let mut current = leaf.clone();
    // Bounded by the certificates there are to link.
    let end = loop {
        if current.is_self_issued() {
            break ChainEnd::Root { cert: current, source: RootSource::Sent };
        }
        if let Some(root) = well_known().iter().find(|root| current.same_ca_as(root)) {
            break ChainEnd::Root { cert: root.clone(), source: RootSource::WellKnown };
        }
        let next_presented =
            presented.iter().enumerate().find(|(index, cert)| !used.contains(index) && current.issued_by(cert));
        if let Some((index, cert)) = next_presented {
            used.push(index);
            path.push(cert.subject.clone());
            current = cert.clone();
            continue;
        }
        if let Some(root) = ca_file.iter().find(|root| current.issued_by(root)) {
            path.push(root.subject.clone());
            break ChainEnd::Root { cert: root.clone(), source: RootSource::CaFile };
        }
        if let Some(root) = well_known().iter().find(|root| current.issued_by(root)) {
            path.push(root.subject.clone());
            break ChainEnd::Root { cert: root.clone(), source: RootSource::WellKnown };
        }
        break ChainEnd::Missing { last: current };
    };
    let unused =
        presented.iter().enumerate().filter(|(i, _)| !used.contains(i)).map(|(_, c)| c.subject.clone()).collect();
    Ok(Chain { presented, path, end, unused })
}

/// RFC 6125 matching of one certificate name: a wildcard stands for exactly one whole leftmost label.
pub fn name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(rest) if rest.contains('.') => {
            host.split_once('.').is_some_and(|(first, host_rest)| !first.is_empty() && host_rest == rest)
        }
        Some(_) => false,
        None => pattern == host,
    }
}
