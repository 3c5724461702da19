//! State that lives for one PHP request and starts afresh with the next one
//! (RINIT). Thread-local, so a ZTS build keeps one per request thread too.

use std::cell::Cell;

thread_local! {
    static HOOKS_REGISTERED: Cell<bool> = const { Cell::new(false) };
    static FLUSH_REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// Request startup: WordPress builds its hooks anew on every request.
pub unsafe extern "C" fn startup(_ty: i32, _module_number: i32) -> i32 {
    HOOKS_REGISTERED.set(false);
    FLUSH_REGISTERED.set(false);
    // Owed by a request that never reached its end: its marker file stays for a catch-up.
    super::worker().batch().forget_request();
    0
}

/// Makes sure the redeploys owed by this request run when it ends: once per
/// request, through register_shutdown_function(), which runs before PHP tears
/// the request down (objects, output and wu_log_add() still work) and also
/// after exit() or a fatal error.
pub fn flush_at_end() {
    if FLUSH_REGISTERED.replace(true) {
        return;
    }
    let registered = ext_php_rs::types::ZendCallable::try_from_name("register_shutdown_function")
        .and_then(|f| f.try_call(vec![&"WU_RunCloud_Integration::flush_ssl"]))
        .is_ok();
    super::zend_extra::discard_pending_exception();
    if !registered {
        // Nothing owed is lost: the marker file makes the next add catch it up.
        FLUSH_REGISTERED.set(false);
    }
}

/// True the first time in this request, false after: actions are added once.
pub fn first_hook_registration() -> bool {
    !HOOKS_REGISTERED.replace(true)
}

/// Registration failed half-way or not at all: let a later call try again.
pub fn forget_hook_registration() {
    HOOKS_REGISTERED.set(false);
}
