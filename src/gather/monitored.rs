//! Which stores KMS's own view is read for, scope by scope, and where it goes in their facts: every
//! existing external key store a run checks, unless `--no-monitor`, `--no-aws` or a problem with the
//! scope's AWS access keeps it from being read.

use std::collections::HashMap;

use super::monitor::{self, Store, Window};
use super::{aws, Progress, Request};
use crate::facts::*;

/// One scope's stores to read, or why none are read.
pub struct Plan {
    clients: aws::Clients,
    region: String,
    describe: String,
    stores: Vec<Store>,
    skipped: Option<Why>,
    window: Option<Window>,
    run_timeout: std::time::Duration,
}

/// The stores of each scope, in the scopes' order.
pub fn plan(scopes: &[(Facts, aws::Clients)], request: &Request) -> Vec<Plan> {
    let window = request.monitor.map(Window::ending_now);
    scopes
        .iter()
        .map(|(facts, clients)| {
            let skipped = match (request.monitor, request.use_aws, &facts.aws_problem) {
                (None, _, _) => Some(Why::TurnedOff { flag: Flag::NoMonitor }),
                (_, false, _) => Some(Why::TurnedOff { flag: Flag::NoAws }),
                (_, true, Some(_)) => Some(Why::AwsUnreadable),
                (_, true, None) => None,
            };
            let stores = facts
                .targets
                .iter()
                .filter_map(|target| facts.store_of(target))
                .filter(|store| store.store_type.as_deref() == Some("EXTERNAL_KEY_STORE"))
                .map(|store| Store {
                    id: store.id.clone(),
                    key_arns: facts.store_keys.seen().map(|keys| {
                        keys.iter()
                            .filter(|key| key.custom_key_store_id.as_deref() == Some(store.id.as_str()))
                            .filter_map(|key| key.arn.clone())
                            .collect()
                    }),
                })
                .collect();
            let describe = crate::aws_names::scope_name(&facts.region, facts.account.as_deref());
            Plan {
                clients: clients.clone(),
                region: facts.region.clone(),
                describe,
                stores,
                skipped,
                window,
                run_timeout: request.run_timeout,
            }
        })
        .collect()
}

/// What KMS saw of each planned store, by scope, then by store ID.
pub async fn read(
    plans: Vec<Plan>,
    deadline: tokio::time::Instant,
    progress: &Progress,
) -> Vec<HashMap<String, Observed<MonitorFacts>>> {
    let reads = plans.into_iter().map(|plan| async move {
        let skipped = plan.skipped.clone();
        let (Some(window), None) = (plan.window, skipped) else {
            let why = plan.skipped.unwrap_or(Why::TurnedOff { flag: Flag::NoMonitor });
            return plan.stores.iter().map(|s| (s.id.clone(), Observed::NotGathered(why.clone()))).collect();
        };
        if plan.stores.is_empty() {
            return HashMap::new();
        }
        let what = format!("CloudWatch and CloudTrail in {}", plan.describe);
        let read = monitor::gather(&plan.clients, &plan.stores, window, deadline, plan.run_timeout);
        let read = aws::CALLING_REGION.scope(plan.region.clone(), read);
        progress.during(what, read).await.into_iter().map(|(id, facts)| (id, Observed::Seen(facts))).collect()
    });
    futures_util::future::join_all(reads).await
}

/// Puts each store's reading in the facts of the targets that name it.
pub fn record(scopes: &mut [(Facts, aws::Clients)], seen: Vec<HashMap<String, Observed<MonitorFacts>>>) {
    for ((facts, _), mut by_store) in scopes.iter_mut().zip(seen) {
        let ids: Vec<Option<String>> =
            facts.targets.iter().map(|target| facts.store_of(target).map(|store| store.id.clone())).collect();
        for (target, id) in facts.targets.iter_mut().zip(ids) {
            target.monitor = id.and_then(|id| by_store.remove(&id));
        }
    }
}
