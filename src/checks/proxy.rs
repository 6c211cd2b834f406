//! `proxy.*`: the proxy's answers, judged by the XKS proxy API specification and by what KMS does
//! with them: by status, `errorName` and field values, never by matching text.

use super::answers::{ErrorAnswer, HealthReport};
use super::body::{self, answered};
use super::context::Ctx;
use super::figures::{percentile, phases};
use super::gates::{
    answer, calls, connected, external_keys, http, missing, refused, seen, signed_gate, signed_health, stalled,
    stalled_among,
};
use super::outcome::{need, MeasureName, Outcome};
use super::text::{list, quote};
use crate::catalogue::CheckId;
use crate::dates;
use crate::facts::{
    KeyApi, MisdirectedCall, Misdirection, ProbeFailure, Probed, ProxyExchange, ProxyFacts, SignatureFault,
    LONG_ARN_CHARS, UNKNOWN_OPERATION,
};

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

/// A GetHealthStatus answer that follows the specification.
struct Health {
    summary: String,
    /// Each external key manager's id and healthStatus.
    fleet: Vec<(String, String)>,
}

/// The health body's problems by the specification, or the fleet it describes.
fn judge_health(exchange: &ProxyExchange) -> Result<Health, Vec<String>> {
    let report: HealthReport = body::read(exchange).map_err(|problem| vec![problem])?;
    let mut problems = Vec::new();
    if report.xks_proxy_fleet_size <= 0 {
        problems.push(format!("xksProxyFleetSize is {}, not above 0", report.xks_proxy_fleet_size));
    }
    let details = &report.ekm_fleet_details;
    if !(1..=10).contains(&details.len()) {
        problems.push(format!("ekmFleetDetails has {} entries, not 1 to 10", details.len()));
    }
    let mut fleet = Vec::new();
    for manager in details {
        let id = quote(&manager.id);
        match manager.health_status.as_str() {
            status @ ("ACTIVE" | "DEGRADED" | "UNAVAILABLE") => fleet.push((id, status.to_string())),
            other => problems.push(format!("external key manager {id} has healthStatus {}", quote(other))),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let summary = format!(
        "fleet of {} ({} {}), external key managers by {}",
        report.xks_proxy_fleet_size,
        quote(&report.xks_proxy_vendor),
        quote(&report.xks_proxy_model),
        quote(&report.ekm_vendor)
    );
    Ok(Health { summary, fleet })
}

pub(super) fn health(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let exchange = match &proxy.signed_health {
        Probed::Failed(failure) if !failure.timed_out => {
            return Outcome::fail(
                format!("{}: no answer ({})", failure.step, quote(&failure.message)),
                "Make the proxy answer GetHealthStatus: the connection failed before an answer came. KMS calls it \
                 when creating, updating and connecting the store, and every few minutes after.",
            )
        }
        other => need!(answer(other)),
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
    let outcome = if let Some(failing) = key_manager_failures(proxy).filter(|_| count("UNAVAILABLE") == 0) {
        Outcome::fail(
            format!(
                "the health report says {}, yet {failing}: the report does not follow the key manager (a fixed \
                 answer), so KMS keeps the store CONNECTED while its cryptographic calls fail",
                list(&members)
            ),
            "Make GetHealthStatus report what the key manager can do now (the specification asks for a real \
             operation on a test key, cached at most a minute), so that KMS and its alarms see the outage.",
        )
    } else if count("ACTIVE") > 0 && count("ACTIVE") == fleet.len() {
        // A fixed answer and a live one look alike while the key manager works: only a key call that fails
        // for the key manager, beside a report that says all is well, tells them apart.
        let seen_with = if proxy.keys.is_empty() {
            "; without an external key (--xks-key-id) the tool cannot tell a live report from a fixed one"
        } else {
            "; the key calls agree with it"
        };
        Outcome::pass(format!("{}{seen_with}", list(&members)))
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
    };
    // One series per key manager and state, 1 for the state it is in: what a dashboard colours.
    fleet.iter().fold(outcome, |outcome, (id, status)| {
        let labels = vec![("ekm", id.clone()), ("state", status.clone())];
        outcome.measured_with(MeasureName::ExternalKeyManagerState, labels, 1.0)
    })
}

/// The first call to a named external key that failed for the key manager behind the proxy (500
/// InternalException or 503 DependencyTimeoutException), in the evidence's words.
fn key_manager_failures(proxy: &ProxyFacts) -> Option<String> {
    proxy.keys.iter().find_map(|key| {
        [("GetKeyMetadata", &key.metadata), ("Encrypt", &key.encrypt)].into_iter().find_map(|(api, call)| {
            let exchange = call.seen()?;
            let name = body::error_name(exchange);
            let failed = matches!(
                (exchange.status, name.as_deref()),
                (500, Some("InternalException")) | (503, Some("DependencyTimeoutException"))
            );
            failed.then(|| format!("{api} of {} answered {}", key.xks_key_id, answered(exchange)))
        })
    })
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

/// The `aws kms` command that gives the store the next credential. The credential is read from a file,
/// so that the secret stays out of the command line and the shell's history.
fn update_command(ctx: &Ctx) -> String {
    ctx.aws_command(&format!(
        "kms update-custom-key-store --custom-key-store-id {} --xks-proxy-authentication-credential \
         file://next-credential.json",
        store_id(ctx)
    ))
}

fn store_id<'a>(ctx: &Ctx<'a>) -> &'a str {
    ctx.store.map(|s| s.id.as_str()).unwrap_or("STORE_ID")
}

/// The safe order of a rotation, and the commands for the store: the proxy holds both credentials before
/// KMS moves, and lets the old one go only after KMS has. KMS takes a new credential whether the store is
/// CONNECTED or DISCONNECTED (API:KMS:UpdateCustomKeyStore), and checks it with a GetHealthStatus first.
fn rotation_steps(ctx: &Ctx, current: &str, next: &str) -> (String, [String; 3]) {
    let store = store_id(ctx);
    let steps = format!(
        "Rotate in this order, so that KMS is never refused: (1) make the proxy accept {next} beside {current} \
         for this path, and run this check again with --next-access-key-id {next} until \
         proxy.credential_rotation passes; (2) switch KMS: put {{\"AccessKeyId\": \"{next}\", \
         \"RawSecretAccessKey\": \"<next secret>\"}} in next-credential.json, a file only you can read, and run \
         the first command below (the store may stay CONNECTED; KMS first calls GetHealthStatus with the new \
         credential and refuses the update with XksProxyIncorrectAuthenticationCredentialException if the proxy \
         does not take it); (3) verify with the other two (NEXT_SECRET_FILE is a file holding the next secret): the store shows AccessKeyId {next} and \
         ConnectionState CONNECTED, and proxy.credential_accepted passes with the next secret; (4) only then \
         remove {current} from the proxy, and delete next-credential.json."
    );
    let commands = [
        update_command(ctx),
        ctx.aws_command(&format!("kms describe-custom-key-stores --custom-key-store-id {store}")),
        format!(
            "xks-preflight check --custom-key-store-id {store} --region {} --secret-access-key-file \
             NEXT_SECRET_FILE",
            ctx.facts.region
        ),
    ];
    (steps, commands)
}

pub(super) fn credential_rotation(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let next = match &proxy.next_signed_health {
        Probed::NotGathered(why) => return missing(why),
        probed => need!(answer(probed)),
    };
    let current = need!(signed_health(proxy));
    let current_id = proxy.access_key_id.as_deref().unwrap_or("?");
    let next_id = proxy.next_access_key_id.as_deref().unwrap_or("?");
    let said = |exchange: &ProxyExchange| format!("{} (kmsRequestId {})", answered(exchange), exchange.kms_request_id);
    if current_id == next_id {
        // The specification has the access key ID name its secret: a proxy looks the secret up by it.
        return Outcome::fail(
            format!(
                "the next credential has the current one's access key ID {next_id}: a proxy finds the secret by \
                 the access key ID, so it cannot hold both, and KMS is refused between the proxy's switch and KMS's"
            ),
            "Issue the next credential with an access key ID of its own (20 to 30 characters of A-Z and 2-7), \
             then rehearse again with it.",
        );
    }
    let (steps, commands) = rotation_steps(ctx, current_id, next_id);
    match (current.status, next.status) {
        (401, 401) => Outcome::fail(
            format!(
                "the proxy refuses both credentials: the current one {current_id} and the next one {next_id} ({})",
                said(next)
            ),
            steps,
        )
        .run(commands)
        .because(CheckId::ProxyCredentialAccepted),
        (401, _) => Outcome::fail(
            format!(
                "the proxy accepts the next credential {next_id} but refuses the current one {current_id} ({}): it \
                 was switched before KMS, which still signs with {current_id}",
                said(current)
            ),
            steps,
        )
        .run(commands)
        .because(CheckId::ProxyCredentialAccepted),
        (_, 401) => Outcome::fail(
            format!(
                "the proxy refuses the next credential {next_id} ({}) while it accepts the current one \
                 {current_id}: switching KMS now would get INVALID_CREDENTIALS",
                said(next)
            ),
            steps,
        )
        .run(commands),
        _ => match refused(next).or_else(|| refused(current)) {
            Some(outcome) => outcome,
            None => Outcome::pass(format!(
                "the proxy accepts the current credential {current_id} ({}) and the next one {next_id} ({}): KMS \
                 can be switched now ({}, with the next credential in that file), and {current_id} retired on the \
                 proxy once the store is CONNECTED with {next_id}",
                current.status,
                next.status,
                update_command(ctx)
            )),
        },
    }
}

/// The misdirected key calls, each with what it was: "GetKeyMetadata of foo signed with a wrong secret".
fn misdirected(proxy: &ProxyFacts) -> impl Iterator<Item = (String, &MisdirectedCall)> {
    proxy.keys.iter().flat_map(|key| {
        key.misdirected.iter().map(move |call| {
            let api = match call.api {
                KeyApi::GetKeyMetadata => format!("GetKeyMetadata of {}", key.xks_key_id),
                KeyApi::Encrypt => format!("Encrypt with {}", key.xks_key_id),
            };
            (format!("{api} {}", call.misdirection.label()), call)
        })
    })
}

pub(super) fn auth_enforced(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    // (what was sent, its answer, the signature fault when it is one that clock skew explains)
    let mut health_calls: Vec<(String, &Probed<ProxyExchange>, Option<SignatureFault>)> = vec![
        ("an unsigned call".into(), &proxy.unsigned_health, None),
        ("a call signed with a wrong secret".into(), &proxy.wrongly_signed_health, None),
    ];
    health_calls.extend(
        proxy
            .refused_signatures
            .iter()
            .map(|probe| (probe.fault.label().to_string(), &probe.exchange, Some(probe.fault))),
    );
    // The key APIs must check signatures as GetHealthStatus does.
    let key_calls: Vec<(String, &Probed<ProxyExchange>, Option<SignatureFault>)> = misdirected(proxy)
        .filter(|(_, call)| call.misdirection != Misdirection::WrongPrefix)
        .map(|(label, call)| (label, &call.exchange, None))
        .collect();
    let mut refused = Vec::new();
    let mut keys_refused = 0;
    let mut served = Vec::new();
    let mut served_faults = Vec::new();
    let mut odd = Vec::new();
    let calls = health_calls.iter().map(|call| (call, false)).chain(key_calls.iter().map(|call| (call, true)));
    for ((what, probed, fault), key_call) in calls {
        let Probed::Seen(exchange) = probed else { continue };
        let answer = answered(exchange);
        match exchange.status {
            200..=299 => {
                served.push(format!("{what} was served ({answer})"));
                served_faults.push(*fault);
            }
            // The body's form is proxy.error_format's concern.
            401 if key_call => keys_refused += 1,
            401 => refused.push(format!("{what}: {answer}")),
            _ => odd.push(format!("{what} got {answer}")),
        }
    }
    if !served.is_empty() {
        let outcome = Outcome::fail(
            list(&served),
            "Make the proxy verify the SigV4 signature of every call (access key ID, secret, Region, the \
             kms-xks-proxy service, and a time within 5 minutes) and answer 401 AuthenticationFailedException when \
             it does not verify: anyone who reaches the proxy can otherwise use the external keys.",
        );
        // An old signature looks current to a proxy whose clock is as far behind: proxy.clock_skew says so.
        return if served_faults.iter().all(|fault| *fault == Some(SignatureFault::TenMinutesOld)) {
            outcome.because(CheckId::ProxyClockSkew)
        } else {
            outcome
        };
    }
    if matches!(&proxy.signed_health, Probed::Seen(signed) if signed.status == 401) {
        return Outcome::blocked(
            CheckId::ProxyCredentialAccepted,
            "the proxy refused the store's own signature too, so its refusals prove nothing",
        );
    }
    let everything = health_calls.iter().chain(&key_calls).map(|(_, probed, _)| *probed);
    if let Some(outcome) = stalled_among(everything) {
        return outcome;
    }
    if !odd.is_empty() {
        Outcome::warn(
            format!("{}; the specification asks for 401 AuthenticationFailedException", list(&odd)),
            "Answer calls whose signature does not verify with 401 AuthenticationFailedException.",
        )
    } else if refused.is_empty() {
        Outcome::skipped("no unsigned or wrongly signed call got an answer")
    } else if keys_refused > 0 {
        Outcome::pass(format!("{}; and {keys_refused} wrongly signed key calls got 401", list(&refused)))
    } else {
        Outcome::pass(list(&refused))
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
    let mut wrong = vec![(String::from("GetHealthStatus"), &proxy.wrong_path)];
    wrong.extend(
        misdirected(proxy)
            .filter(|(_, call)| call.misdirection == Misdirection::WrongPrefix)
            .map(|(label, call)| (label, &call.exchange)),
    );
    let answers: Vec<(&String, &ProxyExchange)> =
        wrong.iter().filter_map(|(label, probed)| probed.seen().map(|exchange| (label, exchange))).collect();
    let stall = stalled_among(wrong.iter().map(|(_, probed)| *probed));
    if answers.is_empty() {
        // The health call is among them: it got no answer.
        return seen(&proxy.wrong_path)
            .err()
            .unwrap_or_else(|| Outcome::skipped("no call below a wrong prefix got an answer"));
    }
    let served: Vec<String> = answers
        .iter()
        .filter(|(_, e)| (200..=299).contains(&e.status))
        .map(|(label, e)| format!("{label}: {} answered {}", e.request, answered(e)))
        .collect();
    let odd: Vec<String> = answers
        .iter()
        .filter(|(_, e)| !(200..=299).contains(&e.status) && e.status != 404)
        .map(|(label, e)| format!("{label}: {} answered {}", e.request, answered(e)))
        .collect();
    if !served.is_empty() {
        Outcome::fail(
            format!("the proxy serves paths it was not configured for: {}", served.join("; ")),
            "Make the proxy refuse every path but its configured ones with 404 InvalidUriPathException, so that a \
             wrong XksProxyUriPath shows as XKS_PROXY_INVALID_CONFIGURATION instead of working by accident.",
        )
    } else if let Some(outcome) = stall {
        outcome
    } else if !odd.is_empty() {
        Outcome::warn(
            format!("{}, not 404 InvalidUriPathException", odd.join("; ")),
            "Answer unknown paths with 404 InvalidUriPathException.",
        )
    } else {
        let refused: Vec<String> = answers.iter().map(|(_, e)| format!("{} got {}", e.request, answered(e))).collect();
        Outcome::pass(format!("{} is served; {}", proxy.uri_path, list(&refused)))
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
    // KMS's everyday requests; the unusual ones have checks of their own.
    let key_calls: Vec<&Probed<ProxyExchange>> =
        proxy.keys.iter().flat_map(|k| [&k.metadata, &k.encrypt, &k.decrypt]).collect();
    let denied: Vec<String> = std::iter::once(health)
        .chain(key_calls.iter().filter_map(|c| c.seen()))
        .filter(|e| e.status == 403)
        .map(|e| format!("{} was denied: {} (kmsRequestId {})", e.request, answered(e), e.kms_request_id))
        .collect();
    if let Some(outcome) = stalled_among(key_calls).filter(|_| denied.is_empty()) {
        outcome
    } else if denied.is_empty() {
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
    let get = need!(answer(&proxy.get));
    // A proxy may look at the signature or its own rules before the method: a signed GET refused for one
    // of those (401, 403) says nothing about GET, and the check that judges the refusal fails for it. A
    // 404 is how many routers refuse a method, so it stays this check's finding.
    if let Some(outcome) = refused(get).filter(|_| get.signed && matches!(get.status, 401 | 403)) {
        return outcome;
    }
    match get.status {
        405 => Outcome::pass(format!("{} got 405", get.request)),
        401 if !get.signed => Outcome::skipped(
            "a GET without a signature got 401; with the secret access key the tool can see how GET is handled",
        ),
        501 => Outcome::fail(
            format!(
                "{} answered {} where the specification says 405 Method Not Allowed: 501 says the operation is not \
                 implemented, not that the method is wrong",
                get.request,
                answered(get)
            ),
            "Refuse GET on every proxy API URI with 405; the API is POST only.",
        ),
        _ => Outcome::fail(
            format!("{} answered {}, not 405 Method Not Allowed", get.request, answered(get)),
            "Refuse GET on every proxy API URI with 405; the API is POST only.",
        ),
    }
}

/// What is wrong with an error answer's body by the specification, if anything.
fn error_body_problem(exchange: &ProxyExchange) -> Option<String> {
    let answer: ErrorAnswer = match body::read(exchange) {
        Ok(answer) => answer,
        Err(_) if body::json(exchange).is_ok() && body::error_name(exchange).is_none() => {
            return Some(format!("{} answered {} without an errorName", exchange.request, exchange.status))
        }
        Err(problem) => return Some(format!("{} answered {}: {problem}", exchange.request, exchange.status)),
    };
    if !ERROR_NAMES.contains(&answer.error_name.as_str()) {
        return Some(format!(
            "{} answered errorName {}, which the specification does not define",
            exchange.request,
            quote(&answer.error_name)
        ));
    }
    let text = answer.error_message?;
    if text.chars().count() > MAX_ERROR_MESSAGE {
        return Some(format!(
            "{}: errorMessage has {} characters, more than the specification's 511",
            exchange.request,
            text.chars().count()
        ));
    }
    text.chars()
        .find(|c| !(' '..='~').contains(c))
        .map(|bad| format!("{}: errorMessage holds {:?}, which is not printable ASCII", exchange.request, bad))
}

pub(super) fn error_format(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    // Every call: the ones that must be refused, and any the proxy refused on its own.
    let calls = proxy.calls();
    let errors: Vec<&ProxyExchange> =
        calls.into_iter().filter_map(|o| o.seen()).filter(|e| e.status >= 400 && e.status != 405).collect();
    let problems: Vec<String> = errors.iter().filter_map(|e| error_body_problem(e)).collect();
    // Calls that got no answer may have been errors; what the others show still counts.
    if let Some(outcome) = stalled_among(proxy.calls()).filter(|_| problems.is_empty()) {
        return outcome;
    }
    if errors.is_empty() {
        return Outcome::skipped("no error answer was seen");
    }
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
    let proxy = need!(calls(ctx));
    let kept = proxy.kept_alive.seen();
    let all = proxy.calls();
    let stalled: Vec<&ProbeFailure> = all
        .iter()
        .filter_map(|probed| match probed {
            Probed::Failed(failure) if failure.timed_out => Some(failure),
            _ => None,
        })
        .collect();
    let kept_stalled = kept.map_or(0, |kept| kept.timed_out);
    if !stalled.is_empty() || kept_stalled > 0 {
        let steps: Vec<String> = stalled.iter().map(|failure| failure.step.clone()).collect();
        let kept_alive =
            if kept_stalled > 0 { format!(" and {kept_stalled} of the kept-alive calls") } else { String::new() };
        return Outcome::fail(
            format!(
                "the proxy stopped answering: {} calls{kept_alive} got no answer within the probe timeout, or were \
                 not sent once one had not ({})",
                stalled.len(),
                list(&steps)
            ),
            "Find where the requests stall (load balancer, proxy, external key manager): KMS waits 250 ms for each \
             call, then gives up.",
        );
    }
    let answered: Vec<&ProxyExchange> = all.iter().filter_map(|probed| probed.seen()).collect();
    let Some(slowest) = answered.iter().copied().max_by(|a, b| a.duration_ms.total_cmp(&b.duration_ms)) else {
        return Outcome::skipped("no proxy call got an answer to time (see tls.http11)");
    };
    let mut evidence = format!(
        "slowest of {} calls {:.1} ms ({} answered {})",
        answered.len(),
        slowest.duration_ms,
        slowest.request,
        slowest.status
    );
    let mut worst = slowest.duration_ms;
    match kept {
        Some(kept) if !kept.durations_ms.is_empty() => {
            let durations = &kept.durations_ms;
            let (p50, p99) = (percentile(durations, 50.0), percentile(durations, 99.0));
            worst = worst.max(p99);
            let reconnects =
                if kept.reconnects == 0 { String::new() } else { format!(", {} reconnections", kept.reconnects) };
            evidence.push_str(&format!(
                "; {} kept-alive calls p50 {p50:.1} ms, p99 {p99:.1} ms{reconnects}",
                durations.len()
            ));
        }
        // Refused (a wrong credential, say): their time is still the proxy's, but proxy.credential_accepted
        // owns the refusal; the other calls were timed.
        Some(kept) => evidence.push_str(&format!("; no kept-alive call was answered 200 ({})", list(&kept.failures))),
        None => evidence.push_str("; no kept-alive series without the secret"),
    }
    evidence.push_str(&format!("; connection {}", phases(net)));
    let remedy = "Find where the time goes (network, proxy, external key manager): KMS gives every call 250 ms.";
    let outcome = if worst > LIMIT_MS {
        Outcome::fail(format!("{evidence}; over {LIMIT_MS} ms"), remedy)
    } else if worst > WARN_MS {
        Outcome::warn(format!("{evidence}; over {WARN_MS} ms, close to KMS's {LIMIT_MS} ms"), remedy)
    } else {
        Outcome::pass(evidence)
    };
    outcome.measured(MeasureName::ProxyLatencyWorstMs, worst)
}

pub(super) fn clock_skew(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    let dated = [&proxy.signed_health, &proxy.unsigned_health]
        .into_iter()
        .filter_map(|o| o.seen())
        .find_map(|e| e.date.as_ref().map(|date| (e, date)));
    let Some((exchange, date)) = dated else {
        return stalled_among([&proxy.signed_health, &proxy.unsigned_health])
            .unwrap_or_else(|| Outcome::skipped("the proxy sends no Date header to compare clocks with"));
    };
    let (Ok(theirs), Ok(ours)) = (dates::http_date(date), dates::epoch(&exchange.received_at)) else {
        return Outcome::warn(
            format!("the proxy's Date header \"{}\" is not an HTTP date", quote(date)),
            "Send a Date header in HTTP format.",
        );
    };
    let skew = theirs - ours;
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

/// A request that breaks the specification's request format on purpose.
struct Malformed<'a> {
    what: String,
    probed: &'a Probed<ProxyExchange>,
    /// Whether the specification requires 400 ValidationException. It lists no ValidationException for
    /// GetHealthStatus, so there an answer or any refusal will do, as long as the proxy keeps working.
    strict: bool,
}

/// Every malformed request that was made.
fn malformed(proxy: &ProxyFacts) -> Vec<Malformed<'_>> {
    let loose = |what: &str, probed| Malformed { what: what.to_string(), probed, strict: false };
    let mut all = vec![
        loose("GetHealthStatus without requestMetadata", &proxy.health_without_metadata),
        loose("GetHealthStatus with an empty requestMetadata", &proxy.health_with_empty_metadata),
    ];
    for key in &proxy.keys {
        let id = &key.xks_key_id;
        all.extend(
            [
                (format!("GetKeyMetadata of {id} without requestMetadata"), &key.metadata_without_request_metadata),
                (
                    format!("GetKeyMetadata of {id} with an empty requestMetadata"),
                    &key.metadata_with_empty_request_metadata,
                ),
                (format!("Encrypt with {id} without requestMetadata"), &key.encrypt_without_request_metadata),
                (format!("Encrypt with {id} without plaintext"), &key.encrypt_without_plaintext),
            ]
            .map(|(what, probed)| Malformed { what, probed, strict: true }),
        );
    }
    all
}

pub(super) fn request_validation(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    if let Some(outcome) = signed_gate(proxy) {
        return outcome;
    }
    let calls = malformed(proxy);
    if let Some(outcome) = calls.iter().filter_map(|call| call.probed.seen()).find_map(refused) {
        return outcome;
    }
    let mut answered_well = Vec::new();
    let mut problems = Vec::new();
    let mut unnamed_only = true;
    let mut stall = None;
    for Malformed { what, probed, strict } in &calls {
        let exchange = match probed {
            Probed::Seen(exchange) => exchange,
            Probed::Failed(failure) if failure.timed_out => {
                stall = stall.or_else(|| stalled(probed));
                continue;
            }
            Probed::Failed(failure) => {
                unnamed_only = false;
                problems.push(format!("{what} got no answer ({})", quote(&failure.message)));
                continue;
            }
            Probed::NotGathered(_) => continue,
        };
        let answer = answered(exchange);
        let validation = exchange.status == 400 && body::error_name(exchange).as_deref() == Some("ValidationException");
        match exchange.status {
            _ if validation => answered_well.push(format!("{what}: {answer}")),
            200..=299 | 400..=499 if !strict => answered_well.push(format!("{what}: {answer}")),
            200..=299 => {
                unnamed_only = false;
                problems.push(format!("{what} was served ({answer})"))
            }
            _ => {
                unnamed_only &= body::unnamed(exchange, 400);
                problems.push(format!("{what} got {answer}, not 400 ValidationException"))
            }
        }
    }
    if let Some(outcome) = stall.filter(|_| problems.is_empty()) {
        return outcome;
    }
    if problems.is_empty() && answered_well.is_empty() {
        let why = calls.iter().find_map(|call| match call.probed {
            Probed::NotGathered(why) => Some(why),
            _ => None,
        });
        return why.map_or_else(|| Outcome::skipped("no malformed request was made"), missing);
    }
    if problems.is_empty() {
        return Outcome::pass(list(&answered_well));
    }
    let outcome = Outcome::warn(
        list(&problems),
        "Validate every request against the specification and refuse what does not follow it with 400 \
         ValidationException, without failing: KMS never sends such requests, so a proxy that serves them would \
         serve whatever else reaches it.",
    );
    // Refused with 400 in a form KMS cannot read: proxy.error_format's finding.
    if unnamed_only {
        outcome.because(CheckId::ProxyErrorFormat)
    } else {
        outcome
    }
}

/// A call with something unusual in its request, and the same call as KMS makes it every day.
struct Twin<'a> {
    what: String,
    unusual: &'a Probed<ProxyExchange>,
    usual: &'a Probed<ProxyExchange>,
}

/// How the unusual calls were answered whose usual twins were served.
struct Twins {
    served: Vec<String>,
    refused: Vec<String>,
    /// The first call of either kind that got no answer in time.
    stalled: Option<Outcome>,
}

/// Judges each unusual call against its twin; a pair whose usual call was not served says nothing.
fn judge_twins(twins: &[Twin]) -> Twins {
    let mut judged = Twins { served: Vec::new(), refused: Vec::new(), stalled: None };
    for twin in twins {
        if let Some(outcome) = stalled_among([twin.usual, twin.unusual]) {
            judged.stalled.get_or_insert(outcome);
            continue;
        }
        let Some(usual) = twin.usual.seen().filter(|usual| (200..=299).contains(&usual.status)) else { continue };
        match twin.unusual {
            Probed::Seen(exchange) if (200..=299).contains(&exchange.status) => {
                judged.served.push(format!("{}: {}", twin.what, exchange.status))
            }
            Probed::Seen(exchange) => judged.refused.push(format!(
                "{} got {} where the usual call got {} (kmsRequestId {})",
                twin.what,
                answered(exchange),
                usual.status,
                exchange.kms_request_id
            )),
            Probed::Failed(failure) => judged.refused.push(format!(
                "{} got no answer ({}) where the usual call got {}",
                twin.what,
                quote(&failure.message),
                usual.status
            )),
            Probed::NotGathered(_) => {}
        }
    }
    judged
}

pub(super) fn unknown_operation(ctx: &Ctx) -> Outcome {
    let proxy = need!(http(ctx));
    if let Some(outcome) = signed_gate(proxy) {
        return outcome;
    }
    if let Probed::NotGathered(why) = &proxy.unknown_operation_health {
        return missing(why);
    }
    let mut twins = vec![Twin {
        what: format!("GetHealthStatus for kmsOperation {UNKNOWN_OPERATION}"),
        unusual: &proxy.unknown_operation_health,
        usual: &proxy.signed_health,
    }];
    twins.extend(proxy.keys.iter().map(|key| Twin {
        what: format!("GetKeyMetadata of {} for kmsOperation {UNKNOWN_OPERATION}", key.xks_key_id),
        unusual: &key.metadata_unknown_operation,
        usual: &key.metadata,
    }));
    let Twins { served, refused, stalled } = judge_twins(&twins);
    if let Some(outcome) = stalled.filter(|_| refused.is_empty()) {
        outcome
    } else if !refused.is_empty() {
        Outcome::fail(
            refused.join("; "),
            "Serve requests whatever their kmsOperation says: the specification requires it, because KMS adds \
             operations over time and a proxy that refuses the new ones fails them with KMSInvalidStateException.",
        )
    } else if served.is_empty() {
        Outcome::blocked(CheckId::ProxyHealth, "GetHealthStatus itself was not served")
    } else {
        Outcome::pass(served.join("; "))
    }
}

pub(super) fn long_metadata(ctx: &Ctx) -> Outcome {
    let keys = need!(external_keys(ctx));
    let proxy = need!(http(ctx));
    if let Some(outcome) = signed_gate(proxy) {
        return outcome;
    }
    if let Some(why) = keys.iter().find_map(|key| match &key.metadata_long {
        Probed::NotGathered(why) => Some(why),
        _ => None,
    }) {
        return missing(why);
    }
    let twins: Vec<Twin> = keys
        .iter()
        .flat_map(|key| {
            [
                Twin {
                    what: format!("GetKeyMetadata of {}", key.xks_key_id),
                    unusual: &key.metadata_long,
                    usual: &key.metadata,
                },
                Twin {
                    what: format!("Encrypt with {}", key.xks_key_id),
                    unusual: &key.encrypt_long,
                    usual: &key.encrypt,
                },
            ]
        })
        .collect();
    let Twins { served, refused, stalled } = judge_twins(&twins);
    let with = format!("with {LONG_ARN_CHARS}-character ARNs, kmsViaService, awsSourceVpc and awsSourceVpce");
    if let Some(outcome) = stalled.filter(|_| refused.is_empty()) {
        outcome
    } else if !refused.is_empty() {
        Outcome::fail(
            format!("{with}: {}", refused.join("; ")),
            "Accept ARNs up to 2,048 characters and the optional requestMetadata fields: KMS sends them for \
             principals with long role paths and for calls through other AWS services or VPC endpoints, and fails \
             those calls with KMSInvalidStateException when the proxy refuses them.",
        )
    } else if served.is_empty() {
        Outcome::blocked(CheckId::KeyMetadata, "GetKeyMetadata itself was not served")
    } else {
        Outcome::pass(format!("{with}: {}", served.join("; ")))
    }
}
