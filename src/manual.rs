//! `xks-preflight man`: one manual page with every command and option, generated from the same clap
//! command tree as `--help` (so a flag added anywhere appears in both), with the sections a manual
//! reader looks for: EXAMPLES, EXIT STATUS, ENVIRONMENT and FILES.

use clap::CommandFactory;
use xks_preflight::exit;
use xks_preflight::user_input::SECRET_ENV;

use crate::cli::{Cli, EXAMPLES};

/// The variables the tool reads, and what for.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        SECRET_ENV,
        "The proxy secret access key, when neither --secret-access-key-file nor --secret-access-key-stdin is given.",
    ),
    ("AWS_REGION", "The Region when --region is not given (else the profile's)."),
    ("AWS_PROFILE", "The AWS profile when --profile is not given."),
    ("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN", "AWS credentials, as the AWS SDK reads them."),
    (
        "AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2, \
         AWS_ENDPOINT_URL_CLOUDWATCH, AWS_ENDPOINT_URL_CLOUDTRAIL, AWS_ENDPOINT_URL_STS",
        "Other endpoints for the AWS services read (an emulator, a VPC endpoint).",
    ),
    ("NO_COLOR, CLICOLOR_FORCE", "Turn colours off, or on when standard output is not a terminal (--color auto)."),
    ("COLUMNS", "The width the report and help are filled to (else the terminal's, else 100)."),
];

const FILES: &[(&str, &str)] = &[
    ("~/.aws/config, ~/.aws/credentials", "Profiles, Regions and credentials (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move them)."),
    ("proxy-configuration.json", "The JSON file a proxy hands out for the KMS console, given with --proxy-config: its path and credential are compared with the store's."),
    ("facts files", "Written by --save-facts (never a secret), judged again by --facts with no AWS and no network."),
    ("report files", "--json, --junit, --prometheus and --markdown: each written whole or not at all, after the report on standard output."),
];

/// The page, as roff.
pub fn page() -> String {
    let command = Cli::command();
    let man = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    let rendered = man
        .render_title(&mut out)
        .and_then(|()| man.render_name_section(&mut out))
        .and_then(|()| man.render_synopsis_section(&mut out))
        .and_then(|()| man.render_description_section(&mut out))
        .and_then(|()| man.render_options_section(&mut out));
    rendered.expect("rendering into memory");
    let mut page = String::from_utf8(out).expect("clap_mangen writes UTF-8");
    page.push_str(".SH COMMANDS\n");
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        page.push_str(&subcommand(sub));
    }
    page.push_str(&examples());
    page.push_str(&exit_status());
    page.push_str(&listed("ENVIRONMENT", ENVIRONMENT));
    page.push_str(&listed("FILES", FILES));
    page
}

/// A subcommand's synopsis, description and every option, under a heading of its own.
fn subcommand(sub: &clap::Command) -> String {
    let name = format!("xks-preflight {}", sub.get_name());
    let sub = sub.clone().name(name.clone()).bin_name(name.clone());
    let man = clap_mangen::Man::new(sub.clone());
    let mut synopsis = Vec::new();
    let mut options = Vec::new();
    man.render_synopsis_section(&mut synopsis).expect("rendering into memory");
    man.render_options_section(&mut options).expect("rendering into memory");
    let body = |bytes: Vec<u8>| {
        let text = String::from_utf8(bytes).expect("clap_mangen writes UTF-8");
        // Each part comes with a section heading: here they sit under the subcommand's own.
        text.lines().filter(|line| !line.starts_with(".SH ")).map(|line| format!("{line}\n")).collect::<String>()
    };
    let mut text = format!(".SS \"{}\"\n", roff_escape(&name));
    text.push_str(&body(synopsis));
    if let Some(about) = sub.get_long_about().or(sub.get_about()) {
        text.push_str(&format!(".PP\n{}\n", roff_escape(&about.to_string())));
    }
    let options = body(options);
    if !options.trim().is_empty() {
        text.push_str(".PP\nOptions:\n");
        text.push_str(&options);
    }
    text
}

fn examples() -> String {
    let mut text = String::from(".SH EXAMPLES\n");
    for (what, command) in EXAMPLES {
        text.push_str(&format!(".PP\n{}:\n.PP\n.nf\n.RS 4\n{}\n.RE\n.fi\n", roff_escape(what), roff_escape(command)));
    }
    text
}

fn exit_status() -> String {
    let mut text = String::from(".SH \"EXIT STATUS\"\n");
    for command in [exit::Command::Check, exit::Command::Explain, exit::Command::Alarms] {
        text.push_str(&format!(".SS {}\n", command.name()));
        for (code, meaning) in command.codes() {
            text.push_str(&format!(".TP\n.B {}\n{}\n", i32::from(*code), roff_escape(meaning)));
        }
    }
    text.push_str(".PP\nThe other commands exit 0, or 2 on a bad invocation.\n");
    text
}

fn listed(heading: &str, items: &[(&str, &str)]) -> String {
    let mut text = format!(".SH {heading}\n");
    for (name, meaning) in items {
        text.push_str(&format!(".TP\n.B {}\n{}\n", roff_escape(name), roff_escape(meaning)));
    }
    text
}

/// Text as roff shows it literally: backslashes and hyphens escaped, no line taken for a request.
fn roff_escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    escaped
        .lines()
        .map(|line| if line.starts_with(['.', '\'']) { format!("\\&{line}") } else { line.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}
