//! AWS clients and how a failed call becomes a fact.

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};

use crate::error::InputError;
use crate::facts::{CallFailure, EXPIRED_CODES, PERMISSION_CODES};

/// Bounds on every AWS call: a hung endpoint costs seconds, never the whole run.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The SDK's standard retry makes at most three attempts.
const MAX_ATTEMPTS: u32 = 3;

#[derive(Clone)]
pub struct Clients {
    pub kms: aws_sdk_kms::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
}

/// Loads configuration through aws-config's usual chain (environment, profiles, `AWS_ENDPOINT_URL*`),
/// with every attempt of every call bounded by `attempt_timeout`.
pub async fn load_config(region: Option<String>, profile: Option<String>, attempt_timeout: Duration) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(attempt_timeout.min(MAX_CONNECT_TIMEOUT))
            .operation_attempt_timeout(attempt_timeout)
            .operation_timeout(attempt_timeout * MAX_ATTEMPTS)
            .build(),
    );
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    loader.load().await
}

/// A `--profile` that neither the config nor the credentials file defines is a bad value, said before
/// anything else: the SDK would only report that no credentials, and no Region, were found.
pub async fn known_profile(name: &str) -> Result<(), InputError> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    // A file that cannot be read or parsed is left to the SDK, which says what is wrong with it.
    let Ok(profiles) = aws_config::profile::load(&Fs::real(), &Env::real(), &EnvConfigFiles::default(), None).await
    else {
        return Ok(());
    };
    // `default` needs no section: the environment's credentials and Region are that profile.
    if name == "default" || profiles.get_profile(name).is_some() {
        return Ok(());
    }
    let mut defined: Vec<&str> = profiles.profiles().collect();
    defined.sort();
    let defined = if defined.is_empty() { "none".to_string() } else { defined.join(", ") };
    Err(InputError::value(
        "--profile",
        name,
        format!(
            "a profile of the AWS config or credentials file (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE); \
             defined: {defined}"
        ),
    ))
}

impl Clients {
    pub fn new(config: &SdkConfig) -> Self {
        Clients {
            kms: aws_sdk_kms::Client::new(config),
            ec2: aws_sdk_ec2::Client::new(config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(config),
            cloudtrail: aws_sdk_cloudtrail::Client::new(config),
        }
    }
}

pub fn call_failure<E, R>(action: &str, error: &SdkError<E, R>) -> CallFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let code = error.code().map(str::to_string);
    let message = match (error.message(), code.as_deref()) {
        (_, Some(code)) if EXPIRED_CODES.contains(&code) => "the AWS session token has expired".to_string(),
        (Some(message), _) => message.to_string(),
        // No connection (missing credentials are a dispatch failure too, said below): the address tried,
        // and the cause without the SDK's layers.
        (None, _) if matches!(error, SdkError::DispatchFailure(f) if f.is_io() || f.is_timeout()) => {
            format!("could not connect to {}: {}", endpoint_of(action), root_cause(error))
        }
        (None, _) => without_answer(error),
    };
    CallFailure {
        action: action.to_string(),
        access_denied: code.as_deref().is_some_and(|c| PERMISSION_CODES.contains(&c)),
        code,
        message,
        out_of_time: matches!(error, SdkError::TimeoutError(_)),
    }
}

tokio::task_local! {
    /// The Region whose AWS calls the current task makes, so that a call that could not connect names
    /// the address it tried.
    pub static CALLING_REGION: String;
}

/// The address an action's service is called at: the endpoint override the SDK reads from the
/// environment for it, else the service's regional endpoint.
fn endpoint_of(action: &str) -> String {
    let service = action.split(':').next().unwrap_or(action);
    let (host, variable) = match service {
        "kms" => ("kms", "KMS"),
        "ec2" => ("ec2", "EC2"),
        "elasticloadbalancing" => ("elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2"),
        "cloudwatch" => ("monitoring", "CLOUDWATCH"),
        "cloudtrail" => ("cloudtrail", "CLOUDTRAIL"),
        "sts" => ("sts", "STS"),
        other => (other, ""),
    };
    let set = |name: String| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(url) = set(format!("AWS_ENDPOINT_URL_{variable}")).or_else(|| set("AWS_ENDPOINT_URL".into())) {
        return url;
    }
    match CALLING_REGION.try_with(|region| region.clone()) {
        Ok(region) => format!("https://{host}.{region}.amazonaws.com"),
        Err(_) => format!("the {service} endpoint"),
    }
}

/// The innermost cause of an error: for a connection, what the system said (refused, no route, a
/// name that does not resolve), not the layers above it.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    // The chain of sources is finite: each error owns the next.
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// A role that could not be assumed, in one line.
pub fn credentials_failure(role_arn: &str, error: &CredentialsError) -> CallFailure {
    let cause = without_answer(error);
    let cause = cause.strip_prefix(LOADING).map(|rest| rest.trim_start_matches(": ")).unwrap_or(&cause);
    CallFailure {
        action: "sts:AssumeRole".to_string(),
        access_denied: cause.contains("AccessDenied"),
        code: None,
        message: format!("the role {role_arn} could not be assumed: {cause}"),
        out_of_time: matches!(error, CredentialsError::ProviderTimedOut(_)),
    }
}

const LOADING: &str = "AWS credentials could not be loaded";

/// A call that got no answer from the service, in one line: credentials that could not be found said
/// as such, anything else as its chain of causes (the SDK's own rendering adds a multi-line `Debug`).
fn without_answer(error: &(dyn std::error::Error + 'static)) -> String {
    // The deepest credentials error says most: a role's provider wraps the error of the credentials
    // it assumes the role with.
    let mut deepest = None;
    let mut cause = Some(error);
    // The chain of sources is finite: each error owns the next.
    while let Some(current) = cause {
        if let Some(credentials) = current.downcast_ref::<CredentialsError>() {
            deepest = Some(credentials);
        }
        cause = current.source();
    }
    if let Some(credentials) = deepest {
        return match credentials {
            // Short enough to be quoted whole (evidence quotes stop at 200 characters).
            CredentialsError::CredentialsNotLoaded(_) => "no AWS credentials found (environment, profiles, \
                     SSO, web identity, container and instance roles were tried)"
                .to_string(),
            CredentialsError::ProviderTimedOut(_) => {
                "the AWS credential provider did not answer in time (an instance or container role \
                     endpoint that cannot be reached?)"
                    .to_string()
            }
            other => format!("{LOADING}: {}", chain(other)),
        };
    }
    chain(error)
}

/// An error and its sources joined with ": ", each said once, on one line.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cause = Some(error);
    while let Some(current) = cause {
        let text = current.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        // Many errors repeat their source in their own message.
        if !text.is_empty() && !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        cause = current.source();
    }
    parts.join(": ")
}

/// What an AWS call that the run's deadline cut short reports.
pub fn out_of_time(action: &str, run_timeout: Duration) -> CallFailure {
    CallFailure {
        action: action.to_string(),
        access_denied: false,
        code: None,
        message: format!("not finished within the run's --timeout of {} s", run_timeout.as_secs()),
        out_of_time: true,
    }
}

/// The error code of a failed call, when the service gave one.
pub fn error_code<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> Option<&str> {
    error.code()
}
