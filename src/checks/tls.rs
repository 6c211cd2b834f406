//! `tls.*`: the handshakes, judged as KMS would, and the presented chain judged on its own.

use super::chain::{self, Chain, ChainEnd, RootSource};
use super::{connected, list, need, Checks, Ctx, Outcome};
use crate::facts::{NetworkFacts, Probed, TlsAttemptFacts, TlsHandshakeFacts};
use crate::trusted_cas;

pub const CHECKS: Checks = &[
    ("tls.version", version),
    ("tls.cipher_suite", cipher_suite),
    ("tls.hostname", hostname),
    ("tls.validity", validity),
    ("tls.chain_complete", chain_complete),
    ("tls.trusted_ca", trusted_ca),
    ("tls.http11", http11),
];

const WARN_DAYS: i64 = 30;
const DAY: i64 = 86_400;

fn readable(version: &str) -> &str {
    match version {
        "TLSv1_3" => "TLS 1.3",
        "TLSv1_2" => "TLS 1.2",
        other => other,
    }
}

fn succeeded(attempt: &TlsAttemptFacts) -> Option<&TlsHandshakeFacts> {
    attempt.outcome.seen()
}

/// How a failed attempt ended, for evidence.
fn failure_text(attempt: &TlsAttemptFacts) -> String {
    match (&attempt.server_alert, &attempt.outcome) {
        (Some(alert), _) => format!("the server answered with the alert {alert}"),
        (None, Probed::Failed(failure)) => failure.message.clone(),
        (None, Probed::NotGathered(why)) => why.clone(),
        (None, Probed::Seen(_)) => "completed".into(),
    }
}

fn version(ctx: &Ctx) -> Outcome {
    let net = need!(connected(ctx));
    let mut spoken = Vec::new();
    let mut refused = Vec::new();
    for version in ["TLSv1_3", "TLSv1_2"] {
        let tried: Vec<&TlsAttemptFacts> = net.tls.iter().filter(|a| a.version == version).collect();
        match tried.iter().find_map(|a| succeeded(a)) {
            Some(handshake) => spoken.push(format!("{} ({})", readable(version), handshake.cipher_suite)),
            None => refused.push(format!(
                "{}: {}",
                readable(version),
                tried.iter().find(|a| !a.kms_suites_only).map(|a| failure_text(a)).unwrap_or_default()
            )),
        }
    }
    let refused_text = if refused.is_empty() { String::new() } else { format!("; {}", refused.join("; ")) };
    if spoken.is_empty() {
        Outcome::fail(
            format!("no TLS 1.2 or TLS 1.3 handshake completed{refused_text}"),
            "Enable TLS 1.2 or TLS 1.3 on the proxy (or on the TLS listener in front of it); KMS speaks nothing older.",
        )
    } else {
        Outcome::pass(format!("{}{refused_text}", list(&spoken)))
    }
}

fn cipher_suite(ctx: &Ctx) -> Outcome {
    let net = need!(connected(ctx));
    let with_kms: Vec<String> = net
        .tls
        .iter()
        .filter(|a| a.kms_suites_only)
        .filter_map(|a| succeeded(a).map(|h| format!("{} ({})", h.cipher_suite, readable(&a.version))))
        .collect();
    if !with_kms.is_empty() {
        return Outcome::pass(format!("accepts {}", list(&with_kms)));
    }
    let without: Vec<String> = net
        .tls
        .iter()
        .filter(|a| !a.kms_suites_only)
        .filter_map(|a| succeeded(a).map(|h| format!("{} ({})", h.cipher_suite, readable(&a.version))))
        .collect();
    if without.is_empty() {
        return Outcome::skipped("no TLS handshake completed at all (see tls.version)");
    }
    Outcome::fail(
        format!("refuses all four suites KMS offers, and chose {} when offered every suite", list(&without)),
        "Enable TLS_AES_256_GCM_SHA384 or TLS_CHACHA20_POLY1305_SHA256 (TLS 1.3), or \
         TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 or TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (TLS 1.2) on the proxy.",
    )
}

/// The chain of the first completed handshake, KMS's suites first.
fn presented(net: &NetworkFacts) -> Option<&TlsHandshakeFacts> {
    let order = |a: &&TlsAttemptFacts| (!a.kms_suites_only, a.version != "TLSv1_3");
    let mut tried: Vec<&TlsAttemptFacts> = net.tls.iter().collect();
    tried.sort_by_key(order);
    tried.into_iter().find_map(succeeded)
}

fn followed<'a>(ctx: &Ctx<'a>) -> Result<(Chain, &'a NetworkFacts), Outcome> {
    let net = connected(ctx)?;
    let handshake = presented(net).ok_or_else(|| Outcome::skipped("no TLS handshake completed (see tls.version)"))?;
    let decode = |items: &[String]| -> Result<Vec<Vec<u8>>, Outcome> {
        items.iter().map(|item| chain::decode(item)).collect::<Result<_, _>>().map_err(|e| {
            Outcome::error(format!("the facts hold a certificate that is not base64: {e}"), "Gather the facts again.")
        })
    };
    let chain = chain::follow(&decode(&handshake.chain)?, &decode(&net.extra_roots)?)
        .map_err(|problem| Outcome::fail(problem, "Serve a well-formed X.509 certificate chain."))?;
    Ok((chain, net))
}

/// Seconds since the epoch when the facts were gathered: a replay judges dates as the run did.
fn gathered_at(ctx: &Ctx) -> Result<i64, Outcome> {
    epoch(&ctx.facts.gathered_at).map_err(|e| {
        Outcome::error(format!("gathered_at '{}' is not a date: {e}", ctx.facts.gathered_at), "Gather the facts again.")
    })
}

fn epoch(rfc3339: &str) -> Result<i64, String> {
    use aws_sdk_kms::primitives::{DateTime, DateTimeFormat};
    DateTime::from_str(rfc3339, DateTimeFormat::DateTime).map(|t| t.secs()).map_err(|e| e.to_string())
}

fn date(epoch: i64) -> String {
    use aws_sdk_kms::primitives::{DateTime, DateTimeFormat};
    DateTime::from_secs(epoch).fmt(DateTimeFormat::DateTime).unwrap_or_else(|_| epoch.to_string())
}

fn hostname(ctx: &Ctx) -> Outcome {
    let (chain, net) = need!(followed(ctx));
    let leaf = &chain.presented[0];
    let (names, from) = if leaf.dns_names.is_empty() {
        (leaf.common_name.iter().cloned().collect::<Vec<_>>(), "CN")
    } else {
        (leaf.dns_names.clone(), "SAN")
    };
    match names.iter().find(|name| chain::name_matches(name, &net.host)) {
        Some(name) => Outcome::pass(format!("{} matches {from} {name}", net.host)),
        None => Outcome::fail(
            format!("the certificate names {} ({from}); none matches {}", list(&names), net.host),
            format!(
                "Serve a certificate whose subject alternative names include {} (or a wildcard for its parent domain).",
                net.host
            ),
        ),
    }
}

fn validity(ctx: &Ctx) -> Outcome {
    let (chain, _) = need!(followed(ctx));
    let now = need!(gathered_at(ctx));
    let mut problems = Vec::new();
    for (index, cert) in chain.presented.iter().enumerate() {
        let which =
            if index == 0 { "the certificate".to_string() } else { format!("chain certificate {}", cert.subject) };
        if cert.not_before > now {
            problems.push(format!("{which} is not valid before {}", date(cert.not_before)));
        }
        if cert.not_after < now {
            problems.push(format!(
                "{which} expired on {} ({} days ago)",
                date(cert.not_after),
                (now - cert.not_after) / DAY
            ));
        }
    }
    let leaf = &chain.presented[0];
    if !problems.is_empty() {
        return Outcome::fail(problems.join("; "), "Renew the certificate and serve the new one with its chain.");
    }
    let days_left = (leaf.not_after - now) / DAY;
    let evidence =
        format!("valid from {} until {} ({days_left} days left)", date(leaf.not_before), date(leaf.not_after));
    if days_left < WARN_DAYS {
        Outcome::warn(
            evidence,
            "Renew the certificate soon; alarm on KMS's XksProxyCertificateDaysToExpire metric to hear of it in time.",
        )
    } else {
        Outcome::pass(evidence)
    }
}

fn chain_complete(ctx: &Ctx) -> Outcome {
    let (chain, _) = need!(followed(ctx));
    let unused = if chain.unused.is_empty() {
        String::new()
    } else {
        format!("; also sent, not on the path: {}", list(&chain.unused))
    };
    match &chain.end {
        ChainEnd::Root { source, .. } => {
            let root = match source {
                RootSource::Sent => "root sent by the server",
                RootSource::WellKnown => "root not sent, found among the well-known roots",
                RootSource::CaFile => "root not sent, found in --ca-file",
            };
            Outcome::pass(format!("{} ({root}){unused}", chain.path.join(" ← ")))
        }
        ChainEnd::Missing { last } => Outcome::fail(
            format!(
                "the chain stops at {}: its issuer {} was not sent and is no known root, so an intermediate \
                 certificate is missing{unused}",
                last.subject, last.issuer
            ),
            "Serve the full chain: the certificate followed by every intermediate up to (not necessarily including) the root.",
        ),
    }
}

fn trusted_ca(ctx: &Ctx) -> Outcome {
    let (chain, _) = need!(followed(ctx));
    let now = need!(gathered_at(ctx));
    let ChainEnd::Root { cert: root, source } = &chain.end else {
        return Outcome::skipped("the chain does not reach a root (see tls.chain_complete)");
    };
    let remedy = "Get the certificate from a CA whose root is on KMS's Trusted Certificate Authorities list \
                  (for example Amazon, DigiCert, GlobalSign, Sectigo or ISRG Root X1).";
    match trusted_cas::by_fingerprint(&root.sha256) {
        Some(trusted) => {
            let until = trusted.valid_until;
            let expired = epoch(until).is_ok_and(|t| t < now);
            if expired {
                Outcome::fail(
                    format!("ends at {} ({}), whose validity on KMS's list ended {until}", root.subject, trusted.alias),
                    remedy,
                )
            } else if root.not_after < now {
                Outcome::fail(
                    format!("ends at {} ({}), which expired on {}", root.subject, trusted.alias, date(root.not_after)),
                    remedy,
                )
            } else {
                Outcome::pass(format!(
                    "ends at {} ({} on KMS's list, valid until {until})",
                    root.subject, trusted.alias
                ))
            }
        }
        None => {
            let why = match source {
                RootSource::CaFile => "a private CA from --ca-file, which KMS does not trust".to_string(),
                RootSource::Sent if chain.presented.len() == 1 => {
                    "a self-signed certificate, which KMS does not trust".into()
                }
                _ => "which is not on KMS's Trusted Certificate Authorities list".into(),
            };
            Outcome::fail(format!("ends at {} (SHA-256 {}), {why}", root.subject, short(&root.sha256)), remedy)
        }
    }
}

fn short(hex: &str) -> String {
    format!("{}…", &hex[..16.min(hex.len())])
}

fn http11(ctx: &Ctx) -> Outcome {
    match &need!(super::proxy::proxy(ctx)).unsigned_health {
        Probed::Seen(http) if http.http_version == "HTTP/1.1" => {
            Outcome::pass(format!("{} answered HTTP/1.1 {} in {:.1} ms", http.request, http.status, http.duration_ms))
        }
        Probed::Seen(http) => Outcome::fail(
            format!("{} answered {} {}", http.request, http.http_version, http.status),
            "Serve HTTP/1.1 on the TLS connection; KMS speaks HTTP/1.1 to the proxy.",
        ),
        Probed::Failed(failure) => Outcome::fail(
            format!("{}: {}", failure.step, failure.message),
            "Make the proxy answer HTTP/1.1 requests on the TLS connection; if TLS ends at a load balancer, check \
             that the proxy behind it speaks the protocol the listener forwards.",
        ),
        Probed::NotGathered(why) => Outcome::skipped(why.clone()),
    }
}
