//! Advanced mode: each name's own certificate, owed until RunCloud has it.
//! An order that failed in a way that may pass (a 429 or 5xx, no answer) or
//! that Let's Encrypt's limits put off stays owed on disk (`ssl_batch::owed`,
//! its try in `ssl_batch::tried`), and a later call pays it: the hooks'
//! request end, the glue's queued job, `redeploy_ssl()`. An order whose answer
//! was lost is sent again only once RunCloud shows no certificate for the
//! name and 15 minutes have passed, so nothing is ordered twice and nothing
//! lives only in flight.

use super::ordering::Certificate;
use super::outcome::{name_list, SslMode, SslOutcome, SslStatus};
use super::AppFlows;
use crate::api::decode::Domain;
use crate::clock;
use crate::domain::DomainName;
use crate::error::{Error, Result};
use crate::le_limits::{self, registered, Order, Verdict};
use crate::ssl_batch::{owed, tried};

/// Own-certificate orders one call sends at most: each is a round trip, and
/// an order that Let's Encrypt counts.
pub const OWN_ORDERS_A_CALL: usize = 20;

/// What paying one owed name did.
enum Paid {
    Ordered,
    /// RunCloud has its certificate (an order whose answer was lost went through).
    AlreadyCertified,
    /// No longer on the app, or no longer a name: owed nothing.
    Gone,
    /// Refused for good (Let's Encrypt could not validate it): it waits for DNS.
    Refused,
}

/// Whether an order may have been acted on although no success came back.
fn answer_lost(e: &Error) -> bool {
    match e {
        Error::Transport { .. } => true,
        Error::Api { status, .. } => matches!(status, 502..=504),
        _ => false,
    }
}

impl AppFlows<'_> {
    /// Orders `domain`'s own certificate now. On a failure that may pass, or
    /// an order put off by the limits, the name stays owed for a later call.
    pub(super) fn order_own(&self, domain: &Domain) -> Result<()> {
        let sent = self.send_order(Certificate::Own(domain), false);
        match &sent {
            Ok(()) => {
                self.settle_own(std::slice::from_ref(&domain.name));
                crate::certified::note(self.config, &domain.name, clock::now());
            }
            Err(e) => self.owe_own(&domain.name, e),
        }
        sent
    }

    fn owe_own(&self, name: &str, e: &Error) {
        let deferred = matches!(e, Error::Deferred { .. });
        if !deferred && !e.is_transient() {
            return;
        }
        let _ = owed::owe(self.config, &[name]);
        if !deferred {
            tried::note(self.config, name, clock::now(), answer_lost(e));
        }
    }

    fn settle_own(&self, names: &[String]) {
        owed::settle(self.config, names);
        tried::clear(self.config, names);
    }

    /// The owed names whose order may go now, and the earliest time one of
    /// the others may: no round trip (the tries on disk and the ledger). An
    /// order is judged as the name alone would be; its www twin, if any, is
    /// only known once the name is read, and changes no registered domain.
    pub fn owed_own_due(&self) -> (Vec<String>, Option<u64>) {
        self.due_among(owed::read(self.config))
    }

    /// `owed_own_due` for the names `owed`: the tries and the ledger are each
    /// read once (the ledger may be the network's store: one locked read),
    /// then each name's order is judged against them.
    fn due_among(&self, owed: Vec<String>) -> (Vec<String>, Option<u64>) {
        if owed.is_empty() {
            return (Vec::new(), None);
        }
        let now = clock::now();
        let tries = tried::all(self.config);
        let ledger = crate::certificate_ledger::entries(self.config);
        let max = self.config.options.certificate_names;
        let (mut due, mut later) = (Vec::new(), None::<u64>);
        let mut wait_until = |t: u64| later = Some(later.map_or(t, |l| l.min(t)));
        for n in owed {
            let last = tries.iter().find(|(t, _, _)| *t == n);
            if let Some(&(_, at, lost)) = last {
                let wait = if lost {
                    tried::LOST_SETTLES_FOR
                } else {
                    tried::FAILED_WAITS
                };
                if now < at + wait {
                    wait_until(at + wait);
                    continue;
                }
            }
            let order = Order::of(std::slice::from_ref(&n), false, registered);
            match le_limits::check(&ledger, &order, now, max) {
                Verdict::Wait { until, .. } => wait_until(until),
                _ => due.push(n),
            }
        }
        (due, later)
    }

    /// Advanced mode: pays the names owed their own certificate as far as
    /// RunCloud and Let's Encrypt's limits let, at most `max` of those due.
    /// Every name paid (ordered, found certified, gone) leaves the debt; the
    /// rest stay. `Err(Deferred)`: what is left may go only at its time (a
    /// limit, or a failed order's wait); another error: RunCloud failed.
    pub fn pay_owed_own(&self, max: usize) -> Result<SslOutcome> {
        self.pay_owed_own_except(max, None)
    }

    /// `pay_owed_own`, leaving `except` alone: the name an add is settling
    /// itself (noted as owed before its POST, and perhaps certified already).
    pub(super) fn pay_owed_own_except(
        &self,
        max: usize,
        except: Option<&str>,
    ) -> Result<SslOutcome> {
        let all: Vec<String> = owed::read(self.config)
            .into_iter()
            .filter(|n| Some(n.as_str()) != except)
            .collect();
        let (mut due, later) = self.due_among(all.clone());
        due.retain(|n| Some(n.as_str()) != except);
        if all.is_empty() {
            return Ok(SslOutcome {
                mode: SslMode::Advanced,
                status: SslStatus::Skipped,
                message: "advanced SSL: no name is owed a certificate".into(),
            });
        }
        let (mut ordered, mut settled, mut refused) = (Vec::new(), Vec::new(), Vec::new());
        let mut deferred: Option<Error> = None;
        let mut failure: Option<Error> = None;
        for n in due.iter().take(max) {
            match self.pay_one(n) {
                Ok(Paid::Ordered) => {
                    ordered.push(n.clone());
                    settled.push(n.clone());
                }
                Ok(Paid::AlreadyCertified | Paid::Gone) => settled.push(n.clone()),
                Ok(Paid::Refused) => {
                    refused.push(n.clone());
                    settled.push(n.clone());
                }
                Err(e @ Error::Deferred { .. }) => deferred = deferred.or(Some(e)),
                // RunCloud is unwell: the rest wait for the next call rather
                // than meet it one by one.
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        self.settle_own(&settled);
        if let Some(e) = failure {
            return Err(e);
        }
        let left = all.len() - settled.len();
        if settled.is_empty() {
            if let Some(e) = deferred {
                return Err(e);
            }
            if let Some(until) = later {
                return Err(Error::Deferred {
                    why: format!(
                        "{left} name(s) owed their own certificate wait: a limit of Let's Encrypt's, or a failed order's pause before it is sent again; the next may go at {}",
                        crate::le_limits::utc(until)
                    ),
                    until,
                });
            }
        }
        let mut message = format!(
            "advanced SSL: {} name(s) owed a certificate got their own: {}",
            ordered.len(),
            name_list(&ordered)
        );
        let found = settled.len() - ordered.len() - refused.len();
        if found > 0 {
            message.push_str(&format!("; {found} already had one or left the app"));
        }
        if !refused.is_empty() {
            message.push_str(&format!(
                "; {} refused by Let's Encrypt wait for their DNS: {}",
                refused.len(),
                name_list(&refused)
            ));
        }
        if left > 0 {
            message.push_str(&format!("; {left} still owed, for a later call"));
        }
        Ok(SslOutcome {
            mode: SslMode::Advanced,
            status: SslStatus::Issued,
            message,
        })
    }

    fn pay_one(&self, n: &str) -> Result<Paid> {
        let Ok(name) = DomainName::parse(n) else {
            return Ok(Paid::Gone);
        };
        let Some(domain) = self.api.find_domain(&name)? else {
            return Ok(Paid::Gone);
        };
        // An order whose answer was lost (15 minutes ago at least): did it go
        // through? An answer that cannot tell (an API without this read)
        // counts as no: the name is certified rather than left without.
        if let Some((_, true)) = tried::last(self.config, n) {
            match self.api.domain_ssl(&domain) {
                Ok(Some(_)) => {
                    crate::certified::note(self.config, n, clock::now());
                    return Ok(Paid::AlreadyCertified);
                }
                Err(e) if e.is_transient() => return Err(e),
                _ => {}
            }
        }
        match self.order_own(&domain) {
            Ok(()) => Ok(Paid::Ordered),
            Err(Error::Api { status: 422, .. }) | Err(Error::Refused(_)) => {
                // Let's Encrypt (or RunCloud) refused it as it is: no order
                // again until its DNS is checked, so that no name is ordered
                // into Let's Encrypt's pause for failing names.
                let mut memory = self.worker.waiting();
                crate::waiting::note(self.config, memory.list(&self.key), n, false);
                Ok(Paid::Refused)
            }
            Err(e) => Err(e),
        }
    }
}
