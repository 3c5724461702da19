//! The app's domain list as this server last read it (each row's id, name,
//! www and wildcard flags), kept in the state directory where every worker
//! of the pool's user reads it, so that an add answers its questions (a
//! wildcard over this parent? where is this name?) in O(1) requests, however
//! RunCloud orders its list and whether or not it honours `search`.
//!
//! It is never trusted as it is: before use, page 1 and the last page are
//! read at once (one round trip) and must agree with it, the same total and
//! every row of both pages known as it is. A name or a wildcard added or
//! removed in RunCloud's panel changes the total, and a new row shows on page
//! 1 or on the last page whichever way the list is ordered by age; so it is
//! caught, and the caller reads the list as it did without an index, which
//! makes the index anew. Only one change it may miss until the next full
//! read: a row removed and another added in the panel between two looks, on a
//! list ordered by name with neither in the first or last page. It is then
//! used only where a wrong answer is harmless: a wildcard row it does not
//! know makes a site name get a row of its own; a name's id is checked by a
//! GET before it is used, and "not listed" is never taken as "not there".
//! Every full read rebuilds it (at most a day old when used), and this
//! extension's own adds and removals keep it up to date. At 10,000 names it
//! is about 300 KB on disk.

use super::decode::Domain;
use crate::config::Config;
use crate::state_dir::{keyed_name, StateDir};
use std::path::PathBuf;

/// An index older than this is not used: the next add reads the list again.
pub const MAX_AGE: u64 = 24 * 3600;

/// One row as the index keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: u64,
    pub name: String,
    pub www: bool,
    pub wildcard: bool,
}

impl Row {
    /// The row as a domain (without RunCloud's other fields).
    pub fn domain(&self) -> Domain {
        Domain {
            id: self.id,
            name: self.name.clone(),
            kind: "alias".into(),
            www: self.www,
            wildcard: self.wildcard,
            raw: Default::default(),
        }
    }

    fn of(d: &Domain) -> Row {
        Row {
            id: d.id,
            name: d.name.clone(),
            www: d.www,
            wildcard: d.wildcard,
        }
    }

    /// Whether `d` is this row as RunCloud shows it now.
    pub fn is(&self, d: &Domain) -> bool {
        *self == Row::of(d)
    }
}

/// The index as read: when the list was read in full, and its rows.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub read_at: u64,
    pub rows: Vec<Row>,
}

/// Where one app's index lives.
pub struct DomainIndex {
    state_dir: Option<PathBuf>,
    file: String,
}

impl DomainIndex {
    pub fn of(config: &Config) -> DomainIndex {
        DomainIndex {
            state_dir: config.options.state_dir.clone(),
            file: keyed_name("index", &config.memory_key()),
        }
    }

    fn change<T: Default>(&self, f: impl FnOnce(Option<&mut Snapshot>) -> (bool, T)) -> T {
        let Ok(d) = StateDir::open(self.state_dir.as_deref()) else {
            return T::default();
        };
        d.rewrite(&self.file, |text| {
            let mut snap = parse(text);
            let (write, out) = f(snap.as_mut());
            (
                write.then(|| snap.as_ref().map(render).unwrap_or_default()),
                out,
            )
        })
        .unwrap_or_default()
    }

    /// The index, if one was made and is under `MAX_AGE` at `now`.
    pub fn load(&self, now: u64) -> Option<Snapshot> {
        let Ok(d) = StateDir::open(self.state_dir.as_deref()) else {
            return None;
        };
        if d.is_empty(&self.file) {
            return None;
        }
        let snap = d.rewrite(&self.file, |text| (None, parse(text))).ok()??;
        (now.saturating_sub(snap.read_at) < MAX_AGE).then_some(snap)
    }

    /// The whole list, just read: the index anew.
    pub fn store(&self, domains: &[Domain], now: u64) {
        let snap = Snapshot {
            read_at: now,
            rows: domains.iter().map(Row::of).collect(),
        };
        let Ok(d) = StateDir::open(self.state_dir.as_deref()) else {
            return;
        };
        let _ = d.rewrite(&self.file, |_| (Some(render(&snap)), ()));
    }

    /// This extension added `d`: kept in the index, if there is one.
    pub fn added(&self, d: &Domain) {
        self.change(|snap| match snap {
            Some(s) => {
                s.rows.retain(|r| r.id != d.id);
                s.rows.push(Row::of(d));
                (true, ())
            }
            None => (false, ()),
        });
    }

    /// This extension removed the row `id`.
    pub fn removed(&self, id: u64) {
        self.change(|snap| match snap {
            Some(s) => {
                s.rows.retain(|r| r.id != id);
                (true, ())
            }
            None => (false, ()),
        });
    }
}

/// `index <read_at>` then one `id name flags` line a row (flags: `w` for a
/// www twin, `W` for a wildcard row, `-` for neither).
fn render(s: &Snapshot) -> String {
    let mut out = format!("index {}\n", s.read_at);
    for r in &s.rows {
        let flags = match (r.www, r.wildcard) {
            (false, false) => "-",
            (true, false) => "w",
            (false, true) => "W",
            (true, true) => "wW",
        };
        out.push_str(&format!("{} {} {flags}\n", r.id, r.name));
    }
    out
}

fn parse(text: &str) -> Option<Snapshot> {
    let mut lines = text.lines();
    let read_at = lines.next()?.strip_prefix("index ")?.trim().parse().ok()?;
    let rows = lines
        .filter_map(|l| {
            let mut f = l.split(' ');
            let id = f.next()?.parse().ok()?;
            let name = f.next()?.to_string();
            let flags = f.next()?;
            Some(Row {
                id,
                name,
                www: flags.contains('w'),
                wildcard: flags.contains('W'),
            })
        })
        .collect();
    Some(Snapshot { read_at, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(id: u64, name: &str, www: bool, wildcard: bool) -> Domain {
        Domain {
            id,
            name: name.into(),
            kind: "alias".into(),
            www,
            wildcard,
            raw: Default::default(),
        }
    }

    #[test]
    fn the_index_keeps_rows_across_workers_and_follows_our_own_changes() {
        let dir = crate::test_dir("domain-index");
        let config = Config::for_tests_in(&dir);
        let index = DomainIndex::of(&config);
        assert!(index.load(100).is_none());
        index.added(&domain(9, "early.com", false, false));
        assert!(
            index.load(100).is_none(),
            "no index is made by a single add"
        );
        index.store(
            &[
                domain(1, "network.test", false, true),
                domain(2, "shop.com", true, false),
            ],
            100,
        );
        index.added(&domain(3, "new.com", false, false));
        index.removed(2);
        let other_worker = DomainIndex::of(&config).load(200).expect("kept on disk");
        assert_eq!(
            other_worker.rows,
            vec![
                Row {
                    id: 1,
                    name: "network.test".into(),
                    www: false,
                    wildcard: true
                },
                Row {
                    id: 3,
                    name: "new.com".into(),
                    www: false,
                    wildcard: false
                },
            ]
        );
        assert!(index.load(100 + MAX_AGE).is_none(), "too old to use");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
