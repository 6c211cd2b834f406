//! AWS clients and how a failed call becomes a fact.

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_kms::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::facts::CallFailure;

/// Bounds on every AWS call: a hung endpoint costs seconds, never the whole run.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The SDK's standard retry makes at most three attempts.
const MAX_ATTEMPTS: u32 = 3;

#[derive(Clone)]
pub struct Clients {
    pub kms: aws_sdk_kms::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
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

impl Clients {
    pub fn new(config: &SdkConfig) -> Self {
        Clients {
            kms: aws_sdk_kms::Client::new(config),
            ec2: aws_sdk_ec2::Client::new(config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(config),
        }
    }
}

const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "AuthFailure",
];

pub fn call_failure<E, R>(action: &str, error: &SdkError<E, R>) -> CallFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = error.code().map(str::to_string);
    let message = match error.message() {
        Some(message) => message.to_string(),
        None => DisplayErrorContext(error).to_string(),
    };
    CallFailure {
        action: action.to_string(),
        access_denied: code.as_deref().is_some_and(|c| ACCESS_DENIED_CODES.contains(&c)),
        code,
        message,
        out_of_time: matches!(error, SdkError::TimeoutError(_)),
    }
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
