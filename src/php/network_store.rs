//! The network's store lent to the core (`shared_store`): two functions the
//! WordPress glue defines on the network's database, which every web server
//! of the network shares.
//!
//! - `wu_runcloud_state_lock(string $name): string|false|null` takes the
//!   value's lock (a database lock) and returns the value ('' when never
//!   written), false when the lock could not be had, or null when there is no
//!   network database here (then nothing was locked: the state directory serves);
//! - `wu_runcloud_state_unlock(string $name, ?string $value): bool` writes
//!   the value when it is not null and lets the lock go.
//!
//! Without them (no WordPress), the core keeps its state directory.

use super::zend_extra::discard_pending_exception;
use crate::shared_store::{Kept, SharedStore};
use ext_php_rs::types::{ZendCallable, Zval};
use std::sync::OnceLock;
use std::thread::ThreadId;

const LOCK: &str = "wu_runcloud_state_lock";
const UNLOCK: &str = "wu_runcloud_state_unlock";

/// PHP's own thread (module startup runs on it; PHP-FPM forks after, and the
/// child's thread keeps it). Only it may call into the interpreter.
static PHP_THREAD: OnceLock<ThreadId> = OnceLock::new();

pub fn remember_php_thread() {
    let _ = PHP_THREAD.set(std::thread::current().id());
}

pub fn store() -> SharedStore {
    SharedStore(rewrite)
}

/// Lets the lock go when dropped: a panic in the change (caught further up)
/// does not leave the network's value locked until the connection ends.
struct Unlock<'n> {
    name: &'n str,
    value: Option<String>,
    armed: bool,
}

impl Unlock<'_> {
    fn send(&mut self) -> bool {
        self.armed = false;
        let done = ZendCallable::try_from_name(UNLOCK)
            .ok()
            .and_then(|f| f.try_call(vec![&self.name, &self.value]).ok())
            .and_then(|z| z.bool())
            .unwrap_or(false);
        !discard_pending_exception() && done
    }
}

impl Drop for Unlock<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.value = None;
            self.send();
        }
    }
}

fn rewrite(name: &str, change: &mut dyn FnMut(&str) -> Option<String>) -> Kept {
    if PHP_THREAD.get() != Some(&std::thread::current().id()) {
        return Kept::Failed("asked off PHP's thread".into());
    }
    let Ok(lock) = ZendCallable::try_from_name(LOCK) else {
        return Kept::Absent;
    };
    if ZendCallable::try_from_name(UNLOCK).is_err() {
        return Kept::Absent;
    }
    let answer = lock.try_call(vec![&name]).ok();
    if answer.as_ref().is_some_and(Zval::is_null) && !discard_pending_exception() {
        return Kept::Absent;
    }
    let value = answer.and_then(|z| z.string());
    if discard_pending_exception() {
        // It may have locked before it threw.
        let mut unlock = Unlock {
            name,
            value: None,
            armed: true,
        };
        unlock.send();
        return Kept::Failed(format!("{LOCK}() threw"));
    }
    let Some(value) = value else {
        return Kept::Failed(format!(
            "{LOCK}() could not lock it: the database lock stayed busy, or the database did not answer"
        ));
    };
    let mut unlock = Unlock {
        name,
        value: None,
        armed: true,
    };
    unlock.value = change(&value);
    if unlock.send() {
        Kept::Done
    } else {
        Kept::Failed(format!("{UNLOCK}() did not write it"))
    }
}
