//! The `wu_runcloud.*` INI entries: registered at module startup, read at call time.

use super::zend_extra::zend_ini_string_ex;
use crate::config::{OptionValue, Options};
use crate::error::{Error, Result};
use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::zend::{IniEntryDef, IniEntryDefs};
use std::ffi::CStr;

/// (option key, INI name, default). An empty api_url or ca_file means "the default".
pub const ENTRIES: [(&str, &CStr, &CStr); 17] = [
    ("api_url", c"wu_runcloud.api_url", c""),
    ("timeout", c"wu_runcloud.timeout", c"20"),
    ("connect_timeout", c"wu_runcloud.connect_timeout", c"5"),
    ("max_retries", c"wu_runcloud.max_retries", c"3"),
    ("www", c"wu_runcloud.www", c"main_only"),
    ("ssl", c"wu_runcloud.ssl", c"auto"),
    ("ca_file", c"wu_runcloud.ca_file", c""),
    ("public_suffixes", c"wu_runcloud.public_suffixes", c""),
    ("log", c"wu_runcloud.log", c"on"),
    ("circuit_break", c"wu_runcloud.circuit_break", c"30"),
    ("ssl_batch", c"wu_runcloud.ssl_batch", c"on"),
    ("dns_check", c"wu_runcloud.dns_check", c"on"),
    ("resolver", c"wu_runcloud.resolver", c""),
    ("probe_port", c"wu_runcloud.probe_port", c"80"),
    ("state_dir", c"wu_runcloud.state_dir", c""),
    ("dns_wait_days", c"wu_runcloud.dns_wait_days", c"30"),
    (
        "certificate_names",
        c"wu_runcloud.certificate_names",
        c"100",
    ),
];

/// A file of the extension's own for its log lines, when Ultimate Multisite's log
/// is not there. php.ini only: a plugin must not point it at another file.
pub const LOG_FILE: &CStr = c"wu_runcloud.log_file";

/// Seconds the extension's clock is moved on (`crate::clock`): for simulations
/// of months in minutes only. php.ini only.
pub const CLOCK_OFFSET: &CStr = c"wu_runcloud.clock_offset";

static INI: IniEntryDefs<20> = IniEntryDefs::new([
    IniEntryDef::new(ENTRIES[0].1, ENTRIES[0].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[1].1, ENTRIES[1].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[2].1, ENTRIES[2].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[3].1, ENTRIES[3].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[4].1, ENTRIES[4].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[5].1, ENTRIES[5].2, IniEntryPermission::All),
    // A CA file is a trust decision: php.ini only, not ini_set() from a plugin.
    IniEntryDef::new(ENTRIES[6].1, ENTRIES[6].2, IniEntryPermission::System),
    IniEntryDef::new(ENTRIES[7].1, ENTRIES[7].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[8].1, ENTRIES[8].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[9].1, ENTRIES[9].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[10].1, ENTRIES[10].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[11].1, ENTRIES[11].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[12].1, ENTRIES[12].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[13].1, ENTRIES[13].2, IniEntryPermission::All),
    // Where state is written is the server's decision: php.ini only.
    IniEntryDef::new(ENTRIES[14].1, ENTRIES[14].2, IniEntryPermission::System),
    IniEntryDef::new(ENTRIES[15].1, ENTRIES[15].2, IniEntryPermission::All),
    IniEntryDef::new(ENTRIES[16].1, ENTRIES[16].2, IniEntryPermission::All),
    IniEntryDef::new(LOG_FILE, c"", IniEntryPermission::System),
    IniEntryDef::new(CLOCK_OFFSET, c"0", IniEntryPermission::System),
    IniEntryDef::end(),
]);

pub fn register(module_number: i32) {
    IniEntryDef::register(INI.as_slice(), module_number);
}

/// The current value of one of our entries.
pub fn value(name: &CStr) -> Option<String> {
    let bytes = name.to_bytes();
    let mut exists = false;
    // SAFETY: name is a valid buffer; the engine returns its own string or NULL.
    let ptr = unsafe { zend_ini_string_ex(bytes.as_ptr().cast(), bytes.len(), 0, &mut exists) };
    if ptr.is_null() || !exists {
        return None;
    }
    // SAFETY: INI values are NUL-terminated strings owned by the engine.
    Some(
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned(),
    )
}

/// The defaults with every INI value applied over them. An empty value keeps the default.
/// The network's store (the glue's, on WordPress's database) is lent to every call.
pub fn options() -> Result<Options> {
    crate::clock::set_offset(
        value(CLOCK_OFFSET)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0),
    );
    let mut options = Options {
        shared_store: Some(super::network_store::store()),
        ..Options::default()
    };
    for (key, name, _) in ENTRIES {
        let Some(v) = value(name) else { continue };
        if v.trim().is_empty()
            && matches!(
                key,
                "api_url" | "ca_file" | "public_suffixes" | "resolver" | "state_dir"
            )
        {
            continue;
        }
        let source = format!("INI {}", name.to_string_lossy());
        // A bad php.ini value is the server's configuration, not the caller's
        // argument: a configuration error (WU_RunCloud_Exception, status 0).
        options
            .apply(key, &OptionValue::Text(v), &source)
            .map_err(|e| match e {
                Error::InvalidOption(m) => Error::Config(m),
                other => other,
            })?;
    }
    Ok(options)
}
