//! How facts are seen. Every AWS call and every bound on its time lives under this module; what comes
//! out is plain data for the checks.

mod aws;
pub mod input;
mod kms;
mod vpc;

use crate::aws_names::is_region_code;
use crate::facts::*;

/// Input the tool cannot work with; the message names the value and what was expected.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const NO_AWS: &str = "--no-aws: AWS was not asked";

pub enum WayIn {
    Store(StoreQuery),
    All,
    Planned(PlannedSettings),
}

pub struct Request {
    pub way_in: WayIn,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub proxy_config: Option<ProxyConfigFacts>,
    pub secret: Option<SecretShape>,
    /// False with `--no-aws`: planned settings are judged on their own.
    pub use_aws: bool,
    /// The longest one attempt of an AWS call may take.
    pub aws_timeout: std::time::Duration,
}

pub async fn gather(request: Request) -> Result<Facts, InputError> {
    let config = aws::load_config(request.region, request.profile, request.aws_timeout).await;
    let region = config
        .region()
        .map(|r| r.as_ref().to_string())
        .ok_or_else(|| InputError("no AWS Region: give --region, set AWS_REGION, or name one in the profile".into()))?;
    if !is_region_code(&region) {
        return Err(InputError(format!("'{region}' is not an AWS Region code; expected one like us-east-1")));
    }
    let clients = aws::Clients::new(&config);

    let region_stores =
        if request.use_aws { kms::list_stores(&clients.kms).await } else { Observed::NotGathered(NO_AWS.into()) };
    let subjects = match request.way_in {
        WayIn::Store(query) => vec![Subject::Store { query }],
        WayIn::Planned(planned) => vec![Subject::Planned(planned)],
        WayIn::All => match region_stores.seen() {
            Some(stores) => stores
                .iter()
                .filter(|s| s.store_type.as_deref() == Some("EXTERNAL_KEY_STORE"))
                .map(|s| Subject::Store { query: StoreQuery::Id(s.id.clone()) })
                .collect(),
            None => vec![Subject::AllStores],
        },
    };
    let mut facts = Facts {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        gathered_at: now_rfc3339(),
        region,
        region_stores,
        targets: subjects
            .into_iter()
            .map(|subject| TargetFacts {
                subject,
                proxy_config: request.proxy_config.clone(),
                secret: request.secret.clone(),
                vpc: None,
            })
            .collect(),
    };

    let mut tasks = tokio::task::JoinSet::new();
    for (index, target) in facts.targets.iter().enumerate() {
        let Some(settings) = facts.settings_of(target).filter(|s| s.is_vpc()) else { continue };
        let clients = clients.clone();
        let use_aws = request.use_aws;
        tasks.spawn(async move {
            let vpc = if use_aws { vpc::gather(&clients, &settings).await } else { VpcFacts::not_gathered(NO_AWS) };
            (index, vpc)
        });
    }
    for (index, vpc) in tasks.join_all().await {
        facts.targets[index].vpc = Some(vpc);
    }
    Ok(facts)
}

fn now_rfc3339() -> String {
    use aws_sdk_kms::primitives::{DateTime, DateTimeFormat};
    DateTime::from(std::time::SystemTime::now()).fmt(DateTimeFormat::DateTime).unwrap_or_else(|_| "unknown".to_string())
}
