//! A proxy's answer body, read strictly: a body that was cut at the read limit or is not UTF-8 is never
//! judged as if it were whole; JSON is parsed as JSON, never by searching its text.

use serde::Deserialize;
use serde_json::Value;

use super::answers::ErrorName;
use super::text::quote_at_most;
use crate::facts::{BodyProblem, ProxyExchange};

/// How much of a body that is not JSON the evidence quotes.
const QUOTED_BODY_CHARS: usize = 60;

/// What is wrong with the body as a whole, if anything.
fn problem(exchange: &ProxyExchange) -> Option<String> {
    exchange.body_problem.map(|problem| match problem {
        BodyProblem::TooLarge { limit_bytes } => {
            format!("the body is larger than {} KiB, the most the tool reads", limit_bytes / 1024)
        }
        BodyProblem::NotUtf8 { offset } => format!("the body is not UTF-8 (invalid byte at offset {offset})"),
    })
}

/// The body as JSON, or what keeps it from being JSON.
pub fn json(exchange: &ProxyExchange) -> Result<Value, String> {
    if let Some(problem) = problem(exchange) {
        return Err(problem);
    }
    if exchange.body.is_empty() {
        return Err("the body is empty".into());
    }
    serde_json::from_str(&exchange.body).map_err(|e| format!("the body is not JSON ({e})"))
}

/// The body as the type the specification gives it (`answers`), or what keeps it from being one.
pub fn read<T: for<'de> Deserialize<'de>>(exchange: &ProxyExchange) -> Result<T, String> {
    T::deserialize(json(exchange)?).map_err(|error| format!("the body is not as specified ({error})"))
}

/// The `errorName` of an error body, when the body is JSON with one.
pub fn error_name(exchange: &ProxyExchange) -> Option<String> {
    let named: ErrorName = read(exchange).ok()?;
    Some(quote_at_most(&named.error_name, QUOTED_BODY_CHARS))
}

/// Whether an error answer has the expected `status` but no errorName a reader could take from it: the
/// refusal may be right, and its form is proxy.error_format's finding.
pub fn unnamed(exchange: &ProxyExchange, status: u16) -> bool {
    exchange.status == status && error_name(exchange).is_none()
}

/// `401 AuthenticationFailedException`, or the status and what the body is instead.
pub fn answered(exchange: &ProxyExchange) -> String {
    if let Some(name) = error_name(exchange) {
        return format!("{} {name}", exchange.status);
    }
    if let Some(problem) = problem(exchange) {
        return format!("{} ({problem})", exchange.status);
    }
    if exchange.body.is_empty() {
        return format!("{} with no body", exchange.status);
    }
    format!("{} \"{}\"", exchange.status, quote_at_most(&exchange.body, QUOTED_BODY_CHARS))
}
