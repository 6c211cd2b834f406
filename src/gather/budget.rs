//! The connection budget: how many connections the whole run holds open at once, and how many go to any
//! one destination. Every probe connection (TCP, round-trip samples, TLS handshakes, proxy calls) holds a
//! permit of both for as long as it is open, so that checking many stores behind one proxy never floods
//! it, nor this host's open-file limit, and each store is measured as it would be alone.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug)]
pub struct Budget {
    global: Arc<Semaphore>,
    per_destination: usize,
    destinations: Mutex<HashMap<SocketAddr, Arc<Semaphore>>>,
}

/// Leave to one connection: held while it is open.
#[derive(Debug)]
pub struct Permit {
    _global: OwnedSemaphorePermit,
    _destination: OwnedSemaphorePermit,
}

impl Budget {
    pub fn new(global: usize, per_destination: usize) -> Budget {
        Budget {
            global: Arc::new(Semaphore::new(global)),
            per_destination: per_destination.min(global),
            destinations: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for leave to open a connection to `to`. The destination's permit comes first, so that a run
    /// waiting on one busy proxy does not hold the global budget away from the others.
    pub async fn connection(&self, to: SocketAddr) -> Permit {
        let destination = {
            let mut destinations = self.destinations.lock().expect("no permit holder panics while holding the map");
            destinations.entry(to).or_insert_with(|| Arc::new(Semaphore::new(self.per_destination))).clone()
        };
        let destination = destination.acquire_owned().await.expect("the budget's semaphores are never closed");
        let global = self.global.clone().acquire_owned().await.expect("the budget's semaphores are never closed");
        Permit { _global: global, _destination: destination }
    }
}
