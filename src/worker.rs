//! The worker context: everything one PHP worker process learns and owes
//! between calls, in one value with one owner. The PHP layer holds the single
//! process-wide instance; the core flows take it as a parameter, so each test
//! can have a worker of its own.
//!
//! - `memory`: what RunCloud said of each app (SSL set-up, domain ids, server
//!   addresses, failed certificate steps), kept for minutes to an hour;
//! - `breakers`: one circuit breaker per app;
//! - `batch`: what the current PHP request owes (redeploys) and has learnt
//!   (wildcards), emptied when a request starts.
//!
//! The API client's own rate budget and connections are not here: they belong
//! to the client layer (`api::transport`), shared by every worker context.

use crate::api::IdBook;
use crate::app_memory::AppMemory;
use crate::breaker::Breakers;
use crate::ssl_batch::RequestBatch;
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
pub struct Worker {
    memory: Mutex<AppMemory>,
    breakers: Mutex<Breakers>,
    batch: Mutex<RequestBatch>,
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
