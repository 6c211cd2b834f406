//! Certificate paths built and verified as KMS builds and verifies them, with rustls-webpki: from the
//! certificates the server sent to a trust anchor matched by subject name and public key, every signature
//! verified, every CA's constraints, validity and server-authentication usage checked. Nothing here links
//! certificates by hand; x509-parser only describes them for the evidence.
//!
//! The anchors are KMS's roots (`trusted_cas`), and, to say where a chain ends when it is not at one of
//! those, the `--ca-file` roots recorded in the facts, Mozilla's roots (webpki-root-certs), and any
//! self-signed certificate the server sent.

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use rustls::pki_types::{CertificateDer, ServerName, SignatureVerificationAlgorithm, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, Error as PkiError, KeyUsage};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::text::quote;
use crate::trusted_cas::{self, KmsRoot};

/// What the evidence says of one certificate.
#[derive(Debug, Clone)]
pub struct Cert {
    pub der: Vec<u8>,
    pub subject: String,
    pub issuer: String,
    pub not_before: i64,
    pub not_after: i64,
    pub dns_names: Vec<String>,
    pub common_name: Option<String>,
    self_issued: bool,
}

impl Cert {
    pub fn parse(der: &[u8]) -> Result<Cert, String> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
        let mut dns_names = Vec::new();
        for extension in cert.extensions() {
            if let ParsedExtension::SubjectAlternativeName(san) = extension.parsed_extension() {
                for name in &san.general_names {
                    if let GeneralName::DNSName(dns) = name {
                        dns_names.push(quote(dns));
                    }
                }
            }
        }
        let common_name = cert.subject().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(quote);
        Ok(Cert {
            der: der.to_vec(),
            subject: quote(&cert.subject().to_string()),
            issuer: quote(&cert.issuer().to_string()),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            dns_names,
            common_name,
            self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        })
    }
}

pub fn decode(base64_der: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD.decode(base64_der).map_err(|e| e.to_string())
}

/// Where a verified path ends.
#[derive(Debug, Clone)]
pub enum AnchorKind {
    /// One of KMS's roots.
    Kms(&'static KmsRoot),
    /// A root from `--ca-file`.
    CaFile,
    /// A root of Mozilla's store that is not on KMS's list.
    WellKnown,
    /// A self-signed certificate the server sent itself.
    Sent,
}

#[derive(Debug, Clone)]
pub struct Path {
    pub anchor_subject: String,
    pub anchor: AnchorKind,
    /// The presented certificates the path runs through above the server's, leaf upwards (indices).
    pub via: Vec<usize>,
}

/// Which anchors a path may end at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roots {
    /// KMS's list alone: the trust decision.
    Kms,
    /// Every anchor the tool knows: whether the chain is complete at all.
    Any,
}

/// Mozilla's roots, with their subjects for the evidence.
fn well_known() -> &'static [(TrustAnchor<'static>, String)] {
    static ROOTS: OnceLock<Vec<(TrustAnchor<'static>, String)>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .filter_map(|der| {
                let anchor = webpki::anchor_from_trusted_cert(der).ok()?.to_owned();
                let subject = Cert::parse(der).ok()?.subject;
                Some((anchor, subject))
            })
            .collect()
    })
}

fn algorithms() -> &'static [&'static dyn SignatureVerificationAlgorithm] {
    rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms.all
}

fn unix(seconds: i64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(seconds.max(0) as u64))
}

/// The certificates a server sent, and the `--ca-file` roots of the run, ready to be verified.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Leaf first.
    pub presented: Vec<Cert>,
    ca_file: Vec<Vec<u8>>,
}

impl Chain {
    /// Every presented certificate must parse: one that does not is named by its place in the chain.
    pub fn new(presented_der: Vec<Vec<u8>>, ca_file_der: Vec<Vec<u8>>) -> Result<Chain, String> {
        if presented_der.is_empty() {
            return Err("the server sent no certificate".into());
        }
        let presented = presented_der
            .iter()
            .enumerate()
            .map(|(index, der)| {
                Cert::parse(der).map_err(|e| format!("certificate {} of the chain cannot be parsed: {e}", index + 1))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Chain { presented, ca_file: ca_file_der })
    }

    pub fn leaf(&self) -> &Cert {
        &self.presented[0]
    }

    /// The anchors of `roots`, each with what it is.
    fn anchors(&self, roots: Roots) -> Vec<(TrustAnchor<'static>, String, AnchorKind)> {
        let mut anchors: Vec<(TrustAnchor<'static>, String, AnchorKind)> = trusted_cas::certificates()
            .iter()
            .map(|root| (root.anchor.clone(), root.listed.subject.to_string(), AnchorKind::Kms(root)))
            .collect();
        if roots == Roots::Kms {
            return anchors;
        }
        let own = |der: &[u8], kind: AnchorKind| {
            let anchor = webpki::anchor_from_trusted_cert(&CertificateDer::from(der)).ok()?.to_owned();
            Some((anchor, Cert::parse(der).ok()?.subject, kind))
        };
        anchors.extend(self.ca_file.iter().filter_map(|der| own(der, AnchorKind::CaFile)));
        anchors.extend(
            well_known().iter().map(|(anchor, subject)| (anchor.clone(), subject.clone(), AnchorKind::WellKnown)),
        );
        anchors.extend(self.presented.iter().filter(|c| c.self_issued).filter_map(|c| own(&c.der, AnchorKind::Sent)));
        anchors
    }

    /// The moment to verify the path at: the facts' time, kept within the server certificate's own
    /// validity, so that an expired server certificate is tls.validity's finding alone.
    fn moment(&self, now: i64) -> i64 {
        now.clamp(self.leaf().not_before, self.leaf().not_after.max(self.leaf().not_before))
    }

    fn verify(&self, anchors: &[TrustAnchor<'static>], moment: i64) -> Result<(usize, Vec<usize>), PkiError> {
        let leaf_der = CertificateDer::from(self.presented[0].der.as_slice());
        let leaf = EndEntityCert::try_from(&leaf_der)?;
        let intermediates: Vec<CertificateDer<'_>> =
            self.presented[1..].iter().map(|c| CertificateDer::from(c.der.as_slice())).collect();
        let path = leaf.verify_for_usage(
            algorithms(),
            anchors,
            &intermediates,
            unix(moment),
            KeyUsage::server_auth(),
            None,
            None,
        )?;
        let anchor = anchors.iter().position(|a| std::ptr::eq(a, path.anchor())).expect("the anchor is one of ours");
        let via = path
            .intermediate_certificates()
            .filter_map(|cert| self.presented.iter().position(|c| c.der == cert.der().as_ref()))
            .collect();
        Ok((anchor, via))
    }

    /// The verified path to one of `roots`, at `now` (seconds since the epoch), or where and why it breaks.
    pub fn path(&self, roots: Roots, now: i64) -> Result<Path, String> {
        let moment = self.moment(now);
        let anchors = self.anchors(roots);
        let trust: Vec<TrustAnchor<'static>> = anchors.iter().map(|(anchor, _, _)| anchor.clone()).collect();
        match self.verify(&trust, moment) {
            Ok((index, via)) => {
                let (_, subject, kind) = anchors[index].clone();
                Ok(Path { anchor_subject: subject, anchor: kind, via })
            }
            Err(error) => Err(self.broken(&error, moment)),
        }
    }

    /// The presented certificate highest up that the server's certificate reaches by verified signatures,
    /// found by trusting each in turn; then `error` said of it, or of the link above it.
    fn broken(&self, error: &PkiError, moment: i64) -> String {
        let reached = (1..self.presented.len())
            .filter_map(|index| {
                let anchor =
                    webpki::anchor_from_trusted_cert(&CertificateDer::from(self.presented[index].der.as_slice()))
                        .ok()?
                        .to_owned();
                self.verify(&[anchor], moment).ok().map(|(_, via)| (via.len(), index))
            })
            .max()
            .map_or(0, |(_, index)| index);
        self.describe(error, reached)
    }

    fn describe(&self, error: &PkiError, at: usize) -> String {
        let cert = &self.presented[at];
        let which = if at == 0 { format!("the server's certificate {}", cert.subject) } else { cert.subject.clone() };
        match error {
            PkiError::UnknownIssuer => format!(
                "the chain stops at {which}: its issuer {} was not sent and is no root that KMS, --ca-file or \
                 Mozilla's store holds, so an intermediate certificate is missing",
                cert.issuer
            ),
            PkiError::InvalidSignatureForPublicKey => format!(
                "the signature on {which} does not verify with the key of its issuer {}: the certificate was \
                 altered, or another CA of the same name signed it",
                cert.issuer
            ),
            PkiError::UnsupportedSignatureAlgorithmContext(_)
            | PkiError::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
            | PkiError::SignatureAlgorithmMismatch => format!(
                "{which} is signed with an algorithm that TLS clients no longer accept (for example SHA-1), or that \
                 does not match its issuer's key"
            ),
            PkiError::EndEntityUsedAsCa => {
                format!("{which} signs another certificate but is not a CA: its basic constraints lack CA:TRUE")
            }
            PkiError::CaUsedAsEndEntity => {
                format!("{which} is a CA certificate (CA:TRUE), which TLS clients refuse as a server's certificate")
            }
            PkiError::CertExpired { .. } => {
                format!("{which} expired on {}, so the chain through it is no longer valid", date(cert.not_after))
            }
            PkiError::CertNotValidYet { .. } => format!("{which} is not valid before {}", date(cert.not_before)),
            PkiError::PathLenConstraintViolated => {
                format!("the chain below {which} is longer than its path length constraint allows")
            }
            PkiError::RequiredEkuNotFoundContext(_) => {
                format!("{which} is not for server authentication: its extended key usage lacks serverAuth")
            }
            PkiError::NameConstraintViolation => {
                format!("a name of the server's certificate lies outside the names {which}'s issuer may certify")
            }
            PkiError::UnsupportedCriticalExtension => {
                format!("{which} has a critical extension that TLS clients do not understand")
            }
            PkiError::MaximumPathDepthExceeded => "the chain has more intermediate certificates than allowed".into(),
            other => format!("{which} does not verify: {other:?}"),
        }
    }
}

/// Whether the server's certificate names `host`, by its subject alternative names (RFC 6125 as webpki
/// implements it: a wildcard stands for one whole leftmost label).
pub fn names_host(leaf: &Cert, host: &str) -> Result<bool, String> {
    let der = CertificateDer::from(leaf.der.as_slice());
    let cert = EndEntityCert::try_from(&der).map_err(|e| format!("the certificate cannot be read: {e:?}"))?;
    let name = ServerName::try_from(host).map_err(|_| format!("{host} is not a DNS name"))?;
    match cert.verify_is_valid_for_subject_name(&name) {
        Ok(()) => Ok(true),
        Err(PkiError::CertNotValidForName(_)) => Ok(false),
        Err(other) => Err(format!("its names cannot be read: {other:?}")),
    }
}

/// RFC 3339, UTC, of seconds since the epoch.
pub fn date(epoch: i64) -> String {
    crate::dates::rfc3339(epoch)
}
