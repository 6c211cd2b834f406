mod app;
mod cli;

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Check(args) => app::check(*args).await,
        cli::Command::Explain(args) => app::explain(args),
    };
    let code = result.unwrap_or_else(|error| {
        eprintln!("xks-preflight: {error}");
        error.exit_code()
    });
    std::process::exit(code.into());
}
