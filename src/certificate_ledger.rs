//! What the certificate budget keeps: in the network's store when the host
//! lends one (`shared_store`: WordPress's database, which every web server of
//! the network sees), else in the state directory every worker of this PHP
//! user shares (`state_dir`). It keeps the ledger of orders sent
//! (`le_limits`), one for all the apps this user serves, since Let's Encrypt
//! counts per registered domain and per account, not per app; and, per app,
//! the names its one basic certificate covers, so that neither the capacity
//! check nor an order's set costs a round trip. Each is read and changed
//! under the file's lock, so two workers never both take the last order.
//!
//! With neither, there is no ledger: orders go unchecked, as before the budget
//! existed, and `test_connection()` says so. A network store that exists and
//! cannot be read now puts an order off for a minute: another server may be
//! counting on it.

use crate::api::decode::Domain;
use crate::clock::now;
use crate::config::Config;
use crate::le_limits::{self, Entry, Order, Verdict};
use crate::shared_store::Kept;
use crate::state_dir::{keyed_name, StateDir};
use std::time::Duration;

const LEDGER: &str = "ledger";
/// A census older than this is read again from RunCloud (names added or
/// removed in RunCloud's panel meanwhile).
pub const CENSUS_FRESH_FOR: Duration = Duration::from_secs(24 * 3600);

fn dir(config: &Config) -> Result<StateDir, String> {
    StateDir::open(config.options.state_dir.as_deref())
}

/// Why a value of the budget was not read or written.
enum Unkept {
    /// No place to keep it (no network store, no state directory), or a
    /// state-directory file that cannot be used.
    Nowhere,
    /// The network's store exists and failed now.
    NetworkDown(String),
}

/// `change` run on the value `file` under its lock, in the network's store
/// when the host lends one, else in the state directory. A server's own
/// ledger, from before the network kept one, joins the network's the first
/// time the server uses it (its week's orders are not forgotten), and is
/// emptied once it has.
fn keep<T>(
    config: &Config,
    file: &str,
    change: impl FnOnce(&str) -> (Option<String>, T),
) -> Result<T, Unkept> {
    let mut change = Some(change);
    if let Some(store) = config.options.shared_store {
        let mine = (file == LEDGER).then(|| own_ledger(config)).flatten();
        let mut out = None;
        let kept = (store.0)(file, &mut |text| {
            let merged = mine.as_ref().map(|(_, own)| merge_lines(text, own));
            let (new, value) = change.take()?(merged.as_deref().unwrap_or(text));
            out = Some(value);
            new.or(merged)
        });
        match (kept, out) {
            (Kept::Done, Some(value)) => {
                if let Some((d, _)) = mine {
                    let _ = d.rewrite(LEDGER, |_| (Some(String::new()), ()));
                }
                return Ok(value);
            }
            (Kept::Absent, None) => {}
            (Kept::Failed(why), _) => return Err(Unkept::NetworkDown(why)),
            (_, _) => {
                return Err(Unkept::NetworkDown(
                    "the network's store did not run the change once".into(),
                ))
            }
        }
    }
    let change = change.ok_or(Unkept::Nowhere)?;
    dir(config)
        .and_then(|d| d.rewrite(file, change))
        .map_err(|_| Unkept::Nowhere)
}

/// This server's own ledger when it holds anything (one `stat` when not).
fn own_ledger(config: &Config) -> Option<(StateDir, String)> {
    let d = dir(config).ok().filter(|d| !d.is_empty(LEDGER))?;
    let text = d.rewrite(LEDGER, |text| (None, text.to_string())).ok()?;
    (!text.trim().is_empty()).then_some((d, text))
}

/// `text` with the lines of `more` after it. Every line counts, repeats
/// too: two orders of one set in one second are two lines alike.
fn merge_lines(text: &str, more: &str) -> String {
    text.lines()
        .chain(more.lines())
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}

/// How long an order waits when the network's ledger cannot be read.
const NETWORK_DOWN_WAIT: u64 = 60;

/// Checks `order` against the ledger and, when it may go, writes it down
/// before it is sent (under the lock: no other worker takes the same slot).
/// `Ok(at)`: go, recorded at `at`. Without a state directory: go, unrecorded.
pub fn reserve(config: &Config, order: &Order) -> Result<Option<u64>, Verdict> {
    let at = now();
    let verdict = keep(config, LEDGER, |text| {
        let mut entries = le_limits::parse(text, at);
        match le_limits::check(&entries, order, at, config.options.certificate_names) {
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
        // Nowhere to keep it: go unrecorded, as without a directory.
        Err(Unkept::Nowhere) => Ok(None),
        Err(Unkept::NetworkDown(why)) => Err(Verdict::Wait {
            until: at + NETWORK_DOWN_WAIT,
            why: format!("the network's certificate ledger could not be read ({why}); the order waits a minute"),
        }),
    }
}

/// RunCloud answered that the order sent at `at` failed: it counts as a
/// failed validation, no longer as a certificate.
pub fn failed(config: &Config, order: &Order, at: u64) {
    let _ = keep(config, LEDGER, |text| {
        let mut entries = le_limits::parse(text, now());
        // One entry: orders of one set sent in the same second are alike.
        if let Some(e) = entries
            .iter_mut()
            .rev()
            .find(|e| e.at == at && e.set == order.set && !e.failed)
        {
            e.failed = true;
        }
        (Some(le_limits::format(&entries)), ())
    });
}

/// When `order` could go, without recording anything.
pub fn verdict(config: &Config, order: &Order) -> Verdict {
    le_limits::check(
        &entries(config),
        order,
        now(),
        config.options.certificate_names,
    )
}

/// The orders of the past week.
pub fn entries(config: &Config) -> Vec<Entry> {
    let at = now();
    keep(config, LEDGER, |text| (None, le_limits::parse(text, at))).unwrap_or_default()
}

fn census_file(config: &Config) -> String {
    keyed_name("certificate-names", &config.memory_key())
}

/// The names a basic certificate of the app covers, as the census last saw
/// them, and how old the census is; `None` when there is none.
pub fn census(config: &Config) -> Option<(Vec<String>, Duration)> {
    let text = keep(config, &census_file(config), |text| {
        (None, text.to_string())
    })
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
    let text = census_text(&format!("read {}", now()), names);
    let _ = keep(config, &census_file(config), |_| (Some(text), ()));
}

/// A change this worker made: `added` names joined the app, `removed` left it.
/// A census that does not exist stays so (the next need reads the list).
pub fn note_change(config: &Config, added: &[String], removed: &[String]) {
    let _ = keep(config, &census_file(config), |text| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_order_marks_one_entry_not_every_order_of_its_second() {
        let dir = crate::test_dir("ledger-failed");
        let config = Config::for_tests_in(&dir);
        let order = Order::of(
            &["shop.example.com".to_string()],
            true,
            le_limits::registered,
        );
        // Two orders of one set in one second, as two workers may send them.
        let second = now();
        let entry = Entry {
            at: second,
            set: order.set.clone(),
            domains: order.domains.clone(),
            failed: false,
        };
        let text = le_limits::format(&[entry.clone(), entry]);
        let d = super::dir(&config).expect("state dir");
        d.rewrite(LEDGER, |_| (Some(text), ())).expect("written");
        failed(&config, &order, second);
        let e = entries(&config);
        assert_eq!(e.len(), 2);
        assert_eq!(e.iter().filter(|e| e.failed).count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
