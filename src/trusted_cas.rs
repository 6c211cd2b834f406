//! KMS's Trusted Certificate Authorities: the roots a proxy's TLS certificate must chain to.
//! `data/trusted-cas.tsv` is derived from the list the proxy API specification publishes; a test keeps
//! the two in step.

use std::sync::OnceLock;

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

pub fn all() -> &'static [TrustedRoot] {
    static ROOTS: OnceLock<Vec<TrustedRoot>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        TABLE
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                let mut fields = line.splitn(4, '\t');
                let mut next = || fields.next().expect("data/trusted-cas.tsv has four columns on every line");
                TrustedRoot { alias: next(), sha256: next(), valid_until: next(), subject: next() }
            })
            .collect()
    })
}

pub fn by_fingerprint(sha256_hex: &str) -> Option<&'static TrustedRoot> {
    all().iter().find(|root| root.sha256.eq_ignore_ascii_case(sha256_hex))
}
