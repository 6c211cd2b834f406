//! The probes of every store of every scope, within one connection budget and the run's deadline: the
//! VPC endpoint service reads and the network probes of each store, a bounded number of stores at once.

use super::{aws, budget, dns, network, proxy, tasks, vpc, Request};
use super::{aws_skipped, key_ids, kms_operation, millis, Progress};
use crate::facts::*;

/// Probes every target with settings and records what it saw in its facts.
pub async fn probe(
    scopes: &mut [(Facts, aws::Clients)],
    request: &Request,
    budget: &std::sync::Arc<budget::Budget>,
    deadline: tokio::time::Instant,
    progress: &Progress,
) {
    let run_timeout = request.run_timeout;
    let network = std::sync::Arc::new(request.network.as_ref().map(|options| {
        let dns = dns::Dns::new(options.dns_server, options.timeout);
        (options.clone(), dns, network::SharedProbes::default())
    }));
    let mut jobs = Vec::new();
    let mut probed = Vec::new();
    for (scope, (facts, clients)) in scopes.iter_mut().enumerate() {
        let aws_skipped = aws_skipped(request.use_aws, facts.aws_problem.as_ref());
        let settings: Vec<Option<Settings>> = facts.targets.iter().map(|target| facts.settings_of(target)).collect();
        for (index, settings) in settings.into_iter().enumerate() {
            // A target without settings keeps the reason it was made with.
            let Some(settings) = settings else { continue };
            let (clients, network, budget, aws_skipped) =
                (clients.clone(), network.clone(), budget.clone(), aws_skipped.clone());
            let inputs = proxy::ProxyInputs {
                region: facts.region.clone(),
                kms_operation: kms_operation(facts, &facts.targets[index]),
                access_key_id: settings.access_key_id.clone(),
                secret: request.secret_of(index),
                next: request.next_credential.clone(),
                keys: key_ids(facts, &facts.targets[index], &request.xks_key_ids),
            };
            // A plan's or template's own description of the service stands for AWS's: it does not exist
            // yet; only the load balancers it names by ARN are read.
            let declared_vpc = facts.targets[index].vpc.clone();
            probed.push((scope, index, settings.is_vpc()));
            let progress = progress.clone();
            let label = format!("{} in {}", settings.endpoint_host().unwrap_or("the endpoint"), facts.region);
            jobs.push(async move {
                let vpc = async {
                    if let Some(declared) = declared_vpc {
                        return Some(vpc::with_existing_load_balancers(&clients, declared, aws_skipped).await);
                    }
                    match (settings.is_vpc(), aws_skipped) {
                        (false, _) => None,
                        (true, None) => Some(vpc::gather(&clients, &settings).await),
                        (true, Some(why)) => Some(VpcFacts::not_gathered(why)),
                    }
                };
                let probes = async {
                    match network.as_ref() {
                        Some((options, dns, shared)) => {
                            network::probe(&settings, options, dns, &budget, shared, &inputs).await
                        }
                        None => Probed::NotGathered(Why::TurnedOff { flag: Flag::NoNetwork }),
                    }
                };
                let store = async {
                    let (vpc, mut probed) = tokio::join!(vpc, probes);
                    // The verification record comes from EC2, so its lookups wait for the VPC facts.
                    if let (Probed::Seen(facts), Some(vpc), Some((_, Ok(dns), _))) =
                        (&mut probed, &vpc, network.as_ref())
                    {
                        facts.verification_txt = network::verification_txt(dns, &facts.host, vpc).await;
                    }
                    (vpc, probed)
                };
                let started = std::time::Instant::now();
                let outcome =
                    progress.during(format!("probing {label}"), tokio::time::timeout_at(deadline, store)).await;
                (outcome, millis(started.elapsed()))
            });
        }
    }
    let at_once = budget.stores_at_once();
    for ((scope, index, is_vpc), outcome) in probed.into_iter().zip(tasks::bounded(jobs, at_once).await) {
        let target = &mut scopes[scope].0.targets[index];
        target.took_ms = outcome.as_ref().ok().map(|(_, took)| *took);
        (target.vpc, target.network) = match outcome.map(|(outcome, _)| outcome) {
            Ok(Ok((vpc, network))) => (vpc, network),
            Ok(Err(_)) => out_of_time(is_vpc, run_timeout),
            Err(panic) => panicked(is_vpc, &panic),
        };
    }
}

/// What a store's facts say when the run's deadline cut its reads and probes short.
fn out_of_time(is_vpc: bool, run_timeout: std::time::Duration) -> (Option<VpcFacts>, Probed<NetworkFacts>) {
    let cut = aws::out_of_time("the store's EC2 and Elastic Load Balancing calls", run_timeout);
    let message = format!("not finished within the run's --timeout of {} s", run_timeout.as_secs());
    let failure = ProbeFailure { step: "the endpoint's probes".into(), timed_out: true, message };
    (is_vpc.then(|| VpcFacts::failed(cut)), Probed::Failed(failure))
}

/// What a store's facts say when its task panicked: that store failed, not the run.
fn panicked(is_vpc: bool, panic: &str) -> (Option<VpcFacts>, Probed<NetworkFacts>) {
    let message = format!("xks-preflight failed while probing this store ({panic})");
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
