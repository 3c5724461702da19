//! The worker context: everything one PHP worker process learns and owes
//! between calls, in one value with one owner. The PHP layer holds the single
//! process-wide instance; the core flows take it as a parameter, so each test
//! can have a worker of its own.
//!
//! - `memory`: what RunCloud said of each app (SSL set-up, domain ids, server
//!   addresses, failed certificate steps), kept for minutes to an hour;
//! - `breakers`: one circuit breaker per app;
//! - `batch`: what the current PHP request owes (redeploys) and has learnt
//!   (wildcards), emptied when a request starts;
//! - `waiting`: names waiting for DNS, per app, when the state directory
//!   cannot keep them, and when this worker last looked for names due.
//!
//! The API client's own rate budget and connections are not here: they belong
//! to the client layer (`api::transport`), shared by every worker context.

use crate::api::IdBook;
use crate::app_memory::AppMemory;
use crate::breaker::Breakers;
use crate::ssl_batch::RequestBatch;
use crate::waiting::Waiting;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How often one worker reads an app's waiting list for names due a look:
/// a busy network's every event must not cost a file read per app.
const SCAN_EVERY: Duration = Duration::from_secs(20);

/// Per app: names waiting in this worker's memory (no state directory), and
/// when this worker last looked for names due.
#[derive(Default)]
pub struct WaitingMemory {
    lists: HashMap<String, Vec<Waiting>>,
    scanned: HashMap<String, Instant>,
}

impl WaitingMemory {
    pub fn list(&mut self, key: &str) -> &mut Vec<Waiting> {
        self.lists.entry(key.to_string()).or_default()
    }

    /// True when the app's list is worth reading now (and notes that it was).
    pub fn scan_due(&mut self, key: &str) -> bool {
        let due = self
            .scanned
            .get(key)
            .is_none_or(|at| at.elapsed() >= SCAN_EVERY);
        if due {
            self.scanned.insert(key.to_string(), Instant::now());
        }
        due
    }
}

#[derive(Default)]
pub struct Worker {
    memory: Mutex<AppMemory>,
    breakers: Mutex<Breakers>,
    batch: Mutex<RequestBatch>,
    waiting: Mutex<WaitingMemory>,
}

impl Worker {
    pub fn new() -> Worker {
        Worker::default()
    }

    pub fn memory(&self) -> MutexGuard<'_, AppMemory> {
        crate::lock(&self.memory)
    }

    pub fn breakers(&self) -> MutexGuard<'_, Breakers> {
        crate::lock(&self.breakers)
    }

    pub fn batch(&self) -> MutexGuard<'_, RequestBatch> {
        crate::lock(&self.batch)
    }

    pub fn waiting(&self) -> MutexGuard<'_, WaitingMemory> {
        crate::lock(&self.waiting)
    }
}

impl IdBook for Worker {
    fn id_of(&self, app: &str, name: &str) -> Option<u64> {
        self.memory().domain_id(app, name)
    }

    fn record(&self, app: &str, seen: &mut dyn Iterator<Item = (&str, u64)>) {
        self.memory().record_ids(app, seen);
    }

    fn forget(&self, app: &str, name: &str) {
        self.memory().forget_id(app, name);
    }
}
