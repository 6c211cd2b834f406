//! One task per store: at most so many at once, and a panic in one becomes that store's failure instead
//! of the whole run's.

use std::future::Future;

use futures_util::stream::{self, StreamExt};

/// Runs every job, at most `at_once` together, and gives each job's result in the order given: its
/// value, or what it panicked with. Each job is a task of its own, so the runtime spreads them over its
/// threads and a panic stays inside its job.
pub async fn bounded<F, T>(jobs: Vec<F>, at_once: usize) -> Vec<Result<T, String>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    stream::iter(jobs)
        .map(|job| async move { tokio::spawn(job).await.map_err(panic_message) })
        .buffered(at_once.max(1))
        .collect()
        .await
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
