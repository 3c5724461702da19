//! What this worker knows about an app's certificates, keyed by app:
//! - what RunCloud just said of its SSL set-up (mode and basic certificate),
//!   remembered briefly so that an add costs the POST and the certificate step
//!   instead of two more questions first; never trusted blindly: the flows ask
//!   again when a step that used a remembered fact fails;
//! - where each name seen lives in the app's domain list (its RunCloud id), so
//!   that a later find or remove asks `GET {app}/domains/{id}` instead of
//!   walking a big list; never used without that check naming the same name;
//! - the names whose last certificate step failed here, so that adding one again
//!   tries again while an unchanged name gets no new order. Forgetting one only
//!   means a later add does not retry (redeploy_ssl() does).

use crate::api::AppSsl;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// How long a fact is used before it is asked again.
pub const KEEP_FOR: Duration = Duration::from_secs(300);
/// Apps remembered at once, per worker.
const MAX_APPS: usize = 64;
/// Names with a failed certificate step remembered at once, per worker.
const MAX_FAILED_NAMES: usize = 1024;
/// Apps whose domain ids are remembered at once, per worker.
const MAX_ID_APPS: usize = 4;
/// Domain ids remembered per app: enough for an app of 10,000 names (about
/// 0.6 MiB at most); past it, new names are not remembered (they are walked).
const MAX_IDS_PER_APP: usize = 12_000;

struct Entry {
    key: String,
    facts: AppSsl,
    at: Instant,
}

/// Remembered set-ups and failed names, oldest first.
#[derive(Default)]
pub struct AppMemory {
    entries: VecDeque<Entry>,
    /// `app key|name` of each name whose last certificate step failed.
    failed_names: VecDeque<String>,
    /// Per app key, name -> RunCloud domain id, least recently used app first.
    ids: VecDeque<(String, HashMap<Box<str>, u64>)>,
    /// Per server key, RunCloud's address of the server, and when it was asked.
    servers: VecDeque<(String, Vec<std::net::IpAddr>, Instant)>,
}

/// How long a server's address is used before it is asked again: it changes
/// only when the server is moved, and a wrong one only makes names wait.
pub const SERVER_ADDRESS_FOR: Duration = Duration::from_secs(3600);

/// Only set-ups whose staleness shows: a redeploy to a certificate that is gone,
/// or a per-domain request on an app no longer in advanced mode, fails, and the
/// flows then ask again. "AutoSSL", "none installed" and "unknown" lead to no
/// request that could fail, so they are asked every time.
fn worth_keeping(facts: &AppSsl) -> bool {
    matches!(facts, AppSsl::Basic(_) | AppSsl::Advanced)
}

impl AppMemory {
    /// The remembered set-up of the app `key` names, if recent.
    pub fn recall(&mut self, key: &str) -> Option<AppSsl> {
        self.entries.retain(|e| e.at.elapsed() < KEEP_FOR);
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.facts.clone())
    }

    /// Remembers (or, for a set-up not worth keeping, forgets) what RunCloud said.
    pub fn store(&mut self, key: &str, facts: &AppSsl) {
        self.forget(key);
        if worth_keeping(facts) {
            if self.entries.len() >= MAX_APPS {
                self.entries.pop_front();
            }
            self.entries.push_back(Entry {
                key: key.to_string(),
                facts: facts.clone(),
                at: Instant::now(),
            });
        }
    }

    pub fn forget(&mut self, key: &str) {
        self.entries.retain(|e| e.key != key);
    }

    /// The server's addresses as RunCloud gave them, if asked within the hour.
    pub fn server_addresses(&mut self, server_key: &str) -> Option<Vec<std::net::IpAddr>> {
        self.servers
            .retain(|(_, _, at)| at.elapsed() < SERVER_ADDRESS_FOR);
        self.servers
            .iter()
            .find(|(k, _, _)| k == server_key)
            .map(|(_, a, _)| a.clone())
    }

    pub fn store_server_addresses(&mut self, server_key: &str, addresses: &[std::net::IpAddr]) {
        self.servers.retain(|(k, _, _)| k != server_key);
        if self.servers.len() >= MAX_APPS {
            self.servers.pop_front();
        }
        self.servers
            .push_back((server_key.to_string(), addresses.to_vec(), Instant::now()));
    }

    /// The id `name` had on the app `key` when last seen; to be verified before use.
    pub fn domain_id(&self, key: &str, name: &str) -> Option<u64> {
        self.ids
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, m)| m.get(name).copied())
    }

    /// Remembers where names live on the app `key`.
    pub fn record_ids<'a>(&mut self, key: &str, seen: impl IntoIterator<Item = (&'a str, u64)>) {
        let i = match self.ids.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                if self.ids.len() >= MAX_ID_APPS {
                    self.ids.pop_front();
                }
                self.ids.push_back((key.to_string(), HashMap::new()));
                self.ids.len() - 1
            }
        };
        // Most recently used last.
        if let Some(entry) = self.ids.remove(i) {
            self.ids.push_back(entry);
        }
        if let Some((_, map)) = self.ids.back_mut() {
            for (name, id) in seen {
                if let Some(known) = map.get_mut(name) {
                    *known = id;
                } else if map.len() < MAX_IDS_PER_APP {
                    map.insert(name.into(), id);
                }
            }
        }
    }

    /// Forgets `name` on the app `key` (removed, or its id turned out wrong).
    pub fn forget_id(&mut self, key: &str, name: &str) {
        if let Some((_, m)) = self.ids.iter_mut().find(|(k, _)| k == key) {
            m.remove(name);
        }
    }

    /// Whether the last certificate step for `name` on the app `key` failed here.
    pub fn certificate_failed(&self, key: &str, name: &str) -> bool {
        let wanted = format!("{key}|{name}");
        self.failed_names.iter().any(|k| *k == wanted)
    }

    /// Records how the certificate step for `name` on the app `key` ended.
    pub fn record_certificate(&mut self, key: &str, name: &str, failed: bool) {
        let entry = format!("{key}|{name}");
        self.failed_names.retain(|k| *k != entry);
        if failed {
            if self.failed_names.len() >= MAX_FAILED_NAMES {
                self.failed_names.pop_front();
            }
            self.failed_names.push_back(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::decode::SslCert;

    fn cert(id: u64) -> AppSsl {
        AppSsl::Basic(SslCert {
            id,
            method: None,
            valid_until: None,
        })
    }

    #[test]
    fn stable_facts_are_recalled_until_forgotten() {
        let mut m = AppMemory::default();
        m.store("a|1", &cert(7));
        assert_eq!(m.recall("a|1"), Some(cert(7)));
        assert_eq!(m.recall("a|2"), None);
        m.store("a|1", &cert(8));
        assert_eq!(m.recall("a|1"), Some(cert(8)));
        m.forget("a|1");
        assert_eq!(m.recall("a|1"), None);
    }

    #[test]
    fn what_may_change_any_minute_is_not_remembered() {
        let mut m = AppMemory::default();
        m.store("a|3", &AppSsl::Advanced);
        m.store("a|3", &AppSsl::NotInstalled);
        assert_eq!(m.recall("a|3"), None, "the newer answer replaced the older");
        m.store("a|4", &AppSsl::Unknown("x".into()));
        assert_eq!(m.recall("a|4"), None);
    }

    #[test]
    fn a_failed_certificate_step_is_remembered_until_one_succeeds() {
        let mut m = AppMemory::default();
        assert!(!m.certificate_failed("a|1", "shop.com"));
        m.record_certificate("a|1", "shop.com", true);
        assert!(m.certificate_failed("a|1", "shop.com"));
        assert!(!m.certificate_failed("a|1", "other.com"));
        assert!(!m.certificate_failed("a|2", "shop.com"), "another app");
        m.record_certificate("a|1", "shop.com", false);
        assert!(!m.certificate_failed("a|1", "shop.com"));
        for i in 0..(MAX_FAILED_NAMES + 5) {
            m.record_certificate("a|1", &format!("n{i}.com"), true);
        }
        assert_eq!(m.failed_names.len(), MAX_FAILED_NAMES);
        assert!(
            !m.certificate_failed("a|1", "n0.com"),
            "the oldest went first"
        );
    }

    #[test]
    fn domain_ids_are_remembered_per_app_and_bounded() {
        let mut m = AppMemory::default();
        m.record_ids("a|1", [("shop.com", 7), ("blog.com", 8)]);
        assert_eq!(m.domain_id("a|1", "shop.com"), Some(7));
        assert_eq!(m.domain_id("a|2", "shop.com"), None, "another app");
        m.record_ids("a|1", [("shop.com", 9)]);
        assert_eq!(m.domain_id("a|1", "shop.com"), Some(9), "the newer id wins");
        m.forget_id("a|1", "shop.com");
        assert_eq!(m.domain_id("a|1", "shop.com"), None);
        let many: Vec<(String, u64)> = (0..MAX_IDS_PER_APP + 10)
            .map(|i| (format!("n{i}.com"), i as u64))
            .collect();
        m.record_ids("a|3", many.iter().map(|(n, i)| (n.as_str(), *i)));
        assert_eq!(m.ids.back().map(|(_, m)| m.len()), Some(MAX_IDS_PER_APP));
        for app in 0..MAX_ID_APPS + 2 {
            m.record_ids(&format!("b|{app}"), [("x.com", 1)]);
        }
        assert_eq!(m.ids.len(), MAX_ID_APPS);
        assert_eq!(
            m.domain_id("a|3", "n0.com"),
            None,
            "the least recently used app went first"
        );
    }

    #[test]
    fn the_memory_is_bounded() {
        let mut m = AppMemory::default();
        for i in 0..(MAX_APPS + 10) {
            m.store(&format!("b|{i}"), &AppSsl::Advanced);
        }
        assert_eq!(m.entries.len(), MAX_APPS);
        assert_eq!(m.recall("b|0"), None, "the oldest went first");
        assert_eq!(
            m.recall(&format!("b|{}", MAX_APPS + 9)),
            Some(AppSsl::Advanced)
        );
    }
}
