//! What RunCloud just told this worker about an app's SSL set-up (its mode and
//! basic certificate), remembered briefly so that an add costs the POST and the
//! certificate step instead of two more questions first. Never trusted blindly:
//! the flows re-ask when a step that used a remembered fact fails.

use crate::mapping::AppSsl;
use once_cell::sync::Lazy;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a fact is used before it is asked again.
pub const KEEP_FOR: Duration = Duration::from_secs(300);
/// Apps remembered at once, per worker.
const MAX_APPS: usize = 64;

struct Entry {
    key: String,
    facts: AppSsl,
    at: Instant,
}

/// Remembered set-ups, oldest first.
#[derive(Default)]
pub struct Memory {
    entries: VecDeque<Entry>,
}

/// Only set-ups whose staleness shows: a redeploy to a certificate that is gone,
/// or a per-domain request on an app no longer in advanced mode, fails, and the
/// flows then ask again. "AutoSSL", "none installed" and "unknown" lead to no
/// request that could fail, so they are asked every time.
fn worth_keeping(facts: &AppSsl) -> bool {
    matches!(facts, AppSsl::Basic(_) | AppSsl::Advanced)
}

impl Memory {
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
}

static WORKER: Lazy<Mutex<Memory>> = Lazy::new(|| Mutex::new(Memory::default()));

/// This worker's memory.
pub fn worker() -> std::sync::MutexGuard<'static, Memory> {
    WORKER.lock().unwrap_or_else(|e| e.into_inner())
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
        let mut m = Memory::default();
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
        let mut m = Memory::default();
        m.store("a|3", &AppSsl::Advanced);
        m.store("a|3", &AppSsl::NotInstalled);
        assert_eq!(m.recall("a|3"), None, "the newer answer replaced the older");
        m.store("a|4", &AppSsl::Unknown("x".into()));
        assert_eq!(m.recall("a|4"), None);
    }

    #[test]
    fn the_memory_is_bounded() {
        let mut m = Memory::default();
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
