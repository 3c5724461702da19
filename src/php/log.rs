//! One line per hook outcome: Ultimate Multisite's log when it is there,
//! PHP's error_log() otherwise. Logging never throws and never fails a hook.

use ext_php_rs::types::ZendCallable;
use ext_php_rs::zend::ExecutorGlobals;

pub const HANDLE: &str = "integration-runcloud";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// `message` must already be redacted.
pub fn write(level: Level, message: &str) {
    // By name through ZendCallable: ext-php-rs's Function::try_from_function copies a
    // whole zend_function union out of a smaller internal-function allocation.
    if let Ok(f) = ZendCallable::try_from_name("wu_log_add") {
        let ok = f.try_call(vec![&HANDLE, &message, &level.as_str()]).is_ok();
        if discard_pending_exception() || !ok {
            fallback(level, message);
        }
        return;
    }
    fallback(level, message);
}

fn fallback(level: Level, message: &str) {
    if let Ok(f) = ZendCallable::try_from_name("error_log") {
        let line = format!("wu_runcloud: [{}] {message}", level.as_str());
        let _ = f.try_call(vec![&line]);
        discard_pending_exception();
    }
}

/// A logger that threw must not turn a hook into a failure.
pub fn discard_pending_exception() -> bool {
    if ExecutorGlobals::has_exception() {
        drop(ExecutorGlobals::take_exception());
        return true;
    }
    false
}
