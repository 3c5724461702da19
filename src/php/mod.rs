//! The PHP layer: module registration, phpinfo(), and the classes.

mod add_words;
mod args;
mod call;
mod certificate_methods;
mod constants;
mod construct;
mod convert;
mod diagnostics;
mod domain_methods;
mod exception;
mod hooks;
mod ini;
mod integration;
mod last_call;
mod log;
mod network_store;
mod request;
mod settings;
mod ssl_methods;
mod sync_method;
mod zend_extra;

use crate::config::{ALL_CONSTANTS, DEFAULT_API_URL};
use crate::worker::Worker;
use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};
use once_cell::sync::Lazy;

/// The worker context of this process: what it learnt of each app, its
/// circuit breakers, and what the current request owes. The only one.
static WORKER: Lazy<Worker> = Lazy::new(Worker::new);

fn worker() -> &'static Worker {
    &WORKER
}

/// Module startup: INI entries and the exception class. Nothing network-related
/// happens here: PHP-FPM forks after startup.
pub fn startup(_ty: i32, module_number: i32) -> i32 {
    ini::register(module_number);
    network_store::remember_php_thread();
    match exception::register() {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// phpinfo() / php --ri wu_runcloud: versions, API base, which constants are
/// defined (never their values) and the INI entries.
pub extern "C" fn module_info(module: *mut ModuleEntry) {
    let raw = constants::read_all();
    let api_url = ini::value(ini::ENTRIES[0].1)
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    let setup = raw.missing().is_empty();
    info_table_start!();
    info_table_row!("RunCloud integration", "enabled");
    info_table_row!("Version", env!("CARGO_PKG_VERSION"));
    info_table_row!("API base", api_url.replace('\0', ""));
    info_table_row!(
        "API version in use",
        if setup {
            raw.api_version().as_str()
        } else {
            "none (not set up)"
        }
    );
    let defined = raw.defined();
    for name in ALL_CONSTANTS {
        let yes = defined.iter().any(|(n, d)| *n == name && *d);
        info_table_row!(name, if yes { "defined" } else { "not defined" });
    }
    info_table_end!();
    // SAFETY: the engine passes its own module entry.
    unsafe { zend_extra::display_ini_entries(module.cast()) };
}

#[php_module]
#[php(startup = "startup")]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .class::<integration::Integration>()
        .request_startup_function(request::startup)
        .info_function(module_info)
}
