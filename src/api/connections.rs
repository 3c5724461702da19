//! The HTTP clients of this process, one per set of connection settings, so
//! that calls reuse warm connections.

use crate::error::{Error, Result};
use crate::lock;
use once_cell::sync::Lazy;
use reqwest::blocking::Client;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Settings that need a client of their own; everything else is per request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ClientKey {
    pub(super) connect_timeout: Duration,
    pub(super) ca_file: Option<PathBuf>,
}

/// Clients of this process. Built lazily, never at module startup: PHP-FPM forks
/// after startup, and a client (with its runtime thread) does not survive a fork.
struct ClientCache {
    pid: u32,
    clients: Vec<(ClientKey, Client)>,
}

static CLIENTS: Lazy<Mutex<ClientCache>> = Lazy::new(|| {
    Mutex::new(ClientCache {
        pid: std::process::id(),
        clients: Vec::new(),
    })
});

pub(super) fn client_for(key: &ClientKey) -> Result<Client> {
    let mut cache = lock(&CLIENTS);
    let pid = std::process::id();
    if cache.pid != pid {
        // A forked child (pcntl_fork) inherited the parent's clients, whose worker
        // threads do not exist here: dropping them would wait forever. Leak them.
        for (_, client) in cache.clients.drain(..) {
            std::mem::forget(client);
        }
        cache.pid = pid;
    }
    if let Some((_, c)) = cache.clients.iter().find(|(k, _)| k == key) {
        return Ok(c.clone());
    }
    let client = build_client(key)?;
    cache.clients.push((key.clone(), client.clone()));
    Ok(client)
}

fn build_client(key: &ClientKey) -> Result<Client> {
    let mut builder = Client::builder()
        .connect_timeout(key.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(55))
        .pool_max_idle_per_host(8)
        .tcp_keepalive(Duration::from_secs(30))
        .user_agent(concat!("wu_runcloud/", env!("CARGO_PKG_VERSION")))
        // RunCloud's API does not redirect; following one could send the
        // credentials somewhere else.
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = &key.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            Error::Config(format!("ca_file {}: cannot be read: {e}", path.display()))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
            Error::Config(format!(
                "ca_file {}: not a PEM certificate bundle",
                path.display()
            ))
        })?;
        if certs.is_empty() {
            return Err(Error::Config(format!(
                "ca_file {}: holds no certificate",
                path.display()
            )));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| Error::Config(format!("cannot set up the HTTP client: {e}")))
}
