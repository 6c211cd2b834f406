//! A few kept-alive HTTP/1.1 connections over TLS (KMS's suites) to one proxy, shared by the calls that
//! do not depend on each other. Every call is bounded by the probe timeout; once one call gets no answer
//! in that time the proxy counts as stopped, and the calls after it are not sent but say so at once, so
//! that a proxy that never answers costs one timeout, not one per call.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use rustls::version::{TLS12, TLS13};
use tokio::sync::Semaphore;

use crate::facts::BodyProblem;
use crate::gather::budget::{Budget, Permit};
use crate::gather::tls::{self, Connection};

/// Enough for an Encrypt answer at the specification's largest plaintext (4300 bytes, 5736 in base64).
pub const BODY_LIMIT: usize = 64 * 1024;

/// An answer as read: its head, and its body up to the limit.
pub struct Answer {
    pub parts: http::response::Parts,
    /// Whether the call went over a connection an earlier call had used (kept alive), or a new one.
    pub reused: bool,
    /// From sending the request to the end of the answer: waiting for a connection is not the proxy's time.
    pub duration: Duration,
    bytes: Vec<u8>,
    too_large: bool,
}

impl Answer {
    /// The body as text, strictly: up to the first byte that is not UTF-8, and what stopped it.
    pub fn body(&self) -> (String, Option<BodyProblem>) {
        let (text, not_utf8) = match std::str::from_utf8(&self.bytes) {
            Ok(text) => (text, None),
            Err(error) => {
                let offset = error.valid_up_to();
                // A multi-byte character cut by the read limit is the limit's doing, not the proxy's.
                let cut_by_limit = self.too_large && error.error_len().is_none();
                let valid = std::str::from_utf8(&self.bytes[..offset]).expect("valid up to here");
                (valid, (!cut_by_limit).then_some(BodyProblem::NotUtf8 { offset }))
            }
        };
        let problem = if self.too_large { Some(BodyProblem::TooLarge { limit_bytes: BODY_LIMIT }) } else { not_utf8 };
        (text.to_string(), problem)
    }
}

/// Why a call has no answer. `timed_out` when no answer came in time: this call's, or, for a call that
/// was not sent, an earlier one's.
pub struct Unanswered {
    pub message: String,
    pub timed_out: bool,
}

/// An idle connection: its sender, its leave in the budget, and whether a request went over it before.
struct Idle {
    sender: SendRequest<Full<Bytes>>,
    permit: Permit,
    used: bool,
}

pub struct Pool {
    address: SocketAddr,
    host: String,
    timeout: Duration,
    budget: Arc<Budget>,
    idle: Mutex<Vec<Idle>>,
    /// At most this many connections of this pool at once.
    slots: Semaphore,
    /// The first call that got no answer in time.
    stopped: Mutex<Option<String>>,
}

/// Connections one target keeps to its proxy: enough for the independent calls to overlap, few enough
/// that many targets behind one proxy stay within the per-destination budget.
const CONNECTIONS: usize = 3;

impl Pool {
    pub fn new(address: SocketAddr, host: &str, timeout: Duration, budget: Arc<Budget>) -> Pool {
        Pool {
            address,
            host: host.to_string(),
            timeout,
            budget,
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(CONNECTIONS),
            stopped: Mutex::new(None),
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// Takes a connection the TLS probe already opened. One that cannot carry HTTP is dropped.
    pub async fn adopt(&self, (stream, permit): Connection) {
        if let Ok(sender) = http1(stream).await {
            self.idle.lock().expect("the pool's lock is never poisoned").push(Idle { sender, permit, used: false });
        }
    }

    async fn open(&self) -> Result<Idle, String> {
        for version in [&TLS13, &TLS12] {
            if let (_, Some((stream, permit))) =
                tls::handshake(&self.budget, self.address, &self.host, version, true, self.timeout).await
            {
                return Ok(Idle { sender: http1(stream).await?, permit, used: false });
            }
        }
        Err("no TLS handshake with KMS's cipher suites succeeded".into())
    }

    fn stopped(&self) -> Option<String> {
        self.stopped.lock().expect("the pool's lock is never poisoned").clone()
    }

    /// Sends one request (`label` names it) and reads its answer, the body at most `BODY_LIMIT` bytes.
    pub async fn send(&self, label: &str, request: http::Request<Full<Bytes>>) -> Result<Answer, Unanswered> {
        let not_sent = |first: String| Unanswered {
            message: format!("not sent: the proxy stopped answering ({first})"),
            timed_out: true,
        };
        if let Some(first) = self.stopped() {
            return Err(not_sent(first));
        }
        // Every slot is released within a timeout of being taken, so this wait is bounded too.
        let _slot = self.slots.acquire().await.expect("the pool's semaphore is never closed");
        if let Some(first) = self.stopped() {
            return Err(not_sent(first));
        }
        let idle = {
            let mut idle = self.idle.lock().expect("the pool's lock is never poisoned");
            idle.retain(|connection| !connection.sender.is_closed());
            idle.pop()
        };
        let Idle { mut sender, permit, used: reused } = match idle {
            Some(idle) => idle,
            None => self.open().await.map_err(|message| Unanswered { message, timed_out: false })?,
        };
        let started = std::time::Instant::now();
        let exchange = async {
            sender.ready().await.map_err(|e| e.to_string())?;
            let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
            let (parts, mut body) = response.into_parts();
            let mut bytes = Vec::new();
            // Bounded by the limit: a body that goes on is not read further (and its connection is dropped).
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| e.to_string())?;
                let Ok(data) = frame.into_data() else { continue };
                bytes.extend_from_slice(&data);
                if bytes.len() > BODY_LIMIT {
                    bytes.truncate(BODY_LIMIT);
                    return Ok(Answer { parts, reused, duration: started.elapsed(), bytes, too_large: true });
                }
            }
            Ok(Answer { parts, reused, duration: started.elapsed(), bytes, too_large: false })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(answer)) => {
                if !answer.too_large {
                    let connection = Idle { sender, permit, used: true };
                    self.idle.lock().expect("the pool's lock is never poisoned").push(connection);
                }
                Ok(answer)
            }
            Ok(Err(message)) => Err(Unanswered { message, timed_out: false }),
            Err(_) => {
                let message = format!("no answer within {} ms", self.timeout.as_millis());
                self.stopped
                    .lock()
                    .expect("the pool's lock is never poisoned")
                    .get_or_insert(format!("{label}: {message}"));
                Err(Unanswered { message, timed_out: true })
            }
        }
    }
}

async fn http1(
    stream: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
) -> Result<SendRequest<Full<Bytes>>, String> {
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    Ok(sender)
}
