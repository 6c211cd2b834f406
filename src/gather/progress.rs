//! What the gathering is waiting for, told to whoever watches (the terminal's progress line). Gathering
//! does not know how it is shown, or whether it is.

use std::future::Future;
use std::sync::Arc;

/// Told when a step starts and when it ends; steps overlap.
pub trait Watch: Send + Sync {
    fn started(&self, step: &str);
    fn finished(&self, step: &str);
}

/// A handle on the watcher, if any; cheap to clone into every task.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<dyn Watch>>);

impl Progress {
    pub fn watched_by(watch: Arc<dyn Watch>) -> Self {
        Progress(Some(watch))
    }

    /// Runs `step`, telling the watcher while it is awaited.
    pub async fn during<T>(&self, step: impl Into<String>, future: impl Future<Output = T>) -> T {
        let Some(watch) = &self.0 else { return future.await };
        let step = Step { watch: watch.as_ref(), name: step.into() };
        step.watch.started(&step.name);
        future.await
    }
}

/// A step being awaited: finished when it ends, also when it is dropped unfinished.
struct Step<'a> {
    watch: &'a dyn Watch,
    name: String,
}

impl Drop for Step<'_> {
    fn drop(&mut self) {
        self.watch.finished(&self.name);
    }
}
