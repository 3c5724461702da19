//! Zend API functions that ext-php-rs does not bind. They are exported by every
//! PHP 8 binary (ZEND_API), so the dynamic loader resolves them at load time.

use ext_php_rs::ffi::{zend_class_entry, zend_module_entry, zend_object, zval};
use std::os::raw::{c_char, c_int};

extern "C" {
    /// The value of a constant, or NULL when it is not defined. Never throws.
    pub fn zend_get_constant_str(name: *const c_char, name_len: usize) -> *mut zval;
    /// Writes a property as `scope` would, so protected properties can be set.
    pub fn zend_update_property(
        scope: *mut zend_class_entry,
        object: *mut zend_object,
        name: *const c_char,
        name_length: usize,
        value: *mut zval,
    );
    /// Reads a property as `scope` would.
    pub fn zend_read_property(
        scope: *mut zend_class_entry,
        object: *mut zend_object,
        name: *const c_char,
        name_length: usize,
        silent: bool,
        rv: *mut zval,
    ) -> *mut zval;
    /// The current value of an INI entry; NULL when it does not exist.
    pub fn zend_ini_string_ex(
        name: *const c_char,
        name_length: usize,
        orig: c_int,
        exists: *mut bool,
    ) -> *mut c_char;
    /// Prints the module's INI entries in phpinfo().
    pub fn display_ini_entries(module: *mut zend_module_entry);
}

/// Drops an exception a PHP function we called left pending (a logger, the
/// glue's store): it must not turn a hook into a failure, nor reach the caller.
pub fn discard_pending_exception() -> bool {
    use ext_php_rs::zend::ExecutorGlobals;
    if ExecutorGlobals::has_exception() {
        drop(ExecutorGlobals::take_exception());
        return true;
    }
    false
}
