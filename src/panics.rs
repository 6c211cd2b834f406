//! What a panic prints: a bug's one line, with every secret the run read hidden. Rust's own hook
//! prints the panic's message as it is, and a message can hold any value the code had at hand.

use std::panic::PanicHookInfo;

use crate::user_input::without_secrets;

/// Replaces Rust's panic hook for the whole process.
pub fn install() {
    std::panic::set_hook(Box::new(|info| eprintln!("{}", line(info))));
}

/// The line a panic prints: where, and its message without the run's secrets.
pub fn line(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
    let message = without_secrets(&message).split_whitespace().collect::<Vec<_>>().join(" ");
    format!("xks-preflight: internal error{place}: {message}; this is a bug, please report it")
}
