//! The progress line on standard error: what the run is waiting for, while it waits. Only on a terminal,
//! and only beside the table: a machine-readable report is read by a program, not watched.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use xks_preflight::gather::{Progress, Watch};

use crate::cli::ColorWhen;

pub struct Spinner(Option<Arc<Waiting>>);

struct Waiting {
    bar: ProgressBar,
    /// The steps awaited now, oldest first, and how many have ended.
    steps: Mutex<(Vec<String>, usize)>,
}

impl Spinner {
    /// A spinner when `wanted` and standard error is a terminal; else nothing is drawn.
    pub fn start(wanted: bool, color: ColorWhen) -> Spinner {
        if !wanted || !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let template = match color {
            ColorWhen::Never => "{spinner} {elapsed} {wide_msg}",
            _ => "{spinner:.cyan} {elapsed:.dim} {wide_msg}",
        };
        bar.set_style(ProgressStyle::with_template(template).expect("the template is fixed and valid"));
        bar.set_message("reading the configuration");
        bar.enable_steady_tick(Duration::from_millis(120));
        Spinner(Some(Arc::new(Waiting { bar, steps: Mutex::new((Vec::new(), 0)) })))
    }

    pub fn progress(&self) -> Progress {
        match &self.0 {
            Some(waiting) => Progress::watched_by(waiting.clone()),
            None => Progress::default(),
        }
    }

    /// Clears the line, so that the report starts on a clean screen.
    pub fn finish(self) {
        if let Some(waiting) = self.0 {
            waiting.bar.finish_and_clear();
        }
    }
}

impl Waiting {
    fn show(&self, steps: &(Vec<String>, usize)) {
        let (pending, done) = steps;
        let message = match pending.as_slice() {
            [] => format!("{done} done"),
            [only] => format!("waiting for {only} · {done} done"),
            [oldest, rest @ ..] => format!("waiting for {oldest} and {} more · {done} done", rest.len()),
        };
        self.bar.set_message(message);
    }
}

impl Watch for Waiting {
    fn started(&self, step: &str) {
        let mut steps = self.steps.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        steps.0.push(step.to_string());
        self.show(&steps);
    }

    fn finished(&self, step: &str) {
        let mut steps = self.steps.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(at) = steps.0.iter().position(|s| s == step) {
            steps.0.remove(at);
        }
        steps.1 += 1;
        self.show(&steps);
    }
}
