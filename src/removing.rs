//! Names wanted off the app, written before a removal asks RunCloud anything
//! and settled once RunCloud no longer has the name (or refused it for good:
//! a primary domain, a www twin). A worker killed between its lookup and its
//! DELETE leaves the name here, and a later call finishes it: nothing that
//! was asked lives only in flight. An add of the name takes the removal back
//! (its latest event wants it on the app).
//!
//! One file per app in the state directory (`removing-<digest>`, a line
//! `name since` each), changed under the file's lock. A finisher claims a
//! name by moving its time on, so two workers do not finish it at once, and
//! takes only names at least `LEFT_FOR` old, which no live removal still
//! holds (a call ends within its timeout).

use crate::config::Config;
use crate::timed_names::TimedNames;

/// A removal this old was left by a worker that did not finish it.
pub const LEFT_FOR: u64 = 120;

const LIST: TimedNames = TimedNames("removing");

/// `name` is wanted off the app (kept with its first time if listed already).
pub fn note(config: &Config, name: &str, now: u64) {
    LIST.change(config, |list| {
        if !list.iter().any(|(n, _)| n == name) {
            list.push((name.to_string(), now));
        }
    });
}

/// `name` is off the app, refused for good, or wanted on it again.
pub fn settle(config: &Config, name: &str) {
    if !LIST.is_empty(config) {
        LIST.change(config, |list| list.retain(|(n, _)| n != name));
    }
}

/// Whether `name` is still wanted off the app.
pub fn listed(config: &Config, name: &str) -> bool {
    LIST.read(config).iter().any(|(n, _)| n == name)
}

/// Removals left unfinished (at least `LEFT_FOR` old), at most `max`,
/// claimed: their time moves on to `now`, so no other worker takes them too.
pub fn claim_left(config: &Config, now: u64, max: usize) -> Vec<String> {
    if LIST.is_empty(config) {
        return Vec::new();
    }
    LIST.change(config, |list| {
        let mut claimed = Vec::new();
        for (n, at) in list.iter_mut() {
            if claimed.len() < max && *at + LEFT_FOR <= now {
                *at = now;
                claimed.push(n.clone());
            }
        }
        claimed
    })
}

/// Every name wanted off the app, with since when (for status and tests).
pub fn list(config: &Config) -> Vec<(String, u64)> {
    LIST.read(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_left_removal_is_claimed_by_one_finisher_at_a_time_and_settled_once_done() {
        let dir = crate::test_dir("removing");
        let c = Config::for_tests_in(&dir);
        assert!(
            claim_left(&c, 1_000, 5).is_empty(),
            "nothing listed, nothing made"
        );
        assert_eq!(std::fs::read_dir(&dir).map(|e| e.count()).unwrap_or(0), 0);
        note(&c, "gone.com", 1_000);
        note(&c, "gone.com", 1_050);
        assert_eq!(list(&c), [("gone.com".to_string(), 1_000)]);
        assert!(
            claim_left(&c, 1_060, 5).is_empty(),
            "a live removal may still hold it"
        );
        assert_eq!(claim_left(&c, 1_120, 5), ["gone.com"]);
        assert!(
            claim_left(&c, 1_121, 5).is_empty(),
            "claimed: no second finisher"
        );
        assert_eq!(
            claim_left(&c, 1_240, 5),
            ["gone.com"],
            "unfinished: again later"
        );
        settle(&c, "gone.com");
        assert!(!listed(&c, "gone.com"));
        assert!(claim_left(&c, 9_999, 5).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
