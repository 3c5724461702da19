//! Arguments as PHP userland passes them. ext-php-rs converts an `i64` parameter
//! only from a PHP int and a `String` only from a UTF-8 string, and throws a
//! TypeError otherwise; PHP's own coercive mode takes `'12'` for an int. So the
//! methods take `&Zval` and convert here, by the rules in `crate::input`.

use super::exception;
use crate::input::{self, ArgValue, InputError};
use ext_php_rs::exception::PhpException;
use ext_php_rs::types::Zval;

/// A zval as a plain value. Objects with `__toString()` become their string,
/// floats their PHP spelling, as PHP does for a `string` parameter.
pub fn arg_value(z: &Zval) -> ArgValue {
    let z = z.dereference();
    if z.is_null() {
        ArgValue::Null
    } else if let Some(b) = z.bool() {
        ArgValue::Bool(b)
    } else if let Some(n) = z.long() {
        ArgValue::Int(n)
    } else if let Some(f) = z.double() {
        ArgValue::Float(f)
    } else if let Some(s) = z.zend_str() {
        ArgValue::Bytes(s.as_bytes().to_vec())
    } else if let Some(o) = z.object() {
        let class = o.get_class_name().unwrap_or_else(|_| "object".into());
        if o.get_class_entry()
            .instance_of(ext_php_rs::zend::ce::stringable())
        {
            if let Some(s) = z.coerce_to_string() {
                return ArgValue::Bytes(s.into_bytes());
            }
        }
        ArgValue::Other(class)
    } else if z.is_array() {
        ArgValue::Other("array".into())
    } else {
        ArgValue::Other(format!("{:?}", z.get_type()).to_lowercase())
    }
}

/// A `string` argument as text, with floats spelled as PHP spells them.
fn text_of(z: &Zval) -> Result<String, InputError> {
    match arg_value(z) {
        ArgValue::Float(_) => z.coerce_to_string().ok_or(InputError::NotUtf8),
        v => input::text(&v),
    }
}

/// What a hook was given: its name text and site id, or why it cannot run.
pub struct HookArgs {
    /// The name as given (not yet validated), or what can be shown of it.
    pub name: String,
    /// Why the arguments were refused, if they were.
    pub refused: Option<String>,
    pub site_id: i64,
}

/// `(string $domain, int $site_id = 0)` in coercive mode, with `null` for the id.
pub fn hook_args(name_param: &str, domain: Option<&Zval>, site_id: Option<&Zval>) -> HookArgs {
    let (name, name_err) = match domain.map(text_of) {
        Some(Ok(s)) => (s, None),
        Some(Err(e)) => {
            let shown = domain
                .and_then(|z| z.dereference().zend_str())
                .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
                .unwrap_or_default();
            (shown, Some(format!("argument #1 (${name_param}) {e}")))
        }
        None => (String::new(), None),
    };
    let (site_id, id_err) = match site_id.map(|z| input::int(&arg_value(z), true)) {
        Some(Ok(n)) => (n, None),
        Some(Err(e)) => (0, Some(format!("argument #2 ($site_id) {e}"))),
        None => (0, None),
    };
    HookArgs {
        name,
        refused: name_err.or(id_err),
        site_id,
    }
}

/// A `string` argument of a strict method: PHP's TypeError for a value PHP would
/// refuse, InvalidArgumentException for bytes that are not UTF-8.
pub fn strict_text(
    method: &str,
    position: u32,
    param: &str,
    z: &Zval,
) -> Result<String, PhpException> {
    text_of(z).map_err(|e| refusal(method, position, param, e))
}

/// An `int` argument of a strict method, coerced as PHP would.
pub fn strict_int(method: &str, position: u32, param: &str, z: &Zval) -> Result<i64, PhpException> {
    input::int(&arg_value(z), false).map_err(|e| refusal(method, position, param, e))
}

fn refusal(method: &str, position: u32, param: &str, e: InputError) -> PhpException {
    let message =
        format!("WU_RunCloud_Integration::{method}(): Argument #{position} (${param}) {e}");
    match e {
        InputError::WrongType { .. } => {
            PhpException::new(message, 0, ext_php_rs::zend::ce::type_error())
        }
        InputError::NotUtf8 | InputError::NotWhole(_) => {
            PhpException::new(message, 0, exception::invalid_argument())
        }
    }
}
