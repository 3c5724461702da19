//! Reads the WU_RUNCLOUD_* constants from the running interpreter, at call
//! time: constants belong to one request and are never cached.

use super::zend_extra::zend_get_constant_str;
use crate::config::{
    ConstValue, RawConstants, CONST_API_KEY, CONST_API_SECRET, CONST_API_TOKEN, CONST_APPS,
    CONST_APP_ID, CONST_SERVER_ID, CONST_SERVER_IP,
};
use ext_php_rs::types::Zval;

fn constant(name: &str) -> Option<&'static Zval> {
    // SAFETY: the name is a valid buffer of the given length; the engine returns
    // a pointer into its constants table (valid for this request) or NULL.
    let zv = unsafe { zend_get_constant_str(name.as_ptr().cast(), name.len()) };
    // SAFETY: a non-null pointer from the engine points at a live zval.
    unsafe { zv.cast::<Zval>().as_ref() }
}

/// `WU_RUNCLOUD_APPS` as text: a string as it is; an array of `"101:201"`
/// strings, of `[101, 201]` pairs or of `['server' => 101, 'app' => 201]`, joined.
/// An element of another shape becomes text that the parser refuses, by name.
fn read_apps() -> Option<String> {
    let zv = constant(CONST_APPS)?;
    if let Some(s) = zv.str() {
        return Some(s.to_string());
    }
    let Some(list) = zv.array() else {
        return Some(if zv.is_null() || zv.is_false() {
            String::new()
        } else {
            "(not-a-string-or-array)".into()
        });
    };
    let id = |z: Option<&Zval>| {
        z.and_then(|z| {
            z.long()
                .or_else(|| z.str().and_then(|s| s.trim().parse().ok()))
        })
    };
    let items: Vec<String> = list
        .iter()
        .map(|(_, v)| {
            if let Some(s) = v.str() {
                return s.to_string();
            }
            let Some(pair) = v.array() else {
                return "(not-a-pair)".into();
            };
            let (s, a) = match (pair.get("server"), pair.get("app")) {
                (Some(s), Some(a)) => (id(Some(s)), id(Some(a))),
                _ => (id(pair.get_index(0)), id(pair.get_index(1))),
            };
            match (s, a) {
                (Some(s), Some(a)) => format!("{s}:{a}"),
                _ => "(not-a-pair)".into(),
            }
        })
        .collect();
    Some(items.join(","))
}

/// `WU_RUNCLOUD_SERVER_IP` as text: a string as it is, an array's strings joined.
fn read_server_ip() -> Option<String> {
    let zv = constant(CONST_SERVER_IP)?;
    if let Some(s) = zv.str() {
        return Some(s.to_string());
    }
    match zv.array() {
        Some(list) => Some(
            list.iter()
                .map(|(_, v)| {
                    v.str()
                        .map_or_else(|| "(not-a-string)".to_string(), str::to_string)
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        None if zv.is_null() || zv.is_false() => Some(String::new()),
        None => Some("(not-a-string-or-array)".into()),
    }
}

/// `DOMAIN_CURRENT_SITE`, only in a subdomain install (`SUBDOMAIN_INSTALL` true).
fn read_network_domain() -> Option<String> {
    let subdomains = constant("SUBDOMAIN_INSTALL").is_some_and(|z| {
        z.is_true()
            || z.long().is_some_and(|n| n != 0)
            || z.str().is_some_and(|s| !s.is_empty() && s != "0")
    });
    if !subdomains {
        return None;
    }
    constant("DOMAIN_CURRENT_SITE")
        .and_then(|z| z.str())
        .map(str::to_string)
}

fn read(name: &str) -> Option<ConstValue> {
    let zv = constant(name)?;
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
        apps: read_apps(),
        server_ip: read_server_ip(),
        network_domain: read_network_domain(),
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
