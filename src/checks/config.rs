//! `config.*`: the store's settings, from DescribeCustomKeyStores or from the planned settings.

use super::context::Ctx;
use super::outcome::{need, Outcome};
use super::text::list;
use crate::aws_names;
use crate::catalogue::CheckId;
use crate::facts::{Subject, VPC_ENDPOINT_SERVICE};
use crate::kms_errors::topic_for_name;

const PLANNED: &str = "planned settings: the store does not exist yet";
/// The longest of the proxy API's per-key operations, `/metadata`, with the `/keys/` before the ID.
const KEY_URI_OVERHEAD: usize = "/keys/".len() + "/metadata".len();
const MAX_URI: usize = 256;
const MAX_EXTERNAL_KEY_ID: usize = 128;
const STORE_QUOTA: usize = 10;

pub(super) fn store_found(ctx: &Ctx) -> Outcome {
    let query = match &ctx.target.subject {
        Subject::Planned(_) => return Outcome::skipped(PLANNED),
        Subject::AllStores => {
            need!(ctx.aws(&ctx.facts.region_stores));
            return Outcome::skipped("the stores were listed; each is checked on its own");
        }
        Subject::Store { query } => query,
    };
    let stores = need!(ctx.aws(&ctx.facts.region_stores));
    match ctx.store {
        Some(store) => {
            let name = store.name.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default();
            let created = store.creation_date.as_deref().map(|d| format!(", created {d}")).unwrap_or_default();
            Outcome::pass(format!("{}{name} in {}{created}", store.id, ctx.facts.region))
        }
        None => {
            let seen: Vec<String> = stores.iter().map(|s| s.id.clone()).collect();
            Outcome::fail(
                format!(
                    "no custom key store with {query} among the {} store(s) of this account in {} ({})",
                    stores.len(),
                    ctx.facts.region,
                    list(&seen)
                ),
                "Check the ID or name, the Region (--region) and the account of the credentials. \
                 KMS answers CustomKeyStoreNotFoundException for a store it cannot find.",
            )
        }
    }
}

pub(super) fn store_type(ctx: &Ctx) -> Outcome {
    if ctx.is_planned() {
        return Outcome::skipped(PLANNED);
    }
    let Some(store) = ctx.store else { return Outcome::blocked(CheckId::ConfigStoreFound, "no store to check") };
    match store.store_type.as_deref() {
        Some("EXTERNAL_KEY_STORE") => Outcome::pass("EXTERNAL_KEY_STORE"),
        Some(other) => Outcome::fail(
            format!("{} is of type {other}, not EXTERNAL_KEY_STORE", store.id),
            "Name an external key store; xks-preflight checks the requirements of external key stores only.",
        ),
        None => Outcome::fail(
            format!("DescribeCustomKeyStores gives no CustomKeyStoreType for {}", store.id),
            "Name an external key store; a store without a type cannot be judged.",
        ),
    }
}

pub(super) fn connection_state(ctx: &Ctx) -> Outcome {
    if ctx.is_planned() {
        return Outcome::skipped(PLANNED);
    }
    let Some(store) = ctx.store else { return Outcome::blocked(CheckId::ConfigStoreFound, "no store to check") };
    let id = &store.id;
    match store.connection_state.as_deref() {
        Some("CONNECTED") => Outcome::pass("CONNECTED"),
        Some("FAILED") => {
            let code = store.connection_error_code.as_deref().unwrap_or("no ConnectionErrorCode");
            let reconnect = "A FAILED store must be disconnected before it can connect again (connecting takes \
                             about five minutes):";
            let commands = [
                ctx.aws_command(&format!("kms disconnect-custom-key-store --custom-key-store-id {id}")),
                ctx.aws_command(&format!("kms connect-custom-key-store --custom-key-store-id {id}")),
            ];
            match topic_for_name(code) {
                Some(topic) => {
                    let causes: Vec<String> = topic
                        .causes
                        .iter()
                        .map(|cause| format!("{} ({})", cause.text.trim_end_matches('.'), ids(cause.checks)))
                        .collect();
                    Outcome::fail(
                        format!("FAILED with {code}: {}. Likely causes: {}.", topic.title, causes.join("; ")),
                        format!("{} {reconnect}", topic.what_to_do),
                    )
                    .run(commands)
                }
                None => Outcome::fail(
                    format!("FAILED with {code}, a code xks-preflight does not know for external key stores"),
                    format!("Look the code up in the KMS documentation. {reconnect}"),
                )
                .run(commands),
            }
        }
        Some("DISCONNECTED") => Outcome::warn(
            "DISCONNECTED: the store's KMS keys are Unavailable and cannot be used",
            "Connect it when it should serve requests:",
        )
        .run([ctx.aws_command(&format!("kms connect-custom-key-store --custom-key-store-id {id}"))]),
        Some(state @ ("CONNECTING" | "DISCONNECTING")) => Outcome::warn(
            format!("{state}: a change of state is under way"),
            "Run the check again in a few minutes; connecting takes about five minutes.",
        ),
        Some(other) => Outcome::warn(
            format!("connection state {other}, which xks-preflight does not know"),
            "Look at the store in the KMS console.",
        ),
        None => {
            Outcome::warn("DescribeCustomKeyStores gives no ConnectionState", "Look at the store in the KMS console.")
        }
    }
}

/// `a.b, c.d`: check IDs for evidence.
fn ids(checks: &[CheckId]) -> String {
    checks.iter().map(|id| id.as_str()).collect::<Vec<_>>().join(", ")
}

pub(super) fn endpoint_format(ctx: &Ctx) -> Outcome {
    need!(ctx.known("xks_proxy_uri_endpoint"));
    judge_shape(
        need!(ctx.settings()).uri_endpoint.as_deref(),
        "no proxy URI endpoint given (--endpoint)",
        endpoint_problem,
        "Use https:// followed by the proxy's DNS name and nothing else, e.g. https://xks.example.com; \
         KMS always connects on port 443 and takes the path from XksProxyUriPath.",
    )
}

/// A setting judged by its form alone: skipped when absent, else a pass or a fail naming the problem.
fn judge_shape(value: Option<&str>, absent: &str, problem: fn(&str) -> Option<String>, remedy: &str) -> Outcome {
    let Some(value) = value else { return Outcome::skipped(absent) };
    match problem(value) {
        None => Outcome::pass(value),
        Some(problem) => Outcome::fail(format!("{value}: {problem}"), remedy),
    }
}

fn endpoint_problem(endpoint: &str) -> Option<String> {
    crate::endpoint::host(endpoint).err()
}

pub(super) fn path_format(ctx: &Ctx) -> Outcome {
    need!(ctx.known("xks_proxy_uri_path"));
    judge_shape(
        need!(ctx.settings()).uri_path.as_deref(),
        "no proxy URI path given (--path or --proxy-config)",
        path_problem,
        "Use the path the proxy serves: /kms/xks/v1, or a prefix of letters, digits, /, - and _ followed by \
         /kms/xks/v1 (e.g. /tenant-a/kms/xks/v1). The proxy's configuration file has the right value.",
    )
}

fn path_problem(path: &str) -> Option<String> {
    if !(10..=128).contains(&path.len()) {
        return Some(format!("{} characters where 10 to 128 are allowed", path.len()));
    }
    let Some(at) = path.rfind("/kms/xks/v") else {
        return Some("does not end with /kms/xks/v1".into());
    };
    let version = &path[at + "/kms/xks/v".len()..];
    if version.is_empty() || version.len() > 2 || !version.chars().all(|c| c.is_ascii_digit()) {
        return Some(format!("ends with /kms/xks/v{version} where a version number of one or two digits belongs"));
    }
    let prefix = &path[..at];
    if prefix.is_empty() {
        return None;
    }
    if !prefix.starts_with('/') {
        return Some("does not start with /".into());
    }
    if prefix.len() < 2 {
        return Some("has an empty prefix before /kms/xks".into());
    }
    prefix
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-')))
        .map(|bad| format!("contains '{bad}'; only letters, digits, /, - and _ are allowed"))
}

pub(super) fn uri_length(ctx: &Ctx) -> Outcome {
    let settings = need!(ctx.settings());
    need!(ctx.known("xks_proxy_uri_endpoint").and(ctx.known("xks_proxy_uri_path")));
    let (Some(endpoint), Some(path)) = (settings.uri_endpoint.as_deref(), settings.uri_path.as_deref()) else {
        return Outcome::skipped("needs both the endpoint and the path");
    };
    let base = endpoint.len() + path.len() + KEY_URI_OVERHEAD;
    if base >= MAX_URI {
        return Outcome::fail(
            format!("{endpoint}{path}/keys/…/metadata is already {base} characters without a key ID; the limit is {MAX_URI}"),
            "Shorten the endpoint or the path prefix.",
        );
    }
    let room = MAX_URI - base;
    if room < MAX_EXTERNAL_KEY_ID {
        Outcome::warn(
            format!("{room} characters left for external key IDs in {endpoint}{path}/keys/<id>/metadata (IDs may have up to {MAX_EXTERNAL_KEY_ID})"),
            format!("Keep external key IDs to {room} characters or fewer, or shorten the path prefix."),
        )
    } else {
        Outcome::pass(format!("{room} characters left for external key IDs within the {MAX_URI}-character URI limit"))
    }
}

pub(super) fn access_key_id_format(ctx: &Ctx) -> Outcome {
    let settings = need!(ctx.settings());
    need!(ctx.known("xks_proxy_authentication_credential.access_key_id"));
    let Some(id) = settings.access_key_id.as_deref() else {
        return Outcome::skipped("no access key ID given (--access-key-id or --proxy-config)");
    };
    let length = id.chars().count();
    let mut problems = Vec::new();
    if id.chars().any(|c| c.is_ascii_lowercase()) {
        problems.push("lowercase letters".to_string());
    }
    let mut digits: Vec<char> = id.chars().filter(|c| matches!(c, '0' | '1' | '8' | '9')).collect();
    digits.sort_unstable();
    digits.dedup();
    if !digits.is_empty() {
        problems.push(format!("the digit(s) {}", digits.iter().collect::<String>()));
    }
    let mut others: Vec<char> = id.chars().filter(|c| !c.is_ascii_alphanumeric()).collect();
    others.sort_unstable();
    others.dedup();
    if !others.is_empty() {
        problems.push(format!(
            "the character(s) {}",
            others.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(" ")
        ));
    }
    let remedy = "Use the access key ID the proxy issued: 20 to 30 characters of A-Z and 2-7 (base32). \
                  KMS refuses others with XksProxyIncorrectAuthenticationCredentialException.";
    if !problems.is_empty() {
        Outcome::fail(format!("{id} has {}; only A-Z and 2-7 are allowed", list(&problems)), remedy)
    } else if !(20..=30).contains(&length) {
        Outcome::fail(format!("{id} has {length} characters, not 20 to 30"), remedy)
    } else {
        Outcome::pass(format!("{id} ({length} characters of A-Z and 2-7)"))
    }
}

pub(super) fn secret_format(ctx: &Ctx) -> Outcome {
    need!(ctx.known("xks_proxy_authentication_credential.raw_secret_access_key"));
    let Some(secret) = &ctx.target.secret else {
        return Outcome::skipped(
            "no secret access key supplied (XKS_PROXY_SECRET_ACCESS_KEY, --secret-access-key-file, \
             --secret-access-key-stdin or the proxy configuration file)",
        );
    };
    let remedy = "Use the secret the proxy issued: 43 to 64 characters of A-Z, a-z, 0-9, /, + and =, \
                  e.g. 32 random bytes in base64.";
    let source = &secret.source;
    if secret.disallowed_characters > 0 {
        Outcome::fail(
            format!(
                "the secret from {source} has {} character(s) outside A-Z a-z 0-9 / + = (value not shown)",
                secret.disallowed_characters
            ),
            remedy,
        )
    } else if !(43..=64).contains(&secret.length) {
        Outcome::fail(
            format!("the secret from {source} has {} characters, not 43 to 64 (value not shown)", secret.length),
            remedy,
        )
    } else {
        Outcome::pass(format!("{} characters from the allowed set, from {source} (value not shown)", secret.length))
    }
}

pub(super) fn proxy_config_match(ctx: &Ctx) -> Outcome {
    let Some(file) = &ctx.target.proxy_config else {
        return Outcome::skipped("no proxy configuration file given (--proxy-config)");
    };
    let (path, key_id, against) = match &ctx.target.subject {
        Subject::Planned(planned) => {
            if planned.uri_path.is_none() && planned.access_key_id.is_none() {
                return Outcome::skipped("the planned path and access key ID are taken from this file");
            }
            (planned.uri_path.as_deref(), planned.access_key_id.as_deref(), "the command line")
        }
        _ => {
            let settings = need!(ctx.settings());
            (settings.uri_path.as_deref(), settings.access_key_id.as_deref(), "the store")
        }
    };
    let mut differences = Vec::new();
    if let (Some(theirs), Some(ours)) = (file.uri_path.as_deref(), path) {
        if theirs != ours {
            differences.push(format!("XksProxyUriPath is {theirs} in the file but {ours} in {against}"));
        }
    }
    if let (Some(theirs), Some(ours)) = (file.access_key_id.as_deref(), key_id) {
        if theirs != ours {
            differences.push(format!("AccessKeyId is {theirs} in the file but {ours} in {against}"));
        }
    }
    if differences.is_empty() {
        return Outcome::pass(format!("{} agrees with {against}", file.file));
    }
    let evidence = format!("{}: {}", file.file, differences.join("; "));
    const WHY: &str =
        "A wrong path shows as XKS_PROXY_INVALID_CONFIGURATION, a wrong credential as INVALID_CREDENTIALS.";
    let Some(store) = ctx.store else {
        return Outcome::fail(evidence, format!("Plan the settings the proxy expects, or get a current file. {WHY}"));
    };
    // The store takes the file's values; the secret is the file's, never printed, and goes to KMS from a
    // file rather than the command line, where shells keep it.
    let id = &store.id;
    let mut update = format!("kms update-custom-key-store --custom-key-store-id {id}");
    let mut credential_file = None;
    let new_path = match (file.uri_path.as_deref(), path) {
        (Some(theirs), Some(ours)) if theirs != ours => Some(theirs),
        _ => None,
    };
    if let Some(theirs) = new_path {
        update.push_str(&format!(" --xks-proxy-uri-path {}", crate::shell::word(theirs)));
    }
    if let (Some(theirs), Some(ours)) = (file.access_key_id.as_deref(), key_id) {
        if theirs != ours {
            update.push_str(" --xks-proxy-authentication-credential file://proxy-credential.json");
            credential_file = Some(format!(
                "{{\"AccessKeyId\": \"{theirs}\", \"RawSecretAccessKey\": \"<the file's secret>\"}} in \
                 proxy-credential.json, a file only you can read (delete it afterwards)"
            ));
        }
    }
    let commands = match new_path {
        // KMS changes a store's path only while it is disconnected.
        Some(_) => vec![
            ctx.aws_command(&format!("kms disconnect-custom-key-store --custom-key-store-id {id}")),
            ctx.aws_command(&update),
            ctx.aws_command(&format!("kms connect-custom-key-store --custom-key-store-id {id}")),
        ],
        None => vec![ctx.aws_command(&update)],
    };
    let how = match (new_path.is_some(), credential_file) {
        (true, Some(file)) => format!("Put {file}, then disconnect the store, update it and connect it again:"),
        (true, None) => "Disconnect the store, update it and connect it again:".to_string(),
        (false, Some(file)) => format!("Put {file}, then update the store:"),
        (false, None) => "Update the store:".to_string(),
    };
    Outcome::fail(
        evidence,
        format!("Make KMS use what the proxy expects, or get a current file from the proxy. {WHY} {how}"),
    )
    .run(commands)
}

fn same_host(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

pub(super) fn endpoint_unique(ctx: &Ctx) -> Outcome {
    let settings = need!(ctx.settings());
    let stores = need!(ctx.aws(&ctx.facts.region_stores));
    let Some(endpoint) = settings.uri_endpoint.as_deref() else {
        return Outcome::skipped("no proxy URI endpoint given (--endpoint)");
    };
    let own_id = ctx.store.map(|s| s.id.as_str());
    let mut clashes = Vec::new();
    for other in stores.iter().filter(|s| Some(s.id.as_str()) != own_id) {
        let Some(xks) = &other.xks else { continue };
        let Some(other_endpoint) = xks.uri_endpoint.as_deref() else { continue };
        let other_vpc = xks.connectivity.as_deref() == Some(VPC_ENDPOINT_SERVICE);
        let who = format!("{}{}", other.id, other.name.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default());
        if same_host(endpoint, other_endpoint) {
            if xks.uri_path.as_deref() == settings.uri_path.as_deref() {
                clashes.push(format!("{who} uses the same endpoint and path (XksProxyUriInUseException)"));
            } else if settings.is_vpc() {
                clashes.push(format!("{who} uses the same private DNS name (XksProxyUriEndpointInUseException)"));
            } else if other_vpc {
                clashes.push(format!(
                    "{who} reaches this endpoint through a VPC endpoint service (XksProxyUriEndpointInUseException)"
                ));
            }
        }
        if settings.is_vpc() && other_vpc {
            if let (Some(ours), Some(theirs)) =
                (settings.vpc_endpoint_service_name.as_deref(), xks.vpc_endpoint_service_name.as_deref())
            {
                if ours == theirs && settings.vpc_endpoint_service_owner == xks.vpc_endpoint_service_owner {
                    clashes.push(format!(
                        "{who} uses the same VPC endpoint service (XksProxyVpcEndpointServiceInUseException)"
                    ));
                }
            }
        }
    }
    if clashes.is_empty() {
        Outcome::pass(format!("no other store among {} in {} uses this endpoint", stores.len(), ctx.facts.region))
    } else {
        Outcome::fail(
            clashes.join("; "),
            "Give each store its own endpoint and path; a VPC store needs its own private DNS name and endpoint \
             service. Public stores may share an endpoint only with different paths.",
        )
    }
}

pub(super) fn region_supported(ctx: &Ctx) -> Outcome {
    let region = ctx.facts.region.as_str();
    if aws_names::XKS_REGIONS.contains(&region) {
        Outcome::pass(format!("{region} offers external key stores"))
    } else if aws_names::NO_XKS_REGIONS.contains(&region) {
        Outcome::fail(
            format!("{region} does not offer external key stores"),
            "Create the store in a Region that supports external key stores, close to the external key manager.",
        )
    } else {
        Outcome::warn(
            format!("xks-preflight does not know whether {region} offers external key stores"),
            "Check the Region list in the KMS Developer Guide before creating the store.",
        )
    }
}

pub(super) fn store_quota(ctx: &Ctx) -> Outcome {
    if !ctx.is_planned() {
        return Outcome::skipped("applies before creating a store; this one exists");
    }
    let stores = need!(ctx.aws(&ctx.facts.region_stores));
    let used = stores.len();
    if used >= STORE_QUOTA {
        Outcome::warn(
            format!(
                "{used} custom key stores already exist in {}; the default quota is {STORE_QUOTA}",
                ctx.facts.region
            ),
            "Delete an unused custom key store or have the quota raised; otherwise CreateCustomKeyStore fails with \
             CustomKeyStoreQuotaExceeded (LimitExceededException).",
        )
    } else {
        Outcome::pass(format!("{used} of the default {STORE_QUOTA} custom key stores in use in {}", ctx.facts.region))
    }
}
