//! `xks-preflight completions SHELL`: clap_complete's scripts for the command tree, so every
//! subcommand, flag and value (check IDs included) completes as it is declared.
//!
//! clap_complete's bash script never completes past the subcommand when the binary's name has a hyphen
//! (clap-rs/clap#6421: its dispatch loop and its case labels spell the state differently). The bash
//! script is therefore generated for a name without one, which its dispatch loop never depends on (it
//! matches the first word whatever it is), and registered for the real name.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

const BIN: &str = "xks-preflight";
/// The name the bash script is generated for: the binary's without its hyphen.
const BASH_NAME: &str = "xkspreflight";

pub fn script(shell: Shell) -> String {
    let mut command = Cli::command();
    let name = if shell == Shell::Bash { BASH_NAME } else { BIN };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    let script = String::from_utf8(script).expect("clap_complete writes UTF-8");
    if shell != Shell::Bash {
        return script;
    }
    // Only the registration names the command the user types.
    script
        .lines()
        .map(|line| match line.trim_start().starts_with("complete ") {
            true => line.replace(&format!(" {BASH_NAME}"), &format!(" {BIN}")),
            false => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
