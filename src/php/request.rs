//! State that lives for one PHP request and starts afresh with the next one
//! (RINIT). Thread-local, so a ZTS build keeps one per request thread too.

use std::cell::Cell;

thread_local! {
    static HOOKS_REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// Request startup: WordPress builds its hooks anew on every request.
pub unsafe extern "C" fn startup(_ty: i32, _module_number: i32) -> i32 {
    HOOKS_REGISTERED.set(false);
    0
}

/// True the first time in this request, false after: actions are added once.
pub fn first_hook_registration() -> bool {
    !HOOKS_REGISTERED.replace(true)
}

/// Registration failed half-way or not at all: let a later call try again.
pub fn forget_hook_registration() {
    HOOKS_REGISTERED.set(false);
}
