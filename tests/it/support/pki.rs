//! Test certificate authorities and server certificates, made with rcgen.

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

pub struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pub cert: Certificate,
}

fn named(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "xks-preflight tests");
    name.push(DnType::CommonName, common_name);
    name
}

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = named(common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    params
}

impl Ca {
    pub fn root(common_name: &str) -> Ca {
        let params = ca_params(common_name);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca { params, key, cert }
    }

    pub fn intermediate(&self, common_name: &str) -> Ca {
        self.sign(ca_params(common_name))
    }

    /// An intermediate valid from `from_days_ago` days ago for `days`.
    pub fn intermediate_valid(&self, common_name: &str, from_days_ago: i64, days: i64) -> Ca {
        let mut params = ca_params(common_name);
        params.not_before = OffsetDateTime::now_utc() - Duration::days(from_days_ago);
        params.not_after = params.not_before + Duration::days(days);
        self.sign(params)
    }

    /// A certificate that signs others without being a CA (basic constraints CA:FALSE).
    pub fn end_entity_signer(&self, common_name: &str) -> Ca {
        let mut params = ca_params(common_name);
        params.is_ca = IsCa::ExplicitNoCa;
        self.sign(params)
    }

    fn sign(&self, params: CertificateParams) -> Ca {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer()).unwrap();
        Ca { params, key, cert }
    }

    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A server certificate for `names`, valid from `from` days ago (negative: in the future) for `days`.
    pub fn server(&self, names: &[&str], from_days_ago: i64, days: i64) -> Leaf {
        let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name = named(names.first().copied().unwrap_or("server"));
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(from_days_ago);
        params.not_after = params.not_before + Duration::days(days);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer()).unwrap();
        Leaf { cert, key }
    }
}

impl Ca {
    /// A client certificate for TLS client authentication, as KMS presented one for mutual TLS.
    pub fn client(&self, common_name: &str) -> Leaf {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = named(common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer()).unwrap();
        Leaf { cert, key }
    }
}

pub struct Leaf {
    pub cert: Certificate,
    pub key: KeyPair,
}

impl Leaf {
    /// A self-signed server certificate.
    pub fn self_signed(name: &str) -> Leaf {
        let mut params = CertificateParams::new(vec![name.to_string()]).unwrap();
        params.distinguished_name = named(name);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Leaf { cert, key }
    }

    pub fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.serialize_der()))
    }

    /// This certificate followed by `intermediates`, as a server sends it.
    pub fn chain(&self, intermediates: &[&Ca]) -> Vec<CertificateDer<'static>> {
        std::iter::once(self.cert.der().clone()).chain(intermediates.iter().map(|ca| ca.cert.der().clone())).collect()
    }
}
