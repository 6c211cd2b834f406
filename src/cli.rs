//! The command line, as clap types.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use xks_preflight::catalogue::{CheckId, Section};
use xks_preflight::exit;

const PLANNED: &str = "Planned settings (before CreateCustomKeyStore)";

const LOAD_EXAMPLES: &str = "\
Examples:
  XKS_PROXY_SECRET_ACCESS_KEY=… xks-preflight load --endpoint https://xks.example.com --path /kms/xks/v1 \\
    --access-key-id AKIA… --rate 1800 --duration 30s --plot load.svg
  xks-preflight load --custom-key-store-id cks-1234567890abcdef0 --xks-key-id key-2026-01 --ramp 200..3600
  xks-preflight load merge host-a.json host-b.json";

/// Examples every installed binary can run as they are (the first two need no AWS account), then the
/// common forms. `xks-preflight man` prints them too.
pub const EXAMPLES: &[(&str, &str)] = &[
    ("A store that turned FAILED, built in: the report opens with why (exit 1)", "xks-preflight check --example failed-vpc"),
    ("What one check requires, how it is checked and the fix", "xks-preflight explain proxy.latency"),
    ("What KMS's error means", "xks-preflight explain XKS_PROXY_INVALID_TLS_CONFIGURATION"),
    ("An existing store, with an external key", "xks-preflight check --custom-key-store-id cks-1234567890abcdef0 \\\n  --region eu-west-1 --xks-key-id key-2026-01"),
    ("Planned settings, before CreateCustomKeyStore", "xks-preflight check --region eu-west-1 \\\n  --endpoint https://xks.example.com --proxy-config proxy-configuration.json"),
    ("Every store of a Region, for a textfile collector", "xks-preflight check --all --region eu-west-1 --quiet \\\n  --prometheus xks.prom"),
    ("The four alarms AWS recommends, as Terraform", "xks-preflight alarms --custom-key-store-id cks-1234567890abcdef0 \\\n  --region eu-west-1 --format terraform"),
];

/// What the command's exit codes mean, as a paragraph clap wraps to the terminal.
fn exit_codes(command: exit::Command) -> String {
    format!("Exit codes ({}): {}.", command.name(), command.listed(|_| true))
}

fn after_top_help() -> String {
    let examples: Vec<String> =
        EXAMPLES.iter().map(|(what, command)| format!("  # {what}\n  {}", command.replace('\n', "\n  "))).collect();
    format!(
        "Examples:\n{}\n\n`xks-preflight <COMMAND> --help` for each command; `xks-preflight man` for the manual.",
        examples.join("\n")
    )
}

#[derive(Debug, Parser)]
#[command(
    name = "xks-preflight",
    version,
    about = "Checks every requirement of an AWS KMS external key store in one run",
    after_help = after_top_help()
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the terminal report: auto follows the terminal, NO_COLOR and CLICOLOR_FORCE.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check an existing store, every external key store of some Regions and accounts, or planned settings.
    Check(Box<CheckArgs>),
    /// Explain a connection error code, an exception name or a KMS error message: causes, checks, what to do.
    Explain(ExplainArgs),
    /// List every check: ID, section, title, requirement, severity and what KMS says when it is broken.
    ListChecks(ListArgs),
    /// Print the four CloudWatch alarms AWS recommends for a store, as aws CLI commands, CloudFormation or
    /// Terraform (no AWS call is made).
    Alarms(AlarmsArgs),
    /// Send signed calls at KMS's rate on a fixed schedule and measure whether the proxy answers within
    /// 250 ms; `--ramp` finds where it breaks; `load merge` adds runs made on several hosts.
    Load(Box<LoadArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): every command and option, examples, exit status, environment, files.
    /// `xks-preflight man | man -l -` reads it.
    Man,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Explain just these checks (IDs or sections such as `tls.*`): requirement, severity, what KMS says,
    /// how it is checked, the fix.
    #[arg(value_name = "ID", value_parser = CheckPattern, hide_possible_values = true)]
    pub ids: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOutput::Table)]
    pub output: TextOutput,
}

#[derive(Debug, Args)]
// clap never breaks the usage line; this one, written out, would run past 80 columns.
#[command(
    after_help = exit_codes(exit::Command::Alarms),
    override_usage = "xks-preflight alarms [OPTIONS] --custom-key-store-id <ID>\n              --region <REGION>"
)]
pub struct AlarmsArgs {
    /// The store the alarms watch, by ID (cks-…).
    #[arg(long, value_name = "ID")]
    pub custom_key_store_id: String,
    /// The store's Region, where the alarms are created.
    #[arg(long, value_name = "REGION")]
    pub region: String,
    /// The AWS profile the commands (or Terraform's provider) name.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// What to print: aws CLI commands, a CloudFormation template, or Terraform.
    #[arg(long, value_enum, default_value_t = AlarmFormat::Cli)]
    pub format: AlarmFormat,
    /// An SNS topic ARN the alarms notify when they fire.
    #[arg(long, value_name = "ARN")]
    pub alarm_action: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlarmFormat {
    /// One `aws cloudwatch put-metric-alarm` command a line.
    Cli,
    /// A template with one AWS::CloudWatch::Alarm each.
    Cloudformation,
    /// An aliased aws provider and one aws_cloudwatch_metric_alarm each.
    Terraform,
}

#[derive(Debug, Args)]
#[command(after_help = exit_codes(exit::Command::Explain))]
pub struct ExplainArgs {
    /// What KMS said, as pasted (several words are joined), or a check ID such as proxy.latency; `-` reads
    /// it from standard input.
    #[arg(value_name = "TEXT", required_unless_present = "list", conflicts_with = "list")]
    pub text: Vec<String>,
    /// List every code, exception and message this version knows.
    #[arg(long)]
    pub list: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOutput::Table)]
    pub output: TextOutput,
}

#[derive(Debug, Args)]
#[command(after_help = check_after_help())]
#[command(group(ArgGroup::new("existing").args(["custom_key_store_id", "custom_key_store_name", "all"])))]
#[command(group(ArgGroup::new("planned").multiple(true)
    .args(["endpoint", "path", "vpc_endpoint_service_name", "vpc_endpoint_service_owner", "access_key_id"])))]
pub struct CheckArgs {
    /// An existing store, by ID (cks-…).
    #[arg(long, value_name = "ID", help_heading = "Which store")]
    pub custom_key_store_id: Option<String>,
    /// An existing store, by name.
    #[arg(long, value_name = "NAME", help_heading = "Which store")]
    pub custom_key_store_name: Option<String>,
    /// Every external key store in the Region (in each Region and account asked for).
    #[arg(long, help_heading = "Which store", conflicts_with_all = ["planned", "proxy_config", "secret_access_key_file", "secret_access_key_stdin"])]
    pub all: bool,

    /// Planned XksProxyUriEndpoint, e.g. https://xks.example.com.
    #[arg(
        long,
        value_name = "URL",
        help_heading = PLANNED,
        conflicts_with = "existing"
    )]
    pub endpoint: Option<String>,
    /// Planned XksProxyUriPath, e.g. /example-prefix/kms/xks/v1.
    #[arg(
        long,
        value_name = "PATH",
        help_heading = PLANNED,
        conflicts_with = "existing"
    )]
    pub path: Option<String>,
    /// Planned XksProxyVpcEndpointServiceName (makes the connectivity VPC_ENDPOINT_SERVICE).
    #[arg(
        long,
        value_name = "NAME",
        help_heading = PLANNED,
        conflicts_with = "existing"
    )]
    pub vpc_endpoint_service_name: Option<String>,
    /// Planned XksProxyVpcEndpointServiceOwner: the account that owns the endpoint service.
    #[arg(
        long,
        value_name = "ACCOUNT",
        help_heading = PLANNED,
        conflicts_with = "existing"
    )]
    pub vpc_endpoint_service_owner: Option<String>,
    /// Planned proxy access key ID.
    #[arg(
        long,
        value_name = "ID",
        help_heading = PLANNED,
        conflicts_with = "existing"
    )]
    pub access_key_id: Option<String>,
    /// Check the stores a Terraform plan creates or updates: the JSON of `terraform show -json PLANFILE`.
    /// Each aws_kms_custom_key_store of type EXTERNAL_KEY_STORE is a target, named by its address.
    #[arg(long, value_name = "FILE", help_heading = "Infrastructure as code",
        conflicts_with_all = ["existing", "planned", "cloudformation"])]
    pub terraform_plan: Option<PathBuf>,
    /// Check the VPC endpoint services of a CloudFormation template (JSON or YAML; a CDK synth output)
    /// against the planned settings given by flags or --proxy-config.
    #[arg(long, value_name = "FILE", help_heading = "Infrastructure as code", conflicts_with = "existing")]
    pub cloudformation: Option<PathBuf>,
    /// The proxy's JSON configuration file (XksProxyUriPath and credential), for planned settings or to
    /// compare with an existing store.
    #[arg(long, value_name = "FILE")]
    pub proxy_config: Option<PathBuf>,

    /// Read the proxy secret access key from this file (else XKS_PROXY_SECRET_ACCESS_KEY, else the proxy
    /// configuration file). Never given on the command line.
    #[arg(long, value_name = "FILE", help_heading = "Secret", conflicts_with = "secret_access_key_stdin")]
    pub secret_access_key_file: Option<PathBuf>,
    /// Read the proxy secret access key from standard input.
    #[arg(long, help_heading = "Secret")]
    pub secret_access_key_stdin: bool,
    /// Rehearse a credential rotation: the access key ID the store is to move to. Its secret comes from
    /// --next-secret-access-key-file or --next-secret-access-key-stdin; proxy.credential_rotation then
    /// checks that the proxy accepts both credentials.
    #[arg(long, value_name = "ID", help_heading = "Secret", conflicts_with = "all", requires = "next_secret")]
    pub next_access_key_id: Option<String>,
    /// Read the next secret access key (of --next-access-key-id) from this file. Never given on the
    /// command line.
    #[arg(long, value_name = "FILE", help_heading = "Secret", group = "next_secret", requires = "next_access_key_id")]
    pub next_secret_access_key_file: Option<PathBuf>,
    /// Read the next secret access key from standard input.
    #[arg(
        long,
        help_heading = "Secret",
        group = "next_secret",
        requires = "next_access_key_id",
        conflicts_with = "secret_access_key_stdin"
    )]
    pub next_secret_access_key_stdin: bool,

    /// AWS Region (repeatable; else the SDK's usual chain: AWS_REGION, the profile). Several Regions
    /// need --all.
    #[arg(long, value_name = "REGION", help_heading = "AWS")]
    pub region: Vec<String>,
    /// Every Region the account has enabled where KMS offers external key stores (ec2:DescribeRegions);
    /// needs --all.
    #[arg(long, help_heading = "AWS", requires = "all", conflicts_with = "region")]
    pub all_regions: bool,
    /// Assume this role and check its account (repeatable: one account each). The credentials found
    /// (--profile, the environment) are used only to assume the roles. Several accounts need --all.
    #[arg(long, value_name = "ARN", help_heading = "AWS")]
    pub role_arn: Vec<String>,
    /// AWS profile name; the aws commands of the fixes name it too.
    #[arg(long, value_name = "NAME", help_heading = "AWS")]
    pub profile: Option<String>,
    /// The longest one attempt of an AWS call may take, in seconds (at most three attempts are made).
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300), help_heading = "AWS")]
    pub aws_timeout: u64,
    /// Judge planned settings (flags, a plan or a template) without asking AWS.
    #[arg(long, help_heading = "AWS", conflicts_with_all = ["existing", "all_regions", "role_arn"])]
    pub no_aws: bool,

    /// An external key ID to call GetKeyMetadata, Encrypt and Decrypt with (repeatable). For an existing
    /// store, the external keys of its KMS keys are called too.
    #[arg(long, value_name = "ID", help_heading = "Network")]
    pub xks_key_id: Vec<String>,
    /// Do not probe the endpoint: AWS-side checks only.
    #[arg(long, help_heading = "Network", conflicts_with_all = ["dns_server", "connect_to", "ca_file", "client_cert", "client_key", "rtt_samples", "probe_timeout", "xks_key_id", "max_connections", "max_connections_per_destination"])]
    pub no_network: bool,
    /// Resolver for the DNS checks, IP[:PORT] (default: the system's).
    #[arg(long, value_name = "IP[:PORT]", help_heading = "Network")]
    pub dns_server: Option<String>,
    /// Send the endpoint's connections to HOST:PORT instead, keeping its name for SNI and Host: one proxy
    /// node behind a load balancer, a bastion's forward, a test server.
    #[arg(long, value_name = "HOST:PORT", help_heading = "Network")]
    pub connect_to: Option<String>,
    /// PEM certificates of a private CA, to follow a chain that ends there (KMS still refuses it).
    #[arg(long, value_name = "PEM", help_heading = "Network")]
    pub ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub client: ClientCertArgs,
    /// TCP handshakes to measure the round-trip time with.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100), help_heading = "Network")]
    pub rtt_samples: u16,
    /// The longest any one network step (lookup, connection, handshake, request) may take, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60), help_heading = "Network")]
    pub probe_timeout: u64,
    /// The most connections open at once over the whole run (default: 256, or what the open-file limit
    /// leaves room for).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(8..=65536), help_heading = "Network")]
    pub max_connections: Option<u64>,
    /// The most connections open at once to any one address: many stores behind one proxy share it.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=4096), help_heading = "Network")]
    pub max_connections_per_destination: u64,

    /// How far back to read what KMS saw of existing stores (its CloudWatch metrics, CloudTrail's failed
    /// calls): a number and a unit, s, m, h or d, at most 14 days.
    #[arg(long, value_name = "DURATION", default_value = "3h", value_parser = parse_since, help_heading = "What KMS saw")]
    pub since: std::time::Duration,
    /// Do not read what KMS saw: the monitor.* checks are skipped.
    #[arg(long, help_heading = "What KMS saw")]
    pub no_monitor: bool,
    /// The age in days past which the store's credential should be rotated (KMS's XksProxyCredentialAge).
    #[arg(long, value_name = "DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650), help_heading = "What KMS saw")]
    pub max_credential_age: u32,

    /// The longest the whole run may take, in seconds; whatever is not done by then is reported as an error.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Leave this check out (its ID, or a section as `tls.*`); repeatable.
    #[arg(long, value_name = "ID", value_parser = CheckPattern, hide_possible_values = true, help_heading = "Report")]
    pub skip: Vec<String>,
    /// Judge only this check (its ID, or a section as `tls.*`) and the checks it can be blocked by;
    /// repeatable. The others are skipped.
    #[arg(long, value_name = "ID", value_parser = CheckPattern, hide_possible_values = true, help_heading = "Report")]
    pub only: Vec<String>,
    /// The lowest status that makes the exit code 1: fail (the default), or warn.
    #[arg(long, value_enum, default_value_t = FailOn::Fail, help_heading = "Report")]
    pub fail_on: FailOn,
    /// Output format of standard output.
    #[arg(long, value_enum, default_value_t = Output::Table, help_heading = "Report")]
    pub output: Output,
    /// Show every check, passes and skips too.
    #[arg(short, long, conflicts_with = "quiet", help_heading = "Report")]
    pub verbose: bool,
    /// Show only failures, warnings, errors, the diagnosis and the summary.
    #[arg(short, long, help_heading = "Report")]
    pub quiet: bool,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE", help_heading = "Report")]
    pub json: Option<PathBuf>,
    /// Also write the JUnit XML report to this file.
    #[arg(long, value_name = "FILE", help_heading = "Report")]
    pub junit: Option<PathBuf>,
    /// Also write the Prometheus text exposition to this file (a textfile collector's directory).
    #[arg(long, value_name = "FILE", help_heading = "Report")]
    pub prometheus: Option<PathBuf>,
    /// Also write the Markdown report to this file.
    #[arg(long, value_name = "FILE", help_heading = "Report")]
    pub markdown: Option<PathBuf>,
    /// Write every gathered fact (never a secret) to this file, after the report.
    #[arg(long, value_name = "FILE", conflicts_with = "facts", help_heading = "Report")]
    pub save_facts: Option<PathBuf>,
    /// Judge a built-in example with no AWS and no network: a store that turned FAILED, or healthy stores.
    #[arg(long, value_enum, value_name = "NAME", conflicts_with = "facts", conflicts_with_all = FACTS_EXCLUDE, help_heading = "Report")]
    pub example: Option<Example>,
    /// Judge the facts in this file (written by --save-facts) with no AWS and no network.
    #[arg(long, value_name = "FILE", conflicts_with_all = FACTS_EXCLUDE)]
    pub facts: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(after_help = format!("{LOAD_EXAMPLES}\n\n{}", exit_codes(exit::Command::Load)))]
#[command(args_conflicts_with_subcommands = true)]
#[command(group(ArgGroup::new("existing").args(["custom_key_store_id", "custom_key_store_name"])))]
#[command(group(ArgGroup::new("planned").multiple(true).args(["endpoint", "path", "access_key_id"])))]
pub struct LoadArgs {
    #[command(subcommand)]
    pub merge: Option<LoadCommand>,

    /// An existing store, by ID (cks-…): its endpoint, path and access key ID are read from KMS.
    #[arg(long, value_name = "ID", help_heading = "Which store")]
    pub custom_key_store_id: Option<String>,
    /// An existing store, by name.
    #[arg(long, value_name = "NAME", help_heading = "Which store")]
    pub custom_key_store_name: Option<String>,
    /// AWS Region of the existing store (else the SDK's usual chain).
    #[arg(long, value_name = "REGION", help_heading = "Which store")]
    pub region: Option<String>,
    /// AWS profile name, to read the existing store.
    #[arg(long, value_name = "NAME", help_heading = "Which store")]
    pub profile: Option<String>,
    /// Planned XksProxyUriEndpoint, e.g. https://xks.example.com.
    #[arg(long, value_name = "URL", help_heading = PLANNED, conflicts_with = "existing")]
    pub endpoint: Option<String>,
    /// Planned XksProxyUriPath, e.g. /example-prefix/kms/xks/v1.
    #[arg(long, value_name = "PATH", help_heading = PLANNED, conflicts_with = "existing")]
    pub path: Option<String>,
    /// Planned proxy access key ID.
    #[arg(long, value_name = "ID", help_heading = PLANNED, conflicts_with = "existing")]
    pub access_key_id: Option<String>,
    /// The proxy's JSON configuration file (XksProxyUriPath and credential).
    #[arg(long, value_name = "FILE", help_heading = PLANNED)]
    pub proxy_config: Option<PathBuf>,
    /// Read the proxy secret access key from this file (else XKS_PROXY_SECRET_ACCESS_KEY, else the proxy
    /// configuration file). Never given on the command line.
    #[arg(long, value_name = "FILE", help_heading = "Secret", conflicts_with = "secret_access_key_stdin")]
    pub secret_access_key_file: Option<PathBuf>,
    /// Read the proxy secret access key from standard input.
    #[arg(long, help_heading = "Secret")]
    pub secret_access_key_stdin: bool,
    /// Send the connections to HOST:PORT instead, keeping the endpoint's name for SNI and Host: one proxy
    /// node behind a load balancer.
    #[arg(long, value_name = "HOST:PORT", help_heading = "Network")]
    pub connect_to: Option<String>,
    #[command(flatten)]
    pub client: ClientCertArgs,
    /// The longest one request may wait for its answer, in seconds; the run waits this long for the last.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60), help_heading = "Network")]
    pub probe_timeout: u64,

    /// An external key ID (repeatable): the run sends the Encrypt and Decrypt KMS sends, to each in turn.
    #[arg(long, value_name = "ID", help_heading = "Load")]
    pub xks_key_id: Vec<String>,
    /// The operations to send, in turn (default: health alone, or encrypt,decrypt with --xks-key-id).
    #[arg(long, value_name = "LIST", value_enum, value_delimiter = ',', help_heading = "Load")]
    pub operations: Vec<LoadOperation>,
    /// Requests per second.
    #[arg(long, value_name = "N", default_value_t = 1800.0, help_heading = "Load")]
    pub rate: f64,
    /// How long to send: a number and a unit (ms, s, m), at most 10m; with --ramp, each step's (10m in all).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration, help_heading = "Load")]
    pub duration: std::time::Duration,
    /// Step the rate from FROM to TO, whole rates (e.g. 200..3600), and report the highest rate the proxy held.
    #[arg(long, value_name = "FROM..TO", conflicts_with = "rate", help_heading = "Load")]
    pub ramp: Option<String>,
    /// How many rates a ramp tries, evenly spaced from FROM to TO.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=100), requires = "ramp", help_heading = "Load")]
    pub ramp_steps: u32,
    /// Kept-alive TLS connections (default: enough for the rate at 50 ms a call, at least 4).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=4096), help_heading = "Load")]
    pub connections: Option<u64>,
    /// The highest rate any run or step may ask for, and the fastest a catch-up after a stall may send.
    #[arg(long, value_name = "N", default_value_t = 10_000.0, help_heading = "Load")]
    pub max_rate: f64,
    /// The share of requests that may fail before the verdict fails: a fraction (0.001) or a percentage (0.1%).
    #[arg(long, value_name = "RATE", default_value = "0.1%", value_parser = parse_share, help_heading = "Load")]
    pub max_error_rate: f64,
    /// Start at this time (RFC 3339, e.g. 2026-12-03T15:00:00Z), so that runs on several hosts begin together.
    #[arg(long, value_name = "TIME", help_heading = "Load")]
    pub start_at: Option<String>,

    /// Output format of standard output.
    #[arg(long, value_enum, default_value_t = LoadOutput::Table, help_heading = "Report")]
    pub output: LoadOutput,
    /// Also write the JSON report to this file (for `load merge`).
    #[arg(long, value_name = "FILE", help_heading = "Report")]
    pub json: Option<PathBuf>,
    /// Also draw the latency percentiles and the latency over time into this SVG file.
    #[arg(long, value_name = "FILE.svg", help_heading = "Report")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum LoadCommand {
    /// Add the JSON reports of runs made at once on several hosts into one report and one verdict.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports written by `load --output json` or `--json`.
    #[arg(value_name = "REPORT.json", required = true, num_args = 1..)]
    pub reports: Vec<PathBuf>,
    /// Output format of standard output.
    #[arg(long, value_enum, default_value_t = LoadOutput::Table)]
    pub output: LoadOutput,
    /// Also draw the merged figures into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LoadOperation {
    /// GetHealthStatus, as KMS's health checks send it.
    Health,
    /// Encrypt of a data key, with AAD.
    Encrypt,
    /// Decrypt of what an Encrypt returned, with the same AAD.
    Decrypt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LoadOutput {
    Table,
    Json,
    Markdown,
}

/// `--duration`: a number and a unit (ms, s, m), from 100 ms to 10 minutes.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    const EXPECTED: &str = "a duration such as 500ms, 10s or 2m, from 100ms to 10m";
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| EXPECTED.to_string())?;
    let millis = match unit {
        "ms" => number,
        "s" | "" => number.saturating_mul(1000),
        "m" => number.saturating_mul(60_000),
        _ => return Err(EXPECTED.to_string()),
    };
    if !(100..=600_000).contains(&millis) {
        return Err(EXPECTED.to_string());
    }
    Ok(std::time::Duration::from_millis(millis))
}

/// `--max-error-rate`: a fraction from 0 to 1, or a percentage from 0% to 100%.
fn parse_share(text: &str) -> Result<f64, String> {
    const EXPECTED: &str = "a fraction such as 0.001 or a percentage such as 0.1%";
    let (number, scale) = match text.strip_suffix('%') {
        Some(number) => (number, 100.0),
        None => (text, 1.0),
    };
    let value: f64 = number.trim().parse().map_err(|_| EXPECTED.to_string())?;
    let share = value / scale;
    if !(0.0..=1.0).contains(&share) {
        return Err(EXPECTED.to_string());
    }
    Ok(share)
}

fn check_after_help() -> String {
    format!(
        "Examples:\n  xks-preflight check --example failed-vpc\n  xks-preflight check --example healthy -v\n\n{}",
        exit_codes(exit::Command::Check)
    )
}

/// A check ID or a `section.*` pattern. Any text is taken here and judged after parsing, where an
/// unknown one gets the nearest known ones in a line; the IDs are offered as possible values so that
/// the shell completions complete them.
#[derive(Clone)]
pub struct CheckPattern;

impl clap::builder::TypedValueParser for CheckPattern {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let sections = Section::ALL.iter().map(|s| format!("{}.*", s.prefix()));
        let ids = CheckId::ALL.iter().map(|id| id.as_str().to_string());
        Some(Box::new(sections.chain(ids).map(clap::builder::PossibleValue::new)))
    }
}

/// `--since`: a whole number and a unit (s, m, h, d), from a minute to 14 days: CloudWatch keeps
/// one-minute data for 15 days.
fn parse_since(text: &str) -> Result<std::time::Duration, String> {
    const EXPECTED: &str = "a duration such as 90m, 3h or 7d, from 1m to 14d";
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| EXPECTED.to_string())?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(EXPECTED.to_string()),
    };
    let seconds = number.checked_mul(unit).ok_or_else(|| EXPECTED.to_string())?;
    if !(60..=14 * 86_400).contains(&seconds) {
        return Err(EXPECTED.to_string());
    }
    Ok(std::time::Duration::from_secs(seconds))
}

/// What a facts file excludes: everything that gathers.
/// `--profile` stays: the fix commands name it.
const FACTS_EXCLUDE: [&str; 27] = [
    "existing",
    "planned",
    "proxy_config",
    "secret_access_key_file",
    "secret_access_key_stdin",
    "next_access_key_id",
    "terraform_plan",
    "cloudformation",
    "region",
    "all_regions",
    "role_arn",
    "no_aws",
    "aws_timeout",
    "no_network",
    "dns_server",
    "connect_to",
    "ca_file",
    "client_cert",
    "client_key",
    "rtt_samples",
    "probe_timeout",
    "xks_key_id",
    "max_connections",
    "max_connections_per_destination",
    "timeout",
    "since",
    "no_monitor",
];

/// The facts recorded from stores in the tests' emulated AWS, built into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Example {
    /// A VPC store that turned FAILED: its endpoint service requires manual acceptance (exit 1).
    FailedVpc,
    /// Healthy stores, public endpoint (exit 0).
    Healthy,
}

impl Example {
    /// The facts file's name (as in the repository's fixtures/examples/) and text.
    pub fn facts(self) -> (&'static str, &'static str) {
        match self {
            Example::FailedVpc => ("failed-vpc-store.json", include_str!("../fixtures/examples/failed-vpc-store.json")),
            Example::Healthy => ("healthy-stores.json", include_str!("../fixtures/examples/healthy-stores.json")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
    /// JUnit XML: a test suite per store, a test case per check.
    Junit,
    /// Prometheus text exposition, for a node exporter's textfile collector.
    Prometheus,
    /// Markdown, for a ticket or a pull request.
    Markdown,
    /// GitHub Actions workflow commands: an annotation per problem, on the Terraform address or template
    /// logical ID it concerns.
    Github,
}

/// The formats of `explain` and `list-checks`: they judge nothing, so they have no CI or metrics form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOutput {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Fail,
    Warn,
}

/// The client certificate `check` and `load` present to a proxy that asks for one (mutual TLS).
#[derive(Debug, Args)]
pub struct ClientCertArgs {
    /// PEM client certificate (leaf first) to present to a proxy that asks for one; never sent unless given,
    /// and then only on a certificate request. Needs --client-key.
    #[arg(long, value_name = "PEM", help_heading = "Network", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// PEM private key of --client-cert.
    #[arg(long, value_name = "PEM", help_heading = "Network", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
}
