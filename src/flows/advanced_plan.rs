//! The way out of a full basic certificate: advanced SSL, one certificate per
//! name. First a plan (which names get their own certificate, in what order,
//! and when, within Let's Encrypt's weekly limits as the ledger keeps them);
//! then, when asked, the switch (`POST ssl/advanced`) and the orders that may
//! go now, at most `max_orders` a call. The work is resumable: a name whose
//! own certificate is in the ledger is done, and a later call goes on.
//!
//! The network's own site names (`site.network.com`) all count against the
//! network's registered domain, 50 a week: the plan orders no more of them
//! than the week allows, and names the way for the rest: one wildcard
//! certificate `*.network.com`, which needs DNS-01 through RunCloud's DNS
//! integration (Cloudflare) and is set up in RunCloud's panel.

use super::ordering::Certificate;
use super::AppFlows;
use crate::api::decode::Domain;
use crate::api::AppSsl;
use crate::certificate_ledger as ledger;
use crate::domain::DomainName;
use crate::error::Result;
use crate::le_limits::{self, Entry, Order, Verdict, WEEK};

/// What the plan does with one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Its own certificate was ordered earlier (the ledger has it).
    Done,
    /// Ordered now (in this call, when applied).
    Now,
    /// Ordered at this time (unix), when the weekly limits allow it.
    At(u64),
    /// Does not point here: ordered once it does.
    WaitingDns(String),
    /// A network site name past what the week allows: the wildcard's.
    Wildcard,
    /// Applied, and RunCloud refused the order.
    Failed(String),
}

impl Step {
    pub fn as_str(&self) -> &'static str {
        match self {
            Step::Done => "done",
            Step::Now => "now",
            Step::At(_) => "later",
            Step::WaitingDns(_) => "waiting_dns",
            Step::Wildcard => "wildcard",
            Step::Failed(_) => "failed",
        }
    }
}

#[derive(Clone, Debug)]
pub struct PlannedName {
    pub name: String,
    pub step: Step,
    /// When its order goes (unix time): now, later, or `None`.
    pub order_at: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct AdvancedPlan {
    /// The app's mode before: "basic", "advanced", ...
    pub mode_before: &'static str,
    /// Whether this call switched the app to advanced SSL.
    pub switched: bool,
    pub applied: bool,
    pub names: Vec<PlannedName>,
    /// Orders sent by this call.
    pub ordered: usize,
    /// When the last planned order goes (unix time).
    pub finish_at: Option<u64>,
    /// One paragraph for the admin.
    pub message: String,
}

/// The orders the plan may send at once in one call, at most.
pub const MAX_ORDERS_A_CALL: usize = 20;

impl AppFlows<'_> {
    /// The plan for advanced SSL; with `apply`, the switch and the orders due
    /// now (at most `max_orders`, and never one the ledger puts off).
    pub fn advanced_ssl(&self, apply: bool, max_orders: usize) -> Result<AdvancedPlan> {
        let before = self.fresh_app_ssl(&self.key.clone())?;
        let domains: Vec<Domain> = self
            .api
            .list_domains()?
            .into_iter()
            .filter(|d| !d.wildcard && !d.name.starts_with("*."))
            .collect();
        let network: Option<String> = self.config.network_domain.as_ref().map(|n| n.to_string());
        let is_network_name = |n: &str| {
            network
                .as_deref()
                .is_some_and(|net| n == net || n.ends_with(&format!(".{net}")))
        };
        // Customers' names first (each its own registered domain: no wait),
        // then the network's own, which share one domain's week.
        let mut ordered: Vec<&Domain> = domains
            .iter()
            .filter(|d| !is_network_name(&d.name))
            .collect();
        ordered.extend(domains.iter().filter(|d| is_network_name(&d.name)));
        let checker = self.checker()?;
        let now = crate::clock::now();
        let mut planned_ledger: Vec<Entry> = ledger::entries(self.config);
        let mut names = Vec::new();
        for d in ordered {
            let order = self.order_for(Certificate::Own(d), false)?;
            let step = if planned_ledger
                .iter()
                .any(|e| !e.failed && e.set == order.set)
            {
                Step::Done
            } else if let Some(bad) = DomainName::parse(&d.name)
                .ok()
                .and_then(|n| checker.as_ref().map(|c| c.check(&n)))
                .filter(|c| !c.pointing.points())
            {
                Step::WaitingDns(bad.message)
            } else {
                match first_slot(
                    &planned_ledger,
                    &order,
                    now,
                    self.config.options.certificate_names,
                ) {
                    Some(at) if is_network_name(&d.name) && at >= now + WEEK => Step::Wildcard,
                    Some(at) => {
                        planned_ledger.push(Entry {
                            at,
                            set: order.set.clone(),
                            domains: order.domains.clone(),
                            failed: false,
                        });
                        if at <= now {
                            Step::Now
                        } else {
                            Step::At(at)
                        }
                    }
                    None => Step::Wildcard,
                }
            };
            let order_at = match step {
                Step::Now => Some(now),
                Step::At(at) => Some(at),
                _ => None,
            };
            names.push(PlannedName {
                name: d.name.clone(),
                step,
                order_at,
            });
        }
        let mut plan = AdvancedPlan {
            mode_before: before.word(),
            switched: false,
            applied: apply,
            finish_at: names.iter().filter_map(|n| n.order_at).max(),
            names,
            ordered: 0,
            message: String::new(),
        };
        if apply {
            self.apply(&before, &domains, &mut plan, max_orders)?;
        }
        plan.message = summary(&plan, network.as_deref());
        Ok(plan)
    }

    fn apply(
        &self,
        before: &AppSsl,
        domains: &[Domain],
        plan: &mut AdvancedPlan,
        max_orders: usize,
    ) -> Result<()> {
        if !matches!(before, AppSsl::Advanced) {
            self.api.switch_to_advanced_ssl()?;
            plan.switched = true;
            // Remembered afresh: later adds order each name's own certificate.
            self.fresh_app_ssl(&self.key.clone())?;
        }
        // Names due past `max_orders` stay `now`: the next call sends them.
        for planned in plan.names.iter_mut().filter(|n| n.step == Step::Now) {
            if plan.ordered >= max_orders {
                break;
            }
            let Some(d) = domains.iter().find(|d| d.name == planned.name) else {
                continue;
            };
            match self.send_order(Certificate::Own(d), false) {
                Ok(()) => {
                    plan.ordered += 1;
                    planned.step = Step::Done;
                    self.worker
                        .memory()
                        .record_certificate(&self.key.clone(), &d.name, false);
                }
                Err(crate::Error::Deferred { until, .. }) => {
                    planned.step = Step::At(until);
                    planned.order_at = Some(until);
                }
                Err(e) => planned.step = Step::Failed(e.to_string()),
            }
        }
        Ok(())
    }
}

/// The first time at or after `now` when `order` fits the ledger (at most
/// a few steps ahead); `None` when it never could as it is.
fn first_slot(ledger: &[Entry], order: &Order, now: u64, max_names: usize) -> Option<u64> {
    let mut t = now;
    for _ in 0..64 {
        match le_limits::check(ledger, order, t, max_names) {
            Verdict::Go => return Some(t),
            Verdict::Wait { until, .. } => t = until.max(t + 1),
            Verdict::Never(_) => return None,
        }
    }
    None
}

fn summary(plan: &AdvancedPlan, network: Option<&str>) -> String {
    let count = |s: &str| plan.names.iter().filter(|n| n.step.as_str() == s).count();
    let mut out = format!(
        "advanced SSL for {} name(s) (the app was {}): {} done, {} now, {} later",
        plan.names.len(),
        plan.mode_before,
        count("done"),
        count("now"),
        count("later"),
    );
    if let Some(at) = plan.finish_at {
        out.push_str(&format!(", the last order at {}", le_limits::utc(at)));
    }
    let waiting = count("waiting_dns");
    if waiting > 0 {
        out.push_str(&format!("; {waiting} wait for DNS"));
    }
    let wildcard = count("wildcard");
    if wildcard > 0 {
        out.push_str(&format!(
            "; {wildcard} of the network's own site names are more than one week of Let's Encrypt's 50 certificates a registered domain allows: serve them with one wildcard certificate, *.{}, through RunCloud's DNS integration (DNS-01, in RunCloud's SSL/TLS tab)",
            network.unwrap_or("your network's domain")
        ));
    }
    let failed = count("failed");
    if failed > 0 {
        out.push_str(&format!("; {failed} refused by RunCloud (see each name)"));
    }
    if plan.applied {
        out.push_str(&format!(
            ". Applied: {}{} order(s) sent; run it again to go on",
            if plan.switched {
                "the app was switched to advanced SSL, "
            } else {
                ""
            },
            plan.ordered
        ));
    } else {
        out.push_str(". Nothing was changed: apply the plan to switch the app and order");
    }
    out
}
