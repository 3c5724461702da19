//! A list of names with a time each, one file per app in the state directory
//! (`<prefix>-<digest>`, a line `name time` each), read and rewritten under
//! the file's lock. The shape of the removals left (`removing`) and of the
//! names known to hold their own certificate (`certified`).

use crate::config::Config;
use crate::state_dir::{keyed_name, StateDir};

pub type Entries = Vec<(String, u64)>;

/// One kind of list, named by its file prefix.
pub struct TimedNames(pub &'static str);

impl TimedNames {
    fn file(&self, config: &Config) -> String {
        keyed_name(self.0, &config.memory_key())
    }

    /// Whether nothing is listed: one `stat`, no lock (the usual case).
    pub fn is_empty(&self, config: &Config) -> bool {
        StateDir::open(config.options.state_dir.as_deref())
            .map_or(true, |d| d.is_empty(&self.file(config)))
    }

    /// Runs `f` on the list under its lock and writes what it left. Without a
    /// usable state directory (or on a failed write): `T::default()`.
    pub fn change<T: Default>(&self, config: &Config, f: impl FnOnce(&mut Entries) -> T) -> T {
        let Ok(d) = StateDir::open(config.options.state_dir.as_deref()) else {
            return T::default();
        };
        d.rewrite(&self.file(config), |text| {
            let mut list = parse(text);
            let out = f(&mut list);
            (Some(render(&list)), out)
        })
        .unwrap_or_default()
    }

    /// The list as it is (empty without reading when nothing is listed).
    pub fn read(&self, config: &Config) -> Entries {
        if self.is_empty(config) {
            return Vec::new();
        }
        self.change(config, |list| list.clone())
    }
}

fn parse(text: &str) -> Entries {
    let mut out: Entries = Vec::new();
    for line in text.lines() {
        let Some((n, at)) = line.split_once(' ') else {
            continue;
        };
        let Ok(at) = at.trim().parse() else { continue };
        out.retain(|(k, _)| k != n);
        out.push((n.to_string(), at));
    }
    out
}

fn render(list: &[(String, u64)]) -> String {
    list.iter().map(|(n, at)| format!("{n} {at}\n")).collect()
}
