mod app;
mod cli;
mod completions;
mod files;
mod load_app;
mod manual;
mod progress;
mod terminal;

use clap::Parser;

#[tokio::main]
async fn main() {
    xks_preflight::panics::install();
    let cli = cli::Cli::parse();
    let color = cli.color;
    let result = match cli.command {
        cli::Command::Check(args) => app::check(*args, color).await,
        cli::Command::Explain(args) => app::explain(args, color),
        cli::Command::ListChecks(args) => app::list_checks(args, color),
        cli::Command::Alarms(args) => app::alarms(args, color),
        cli::Command::Load(args) => load_app::load(*args, color).await,
        cli::Command::Completions { shell } => terminal::print(&completions::script(shell), cli::ColorWhen::Never)
            .map(|()| xks_preflight::exit::ExitCode::Ok),
        cli::Command::Man => {
            terminal::print(&manual::page(), cli::ColorWhen::Never).map(|()| xks_preflight::exit::ExitCode::Ok)
        }
    };
    let code = result.unwrap_or_else(|error| {
        eprintln!("xks-preflight: {error}");
        error.exit_code()
    });
    std::process::exit(code.into());
}
