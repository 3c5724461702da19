//! The certificate methods: redeploy_ssl() on demand, flush_ssl() at a
//! request's end (the redeploys it owes, and what earlier ones left owed on
//! disk), and owed_ssl() for the admin's view of what is owed.

use super::call::{run_core, Call};
use super::convert::{self, assoc, assoc_ht, list_ht, long, string};
use super::domain_methods::apps_list;
use super::settings::Settings;
use super::{constants, ini};
use crate::config::{Config, SslBatch};
use crate::error::Error;
use crate::flows::{
    name_list, on_apps, on_every_app, AppFlows, Circuit, Level, Payment, SslStatus,
};
use crate::ssl_batch::owed;
use crate::worker::Worker;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::{ZendHashTable, Zval};

pub fn redeploy_ssl(this: &Settings) -> PhpResult<ZBox<ZendHashTable>> {
    this.strict(|raw, call| {
        let config = this.config(raw)?;
        // Each app has its own certificate.
        let runs = on_every_app(super::worker(), &config, Circuit::Direct, |flows| {
            flows.redeploy_ssl()
        });
        let (o, apps) = runs.into_first(|o| o.message.clone())?;
        Ok(assoc_ht(vec![
            ("mode", string(o.mode.as_str())),
            ("status", string(o.status.as_str())),
            ("message", call.text(&o.message)),
            ("apps", apps_list(&apps, call)),
        ]))
    })
}

pub fn flush_ssl() -> ZBox<ZendHashTable> {
    let worker = super::worker();
    let raw = constants::read_all();
    let mut owed_now: Vec<(Config, Payment)> = worker
        .batch()
        .take_all()
        .into_iter()
        .map(|d| (d.config.clone(), Payment::Redeploy(Box::new(d))))
        .collect();
    // What this request's apps owe from earlier ones (a failed redeploy or
    // order, a killed worker) and nothing here would pay: paid now, when due.
    let paid_here: Vec<String> = owed_now.iter().map(|(c, _)| c.memory_key()).collect();
    if let Ok(config) = ini::options().and_then(|o| Config::from_constants(&raw, o)) {
        for target in config.targets() {
            if paid_here.contains(&target.memory_key())
                || target.options.ssl_batch == SslBatch::Queue
                || !owed::any(&target)
            {
                continue;
            }
            if let Ok(Some(p)) = run_core(|| AppFlows::new(&target, worker)?.owed_payment(true)) {
                owed_now.push((target.clone(), p));
            }
        }
    }
    pay(worker, owed_now)
}

/// What this integration's apps owe, and only theirs: this request's and
/// what earlier requests left on disk (a basic redeploy; in advanced mode
/// each name's own certificate). An app that owes nothing is not asked (a
/// queued job for the apps that failed must not order again where the
/// certificate is already up to date). The same reports as `flush_ssl()`; an
/// empty list when nothing is owed. Throws only for a bad configuration.
pub fn pay_owed_ssl(this: &Settings) -> PhpResult<ZBox<ZendHashTable>> {
    this.strict(|raw, _call| {
        let config = this.config(raw)?;
        let worker = super::worker();
        let mut owed_now = Vec::new();
        for target in config.targets() {
            let owed = match worker.batch().take(&target.memory_key()) {
                Some(d) => Some(Payment::Redeploy(Box::new(d))),
                None => run_core(|| AppFlows::new(&target, worker)?.owed_payment(false))
                    .ok()
                    .flatten(),
            };
            owed_now.extend(owed.map(|p| (target.clone(), p)));
        }
        Ok(pay(worker, owed_now))
    })
}

/// Pays what is owed, per app, and reports each (and logs it).
fn pay(worker: &Worker, owed_now: Vec<(Config, Payment)>) -> ZBox<ZendHashTable> {
    let mut reports = Vec::new();
    for (app, payment) in owed_now {
        let names = match &payment {
            Payment::Redeploy(d) => d.names.clone(),
            Payment::Own => owed::read(&app),
        };
        let what = match &payment {
            Payment::Redeploy(_) => "the certificate redeploy",
            Payment::Own => "their own certificates",
        };
        let runs = on_apps(worker, vec![app.clone()], Circuit::Guarded, |flows| {
            flows.pay(&payment)
        });
        let call = Call::for_config(&app);
        for run in &runs.runs {
            let (status, level, message) = match &run.result {
                Ok(o) => (o.status.as_str(), Level::Info, o.message.clone()),
                Err(e @ Error::Deferred { .. }) => (
                    "deferred",
                    Level::Warning,
                    format!(
                        "{what} for {} name(s) ({}) stays owed: {e}",
                        names.len(),
                        name_list(&names)
                    ),
                ),
                Err(e) => (
                    SslStatus::Failed.as_str(),
                    Level::Error,
                    match &payment {
                        Payment::Redeploy(_) => format!(
                            "the app's certificate was not redeployed for {} name(s) added in this request ({}): {e}",
                            names.len(),
                            name_list(&names)
                        ),
                        Payment::Own => format!(
                            "the certificates owed to {} name(s) ({}) were not all ordered, and stay owed: {e}",
                            names.len(),
                            name_list(&names)
                        ),
                    },
                ),
            };
            call.log(
                level,
                &format!(
                    "SSL of web application {} on server {}: {message}",
                    app.app_id, app.server_id
                ),
            );
            if let Some(line) = run.circuit_line() {
                call.log(Level::Warning, &line);
            }
            reports.push(assoc(vec![
                ("server", long(app.server_id as i64)),
                ("app", long(app.app_id as i64)),
                (
                    "names",
                    convert::list(names.iter().map(|n| string(n)).collect()),
                ),
                ("status", string(status)),
                ("message", call.text(&message)),
                (
                    "next_order",
                    match &run.result {
                        Err(Error::Deferred { until, .. }) => long(*until as i64),
                        _ => Zval::null(),
                    },
                ),
            ]));
        }
    }
    list_ht(reports)
}

pub fn owed_ssl(this: &Settings) -> ZBox<ZendHashTable> {
    let raw = this.constants();
    let worker = super::worker();
    let owed = run_core(|| {
        let config = this.config(&raw)?;
        Ok(config
            .targets()
            .into_iter()
            .map(|t| {
                let mut names = owed::read(&t);
                for n in worker.batch().pending_names(&t.memory_key()) {
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
                (t.server_id, t.app_id, names)
            })
            .filter(|(_, _, names)| !names.is_empty())
            .collect::<Vec<_>>())
    })
    .unwrap_or_default();
    list_ht(
        owed.into_iter()
            .map(|(server, app, names)| {
                assoc(vec![
                    ("server", long(server as i64)),
                    ("app", long(app as i64)),
                    (
                        "names",
                        convert::list(names.iter().map(|n| string(n)).collect()),
                    ),
                ])
            })
            .collect(),
    )
}

/// Every app's names that wait for DNS: since when, how many looks, the next
/// look and the time they are given up (the horizon, `dns_wait_days`).
pub fn waiting_names(this: &Settings) -> ZBox<ZendHashTable> {
    let raw = this.constants();
    let worker = super::worker();
    let rows = run_core(|| {
        let config = this.config(&raw)?;
        let mut rows = Vec::new();
        for t in config.targets() {
            let horizon = crate::waiting::horizon(&t);
            for w in AppFlows::new(&t, worker)?.waiting_names() {
                rows.push((t.server_id, t.app_id, horizon, w));
            }
        }
        Ok(rows)
    })
    .unwrap_or_default();
    let now = crate::clock::now();
    list_ht(
        rows.into_iter()
            .map(|(server, app, horizon, w)| {
                assoc(vec![
                    ("server", long(server as i64)),
                    ("app", long(app as i64)),
                    ("name", string(&w.name)),
                    ("site", convert::boolean(w.site)),
                    ("since", long(w.since as i64)),
                    ("waited", long(now.saturating_sub(w.since) as i64)),
                    ("looks", long(i64::from(w.looks))),
                    ("next_look", long(w.due as i64)),
                    ("gives_up_at", long((w.since + horizon) as i64)),
                ])
            })
            .collect(),
    )
}
