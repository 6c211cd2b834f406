//! How facts are seen. Every AWS call and every bound on its time lives under this module; what comes
//! out is plain data for the checks.

mod aws;
pub mod budget;
mod dns;
mod kms;
mod monitor;
mod monitored;
mod network;
mod progress;
mod proxy;
mod scopes;
mod stores;
mod tasks;
mod tls;
mod vpc;

pub use network::NetworkOptions;
pub use progress::{Progress, Watch};
pub use proxy::load;
pub use proxy::sign_at as sigv4_sign_at;
pub use tasks::bounded;
pub use tls::rtt_spacing_ms;

use futures_util::future::join_all;

use crate::error::InputError;
use crate::facts::*;

#[derive(Clone)]
pub enum WayIn {
    Store(StoreQuery),
    All,
    Planned(PlannedSettings),
    /// The stores of a Terraform plan, or the endpoint services of a template, in file order.
    Iac(Vec<crate::iac::IacTarget>),
}

pub struct Request {
    pub way_in: WayIn,
    /// `--region`, in the order given; empty when the SDK's chain (AWS_REGION, the profile) names it.
    pub regions: Vec<String>,
    /// `--all-regions`: every Region the account has enabled where KMS offers external key stores.
    pub all_regions: bool,
    /// `--role-arn`: the roles to assume, one account each; empty to read the caller's own account.
    pub role_arns: Vec<String>,
    pub profile: Option<String>,
    pub proxy_config: Option<ProxyConfigFacts>,
    pub secret: Option<SecretShape>,
    /// The secret itself, for signing proxy calls; never in the facts.
    pub proxy_secret: Option<crate::user_input::Secret>,
    /// `--next-access-key-id` and its secret: the credential a rotation moves to, signed with beside the
    /// current one; never in the facts but for the ID.
    pub next_credential: Option<(String, crate::user_input::Secret)>,
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
    /// `--since`: how far back to read what KMS saw of existing stores; `None` with `--no-monitor`.
    pub monitor: Option<std::time::Duration>,
}

impl Request {
    /// The secret to sign the proxy calls of a scope's `index`th target with: a plan's own, else the one
    /// supplied.
    fn secret_of(&self, index: usize) -> Option<crate::user_input::Secret> {
        let planned = match &self.way_in {
            WayIn::Iac(targets) => targets.get(index).and_then(|t| t.secret.as_ref()).map(|(_, s)| s.clone()),
            _ => None,
        };
        planned.or_else(|| self.proxy_secret.clone())
    }
}

/// The facts of every account and Region asked for, in the order asked: the AWS reads of each run
/// together, then the stores of all of them are probed within one connection budget.
pub async fn gather(request: Request, progress: &Progress) -> Result<Vec<Facts>, InputError> {
    let deadline = tokio::time::Instant::now() + request.run_timeout;
    let budget = std::sync::Arc::new(budget::Budget::for_host(request.connections)?);
    if let Some(profile) = &request.profile {
        aws::known_profile(profile).await?;
    }
    let base = aws::load_config(request.regions.first().cloned(), request.profile.clone(), request.aws_timeout).await;
    let regions = scopes::Regions::of(&request, &base)?;
    let run_timeout = request.run_timeout;
    let accounts = scopes::accounts(&base, &request.role_arns, deadline, run_timeout, progress).await;
    let plans = accounts.iter().map(|account| scopes::plans(account, &regions, deadline, run_timeout, progress));
    let plans: Vec<scopes::Plan> = join_all(plans).await.into_iter().flatten().collect();
    let reads = plans
        .iter()
        .map(|plan| aws::CALLING_REGION.scope(plan.region.clone(), read_aws(plan, &request, deadline, progress)));
    let mut scopes = join_all(reads).await;

    // What KMS saw is read beside the probes: both wait mostly on answers.
    let monitored = monitored::read(monitored::plan(&scopes, &request), deadline, progress);
    let (_, seen) = tokio::join!(stores::probe(&mut scopes, &request, &budget, deadline, progress), monitored);
    monitored::record(&mut scopes, seen);
    Ok(scopes
        .into_iter()
        .map(|(mut facts, _)| {
            // A scope's stores are probed beside the other scopes' ones: it took its reads and its
            // slowest store.
            let slowest = facts.targets.iter().filter_map(|t| t.took_ms).max().unwrap_or(0);
            facts.took_ms = facts.took_ms.map(|reads| reads + slowest);
            facts
        })
        .collect())
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Why a scope's AWS calls are not made, if they are not: --no-aws, or a problem no call would escape.
fn aws_skipped(use_aws: bool, aws_problem: Option<&CallFailure>) -> Option<Why> {
    match (use_aws, aws_problem) {
        (false, _) => Some(Why::TurnedOff { flag: Flag::NoAws }),
        (true, Some(_)) => Some(Why::AwsUnreadable),
        (true, None) => None,
    }
}

/// The KMS reads of one account and Region, and the targets they give. The first call tells whether AWS
/// can be read at all here; when it cannot, that is said once and nothing more is asked.
async fn read_aws(
    plan: &scopes::Plan,
    request: &Request,
    deadline: tokio::time::Instant,
    progress: &Progress,
) -> (Facts, aws::Clients) {
    let started = std::time::Instant::now();
    let clients = aws::Clients::new(&plan.config);
    let run_timeout = request.run_timeout;
    let region = plan.region.as_str();
    let mut aws_problem = plan.problem.clone();
    let mut region_stores = match aws_skipped(request.use_aws, aws_problem.as_ref()) {
        Some(why) => Observed::NotGathered(why),
        None => {
            let call = kms::list_stores(&clients.kms);
            let what = format!("kms:DescribeCustomKeyStores in {}", plan.describe());
            progress.during(what, in_time(deadline, run_timeout, "kms:DescribeCustomKeyStores", call)).await
        }
    };
    if let Observed::Failed(failure) = &region_stores {
        if failure.is_scope_wide() {
            aws_problem = Some(failure.clone());
            region_stores = Observed::NotGathered(Why::AwsUnreadable);
        }
    }
    let reads_stores = matches!(request.way_in, WayIn::Store(_) | WayIn::All);
    let blank = |subject| TargetFacts {
        subject,
        proxy_config: request.proxy_config.clone(),
        secret: request.secret.clone(),
        vpc: None,
        // Until its probes replace it: they need the settings, which not every target has.
        network: Probed::NotGathered(Why::Needs { fact: Fact::Settings }),
        took_ms: None,
        monitor: None,
        iac: None,
    };
    let targets = match &request.way_in {
        WayIn::Store(query) => vec![blank(Subject::Store { query: query.clone() })],
        WayIn::Planned(planned) => vec![blank(Subject::Planned(planned.clone()))],
        WayIn::Iac(declared) => declared
            .iter()
            .map(|declared| TargetFacts {
                secret: declared.secret.as_ref().map(|(shape, _)| shape.clone()).or_else(|| request.secret.clone()),
                vpc: declared.vpc.clone(),
                iac: Some(declared.iac.clone()),
                ..blank(Subject::Planned(declared.planned.clone()))
            })
            .collect(),
        WayIn::All => match region_stores.seen() {
            Some(stores) => stores
                .iter()
                .filter(|s| s.store_type.as_deref() == Some("EXTERNAL_KEY_STORE"))
                .map(|s| blank(Subject::Store { query: StoreQuery::Id(s.id.clone()) }))
                .collect(),
            // The problem said at the top stands for the stores it hid.
            None if aws_problem.is_some() => Vec::new(),
            None => vec![blank(Subject::AllStores)],
        },
    };
    let mut store_keys = match (request.use_aws, reads_stores, &region_stores) {
        (false, _, _) => Observed::NotGathered(Why::TurnedOff { flag: Flag::NoAws }),
        (true, false, _) => Observed::NotGathered(Why::StoreNotCreated),
        (true, true, Observed::NotGathered(why)) => Observed::NotGathered(why.clone()),
        (true, true, Observed::Failed(_)) => Observed::NotGathered(Why::Needs { fact: Fact::StoreList }),
        (true, true, Observed::Seen(_)) => {
            let call = in_time(deadline, run_timeout, "kms:ListKeys", kms::store_keys(&clients.kms));
            progress.during(format!("kms:ListKeys and DescribeKey in {}", plan.describe()), call).await
        }
    };
    // Credentials that expire after the first call: said once at the top, as if the first call had been
    // refused, and the AWS calls after it are not made.
    if let Observed::Failed(failure) = &store_keys {
        if failure.refuses_credentials() {
            aws_problem = Some(failure.clone());
            store_keys = Observed::NotGathered(Why::AwsUnreadable);
        }
    }
    let facts = Facts {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        gathered_at: crate::dates::now(),
        region: region.to_string(),
        account: plan.account.clone(),
        role_arn: plan.role_arn.clone(),
        all_regions: request.all_regions,
        aws_problem,
        took_ms: Some(millis(started.elapsed())),
        region_stores,
        store_keys,
        targets,
    };
    (facts, clients)
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

/// The proxy settings of one existing store, for `load`: kms:DescribeCustomKeyStores in the Region (or
/// what it could not read, in a sentence).
pub async fn store_settings(
    query: &StoreQuery,
    region: Option<String>,
    profile: Option<String>,
    timeout: std::time::Duration,
) -> Result<XksProxySettings, String> {
    if let Some(profile) = &profile {
        aws::known_profile(profile).await.map_err(|e| e.to_string())?;
    }
    let config = aws::load_config(region, profile, timeout).await;
    let clients = aws::Clients::new(&config);
    // At most three attempts, each within the timeout.
    let listed = tokio::time::timeout(timeout * 3, kms::list_stores(&clients.kms)).await;
    let stores = match listed {
        Ok(Observed::Seen(stores)) => stores,
        Ok(Observed::Failed(failure)) => return Err(format!("{}: {}", failure.action, failure.message)),
        Ok(Observed::NotGathered(why)) => return Err(format!("kms:DescribeCustomKeyStores not called ({why:?})")),
        Err(_) => return Err("kms:DescribeCustomKeyStores: no answer in time".into()),
    };
    let store = stores.into_iter().find(|store| query.matches(store)).ok_or(format!("no store with {query}"))?;
    store.xks.ok_or(format!("the store with {query} is not an external key store"))
}
