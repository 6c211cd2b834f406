//! `xks-preflight load` and `load merge`: from parsed arguments to a run and its report. The target must
//! be named explicitly; what will be sent is printed before anything is; Ctrl-C stops at once and the
//! figures so far are still reported.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use xks_preflight::error::InputError;
use xks_preflight::exit::ExitCode;
use xks_preflight::facts::{Probed, StoreQuery};
use xks_preflight::gather::budget::{Budget, Limits};
use xks_preflight::gather::load::{resolve, Caller, LoadTarget, Operation};
use xks_preflight::load::report::Target;
use xks_preflight::load::{self, plot, render, Live, LoadReport, Plan};
use xks_preflight::user_input::{read_proxy_config, read_secret, SecretSource};

use crate::cli::{ColorWhen, LoadArgs, LoadCommand, LoadOperation, LoadOutput, MergeArgs};
use crate::{files, terminal};

/// The most `--max-rate` may be raised to.
const HIGHEST_MAX_RATE: f64 = 100_000.0;
/// Calls a connection carries a second at 50 ms each: the default pool is sized for that.
const CALLS_PER_CONNECTION: f64 = 20.0;
const FEWEST_CONNECTIONS: usize = 4;
/// How far ahead --start-at may be.
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Set by Ctrl-C: the run stops at once and reports what it has.
static STOP: AtomicBool = AtomicBool::new(false);

pub async fn load(args: LoadArgs, color: ColorWhen) -> Result<ExitCode, InputError> {
    if let Some(LoadCommand::Merge(merge_args)) = args.merge {
        return merge(merge_args, color);
    }
    let rates = rates(&args)?;
    let start_at = args.start_at.as_deref().map(start_at).transpose()?;
    let operations = operations(&args)?;
    crate::app::validated_key_ids(&args.xks_key_id)?;
    let (endpoint, host, uri_path, access_key_id) = match target(&args).await? {
        Ok(target) => target,
        Err(problem) => return could_not_run(&problem),
    };
    let secret = secret(&args)?;
    let client = crate::app::client_identity(&args.client)?;
    let timeout = Duration::from_secs(args.probe_timeout);
    let highest = rates.iter().copied().fold(0.0, f64::max);
    let connections = match args.connections {
        Some(n) => n as usize,
        None => ((highest / CALLS_PER_CONNECTION).ceil() as usize).max(FEWEST_CONNECTIONS),
    };
    if let Some(target) = &args.connect_to {
        let valid =
            target.parse::<http::uri::Authority>().is_ok_and(|a| a.port_u16().is_some() && !a.host().is_empty());
        if !valid {
            return Err(InputError::value("--connect-to", target, "HOST:PORT (an IPv6 address in brackets)"));
        }
    }
    let budget =
        Budget::for_host(Limits { global: Some(connections + 8), per_destination: connections }).map_err(|_| {
            InputError::value("--connections", connections.to_string(), "within this host's open-file limit")
        })?;
    let address = match resolve(&host, args.connect_to.as_deref(), timeout).await {
        Ok(address) => address,
        Err(problem) => return could_not_run(&problem),
    };
    let report_target = Target {
        endpoint,
        uri_path: uri_path.clone(),
        connect_to: args.connect_to.clone(),
        access_key_id: access_key_id.clone(),
        operations: operations.iter().map(|o| o.name().to_string()).collect(),
        xks_key_ids: args.xks_key_id.clone(),
    };
    let mut caller = Caller::new(
        LoadTarget {
            address,
            host,
            uri_path,
            region: args.region.clone().unwrap_or_else(|| "us-east-1".into()),
            access_key_id,
            secret,
            keys: args.xks_key_id.clone(),
            connections,
            timeout,
            client,
        },
        Arc::new(budget),
    );
    let total: f64 = rates.iter().map(|rate| rate * args.duration.as_secs_f64()).sum();
    let rate_text = match rates.as_slice() {
        [one] => format!("{one}/s"),
        [first, .., last] => format!("{first}/s to {last}/s in {} steps of", rates.len()),
        [] => unreachable!("there is always a rate"),
    };
    eprint!(
        "{}",
        render::plan_line(&report_target, &rate_text, args.duration.as_secs_f64(), total.round() as u64, connections)
    );
    // One call of what the run sends before it starts (for Decrypts, the Encrypt of what they open): a
    // proxy that cannot be reached ends the run within one timeout, not its duration.
    let first = if operations.contains(&Operation::Decrypt) {
        caller
            .prepare(Duration::from_secs_f64(1.0 / rates[0]))
            .await
            .err()
            .map(|(key, exchange)| format!("the Encrypt under {key} failed: {}", said(&exchange)))
    } else {
        first_call(&caller, operations[0]).await
    };
    if let Some(problem) = first {
        return could_not_run(&problem);
    }
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    let handler = unsafe {
        signal_hook_registry::register(rustix::process::Signal::INT.as_raw(), || STOP.store(true, Ordering::Relaxed))
    };
    let line = LiveLine::start(args.output == LoadOutput::Table, color);
    let plan = Plan {
        target: report_target,
        operations,
        rates,
        ramp: args.ramp.is_some(),
        duration: args.duration,
        connections,
        max_rate: args.max_rate,
        max_error_rate: args.max_error_rate,
        timeout,
        start_at,
    };
    let report = load::run(plan, caller, &STOP, &|live: &Live| line.show(live)).await;
    line.finish();
    if let Ok(id) = handler {
        signal_hook_registry::unregister(id);
    }
    finish(&report, args.output, args.json.as_deref(), args.plot.as_deref(), color)
}

fn merge(args: MergeArgs, color: ColorWhen) -> Result<ExitCode, InputError> {
    let mut reports = Vec::new();
    for path in &args.reports {
        let malformed = |problem: String| InputError::Malformed { what: "load report", path: path.clone(), problem };
        let text = std::fs::read_to_string(path).map_err(|e| InputError::Unreadable {
            what: "load report",
            path: Some(path.clone()),
            cause: e.to_string(),
        })?;
        let report: LoadReport = serde_json::from_str(&text)
            .map_err(|e| malformed(format!("is not a report written by xks-preflight load --output json: {e}")))?;
        reports.push(report);
    }
    let merged = load::merge(reports).map_err(|(index, problem)| InputError::Malformed {
        what: "load report",
        path: args.reports[index].clone(),
        problem,
    })?;
    finish(&merged, args.output, None, args.plot.as_deref(), color)
}

/// Prints the report, writes the files asked for, and gives the verdict's exit code.
fn finish(
    report: &LoadReport,
    output: LoadOutput,
    json: Option<&Path>,
    plot_file: Option<&Path>,
    color: ColorWhen,
) -> Result<ExitCode, InputError> {
    let json_text = serde_json::to_string_pretty(report).expect("a load report serialises") + "\n";
    let text = match output {
        LoadOutput::Table => render::table(report, terminal::width()),
        LoadOutput::Json => json_text.clone(),
        LoadOutput::Markdown => render::markdown(report),
    };
    let printed = terminal::print(&text, color);
    if let Some(path) = json {
        files::write_atomically(path, "JSON load report", &json_text)?;
    }
    if let Some(path) = plot_file {
        let svg = plot::svg(report).map_err(|cause| InputError::Unwritable {
            what: "plot",
            path: path.to_path_buf(),
            cause,
        })?;
        files::write_atomically(path, "plot", &svg)?;
    }
    printed?;
    Ok(report.verdict.exit_code)
}

fn could_not_run(problem: &str) -> Result<ExitCode, InputError> {
    eprintln!("xks-preflight: load could not run: {problem}");
    Ok(ExitCode::Incomplete)
}

/// The longest a run may send, a ramp's steps together.
const LONGEST_RUN: Duration = Duration::from_secs(600);

/// The rates to run at: `--rate`, or the steps of `--ramp` (whole rates, evenly spaced, each once); none
/// over `--max-rate`, each at least one request in `--duration`, and no more than ten minutes in all.
fn rates(args: &LoadArgs) -> Result<Vec<f64>, InputError> {
    if !(args.max_rate > 0.0 && args.max_rate <= HIGHEST_MAX_RATE) {
        return Err(InputError::value("--max-rate", args.max_rate.to_string(), "a rate from 1 to 100000 per second"));
    }
    let seconds = args.duration.as_secs_f64();
    let within = |flag: &str, value: String, rate: f64| {
        if !(rate > 0.0 && rate <= args.max_rate) {
            Err(InputError::value(flag, value, format!("a rate above 0 and at most --max-rate ({}/s)", args.max_rate)))
        } else if (rate * seconds).round() < 1.0 {
            Err(InputError::value(flag, value, format!("a rate that sends at least one request in {seconds} s")))
        } else {
            Ok(rate)
        }
    };
    let Some(ramp) = &args.ramp else {
        return Ok(vec![within("--rate", args.rate.to_string(), args.rate)?]);
    };
    let expected = "FROM..TO, two whole rates per second with FROM below TO, such as 200..3600";
    let (from, to) = ramp.split_once("..").ok_or_else(|| InputError::value("--ramp", ramp, expected))?;
    let (from, to): (f64, f64) = match (from.trim().parse(), to.trim().parse()) {
        (Ok(from), Ok(to)) if from < to && f64::fract(from) == 0.0 && f64::fract(to) == 0.0 => (from, to),
        _ => return Err(InputError::value("--ramp", ramp, expected)),
    };
    within("--ramp", ramp.clone(), from)?;
    within("--ramp", ramp.clone(), to)?;
    let steps = args.ramp_steps;
    // Between two whole rates, a rounded step stays between them: within --max-rate as they are.
    let mut rates: Vec<f64> =
        (0..steps).map(|i| (from + (to - from) * f64::from(i) / f64::from(steps - 1)).round()).collect();
    rates.dedup();
    if args.duration * rates.len() as u32 > LONGEST_RUN {
        return Err(InputError::value(
            "--duration",
            format!("{} s for each of {} steps", seconds, rates.len()),
            "a ramp of at most 10 minutes in all: fewer --ramp-steps or a shorter --duration",
        ));
    }
    Ok(rates)
}

fn start_at(text: &str) -> Result<SystemTime, InputError> {
    let expected = "an RFC 3339 time within the next 24 hours, such as 2026-12-03T15:00:00Z";
    let epoch = xks_preflight::dates::epoch(text).map_err(|_| InputError::value("--start-at", text, expected))?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(epoch).unwrap_or(0));
    match at.duration_since(SystemTime::now()) {
        Ok(wait) if wait > LONGEST_WAIT => Err(InputError::value("--start-at", text, expected)),
        // A time just past starts now: hosts a second late still start together enough.
        _ => Ok(at),
    }
}

fn operations(args: &LoadArgs) -> Result<Vec<Operation>, InputError> {
    let chosen: Vec<Operation> = args
        .operations
        .iter()
        .map(|o| match o {
            LoadOperation::Health => Operation::Health,
            LoadOperation::Encrypt => Operation::Encrypt,
            LoadOperation::Decrypt => Operation::Decrypt,
        })
        .collect();
    let keyed = chosen.iter().any(|o| *o != Operation::Health);
    if keyed && args.xks_key_id.is_empty() {
        return Err(InputError::Missing {
            what: "external key for Encrypt and Decrypt",
            how: "give --xks-key-id, or --operations health".into(),
        });
    }
    Ok(match (chosen.is_empty(), args.xks_key_id.is_empty()) {
        (false, _) => chosen,
        (true, true) => vec![Operation::Health],
        (true, false) => vec![Operation::Encrypt, Operation::Decrypt],
    })
}

/// The endpoint, its host, the path and the access key ID: given, from the proxy configuration file, or
/// read from KMS for an existing store (a store KMS could not tell about is `Ok(Err(problem))`).
type Aim = (String, String, String, String);

async fn target(args: &LoadArgs) -> Result<Result<Aim, String>, InputError> {
    let config = args.proxy_config.as_deref().map(read_proxy_config).transpose()?.map(|(config, _)| config);
    let query = match (&args.custom_key_store_id, &args.custom_key_store_name) {
        (Some(id), _) => Some(StoreQuery::Id(id.clone())),
        (None, Some(name)) => Some(StoreQuery::Name(name.clone())),
        (None, None) => None,
    };
    let (endpoint, path, access_key_id) = match query {
        Some(query) => {
            let timeout = Duration::from_secs(10);
            match xks_preflight::gather::store_settings(&query, args.region.clone(), args.profile.clone(), timeout)
                .await
            {
                Ok(settings) => (settings.uri_endpoint, settings.uri_path, settings.access_key_id),
                Err(problem) => return Ok(Err(problem)),
            }
        }
        None => (
            args.endpoint.clone(),
            args.path.clone().or_else(|| config.as_ref().and_then(|c| c.uri_path.clone())),
            args.access_key_id.clone().or_else(|| config.as_ref().and_then(|c| c.access_key_id.clone())),
        ),
    };
    let endpoint = endpoint.ok_or_else(|| InputError::Missing {
        what: "target",
        how: "give --custom-key-store-id, --custom-key-store-name, or --endpoint with --path and --access-key-id: \
              load never runs without an explicit target"
            .into(),
    })?;
    let host = xks_preflight::endpoint::host(&endpoint)
        .map_err(|problem| InputError::value("--endpoint", &endpoint, format!("an XKS endpoint: it {problem}")))?
        .to_string();
    let path = path.ok_or_else(|| InputError::Missing {
        what: "proxy URI path",
        how: "give --path (e.g. /kms/xks/v1) or --proxy-config".into(),
    })?;
    if !path.starts_with('/') || path.chars().any(|c| c.is_control() || c == ' ') {
        return Err(InputError::value("--path", &path, "a URI path starting with '/', such as /kms/xks/v1"));
    }
    let access_key_id = access_key_id.ok_or_else(|| InputError::Missing {
        what: "access key ID",
        how: "give --access-key-id or --proxy-config".into(),
    })?;
    Ok(Ok((endpoint, host, path, access_key_id)))
}

fn secret(args: &LoadArgs) -> Result<xks_preflight::user_input::Secret, InputError> {
    let from_config = match &args.proxy_config {
        Some(path) => read_proxy_config(path)?.1.map(|secret| (secret, path.display().to_string())),
        None => None,
    };
    let explicit = match (&args.secret_access_key_file, args.secret_access_key_stdin) {
        (Some(path), _) => Some(SecretSource::File(path)),
        (None, true) => Some(SecretSource::Stdin),
        (None, false) => None,
    };
    let found = read_secret(explicit, from_config.as_ref().map(|(s, f)| (s.clone(), f.as_str())))?;
    found.map(|(_, secret)| secret).ok_or_else(|| InputError::Missing {
        what: "secret access key",
        how: "set XKS_PROXY_SECRET_ACCESS_KEY, or give --secret-access-key-file or --secret-access-key-stdin".into(),
    })
}

/// One call of `operation` before the run: what keeps it from getting any HTTP answer, if anything.
async fn first_call(caller: &Caller, operation: Operation) -> Option<String> {
    match caller.send(operation, 0).await {
        Probed::Seen(_) => None,
        other => Some(said(&other)),
    }
}

fn said(exchange: &Probed<xks_preflight::facts::ProxyExchange>) -> String {
    match exchange {
        Probed::Seen(exchange) => format!("answered {}", exchange.status),
        Probed::Failed(failure) => format!("{}: {}", failure.step, failure.message),
        Probed::NotGathered(why) => format!("not sent ({why:?})"),
    }
}

/// The live line on standard error: rate, p99 so far, errors. Only on a terminal, beside the table.
struct LiveLine(Option<ProgressBar>);

impl LiveLine {
    fn start(wanted: bool, color: ColorWhen) -> LiveLine {
        if !wanted || !std::io::stderr().is_terminal() {
            return LiveLine(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let template = match color {
            ColorWhen::Never => "{elapsed} {wide_msg}",
            _ => "{elapsed:.dim} {wide_msg}",
        };
        bar.set_style(ProgressStyle::with_template(template).expect("the template is fixed and valid"));
        bar.set_message("starting");
        LiveLine(Some(bar))
    }

    fn show(&self, live: &Live) {
        if let Some(bar) = &self.0 {
            bar.set_message(format!(
                "{} s · {} sent/s of {}/s · p99 {} ms · {} errors · Ctrl-C stops",
                live.elapsed_s, live.sent_last_second, live.rate, live.p99_ms, live.errors
            ));
        }
    }

    fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}
