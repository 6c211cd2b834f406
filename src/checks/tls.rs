//! `tls.*`: the handshakes, judged as KMS would, and the presented chain verified as KMS verifies it.

use super::chain::{self, date, AnchorKind, Chain, Roots};
use super::context::Ctx;
use super::gates::{calls, connected, missing, words};
use super::outcome::{need, MeasureName, Outcome};
use super::text::{list, quote};
use crate::catalogue::CheckId;
use crate::facts::{CipherSuite, NetworkFacts, Probed, TlsAttemptFacts, TlsHandshakeFacts, TlsVersion, Why};

const WARN_DAYS: i64 = 30;
const DAY: i64 = 86_400;

fn succeeded(attempt: &TlsAttemptFacts) -> Option<&TlsHandshakeFacts> {
    attempt.outcome.seen()
}

/// How a failed attempt ended, for evidence.
fn failure_text(attempt: &TlsAttemptFacts) -> String {
    match (&attempt.server_alert, &attempt.outcome) {
        (Some(alert), _) => format!("the server answered with the alert {}", alert.name()),
        (None, Probed::Failed(failure)) => quote(&failure.message),
        (None, Probed::NotGathered(why)) => words(why),
        (None, Probed::Seen(_)) => "completed".into(),
    }
}

/// Whether no handshake completed because the proxy requires a client certificate none was given for.
fn requires_client_certificate(net: &NetworkFacts) -> bool {
    net.tls.iter().all(|attempt| succeeded(attempt).is_none())
        && net.tls.iter().any(TlsAttemptFacts::requires_client_certificate)
}

/// What stands in for a check that needs a completed handshake when none completed.
fn no_handshake(net: &NetworkFacts, what: &str) -> Outcome {
    if requires_client_certificate(net) {
        Outcome::blocked(CheckId::TlsClientCertificate, words(&Why::ClientCertificateRequired))
    } else {
        Outcome::blocked(CheckId::TlsVersion, what)
    }
}

pub(super) fn version(ctx: &Ctx) -> Outcome {
    let net = need!(connected(ctx));
    if requires_client_certificate(net) {
        // Not a TLS stack that is broken: the handshakes stop at the certificate the proxy wants.
        return Outcome::error(
            format!(
                "the TLS versions could not be judged: {}",
                words(&Why::ClientCertificateRequired).replace(": add", "; add")
            ),
            "Give --client-cert and --client-key (PEM) to complete the handshakes, or turn off the proxy's \
             client certificate requirement (tls.client_certificate says why).",
        )
        .because(CheckId::TlsClientCertificate);
    }
    let mut spoken = Vec::new();
    let mut refused = Vec::new();
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let tried: Vec<&TlsAttemptFacts> = net.tls.iter().filter(|a| a.version == version).collect();
        match tried.iter().find_map(|a| succeeded(a)) {
            Some(handshake) => spoken.push(format!("{} ({})", version.label(), handshake.cipher_suite.name())),
            None => refused.push(format!(
                "{}: {}",
                version.label(),
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

/// The handshakes that completed, limited to KMS's suites or not, as `suite (version)`.
fn completed(net: &NetworkFacts, kms_suites_only: bool) -> Vec<String> {
    net.tls
        .iter()
        .filter(|a| a.kms_suites_only == kms_suites_only)
        .filter_map(|a| succeeded(a).map(|h| format!("{} ({})", h.cipher_suite.name(), a.version.label())))
        .collect()
}

pub(super) fn cipher_suite(ctx: &Ctx) -> Outcome {
    let net = need!(connected(ctx));
    let with_kms = completed(net, true);
    if !with_kms.is_empty() {
        // The probe offered only KMS's suites; a server that chose another broke the handshake's rules.
        let chosen: Vec<CipherSuite> =
            net.tls.iter().filter(|a| a.kms_suites_only).filter_map(succeeded).map(|h| h.cipher_suite).collect();
        if chosen.iter().all(|suite| CipherSuite::KMS.contains(suite)) {
            return Outcome::pass(format!("accepts {}", list(&with_kms)));
        }
    }
    let without = completed(net, false);
    if without.is_empty() {
        return no_handshake(net, "no TLS handshake completed at all");
    }
    Outcome::fail(
        format!("refuses all four suites KMS offers, and chose {} when offered every suite", list(&without)),
        "Enable TLS_AES_256_GCM_SHA384 or TLS_CHACHA20_POLY1305_SHA256 (TLS 1.3), or \
         TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 or TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (TLS 1.2) on the proxy.",
    )
}

/// The chain of the first completed handshake, KMS's suites and TLS 1.3 first.
fn presented(net: &NetworkFacts) -> Option<&TlsHandshakeFacts> {
    let mut tried: Vec<&TlsAttemptFacts> = net.tls.iter().collect();
    tried.sort_by_key(|a| (!a.kms_suites_only, a.version != TlsVersion::Tls13));
    tried.into_iter().find_map(succeeded)
}

/// The presented chain, read: every certificate must parse, or tls.chain_complete fails saying which.
fn read_chain<'a>(ctx: &Ctx<'a>) -> Result<Result<(Chain, &'a NetworkFacts), String>, Outcome> {
    let net = connected(ctx)?;
    let handshake = presented(net).ok_or_else(|| no_handshake(net, "no TLS handshake completed"))?;
    let decode = |items: &[String]| -> Result<Vec<Vec<u8>>, Outcome> {
        items.iter().map(|item| chain::decode(item)).collect::<Result<_, _>>().map_err(|e| {
            Outcome::error(format!("the facts hold a certificate that is not base64: {e}"), "Gather the facts again.")
        })
    };
    let (sent, ca_file) = (decode(&handshake.chain)?, decode(&net.extra_roots)?);
    Ok(Chain::new(sent, ca_file).map(|chain| (chain, net)))
}

/// The chain, for the checks that judge its certificates: a chain that cannot be read is
/// tls.chain_complete's finding.
fn chain<'a>(ctx: &Ctx<'a>) -> Result<(Chain, &'a NetworkFacts), Outcome> {
    read_chain(ctx)?.map_err(|problem| Outcome::blocked(CheckId::TlsChainComplete, problem))
}

/// Seconds since the epoch when the facts were gathered: a replay judges dates as the run did.
fn gathered_at(ctx: &Ctx) -> Result<i64, Outcome> {
    epoch(&ctx.facts.gathered_at).map_err(|e| {
        Outcome::error(
            format!("gathered_at '{}' is not a date: {e}", quote(&ctx.facts.gathered_at)),
            "Gather the facts again.",
        )
    })
}

fn epoch(rfc3339: &str) -> Result<i64, String> {
    crate::dates::epoch(rfc3339)
}

pub(super) fn hostname(ctx: &Ctx) -> Outcome {
    let (chain, net) = need!(self::chain(ctx));
    let leaf = chain.leaf();
    let remedy = format!(
        "Serve a certificate whose subject alternative names include {} (or a wildcard for its parent domain).",
        net.host
    );
    if leaf.dns_names.is_empty() {
        // Without subject alternative names, verifiers that still read the CN compare it whole.
        return match &leaf.common_name {
            Some(cn) if cn.eq_ignore_ascii_case(&net.host) => Outcome::warn(
                format!("{} matches the CN {cn}, but the certificate has no subject alternative names", net.host),
                format!("{remedy} Public CAs always add them; TLS clients that follow RFC 6125 ignore the CN."),
            ),
            Some(cn) => Outcome::fail(
                format!("the certificate has no subject alternative names and its CN {cn} is not {}", net.host),
                remedy,
            ),
            None => Outcome::fail("the certificate names no host: no subject alternative names and no CN", remedy),
        };
    }
    match chain::names_host(leaf, &net.host) {
        Ok(true) => Outcome::pass(format!("{} is named by the certificate ({})", net.host, list(&leaf.dns_names))),
        Ok(false) => {
            Outcome::fail(format!("the certificate names {}; none matches {}", list(&leaf.dns_names), net.host), remedy)
        }
        Err(problem) => Outcome::fail(format!("the certificate's names cannot be matched: {problem}"), remedy),
    }
}

pub(super) fn validity(ctx: &Ctx) -> Outcome {
    let (chain, _) = need!(self::chain(ctx));
    let now = need!(gathered_at(ctx));
    let leaf = chain.leaf();
    let remedy = "Renew the certificate and serve the new one with its chain.";
    if leaf.not_before > now {
        return Outcome::fail(format!("the certificate is not valid before {}", date(leaf.not_before)), remedy);
    }
    // Negative once expired, so that a dashboard's line keeps falling.
    let days_left = (leaf.not_after - now).div_euclid(DAY);
    if leaf.not_after < now {
        return Outcome::fail(
            format!("the certificate expired on {} ({} days ago)", date(leaf.not_after), (now - leaf.not_after) / DAY),
            remedy,
        )
        .measured(MeasureName::CertificateDaysLeft, days_left as f64);
    }
    let evidence =
        format!("valid from {} until {} ({days_left} days left)", date(leaf.not_before), date(leaf.not_after));
    let outcome = if days_left < WARN_DAYS {
        Outcome::warn(
            evidence,
            "Renew the certificate soon; alarm on KMS's XksProxyCertificateDaysToExpire metric to hear of it in time.",
        )
    } else {
        Outcome::pass(evidence)
    };
    outcome.measured(MeasureName::CertificateDaysLeft, days_left as f64)
}

/// `leaf ← intermediate ← anchor`, by subject.
fn route(chain: &Chain, path: &chain::Path) -> String {
    let mut names: Vec<&str> = vec![&chain.leaf().subject];
    names.extend(path.via.iter().map(|index| chain.presented[*index].subject.as_str()));
    if names.last() != Some(&path.anchor_subject.as_str()) {
        names.push(&path.anchor_subject);
    }
    names.join(" ← ")
}

/// What kind of anchor a path ends at, for evidence.
fn anchored(path: &chain::Path) -> String {
    match &path.anchor {
        AnchorKind::Kms(root) => format!("{} on KMS's list", root.listed.alias),
        AnchorKind::CaFile => "a root from --ca-file".into(),
        AnchorKind::WellKnown => "a root of Mozilla's store".into(),
        AnchorKind::Sent => "a self-signed certificate the server sent".into(),
    }
}

pub(super) fn chain_complete(ctx: &Ctx) -> Outcome {
    let remedy = "Serve the full chain: the certificate followed by every intermediate up to (not necessarily \
                  including) the root, each valid and issued by the next.";
    let (chain, _) = match need!(read_chain(ctx)) {
        Ok(read) => read,
        Err(problem) => return Outcome::fail(problem, "Serve a well-formed X.509 certificate chain."),
    };
    let now = need!(gathered_at(ctx));
    match chain.path(Roots::Any, now) {
        Ok(path) => {
            let unused: Vec<String> = (1..chain.presented.len())
                .filter(|index| !path.via.contains(index))
                .map(|index| chain.presented[index].subject.clone())
                .filter(|subject| *subject != path.anchor_subject)
                .collect();
            let also = if unused.is_empty() {
                String::new()
            } else {
                format!("; also sent, not on the path: {}", list(&unused))
            };
            Outcome::pass(format!("{} ({}), every signature verified{also}", route(&chain, &path), anchored(&path)))
        }
        Err(broken) => Outcome::fail(broken, remedy),
    }
}

pub(super) fn trusted_ca(ctx: &Ctx) -> Outcome {
    let (chain, _) = need!(self::chain(ctx));
    let now = need!(gathered_at(ctx));
    let remedy = "Get the certificate from a CA whose root is on KMS's Trusted Certificate Authorities list \
                  (for example Amazon, DigiCert, GlobalSign, Sectigo or ISRG Root X1).";
    let reached = match chain.path(Roots::Any, now) {
        Ok(path) => path,
        Err(_) => return Outcome::blocked(CheckId::TlsChainComplete, "the chain does not reach any root"),
    };
    match chain.path(Roots::Kms, now) {
        Ok(path) => {
            let AnchorKind::Kms(root) = &path.anchor else { unreachable!("a KMS-only path ends at a KMS root") };
            let listed = root.listed;
            let listed_until = epoch(listed.valid_until).unwrap_or(root.not_after);
            let until = root.not_after.min(listed_until);
            if until < now {
                Outcome::fail(
                    format!("ends at {} ({}), whose validity ended on {}", listed.subject, listed.alias, date(until)),
                    remedy,
                )
            } else {
                Outcome::pass(format!(
                    "ends at {} ({} on KMS's list, valid until {}), anchored by its name and key as KMS anchors it",
                    listed.subject,
                    listed.alias,
                    date(until)
                ))
            }
        }
        Err(broken) => {
            let why = match &reached.anchor {
                AnchorKind::CaFile => "a private CA from --ca-file, which KMS does not trust".to_string(),
                AnchorKind::Sent if chain.presented.len() == 1 => {
                    "a self-signed certificate, which KMS does not trust".into()
                }
                AnchorKind::Sent => "a root the server sent, which is not on KMS's list".into(),
                AnchorKind::WellKnown => "a root of Mozilla's store that is not on KMS's Trusted Certificate \
                     Authorities list (the published list dates from November 2022; KMS may trust newer roots)"
                    .into(),
                AnchorKind::Kms(_) => format!("which KMS's roots do not verify: {broken}"),
            };
            Outcome::fail(format!("ends at {}, {why}", reached.anchor_subject), remedy)
        }
    }
}

pub(super) fn http11(ctx: &Ctx) -> Outcome {
    match &need!(calls(ctx)).unsigned_health {
        Probed::Seen(http) if http.http_version == crate::facts::HttpVersion::Http11 => {
            Outcome::pass(format!("{} answered HTTP/1.1 {} in {:.1} ms", http.request, http.status, http.duration_ms))
        }
        Probed::Seen(http) => Outcome::fail(
            format!("{} answered {} {}", http.request, http.http_version.label(), http.status),
            "Serve HTTP/1.1 on the TLS connection; KMS speaks HTTP/1.1 to the proxy.",
        ),
        // No answer in time is proxy.latency's finding (KMS says XKS_PROXY_TIMED_OUT), not a protocol fault.
        Probed::Failed(failure) if failure.timed_out => {
            Outcome::blocked(CheckId::ProxyLatency, format!("{}: {}", failure.step, quote(&failure.message)))
        }
        Probed::Failed(failure) => Outcome::fail(
            format!("{}: {}", failure.step, quote(&failure.message)),
            "Make the proxy answer HTTP/1.1 requests on the TLS connection; if TLS ends at a load balancer, check \
             that the proxy behind it speaks the protocol the listener forwards.",
        ),
        Probed::NotGathered(why) => missing(why),
    }
}

pub(super) fn client_certificate(ctx: &Ctx) -> Outcome {
    let net = need!(connected(ctx));
    if net.tls.iter().all(|attempt| attempt.client_certificate_requested.is_none()) {
        return missing(&Why::OlderFacts);
    }
    let asked: Vec<&TlsAttemptFacts> =
        net.tls.iter().filter(|attempt| attempt.client_certificate_requested == Some(true)).collect();
    let completed: Vec<&TlsAttemptFacts> = net.tls.iter().filter(|attempt| succeeded(attempt).is_some()).collect();
    let versions = |attempts: &[&TlsAttemptFacts]| {
        let mut labels: Vec<String> = attempts.iter().map(|a| a.version.label().to_string()).collect();
        labels.sort();
        labels.dedup();
        list(&labels)
    };
    let failures = |attempts: &[&TlsAttemptFacts]| {
        attempts.iter().filter(|a| succeeded(a).is_none()).map(|a| failure_text(a)).collect::<Vec<_>>().join("; ")
    };
    let remedy = "Turn off client certificate requests on the proxy, or on the load balancer's TLS listener if \
                  TLS ends there: AWS deprecated mutual TLS for external key stores in March 2026, so KMS may stop \
                  presenting a certificate, and SigV4 already authenticates every request.";
    let sent = asked.iter().any(|attempt| attempt.client_certificate_sent);
    let went_on = asked.iter().any(|attempt| succeeded(attempt).is_some());
    match (asked.is_empty(), sent, went_on) {
        (true, _, _) if completed.is_empty() => Outcome::skipped(
            "no TLS handshake got as far as a certificate request (tls.version says why the handshakes failed)",
        ),
        (true, _, _) => {
            Outcome::pass(format!("no client certificate asked for in the {} handshakes", versions(&completed)))
        }
        (false, true, true) => Outcome::warn(
            format!(
                "the proxy asks for a client certificate ({} handshakes); they presented the one given with \
                 --client-cert, so whether the proxy would go on without one was not tried",
                versions(&asked)
            ),
            remedy,
        ),
        (false, true, false) => Outcome::warn(
            format!(
                "the proxy asks for a client certificate ({} handshakes) and refused the one given with \
                 --client-cert: {}",
                versions(&asked),
                failures(&asked)
            ),
            format!("{remedy} Until then, give a certificate the proxy trusts to probe behind the handshake."),
        ),
        (false, false, true) => Outcome::warn(
            format!(
                "the proxy asks for a client certificate ({} handshakes) and goes on without one",
                versions(&asked)
            ),
            remedy,
        ),
        (false, false, false) => Outcome::warn(
            format!(
                "the proxy requires a client certificate: the {} handshakes asked for one and then failed without \
                 it ({}); this is that requirement, not a broken TLS stack, and the checks behind the handshake wait \
                 for --client-cert and --client-key",
                versions(&asked),
                failures(&asked)
            ),
            format!(
                "{remedy} Until then KMS's connection depends on a certificate it no longer promises; to judge \
                 everything behind the handshake now, run again with --client-cert FILE --client-key FILE (PEM)."
            ),
        ),
    }
}
