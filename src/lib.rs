//! wu_runcloud: keeps a RunCloud web application in step with the domains of an
//! Ultimate Multisite network. The core (everything but `php`) is plain Rust;
//! `php` is the thin Zend layer that exposes `WU_RunCloud_Integration`.

pub mod api;
pub mod app_memory;
pub mod breaker;
pub mod config;
pub mod dns;
pub mod domain;
pub mod error;
pub mod input;
pub mod mapping;
pub mod pointing;
pub mod secret;
pub mod ssl_batch;
pub mod state_dir;
pub mod sync;

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
