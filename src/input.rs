//! Loosely typed values from a dynamic caller, and the rules that turn them into
//! the core's types. The rules are those of a PHP function declared
//! `string $domain, int $site_id` in PHP's default (coercive) mode, because that
//! is what WordPress callers expect; Action Scheduler, for one, passes ids as
//! strings. Where PHP would throw a TypeError, these return an error that says
//! what was given, and the caller decides whether to throw or to log.

use std::fmt;

/// A value as a caller passed it, without PHP types.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string's bytes: PHP strings need not be UTF-8.
    Bytes(Vec<u8>),
    /// Anything else (array, object, resource), by its type name.
    Other(String),
}

impl ArgValue {
    /// The type name PHP uses in its TypeError messages.
    pub fn type_name(&self) -> &str {
        match self {
            ArgValue::Null => "null",
            ArgValue::Bool(_) => "bool",
            ArgValue::Int(_) => "int",
            ArgValue::Float(_) => "float",
            ArgValue::Bytes(_) => "string",
            ArgValue::Other(t) => t,
        }
    }
}

/// Why a value was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError {
    /// PHP would throw a TypeError: `expected` is the declared type.
    WrongType {
        expected: &'static str,
        given: String,
    },
    /// A string that is not UTF-8, so it cannot be a host name or a readable id.
    NotUtf8,
    /// A float or numeric string with a fractional part where an id belongs.
    NotWhole(String),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::WrongType { expected, given } => {
                write!(f, "must be of type {expected}, {given} given")
            }
            InputError::NotUtf8 => f.write_str("is not valid UTF-8"),
            InputError::NotWhole(v) => write!(f, "must be a whole number, {v} given"),
        }
    }
}

/// A `string` parameter: strings as they are; ints, floats and bools as PHP
/// writes them. `null`, arrays and objects are refused (objects with
/// `__toString()` are turned into strings by the PHP layer before this).
pub fn text(v: &ArgValue) -> Result<String, InputError> {
    match v {
        ArgValue::Bytes(b) => String::from_utf8(b.clone()).map_err(|_| InputError::NotUtf8),
        ArgValue::Int(n) => Ok(n.to_string()),
        // The PHP layer hands floats over already printed the PHP way.
        ArgValue::Float(f) => Ok(f.to_string()),
        ArgValue::Bool(true) => Ok("1".into()),
        ArgValue::Bool(false) => Ok(String::new()),
        other => Err(InputError::WrongType {
            expected: "string",
            given: other.type_name().to_string(),
        }),
    }
}

/// An `int` parameter: ints, bools, whole floats and numeric strings (leading and
/// trailing white space, sign, decimals and exponent as PHP allows). A fractional
/// value is refused (PHP 8.1 deprecates taking it); `null` only where `nullable`,
/// as 0.
pub fn int(v: &ArgValue, nullable: bool) -> Result<i64, InputError> {
    let wrong = || InputError::WrongType {
        expected: if nullable { "?int" } else { "int" },
        given: v.type_name().to_string(),
    };
    match v {
        ArgValue::Int(n) => Ok(*n),
        ArgValue::Bool(b) => Ok(i64::from(*b)),
        ArgValue::Null if nullable => Ok(0),
        ArgValue::Float(f) => whole(*f).ok_or_else(|| {
            if f.is_finite() && f.abs() < 9.2e18 {
                InputError::NotWhole(f.to_string())
            } else {
                wrong()
            }
        }),
        ArgValue::Bytes(b) => {
            let s = std::str::from_utf8(b).map_err(|_| wrong())?;
            match numeric_string(s) {
                Some(Numeric::Int(n)) => Ok(n),
                Some(Numeric::Float(f)) => {
                    whole(f).ok_or_else(|| InputError::NotWhole(s.trim().to_string()))
                }
                None => Err(wrong()),
            }
        }
        _ => Err(wrong()),
    }
}

fn whole(f: f64) -> Option<i64> {
    // 2^63: i64::MAX as f64 rounds up to it, and it does not fit.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
}

enum Numeric {
    Int(i64),
    Float(f64),
}

/// PHP's numeric strings (`is_numeric()`): white space around, an optional sign,
/// digits with an optional decimal point, an optional exponent. No hex, no
/// leading-numeric "12abc".
fn numeric_string(s: &str) -> Option<Numeric> {
    let ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0b}' | '\u{0c}');
    let t = s.trim_matches(ws);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (body.get(..i)?, Some(body.get(i + 1..)?)),
        None => (body, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    if !digits(int_part) || !frac_part.is_none_or(digits) {
        return None;
    }
    if int_part.is_empty() && frac_part.is_none_or(str::is_empty) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    if frac_part.is_none() && exponent.is_none() {
        if let Ok(n) = t.trim_start_matches('+').parse::<i64>() {
            return Some(Numeric::Int(n));
        }
    }
    t.parse::<f64>().ok().map(Numeric::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> ArgValue {
        ArgValue::Bytes(s.as_bytes().to_vec())
    }

    #[test]
    fn ids_are_taken_as_php_takes_an_int_parameter() {
        // Measured with php 8.2: `function f(int $id)` called in coercive mode.
        for (v, want) in [
            (b("12"), 12),
            (b(" 12"), 12),
            (b("12 "), 12),
            (b("12\n"), 12),
            (b("12.0"), 12),
            (b("1e3"), 1000),
            (b("-3"), -3),
            (b("+7"), 7),
            (ArgValue::Int(12), 12),
            (ArgValue::Float(12.0), 12),
            (ArgValue::Bool(true), 1),
            (ArgValue::Bool(false), 0),
            (ArgValue::Null, 0),
        ] {
            assert_eq!(int(&v, true), Ok(want), "{v:?}");
        }
    }

    #[test]
    fn what_php_refuses_for_an_int_parameter_is_refused() {
        for v in [
            b("12abc"),
            b(""),
            b(" "),
            b("abc"),
            b("0x1A"),
            b("."),
            b("1e"),
            b("--1"),
            ArgValue::Float(f64::NAN),
            ArgValue::Float(1e30),
            ArgValue::Other("array".into()),
            ArgValue::Bytes(vec![0xff, b'1']),
        ] {
            let e = int(&v, true).expect_err(&format!("{v:?} must be refused"));
            assert!(matches!(e, InputError::WrongType { .. }), "{v:?}: {e:?}");
        }
        assert!(matches!(
            int(&ArgValue::Null, false),
            Err(InputError::WrongType { .. })
        ));
        assert_eq!(
            int(&ArgValue::Float(12.5), true),
            Err(InputError::NotWhole("12.5".into()))
        );
        assert_eq!(
            int(&b("2.5"), true),
            Err(InputError::NotWhole("2.5".into()))
        );
    }

    #[test]
    fn strings_are_taken_as_php_takes_a_string_parameter() {
        assert_eq!(text(&b("a.com")), Ok("a.com".into()));
        assert_eq!(text(&ArgValue::Int(12)), Ok("12".into()));
        assert_eq!(text(&ArgValue::Float(1.5)), Ok("1.5".into()));
        assert_eq!(text(&ArgValue::Bool(true)), Ok("1".into()));
        assert_eq!(text(&ArgValue::Bool(false)), Ok("".into()));
        assert_eq!(
            text(&ArgValue::Null),
            Err(InputError::WrongType {
                expected: "string",
                given: "null".into()
            })
        );
        assert_eq!(
            text(&ArgValue::Bytes(vec![b'a', 0xc3, b'.', b'c'])),
            Err(InputError::NotUtf8)
        );
        assert_eq!(
            text(&ArgValue::Other("ArrayObject".into())).map_err(|e| e.to_string()),
            Err("must be of type string, ArrayObject given".into())
        );
    }
}
