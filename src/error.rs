//! The one error type of the extension. The PHP layer maps each variant to an
//! exception class; everything here is plain Rust.

use std::collections::BTreeMap;

/// Field errors as RunCloud sends them: `{"name": ["The name has already been taken."]}`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A domain name that cannot be sent to RunCloud. Refused before any request.
    #[error("{0}")]
    InvalidDomain(String),

    /// A constructor option or INI value that is not valid.
    #[error("{0}")]
    InvalidOption(String),

    /// The wp-config.php constants are missing or malformed. No request was sent.
    #[error("{0}")]
    Config(String),

    /// We will not do this, whatever RunCloud would say (such as removing the
    /// app's primary domain).
    #[error("{0}")]
    Refused(String),

    /// RunCloud answered with an error status.
    #[error("{context}: RunCloud answered HTTP {status}{}", api_details(*.status, .message, .errors, .hint))]
    Api {
        context: String,
        status: u16,
        message: String,
        errors: FieldErrors,
        hint: Option<&'static str>,
    },

    /// No usable answer came: DNS, connect, TLS, timeout, dropped connection.
    #[error("{context}: {message}")]
    Transport { context: String, message: String },

    /// RunCloud answered 2xx, but the body is not what the API documents.
    #[error("{context}: RunCloud sent an unexpected answer (HTTP {status}): {message}")]
    BadResponse {
        context: String,
        status: u16,
        message: String,
    },

    /// Not tried: RunCloud failed several times in a row just now (circuit breaker).
    #[error("not tried: RunCloud did not answer the last calls from this worker; trying again in {retry_in_secs} s")]
    CircuitOpen { retry_in_secs: u64 },

    /// Not sent: the order would pass one of Let's Encrypt's limits that this
    /// extension keeps (`le_limits`); it may go at `until` (unix time).
    #[error("not sent: {why}")]
    Deferred { why: String, until: u64 },

    /// A bug of ours, caught before it could reach PHP as a crash.
    #[error("internal error in wu_runcloud: {0}")]
    Internal(String),
}

/// ": message (field: error; ...). Hint", punctuated whatever RunCloud's text ends with.
fn api_details(
    status: u16,
    message: &str,
    errors: &FieldErrors,
    hint: &Option<&'static str>,
) -> String {
    let mut out = String::new();
    if !message.is_empty() {
        out.push_str(": ");
        out.push_str(message);
    }
    let fields: Vec<String> = errors
        .iter()
        .map(|(field, texts)| format!("{field}: {}", texts.join(" ")))
        .collect();
    if !fields.is_empty() {
        out.push_str(&format!(" ({})", fields.join("; ")));
    }
    if let Some(h) = hint.or_else(|| default_hint(status)) {
        out.push_str(if out.ends_with('.') { " " } else { ". " });
        out.push_str(h);
    }
    out
}

/// Where each kind of credential is made, and what else turns a request away with 401.
pub const HINT_401: &str = "Check the API credentials: an API v3 token (WU_RUNCLOUD_API_TOKEN) is made in \
     RunCloud under Workspace > Settings > API Management and shown once; an API v2 key and secret \
     (WU_RUNCLOUD_API_KEY, WU_RUNCLOUD_API_SECRET) under Settings > API Key, where API access must be \
     enabled. If an API IP allow-list is set, this server's IP address must be on it";

/// No plan requirement is claimed: only AutoSSL and Advanced SSL are known to need one.
pub const HINT_403: &str =
    "RunCloud refused this request for these credentials: check that the server and \
     the web application belong to the workspace or account of the token (or key), and that it may \
     manage them. SSL features such as AutoSSL and Advanced SSL need RunCloud's Business plan";

/// What an admin should check for each status, when the call site has no better advice.
pub fn default_hint(status: u16) -> Option<&'static str> {
    match status {
        401 => Some(HINT_401),
        403 => Some(HINT_403),
        429 => Some("RunCloud's rate limit was reached; the call was retried and gave up"),
        500..=599 => Some("RunCloud had a server error; try again later"),
        _ => None,
    }
}

impl Error {
    /// The HTTP status behind the error; 0 when no answer came or none was sent.
    pub fn status_code(&self) -> u16 {
        match self {
            Error::Api { status, .. } | Error::BadResponse { status, .. } => *status,
            _ => 0,
        }
    }

    /// RunCloud's field errors, when it sent any.
    pub fn field_errors(&self) -> FieldErrors {
        match self {
            Error::Api { errors, .. } => errors.clone(),
            _ => FieldErrors::new(),
        }
    }

    /// A failure that may pass by itself: no answer, rate limit, server error, or
    /// not tried because of the above. Worth trying again later; anything else is not.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::CircuitOpen { .. } => true,
            Error::Api { status, .. } => matches!(status, 408 | 429 | 500..=599),
            _ => false,
        }
    }

    /// Whether the call got as far as RunCloud (answered or not), so that the
    /// outcome says something about RunCloud's health.
    pub fn reached_for_runcloud(&self) -> bool {
        matches!(
            self,
            Error::Api { .. } | Error::Transport { .. } | Error::BadResponse { .. }
        )
    }

    /// A bad argument of the caller rather than a failure of RunCloud.
    pub fn is_invalid_argument(&self) -> bool {
        matches!(self, Error::InvalidDomain(_) | Error::InvalidOption(_))
    }

    /// Adds what we were doing to an error that came from a lower layer.
    pub fn with_context(self, what: &str) -> Error {
        match self {
            Error::Api {
                status,
                message,
                errors,
                hint,
                ..
            } => Error::Api {
                context: what.to_string(),
                status,
                message,
                errors,
                hint,
            },
            Error::Transport { message, .. } => Error::Transport {
                context: what.to_string(),
                message,
            },
            Error::BadResponse {
                status, message, ..
            } => Error::BadResponse {
                context: what.to_string(),
                status,
                message,
            },
            other => other,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Quotes untrusted text for a message: escapes control characters and cuts it short,
/// so a hostile value can neither forge log lines nor flood them.
pub fn quote(input: &str) -> String {
    const MAX_CHARS: usize = 80;
    let mut cut: String = input.chars().take(MAX_CHARS).collect();
    let truncated = cut.len() < input.len();
    if truncated {
        cut.push('…');
    }
    let mut out = String::with_capacity(cut.len() + 2);
    out.push('"');
    for c in cut.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_controls_and_truncates() {
        assert_eq!(quote("a\nb"), "\"a\\u{a}b\"");
        assert_eq!(quote("say \"hi\""), "\"say \\\"hi\\\"\"");
        let long = "x".repeat(200);
        let q = quote(&long);
        assert!(q.chars().count() < 90, "{q}");
        assert!(q.ends_with("…\""));
    }

    #[test]
    fn api_error_text_carries_status_message_and_hint() {
        let e = Error::Api {
            context: "adding \"a.com\"".into(),
            status: 401,
            message: "Unauthenticated.".into(),
            errors: FieldErrors::new(),
            hint: None,
        };
        let text = e.to_string();
        assert!(text.starts_with("adding \"a.com\": RunCloud answered HTTP 401: Unauthenticated."));
        assert!(text.contains("allow-list"));
        assert_eq!(e.status_code(), 401);
    }

    #[test]
    fn transient_errors_are_those_that_may_pass() {
        let api = |status| Error::Api {
            context: "x".into(),
            status,
            message: String::new(),
            errors: FieldErrors::new(),
            hint: None,
        };
        for status in [429, 500, 502, 503, 504] {
            assert!(api(status).is_transient(), "{status}");
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(!api(status).is_transient(), "{status}");
        }
        let no_answer = Error::Transport {
            context: "x".into(),
            message: "timeout".into(),
        };
        assert!(no_answer.is_transient());
        assert!(Error::CircuitOpen { retry_in_secs: 3 }.is_transient());
        assert!(!Error::InvalidDomain("x".into()).is_transient());
        assert!(!Error::Config("x".into()).is_transient());
    }

    #[test]
    fn transport_error_has_status_zero() {
        let e = Error::Transport {
            context: "x".into(),
            message: "connection refused".into(),
        };
        assert_eq!(e.status_code(), 0);
        assert!(e.field_errors().is_empty());
    }
}
