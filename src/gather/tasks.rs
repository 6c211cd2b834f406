//! One task per store: at most so many at once, and a panic in one becomes that store's failure instead
//! of the whole run's.

use std::collections::HashMap;
use std::future::Future;

use tokio::task::JoinSet;

/// Runs every job, at most `at_once` together, and gives each job's result in the order given: its
/// value, or what it panicked with.
pub async fn bounded<F, T>(jobs: Vec<F>, at_once: usize) -> Vec<Result<T, String>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut results: Vec<Option<Result<T, String>>> = (0..jobs.len()).map(|_| None).collect();
    let mut waiting = jobs.into_iter().enumerate();
    let mut running = JoinSet::new();
    let mut index_of = HashMap::new();
    // Each turn ends one job, so there are as many turns as jobs.
    loop {
        while running.len() < at_once.max(1) {
            let Some((index, job)) = waiting.next() else { break };
            index_of.insert(running.spawn(job).id(), index);
        }
        let Some(done) = running.join_next_with_id().await else { break };
        let (id, result) = match done {
            Ok((id, value)) => (id, Ok(value)),
            Err(error) => (error.id(), Err(panic_message(error))),
        };
        results[index_of[&id]] = Some(result);
    }
    results.into_iter().map(|result| result.unwrap_or_else(|| Err("the task never ran".into()))).collect()
}

fn panic_message(error: tokio::task::JoinError) -> String {
    if !error.is_panic() {
        return "the task was cancelled".into();
    }
    let payload = error.into_panic();
    payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}
