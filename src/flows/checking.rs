//! Whether a name points here: the server's addresses (WU_RUNCLOUD_SERVER_IP,
//! else RunCloud's, remembered for an hour), the resolver and the HTTP probe,
//! gathered once per add into a `Checker`.

use super::AppFlows;
use crate::config::{Config, SslPolicy};
use crate::domain::DomainName;
use crate::error::Result;
use crate::pointing::{self, Pointing};
use crate::worker::Worker;

/// Checks names against the server's addresses; shareable across threads.
pub struct Checker {
    pub server: Vec<std::net::IpAddr>,
    /// Why the server's addresses are not known (then no name points here).
    unknown_server: Option<String>,
    resolver: std::result::Result<crate::dns::Resolver, String>,
    probe: Option<pointing::Probe>,
}

impl Checker {
    pub fn check(&self, name: &DomainName) -> DnsCheck {
        let pointing = match (&self.unknown_server, &self.resolver) {
            // Nothing goes onto a basic certificate unchecked: the name waits.
            (Some(why), _) => Pointing::Unknown(why.clone()),
            (None, Ok(r)) => pointing::check(name.as_str(), &self.server, r, self.probe.as_ref()),
            (None, Err(e)) => Pointing::Unknown(e.clone()),
        };
        DnsCheck {
            message: pointing.describe(name.as_str(), &self.server),
            pointing,
            server: self.server.clone(),
        }
    }
}

/// A name's check against the server's addresses.
#[derive(Clone, Debug, PartialEq)]
pub struct DnsCheck {
    pub pointing: Pointing,
    /// The addresses that count as this server.
    pub server: Vec<std::net::IpAddr>,
    /// `pointing` in a sentence.
    pub message: String,
}

impl AppFlows<'_> {
    /// Whether `name` points here; `None` when it is not checked (SSL handling
    /// or the check turned off, or no address of the server is known).
    pub fn dns_check(&self, name: &DomainName) -> Result<Option<DnsCheck>> {
        Ok(self.checker()?.map(|c| c.check(name)))
    }

    /// What checking names needs, learnt once: the server's addresses, the
    /// resolver and the probe. `None` when names are not checked.
    pub fn checker(&self) -> Result<Option<Checker>> {
        checker_with(self.config, self.worker, &self.key, || self.api.server())
    }

    /// The HTTP probe, keyed by this network's credentials; `None` when off.
    pub fn probe(&self) -> Option<pointing::Probe> {
        probe_of(self.config)
    }
}

/// Whether names are checked at all, and the server's addresses need no
/// question (configured, or known to this worker or server): then a checker
/// costs no round trip.
pub(super) fn checker_is_free(config: &Config, worker: &Worker, key: &str) -> bool {
    let o = &config.options;
    o.ssl == SslPolicy::Off
        || !o.dns_check
        || !config.server_ips.is_empty()
        || worker
            .memory()
            .server_addresses(&address_key(config, key))
            .is_some()
        || server_file::read(config).is_some()
}

/// `AppFlows::checker`, for any thread: `ask` is RunCloud's answer for the
/// server (this call's client, or one of the thread's own).
pub(super) fn checker_with(
    config: &Config,
    worker: &Worker,
    key: &str,
    ask: impl FnOnce() -> Result<serde_json::Value>,
) -> Result<Option<Checker>> {
    let o = &config.options;
    if o.ssl == SslPolicy::Off || !o.dns_check {
        return Ok(None);
    }
    let (server, unknown_server) = match server_addresses(config, worker, key, ask)? {
        Ok(a) => (a, None),
        Err(why) => (Vec::new(), Some(why)),
    };
    let resolver = match &o.resolver {
        Some(r) => Ok(r.clone()),
        None => crate::dns::Resolver::system(),
    };
    Ok(Some(Checker {
        server,
        unknown_server,
        resolver,
        probe: probe_of(config),
    }))
}

fn probe_of(config: &Config) -> Option<pointing::Probe> {
    let port = config.options.probe_port;
    (port != 0).then(|| {
        let mut p = probe_for(config, port);
        p.private_targets = config.options.probe_private;
        p
    })
}

fn address_key(config: &Config, key: &str) -> String {
    format!("{key}|{}", config.server_id)
}

/// `WU_RUNCLOUD_SERVER_IP`, else RunCloud's address of the server,
/// remembered for an hour by this worker and, in the state directory, by
/// every worker of the server (a new worker asks nothing when another
/// asked within the hour). `Ok(Err(why))` when RunCloud gives none: then
/// no name counts as pointing here. RunCloud's refusal is the add's error.
fn server_addresses(
    config: &Config,
    worker: &Worker,
    key: &str,
    ask: impl FnOnce() -> Result<serde_json::Value>,
) -> Result<std::result::Result<Vec<std::net::IpAddr>, String>> {
    if !config.server_ips.is_empty() {
        return Ok(Ok(config.server_ips.clone()));
    }
    let key = address_key(config, key);
    if let Some(a) = worker.memory().server_addresses(&key) {
        return Ok(Ok(a));
    }
    if let Some(a) = server_file::read(config) {
        return Ok(Ok(a));
    }
    let server = ask()?;
    let addresses = pointing::server_addresses(&server);
    if addresses.is_empty() {
        return Ok(Err(
            "the server's address is unknown (RunCloud's answer for the server had no ipAddress), so no name can be checked and none joins the certificate unchecked: define WU_RUNCLOUD_SERVER_IP".into(),
        ));
    }
    worker.memory().store_server_addresses(&key, &addresses);
    // Best effort: without the file, each worker asks once an hour.
    let _ = server_file::write(config, &addresses);
    Ok(Ok(addresses))
}

/// The HTTP probe of the network whose credentials `config` holds.
pub fn probe_for(config: &Config, port: u16) -> pointing::Probe {
    let secret: Vec<u8> = config
        .credentials
        .secret_forms()
        .iter()
        .flat_map(|s| s.expose().as_bytes().to_vec())
        .collect();
    pointing::Probe::new(&secret, port)
}

/// The server's addresses as RunCloud gave them, shared by the workers of a
/// server through the state directory: one line of addresses, trusted for
/// as long as a worker trusts its own memory of them.
mod server_file {
    use crate::app_memory::SERVER_ADDRESS_FOR;
    use crate::config::Config;
    use crate::state_dir::StateDir;
    use std::net::IpAddr;

    fn file_name(config: &Config) -> String {
        crate::state_dir::keyed_name("server", &config.memory_key())
    }

    pub fn read(config: &Config) -> Option<Vec<IpAddr>> {
        let dir = StateDir::open(config.options.state_dir.as_deref()).ok()?;
        let (text, age) = dir.read_text(&file_name(config))?;
        if age >= SERVER_ADDRESS_FOR {
            return None;
        }
        // Every word must be an address, or the file is not one we wrote.
        let addresses: Option<Vec<IpAddr>> =
            text.split_whitespace().map(|w| w.parse().ok()).collect();
        addresses.filter(|a| !a.is_empty())
    }

    pub fn write(config: &Config, addresses: &[IpAddr]) -> Result<(), String> {
        let dir = StateDir::open(config.options.state_dir.as_deref())?;
        let line: Vec<String> = addresses.iter().map(IpAddr::to_string).collect();
        dir.replace(&file_name(config), &format!("{}\n", line.join(" ")))
    }
}

#[cfg(test)]
mod tests {
    use super::server_file;
    use crate::config::{Config, Options};

    #[test]
    fn the_shared_address_file_holds_addresses_only() {
        let dir = crate::test_dir("server-file");
        let config = Config::for_tests(Options {
            state_dir: Some(dir.clone()),
            ..Options::default()
        });
        assert_eq!(server_file::read(&config), None, "nothing asked yet");
        let ips = ["127.0.0.10".parse().unwrap(), "::1".parse().unwrap()];
        server_file::write(&config, &ips).expect("written");
        assert_eq!(server_file::read(&config), Some(ips.to_vec()));
        // A file someone else made up is not believed.
        for name in std::fs::read_dir(&dir).unwrap().flatten() {
            std::fs::write(name.path(), "127.0.0.10 evil.example\n").unwrap();
        }
        assert_eq!(server_file::read(&config), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
