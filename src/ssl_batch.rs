//! One basic-SSL redeploy per PHP request, not one per add.
//!
//! In basic mode one Let's Encrypt certificate covers every name of the app, so
//! an Action Scheduler batch of 200 adds needs one new certificate, not 200
//! (Let's Encrypt allows 5 duplicate certificates a week, 50 per registered
//! domain). Adds record here which app needs a redeploy and for which names;
//! the PHP layer runs the redeploys when the request ends.
//!
//! What is owed is also kept on disk (`owed`) until a redeploy succeeds: a
//! request that never got to its end (the worker was killed), or whose
//! redeploy failed, leaves it for the next add, flush or `redeploy_ssl()` of
//! that app, in any worker.

use crate::api::decode::SslCert;
use crate::config::Config;

/// One app's redeploy, owed when the request ends.
#[derive(Clone, Debug)]
pub struct Deferred {
    /// The app key of `Config::memory_key()`.
    pub key: String,
    pub config: Config,
    pub cert: SslCert,
    /// Names added in this request (and names caught up from a request that died).
    pub names: Vec<String>,
    /// Whether `cert` came from this worker's memory rather than a fresh answer.
    pub remembered: bool,
    /// Why the names could not be kept on disk (the state directory was refused).
    pub disk_error: Option<String>,
}

/// Per request, `app key|parent` -> whether a wildcard on the app serves the
/// names below `parent`, and when that was asked. A wildcard is rarely added
/// or removed: the answer holds until the request's batch ends (its flush, or
/// the next request), and at most a minute in a long one (a CLI sync, a queue runner).
type WildcardMemo = std::collections::HashMap<String, (bool, std::time::Instant)>;
/// Parents remembered per request at most.
const MAX_WILDCARDS: usize = 4096;
const WILDCARD_FOR: std::time::Duration = std::time::Duration::from_secs(60);
/// The most names one batch lists (in its marker and log line); more are still covered.
const MAX_NAMES: usize = 2000;

/// What the current PHP request owes and has learnt: the redeploys owed per
/// app, and the wildcard answers per parent domain. Emptied when a request starts.
#[derive(Default)]
pub struct RequestBatch {
    pending: Vec<Deferred>,
    wildcards: WildcardMemo,
    /// Apps whose SSL mode RunCloud told this request, and when: a refusal
    /// for a full certificate may rest on it (at most `WILDCARD_FOR` old).
    modes_asked: std::collections::HashMap<String, std::time::Instant>,
}

impl RequestBatch {
    /// Whether this request asked RunCloud for the app's SSL mode lately.
    pub fn mode_asked(&self, key: &str) -> bool {
        self.modes_asked
            .get(key)
            .is_some_and(|at| at.elapsed() < WILDCARD_FOR)
    }

    pub fn note_mode_asked(&mut self, key: &str) {
        self.modes_asked
            .insert(key.to_string(), std::time::Instant::now());
    }

    pub fn wildcard_known(&self, key: &str, parent: &str) -> Option<bool> {
        self.wildcards
            .get(&format!("{key}|{parent}"))
            .filter(|(_, at)| at.elapsed() < WILDCARD_FOR)
            .map(|(found, _)| *found)
    }

    pub fn remember_wildcard(&mut self, key: &str, parent: &str, found: bool) {
        let w = &mut self.wildcards;
        if w.len() >= MAX_WILDCARDS {
            w.retain(|_, (_, at)| at.elapsed() < WILDCARD_FOR);
        }
        if w.len() < MAX_WILDCARDS {
            w.insert(
                format!("{key}|{parent}"),
                (found, std::time::Instant::now()),
            );
        }
    }

    /// A name removed in the request that added it: out of the redeploy's list;
    /// a redeploy left with no name is owed no more (no needless certificate).
    pub fn drop_name(&mut self, key: &str, name: &str) {
        for d in self.pending.iter_mut().filter(|d| d.key == key) {
            d.names.retain(|n| n != name);
        }
        self.pending.retain(|d| d.key != key || !d.names.is_empty());
    }

    /// Records that `names` on the app `key` need the certificate `cert` redeployed.
    /// Those of `names` in `on_disk` are owed on disk already and are not
    /// written again (while redeploys fail, every request would add them anew).
    /// `Some(why)` when they could not be kept on disk too (the state directory
    /// was refused): the caller logs it; the redeploy is still owed in memory.
    pub fn defer(
        &mut self,
        key: &str,
        config: &Config,
        cert: &SslCert,
        remembered: bool,
        names: &[String],
        on_disk: &[String],
    ) -> Option<String> {
        let pending = &mut self.pending;
        let entry = match pending.iter_mut().position(|d| d.key == key) {
            Some(i) => pending.get_mut(i),
            None => {
                pending.push(Deferred {
                    key: key.to_string(),
                    config: config.clone(),
                    cert: cert.clone(),
                    names: Vec::new(),
                    remembered,
                    disk_error: None,
                });
                pending.last_mut()
            }
        };
        let d = entry?;
        let mut new = Vec::new();
        for n in names {
            if d.names.len() < MAX_NAMES && !d.names.contains(n) {
                d.names.push(n.clone());
                if !on_disk.contains(n) {
                    new.push(n.as_str());
                }
            }
        }
        if new.is_empty() {
            return None;
        }
        let e = owed::append(config, &new).err()?;
        d.disk_error = Some(e.clone());
        Some(e)
    }

    /// Whether a redeploy of the app `key` is already owed in this request.
    pub fn is_owed(&self, key: &str) -> bool {
        self.pending.iter().any(|d| d.key == key)
    }

    /// Whether `name` is already in this request's redeploy owed for the app `key`.
    pub fn is_pending(&self, key: &str, name: &str) -> bool {
        self.pending
            .iter()
            .any(|d| d.key == key && d.names.iter().any(|n| n == name))
    }

    /// The names this request owes the app `key` a redeploy for.
    pub fn pending_names(&self, key: &str) -> Vec<String> {
        self.pending
            .iter()
            .filter(|d| d.key == key)
            .flat_map(|d| d.names.clone())
            .collect()
    }

    /// The redeploys owed, emptied: the request's batch is ending, and what it
    /// learnt goes with it.
    pub fn take_all(&mut self) -> Vec<Deferred> {
        self.wildcards.clear();
        std::mem::take(&mut self.pending)
    }

    /// What is owed for the app `key`, taken out: the caller runs it now.
    pub fn take(&mut self, key: &str) -> Option<Deferred> {
        let i = self.pending.iter().position(|d| d.key == key)?;
        Some(self.pending.remove(i))
    }

    /// Drops what is owed for the app `key` in this request: a redeploy just covered it.
    /// The names owed on disk are settled by `owed::settle` with what was read.
    pub fn settle(&mut self, key: &str) {
        self.pending.retain(|d| d.key != key);
    }

    /// A new request starts with nothing owed in memory: what an earlier one left
    /// unpaid is on disk.
    pub fn forget_request(&mut self) {
        self.pending.clear();
        self.wildcards.clear();
        self.modes_asked.clear();
    }
}

/// What an app owes across requests and workers: one file per app in the
/// state directory (`state_dir`), holding the names added since its last
/// successful redeploy. Appended by every add that queues a redeploy; removed
/// only by a redeploy that succeeded, so a worker killed mid-request or a
/// redeploy that failed leaves the debt for the next one.
pub mod owed {
    use crate::config::Config;
    use crate::state_dir::StateDir;

    fn file_name(key: &str) -> String {
        crate::state_dir::keyed_name("owed", key)
    }

    fn dir(config: &Config) -> Result<StateDir, String> {
        StateDir::open(config.options.state_dir.as_deref())
    }

    /// Adds names to the app's debt. `Err` says why it could not be kept on disk.
    pub fn append(config: &Config, names: &[&str]) -> Result<(), String> {
        dir(config)?.append(&file_name(&config.memory_key()), names)
    }

    /// Adds to the app's debt the names of `names` it does not owe yet (so
    /// the file is not written again for a name already on it): how many.
    pub fn owe(config: &Config, names: &[&str]) -> Result<usize, String> {
        let on_disk = read(config);
        let new: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| !on_disk.iter().any(|o| o == n))
            .collect();
        if new.is_empty() {
            return Ok(0);
        }
        append(config, &new).map(|()| new.len())
    }

    /// The names the app owes on disk.
    pub fn read(config: &Config) -> Vec<String> {
        dir(config)
            .map(|d| d.read_names(&file_name(&config.memory_key())))
            .unwrap_or_default()
    }

    /// A redeploy that covered `paid` succeeded: they are owed no more (names
    /// owed meanwhile by other workers stay).
    pub fn settle(config: &Config, paid: &[String]) {
        if let Ok(d) = dir(config) {
            d.settle_names(&file_name(&config.memory_key()), paid);
        }
    }

    /// `name` left the app: it is owed nothing any more.
    pub fn take_back(config: &Config, name: &str) {
        settle(config, &[name.to_string()]);
    }

    /// Whether the app owes anything on disk.
    pub fn any(config: &Config) -> bool {
        !read(config).is_empty()
    }
}

/// A basic redeploy whose answer was lost (the connection broke after it was
/// sent): it may have ordered a certificate. What the certificate looked like
/// before is kept, so that the next redeploy first asks whether it changed
/// instead of ordering a second one.
pub mod sent {
    use crate::config::Config;
    use crate::state_dir::{keyed_name, StateDir};
    use std::time::Duration;

    /// How long an unchanged certificate is given before the redeploy is sent again.
    pub const SETTLE_FOR: Duration = Duration::from_secs(15 * 60);

    fn file(config: &Config) -> String {
        keyed_name("sent", &config.memory_key())
    }

    /// The certificate's end date before the unanswered redeploy, and how long ago it was sent.
    pub fn read(config: &Config) -> Option<(String, Duration)> {
        let d = StateDir::open(config.options.state_dir.as_deref()).ok()?;
        let (text, age) = d.read_text(&file(config))?;
        let before = text.lines().next()?.trim().to_string();
        (!before.is_empty()).then_some((before, age))
    }

    pub fn note(config: &Config, valid_until_before: &str) {
        if let Ok(d) = StateDir::open(config.options.state_dir.as_deref()) {
            let _ = d.replace(&file(config), &format!("{valid_until_before}\n"));
        }
    }

    pub fn clear(config: &Config) {
        if let Ok(d) = StateDir::open(config.options.state_dir.as_deref()) {
            let _ = d.replace(&file(config), "");
        }
    }
}

/// Advanced mode: the names whose own certificate order failed in a way that
/// may pass (a 429 or 5xx, no answer), with when, and whether the answer was
/// lost (it may have ordered a certificate). The name is also owed
/// (`owed`): a later call pays it, after asking RunCloud whether a lost
/// order went through, so nothing is ordered twice and nothing is forgotten.
pub mod tried {
    use crate::config::Config;
    use crate::state_dir::{keyed_name, StateDir};

    /// How long an order that got no answer is given before it is sent again,
    /// and how long any other failure that may pass waits.
    pub const LOST_SETTLES_FOR: u64 = 15 * 60;
    pub const FAILED_WAITS: u64 = 60;

    fn file(config: &Config) -> String {
        keyed_name("tried", &config.memory_key())
    }

    /// One line a name: `name at lost`.
    fn parse(text: &str) -> Vec<(String, u64, bool)> {
        let mut out: Vec<(String, u64, bool)> = Vec::new();
        for line in text.lines() {
            let mut f = line.split(' ');
            let (Some(n), Some(at), Some(lost)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let Ok(at) = at.parse() else { continue };
            out.retain(|(k, _, _)| k != n);
            out.push((n.to_string(), at, lost == "1"));
        }
        out
    }

    fn change<T>(config: &Config, f: impl FnOnce(&mut Vec<(String, u64, bool)>) -> T) -> Option<T> {
        let d = StateDir::open(config.options.state_dir.as_deref()).ok()?;
        d.rewrite(&file(config), |text| {
            let mut list = parse(text);
            let out = f(&mut list);
            let new = list
                .iter()
                .map(|(n, at, lost)| format!("{n} {at} {}\n", u8::from(*lost)))
                .collect();
            (Some(new), out)
        })
        .ok()
    }

    /// `name`'s order failed at `at`; `lost`: no answer came (or a 502 to 504).
    pub fn note(config: &Config, name: &str, at: u64, lost: bool) {
        change(config, |list| {
            list.retain(|(n, _, _)| n != name);
            list.push((name.to_string(), at, lost));
        });
    }

    /// Every name whose last order failed: when, and whether its answer
    /// was lost. One `stat` when nothing is listed, else one locked read.
    pub fn all(config: &Config) -> Vec<(String, u64, bool)> {
        let Ok(d) = StateDir::open(config.options.state_dir.as_deref()) else {
            return Vec::new();
        };
        if d.is_empty(&file(config)) {
            return Vec::new();
        }
        change(config, |list| list.clone()).unwrap_or_default()
    }

    /// When `name`'s last order failed, and whether its answer was lost.
    pub fn last(config: &Config, name: &str) -> Option<(u64, bool)> {
        all(config)
            .into_iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, at, lost)| (at, lost))
    }

    /// `names` are settled (certified, or gone): their tries are forgotten.
    pub fn clear(config: &Config, names: &[String]) {
        let Ok(d) = StateDir::open(config.options.state_dir.as_deref()) else {
            return;
        };
        if !d.is_empty(&file(config)) {
            change(config, |list| list.retain(|(n, _, _)| !names.contains(n)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &std::path::Path) -> Config {
        Config::for_tests_in(dir)
    }

    fn cert() -> SslCert {
        SslCert {
            id: 5,
            method: None,
            valid_until: None,
        }
    }

    #[test]
    fn one_redeploy_is_owed_per_app_and_stays_owed_on_disk_until_settled() {
        let dir = crate::test_dir("batch");
        let c = config(&dir);
        let key = c.memory_key();
        let mut batch = RequestBatch::default();
        assert_eq!(
            batch.defer(&key, &c, &cert(), false, &["a.com".into()], &[]),
            None
        );
        let again = batch.defer(
            &key,
            &c,
            &cert(),
            false,
            &["b.com".into(), "a.com".into()],
            &[],
        );
        assert_eq!(again, None, "kept on disk too");
        assert!(batch.is_owed(&key));
        let owed: Vec<Deferred> = batch
            .take_all()
            .into_iter()
            .filter(|d| d.key == key)
            .collect();
        assert_eq!(owed.len(), 1);
        assert_eq!(owed[0].names, ["a.com", "b.com"]);
        assert_eq!(owed[0].disk_error, None);
        // The request ended without a successful redeploy: the debt is on disk.
        let names = owed::read(&c);
        assert_eq!(names, ["a.com", "b.com"]);
        owed::settle(&c, &names);
        assert!(!owed::any(&c));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_added_and_taken_back_leave_no_file_to_grow() {
        let dir = crate::test_dir("batch-taken-back");
        let c = config(&dir);
        let file_size = || {
            std::fs::read_dir(&dir)
                .map(|e| {
                    e.flatten()
                        .map(|f| f.metadata().map_or(0, |m| m.len()))
                        .sum::<u64>()
                })
                .unwrap_or(0)
        };
        for i in 0..50 {
            let name = format!("gone-{i}.com");
            owed::append(&c, &[&name]).expect("kept");
            owed::take_back(&c, &name);
        }
        assert_eq!(owed::read(&c), Vec::<String>::new());
        assert_eq!(file_size(), 0, "nothing owed, nothing kept");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
