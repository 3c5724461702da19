//! One PHP call's way out: every text that leaves the extension for PHP (an
//! exception, a log line, a message in a result array) goes through `Call`,
//! which takes the credentials out of it. `Call::clean` is the one place the
//! PHP layer redacts.

use super::convert::string;
use super::{exception, log};
use crate::config::{Config, ConstValue, LogPolicy, RawConstants};
use crate::error::{Error, Result};
use crate::flows::Level;
use crate::secret::{redact, Secret};
use ext_php_rs::exception::PhpException;
use ext_php_rs::types::Zval;

pub struct Call {
    secrets: Vec<Secret>,
    logging: LogPolicy,
}

impl Call {
    /// A call whose constants (and wizard credentials) are `raw`.
    pub fn new(raw: &RawConstants) -> Call {
        Call {
            secrets: secrets_of(raw),
            logging: LogPolicy::On,
        }
    }

    /// A call about one app's configuration (its credentials, its log policy).
    pub fn for_config(config: &Config) -> Call {
        Call {
            secrets: config.credentials.secret_forms(),
            logging: config.options.log,
        }
    }

    /// A call that writes log lines only when `logging` is on.
    pub fn logging(mut self, logging: LogPolicy) -> Call {
        self.logging = logging;
        self
    }

    /// `text` without any form of the credentials.
    pub fn clean(&self, text: &str) -> String {
        redact(text, &self.secrets)
    }

    /// `text`, cleaned, as a PHP string.
    pub fn text(&self, text: &str) -> Zval {
        string(&self.clean(text))
    }

    /// The PHP exception for a core error.
    pub fn exception(&self, error: Error) -> PhpException {
        exception::to_php(&error, &|t| self.clean(t))
    }

    /// One line where the extension's lines go, when logging is on.
    pub fn log(&self, level: Level, text: &str) {
        if self.logging == LogPolicy::On {
            log::write(level, &self.clean(text));
        }
    }
}

/// Every credential that is defined, valid or not, in every form it can take
/// (the Basic header's base64 included): what must never be printed.
fn secrets_of(raw: &RawConstants) -> Vec<Secret> {
    let text = |v: &Option<ConstValue>| match v {
        Some(ConstValue::Text(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(ConstValue::Int(n)) => Some(n.to_string()),
        _ => None,
    };
    let (key, secret, token) = (
        text(&raw.api_key),
        text(&raw.api_secret),
        text(&raw.api_token),
    );
    crate::secret::forms(key.as_deref(), secret.as_deref(), token.as_deref())
}

/// Runs core work for a PHP call: a panic becomes an internal error instead
/// of reaching PHP.
pub fn run_core<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    crate::catching_panics(|| {
        panic_if_asked_by_a_test();
        f()
    })
}

/// Debug builds only: lets the .phpt suite prove that a panic under a PHP call
/// becomes an exception and the process lives on. Compiled out of releases.
#[cfg(debug_assertions)]
#[allow(clippy::panic)]
fn panic_if_asked_by_a_test() {
    if std::env::var_os("WU_RUNCLOUD_TEST_PANIC").is_some() {
        panic!("panic requested by WU_RUNCLOUD_TEST_PANIC");
    }
}

#[cfg(not(debug_assertions))]
fn panic_if_asked_by_a_test() {}
