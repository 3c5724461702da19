//! What the certificate budget keeps on disk, in the state directory every
//! worker of this PHP user shares (see `state_dir`): the ledger of orders sent
//! (`le_limits`), one for all the apps this user serves, since Let's Encrypt
//! counts per registered domain and per account, not per app; and, per app,
//! the names its one basic certificate covers, so that neither the capacity
//! check nor an order's set costs a round trip. Each is read and changed
//! under the file's lock, so two workers never both take the last order.
//!
//! Without a usable state directory there is no shared ledger: orders go
//! unchecked, as before the budget existed, and `test_connection()` says so.

use crate::api::decode::Domain;
use crate::config::Config;
use crate::le_limits::{self, Entry, Order, Verdict};
use crate::state_dir::{keyed_name, StateDir};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const LEDGER: &str = "ledger";
/// A census older than this is read again from RunCloud (names added or
/// removed in RunCloud's panel meanwhile).
pub const CENSUS_FRESH_FOR: Duration = Duration::from_secs(24 * 3600);

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn dir(config: &Config) -> Result<StateDir, String> {
    StateDir::open(config.options.state_dir.as_deref())
}

/// Checks `order` against the ledger and, when it may go, writes it down
/// before it is sent (under the lock: no other worker takes the same slot).
/// `Ok(at)`: go, recorded at `at`. Without a state directory: go, unrecorded.
pub fn reserve(config: &Config, order: &Order) -> Result<Option<u64>, Verdict> {
    let Ok(d) = dir(config) else {
        return Ok(None);
    };
    let at = now();
    let verdict = d.rewrite(LEDGER, |text| {
        let mut entries = le_limits::parse(text, at);
        match le_limits::check(&entries, order, at) {
            Verdict::Go => {
                entries.push(Entry {
                    at,
                    set: order.set.clone(),
                    domains: order.domains.clone(),
                    failed: false,
                });
                (Some(le_limits::format(&entries)), Verdict::Go)
            }
            other => (None, other),
        }
    });
    match verdict {
        Ok(Verdict::Go) => Ok(Some(at)),
        Ok(other) => Err(other),
        // The file could not be read or written: go unrecorded, as without a directory.
        Err(_) => Ok(None),
    }
}

/// RunCloud answered that the order sent at `at` failed: it counts as a
/// failed validation, no longer as a certificate.
pub fn failed(config: &Config, order: &Order, at: u64) {
    if let Ok(d) = dir(config) {
        let _ = d.rewrite(LEDGER, |text| {
            let mut entries = le_limits::parse(text, now());
            for e in entries.iter_mut() {
                if e.at == at && e.set == order.set {
                    e.failed = true;
                }
            }
            (Some(le_limits::format(&entries)), ())
        });
    }
}

/// When `order` could go, without recording anything.
pub fn verdict(config: &Config, order: &Order) -> Verdict {
    le_limits::check(&entries(config), order, now())
}

/// The orders of the past week.
pub fn entries(config: &Config) -> Vec<Entry> {
    let at = now();
    dir(config)
        .ok()
        .and_then(|d| {
            d.rewrite(LEDGER, |text| (None, le_limits::parse(text, at)))
                .ok()
        })
        .unwrap_or_default()
}

fn census_file(config: &Config) -> String {
    keyed_name("certificate-names", &config.memory_key())
}

/// The names a basic certificate of the app covers, as the census last saw
/// them, and how old the census is; `None` when there is none.
pub fn census(config: &Config) -> Option<(Vec<String>, Duration)> {
    let d = dir(config).ok()?;
    let text = d
        .rewrite(&census_file(config), |text| (None, text.to_string()))
        .ok()?;
    let mut lines = text.lines();
    let read_at: u64 = lines.next()?.strip_prefix("read ")?.parse().ok()?;
    let names = lines
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    Some((names, Duration::from_secs(now().saturating_sub(read_at))))
}

/// The names on a basic certificate of an app with these domains: each
/// name, and its www twin when it has one.
pub fn certificate_names(domains: &[Domain]) -> Vec<String> {
    let mut names = Vec::new();
    for d in domains {
        names.push(d.name.clone());
        if d.www && !d.name.starts_with("*.") {
            names.push(format!("www.{}", d.name));
        }
    }
    names.sort();
    names.dedup();
    names
}

/// A census file's text: its `read <unix time>` line, then one name a line.
fn census_text(head: &str, names: &[String]) -> String {
    let mut text = format!("{head}\n");
    for n in names {
        text.push_str(n);
        text.push('\n');
    }
    text
}

/// The census, read afresh from the app's whole list.
pub fn store_census(config: &Config, names: &[String]) {
    if let Ok(d) = dir(config) {
        let text = census_text(&format!("read {}", now()), names);
        let _ = d.rewrite(&census_file(config), |_| (Some(text), ()));
    }
}

/// A change this worker made: `added` names joined the app, `removed` left it.
/// A census that does not exist stays so (the next need reads the list).
pub fn note_change(config: &Config, added: &[String], removed: &[String]) {
    let Ok(d) = dir(config) else { return };
    let _ = d.rewrite(&census_file(config), |text| {
        let mut lines = text.lines();
        let Some(head) = lines.next().filter(|h| h.starts_with("read ")) else {
            return (None, ());
        };
        let mut names: Vec<String> = lines
            .filter(|l| !l.is_empty() && !removed.iter().any(|r| r == l))
            .map(str::to_string)
            .collect();
        for a in added {
            if !names.contains(a) {
                names.push(a.clone());
            }
        }
        names.sort();
        (Some(census_text(head, &names)), ())
    });
}
