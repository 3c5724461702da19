//! Names known to hold a certificate of their own (advanced mode), with when
//! that was learnt: from the extension's own orders that RunCloud accepted,
//! and from RunCloud's answer about one domain's certificate. The plan for
//! advanced SSL and `certificate_status()` read it, so a certified name is
//! never planned, nor ordered, again, however long ago the ledger's week
//! forgot its order. Forgotten when the name leaves the app.

use crate::config::Config;
use crate::timed_names::{Entries, TimedNames};

const LIST: TimedNames = TimedNames("certified");

/// `name` holds its own certificate, as learnt at `at`.
pub fn note(config: &Config, name: &str, at: u64) {
    LIST.change(config, |list| {
        list.retain(|(n, _)| n != name);
        list.push((name.to_string(), at));
    });
}

/// `name` left the app: its certificate went with it.
pub fn forget(config: &Config, name: &str) {
    if !LIST.is_empty(config) {
        LIST.change(config, |list| list.retain(|(n, _)| n != name));
    }
}

/// Every name known certified, with when that was learnt.
pub fn all(config: &Config) -> Entries {
    LIST.read(config)
}
