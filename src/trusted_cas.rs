//! KMS's Trusted Certificate Authorities: the roots a proxy's TLS certificate must chain to.
//!
//! `data/trusted-cas.tsv` is derived from the list the proxy API specification publishes (alias, SHA-256,
//! end of validity, subject); a test keeps the two in step. `data/kms-roots.pem` holds the certificate of
//! every one of those roots (rebuilt by `scripts/kms-roots` from public CA bundles), so that a chain can be
//! verified to them as KMS verifies it: anchored at the root whose name and public key sign the top of the
//! chain, whichever copy of that root the server or another store knows. A test proves that the bundle and
//! the table hold exactly the same fingerprints.

use std::sync::OnceLock;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, TrustAnchor};
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedRoot {
    pub alias: &'static str,
    /// SHA-256 of the certificate, uppercase hex without separators.
    pub sha256: &'static str,
    /// RFC 3339, UTC.
    pub valid_until: &'static str,
    pub subject: &'static str,
}

const TABLE: &str = include_str!("../data/trusted-cas.tsv");
const BUNDLE: &[u8] = include_bytes!("../data/kms-roots.pem");

pub fn all() -> &'static [TrustedRoot] {
    static ROOTS: OnceLock<Vec<TrustedRoot>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        rows(TABLE)
            .expect("data/trusted-cas.tsv is well formed")
            .into_iter()
            .map(|[alias, sha256, valid_until, subject]| TrustedRoot { alias, sha256, valid_until, subject })
            .collect()
    })
}

/// The rows of a table in the form of `data/trusted-cas.tsv`: alias, SHA-256 (64 hex digits), end of
/// validity and subject, tab-separated; blank lines and `#` comments left out. A line of another form
/// is named by its number.
pub fn rows(table: &str) -> Result<Vec<[&str; 4]>, String> {
    table
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(index, line)| {
            let fields: Vec<&str> = line.splitn(4, '\t').collect();
            let [alias, sha256, valid_until, subject] = fields[..] else {
                return Err(format!("line {} has {} of the 4 tab-separated columns", index + 1, fields.len()));
            };
            if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("line {}: the SHA-256 is not 64 hex digits", index + 1));
            }
            Ok([alias, sha256, valid_until, subject])
        })
        .collect()
}

pub fn by_fingerprint(sha256_hex: &str) -> Option<&'static TrustedRoot> {
    all().iter().find(|root| root.sha256.eq_ignore_ascii_case(sha256_hex))
}

/// Uppercase hex SHA-256 of a certificate.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect()
}

/// One of KMS's roots with its certificate, ready to anchor a path.
#[derive(Debug)]
pub struct KmsRoot {
    pub listed: &'static TrustedRoot,
    pub anchor: TrustAnchor<'static>,
    /// When the certificate itself stops being valid, seconds since the epoch.
    pub not_after: i64,
}

/// The certificates of KMS's roots, as shipped in `data/kms-roots.pem`, each matched to its list entry.
pub fn certificates() -> &'static [KmsRoot] {
    static ROOTS: OnceLock<Vec<KmsRoot>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        CertificateDer::pem_slice_iter(BUNDLE)
            .map(|der| der.expect("data/kms-roots.pem holds only PEM certificates"))
            .map(|der| {
                let listed = by_fingerprint(&fingerprint(&der))
                    .expect("every certificate of data/kms-roots.pem is on data/trusted-cas.tsv");
                let (_, parsed) = X509Certificate::from_der(&der).expect("data/kms-roots.pem holds X.509 certificates");
                let not_after = parsed.validity().not_after.timestamp();
                let anchor = webpki::anchor_from_trusted_cert(&der)
                    .expect("every root of data/kms-roots.pem can anchor a path")
                    .to_owned();
                KmsRoot { listed, anchor, not_after }
            })
            .collect()
    })
}
