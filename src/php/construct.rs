//! `new WU_RunCloud_Integration($options)`: the options checked once, here,
//! and applied over the INI settings at every call; the wizard's credentials.

use super::args;
use super::call::Call;
use super::constants;
use super::exception::invalid_argument_exception as invalid_argument;
use super::settings::Settings;
use crate::config::{ConstValue, OptionValue, Options, ALL_CONSTANTS};
use crate::error::quote;
use crate::input::ArgValue;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};

pub fn new(options: Option<&ZendHashTable>) -> PhpResult<Settings> {
    let mut overrides = Vec::new();
    let mut credentials = Vec::new();
    let mut check = Options::default();
    if let Some(ht) = options {
        for (key, value) in ht.iter() {
            if let ArrayKey::Long(n) = key {
                return Err(invalid_argument(format!(
                    "Option keys must be names such as \"timeout\", got the index {n}"
                )));
            }
            let key = key.to_string();
            if key == "credentials" {
                credentials = credentials_option(value)?;
                continue;
            }
            let value = option_value(value);
            check
                .apply(&key, &value, &format!("option {}", quote(&key)))
                .map_err(|e| {
                    // The value is quoted back: a credential pasted into an option must not be.
                    let call = Call::new(&constants::read_with(&credentials));
                    invalid_argument(call.clean(&e.to_string()))
                })?;
            overrides.push((key, value));
        }
    }
    Ok(Settings {
        overrides,
        credentials,
    })
}

/// An option's value, from the same zval reading as the methods' arguments.
fn option_value(v: &Zval) -> OptionValue {
    if let Some(a) = v.array() {
        return OptionValue::List(a.iter().filter_map(|(_, v)| v.coerce_to_string()).collect());
    }
    match args::arg_value(v) {
        ArgValue::Bytes(b) => String::from_utf8(b).map_or(
            OptionValue::Other("a string that is not valid UTF-8"),
            OptionValue::Text,
        ),
        ArgValue::Int(n) => OptionValue::Int(n),
        ArgValue::Float(f) => OptionValue::Float(f),
        ArgValue::Bool(b) => OptionValue::Bool(b),
        ArgValue::Null => OptionValue::Other("null"),
        ArgValue::Other(_) => OptionValue::Other("a value of another type"),
    }
}

/// The `credentials` option: constant name => value, as Ultimate Multisite's
/// `Integration::get_credential()` hands them out. Values are never quoted back.
fn credentials_option(value: &Zval) -> PhpResult<Vec<(&'static str, ConstValue)>> {
    let Some(ht) = value.array() else {
        return Err(invalid_argument(
            "Option \"credentials\" must be an array such as ['WU_RUNCLOUD_API_TOKEN' => '...']"
                .into(),
        ));
    };
    let mut out = Vec::new();
    for (key, v) in ht.iter() {
        let key = key.to_string();
        let Some(name) = ALL_CONSTANTS.iter().find(|c| **c == key) else {
            return Err(invalid_argument(format!(
                "Option \"credentials\": unknown key {}; known keys: {}",
                quote(&key),
                ALL_CONSTANTS.join(", ")
            )));
        };
        let value = if let Some(n) = v.long() {
            ConstValue::Int(n)
        } else if let Some(s) = v.str() {
            ConstValue::Text(s.to_string())
        } else if v.is_null() || v.is_false() {
            continue;
        } else {
            return Err(invalid_argument(format!(
                "Option \"credentials\": {name} must be a string or an integer"
            )));
        };
        out.push((*name, value));
    }
    Ok(out)
}
