//! Rust values to PHP arrays. Nothing here decides anything.

use crate::error::FieldErrors;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::{ZendHashTable, Zval};
use serde_json::Value;

pub fn string(s: &str) -> Zval {
    let mut z = Zval::new();
    // Strings from Rust never hold NUL-related problems for set_string.
    let _ = z.set_string(s, false);
    z
}

pub fn long(n: i64) -> Zval {
    let mut z = Zval::new();
    z.set_long(n);
    z
}

pub fn boolean(b: bool) -> Zval {
    let mut z = Zval::new();
    z.set_bool(b);
    z
}

/// An associative array, in the given order.
pub fn assoc_ht(pairs: Vec<(&str, Zval)>) -> ZBox<ZendHashTable> {
    let mut ht = ZendHashTable::with_capacity(pairs.len() as u32);
    for (k, v) in pairs {
        let _ = ht.insert(k, v);
    }
    ht
}

/// A list (0-based keys).
pub fn list_ht(items: Vec<Zval>) -> ZBox<ZendHashTable> {
    let mut ht = ZendHashTable::with_capacity(items.len() as u32);
    for v in items {
        let _ = ht.push(v);
    }
    ht
}

pub fn array(ht: ZBox<ZendHashTable>) -> Zval {
    let mut z = Zval::new();
    z.set_hashtable(ht);
    z
}

pub fn assoc(pairs: Vec<(&str, Zval)>) -> Zval {
    array(assoc_ht(pairs))
}

pub fn list(items: Vec<Zval>) -> Zval {
    array(list_ht(items))
}

/// JSON as PHP would decode it with `json_decode($s, true)`.
pub fn json(v: &Value) -> Zval {
    match v {
        Value::Null => Zval::null(),
        Value::Bool(b) => boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => long(i),
            None => {
                let mut z = Zval::new();
                z.set_double(n.as_f64().unwrap_or(0.0));
                z
            }
        },
        Value::String(s) => string(s),
        Value::Array(a) => list(a.iter().map(json).collect()),
        Value::Object(o) => assoc(o.iter().map(|(k, v)| (k.as_str(), json(v))).collect()),
    }
}

pub fn field_errors_to_zval(errors: &FieldErrors, clean: &dyn Fn(&str) -> String) -> Zval {
    assoc(
        errors
            .iter()
            .map(|(field, texts)| {
                (
                    field.as_str(),
                    list(texts.iter().map(|t| string(&clean(t))).collect()),
                )
            })
            .collect(),
    )
}
