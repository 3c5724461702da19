//! A credential that can be used but never shown.

use std::fmt;

/// Holds an API key, secret or token. `Debug` and `Display` print a placeholder,
/// so no formatting path (logs, panics, `{:?}` of a config) can reveal it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that needs it: the Authorization header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Every form in which the credentials can show up: each value, and the base64
/// `key:secret` that the HTTP Basic header carries (a proxy or an error page may
/// echo the header back).
pub fn forms(key: Option<&str>, secret: Option<&str>, token: Option<&str>) -> Vec<Secret> {
    use base64::Engine;
    let mut out: Vec<Secret> = [key, secret, token]
        .into_iter()
        .flatten()
        .filter(|v| !v.is_empty())
        .map(Secret::new)
        .collect();
    if let (Some(k), Some(s)) = (key, secret) {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{k}:{s}"));
        out.push(Secret::new(basic));
    }
    out
}

/// Replaces every occurrence of each secret in `text`. The last line of defence
/// for text that leaves the extension (exception messages, log lines): even if
/// RunCloud or a proxy echoed a credential back, it does not get out.
pub fn redact(text: &str, secrets: &[Secret]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        // A very short value would blank out ordinary words; real credentials are long.
        if s.0.len() >= 4 && out.contains(s.0.as_str()) {
            out = out.replace(s.0.as_str(), "[redacted]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("sk_live_abcdef");
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(s.expose(), "sk_live_abcdef");
    }

    #[test]
    fn forms_include_the_basic_header() {
        let f = forms(Some("key-123"), Some("sec-456"), None);
        let out = redact("Authorization: Basic a2V5LTEyMzpzZWMtNDU2 key-123", &f);
        assert_eq!(out, "Authorization: Basic [redacted] [redacted]");
        assert_eq!(forms(None, None, Some("tok-789")).len(), 1);
    }

    #[test]
    fn redact_removes_every_occurrence() {
        let s = Secret::new("topsecret");
        let t = Secret::new("tok123456");
        let out = redact("a topsecret b tok123456 c topsecret", &[s, t]);
        assert_eq!(out, "a [redacted] b [redacted] c [redacted]");
    }
}
