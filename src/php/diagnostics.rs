//! What an admin or the glue asks about the set-up: test_connection(), the
//! probe endpoint's answer, and log() for the glue's own lines.

use super::call::{run_core, Call};
use super::constants;
use super::convert::{self, assoc, assoc_ht, boolean, list_ht, string};
use super::settings::Settings;
use crate::flows::{self, Check, ConnectionReport, Level};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::{ZendHashTable, Zval};

pub fn test_connection(this: &Settings) -> ZBox<ZendHashTable> {
    let raw = this.constants();
    let call = Call::new(&raw);
    let report =
        run_core(|| Ok(flows::test_connection(&raw, this.options()?))).unwrap_or_else(|e| {
            ConnectionReport {
                ok: false,
                api_version: raw.api_version().as_str(),
                message: e.to_string(),
                checks: vec![Check {
                    name: "constants",
                    ok: false,
                    message: e.to_string(),
                }],
            }
        });
    let checks = report
        .checks
        .iter()
        .map(|c| {
            assoc(vec![
                ("name", string(c.name)),
                ("ok", boolean(c.ok)),
                ("message", call.text(&c.message)),
            ])
        })
        .collect();
    assoc_ht(vec![
        ("ok", boolean(report.ok)),
        ("api_version", string(report.api_version)),
        ("message", call.text(&report.message)),
        ("checks", convert::array(list_ht(checks))),
    ])
}

pub fn probe_answer(this: &Settings, token: &Zval) -> Option<String> {
    let token = token.str()?.to_string();
    let raw = this.constants();
    run_core(|| {
        let config = this.config(&raw)?;
        Ok(flows::probe_for(&config, 80).answer(&token))
    })
    .ok()
    .flatten()
}

pub fn log(level: &Zval, message: &Zval) -> bool {
    let level = match level.str().unwrap_or("info") {
        "error" => Level::Error,
        "warning" => Level::Warning,
        _ => Level::Info,
    };
    let Some(text) = message.str() else {
        return false;
    };
    // Written whatever wu_runcloud.log says: the glue decides what it logs.
    Call::new(&constants::read_all()).log(level, text);
    true
}
