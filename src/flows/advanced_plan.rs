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
    /// On an advanced app, whether it has its own certificate could not be
    /// read in this call: not ordered; a later plan reads it.
    Unchecked,
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
            Step::Unchecked => "unchecked",
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
    /// Asked to apply, and not switched: why, and what must come first.
    pub refused: Option<String>,
}

/// The orders the plan may send at once in one call, at most.
pub const MAX_ORDERS_A_CALL: usize = 20;
/// Names of an advanced app whose own certificate one plan asks RunCloud about, at most.
const CERTIFICATE_READS_A_PLAN: usize = 40;
/// How long before the basic certificate expires every name must have its own:
/// RunCloud no longer renews the basic one once the app is advanced.
const SWITCH_MARGIN: u64 = 7 * 24 * 3600;

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
        let mut reads = 0;
        // Owed a certificate: known to hold none, so RunCloud is not asked.
        let owed = crate::ssl_batch::owed::read(self.config);
        // Known certified here: read once for the whole plan.
        let certified: std::collections::HashSet<String> = crate::certified::all(self.config)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        for d in ordered {
            let order = self.order_for(Certificate::Own(d), false)?;
            // Whether it holds its own certificate: known here, or (on an app
            // already advanced, a bounded number of reads a plan) RunCloud's
            // answer; `None`: not read in this call.
            let in_week = planned_ledger
                .iter()
                .any(|e| !e.failed && e.set == order.set);
            let holds = if in_week || certified.contains(&d.name) {
                Some(true)
            } else if !matches!(before, AppSsl::Advanced) || owed.contains(&d.name) {
                Some(false)
            } else if reads < CERTIFICATE_READS_A_PLAN {
                reads += 1;
                match self.api.domain_ssl(d) {
                    Ok(Some(_)) => {
                        crate::certified::note(self.config, &d.name, now);
                        Some(true)
                    }
                    Ok(None) => Some(false),
                    Err(_) => None,
                }
            } else {
                None
            };
            let step = if holds == Some(true) {
                Step::Done
            } else if holds.is_none() {
                Step::Unchecked
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
            refused: None,
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
            if let Some(why) = unsafe_switch(before, plan) {
                plan.applied = false;
                plan.refused = Some(why);
                return Ok(());
            }
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
            match self.order_own(d) {
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
        // What is left is owed: each name is ordered when its time comes
        // (`pay_owed_own`, through the queued job, the hourly catch-up and
        // the request's end), and a waiting name once it points, with no
        // admin present.
        let left: Vec<&str> = plan
            .names
            .iter()
            .filter(|n| matches!(n.step, Step::Now | Step::At(_)))
            .map(|n| n.name.as_str())
            .collect();
        let _ = crate::ssl_batch::owed::owe(self.config, &left);
        let mut memory = self.worker.waiting();
        for n in plan
            .names
            .iter()
            .filter(|n| matches!(n.step, Step::WaitingDns(_)))
        {
            crate::waiting::note(self.config, memory.list(&self.key), &n.name, false);
        }
        Ok(())
    }
}

/// Why switching now would leave a name without a certificate, if it would:
/// a site name left to a wildcard that is not set up, or a last order later
/// than a week before the basic certificate expires (RunCloud renews it no
/// more once the app is advanced). What must come first is said.
fn unsafe_switch(before: &AppSsl, plan: &AdvancedPlan) -> Option<String> {
    let wildcard = plan
        .names
        .iter()
        .filter(|n| n.step == Step::Wildcard)
        .count();
    if wildcard > 0 {
        return Some(format!(
            "not switched: {wildcard} of the network's own site names could not get their own certificate within a week, and would lose HTTPS when the basic certificate lapses. Set up the wildcard certificate first (RunCloud's DNS integration, DNS-01, in its SSL/TLS tab), then apply again"
        ));
    }
    let AppSsl::Basic(cert) = before else {
        return None;
    };
    let expires = cert
        .valid_until
        .as_deref()
        .and_then(crate::api::decode::runcloud_time)?;
    let last = plan.finish_at?;
    (last + SWITCH_MARGIN > expires).then(|| {
        format!(
            "not switched: the last order would go at {}, but the basic certificate expires at {} and RunCloud does not renew it once the app is advanced, so names would lose HTTPS. Apply again once the last order fits a week before it expires (or after RunCloud renews it)",
            le_limits::utc(last),
            le_limits::utc(expires)
        )
    })
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
    let unchecked = count("unchecked");
    if unchecked > 0 {
        out.push_str(&format!(
            "; {unchecked} whose own certificate could not be read yet (the next plan reads them)"
        ));
    }
    let failed = count("failed");
    if failed > 0 {
        out.push_str(&format!("; {failed} refused by RunCloud (see each name)"));
    }
    if let Some(why) = &plan.refused {
        out.push_str(&format!(". {why}; nothing was changed"));
    } else if plan.applied {
        out.push_str(&format!(
            ". Applied: {}{} order(s) sent; the rest are ordered by themselves as their time comes",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::decode::SslCert;

    fn plan_ending(at: Option<u64>, steps: Vec<Step>) -> AdvancedPlan {
        AdvancedPlan {
            mode_before: "basic",
            switched: false,
            applied: true,
            names: steps
                .into_iter()
                .map(|step| PlannedName {
                    name: "a.com".into(),
                    step,
                    order_at: None,
                })
                .collect(),
            ordered: 0,
            finish_at: at,
            message: String::new(),
            refused: None,
        }
    }

    fn basic(valid_until: Option<&str>) -> AppSsl {
        AppSsl::Basic(SslCert {
            id: 1,
            method: None,
            valid_until: valid_until.map(str::to_string),
        })
    }

    #[test]
    fn runcloud_times_are_read_as_utc() {
        assert_eq!(
            crate::api::decode::runcloud_time("2027-02-01 00:00:00"),
            Some(1_801_440_000)
        );
        assert_eq!(
            crate::api::decode::runcloud_time(" 1970-01-01 00:01:00 "),
            Some(60)
        );
        assert_eq!(crate::api::decode::runcloud_time("soon"), None);
    }

    #[test]
    fn the_switch_waits_while_a_name_would_outlive_the_basic_certificate() {
        let expires = crate::api::decode::runcloud_time("2027-02-01 00:00:00").unwrap_or(0);
        let cert = basic(Some("2027-02-01 00:00:00"));
        let fits = plan_ending(Some(expires - SWITCH_MARGIN - 1), vec![Step::Now]);
        assert_eq!(unsafe_switch(&cert, &fits), None);
        let late = plan_ending(Some(expires - SWITCH_MARGIN + 3600), vec![Step::At(0)]);
        let why = unsafe_switch(&cert, &late).unwrap_or_default();
        assert!(why.contains("expires at 2027-02-01"), "{why}");
        // A site name left to a wildcard not set up: refused whatever the expiry.
        let wildcard = plan_ending(None, vec![Step::Wildcard]);
        assert!(unsafe_switch(&basic(None), &wildcard).is_some_and(|w| w.contains("wildcard")));
        // An expiry RunCloud did not give: nothing to wait for.
        assert_eq!(unsafe_switch(&basic(None), &late), None);
    }
}
