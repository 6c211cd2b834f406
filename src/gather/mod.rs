//! How facts are seen. Every AWS call and every bound on its time lives under this module; what comes
//! out is plain data for the checks.

mod aws;
pub mod budget;
mod dns;
pub mod input;
mod kms;
mod network;
mod proxy;
mod tasks;
mod tls;
mod vpc;

pub use network::NetworkOptions;
pub use tasks::bounded;

use crate::aws_names::is_region_code;
use crate::error::InputError;
use crate::facts::*;

const NO_AWS: &str = "--no-aws: AWS was not asked";
const NO_NETWORK: &str = "--no-network: the endpoint was not probed";

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
    /// The secret itself, for signing proxy calls; never in the facts.
    pub proxy_secret: Option<input::Secret>,
    /// False with `--no-aws`: planned settings are judged on their own.
    pub use_aws: bool,
    /// `--xks-key-id`: external keys to call the key APIs with.
    pub xks_key_ids: Vec<String>,
    /// The longest one attempt of an AWS call may take.
    pub aws_timeout: std::time::Duration,
    /// `--timeout`: the longest the whole gathering may take; what is not done by then says so.
    pub run_timeout: std::time::Duration,
    /// `--max-connections` and `--max-connections-per-destination`.
    pub connections: budget::Limits,
    /// `None` with `--no-network`.
    pub network: Option<NetworkOptions>,
}

pub async fn gather(request: Request) -> Result<Facts, InputError> {
    let deadline = tokio::time::Instant::now() + request.run_timeout;
    let run_timeout = request.run_timeout;
    let budget = std::sync::Arc::new(budget::Budget::for_host(request.connections)?);
    let config = aws::load_config(request.region, request.profile, request.aws_timeout).await;
    let region = config.region().map(|r| r.as_ref().to_string()).ok_or_else(|| InputError::Missing {
        what: "AWS Region",
        how: "give --region, set AWS_REGION, or name one in the profile".into(),
    })?;
    if !is_region_code(&region) {
        return Err(InputError::value("the Region", region, "an AWS Region code such as us-east-1"));
    }
    let clients = aws::Clients::new(&config);

    let region_stores = if request.use_aws {
        in_time(deadline, run_timeout, "kms:DescribeCustomKeyStores", kms::list_stores(&clients.kms)).await
    } else {
        Observed::NotGathered(NO_AWS.into())
    };
    let reads_stores = matches!(request.way_in, WayIn::Store(_) | WayIn::All);
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
    let store_keys = match (request.use_aws, reads_stores, region_stores.seen()) {
        (false, _, _) => Observed::NotGathered(NO_AWS.into()),
        (true, false, _) => Observed::NotGathered("planned settings: the store has no KMS keys yet".into()),
        (true, true, None) => Observed::NotGathered("the custom key stores could not be listed".into()),
        (true, true, Some(_)) => in_time(deadline, run_timeout, "kms:ListKeys", kms::store_keys(&clients.kms)).await,
    };
    let mut facts = Facts {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        gathered_at: now_rfc3339(),
        region,
        region_stores,
        store_keys,
        targets: subjects
            .into_iter()
            .map(|subject| TargetFacts {
                subject,
                proxy_config: request.proxy_config.clone(),
                secret: request.secret.clone(),
                vpc: None,
                network: Probed::NotGathered(String::new()),
            })
            .collect(),
    };

    let network = std::sync::Arc::new(request.network.map(|options| {
        let dns = dns::Dns::new(options.dns_server, options.timeout);
        (options, dns)
    }));
    let settings: Vec<Option<Settings>> = facts.targets.iter().map(|target| facts.settings_of(target)).collect();
    let mut jobs = Vec::new();
    let mut probed = Vec::new();
    for (index, settings) in settings.into_iter().enumerate() {
        let Some(settings) = settings else {
            facts.targets[index].network = Probed::NotGathered("no settings to probe".into());
            continue;
        };
        let (clients, network, use_aws, budget) = (clients.clone(), network.clone(), request.use_aws, budget.clone());
        let inputs = proxy::ProxyInputs {
            region: facts.region.clone(),
            kms_operation: kms_operation(&facts, &facts.targets[index]),
            access_key_id: settings.access_key_id.clone(),
            secret: request.proxy_secret.clone(),
            keys: key_ids(&facts, &facts.targets[index], &request.xks_key_ids),
        };
        probed.push((index, settings.is_vpc()));
        jobs.push(async move {
            let vpc = async {
                match (settings.is_vpc(), use_aws) {
                    (false, _) => None,
                    (true, true) => Some(vpc::gather(&clients, &settings).await),
                    (true, false) => Some(VpcFacts::not_gathered(NO_AWS)),
                }
            };
            let probes = async {
                match network.as_ref() {
                    Some((options, dns)) => network::probe(&settings, options, dns, &budget, &inputs).await,
                    None => Probed::NotGathered(NO_NETWORK.into()),
                }
            };
            let store = async {
                let (vpc, mut probed) = tokio::join!(vpc, probes);
                // The verification record comes from EC2, so its lookups wait for the VPC facts.
                if let (Probed::Seen(facts), Some(vpc), Some((_, Ok(dns)))) = (&mut probed, &vpc, network.as_ref()) {
                    facts.verification_txt = network::verification_txt(dns, &facts.host, vpc).await;
                }
                (vpc, probed)
            };
            tokio::time::timeout_at(deadline, store).await
        });
    }
    let at_once = budget.stores_at_once();
    for ((index, is_vpc), outcome) in probed.into_iter().zip(tasks::bounded(jobs, at_once).await) {
        let target = &mut facts.targets[index];
        (target.vpc, target.network) = match outcome {
            Ok(Ok((vpc, network))) => (vpc, network),
            Ok(Err(_)) => {
                let cut = aws::out_of_time("the store's EC2 and Elastic Load Balancing calls", run_timeout);
                let message = format!("not finished within the run's --timeout of {} s", run_timeout.as_secs());
                let failure = ProbeFailure { step: "the endpoint's probes".into(), timed_out: true, message };
                (is_vpc.then(|| VpcFacts::failed(cut)), Probed::Failed(failure))
            }
            Err(panic) => {
                let message = format!("xks-preflight failed while probing this store ({panic}); please report it");
                let failure = ProbeFailure { step: "the endpoint's probes".into(), timed_out: false, message };
                let gathered = CallFailure {
                    action: "the store's EC2 and Elastic Load Balancing calls".into(),
                    access_denied: false,
                    code: None,
                    message: failure.message.clone(),
                    out_of_time: false,
                };
                (is_vpc.then(|| VpcFacts::failed(gathered)), Probed::Failed(failure))
            }
        };
    }
    Ok(facts)
}

/// An AWS call within the run's deadline, or the failure that says it ran out.
async fn in_time<T>(
    deadline: tokio::time::Instant,
    run_timeout: std::time::Duration,
    action: &str,
    call: impl std::future::Future<Output = Observed<T>>,
) -> Observed<T> {
    tokio::time::timeout_at(deadline, call)
        .await
        .unwrap_or_else(|_| Observed::Failed(aws::out_of_time(action, run_timeout)))
}

/// The external keys to call: those named on the command line, then those the store's KMS keys use.
fn key_ids(facts: &Facts, target: &TargetFacts, named: &[String]) -> Vec<(String, Option<String>)> {
    let mut keys: Vec<(String, Option<String>)> = named.iter().map(|id| (id.clone(), None)).collect();
    let store_id = facts.store_of(target).map(|s| s.id.as_str());
    for key in facts.store_keys.seen().into_iter().flatten() {
        let (Some(xks), true) = (&key.xks_key_id, key.custom_key_store_id.as_deref() == store_id && store_id.is_some())
        else {
            continue;
        };
        if !keys.iter().any(|(id, _)| id == xks) {
            keys.push((xks.clone(), key.arn.clone()));
        }
    }
    keys
}

/// The `kmsOperation` KMS would send in this situation.
fn kms_operation(facts: &Facts, target: &TargetFacts) -> &'static str {
    match (&target.subject, facts.store_of(target)) {
        (Subject::Planned(_), _) => "CreateCustomKeyStore",
        (_, Some(store)) if store.connection_state.as_deref() == Some("FAILED") => "ConnectCustomKeyStore",
        _ => "KmsHealthCheck",
    }
}

fn now_rfc3339() -> String {
    use aws_sdk_kms::primitives::{DateTime, DateTimeFormat};
    DateTime::from(std::time::SystemTime::now()).fmt(DateTimeFormat::DateTime).unwrap_or_else(|_| "unknown".to_string())
}
