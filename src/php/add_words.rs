//! An add's outcome in words: the level and text of its log line, after
//! "action name (site N): " (the hooks' lines and the re-checks').

use crate::flows::{AddOutcome, Level, SslStatus};

/// The log text after "action name (site N): ".
pub fn describe_add(o: &AddOutcome) -> (Level, String) {
    if let Some(bare) = &o.twin_of {
        return (
            Level::Info,
            format!(
                "already on the app as the www twin of {bare}, RunCloud domain {}; SSL {}: {}",
                o.id.unwrap_or_default(),
                o.ssl.status.as_str(),
                o.ssl.message
            ),
        );
    }
    if o.ssl.status == SslStatus::WaitingDns && o.id.is_none() {
        return (
            Level::Warning,
            format!("waiting for DNS, not on the app: {}", o.ssl.message),
        );
    }
    if o.ssl.status == SslStatus::CertificateFull {
        return (Level::Error, format!("not added: {}", o.ssl.message));
    }
    if let Some(cover) = &o.covered_by {
        return (
            Level::Info,
            format!("covered by the wildcard domain *.{cover}; nothing added"),
        );
    }
    let what = if o.created {
        "added"
    } else {
        "already on the app"
    };
    let twin = if o.www {
        format!(" (with www.{})", o.name)
    } else {
        String::new()
    };
    let level = if matches!(
        o.ssl.status,
        SslStatus::Failed | SslStatus::WaitingDns | SslStatus::Deferred(_)
    ) {
        Level::Warning
    } else {
        Level::Info
    };
    (
        level,
        format!(
            "{what}{twin}, RunCloud domain {}; SSL {}: {}",
            o.id.unwrap_or_default(),
            o.ssl.status.as_str(),
            o.ssl.message
        ),
    )
}
