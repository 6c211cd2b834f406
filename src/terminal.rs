//! Standard output as a terminal user and a pipeline expect it: colours only where wanted, the
//! terminal's real width, and a reader that goes away (`| head`) ending the output quietly.

use std::io::{IsTerminal, Write};

use xks_preflight::error::InputError;

use crate::cli::ColorWhen;

/// Used when standard output is not a terminal and COLUMNS is not set.
const DEFAULT_WIDTH: usize = 100;

/// Writes `text` to standard output, its ANSI styles kept or stripped as `color` and the environment
/// (NO_COLOR, CLICOLOR_FORCE, whether it is a terminal) say. A closed pipe is not an error.
pub fn print(text: &str, color: ColorWhen) -> Result<(), InputError> {
    let choice = match color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    let mut out = anstream::AutoStream::new(std::io::stdout().lock(), choice);
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(InputError::Unwritable { what: "report to", path: "standard output".into(), cause: error.to_string() })
        }
        _ => Ok(()),
    }
}

/// COLUMNS when set, else the terminal's width, else a width that reads well in a file or a log.
pub fn width() -> usize {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()) {
        return columns;
    }
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        if let Ok(size) = rustix::termios::tcgetwinsize(&stdout) {
            if size.ws_col > 0 {
                return usize::from(size.ws_col);
            }
        }
    }
    DEFAULT_WIDTH
}
