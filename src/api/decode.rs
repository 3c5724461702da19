//! Decoding RunCloud's answers, tolerant of what the docs leave open (0/1 or
//! booleans, numeric strings, several pagination shapes) and strict about the rest.

use crate::error::{Error, FieldErrors, Result};
use serde_json::{Map, Value};

/// A domain attached to the web app.
#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    pub id: u64,
    pub name: String,
    pub kind: String,
    pub www: bool,
    pub wildcard: bool,
    /// The object as RunCloud sent it, with `www` and `wildcard` as booleans.
    pub raw: Map<String, Value>,
}

/// The app's basic (app-wide) certificate.
#[derive(Clone, Debug, PartialEq)]
pub struct SslCert {
    pub id: u64,
    pub method: Option<String>,
    pub valid_until: Option<String>,
}

/// A name as RunCloud sent it, in the form our input names take: trimmed,
/// lowercase, no trailing dot, and punycode for a name added in RunCloud's
/// dashboard in Unicode (`bücher.de` -> `xn--bcher-kva.de`), so they compare equal.
pub fn normalised_name(name: &str) -> String {
    let name = name.trim().trim_end_matches('.');
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    idna::domain_to_ascii(name).unwrap_or_else(|_| name.to_lowercase())
}

/// One page of a list.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Entries that could not be read (say `id: null` while RunCloud sets one up):
    /// why, for the log. They are skipped, not fatal.
    pub skipped: Vec<String>,
    /// The last page, when the answer says.
    pub last_page: Option<u64>,
    /// How many entries the whole list holds, when the answer says.
    pub total: Option<u64>,
}

fn bad(status: u16, message: impl Into<String>) -> Error {
    Error::BadResponse {
        context: String::new(),
        status,
        message: message.into(),
    }
}

pub fn json(status: u16, body: &[u8]) -> Result<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(bad(status, "the body was empty"));
    }
    serde_json::from_slice(body).map_err(|e| {
        if looks_like_html(body) {
            bad(
                status,
                "an HTML page instead of JSON (a proxy or maintenance page?)",
            )
        } else {
            bad(status, format!("the body is not valid JSON ({e})"))
        }
    })
}

fn looks_like_html(body: &[u8]) -> bool {
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype") || start.starts_with(b"<html") || start.starts_with(b"<")
}

/// An integer that may come as a number or a numeric string.
fn as_id(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A flag that may come as 0/1, a boolean, "0"/"1" or null.
fn as_flag(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
        Some(Value::String(s)) => matches!(s.trim(), "1" | "true"),
        _ => false,
    }
}

pub fn domain(v: &Value, status: u16) -> Result<Domain> {
    let obj = v
        .as_object()
        .ok_or_else(|| bad(status, "a domain entry is not an object"))?;
    let id = obj
        .get("id")
        .and_then(as_id)
        .ok_or_else(|| bad(status, "a domain entry has no numeric id"))?;
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(status, "a domain entry has no name"))?;
    let name = normalised_name(name);
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("alias")
        .to_string();
    let www = as_flag(obj.get("www"));
    let wildcard = as_flag(obj.get("wildcard"));
    let mut raw = obj.clone();
    raw.insert("www".into(), Value::Bool(www));
    raw.insert("wildcard".into(), Value::Bool(wildcard));
    Ok(Domain {
        id,
        name,
        kind,
        www,
        wildcard,
        raw,
    })
}

/// A single object answer; some APIs wrap it in `data`.
pub fn unwrap_data(v: Value) -> Value {
    match v {
        Value::Object(mut o) if o.len() == 1 && o.get("data").is_some_and(Value::is_object) => {
            o.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    }
}

pub fn domain_page(v: &Value, status: u16) -> Result<Page<Domain>> {
    let data = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| bad(status, "a list answer has no data array"))?;
    let mut items = Vec::with_capacity(data.len());
    let mut skipped = Vec::new();
    for entry in data {
        match domain(entry, status) {
            Ok(d) => items.push(d),
            Err(e) => skipped.push(match e {
                Error::BadResponse { message, .. } => message,
                other => other.to_string(),
            }),
        }
    }
    Ok(Page {
        items,
        skipped,
        last_page: last_page(v),
        total: v.get("meta").and_then(|m| {
            m.pointer("/pagination/total")
                .or_else(|| m.get("total"))
                .and_then(as_id)
        }),
    })
}

fn last_page(v: &Value) -> Option<u64> {
    let meta = v.get("meta")?;
    meta.pointer("/pagination/total_pages")
        .and_then(as_id)
        .or_else(|| meta.get("lastPage").and_then(as_id))
        .or_else(|| meta.get("last_page").and_then(as_id))
}

/// The basic SSL state: `None` when RunCloud says none is installed (any
/// answer without a certificate id, whatever its wording).
pub fn ssl_cert(v: &Value) -> Option<SslCert> {
    let obj = v.as_object()?;
    let id = obj.get("id").and_then(as_id)?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    Some(SslCert {
        id,
        method: text("method"),
        valid_until: text("validUntil").or_else(|| text("valid_until")),
    })
}

/// RunCloud's `2027-02-01 00:00:00` (UTC), as unix time.
pub fn runcloud_time(text: &str) -> Option<u64> {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let t = time::PrimitiveDateTime::parse(text.trim(), format).ok()?;
    u64::try_from(t.assume_utc().unix_timestamp()).ok()
}

/// `{"advancedSSL": bool, ...}`; `None` when the answer has no such flag.
pub fn advanced_flag(v: &Value) -> Option<bool> {
    let obj = v.as_object()?;
    obj.get("advancedSSL")
        .or_else(|| obj.get("advanced_ssl"))
        .or_else(|| obj.get("advanced"))
        .map(|f| as_flag(Some(f)))
}

/// The AutoSSL flag of `GET {app}/ssl/advanced` (false when absent: it is a Business feature).
pub fn auto_ssl_flag(v: &Value) -> bool {
    let obj = v.as_object();
    as_flag(obj.and_then(|o| o.get("autoSSL").or_else(|| o.get("auto_ssl"))))
}

/// The keys of an answer, to say what was seen when an expected one is missing
/// (keys only: values are never echoed).
pub fn keys_of(v: &Value) -> String {
    match v.as_object() {
        Some(o) if !o.is_empty() => o.keys().map(String::as_str).collect::<Vec<_>>().join(", "),
        Some(_) => "an empty object".into(),
        None => "no object".into(),
    }
}

/// RunCloud's error answer: its message and field errors, from whatever the body is.
/// Secrets are taken out of each text before it is cleaned and cut short.
pub fn error_body(body: &[u8], secrets: &[crate::secret::Secret]) -> (String, FieldErrors) {
    let clean = |s: &str| clean(&crate::secret::redact(s, secrets));
    let mut errors = FieldErrors::new();
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        let note = if body.is_empty() {
            ""
        } else if looks_like_html(body) {
            "(an HTML error page, not RunCloud's JSON)"
        } else {
            "(a body that is not JSON)"
        };
        return (note.to_string(), errors);
    };
    let message = v
        .get("message")
        .and_then(Value::as_str)
        .map(clean)
        .unwrap_or_default();
    if let Some(map) = v.get("errors").and_then(Value::as_object) {
        for (field, list) in map.iter().take(20) {
            let texts: Vec<String> = match list {
                Value::Array(items) => items
                    .iter()
                    .take(10)
                    .filter_map(Value::as_str)
                    .map(clean)
                    .collect(),
                Value::String(s) => vec![clean(s)],
                _ => continue,
            };
            errors.insert(clean(field), texts);
        }
    }
    (message, errors)
}

/// RunCloud's text, made safe to put into a message: one line, bounded.
fn clean(s: &str) -> String {
    const MAX: usize = 300;
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out: String = one_line.trim().chars().take(MAX).collect();
    if one_line.trim().chars().count() > MAX {
        out.push('…');
    }
    out
}

/// Runs every decoder over one body; for the fuzz target and its regression tests.
#[doc(hidden)]
pub fn decode_everything(body: &[u8]) {
    let _ = error_body(body, &[]);
    if let Ok(v) = json(200, body) {
        let _ = domain_page(&v, 200);
        let _ = domain(&v, 200);
        let v = unwrap_data(v);
        let _ = ssl_cert(&v);
        let _ = advanced_flag(&v);
        let _ = auto_ssl_flag(&v);
        let _ = keys_of(&v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn domain_flags_accept_ints_bools_and_strings() {
        let d = domain(
            &json!({"id": "17", "name": "Shop.Example.com", "www": 1, "wildcard": "0"}),
            200,
        );
        let d = d
            .map(|d| (d.id, d.name, d.www, d.wildcard))
            .map_err(|e| e.to_string());
        assert_eq!(d, Ok((17, "shop.example.com".to_string(), true, false)));
        let d = domain(
            &json!({"id": 3, "name": "a.com", "www": true, "wildcard": true}),
            200,
        );
        assert_eq!(d.map(|d| d.www && d.wildcard).ok(), Some(true));
        assert!(domain(&json!({"name": "a.com"}), 200).is_err());
        assert!(domain(&json!({"id": 1, "name": 5}), 200).is_err());
        assert!(domain(&json!([1, 2]), 200).is_err());
    }

    #[test]
    fn pagination_shapes() {
        let v = json!({"data": [], "meta": {"pagination": {"total_pages": 4}}});
        assert_eq!(domain_page(&v, 200).ok().and_then(|p| p.last_page), Some(4));
        let v = json!({"data": [], "meta": {"lastPage": 2}});
        assert_eq!(domain_page(&v, 200).ok().and_then(|p| p.last_page), Some(2));
        let v = json!({"data": []});
        assert_eq!(domain_page(&v, 200).ok().map(|p| p.last_page), Some(None));
        assert!(domain_page(&json!({"items": []}), 200).is_err());
        assert!(domain_page(&json!({"data": {"id": 1}}), 200).is_err());
    }

    #[test]
    fn error_bodies_of_every_shape() {
        let (m, e) = error_body(br#"{"message":"The given data was invalid.","errors":{"name":["The name has already been taken."]}}"#, &[]);
        assert_eq!(m, "The given data was invalid.");
        assert_eq!(e.get("name").map(Vec::len), Some(1));
        assert_eq!(
            error_body(br#"{"message":"Unauthenticated."}"#, &[]).0,
            "Unauthenticated."
        );
        assert_eq!(error_body(b"", &[]).0, "");
        assert!(
            error_body(b"<html><body>502 Bad Gateway</body></html>", &[])
                .0
                .contains("HTML")
        );
        assert!(error_body(b"oops", &[]).0.contains("not JSON"));
        let (m, _) = error_body(
            format!("{{\"message\":\"{}\\nforged\"}}", "x".repeat(1000)).as_bytes(),
            &[],
        );
        assert!(m.chars().count() <= 301 && !m.contains('\n'));
    }

    #[test]
    fn a_secret_is_taken_out_before_the_text_is_cut() {
        // The secret straddles the 300-character cut: cutting first would leave its head.
        let secret = crate::secret::Secret::new("tok-ABCDEFGHIJKLMNOP");
        let body = format!(
            "{{\"message\":\"{}{}\",\"errors\":{{\"name\":[\"{}\"]}}}}",
            "x".repeat(290),
            secret.expose(),
            secret.expose()
        );
        let (m, e) = error_body(body.as_bytes(), &[secret]);
        assert!(!m.contains("tok-ABC"), "{m}");
        assert!(m.ends_with("[redacted]"), "{m}");
        assert_eq!(e.get("name").map(|t| t.join("")), Some("[redacted]".into()));
    }

    #[test]
    fn json_names_html_and_empty_bodies() {
        assert!(json(200, b"")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("empty"));
        assert!(json(200, b"<!DOCTYPE html><p>hi")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("HTML"));
        assert!(json(200, br#"{"data": [1, 2"#).is_err());
    }

    #[test]
    fn ssl_state() {
        assert_eq!(ssl_cert(&json!({"message": "SSL not installed!"})), None);
        assert_eq!(
            ssl_cert(&json!({"id": 9, "method": "letsencrypt"})).map(|c| c.id),
            Some(9)
        );
        assert_eq!(
            advanced_flag(&json!({"advancedSSL": true, "autoSSL": false})),
            Some(true)
        );
        assert_eq!(advanced_flag(&json!({"advancedSSL": 0})), Some(false));
        assert_eq!(advanced_flag(&json!({})), None);
    }
}
