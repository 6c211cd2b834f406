mod app;
mod cli;
mod files;
mod load_app;
mod progress;
mod terminal;

use clap::{CommandFactory, Parser};

#[tokio::main]
async fn main() {
    let cli = cli::Cli::parse();
    let color = cli.color;
    let result = match cli.command {
        cli::Command::Check(args) => app::check(*args, color).await,
        cli::Command::Explain(args) => app::explain(args, color),
        cli::Command::ListChecks(args) => app::list_checks(args, color),
        cli::Command::Alarms(args) => app::alarms(args, color),
        cli::Command::Load(args) => load_app::load(*args, color).await,
        cli::Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cli::Cli::command(), "xks-preflight", &mut script);
            terminal::print(&String::from_utf8_lossy(&script), cli::ColorWhen::Never)
                .map(|()| xks_preflight::exit::ExitCode::Ok)
        }
        cli::Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cli::Cli::command()).render(&mut page).expect("rendering into memory");
            terminal::print(&String::from_utf8_lossy(&page), cli::ColorWhen::Never)
                .map(|()| xks_preflight::exit::ExitCode::Ok)
        }
    };
    let code = result.unwrap_or_else(|error| {
        eprintln!("xks-preflight: {error}");
        error.exit_code()
    });
    std::process::exit(code.into());
}
