//! `proxy.*`: the proxy's answers, judged by the XKS proxy API specification and by what KMS does
//! with them: by status, `errorName` and field values, never by matching text.

use serde_json::Value;

use super::body::{self, answered};
use super::{connected, list, need, percentile, quote, seen, Ctx, Outcome};
use crate::catalogue::CheckId;
use crate::facts::{HttpVersion, Probed, ProxyExchange, ProxyFacts};

/// The errorName values the specification defines.
const ERROR_NAMES: &[&str] = &[
    "ValidationException",
    "InvalidStateException",
    "InvalidCiphertextException",
    "InvalidKeyUsageException",
    "AuthenticationFailedException",
    "AccessDeniedException",
    "KeyNotFoundException",
    "InvalidUriPathException",
    "ThrottlingException",
    "UnsupportedOperationException",
    "DependencyTimeoutException",
    "InternalException",
];
const LIMIT_MS: f64 = 250.0;
const WARN_MS: f64 = 200.0;
const MAX_SKEW_SECONDS: i64 = 300;
/// The specification's bound on errorMessage: fewer than 512 characters.
const MAX_ERROR_MESSAGE: usize = 511;

/// The proxy calls, once a TLS connection with KMS's suites was made for them.
pub(super) fn calls<'a>(ctx: &Ctx<'a>) -> Result<&'a ProxyFacts, Outcome> {
    let net = connected(ctx)?;
    match &net.proxy {
        Probed::Seen(proxy) => Ok(proxy),
        Probed::Failed(failure) => Err(Outcome::skipped(quote(&failure.message))),
        Probed::NotGathered(why) => Err(Outcome::blocked(CheckId::TlsCipherSuite, why)),
    }
}

/// The proxy calls, once the proxy answered HTTP/1.1 on that connection (tls.http11's finding).
pub(super) fn http<'a>(ctx: &Ctx<'a>) -> Result<&'a ProxyFacts, Outcome> {
    let proxy = calls(ctx)?;
    match &proxy.unsigned_health {
        Probed::Seen(exchange) if exchange.http_version == HttpVersion::Http11 => Ok(proxy),
        Probed::NotGathered(why) => Err(Outcome::skipped(why.clone())),
        _ => Err(Outcome::blocked(CheckId::TlsHttp11, "the proxy gave no HTTP/1.1 answer")),
    }
}

/// The signed health call, once it got an answer. With no answer at all, proxy.health fails alone.
fn signed_health(proxy: &ProxyFacts) -> Result<&ProxyExchange, Outcome> {
    match &proxy.signed_health {
        Probed::Failed(failure) => Err(Outcome::skipped(format!(
            "the signed call got no answer: {} (proxy.health fails for it)",
            quote(&failure.message)
        ))),
        other => seen(other),
    }
}

/// Why a signed call was not served, when another check judges the reason: the signature (401), the
/// path (404 InvalidUriPathException) or the proxy's authorization (403).
pub(super) fn refused(exchange: &ProxyExchange) -> Option<Outcome> {
    let (check, why) = match exchange.status {
        401 => (CheckId::ProxyCredentialAccepted, "the proxy refused the signature"),
        403 => (CheckId::ProxyAccess, "the proxy's authorization denied the call"),
        404 if body::error_name(exchange).as_deref() != Some("KeyNotFoundException") => {
            (CheckId::ProxyUriPath, "the proxy does not serve the path")
        }
        _ => return None,
    };
    Some(Outcome::blocked(check, format!("{why}: {}", answered(exchange))))
}

/// A GetHealthStatus answer that follows the specification.
struct Health {
    summary: String,
    /// Each external key manager's id and healthStatus.
    fleet: Vec<(String, String)>,
}

/// The health body's problems by the specification, or the fleet it describes.
fn judge_health(exchange: &ProxyExchange) -> Result<Health, Vec<String>> {
    let value = body::json(exchange).map_err(|problem| vec![problem])?;
    let text = |value: &Value, field: &str| value.get(field).and_then(Value::as_str).map(quote);
    let mut problems = Vec::new();
    match value.get("xksProxyFleetSize").and_then(Value::as_i64) {
        Some(size) if size > 0 => {}
        Some(size) => problems.push(format!("xksProxyFleetSize is {size}, not above 0")),
        None => problems.push("xksProxyFleetSize is missing or not an integer".into()),
    }
    for field in ["xksProxyVendor", "xksProxyModel", "ekmVendor"] {
        if text(&value, field).is_none() {
            problems.push(format!("{field} is missing or not a string"));
        }
    }
    let mut fleet = Vec::new();
    match value.get("ekmFleetDetails").and_then(Value::as_array) {
        Some(details) if (1..=10).contains(&details.len()) => {
            for detail in details {
                let id = text(detail, "id").unwrap_or_else(|| "?".into());
                if text(detail, "model").is_none() {
                    problems.push(format!("external key manager {id} has no model"));
                }
                match detail.get("healthStatus").and_then(Value::as_str) {
                    Some(status @ ("ACTIVE" | "DEGRADED" | "UNAVAILABLE")) => fleet.push((id, status.to_string())),
                    Some(other) => {
                        problems.push(format!("external key manager {id} has healthStatus {}", quote(other)))
                    }
                    None => problems.push(format!("external key manager {id} has no healthStatus")),
                }
            }
        }
        Some(details) => problems.push(format!("ekmFleetDetails has {} entries, not 1 to 10", details.len())),
        None => problems.push("ekmFleetDetails is missing or not an array".into()),
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let summary = format!(
        "fleet of {} ({} {}), external key managers by {}",
        value["xksProxyFleetSize"],
        text(&value, "xksProxyVendor").unwrap_or_default(),
        text(&value, "xksProxyModel").unwrap_or_default(),
        text(&value, "ekmVendor").unwrap_or_default()
    );
    Ok(Health { summary, fleet })
}

pub(super) fn health(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let exchange = match &proxy.signed_health {
        Probed::Failed(failure) => {
            return Outcome::fail(
                format!("{}: no answer ({})", failure.step, quote(&failure.message)),
                "Make the proxy answer GetHealthStatus within 250 ms; KMS calls it when creating, updating and \
                 connecting the store, and every few minutes after.",
            )
        }
        other => need!(seen(other)),
    };
    if let Some(outcome) = refused(exchange) {
        return outcome;
    }
    let id = &exchange.kms_request_id;
    if exchange.status != 200 {
        return Outcome::fail(
            format!("{} answered {} (kmsRequestId {id})", exchange.request, answered(exchange)),
            "Look for this kmsRequestId in the proxy's logs; GetHealthStatus must answer 200.",
        );
    }
    match judge_health(exchange) {
        Ok(health) => {
            let members: Vec<String> = health.fleet.iter().map(|(id, status)| format!("{id} {status}")).collect();
            Outcome::pass(format!("{}: {} (kmsRequestId {id})", health.summary, list(&members)))
        }
        Err(problems) => Outcome::fail(
            format!("GetHealthStatus answered 200, but {} (kmsRequestId {id})", problems.join("; ")),
            "Make the proxy's GetHealthStatus answer as the specification says: xksProxyFleetSize above 0, \
             xksProxyVendor, xksProxyModel, ekmVendor, and 1 to 10 ekmFleetDetails with id, model and a \
             healthStatus of ACTIVE, DEGRADED or UNAVAILABLE.",
        ),
    }
}

pub(super) fn ekm_available(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let exchange = need!(signed_health(proxy));
    let Some(Health { fleet, .. }) = (exchange.status == 200).then(|| judge_health(exchange).ok()).flatten() else {
        return Outcome::blocked(CheckId::ProxyHealth, "no health report that follows the specification");
    };
    let members: Vec<String> = fleet.iter().map(|(id, status)| format!("{id} {status}")).collect();
    let count = |wanted: &str| fleet.iter().filter(|(_, status)| status == wanted).count();
    if count("ACTIVE") > 0 && count("ACTIVE") == fleet.len() {
        Outcome::pass(list(&members))
    } else if count("ACTIVE") > 0 || count("DEGRADED") > 0 {
        Outcome::warn(
            format!("not every external key manager is ACTIVE: {}", list(&members)),
            "Bring the DEGRADED or UNAVAILABLE external key managers back before the others fail too.",
        )
    } else {
        Outcome::fail(
            format!("every external key manager is UNAVAILABLE: {}", list(&members)),
            "Bring at least one external key manager back; until then KMS refuses to connect \
             (XKS_PROXY_NOT_REACHABLE) and to create or update the store (XksProxyUriUnreachableException).",
        )
    }
}

pub(super) fn credential_accepted(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let exchange = need!(signed_health(proxy));
    let key = proxy.access_key_id.as_deref().unwrap_or("?");
    if exchange.status == 401 {
        // A proxy whose clock is more than five minutes off refuses every signature: proxy.clock_skew says so.
        Outcome::fail(
            format!(
                "the proxy refused the call signed with access key ID {key}: {} (kmsRequestId {})",
                answered(exchange),
                exchange.kms_request_id
            ),
            "Give the store the credential the proxy holds for this path (UpdateCustomKeyStore), and keep \
             anything that rewrites HTTP headers out of the way.",
        )
        .because(CheckId::ProxyClockSkew)
    } else {
        Outcome::pass(format!("signed with access key ID {key}; the proxy answered {}", exchange.status))
    }
}

pub(super) fn auth_enforced(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let mut refused = Vec::new();
    let mut served = Vec::new();
    let mut odd = Vec::new();
    for (what, outcome) in
        [("an unsigned call", &proxy.unsigned_health), ("a wrongly signed call", &proxy.wrongly_signed_health)]
    {
        let Probed::Seen(exchange) = outcome else { continue };
        let answer = answered(exchange);
        match exchange.status {
            200..=299 => served.push(format!("{what} was served ({answer})")),
            // The body's form is proxy.error_format's concern.
            401 => refused.push(format!("{what}: {answer}")),
            _ => odd.push(format!("{what} got {answer}")),
        }
    }
    if !served.is_empty() {
        Outcome::fail(
            served.join("; "),
            "Make the proxy verify the SigV4 signature of every call and answer 401 AuthenticationFailedException \
             when it does not verify: anyone who reaches it can otherwise use the external keys.",
        )
    } else if !odd.is_empty() {
        Outcome::warn(
            format!("{}; the specification asks for 401 AuthenticationFailedException", odd.join("; ")),
            "Answer calls whose signature does not verify with 401 AuthenticationFailedException.",
        )
    } else if refused.is_empty() {
        Outcome::skipped("no unsigned or wrongly signed call got an answer")
    } else {
        Outcome::pass(refused.join("; "))
    }
}

pub(super) fn uri_path(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let configured = need!(signed_health(proxy));
    if configured.status == 404 {
        return Outcome::fail(
            format!("the configured path {} is not served: {}", proxy.uri_path, answered(configured)),
            "Set XksProxyUriPath to the path the proxy serves (its configuration file has it).",
        );
    }
    if configured.status == 401 {
        return Outcome::blocked(CheckId::ProxyCredentialAccepted, "the proxy refused the signature");
    }
    let wrong = need!(seen(&proxy.wrong_path));
    match wrong.status {
        404 => Outcome::pass(format!("{} is served; {} got {}", proxy.uri_path, wrong.request, answered(wrong))),
        200..=299 => Outcome::fail(
            format!("{} answered {}: the proxy serves paths it was not configured for", wrong.request, answered(wrong)),
            "Make the proxy refuse every path but its configured ones with 404 InvalidUriPathException, so that a \
             wrong XksProxyUriPath shows as XKS_PROXY_INVALID_CONFIGURATION instead of working by accident.",
        ),
        _ => Outcome::warn(
            format!("{} answered {}, not 404 InvalidUriPathException", wrong.request, answered(wrong)),
            "Answer unknown paths with 404 InvalidUriPathException.",
        ),
    }
}

pub(super) fn access(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let health = need!(signed_health(proxy));
    if health.status == 401 {
        return Outcome::blocked(CheckId::ProxyCredentialAccepted, "the proxy refused the signature");
    }
    if health.status == 404 {
        return Outcome::blocked(CheckId::ProxyUriPath, "the proxy does not serve the configured path");
    }
    let key_calls = proxy.keys.iter().flat_map(|k| [&k.metadata, &k.encrypt, &k.decrypt]).filter_map(|c| c.seen());
    let denied: Vec<String> = std::iter::once(health)
        .chain(key_calls)
        .filter(|e| e.status == 403)
        .map(|e| format!("{} was denied: {} (kmsRequestId {})", e.request, answered(e), e.kms_request_id))
        .collect();
    if denied.is_empty() {
        Outcome::pass(format!("the proxy's authorization denied none of the calls (health answered {})", health.status))
    } else {
        Outcome::fail(
            denied.join("; "),
            "Let the proxy's authorization rules allow KMS's requests for this store and its keys, and exempt \
             GetHealthStatus (the specification requires it).",
        )
    }
}

pub(super) fn method_post_only(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let get = need!(seen(&proxy.get));
    match get.status {
        405 => Outcome::pass(format!("{} got 405", get.request)),
        401 if !get.signed => Outcome::skipped(
            "a GET without a signature got 401; with the secret access key the tool can see how GET is handled",
        ),
        _ => Outcome::fail(
            format!("{} answered {}, not 405 Method Not Allowed", get.request, answered(get)),
            "Refuse GET on every proxy API URI with 405; the API is POST only.",
        ),
    }
}

/// What is wrong with an error answer's body by the specification, if anything.
fn error_body_problem(exchange: &ProxyExchange) -> Option<String> {
    let value = match body::json(exchange) {
        Ok(value) => value,
        Err(problem) => return Some(format!("{} answered {}: {problem}", exchange.request, exchange.status)),
    };
    let Some(name) = value.get("errorName").and_then(Value::as_str) else {
        return Some(format!("{} answered {} without an errorName", exchange.request, exchange.status));
    };
    if !ERROR_NAMES.contains(&name) {
        return Some(format!(
            "{} answered errorName {}, which the specification does not define",
            exchange.request,
            quote(name)
        ));
    }
    match value.get("errorMessage") {
        None => None,
        Some(Value::String(text)) if text.chars().count() > MAX_ERROR_MESSAGE => Some(format!(
            "{}: errorMessage has {} characters, more than the specification's 511",
            exchange.request,
            text.chars().count()
        )),
        Some(Value::String(text)) => text
            .chars()
            .find(|c| !(' '..='~').contains(c))
            .map(|bad| format!("{}: errorMessage holds {:?}, which is not printable ASCII", exchange.request, bad)),
        Some(_) => Some(format!("{}: errorMessage is not a string", exchange.request)),
    }
}

pub(super) fn error_format(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let errors: Vec<&ProxyExchange> =
        [&proxy.unsigned_health, &proxy.wrongly_signed_health, &proxy.wrong_path, &proxy.signed_health]
            .into_iter()
            .filter_map(|o| o.seen())
            .filter(|e| e.status >= 400 && e.status != 405)
            .collect();
    if errors.is_empty() {
        return Outcome::skipped("no error answer was seen");
    }
    let problems: Vec<String> = errors.iter().filter_map(|e| error_body_problem(e)).collect();
    if problems.is_empty() {
        let good: Vec<String> = errors.iter().map(|e| answered(e)).collect();
        Outcome::pass(format!("error answers are JSON with a defined errorName: {}", list(&good)))
    } else {
        Outcome::fail(
            list(&problems),
            "Answer errors with a JSON body {\"errorName\": …, \"errorMessage\": …} using the names the specification \
             defines and a short printable-ASCII message; KMS cannot interpret anything else \
             (XKS_PROXY_INVALID_RESPONSE).",
        )
    }
}

pub(super) fn latency(ctx: &Ctx) -> Outcome {
    let net = need!(connected(ctx));
    let proxy = need!(http(ctx));
    let first = need!(signed_health(proxy));
    if first.status != 200 {
        return Outcome::blocked(CheckId::ProxyHealth, "the signed GetHealthStatus did not answer 200");
    }
    let kept = need!(seen(&proxy.kept_alive));
    let durations = &kept.durations_ms;
    if durations.is_empty() {
        return Outcome::error(
            format!("none of the kept-alive calls was answered 200: {}", quote(&kept.failures.join("; "))),
            "Run the check again; calls that fail after one succeeded point at an overloaded proxy.",
        );
    }
    let (p50, p99) = (percentile(durations, 50.0), percentile(durations, 99.0));
    let failures = if kept.failures.is_empty() { String::new() } else { format!(", {} failed", kept.failures.len()) };
    let reconnects = if kept.reconnects == 0 { String::new() } else { format!(", {} reconnections", kept.reconnects) };
    let evidence = format!(
        "first call {:.1} ms on a new connection ({}); {} kept-alive calls p50 {p50:.1} ms, p99 {p99:.1} ms{failures}{reconnects}",
        first.duration_ms,
        super::net::phases(net),
        durations.len()
    );
    let remedy = "Find where the time goes (network, proxy, external key manager): KMS gives every call 250 ms.";
    if p99 > LIMIT_MS || first.duration_ms > LIMIT_MS {
        Outcome::fail(format!("{evidence}; over {LIMIT_MS} ms"), remedy)
    } else if p99 > WARN_MS {
        Outcome::warn(format!("{evidence}; over {WARN_MS} ms, close to KMS's {LIMIT_MS} ms"), remedy)
    } else {
        Outcome::pass(evidence)
    }
}

pub(super) fn clock_skew(ctx: &Ctx) -> Outcome {
    use aws_sdk_kms::primitives::{DateTime, DateTimeFormat};
    let proxy = need!(http(ctx));
    let dated = [&proxy.signed_health, &proxy.unsigned_health]
        .into_iter()
        .filter_map(|o| o.seen())
        .find_map(|e| e.date.as_ref().map(|date| (e, date)));
    let Some((exchange, date)) = dated else {
        return Outcome::skipped("the proxy sends no Date header to compare clocks with");
    };
    let (Ok(theirs), Ok(ours)) = (
        DateTime::from_str(date, DateTimeFormat::HttpDate),
        DateTime::from_str(&exchange.received_at, DateTimeFormat::DateTime),
    ) else {
        return Outcome::warn(
            format!("the proxy's Date header \"{}\" is not an HTTP date", quote(date)),
            "Send a Date header in HTTP format.",
        );
    };
    let skew = theirs.secs() - ours.secs();
    let evidence = format!("the proxy's clock is {skew:+} s from this host's (Date: {})", quote(date));
    if skew.abs() > MAX_SKEW_SECONDS {
        Outcome::fail(
            format!("{evidence}; SigV4 refuses signatures more than 5 minutes off"),
            "Synchronise the proxy's clock (and this host's) with NTP; KMS's signed requests fail authentication otherwise.",
        )
    } else {
        Outcome::pass(evidence)
    }
}

pub(super) fn request_validation(_ctx: &Ctx) -> Outcome {
    Outcome::skipped("not checked by this version")
}

pub(super) fn unknown_operation(_ctx: &Ctx) -> Outcome {
    Outcome::skipped("not checked by this version")
}

pub(super) fn long_metadata(_ctx: &Ctx) -> Outcome {
    Outcome::skipped("not checked by this version")
}
