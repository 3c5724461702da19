//! Reads the WU_RUNCLOUD_* constants from the running interpreter, at call
//! time: constants belong to one request and are never cached.

use super::zend_extra::zend_get_constant_str;
use crate::config::{
    ConstValue, RawConstants, CONST_API_KEY, CONST_API_SECRET, CONST_API_TOKEN, CONST_APP_ID,
    CONST_SERVER_ID,
};
use ext_php_rs::types::Zval;

fn read(name: &str) -> Option<ConstValue> {
    // SAFETY: the name is a valid buffer of the given length; the engine returns
    // a pointer into its constants table (valid for this request) or NULL.
    let zv = unsafe { zend_get_constant_str(name.as_ptr().cast(), name.len()) };
    // SAFETY: a non-null pointer from the engine points at a live zval.
    let zv: &Zval = unsafe { zv.cast::<Zval>().as_ref() }?;
    Some(if let Some(s) = zv.str() {
        ConstValue::Text(s.to_string())
    } else if let Some(n) = zv.long() {
        ConstValue::Int(n)
    } else if zv.is_true() {
        ConstValue::Other("true")
    } else if zv.is_false() {
        ConstValue::Other("false")
    } else if zv.is_null() {
        ConstValue::Other("null")
    } else if let Some(f) = zv.double() {
        ConstValue::Other(if f == 0.0 { "a zero float" } else { "a float" })
    } else if zv.is_string() {
        ConstValue::Other("a string that is not valid UTF-8")
    } else if let Some(a) = zv.array() {
        ConstValue::Other(if a.is_empty() {
            "an empty array"
        } else {
            "an array"
        })
    } else {
        ConstValue::Other("a non-scalar value")
    })
}

pub fn read_all() -> RawConstants {
    RawConstants {
        api_key: read(CONST_API_KEY),
        api_secret: read(CONST_API_SECRET),
        api_token: read(CONST_API_TOKEN),
        server_id: read(CONST_SERVER_ID),
        app_id: read(CONST_APP_ID),
    }
}

/// The constants, with `fallback` values (credentials saved in Ultimate
/// Multisite's wizard) for those not defined and non-empty: wp-config.php wins,
/// as in Ultimate Multisite's own `Integration::get_credential()`.
pub fn read_with(fallback: &[(&'static str, ConstValue)]) -> RawConstants {
    let mut raw = read_all();
    for (name, value) in fallback {
        let slot = match *name {
            CONST_API_KEY => &mut raw.api_key,
            CONST_API_SECRET => &mut raw.api_secret,
            CONST_API_TOKEN => &mut raw.api_token,
            CONST_SERVER_ID => &mut raw.server_id,
            CONST_APP_ID => &mut raw.app_id,
            _ => continue,
        };
        if !slot.as_ref().is_some_and(ConstValue::is_set) {
            *slot = Some(value.clone());
        }
    }
    raw
}
