//! certificate_status() and advanced_ssl(): the certificate's capacity and
//! the weekly budget as the admin sees them (Site Health, `wp runcloud
//! status`), and the way out of a full basic certificate.

use super::args;
use super::convert::{self, assoc, assoc_ht, boolean, list_ht, long, string};
use super::domain_methods::apps_list;
use super::exception::invalid_argument_exception as invalid_argument;
use super::settings::Settings;
use crate::certificate_ledger as ledger;
use crate::error::quote;
use crate::flows::{on_every_app, Circuit, MAX_ORDERS_A_CALL};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::{ZendHashTable, Zval};

/// One row an app: its SSL mode, the names its basic certificate holds of
/// Let's Encrypt's 100, the orders of the past 7 days, and what is owed and
/// until when. Throws when RunCloud cannot be read.
pub fn certificate_status(this: &Settings) -> PhpResult<ZBox<ZendHashTable>> {
    this.strict(|raw, call| {
        let config = this.config(raw)?;
        let runs = on_every_app(super::worker(), &config, Circuit::Direct, |flows| {
            flows.certificate_status()
        });
        let mut rows = Vec::new();
        for run in runs.runs {
            let st = run.result?;
            // The ledger keeps a week's orders.
            let orders = ledger::entries(&run.app)
                .iter()
                .filter(|e| !e.failed)
                .count();
            rows.push(assoc(vec![
                ("server", long(run.app.server_id as i64)),
                ("app", long(run.app.app_id as i64)),
                ("mode", string(st.mode)),
                ("names", long(st.names as i64)),
                (
                    "limit",
                    st.limit.map_or_else(Zval::null, |l| long(l as i64)),
                ),
                ("names_over_limit", boolean(st.over_limit)),
                ("orders_this_week", long(orders as i64)),
                (
                    "owed",
                    convert::list(st.owed.iter().map(|n| string(n)).collect()),
                ),
                (
                    "next_order",
                    st.next_order.map_or_else(Zval::null, |t| long(t as i64)),
                ),
                (
                    "next_order_text",
                    st.next_order
                        .map_or_else(Zval::null, |t| call.text(&crate::le_limits::utc(t))),
                ),
            ]));
        }
        Ok(list_ht(rows))
    })
}

/// The advanced-SSL plan; `['apply' => true]` switches the app and sends the
/// orders due now (at most `max_orders`, 1 to 100, default 20).
pub fn advanced_ssl(this: &Settings, options: Option<&Zval>) -> PhpResult<ZBox<ZendHashTable>> {
    let (apply, max) = plan_options(options)?;
    this.strict(|raw, call| {
        let config = this.config(raw)?;
        let runs = on_every_app(super::worker(), &config, Circuit::Direct, |flows| {
            flows.advanced_ssl(apply, max)
        });
        let (plan, apps) = runs.into_first_app(|p| (true, p.message.clone()))?;
        let names = plan
            .names
            .iter()
            .map(|n| {
                let why = match &n.step {
                    crate::flows::Step::WaitingDns(m) | crate::flows::Step::Failed(m) => {
                        call.text(m)
                    }
                    _ => Zval::null(),
                };
                assoc(vec![
                    ("name", string(&n.name)),
                    ("step", string(n.step.as_str())),
                    (
                        "order_at",
                        n.order_at.map_or_else(Zval::null, |t| long(t as i64)),
                    ),
                    (
                        "order_at_text",
                        n.order_at
                            .map_or_else(Zval::null, |t| string(&crate::le_limits::utc(t))),
                    ),
                    ("message", why),
                ])
            })
            .collect();
        Ok(assoc_ht(vec![
            ("mode_before", string(plan.mode_before)),
            ("applied", boolean(plan.applied)),
            ("switched", boolean(plan.switched)),
            (
                "refused",
                plan.refused
                    .as_deref()
                    .map_or_else(Zval::null, |why| call.text(why)),
            ),
            ("ordered", long(plan.ordered as i64)),
            (
                "finish_at",
                plan.finish_at.map_or_else(Zval::null, |t| long(t as i64)),
            ),
            ("names", convert::list(names)),
            ("message", call.text(&plan.message)),
            ("apps", apps_list(&apps, call)),
        ]))
    })
}

fn plan_options(options: Option<&Zval>) -> PhpResult<(bool, usize)> {
    let (mut apply, mut max) = (false, MAX_ORDERS_A_CALL);
    let Some(z) = options.filter(|z| !z.is_null()) else {
        return Ok((apply, max));
    };
    let Some(ht) = z.array() else {
        return Err(invalid_argument(
            "advanced_ssl(): Argument #1 ($options) must be an array such as ['apply' => true, 'max_orders' => 20]".into(),
        ));
    };
    for (key, v) in ht.iter() {
        match key.to_string().as_str() {
            "apply" => apply = v.is_true() || v.long().is_some_and(|n| n != 0),
            "max_orders" => {
                let n = args::strict_int("advanced_ssl", 1, "options['max_orders']", v)?;
                if !(1..=100).contains(&n) {
                    return Err(invalid_argument(format!(
                        "advanced_ssl(): option \"max_orders\" must be from 1 to 100, got {n}"
                    )));
                }
                max = n as usize;
            }
            other => {
                return Err(invalid_argument(format!(
                    "advanced_ssl(): unknown option {}; known options: apply, max_orders",
                    quote(other)
                )))
            }
        }
    }
    Ok((apply, max))
}
