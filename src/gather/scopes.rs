//! Which accounts and Regions one run reads: the caller's own account or, with `--role-arn`, the account
//! of each role; in each, the Regions named, the SDK chain's one, or (`--all-regions`) every enabled
//! Region where KMS offers external key stores.

use aws_config::sts::AssumeRoleProvider;
use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;

use super::{aws, Progress, Request};
use crate::aws_names::{is_region_code, role_account, scope_name, NO_XKS_REGIONS};
use crate::error::InputError;
use crate::facts::CallFailure;

/// Where the Regions are listed and roles assumed when nothing names a Region: both answer the same
/// from any Region.
const DISCOVERY_REGION: &str = "us-east-1";

/// One account to read, with the credentials to read it.
pub struct Account {
    pub role_arn: Option<String>,
    pub account: Option<String>,
    config: SdkConfig,
    /// Why this account cannot be read at all: its role could not be assumed.
    problem: Option<CallFailure>,
}

/// One account in one Region: the scope of one set of facts.
pub struct Plan {
    pub region: String,
    pub account: Option<String>,
    pub role_arn: Option<String>,
    pub config: SdkConfig,
    pub problem: Option<CallFailure>,
}

impl Plan {
    /// The Region, and the account when one was named, for what the progress line waits on.
    pub fn describe(&self) -> String {
        scope_name(&self.region, self.account.as_deref())
    }
}

/// The caller's account, or one account per role. Each role is assumed once now, so that a role that
/// cannot be assumed is said as such, once, instead of as every call's credential error.
pub async fn accounts(
    base: &SdkConfig,
    role_arns: &[String],
    deadline: tokio::time::Instant,
    run_timeout: std::time::Duration,
    progress: &Progress,
) -> Vec<Account> {
    if role_arns.is_empty() {
        return vec![Account { role_arn: None, account: None, config: base.clone(), problem: None }];
    }
    let region = base.region().cloned().unwrap_or_else(|| Region::from_static(DISCOVERY_REGION));
    let assume = role_arns.iter().map(|arn| {
        let region = region.clone();
        async move {
            let provider = AssumeRoleProvider::builder(arn.clone())
                .session_name("xks-preflight")
                .region(region)
                .configure(base)
                .build()
                .await;
            let assumed = tokio::time::timeout_at(deadline, provider.provide_credentials());
            let (first, problem) = match progress.during(format!("sts:AssumeRole of {arn}"), assumed).await {
                Ok(Ok(credentials)) => (Some(credentials), None),
                Ok(Err(error)) => (None, Some(aws::credentials_failure(arn, &error))),
                Err(_) => (None, Some(aws::out_of_time("sts:AssumeRole", run_timeout))),
            };
            let role = Assumed { first: std::sync::Mutex::new(first), provider };
            let config = base.to_builder().credentials_provider(SharedCredentialsProvider::new(role)).build();
            let account = role_account(arn).map(str::to_string);
            Account { role_arn: Some(arn.clone()), account, config, problem }
        }
    });
    futures_util::future::join_all(assume).await
}

/// A role's credentials: those the up-front AssumeRole got, then, once the SDK's cache wants fresh ones,
/// the provider's. The role is not assumed a second time just to start.
#[derive(Debug)]
struct Assumed {
    first: std::sync::Mutex<Option<Credentials>>,
    provider: AssumeRoleProvider,
}

impl ProvideCredentials for Assumed {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let first = self.first.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        match first.filter(|c| c.expiry().is_none_or(|expiry| expiry > std::time::SystemTime::now())) {
            Some(credentials) => future::ProvideCredentials::ready(Ok(credentials)),
            None => self.provider.provide_credentials(),
        }
    }
}

/// The Regions asked for: those named (or the SDK chain's one), or with `--all-regions` each account's
/// own. Settled before any role is assumed, so that a run with no Region stops before calling AWS.
pub enum Regions {
    Named(Vec<String>),
    Enabled,
}

impl Regions {
    pub fn of(request: &Request, base: &SdkConfig) -> Result<Regions, InputError> {
        if request.all_regions {
            return Ok(Regions::Enabled);
        }
        if !request.regions.is_empty() {
            return Ok(Regions::Named(request.regions.clone()));
        }
        let from_service = || match &request.way_in {
            super::WayIn::Planned(planned) => planned
                .vpc_endpoint_service_name
                .as_deref()
                .and_then(|name| crate::aws_names::ServiceName::parse(name).ok())
                .map(|name| name.region),
            _ => None,
        };
        let region =
            base.region().map(|r| r.as_ref().to_string()).or_else(from_service).ok_or_else(|| InputError::Missing {
                what: "AWS Region",
                how: if request.use_aws {
                    "give --region (or --all-regions), set AWS_REGION, or name one in the profile".into()
                } else {
                    "even with --no-aws the store's Region is needed: KMS signs its calls to the proxy for it \
                     (SigV4), and the proxy must refuse a call signed for another; give --region, set AWS_REGION, \
                     or give --vpc-endpoint-service-name, whose name holds it"
                        .into()
                },
            })?;
        if !is_region_code(&region) {
            return Err(InputError::value("the Region", region, "an AWS Region code such as us-east-1"));
        }
        Ok(Regions::Named(vec![region]))
    }
}

/// The scopes of one account: a plan per Region. An account always has one at least, so that it never
/// leaves the report unsaid.
pub async fn plans(
    account: &Account,
    regions: &Regions,
    deadline: tokio::time::Instant,
    run_timeout: std::time::Duration,
    progress: &Progress,
) -> Vec<Plan> {
    let plan = |region: &str, problem: Option<CallFailure>| Plan {
        region: region.to_string(),
        account: account.account.clone(),
        role_arn: account.role_arn.clone(),
        config: account.config.to_builder().region(Region::new(region.to_string())).build(),
        problem: problem.or_else(|| account.problem.clone()),
    };
    let configured = match regions {
        Regions::Named(named) => return named.iter().map(|region| plan(region, None)).collect(),
        Regions::Enabled => account.config.region().map(|r| r.as_ref().to_string()),
    };
    let from = configured.unwrap_or(DISCOVERY_REGION.into());
    if account.problem.is_some() {
        return vec![plan(&from, None)];
    }
    let ec2 = aws_sdk_ec2::Client::new(&plan(&from, None).config);
    let waiting = match &account.account {
        Some(id) => format!("ec2:DescribeRegions of {id}"),
        None => "ec2:DescribeRegions".to_string(),
    };
    let call = tokio::time::timeout_at(deadline, enabled_regions(&ec2));
    match progress.during(waiting, call).await {
        // Regions newer than the tool's list are read too: config.region_supported warns about them.
        Ok(Ok(enabled)) => {
            let offered: Vec<Plan> =
                enabled.iter().filter(|r| !NO_XKS_REGIONS.contains(&r.as_str())).map(|r| plan(r, None)).collect();
            match offered.is_empty() {
                // An account with no Region that offers external key stores (another partition, say) is
                // still read where its Regions were listed, so that it stays in the report.
                true => vec![plan(&from, None)],
                false => offered,
            }
        }
        Ok(Err(failure)) => vec![plan(&from, Some(failure))],
        Err(_) => vec![plan(&from, Some(aws::out_of_time("ec2:DescribeRegions", run_timeout)))],
    }
}

/// The Regions enabled for the account (DescribeRegions without AllRegions), sorted.
async fn enabled_regions(ec2: &aws_sdk_ec2::Client) -> Result<Vec<String>, CallFailure> {
    match ec2.describe_regions().send().await {
        Ok(answer) => {
            let mut regions: Vec<String> =
                answer.regions().iter().filter_map(|r| r.region_name().map(str::to_string)).collect();
            regions.sort();
            Ok(regions)
        }
        Err(error) => Err(aws::call_failure("ec2:DescribeRegions", &error)),
    }
}
