//! sync_domains(): the reconcile of every app with the network's host names.

use super::args;
use super::convert::{self, assoc, assoc_ht, boolean, long, string};
use super::domain_methods::apps_list;
use super::exception::invalid_argument_exception as invalid_argument;
use super::settings::Settings;
use crate::domain::DomainName;
use crate::error::quote;
use crate::flows::{on_every_app, Circuit};
use crate::sync::{SyncOptions, DEFAULT_LIMIT, MAX_LIMIT};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::types::{ZendHashTable, Zval};

pub fn sync_domains(
    this: &Settings,
    names: &Zval,
    options: Option<&Zval>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let Some(list) = names.array() else {
        return Err(PhpException::new(
            format!(
                "WU_RunCloud_Integration::sync_domains(): Argument #1 ($names) must be of type array, {} given",
                args::arg_value(names).type_name()
            ),
            0,
            ext_php_rs::zend::ce::type_error(),
        ));
    };
    let mut names_in = Vec::new();
    for (_, v) in list.iter() {
        names_in.push(args::strict_text("sync_domains", 1, "names", v)?);
    }
    let sync_options = sync_options(options)?;
    this.strict(|raw, call| {
        let config = this.config(raw)?;
        let runs = on_every_app(super::worker(), &config, Circuit::Direct, |flows| {
            crate::sync::sync(flows, &names_in, &sync_options)
        });
        // The first app's report is the answer (its read failing throws); every
        // app's summary, the first included, is in `apps`.
        let (r, apps) = runs.into_first_app(|r| {
            (
                r.failed.is_empty(),
                format!(
                    "{} in step, {} to add, {} added, {} removed, {} failed, {} remaining",
                    r.plan.in_step,
                    r.plan.to_add.len(),
                    r.added.len(),
                    r.removed.len(),
                    r.failed.len(),
                    r.remaining
                ),
            )
        })?;
        let texts = |v: &[String]| convert::list(v.iter().map(|n| string(n)).collect());
        let pairs = |v: &[(String, String)], key: &str| {
            convert::list(
                v.iter()
                    .map(|(n, m)| assoc(vec![("name", string(n)), (key, call.text(m))]))
                    .collect(),
            )
        };
        let ssl = match &r.ssl {
            Some(o) => assoc(vec![
                ("status", string(o.status.as_str())),
                ("message", call.text(&o.message)),
            ]),
            None => Zval::null(),
        };
        Ok(assoc_ht(vec![
            ("server", long(config.server_id as i64)),
            ("app", long(config.app_id as i64)),
            ("dry_run", boolean(!r.applied)),
            ("to_add", texts(&r.plan.to_add)),
            ("to_remove", texts(&r.plan.to_remove)),
            ("unknown", texts(&r.plan.unknown)),
            ("in_step", long(r.plan.in_step as i64)),
            ("skipped", pairs(&r.plan.skipped, "reason")),
            ("added", texts(&r.added)),
            ("removed", texts(&r.removed)),
            ("failed", pairs(&r.failed, "message")),
            ("waiting", pairs(&r.waiting, "message")),
            ("not_pointing", pairs(&r.plan.not_pointing, "message")),
            ("not_checked", long(r.plan.not_checked as i64)),
            ("remaining", long(r.remaining as i64)),
            ("ssl", ssl),
            ("apps", apps_list(&apps, call)),
        ]))
    })
}

/// sync_domains()'s options: `apply` (bool), `limit` (int, 1 to 500), `remove` (names).
fn sync_options(options: Option<&Zval>) -> PhpResult<SyncOptions> {
    let mut o = SyncOptions {
        limit: DEFAULT_LIMIT,
        ..Default::default()
    };
    let Some(z) = options.filter(|z| !z.is_null()) else {
        return Ok(o);
    };
    let Some(ht) = z.array() else {
        return Err(invalid_argument(
            "sync_domains(): Argument #2 ($options) must be an array such as ['apply' => true, 'limit' => 50]".into(),
        ));
    };
    for (key, v) in ht.iter() {
        match key.to_string().as_str() {
            "apply" => o.apply = v.is_true() || v.long().is_some_and(|n| n != 0),
            "limit" => {
                let n = args::strict_int("sync_domains", 2, "options['limit']", v)?;
                if !(1..=MAX_LIMIT as i64).contains(&n) {
                    return Err(invalid_argument(format!(
                        "sync_domains(): option \"limit\" must be from 1 to {MAX_LIMIT}, got {n}"
                    )));
                }
                o.limit = n as usize;
            }
            "remove" => {
                let Some(list) = v.array() else {
                    return Err(invalid_argument(
                        "sync_domains(): option \"remove\" must be an array of host names".into(),
                    ));
                };
                for (_, n) in list.iter() {
                    let text = args::strict_text("sync_domains", 2, "options['remove']", n)?;
                    let name = DomainName::parse(&text).map_err(|e| {
                        invalid_argument(format!("sync_domains(): option \"remove\": {e}"))
                    })?;
                    o.remove.push(name);
                }
            }
            other => {
                return Err(invalid_argument(format!(
                    "sync_domains(): unknown option {}; known options: apply, limit, remove",
                    quote(other)
                )))
            }
        }
    }
    Ok(o)
}
