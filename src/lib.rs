//! wu_runcloud: keeps a RunCloud web application in step with the domains of an
//! Ultimate Multisite network. The core (everything but `php`) is plain Rust;
//! `php` is the thin Zend layer that exposes `WU_RunCloud_Integration`.

pub mod api;
pub mod app_memory;
pub mod breaker;
pub mod caa;
pub mod certificate_ledger;
pub mod certified;
pub mod clock;
pub mod config;
pub mod dns;
pub mod domain;
pub mod error;
pub mod flows;
pub mod input;
pub mod le_limits;
pub mod pointing;
pub mod removing;
pub mod secret;
pub mod shared_store;
pub mod ssl_batch;
pub mod state_dir;
pub mod sync;
pub mod timed_names;
pub mod waiting;
pub mod worker;

#[cfg(feature = "php")]
mod php;

pub use error::{Error, Result};

/// Locks a worker-wide mutex. A poisoned lock only means another call panicked
/// (caught before PHP); the data behind it is still sound.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Unit tests' scratch directories: under the build's own `target/`, never the
/// temporary directory every user of a server shares.
#[cfg(test)]
pub(crate) fn test_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/unit-test-dirs")
        .join(format!("{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(dir.parent().unwrap_or(&dir));
    dir
}

/// Runs core work; a panic becomes an internal error instead of unwinding
/// further (into PHP, or through the other apps of a call).
pub fn catching_panics<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(Error::Internal(text))
    })
}
