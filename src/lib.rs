//! wu_runcloud: keeps a RunCloud web application in step with the domains of an
//! Ultimate Multisite network. The core (everything but `php`) is plain Rust;
//! `php` is the thin Zend layer that exposes `WU_RunCloud_Integration`.

pub mod api;
pub mod app_memory;
pub mod breaker;
pub mod config;
pub mod domain;
pub mod error;
pub mod input;
pub mod mapping;
pub mod secret;

#[cfg(feature = "php")]
mod php;

pub use error::{Error, Result};
