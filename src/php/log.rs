//! One line per hook outcome, where WordPress admins look: Ultimate Multisite's
//! log when it is there; else the file `wu_runcloud.log_file` names; else PHP's
//! error_log(), for warnings and errors only, so that successes never fill the
//! web server's error log. Logging never throws and never fails a hook.

use super::zend_extra::discard_pending_exception;
use ext_php_rs::types::ZendCallable;

pub const HANDLE: &str = "integration-runcloud";

pub use crate::flows::Level;

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Info => "info",
        Level::Warning => "warning",
        Level::Error => "error",
    }
}

/// `message` must already be redacted (`Call::log` does it).
pub fn write(level: Level, message: &str) {
    // By name through ZendCallable: ext-php-rs's Function::try_from_function copies a
    // whole zend_function union out of a smaller internal-function allocation.
    if let Ok(f) = ZendCallable::try_from_name("wu_log_add") {
        let ok = f
            .try_call(vec![&HANDLE, &message, &level_name(level)])
            .is_ok();
        if discard_pending_exception() || !ok {
            fallback(level, message);
        }
        return;
    }
    fallback(level, message);
}

fn fallback(level: Level, message: &str) {
    let file = super::ini::value(super::ini::LOG_FILE).filter(|f| !f.trim().is_empty());
    if let Some(path) = file {
        if append(path.trim(), level, message).is_ok() {
            return;
        }
    }
    if level == Level::Info {
        return;
    }
    if let Ok(f) = ZendCallable::try_from_name("error_log") {
        let line = format!("wu_runcloud: [{}] {message}", level_name(level));
        let _ = f.try_call(vec![&line]);
        discard_pending_exception();
    }
}

/// One line, with the time, appended to the log file (created 0640 if new).
fn append(path: &str, level: Level, message: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o640)
        .open(path)?;
    let line = format!("[{}] [{}] {message}\n", utc_now(), level_name(level));
    // One write call: lines of concurrent workers do not interleave (O_APPEND).
    file.write_all(line.as_bytes())
}

/// The time as `2026-11-22 20:07:33 UTC`, from PHP's own gmdate().
fn utc_now() -> String {
    let stamp = ZendCallable::try_from_name("gmdate")
        .ok()
        .and_then(|f| f.try_call(vec![&"Y-m-d H:i:s"]).ok())
        .and_then(|z| z.string());
    discard_pending_exception();
    format!("{} UTC", stamp.unwrap_or_default())
}
