//! A place outside this server that every web server of one network sees:
//! the network's own database, lent by the host (the PHP layer, through the
//! WordPress glue). The certificate ledger and census live there when it is
//! lent, since Let's Encrypt counts the orders of every server of the network
//! together, and a state directory is one server's alone.
//!
//! The host gives a plain function, not an object, so that `Options` stays
//! `Send + Sync` for the threads of a call; the PHP layer's function answers
//! only on PHP's own thread (it calls into the interpreter).

use std::fmt;

/// What became of one locked read-and-change of a value of the store.
#[derive(Debug, PartialEq, Eq)]
pub enum Kept {
    /// Read, changed (or left) and let go.
    Done,
    /// The host has no store here (WordPress is not loaded): use the state directory.
    Absent,
    /// The store exists and could not be read or written now: `why`.
    Failed(String),
}

/// Reads the value called `name` under the store's lock (empty when it was
/// never written), lets `change` rewrite it (`Some` text: the new value), and
/// lets the lock go, whatever `change` did.
pub type RewriteFn = fn(name: &str, change: &mut dyn FnMut(&str) -> Option<String>) -> Kept;

/// The host's store, as an option of the configuration.
#[derive(Clone, Copy)]
pub struct SharedStore(pub RewriteFn);

impl fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedStore")
    }
}

/// Two configurations that differ only in their host's store are the same
/// settings (there is one host per process).
impl PartialEq for SharedStore {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
