mod app;
mod cli;

use clap::Parser;
use xks_preflight::report::EXIT_USAGE;

#[tokio::main]
async fn main() {
    let cli = cli::Cli::parse();
    let code = match cli.command {
        cli::Command::Check(args) => match app::check(*args).await {
            Ok(code) => code,
            Err(error) => {
                eprintln!("xks-preflight: {error}");
                EXIT_USAGE
            }
        },
        cli::Command::Explain(args) => match app::explain(args) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("xks-preflight: {error}");
                EXIT_USAGE
            }
        },
    };
    std::process::exit(code);
}
