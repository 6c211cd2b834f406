//! Each answer of a load run judged as `check` judges it: a 200 counts only when its body is the type
//! the specification gives the operation; anything else is an error, named by its HTTP status and
//! errorName, and a call with no answer is named by what happened to it.

use crate::checks::answers::{Decrypted, Encrypted, HealthReport};
use crate::checks::body;
use crate::facts::{Probed, ProxyExchange};
use crate::gather::load::Operation;

use super::figures::Judged;

/// The most characters of a transport error kept as its kind: enough to tell a reset from a refusal.
const KIND_CHARS: usize = 80;

pub fn judge(operation: Operation, exchange: &Probed<ProxyExchange>) -> Judged {
    let exchange = match exchange {
        Probed::Seen(exchange) => exchange,
        Probed::Failed(failure) if failure.timed_out => return Judged::NoAnswer("no answer in time".into()),
        Probed::Failed(failure) => {
            let message: String = failure.message.chars().take(KIND_CHARS).collect();
            return Judged::NoAnswer(format!("connection: {message}"));
        }
        Probed::NotGathered(_) => return Judged::NoAnswer("not sent".into()),
    };
    if exchange.status == 200 {
        let read = match operation {
            Operation::Health => body::read::<HealthReport>(exchange).map(drop),
            Operation::Encrypt => body::read::<Encrypted>(exchange).map(drop),
            Operation::Decrypt => body::read::<Decrypted>(exchange).map(drop),
        };
        return match read {
            Ok(()) => Judged::Ok,
            Err(_) => Judged::Error("200 malformed body".into()),
        };
    }
    match body::error_name(exchange) {
        Some(name) => Judged::Error(format!("{} {name}", exchange.status)),
        None => Judged::Error(format!("{} (no errorName)", exchange.status)),
    }
}
