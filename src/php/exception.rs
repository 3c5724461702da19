//! WU_RunCloud_Exception, and the mapping of core errors to PHP exceptions.
//!
//! The class is a plain Zend class (no Rust data behind it), so PHP's own
//! exception constructor records the file, line and trace as for any exception.

use super::convert::{field_errors_to_zval, string};
use super::zend_extra::{zend_read_property, zend_update_property};
use crate::error::Error;
use ext_php_rs::builders::{ClassBuilder, ClassProperty, FunctionBuilder};
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::ffi::zend_class_entry;
use ext_php_rs::flags::{DataType, MethodFlags, PropertyFlags};
use ext_php_rs::types::{ZendObject, Zval};
use ext_php_rs::zend::{ClassEntry, ExecuteData};
use std::sync::atomic::{AtomicPtr, Ordering};

pub const CLASS_NAME: &str = "WU_RunCloud_Exception";
const PROP_STATUS: &str = "statusCode";
const PROP_ERRORS: &str = "errors";

static EXCEPTION_CE: AtomicPtr<zend_class_entry> = AtomicPtr::new(std::ptr::null_mut());

/// SPL's RuntimeException, else Exception.
fn runtime_exception() -> &'static ClassEntry {
    find_class("RuntimeException").unwrap_or_else(ext_php_rs::zend::ce::exception)
}

pub fn invalid_argument() -> &'static ClassEntry {
    find_class("InvalidArgumentException").unwrap_or_else(ext_php_rs::zend::ce::exception)
}

/// A class by name: `ClassEntry::try_find` once a request runs. At module
/// startup, where our exception class needs its parent, the executor's class
/// table does not exist yet (try_find answers None): the compiler's class
/// table, which holds every class registered so far (SPL starts before us), is read.
fn find_class(name: &str) -> Option<&'static ClassEntry> {
    ClassEntry::try_find(name).or_else(|| {
        // SAFETY: in a non-ZTS PHP the compiler globals are one process-wide
        // struct, and at startup only this thread runs; the lookup copies the name.
        unsafe {
            let table = ext_php_rs::ffi::compiler_globals.class_table;
            if table.is_null() {
                return None;
            }
            ext_php_rs::ffi::zend_hash_str_find_ptr_lc(table, name.as_ptr().cast(), name.len())
                .cast::<ClassEntry>()
                .as_ref()
        }
    })
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

/// The one conversion of core errors to PHP exceptions: a bad argument becomes
/// InvalidArgumentException; everything else WU_RunCloud_Exception with its HTTP
/// status and RunCloud's field errors. Every text goes through `clean`.
pub fn to_php(error: &Error, clean: &dyn Fn(&str) -> String) -> PhpException {
    let message = clean(&error.to_string());
    if error.is_invalid_argument() {
        return PhpException::new(message, 0, invalid_argument());
    }
    let status = i64::from(error.status_code());
    // SAFETY: the class entry was registered at startup and lives for the process.
    let Some(ce) = (unsafe {
        EXCEPTION_CE
            .load(Ordering::Acquire)
            .cast::<ClassEntry>()
            .as_ref()
    }) else {
        return PhpException::new(message, status as i32, runtime_exception());
    };
    // Made like `new WU_RunCloud_Exception(...)`: its creation records file,
    // line and trace; then the properties are written with the class's scope.
    let mut object = ZendObject::new(ce);
    let mut fields = [
        ("message", string(&message)),
        ("code", long_zval(status)),
        (PROP_STATUS, long_zval(status)),
        (
            PROP_ERRORS,
            field_errors_to_zval(&error.field_errors(), clean),
        ),
    ];
    let raw_ce = std::ptr::from_ref(ce).cast_mut();
    for (name, value) in &mut fields {
        // SAFETY: `object` is a live object of this class; the engine copies the value.
        unsafe {
            zend_update_property(
                raw_ce,
                &raw mut *object,
                name.as_ptr().cast(),
                name.len(),
                value,
            );
        }
    }
    match object.into_zval(false) {
        Ok(zv) => PhpException::new(message, status as i32, ce).with_object(zv),
        Err(_) => PhpException::new(message, status as i32, ce),
    }
}

fn long_zval(n: i64) -> Zval {
    let mut z = Zval::new();
    z.set_long(n);
    z
}

/// An `InvalidArgumentException`: a bad argument or option, refused before anything is sent.
pub fn invalid_argument_exception(message: String) -> PhpException {
    PhpException::new(message, 0, invalid_argument())
}
