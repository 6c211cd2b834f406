//! The open loop: requests leave on a fixed schedule whatever the answers do, each one's latency is
//! counted from the moment it was due (so a stall shows in the latencies, not as a lower send rate),
//! and the run says when the generator itself fell behind.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::figures::{Judged, Recorder, LATE_US};
use super::judge::judge;
use super::report::{Capacity, Figures, Step, Target, Whole, KMS_RATE};
use super::LoadReport;
use crate::gather::load::{Caller, Operation};

/// How often the stop flag is looked at while waiting: Ctrl-C ends the run within this.
const STOP_POLL: Duration = Duration::from_millis(20);
/// After a stall, the requests that waited for a connection catch up at most this many times the rate
/// (and never above --max-rate), so the proxy is not hit by all of them at once.
const CATCH_UP: f64 = 2.0;
/// How far sends may run ahead of the catch-up pace: enough for the timer's millisecond ticks and a
/// busy machine's hiccups, so that a run on time is never held back by it.
const PACE_SLACK: Duration = Duration::from_millis(20);

/// A run, ready to go.
pub struct Plan {
    pub target: Target,
    pub operations: Vec<Operation>,
    /// One rate for a run; the rates of a ramp, lowest first.
    pub rates: Vec<f64>,
    pub ramp: bool,
    /// Of the run, or of each step of a ramp.
    pub duration: Duration,
    pub connections: usize,
    /// No stretch of the run sends faster than this, catch-up included.
    pub max_rate: f64,
    pub max_error_rate: f64,
    /// The longest a request may wait for its answer; the run waits this long for the last ones.
    pub timeout: Duration,
    pub start_at: Option<SystemTime>,
}

/// What the live line shows, once a second.
pub struct Live {
    pub elapsed_s: u64,
    pub rate: f64,
    pub sent_last_second: u64,
    pub p99_ms: f64,
    pub errors: u64,
}

/// Runs the plan; `stop` (set by Ctrl-C) ends it at once, with the figures so far.
pub async fn run(plan: Plan, caller: Caller, stop: &AtomicBool, live: &(dyn Fn(&Live) + Sync)) -> LoadReport {
    if let Some(at) = plan.start_at {
        if let Ok(wait) = at.duration_since(SystemTime::now()) {
            let until = Instant::now() + wait;
            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                tokio::time::sleep_until(until.min(Instant::now() + STOP_POLL)).await;
            }
        }
    }
    let started_at = crate::dates::now();
    let caller = Arc::new(caller);
    let mut total = Recorder::new();
    let mut steps = Vec::new();
    let mut elapsed_s = 0.0;
    let mut capacity = None;
    let mut interrupted = false;
    // The rate of the last step run: a ramp that stopped early did not reach the last one planned.
    let mut last_rate = 0.0;
    for &rate in &plan.rates {
        last_rate = rate;
        let (recorder, step_s, stopped) = step(&plan, &caller, rate, stop, live).await;
        interrupted = stopped;
        elapsed_s += step_s;
        let figures = Figures::of(&recorder, step_s);
        let held = figures.held(plan.max_error_rate);
        total.absorb(recorder);
        if plan.ramp && !stopped {
            steps.push(Step {
                rate,
                requests: figures.requests,
                achieved_rate: figures.achieved_rate,
                latency_ms: figures.latency,
                error_rate: figures.error_rate,
                held,
            });
            let found = capacity.get_or_insert(Capacity { rate: None, bounded: false, kms_rate: KMS_RATE });
            if held {
                found.rate = Some(rate);
            } else {
                // Higher rates would only queue more: the step that did not hold bounds the capacity.
                found.bounded = true;
                break;
            }
        }
        if stopped {
            break;
        }
    }
    Whole {
        target: plan.target,
        started_at,
        rate: last_rate,
        duration_s: elapsed_s,
        connections: plan.connections,
        max_error_rate: plan.max_error_rate,
        interrupted,
        recorder: &total,
        steps,
        capacity,
    }
    .report()
}

/// One rate for the plan's duration, then the answers still awaited for at most the timeout: the figures,
/// the seconds it took to send, and whether it was stopped.
///
/// At most one call per connection is on its way at once (HTTP/1.1, as KMS sends), so what the run
/// holds stays the same however far the proxy lags, as wrk2 does it. A request due while every
/// connection carries a call is not queued anywhere: it is a place in the schedule, and leaves as soon as
/// a connection comes back, its latency still counted from when it was due, at most at twice the rate
/// (within --max-rate) until the schedule is caught up. What had not left when the schedule ended is
/// counted as not sent.
async fn step(
    plan: &Plan,
    caller: &Arc<Caller>,
    rate: f64,
    stop: &AtomicBool,
    live: &(dyn Fn(&Live) + Sync),
) -> (Recorder, f64, bool) {
    let recorder = Arc::new(Mutex::new(Recorder::new()));
    let total = (rate * plan.duration.as_secs_f64()).round() as u64;
    let keys = caller.key_count().max(1);
    let in_flight = plan.connections.max(1);
    let mut tasks = JoinSet::new();
    let start = Instant::now();
    // A request due just before the end, sent a scheduler tick late, is still on time.
    let schedule_end = start + plan.duration + Duration::from_micros(LATE_US);
    let mut next_second = start + Duration::from_secs(1);
    let mut seconds = 0;
    let mut scheduled = 0;
    // When a due request last found every connection busy.
    let mut every_connection_busy: Option<Instant> = None;
    let mut stopped = false;
    let mut pace = Pace::new((rate * CATCH_UP).min(plan.max_rate), start);
    let tick = |seconds: &mut u64, next_second: &mut Instant, recorder: &Mutex<Recorder>| {
        let mut recorder = lock(recorder);
        let last = recorder.current().sent;
        recorder.close_second(*seconds, rate);
        *seconds += 1;
        *next_second += Duration::from_secs(1);
        let p99_ms = recorder.latency.value_at_quantile(0.99) as f64 / 1000.0;
        let errors = recorder.error_count();
        drop(recorder);
        live(&Live { elapsed_s: *seconds, rate, sent_last_second: last, p99_ms, errors });
    };
    while scheduled < total {
        if stop.load(Ordering::Relaxed) {
            stopped = true;
            break;
        }
        let now = Instant::now();
        if now >= next_second {
            tick(&mut seconds, &mut next_second, &recorder);
        }
        if now >= schedule_end {
            break;
        }
        while tasks.try_join_next().is_some() {}
        // Every request due by now leaves now, while a connection is free and the pace allows; each
        // keeps its own due time.
        while scheduled < total {
            let due = start + Duration::from_secs_f64(scheduled as f64 / rate);
            if due > now {
                break;
            }
            if tasks.len() >= in_flight {
                every_connection_busy = Some(now);
                break;
            }
            if !pace.allows(now) {
                break;
            }
            pace.sent(now);
            let waited = every_connection_busy.is_some_and(|busy| busy >= due);
            lock(&recorder).sent(micros(now - due), waited);
            let operation = plan.operations[(scheduled as usize) % plan.operations.len()];
            let key = (scheduled as usize / plan.operations.len()) % keys;
            let (caller, recorder) = (caller.clone(), recorder.clone());
            tasks.spawn(async move {
                // A call that panics (a bug of this tool) is still counted, so that every request sent
                // is accounted for: the panic's message is printed by the panic hook.
                let call = async { judge(operation, &caller.send(operation, key).await) };
                let judged =
                    AssertUnwindSafe(call).catch_unwind().await.unwrap_or_else(|_| Judged::NoAnswer(LOST.into()));
                lock(&recorder).answered(micros(due.elapsed()), judged);
            });
            scheduled += 1;
        }
        let next_due = start + Duration::from_secs_f64(scheduled as f64 / rate);
        let wake = next_second.min(schedule_end).min(Instant::now() + STOP_POLL);
        if tasks.len() >= in_flight {
            // A due request waits for a connection to come back.
            tokio::select! {
                _ = tasks.join_next() => {}
                _ = tokio::time::sleep_until(wake) => {}
            }
        } else {
            tokio::time::sleep_until(next_due.max(pace.earliest()).min(wake)).await;
        }
    }
    let not_sent = total - scheduled;
    // A run that was stopped took what it took; any other, its duration.
    let sending_s = if stopped { start.elapsed().as_secs_f64() } else { plan.duration.as_secs_f64() };
    // The answers still on their way, for at most one timeout; Ctrl-C ends the wait at once.
    let drain_until = Instant::now() + plan.timeout;
    while !tasks.is_empty() && !stopped {
        if stop.load(Ordering::Relaxed) {
            stopped = true;
            break;
        }
        if Instant::now() >= drain_until {
            break;
        }
        if Instant::now() >= next_second {
            tick(&mut seconds, &mut next_second, &recorder);
        }
        let wake = drain_until.min(next_second).min(Instant::now() + STOP_POLL);
        tokio::select! {
            _ = tasks.join_next() => {}
            _ = tokio::time::sleep_until(wake) => {}
        }
    }
    let unfinished = tasks.len() as u64;
    tasks.abort_all();
    // The last part of a second counts as a second of its own, when anything happened in it.
    let mut recorder = lock(&recorder);
    if recorder.current().sent + recorder.current().answered > 0 {
        recorder.close_second(seconds, rate);
    }
    recorder.unfinished += unfinished;
    // A run stopped by Ctrl-C was not behind for what it never reached.
    if !stopped {
        recorder.not_sent += not_sent;
    }
    let recorder = std::mem::take(&mut *recorder);
    (recorder, sending_s, stopped)
}

/// The error kind of a call lost to a bug in this tool.
const LOST: &str = "xks-preflight failed on this call (a bug: see the message above)";

/// The catch-up pace, as a virtual schedule (the generic cell rate algorithm): each send moves the
/// earliest time of the next one on by one interval, from now or from where the pace had got to,
/// and sends may run ahead of it by `PACE_SLACK`. Over any stretch the sends are at most the rate's
/// share of it plus the slack's.
struct Pace {
    interval: Duration,
    next: Instant,
}

impl Pace {
    fn new(rate: f64, start: Instant) -> Pace {
        Pace { interval: Duration::from_secs_f64(1.0 / rate), next: start }
    }

    fn earliest(&self) -> Instant {
        self.next.checked_sub(PACE_SLACK).unwrap_or(self.next)
    }

    fn allows(&self, now: Instant) -> bool {
        now >= self.earliest()
    }

    fn sent(&mut self, now: Instant) {
        self.next = self.next.max(now) + self.interval;
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

fn lock(recorder: &Mutex<Recorder>) -> std::sync::MutexGuard<'_, Recorder> {
    recorder.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
