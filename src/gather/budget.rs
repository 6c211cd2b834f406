//! The connection budget: how many connections the whole run holds open at once, and how many go to any
//! one destination. Every probe connection (TCP, round-trip samples, TLS handshakes, proxy calls) holds a
//! permit of both for as long as it is open, so that checking many stores behind one proxy never floods
//! it, nor this host's open-file limit, and the tool's own load never changes what a store measures.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::InputError;

/// Connections the whole run holds at once, unless the open-file limit or `--max-connections` says less.
pub const DEFAULT_GLOBAL: usize = 256;
/// Connections to one address at once, unless `--max-connections-per-destination` says otherwise.
pub const DEFAULT_PER_DESTINATION: usize = 16;
/// Files kept for everything but probe connections: standard streams, DNS sockets, AWS's connections.
const RESERVED_FILES: u64 = 64;
/// The most connections one store's probes hold at once: TCP, a round-trip sample, four TLS handshakes,
/// and the proxy calls' pool of three (one of them a handshake's connection).
pub const PER_STORE: usize = 8;

/// What the command line asked for.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub global: Option<usize>,
    pub per_destination: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { global: None, per_destination: DEFAULT_PER_DESTINATION }
    }
}

#[derive(Debug)]
pub struct Budget {
    global: Arc<Semaphore>,
    limit: usize,
    per_destination: usize,
    destinations: Mutex<HashMap<SocketAddr, Arc<Semaphore>>>,
}

/// Leave to one connection: held while it is open.
#[derive(Debug)]
pub struct Permit {
    _global: OwnedSemaphorePermit,
    _destination: OwnedSemaphorePermit,
}

/// The open-file soft limit, first raised to the hard limit where the system allows it.
fn open_file_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let soft = limit.current?;
    match limit.maximum {
        Some(hard) if hard > soft => {
            let raised = Rlimit { current: Some(hard), maximum: Some(hard) };
            Some(if setrlimit(Resource::Nofile, raised).is_ok() { hard } else { soft })
        }
        // No hard limit: leave the soft one, which is already generous.
        _ => Some(soft),
    }
}

impl Budget {
    /// The budget `limits` asks for, within what this host's open-file limit allows.
    pub fn for_host(limits: Limits) -> Result<Budget, InputError> {
        let files = open_file_limit();
        let room = files.map_or(usize::MAX, |files| files.saturating_sub(RESERVED_FILES) as usize);
        let global = match limits.global {
            Some(wanted) if wanted > room => {
                return Err(InputError::value(
                    "--max-connections",
                    wanted.to_string(),
                    format!(
                        "within this host's open-file limit: at most {room} (ulimit -n allows {}, and {RESERVED_FILES} \
                         files stay free for the rest of the run)",
                        files.unwrap_or_default()
                    ),
                ))
            }
            Some(wanted) => wanted,
            None => DEFAULT_GLOBAL.min(room),
        };
        if global < PER_STORE {
            return Err(InputError::value(
                "the open-file limit (ulimit -n)",
                files.map_or_else(|| "unknown".to_string(), |files| files.to_string()),
                format!(
                    "at least {}: one store's probes hold {PER_STORE} connections at once",
                    PER_STORE as u64 + RESERVED_FILES
                ),
            ));
        }
        Ok(Budget::new(global, limits.per_destination))
    }

    pub fn new(global: usize, per_destination: usize) -> Budget {
        Budget {
            global: Arc::new(Semaphore::new(global)),
            limit: global,
            per_destination: per_destination.min(global),
            destinations: Mutex::new(HashMap::new()),
        }
    }

    /// How many stores can be probed at once without one waiting on another's connections.
    pub fn stores_at_once(&self) -> usize {
        (self.limit / PER_STORE).max(1)
    }

    /// Leave to open a connection to `to` if there is room now; for a holder of other connections, which
    /// must never wait for more while it holds them.
    pub fn try_connection(&self, to: SocketAddr) -> Option<Permit> {
        let destination = self.destination(to).try_acquire_owned().ok()?;
        let global = self.global.clone().try_acquire_owned().ok()?;
        Some(Permit { _global: global, _destination: destination })
    }

    fn destination(&self, to: SocketAddr) -> Arc<Semaphore> {
        let mut destinations = self.destinations.lock().expect("no permit holder panics while holding the map");
        destinations.entry(to).or_insert_with(|| Arc::new(Semaphore::new(self.per_destination))).clone()
    }

    /// Waits for leave to open a connection to `to`. The destination's permit comes first, so that a run
    /// waiting on one busy proxy does not hold the global budget away from the others.
    pub async fn connection(&self, to: SocketAddr) -> Permit {
        let destination = self.destination(to).acquire_owned().await.expect("the budget's semaphores are never closed");
        let global = self.global.clone().acquire_owned().await.expect("the budget's semaphores are never closed");
        Permit { _global: global, _destination: destination }
    }
}
