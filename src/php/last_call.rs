//! What the last hook call on one object left for the glue: why it failed
//! (`last_error()`, for the retry decision) and what its add did to the
//! certificate (`last_add()`, for the name's certificate state).

use super::call::Call;
use super::convert::{assoc_ht, boolean, long, string};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::{ZendHashTable, Zval};
use std::cell::RefCell;

/// Why a hook failed: what the glue needs to decide whether to try again.
pub struct HookFailure {
    pub domain: String,
    pub status: u16,
    pub retryable: bool,
    /// Nothing was sent: every failing app's circuit was open. A retry of it
    /// costs RunCloud nothing, so the glue does not count it as a try.
    pub not_tried: bool,
    pub message: String,
}

impl HookFailure {
    pub fn to_array(&self) -> ZBox<ZendHashTable> {
        assoc_ht(vec![
            ("domain", string(&self.domain)),
            ("status", long(i64::from(self.status))),
            ("retryable", boolean(self.retryable)),
            ("not_tried", boolean(self.not_tried)),
            ("message", string(&self.message)),
        ])
    }
}

/// The certificate side of a hook's add.
pub struct LastAdd {
    pub ssl: &'static str,
    /// The app's SSL mode as the add met it (basic, advanced, ...).
    pub mode: &'static str,
    pub message: String,
    /// Put off by Let's Encrypt's limits: when the order may go (unix time).
    pub next_order: Option<u64>,
}

impl LastAdd {
    pub fn to_array(&self) -> ZBox<ZendHashTable> {
        assoc_ht(vec![
            ("ssl", string(self.ssl)),
            ("mode", string(self.mode)),
            ("message", string(&self.message)),
            (
                "next_order",
                self.next_order.map_or_else(Zval::null, |t| long(t as i64)),
            ),
        ])
    }
}

/// Both, for one object: reset at every hook call.
#[derive(Default)]
pub struct LastCall {
    pub error: RefCell<Option<HookFailure>>,
    pub add: RefCell<Option<LastAdd>>,
}

impl LastCall {
    pub fn reset(&self) {
        self.error.replace(None);
        self.add.replace(None);
    }

    pub fn fail(&self, call: &Call, domain: &str, status: u16, retryable: bool, message: &str) {
        self.error.replace(Some(HookFailure {
            domain: domain.to_string(),
            status,
            retryable,
            not_tried: false,
            message: call.clean(message),
        }));
    }
}
