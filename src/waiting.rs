//! Names that wait for DNS, kept by the extension itself: a name mapped
//! before it points here is held off a basic certificate, and nothing in
//! Ultimate Multisite fires its add again once DNS arrives (UM gives up its own
//! checks after a few tries). So the extension keeps the name, with when to
//! look again, and any later call in any worker re-checks the names that are
//! due: at most one DNS question per waiting name per interval (`next_look`:
//! from 2 minutes growing to 12 hours over the first 3 days, then daily, then
//! weekly after 30 days), for as long as the name is mapped, up to the admin's
//! horizon (`dns_wait_days`, 30 by default), after which it is reported and
//! dropped. Customers who point late (a registrar transfer, a weekend) are
//! the common case. The glue's schedule only makes a re-check sooner.
//!
//! Kept in the state directory (`waiting-<digest>`, one per app, rewritten
//! under the file's lock), else in the worker's memory.

use crate::clock::{DAY, WEEK};
use crate::config::Config;
use crate::state_dir::{keyed_name, StateDir};

/// Seconds to the next look in the first days, by the number of looks so far.
pub const RECHECK_AFTER: [u64; 9] = [120, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200];
/// Waited this long, a name is looked at daily; then weekly.
const DAILY_FROM: u64 = 3 * DAY;
const WEEKLY_FROM: u64 = 30 * DAY;

/// Seconds from a name's look number `looks` to its next, when it has waited `waited`.
pub fn next_look(looks: u32, waited: u64) -> u64 {
    if waited >= WEEKLY_FROM {
        WEEK
    } else if waited >= DAILY_FROM {
        DAY
    } else {
        let last = RECHECK_AFTER.len() - 1;
        RECHECK_AFTER
            .get((looks as usize).min(last))
            .copied()
            .unwrap_or(DAY / 2)
    }
}

/// Seconds a name is waited for under `config` (its `dns_wait_days`).
pub fn horizon(config: &Config) -> u64 {
    u64::from(config.options.dns_wait_days) * DAY
}
/// Names kept per app at most: past that the oldest go first.
const MAX_WAITING: usize = 5000;

/// One waiting name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub name: String,
    /// A site's own name (no www twin, a wildcard may cover it).
    pub site: bool,
    /// When it started waiting, and when it is due a look (Unix seconds).
    pub since: u64,
    pub due: u64,
    pub looks: u32,
}

impl Waiting {
    fn line(&self) -> String {
        format!(
            "{} {} {} {} {}\n",
            self.name,
            u8::from(self.site),
            self.since,
            self.due,
            self.looks
        )
    }

    fn parse(line: &str) -> Option<Waiting> {
        let mut f = line.split(' ');
        let name = f.next()?;
        crate::domain::DomainName::parse(name)
            .ok()
            .filter(|n| n.as_str() == name)?;
        Some(Waiting {
            name: name.to_string(),
            site: f.next()? == "1",
            since: f.next()?.parse().ok()?,
            due: f.next()?.parse().ok()?,
            looks: f.next()?.parse().ok()?,
        })
    }
}

fn parse_all(text: &str) -> Vec<Waiting> {
    let mut list: Vec<Waiting> = Vec::new();
    for w in text.lines().filter_map(Waiting::parse) {
        list.retain(|k| k.name != w.name);
        list.push(w);
    }
    list
}

fn render(list: &[Waiting]) -> String {
    list.iter().map(Waiting::line).collect()
}

/// What is due for a look now: the names claimed (their next look is already
/// pushed on, so that no other worker asks at the same time), and the names
/// given up on (gone from the list).
#[derive(Debug, Default)]
pub struct Due {
    pub check: Vec<Waiting>,
    pub gave_up: Vec<Waiting>,
}

/// Changes one app's list: on disk when the state directory can be used, else
/// in `memory` (this worker's). A write that failed after the change ran
/// returns the default (nothing claimed: asked again later).
fn change<T: Default>(
    config: &Config,
    memory: &mut Vec<Waiting>,
    f: impl FnOnce(&mut Vec<Waiting>) -> T,
) -> T {
    let mut f = Some(f);
    if let Ok(d) = StateDir::open(config.options.state_dir.as_deref()) {
        let file = keyed_name("waiting", &config.memory_key());
        let done = d.rewrite(&file, |text| {
            let mut list = parse_all(text);
            let out = f.take().map(|f| f(&mut list));
            (Some(render(&list)), out)
        });
        if let Ok(Some(out)) = done {
            return out;
        }
    }
    f.map(|f| f(memory)).unwrap_or_default()
}

/// `name` waits for DNS: kept with its first look in 2 minutes; a name
/// already waiting keeps its schedule.
pub fn note(config: &Config, memory: &mut Vec<Waiting>, name: &str, site: bool) {
    let now = crate::clock::now();
    change(config, memory, |list| {
        if list.iter().any(|w| w.name == name) {
            return;
        }
        if list.len() >= MAX_WAITING {
            list.sort_by_key(|w| w.since);
            list.drain(..=list.len() - MAX_WAITING);
        }
        list.push(Waiting {
            name: name.to_string(),
            site,
            since: now,
            due: now + RECHECK_AFTER[0],
            looks: 0,
        });
    });
}

/// `name` waits no more: it is on the app, covered, removed, or given up.
pub fn settle(config: &Config, memory: &mut Vec<Waiting>, name: &str) {
    // Nothing waits (the usual case after an add): nothing to lock, read or create.
    let file = keyed_name("waiting", &config.memory_key());
    let listed = match StateDir::open(config.options.state_dir.as_deref()) {
        Ok(d) => !d.is_empty(&file),
        Err(_) => !memory.is_empty(),
    };
    if listed {
        change(config, memory, |list| list.retain(|w| w.name != name));
    }
}

/// The names due a look at `now`, at most `max`, claimed: each one's next
/// look is pushed on before it is asked, so no other worker asks it too.
/// Names waiting longer than the horizon (`dns_wait_days`) leave the list.
pub fn claim_due(config: &Config, memory: &mut Vec<Waiting>, now: u64, max: usize) -> Due {
    let horizon = horizon(config);
    change(config, memory, |list| {
        let mut due = Due::default();
        list.retain(|w| {
            let keep = now.saturating_sub(w.since) < horizon;
            if !keep {
                due.gave_up.push(w.clone());
            }
            keep
        });
        let mut ready: Vec<&mut Waiting> = list.iter_mut().filter(|w| w.due <= now).collect();
        ready.sort_by_key(|w| w.due);
        for w in ready.into_iter().take(max) {
            let step = next_look(w.looks + 1, now.saturating_sub(w.since));
            w.looks += 1;
            w.due = now + step;
            due.check.push(w.clone());
        }
        due
    })
}

/// Every waiting name of the app (for status and tests).
pub fn list(config: &Config, memory: &mut Vec<Waiting>) -> Vec<Waiting> {
    change(config, memory, |list| list.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &std::path::Path) -> Config {
        Config::for_tests_in(dir)
    }

    #[test]
    fn a_waiting_name_is_looked_at_once_per_interval_then_given_up() {
        let dir = crate::test_dir("waiting");
        let c = config(&dir);
        let mut mem = Vec::new();
        note(&c, &mut mem, "shop.com", false);
        note(&c, &mut mem, "shop.com", false);
        assert!(mem.is_empty(), "kept on disk, not in memory");
        let start = list(&c, &mut mem)[0].since;
        assert_eq!(
            claim_due(&c, &mut mem, start + 60, 5).check.len(),
            0,
            "not due yet"
        );
        let first = claim_due(&c, &mut mem, start + 120, 5);
        assert_eq!(first.check.len(), 1);
        assert_eq!(
            claim_due(&c, &mut mem, start + 121, 5).check.len(),
            0,
            "claimed: no second question in the same interval"
        );
        // Looked at more than twice as the clock moves on: 2 min, +5 min, +15 min.
        let mut t = start + 120;
        let mut looks = 1;
        for _ in 0..6 {
            t = list(&c, &mut mem)[0].due;
            looks += claim_due(&c, &mut mem, t, 5).check.len();
        }
        assert_eq!(looks, 7);
        let gone = claim_due(&c, &mut mem, start + horizon(&c), 5);
        assert_eq!(gone.gave_up.len(), 1);
        assert!(list(&c, &mut mem).is_empty());
        assert!(t < start + horizon(&c));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Every look of one name from `start` to `end`, claimed as soon as due
    /// (the hourly queue and every request would claim it at least that soon).
    fn looks_between(c: &Config, mem: &mut Vec<Waiting>, start: u64, end: u64) -> Vec<u64> {
        let mut at = Vec::new();
        let mut t = start;
        while t < end {
            let due = claim_due(c, mem, t, 5);
            if !due.check.is_empty() {
                at.push(t);
            }
            if !due.gave_up.is_empty() {
                break;
            }
            t = list(c, mem).first().map_or(end, |w| w.due);
        }
        at
    }

    #[test]
    fn a_late_customer_is_looked_at_daily_then_weekly_until_the_horizon() {
        let dir = crate::test_dir("waiting-late");
        let mut c = config(&dir);
        let mut mem = Vec::new();
        note(&c, &mut mem, "late.com", false);
        let start = list(&c, &mut mem)[0].since;
        let day = |d: u64| start + d * DAY;
        let looks = looks_between(&c, &mut mem, start, day(40));
        // A customer who points on day 4 (or day 20) is seen within a day.
        for d in [4, 5, 13, 20, 29] {
            assert!(
                looks.iter().any(|&t| t >= day(d) && t <= day(d + 1)),
                "a look between day {d} and {}: {looks:?}",
                d + 1
            );
        }
        // Given up at the horizon, 30 days by default, not before.
        assert!(looks.iter().all(|&t| t < day(30)));
        assert!(list(&c, &mut mem).is_empty(), "dropped at the horizon");
        // One DNS question a look: about 36 in 30 days, not thousands.
        assert!(looks.len() < 45, "{} looks", looks.len());

        // A longer horizon set by the admin: weekly from day 30.
        c.options.dns_wait_days = 90;
        note(&c, &mut mem, "later.com", false);
        let start = list(&c, &mut mem)[0].since;
        let looks = looks_between(&c, &mut mem, start, start + 100 * DAY);
        let after_30: Vec<u64> = looks
            .iter()
            .filter(|&&t| t >= start + 31 * DAY)
            .map(|t| (t - start) / DAY)
            .collect();
        assert!(
            after_30.windows(2).all(|w| w[1] - w[0] == 7),
            "weekly after 30 days: {after_30:?}"
        );
        assert!(looks.iter().all(|&t| t < start + 90 * DAY));
        assert!(looks.iter().any(|&t| t >= start + 80 * DAY));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn settling_when_nothing_waits_creates_nothing() {
        let dir = crate::test_dir("waiting-none");
        let c = config(&dir);
        let mut mem = Vec::new();
        settle(&c, &mut mem, "shop.com");
        let files = std::fs::read_dir(&dir).map(|e| e.count()).unwrap_or(0);
        assert_eq!(
            files, 0,
            "no waiting file made for an add that held nothing"
        );
        note(&c, &mut mem, "shop.com", false);
        settle(&c, &mut mem, "shop.com");
        assert!(list(&c, &mut mem).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn without_a_state_directory_the_worker_keeps_the_list() {
        let dir = crate::test_dir("waiting-refused");
        std::fs::write(&dir, "a file, not a directory").expect("planted");
        let c = config(&dir);
        let mut mem = Vec::new();
        note(&c, &mut mem, "shop.com", false);
        assert_eq!(mem.len(), 1);
        settle(&c, &mut mem, "shop.com");
        assert!(mem.is_empty());
        let _ = std::fs::remove_file(&dir);
    }
}
