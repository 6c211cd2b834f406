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
use rustls::version::TLS13;
use rustls::SupportedProtocolVersion;
use tokio::sync::{Notify, Semaphore};

use crate::facts::BodyProblem;
use crate::gather::budget::{Budget, Permit};
use crate::gather::tls::{self, Connection};
use crate::proxy_body::{body_text, BODY_LIMIT};

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
    pub fn body(&self) -> (String, Option<BodyProblem>) {
        body_text(&self.bytes, self.too_large)
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
    /// How many connections the pool holds, idle or carrying a call.
    open: Mutex<usize>,
    /// Told whenever a connection comes back or goes, for a call waiting for one.
    returned: Notify,
    /// The TLS version of the pool's connections.
    version: Mutex<Option<&'static SupportedProtocolVersion>>,
    /// At most this many calls of this pool at once.
    slots: Semaphore,
    /// The first call that got no answer in time.
    stopped: Mutex<Option<String>>,
    /// The client certificate the connections present when asked (`--client-cert`), if any.
    client: tls::Client,
    /// Whether a call with no answer in time stops the calls after it (a check's probes), or not (a load
    /// run, where a stall is a figure to measure, not a reason to stop).
    stops_on_timeout: bool,
}

/// Connections one target keeps to its proxy: enough for the independent calls to overlap, few enough
/// that many targets behind one proxy stay within the per-destination budget.
const CONNECTIONS: usize = 3;

impl Pool {
    pub fn new(address: SocketAddr, host: &str, timeout: Duration, budget: Arc<Budget>, client: tls::Client) -> Pool {
        Pool::sized(address, host, timeout, budget, client, CONNECTIONS, true)
    }

    /// A pool of at most `connections` connections; `stops_on_timeout` as the field says.
    pub fn sized(
        address: SocketAddr,
        host: &str,
        timeout: Duration,
        budget: Arc<Budget>,
        client: tls::Client,
        connections: usize,
        stops_on_timeout: bool,
    ) -> Pool {
        Pool {
            client,
            address,
            host: host.to_string(),
            timeout,
            budget,
            idle: Mutex::new(Vec::new()),
            open: Mutex::new(0),
            returned: Notify::new(),
            version: Mutex::new(None),
            slots: Semaphore::new(connections),
            stopped: Mutex::new(None),
            stops_on_timeout,
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TLS version the pool's connections are made with.
    pub fn prefer(&self, version: &'static SupportedProtocolVersion) {
        *lock(&self.version) = Some(version);
    }

    /// Takes a connection the TLS probe made. One that cannot carry HTTP is dropped.
    pub async fn adopt(&self, (stream, permit): Connection) {
        if let Ok(sender) = http1(stream).await {
            *lock(&self.open) += 1;
            lock(&self.idle).push(Idle { sender, permit, used: false });
        }
    }

    /// Lets go of every idle connection and its leave in the budget, once the calls are done.
    pub fn close(&self) {
        let closed = std::mem::take(&mut *lock(&self.idle));
        *lock(&self.open) -= closed.len();
    }

    fn stopped(&self) -> Option<String> {
        lock(&self.stopped).clone()
    }

    /// A connection to send over: an idle one, or a new one. A pool that holds no connection waits for
    /// leave in the budget (bounded by the run's deadline, like everything). A pool that already holds
    /// connections never waits for leave to open another (two pools could each hold what the other waits
    /// for); it takes room that is free now, or waits for one of its own to come back, each of which
    /// comes back (or is lost, which also wakes the wait) within one exchange timeout. That second wait
    /// ends at three timeouts: a call woken late may find its connection taken by another call of the
    /// same pool, and is then reported as not having got one, never left waiting.
    async fn checkout(&self) -> Result<Idle, Unanswered> {
        let deadline = tokio::time::Instant::now() + self.timeout * 3;
        // Each turn returns, or waits for an event of the pool's own; the deadline ends the loop.
        loop {
            let idle = {
                let mut idle = lock(&self.idle);
                let before = idle.len();
                idle.retain(|connection| !connection.sender.is_closed());
                *lock(&self.open) -= before - idle.len();
                idle.pop()
            };
            if let Some(idle) = idle {
                return Ok(idle);
            }
            let holds_none = *lock(&self.open) == 0;
            let permit = if holds_none {
                Some(self.budget.connection(self.address).await)
            } else {
                self.budget.try_connection(self.address)
            };
            if let Some(permit) = permit {
                return self.open(permit).await.map_err(|message| Unanswered { message, timed_out: false });
            }
            // A wake-up may find nothing (another call took what came back): the next turn looks again.
            if tokio::time::timeout_at(deadline, self.returned.notified()).await.is_err() {
                break;
            }
        }
        Err(Unanswered { message: "no connection to the proxy came free in time".into(), timed_out: false })
    }

    async fn open(&self, permit: Permit) -> Result<Idle, String> {
        let version = lock(&self.version).unwrap_or(&TLS13);
        match tls::handshake_with(permit, self.address, &self.host, (version, true), &self.client, self.timeout).await {
            (_, Some((stream, permit))) => {
                let sender = http1(stream).await?;
                *lock(&self.open) += 1;
                Ok(Idle { sender, permit, used: false })
            }
            (attempt, None) => Err(match attempt.outcome {
                crate::facts::Probed::Failed(failure) => failure.message,
                _ => "no TLS handshake with KMS's cipher suites succeeded".into(),
            }),
        }
    }

    /// A connection that will carry no more calls.
    fn lose(&self, connection: Idle) {
        drop(connection);
        *lock(&self.open) -= 1;
        self.returned.notify_one();
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
        let Idle { mut sender, permit, used: reused } = self.checkout().await?;
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
        let outcome = tokio::time::timeout(self.timeout, exchange).await;
        let connection = Idle { sender, permit, used: true };
        match outcome {
            Ok(Ok(answer)) => {
                if answer.too_large {
                    self.lose(connection);
                } else {
                    lock(&self.idle).push(connection);
                    self.returned.notify_one();
                }
                Ok(answer)
            }
            Ok(Err(message)) => {
                self.lose(connection);
                Err(Unanswered { message, timed_out: false })
            }
            Err(_) => {
                self.lose(connection);
                let message = format!("no answer within {} ms", self.timeout.as_millis());
                if self.stops_on_timeout {
                    lock(&self.stopped).get_or_insert(format!("{label}: {message}"));
                }
                Err(Unanswered { message, timed_out: true })
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().expect("the pool's locks are never held across a panic")
}

async fn http1(
    stream: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
) -> Result<SendRequest<Full<Bytes>>, String> {
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    Ok(sender)
}
