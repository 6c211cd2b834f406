//! From parsed arguments to a report: reads the inputs, gathers or loads the facts, checks, renders.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use xks_preflight::alarms::{render, RecommendedAlarm};
use xks_preflight::aws_names::{is_custom_key_store_id, is_region_code, is_sns_topic_arn, role_account};
use xks_preflight::catalogue::{CheckId, Section};
use xks_preflight::checks::{self, selected_by, Selection};
use xks_preflight::error::InputError;
use xks_preflight::exit::ExitCode;
use xks_preflight::facts::{self, PlannedSettings, StoreQuery};
use xks_preflight::gather::{self, NetworkOptions, Request, WayIn};
use xks_preflight::report::{Detail, Layout};
use xks_preflight::user_input::{
    facts_from, read_ca_file, read_facts, read_next_secret, read_proxy_config, read_secret, Secret, SecretSource,
};
use xks_preflight::{iac, report, verdict};

use crate::cli::{AlarmFormat, AlarmsArgs, CheckArgs, ColorWhen, ExplainArgs, FailOn, ListArgs, Output, TextOutput};
use crate::{files, progress, terminal};

/// Runs `check` and returns the exit code; bad input is an `Err` with a message for the user. The report
/// goes to standard output first; the files asked for are written after it, each atomically.
pub async fn check(args: CheckArgs, color: ColorWhen) -> Result<ExitCode, InputError> {
    for (flag, patterns) in [("--skip", &args.skip), ("--only", &args.only)] {
        validate_patterns(flag, patterns)?;
    }
    let scopes = match (&args.facts, args.example) {
        (Some(path), _) => read_facts(path)?,
        (None, Some(example)) => {
            let (name, text) = example.facts();
            facts_from(text, &Path::new("built-in example").join(name))?
        }
        (None, None) => {
            let request = request(&args)?;
            let watching = progress::Spinner::start(args.output == Output::Table, color);
            let facts = gather::gather(request, &watching.progress()).await;
            watching.finish();
            facts?
        }
    };
    let options = verdict::Options {
        selection: Selection { skip: args.skip.clone(), only: args.only.clone() },
        limits: checks::Limits { max_credential_age_days: args.max_credential_age },
        fail_on: match args.fail_on {
            FailOn::Fail => verdict::FailOn::Fail,
            FailOn::Warn => verdict::FailOn::Warn,
        },
        profile: args.profile.clone(),
    };
    let report = verdict::judge(&scopes, &options);
    let detail = match (args.verbose, args.quiet) {
        (true, _) => Detail::Verbose,
        (_, true) => Detail::Quiet,
        _ => Detail::Normal,
    };
    let text = match args.output {
        Output::Table => report::render_table(&report, &Layout { width: terminal::width(), detail }),
        Output::Json => report::render_json(&report),
        Output::Junit => report::render_junit(&report),
        Output::Prometheus => report::render_prometheus(&report),
        Output::Markdown => report::render_markdown(&report),
        Output::Github => report::render_github(&report),
    };
    // The files are written even when standard output cannot be: a full log disk must not cost the
    // metrics file too. The first problem is reported.
    let printed = terminal::print(&text, color);
    let files = [
        (&args.json, "JSON report", report::render_json as fn(&verdict::Verdict) -> String),
        (&args.junit, "JUnit report", report::render_junit),
        (&args.prometheus, "Prometheus file", report::render_prometheus),
        (&args.markdown, "Markdown report", report::render_markdown),
    ];
    let mut written = Vec::new();
    for (path, what, render) in files {
        if let Some(path) = path {
            written.push(files::write_atomically(path, what, &render(&report)));
        }
    }
    if let Some(path) = &args.save_facts {
        written.push(files::write_atomically(path, "facts file", &facts::to_file(&scopes)));
    }
    printed?;
    written.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(report.exit_code)
}

/// Check IDs or `section.*` patterns; an unknown one is refused with the nearest known ones.
fn validate_patterns(flag: &str, patterns: &[String]) -> Result<(), InputError> {
    for pattern in patterns {
        if !CheckId::ALL.iter().any(|id| selected_by(std::slice::from_ref(pattern), *id)) {
            return Err(unknown_check(flag, pattern));
        }
    }
    Ok(())
}

fn unknown_check(what: &str, text: &str) -> InputError {
    InputError::Unknown {
        what: what.into(),
        value: text.into(),
        kind: "a check ID or a section",
        nearest: CheckId::nearest(text),
        list: "xks-preflight list-checks",
    }
}

fn request(args: &CheckArgs) -> Result<Request, InputError> {
    let (way_in, file_region) = way_in(args)?;
    let (mut regions, roles) = scopes(args)?;
    // A plan's provider names the Region its stores are created in; --region still wins.
    if regions.is_empty() {
        regions.extend(file_region);
    }
    let (proxy_config, secret, proxy_secret) = proxy_inputs(args)?;
    Ok(Request {
        way_in,
        regions,
        all_regions: args.all_regions,
        role_arns: roles,
        profile: args.profile.clone(),
        proxy_config,
        secret,
        proxy_secret,
        next_credential: next_credential(args)?,
        use_aws: !args.no_aws,
        xks_key_ids: validated_key_ids(&args.xks_key_id)?,
        aws_timeout: std::time::Duration::from_secs(args.aws_timeout),
        run_timeout: std::time::Duration::from_secs(args.timeout),
        connections: gather::budget::Limits {
            global: args.max_connections.map(|n| n as usize),
            per_destination: args.max_connections_per_destination as usize,
        },
        network: if args.no_network { None } else { Some(network_options(args)?) },
        monitor: (!args.no_monitor).then_some(args.since),
    })
}

/// What to check: a store by ID or name, every store, planned settings, or the stores of a plan or the
/// services of a template; with the Region a plan's provider names.
fn way_in(args: &CheckArgs) -> Result<(WayIn, Option<String>), InputError> {
    if let Some(path) = &args.terraform_plan {
        let file = iac::read_plan(path)?;
        return Ok((WayIn::Iac(file.targets), file.region.filter(|r| is_region_code(r))));
    }
    let way_in = way_in_flags(args)?;
    if let Some(path) = &args.cloudformation {
        let WayIn::Planned(planned) = &way_in else {
            return Err(InputError::Missing {
                what: "planned settings to judge the template against",
                how: "give the store's planned settings with --endpoint, --path, --access-key-id or --proxy-config"
                    .into(),
            });
        };
        // AWS::Region in the template stands for the Region the run checks.
        let file = iac::read_template(path, planned, args.region.first().map(String::as_str))?;
        return Ok((WayIn::Iac(file.targets), None));
    }
    Ok((way_in, None))
}

fn way_in_flags(args: &CheckArgs) -> Result<WayIn, InputError> {
    Ok(if let Some(id) = &args.custom_key_store_id {
        if !is_custom_key_store_id(id) {
            return Err(InputError::value(
                "--custom-key-store-id",
                id,
                "a custom key store ID: cks- and 17 hexadecimal digits, such as cks-1234567890abcdef0",
            ));
        }
        WayIn::Store(StoreQuery::Id(id.clone()))
    } else if let Some(name) = &args.custom_key_store_name {
        if name.is_empty() || name.len() > 256 {
            return Err(InputError::value("--custom-key-store-name", name, "a store name of 1 to 256 characters"));
        }
        WayIn::Store(StoreQuery::Name(name.clone()))
    } else if args.all {
        WayIn::All
    } else if args.endpoint.is_some()
        || args.path.is_some()
        || args.vpc_endpoint_service_name.is_some()
        || args.access_key_id.is_some()
        || args.proxy_config.is_some()
    {
        WayIn::Planned(PlannedSettings {
            connectivity: None,
            uri_endpoint: args.endpoint.clone(),
            uri_path: args.path.clone(),
            vpc_endpoint_service_name: args.vpc_endpoint_service_name.clone(),
            vpc_endpoint_service_owner: args.vpc_endpoint_service_owner.clone(),
            access_key_id: args.access_key_id.clone(),
        })
    } else {
        return Err(InputError::Missing {
            what: "store or settings to check",
            how: "give --custom-key-store-id, --custom-key-store-name, --all, or planned settings (--endpoint, \
                  --path, --vpc-endpoint-service-name, --access-key-id, --proxy-config), or --facts FILE"
                .into(),
        });
    })
}

/// The Regions and roles asked for, each once; several only with --all.
fn scopes(args: &CheckArgs) -> Result<(Vec<String>, Vec<String>), InputError> {
    for region in &args.region {
        if !is_region_code(region) {
            return Err(InputError::value("--region", region, "an AWS Region code such as us-east-1"));
        }
    }
    for arn in &args.role_arn {
        if role_account(arn).is_none() {
            return Err(InputError::value(
                "--role-arn",
                arn,
                "an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>",
            ));
        }
    }
    let (regions, roles) = (once_each(&args.region), once_each(&args.role_arn));
    if (regions.len() > 1 || roles.len() > 1) && !args.all {
        let (flag, values, what) = if regions.len() > 1 {
            ("--region", regions.join(", "), "Regions")
        } else {
            ("--role-arn", roles.join(", "), "accounts")
        };
        return Err(InputError::Combination(format!(
            "{flag} is given {} times ({values}): checking several {what} needs --all, which checks every \
             external key store in each; for one store, give one {flag}",
            if regions.len() > 1 { regions.len() } else { roles.len() }
        )));
    }
    Ok((regions, roles))
}

/// The proxy configuration file and the secret, with where the secret came from; the secret is kept
/// apart from the facts.
type ProxyInputs = (Option<facts::ProxyConfigFacts>, Option<facts::SecretShape>, Option<Secret>);

fn proxy_inputs(args: &CheckArgs) -> Result<ProxyInputs, InputError> {
    let (proxy_config, file_secret) = match &args.proxy_config {
        Some(path) => {
            let (config, secret) = read_proxy_config(path)?;
            let secret = secret.map(|s| (s, config.file.clone()));
            (Some(config), secret)
        }
        None => (None, None),
    };
    let explicit = match (&args.secret_access_key_file, args.secret_access_key_stdin) {
        (Some(path), _) => Some(SecretSource::File(path)),
        (None, true) => Some(SecretSource::Stdin),
        (None, false) => None,
    };
    let secret = read_secret(explicit, file_secret.as_ref().map(|(s, f)| (s.clone(), f.as_str())))?;
    let (secret, proxy_secret) = match secret {
        Some((shape, value)) => (Some(shape), Some(value)),
        None => (None, None),
    };
    Ok((proxy_config, secret, proxy_secret))
}

/// `--next-access-key-id` and its secret, for the rotation rehearsal.
fn next_credential(args: &CheckArgs) -> Result<Option<(String, Secret)>, InputError> {
    let Some(id) = &args.next_access_key_id else { return Ok(None) };
    let shaped =
        (20..=30).contains(&id.len()) && id.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c));
    if !shaped {
        return Err(InputError::value(
            "--next-access-key-id",
            id,
            "an access key ID: 20 to 30 characters of A-Z and 2-7",
        ));
    }
    let source = match &args.next_secret_access_key_file {
        Some(path) => SecretSource::File(path),
        None => SecretSource::Stdin,
    };
    Ok(Some((id.clone(), read_next_secret(source)?)))
}

fn network_options(args: &CheckArgs) -> Result<NetworkOptions, InputError> {
    let dns_server = args
        .dns_server
        .as_deref()
        .map(|server| {
            server
                .parse::<SocketAddr>()
                .or_else(|_| server.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| InputError::value("--dns-server", server, "an IP address with an optional :PORT"))
        })
        .transpose()?;
    if let Some(target) = &args.connect_to {
        // HOST:PORT, the host a name, an IPv4 address or a bracketed IPv6 address.
        let valid =
            target.parse::<http::uri::Authority>().is_ok_and(|a| a.port_u16().is_some() && !a.host().is_empty());
        if !valid {
            return Err(InputError::value("--connect-to", target, "HOST:PORT (an IPv6 address in brackets)"));
        }
    }
    let extra_roots = match &args.ca_file {
        Some(path) => read_ca_file(path)?,
        None => Vec::new(),
    };
    Ok(NetworkOptions {
        dns_server,
        connect_to: args.connect_to.clone(),
        rtt_samples: usize::from(args.rtt_samples),
        timeout: std::time::Duration::from_secs(args.probe_timeout),
        extra_roots,
        client: client_identity(&args.client)?,
    })
}

/// The client certificate to present when asked, when `--client-cert` and `--client-key` are given.
pub(crate) fn client_identity(
    args: &crate::cli::ClientCertArgs,
) -> Result<Option<std::sync::Arc<rustls::sign::CertifiedKey>>, InputError> {
    match (&args.client_cert, &args.client_key) {
        (Some(cert), Some(key)) => read_client_identity(cert, key).map(Some),
        _ => Ok(None),
    }
}

/// `--client-cert` and `--client-key`: a PEM chain and the key of its first certificate, which must match.
/// No message quotes the key file's content.
fn read_client_identity(cert: &Path, key: &Path) -> Result<std::sync::Arc<rustls::sign::CertifiedKey>, InputError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let unreadable = |what, path: &Path, e: &dyn std::fmt::Display| InputError::Unreadable {
        what,
        path: Some(path.to_path_buf()),
        cause: e.to_string(),
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| unreadable("client certificate file", cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| InputError::Malformed {
            what: "client certificate file",
            path: cert.to_path_buf(),
            problem: format!("is not PEM: {e}"),
        })?;
    if chain.is_empty() {
        return Err(InputError::Malformed {
            what: "client certificate file",
            path: cert.to_path_buf(),
            problem: "holds no PEM certificate".into(),
        });
    }
    let private_key = PrivateKeyDer::from_pem_file(key).map_err(|e| match e {
        rustls::pki_types::pem::Error::Io(e) => unreadable("client key file", key, &e),
        _ => InputError::Malformed {
            what: "client key file",
            path: key.to_path_buf(),
            problem: "holds no PEM private key (PKCS#8, PKCS#1 or SEC1)".into(),
        },
    })?;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    rustls::sign::CertifiedKey::from_der(chain, private_key, &provider).map(std::sync::Arc::new).map_err(|e| {
        InputError::Malformed {
            what: "client key file",
            path: key.to_path_buf(),
            problem: format!("does not go with the first certificate of {}: {e}", cert.display()),
        }
    })
}

/// The values given, each once, in the order first given: a Region or role named twice is read once.
fn once_each(values: &[String]) -> Vec<String> {
    let mut seen = Vec::new();
    for value in values {
        if !seen.contains(value) {
            seen.push(value.clone());
        }
    }
    seen
}

/// External key IDs as KMS takes them: 1 to 128 letters, digits, hyphens, periods and underscores.
pub(crate) fn validated_key_ids(ids: &[String]) -> Result<Vec<String>, InputError> {
    for id in ids {
        let valid = (1..=128).contains(&id.len())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !valid {
            return Err(InputError::value(
                "--xks-key-id",
                id,
                "an external key ID: 1 to 128 letters, digits, '-', '.' or '_'",
            ));
        }
    }
    Ok(ids.to_vec())
}

/// Runs `explain`: 0 when the text was recognised, 1 when it was not.
pub fn explain(args: ExplainArgs, color: ColorWhen) -> Result<ExitCode, InputError> {
    if args.list {
        terminal::print(&report::answer::list(), color)?;
        return Ok(ExitCode::Ok);
    }
    let text = if args.text == ["-"] {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| InputError::Unreadable {
            what: "text to explain from standard input",
            path: None,
            cause: e.to_string(),
        })?;
        text
    } else {
        args.text.join(" ")
    };
    if text.trim().is_empty() {
        return Err(InputError::Missing {
            what: "text to explain",
            how: "give a code, an exception name or a message".into(),
        });
    }
    if let Some(word) = check_id_like(&text) {
        let ids: Vec<CheckId> = if word.ends_with(".*") {
            let pattern = [word.to_string()];
            CheckId::ALL.iter().copied().filter(|id| selected_by(&pattern, *id)).collect()
        } else {
            vec![CheckId::parse(word).ok_or_else(|| unknown_check("explain", word))?]
        };
        let rendered = match args.output {
            TextOutput::Json => report::catalogue::json(&ids),
            TextOutput::Table => report::catalogue::explained(&ids, terminal::width()),
        };
        terminal::print(&rendered, color)?;
        return Ok(ExitCode::Ok);
    }
    let answer = xks_preflight::explain::explain(&text);
    let rendered = match args.output {
        TextOutput::Json => report::answer::json(&answer),
        TextOutput::Table => report::answer::text(&answer, terminal::width()),
    };
    terminal::print(&rendered, color)?;
    Ok(if answer.sure { ExitCode::Ok } else { ExitCode::Failed })
}

/// Text that is one word shaped as a check ID (`section.name` of a known section, or `section.*`):
/// `explain` then explains that check rather than a KMS message.
fn check_id_like(text: &str) -> Option<&str> {
    let word = text.trim();
    let (section, rest) = word.split_once('.')?;
    let shaped = Section::ALL.iter().any(|s| s.prefix() == section)
        && (rest == "*"
            || !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
    shaped.then_some(word)
}

/// Runs `list-checks`: every check, or the ones named explained in full.
pub fn list_checks(args: ListArgs, color: ColorWhen) -> Result<ExitCode, InputError> {
    validate_patterns("list-checks", &args.ids)?;
    let ids: Vec<CheckId> = CheckId::ALL.iter().copied().filter(|id| selected_by(&args.ids, *id)).collect();
    let text = match (args.output, args.ids.is_empty()) {
        (TextOutput::Table, true) => report::catalogue::table(terminal::width()),
        (TextOutput::Table, false) => report::catalogue::explained(&ids, terminal::width()),
        (TextOutput::Json, true) => report::catalogue::json(&[]),
        (TextOutput::Json, false) => report::catalogue::json(&ids),
    };
    terminal::print(&text, color)?;
    Ok(ExitCode::Ok)
}

/// Runs `alarms`: prints what creates the four recommended alarms for the store; no AWS call.
pub fn alarms(args: AlarmsArgs, color: ColorWhen) -> Result<ExitCode, InputError> {
    if !is_custom_key_store_id(&args.custom_key_store_id) {
        return Err(InputError::value(
            "--custom-key-store-id",
            &args.custom_key_store_id,
            "a custom key store ID: cks- and 17 hexadecimal digits, such as cks-1234567890abcdef0",
        ));
    }
    if !is_region_code(&args.region) {
        return Err(InputError::value("--region", &args.region, "an AWS Region code such as us-east-1"));
    }
    if let Some(profile) = args.profile.as_deref().filter(|p| p.is_empty() || p.chars().any(char::is_control)) {
        return Err(InputError::value("--profile", profile, "a profile name (not empty, no control characters)"));
    }
    if let Some(arn) = args.alarm_action.as_deref().filter(|arn| !is_sns_topic_arn(arn)) {
        return Err(InputError::value(
            "--alarm-action",
            arn,
            "an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:xks-alarms",
        ));
    }
    let to = render::Destination {
        store_id: &args.custom_key_store_id,
        region: &args.region,
        profile: args.profile.as_deref(),
        alarm_action: args.alarm_action.as_deref(),
    };
    let text = match args.format {
        AlarmFormat::Cli => render::cli(&RecommendedAlarm::ALL, &to),
        AlarmFormat::Cloudformation => render::cloudformation(&RecommendedAlarm::ALL, &to),
        AlarmFormat::Terraform => render::terraform(&RecommendedAlarm::ALL, &to),
    };
    terminal::print(&text, color)?;
    Ok(ExitCode::Ok)
}
