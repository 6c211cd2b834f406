//! Names of protocol values as the facts keep them: stable names this project owns (the IANA and RFC
//! names), never the `Debug` text of a library type, so that a facts file reads the same in every
//! version. Files written before these types existed spelt some values as rustls' `Debug`; those spellings
//! are read too.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A TLS protocol version the probes can negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TlsVersion {
    #[serde(rename = "TLSv1.2", alias = "TLSv1_2")]
    Tls12,
    #[serde(rename = "TLSv1.3", alias = "TLSv1_3")]
    Tls13,
}

impl TlsVersion {
    pub fn label(self) -> &'static str {
        match self {
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls13 => "TLS 1.3",
        }
    }
}

/// A TLS cipher suite by its IANA code point, written under its IANA name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CipherSuite(pub u16);

/// The IANA names of the suites any of the probes' handshakes can end with.
const SUITE_NAMES: &[(u16, &str)] = &[
    (0x1301, "TLS_AES_128_GCM_SHA256"),
    (0x1302, "TLS_AES_256_GCM_SHA384"),
    (0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
    (0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    (0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    (0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
];

impl CipherSuite {
    /// The four suites KMS offers.
    pub const KMS: [CipherSuite; 4] =
        [CipherSuite(0x1302), CipherSuite(0x1303), CipherSuite(0xc030), CipherSuite(0xc02c)];

    pub fn name(self) -> String {
        match SUITE_NAMES.iter().find(|(code, _)| *code == self.0) {
            Some((_, name)) => name.to_string(),
            None => format!("0x{:04x}", self.0),
        }
    }

    fn parse(text: &str) -> Option<CipherSuite> {
        // rustls' Debug spells the TLS 1.3 suites TLS13_…; IANA spells them TLS_….
        let iana = match text.strip_prefix("TLS13_") {
            Some(rest) => format!("TLS_{rest}"),
            None => text.to_string(),
        };
        if let Some((code, _)) = SUITE_NAMES.iter().find(|(_, name)| *name == iana) {
            return Some(CipherSuite(*code));
        }
        u16::from_str_radix(text.strip_prefix("0x")?, 16).ok().map(CipherSuite)
    }
}

impl Serialize for CipherSuite {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name())
    }
}

impl<'de> Deserialize<'de> for CipherSuite {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        CipherSuite::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not a cipher suite name or 0x code")))
    }
}

/// A TLS alert by its code, written under its RFC 8446 name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsAlert(pub u8);

const ALERT_NAMES: &[(u8, &str)] = &[
    (0, "close_notify"),
    (10, "unexpected_message"),
    (20, "bad_record_mac"),
    (21, "decryption_failed"),
    (22, "record_overflow"),
    (40, "handshake_failure"),
    (42, "bad_certificate"),
    (43, "unsupported_certificate"),
    (44, "certificate_revoked"),
    (45, "certificate_expired"),
    (46, "certificate_unknown"),
    (47, "illegal_parameter"),
    (48, "unknown_ca"),
    (49, "access_denied"),
    (50, "decode_error"),
    (51, "decrypt_error"),
    (70, "protocol_version"),
    (71, "insufficient_security"),
    (80, "internal_error"),
    (86, "inappropriate_fallback"),
    (90, "user_canceled"),
    (109, "missing_extension"),
    (110, "unsupported_extension"),
    (112, "unrecognized_name"),
    (113, "bad_certificate_status_response"),
    (115, "unknown_psk_identity"),
    (116, "certificate_required"),
    (120, "no_application_protocol"),
];

impl TlsAlert {
    pub fn name(self) -> String {
        match ALERT_NAMES.iter().find(|(code, _)| *code == self.0) {
            Some((_, name)) => name.to_string(),
            None => format!("alert {}", self.0),
        }
    }

    fn parse(text: &str) -> Option<TlsAlert> {
        // rustls' Debug spells them in CamelCase: ProtocolVersion.
        let mut snake = String::new();
        for (index, c) in text.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if index > 0 {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            } else {
                snake.push(c);
            }
        }
        if let Some((code, _)) = ALERT_NAMES.iter().find(|(_, name)| *name == snake || *name == text) {
            return Some(TlsAlert(*code));
        }
        text.strip_prefix("alert ")?.parse().ok().map(TlsAlert)
    }
}

impl Serialize for TlsAlert {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name())
    }
}

impl<'de> Deserialize<'de> for TlsAlert {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TlsAlert::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not a TLS alert name")))
    }
}

/// The HTTP version of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HttpVersion {
    #[serde(rename = "HTTP/0.9")]
    Http09,
    #[serde(rename = "HTTP/1.0")]
    Http10,
    #[serde(rename = "HTTP/1.1")]
    Http11,
    #[serde(rename = "HTTP/2.0", alias = "HTTP/2")]
    Http2,
    #[serde(rename = "HTTP/3.0", alias = "HTTP/3")]
    Http3,
}

impl HttpVersion {
    pub fn label(self) -> &'static str {
        match self {
            HttpVersion::Http09 => "HTTP/0.9",
            HttpVersion::Http10 => "HTTP/1.0",
            HttpVersion::Http11 => "HTTP/1.1",
            HttpVersion::Http2 => "HTTP/2",
            HttpVersion::Http3 => "HTTP/3",
        }
    }
}
