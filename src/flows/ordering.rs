//! Every certificate order goes through here: the set it asks for is checked
//! against Let's Encrypt's limits (`le_limits`, the ledger on disk) before
//! anything is sent, and a basic app never takes a name that would put its one
//! certificate past 100 names.

use super::outcome::{AddOutcome, SslMode, SslOutcome, SslStatus};
use super::AppFlows;
use crate::api::decode::{Domain, SslCert};
use crate::api::AppSsl;
use crate::certificate_ledger as ledger;
use crate::config::SslPolicy;
use crate::domain::DomainName;
use crate::error::{Error, Result};
use crate::le_limits::{registered, Order, Verdict};

/// How recent a read of the app's list (and mode) a refusal for a full
/// certificate may rest on.
const REFUSAL_READ_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// What an order asks for.
#[derive(Clone, Copy)]
pub(super) enum Certificate<'c> {
    /// The app's one basic certificate, for every name on the app.
    Basic(&'c SslCert),
    /// One name's own certificate (advanced SSL), its www twin included.
    Own(&'c Domain),
}

impl AppFlows<'_> {
    /// The census of the app's certificate names while it is fresh.
    pub(super) fn fresh_census(&self) -> Option<Vec<String>> {
        ledger::census(self.config)
            .filter(|(_, age)| *age < ledger::CENSUS_FRESH_FOR)
            .map(|(names, _)| names)
    }

    /// The names the app's basic certificate covers: from the census while it
    /// is fresh (no round trip), else read from the app's list (always with
    /// `afresh`), which becomes the census. `None`: the app has more entries
    /// than a certificate takes names, so no basic certificate can cover it;
    /// its list is then read no further than that (a few pages, whatever its size).
    pub fn certificate_names(&self, afresh: bool) -> Result<Option<Vec<String>>> {
        let max = self.config.options.certificate_names;
        if let Some(names) = self.fresh_census().filter(|_| !afresh) {
            return Ok(Some(names));
        }
        let Some(list) = self.api.list_domains_within(max)? else {
            return Ok(None);
        };
        let names = ledger::certificate_names(&list);
        ledger::store_census(self.config, &names);
        Ok(Some(names))
    }

    /// The app's SSL set-up, asked afresh (for the admin's views: a mode
    /// switched in RunCloud's panel shows at once).
    pub fn app_ssl(&self) -> Result<AppSsl> {
        self.fresh_app_ssl_if_auto(&self.key.clone())
    }

    /// The order for `what`, as the ledger sees it.
    pub(super) fn order_for(&self, what: Certificate<'_>, forced: bool) -> Result<Order> {
        let max = self.config.options.certificate_names;
        let names = match what {
            Certificate::Basic(_) => self.certificate_names(false)?.ok_or_else(|| {
                Error::Refused(format!(
                    "certificate full: the app has more than {max} names, and Let's Encrypt puts at most {max} on a certificate. The way out is advanced SSL, one certificate per name: `wp runcloud ssl --advanced` shows the plan"
                ))
            })?,
            Certificate::Own(d) => ledger::certificate_names(std::slice::from_ref(d)),
        };
        Ok(Order::of(&names, forced, registered))
    }

    /// Sends the order for `what` when the ledger lets it go, and writes it
    /// down; `Error::Deferred` with the time it may go when not, before
    /// anything is sent. `forced`: the admin asked (not spaced, and the five
    /// orders of the week kept back for the admin may be used).
    pub(super) fn send_order(&self, what: Certificate<'_>, forced: bool) -> Result<()> {
        let order = self.order_for(what, forced)?;
        let at = match ledger::reserve(self.config, &order) {
            Ok(at) => at,
            Err(Verdict::Wait { until, why }) => return Err(Error::Deferred { why, until }),
            Err(Verdict::Never(why)) => return Err(Error::Refused(why)),
            Err(Verdict::Go) => None,
        };
        let sent = match what {
            Certificate::Basic(cert) => self.api.redeploy_ssl(cert),
            Certificate::Own(domain) => self.api.issue_domain_ssl(domain),
        };
        // RunCloud answered that it failed: a failed validation, not a
        // certificate. No answer at all: it may have gone, so it stays counted.
        if let (Err(Error::Api { .. }), Some(at)) = (&sent, at) {
            ledger::failed(self.config, &order, at);
        }
        sent
    }

    /// When a basic order of the certificate holding `names` may go, if the
    /// ledger puts it off (unix time); `None`: it may go now. No round trip.
    pub fn basic_order_wait(&self, names: &[String]) -> Option<u64> {
        match ledger::verdict(self.config, &Order::of(names, false, registered)) {
            Verdict::Wait { until, .. } => Some(until),
            _ => None,
        }
    }

    /// Whether a basic order of what the app owes may go now: false while
    /// the ledger puts it off, so that a request's end does not ask (and log)
    /// for every request of the week. Costs no round trip.
    pub fn owed_order_due(&self) -> bool {
        ledger::census(self.config).is_none_or(|(names, _)| self.basic_order_wait(&names).is_none())
    }

    /// The app's SSL set-up from this worker's memory; the memory's lock is
    /// let go before the caller acts on it (it may ask RunCloud and store).
    fn remembered_mode(&self) -> Option<AppSsl> {
        let mut memory = self.worker.memory();
        memory.recall(&self.key)
    }

    /// Before `name` (and its twin when `www`) goes onto the app: when that
    /// would take the app's basic certificate past 100 names, the refusal,
    /// and nothing is added. An app known to be in another mode, or a name
    /// already counted, costs nothing; the mode is asked only of an app that
    /// would be full.
    pub(super) fn certificate_full(
        &self,
        name: &DomainName,
        www: bool,
        mode_learnt: bool,
        names_read: Option<Option<Vec<String>>>,
    ) -> Result<Option<AddOutcome>> {
        let max = self.config.options.certificate_names;
        let census = match &names_read {
            Some(read) => read.clone(),
            None => self.fresh_census(),
        };
        // Whether the mode below came from RunCloud in this call (not memory);
        // `mode_learnt`: the add learnt it just now, beside its first question.
        let mut asked = mode_learnt;
        match self.config.options.ssl {
            SslPolicy::Off | SslPolicy::Advanced => return Ok(None),
            SslPolicy::Basic => {}
            SslPolicy::Auto => {
                let known = match self.remembered_mode() {
                    Some(app) => Some(app),
                    // A big app in another mode must not pay for a list read:
                    // without a fresh census, the mode is asked first (and
                    // remembered, so the add does not ask again).
                    None if census.is_none() => {
                        asked = true;
                        Some(self.fresh_app_ssl(&self.key.clone())?)
                    }
                    None => None,
                };
                if known.is_some_and(|app| !matches!(app, AppSsl::Basic(_))) {
                    return Ok(None);
                }
            }
        }
        let mut new = vec![name.to_string()];
        if www {
            new.push(format!("www.{name}"));
        }
        let count =
            |names: &[String]| names.len() + new.iter().filter(|n| !names.contains(n)).count();
        if let Some(names) = &census {
            if count(names) <= max {
                return Ok(None);
            }
        }
        // Before a refusal, the census must be RunCloud's list of a moment
        // ago (names removed in RunCloud's panel to make room count at once),
        // and the mode RunCloud's: read in this add, or by a refusal within
        // the last minute (a batch of adds to a full app pays for it once).
        let recent = ledger::census(self.config)
            .filter(|(_, age)| *age < REFUSAL_READ_FOR)
            .map(|(n, _)| n);
        let (names, fresh) = match (names_read, recent) {
            (Some(read), _) => (read, true),
            (None, Some(read)) => (Some(read), true),
            (None, None) => (self.certificate_names(true)?, false),
        };
        if names.as_deref().is_some_and(|n| count(n) <= max) {
            return Ok(None);
        }
        // The mode: asked in this add, or by a refusal earlier in this request
        // (a batch of adds to a full app asks once); never a worker's memory.
        let trusted = asked || (fresh && self.worker.batch().mode_asked(&self.key));
        if !trusted {
            let mode = self.fresh_app_ssl_if_auto(&self.key.clone())?;
            self.worker.batch().note_mode_asked(&self.key);
            if !matches!(mode, AppSsl::Basic(_)) {
                return Ok(None);
            }
        }
        let (held, total) = match &names {
            Some(n) => (n.len().to_string(), count(n).to_string()),
            None => (format!("more than {max}"), format!("more than {max}")),
        };
        Ok(Some(AddOutcome {
            name: name.to_string(),
            id: None,
            created: false,
            www: false,
            ssl: SslOutcome {
                mode: SslMode::Basic,
                status: SslStatus::CertificateFull,
                message: format!(
                    "certificate full: {name}{} was not added, since the app's one certificate has {held} names and would need {total}, and Let's Encrypt puts at most {max} on a certificate. The way out is advanced SSL, one certificate per name: `wp runcloud ssl --advanced` shows the plan",
                    if www { " (with its www twin)" } else { "" },
                ),
            },
            covered_by: None,
            twin_of: None,
            dns: None,
        }))
    }
}
