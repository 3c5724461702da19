//! What one `WU_RunCloud_Integration` object was made with: its constructor's
//! options and the wizard's credentials. The method files receive this, not
//! the class: only `integration.rs` knows the class.

use super::call::{run_core, Call};
use super::{constants, ini};
use crate::config::{Config, ConstValue, OptionValue, Options, RawConstants};
use crate::error::{quote, Result};
use ext_php_rs::exception::PhpResult;

#[derive(Default)]
pub struct Settings {
    /// Constructor options, validated; applied over INI at every call.
    pub overrides: Vec<(String, OptionValue)>,
    /// Credentials saved in Ultimate Multisite's wizard (the `credentials`
    /// option), used where the constant is not defined and non-empty.
    pub credentials: Vec<(&'static str, ConstValue)>,
}

impl Settings {
    /// The constants, with the wizard's credentials where a constant is not set.
    pub fn constants(&self) -> RawConstants {
        constants::read_with(&self.credentials)
    }

    pub fn options(&self) -> Result<Options> {
        let mut options = ini::options()?;
        for (k, v) in &self.overrides {
            options.apply(k, v, &format!("option {}", quote(k)))?;
        }
        Ok(options)
    }

    pub fn config(&self, raw: &RawConstants) -> Result<Config> {
        Config::from_constants(raw, self.options()?)
    }

    /// The strict API: a result, or a WU_RunCloud_Exception / InvalidArgumentException.
    pub fn strict<T>(&self, f: impl FnOnce(&RawConstants, &Call) -> Result<T>) -> PhpResult<T> {
        let raw = self.constants();
        let call = Call::new(&raw);
        run_core(|| f(&raw, &call)).map_err(|e| call.exception(e))
    }
}
