//! WU_RunCloud_Exception, and the mapping of core errors to PHP exceptions.
//!
//! The class is a plain Zend class (no Rust data behind it), so PHP's own
//! exception constructor records the file, line and trace as for any exception.

use super::convert::field_errors_to_zval;
use super::zend_extra::{
    spl_ce_InvalidArgumentException, spl_ce_RuntimeException, zend_read_property,
    zend_update_property,
};
use crate::error::Error;
use crate::secret::{redact, Secret};
use ext_php_rs::builders::{ClassBuilder, ClassProperty, FunctionBuilder};
use ext_php_rs::exception::PhpException;
use ext_php_rs::ffi::{zend_class_entry, zend_throw_exception};
use ext_php_rs::flags::{DataType, MethodFlags, PropertyFlags};
use ext_php_rs::types::Zval;
use ext_php_rs::zend::{ClassEntry, ExecuteData};
use std::ffi::CString;
use std::sync::atomic::{AtomicPtr, Ordering};

pub const CLASS_NAME: &str = "WU_RunCloud_Exception";
const PROP_STATUS: &str = "statusCode";
const PROP_ERRORS: &str = "errors";

static EXCEPTION_CE: AtomicPtr<zend_class_entry> = AtomicPtr::new(std::ptr::null_mut());

fn runtime_exception() -> &'static ClassEntry {
    // SAFETY: SPL sets this global in its startup, which precedes ours, and never frees it.
    unsafe { spl_ce_RuntimeException.cast::<ClassEntry>().as_ref() }
        .unwrap_or_else(ext_php_rs::zend::ce::exception)
}

pub fn invalid_argument() -> &'static ClassEntry {
    // SAFETY: as above.
    unsafe {
        spl_ce_InvalidArgumentException
            .cast::<ClassEntry>()
            .as_ref()
    }
    .unwrap_or_else(ext_php_rs::zend::ce::exception)
}

/// Registers the class; called from module startup, after SPL's classes exist.
pub fn register() -> ext_php_rs::error::Result<()> {
    ClassBuilder::new(CLASS_NAME)
        .extends((runtime_exception, "RuntimeException"))
        .property(ClassProperty {
            name: PROP_STATUS.into(),
            flags: PropertyFlags::Protected,
            default: Some(Box::new(|| {
                let mut z = Zval::new();
                z.set_long(0);
                Ok(z)
            })),
            docs: &[],
            ty: None,
            nullable: false,
            readonly: false,
            default_stub: None,
        })
        .property(ClassProperty {
            name: PROP_ERRORS.into(),
            flags: PropertyFlags::Protected,
            default: None,
            docs: &[],
            ty: None,
            nullable: false,
            readonly: false,
            default_stub: None,
        })
        .method(
            FunctionBuilder::new("getStatusCode", get_status_code).returns(
                DataType::Long,
                false,
                false,
            ),
            MethodFlags::Public,
        )
        .method(
            FunctionBuilder::new("getErrors", get_errors).returns(DataType::Array, false, false),
            MethodFlags::Public,
        )
        .registration(|ce, _| {
            EXCEPTION_CE.store(ce, Ordering::Release);
        })
        .register()
}

fn read_prop(ex: &mut ExecuteData, name: &str) -> Option<Zval> {
    let ce = EXCEPTION_CE.load(Ordering::Acquire);
    let this = ex.get_self()?;
    let mut rv = Zval::new();
    // SAFETY: `this` is a live object of our class; the engine copies into `rv`
    // or returns a pointer into the object's property table.
    let got =
        unsafe { zend_read_property(ce, this, name.as_ptr().cast(), name.len(), true, &mut rv) };
    // SAFETY: a non-null result points at a live zval.
    unsafe { got.cast::<Zval>().as_ref() }.map(Zval::shallow_clone)
}

extern "C" fn get_status_code(ex: &mut ExecuteData, retval: &mut Zval) {
    let code = read_prop(ex, PROP_STATUS)
        .and_then(|z| z.long())
        .unwrap_or(0);
    retval.set_long(code);
}

extern "C" fn get_errors(ex: &mut ExecuteData, retval: &mut Zval) {
    match read_prop(ex, PROP_ERRORS) {
        Some(z) if z.is_array() => *retval = z,
        _ => *retval = Zval::new_array(),
    }
}

/// Throws the PHP exception for `err`, with every secret redacted from its text.
pub fn throw(err: &Error, secrets: &[Secret]) {
    let message = redact(&err.to_string(), secrets);
    if err.is_invalid_argument() {
        PhpException::new(message, 0, invalid_argument()).throw();
        return;
    }
    let ce = EXCEPTION_CE.load(Ordering::Acquire);
    let Ok(c_message) = CString::new(message.replace('\0', " ")) else {
        return;
    };
    let status = i64::from(err.status_code());
    if ce.is_null() {
        PhpException::new(message, status as i32, runtime_exception()).throw();
        return;
    }
    // SAFETY: the class entry was registered at startup and lives for the
    // process; the message is NUL-terminated. The engine returns the new object.
    let obj = unsafe { zend_throw_exception(ce, c_message.as_ptr(), status) };
    if obj.is_null() {
        return;
    }
    let mut status_zv = Zval::new();
    status_zv.set_long(status);
    let mut errors_zv = field_errors_to_zval(&err.field_errors(), secrets);
    // SAFETY: `obj` is the live exception object; update_property copies the values.
    unsafe {
        zend_update_property(
            ce,
            obj,
            PROP_STATUS.as_ptr().cast(),
            PROP_STATUS.len(),
            &mut status_zv,
        );
        zend_update_property(
            ce,
            obj,
            PROP_ERRORS.as_ptr().cast(),
            PROP_ERRORS.len(),
            &mut errors_zv,
        );
    }
}
