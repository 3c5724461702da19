//! The certificate after an add, and the redeploys owed: what to ask RunCloud
//! given the app's SSL set-up (remembered or fresh), whether the name is new,
//! and whether its last step here failed. Never fails the add itself.

use super::ordering::Certificate;
use super::outcome::{
    failed, name_list, not_done, off, queued, unchanged, SslMode, SslOutcome, SslStatus,
};
use super::own_certificates::OWN_ORDERS_A_CALL;
use super::AppFlows;
use crate::api::decode::{Domain, SslCert};
use crate::api::AppSsl;
use crate::config::{SslBatch, SslPolicy};
use crate::error::{Error, Result};
use crate::ssl_batch;

/// What an app owes, by its mode (`AppFlows::owed_payment`).
pub enum Payment {
    /// Basic: one redeploy of the app's certificate for the names owed.
    Redeploy(Box<ssl_batch::Deferred>),
    /// Advanced: each name owed its own certificate (`pay_owed_own`).
    Own,
}

impl AppFlows<'_> {
    /// SSL after an add never fails the add: the domain is on the app either way,
    /// and the outcome says what happened to its certificate. A name that was
    /// already there gets no new order unless its last attempt here failed, or
    /// it is a re-check of an advanced-mode name waiting for its certificate.
    /// Names an earlier request left owed (on disk) join this step, whatever
    /// happens to them here: they stay owed until a step covering them succeeds.
    pub(super) fn ssl_after_add(
        &self,
        domain: &Domain,
        created: bool,
        recheck: bool,
    ) -> SslOutcome {
        if self.config.options.ssl == SslPolicy::Off {
            return off();
        }
        let key = self.key.clone();
        let failed_before = self.worker.memory().certificate_failed(&key, &domain.name);
        let batch = self.config.options.ssl_batch;
        let on_disk = ssl_batch::owed::read(self.config);
        let caught_up: Vec<String> = {
            let pending = self.worker.batch();
            on_disk
                .iter()
                .filter(|n| **n != domain.name && !pending.is_pending(&key, n))
                .cloned()
                .collect()
        };
        if !created && !failed_before && !recheck && caught_up.is_empty() {
            return unchanged(domain);
        }
        let unchanged_name = !created && !failed_before && !recheck;
        let outcome = match self.remembered_app_ssl(&key) {
            Ok((AppSsl::Basic(_), _)) if !created && !failed_before && caught_up.is_empty() => {
                // A re-check of a basic-mode name that is on the app: it is on the certificate.
                return unchanged(domain);
            }
            Ok((app @ AppSsl::Advanced, _)) if unchanged_name => {
                // The name has its certificate: only what earlier calls left owed is paid.
                let same = unchanged(domain);
                self.pay_owed(&caught_up, &app, &same, &domain.name);
                return same;
            }
            Ok((AppSsl::Basic(cert), remembered)) if batch != SslBatch::Off => {
                let mut names = caught_up;
                let late = names.len();
                names.push(domain.name.clone());
                let refused = self.worker.batch().defer(
                    &key,
                    self.config,
                    &cert,
                    remembered,
                    &names,
                    &on_disk,
                );
                if let Some(why) = refused {
                    self.api.note(format!(
                        "the redeploy owed is kept in this worker's memory only, not on disk: {why}"
                    ));
                }
                return queued(&cert, late, batch);
            }
            Ok((app, remembered)) => {
                let first = self.certificate_step(domain, &app);
                if first.status == SslStatus::Failed && remembered {
                    // The remembered set-up may have gone stale (certificate
                    // replaced, mode switched): ask, and act once more only if
                    // RunCloud's answer differs from what was used.
                    match self.fresh_app_ssl(&key) {
                        Ok(fresh) if !fresh.same_setup(&app) => {
                            let again = self.certificate_step(domain, &fresh);
                            self.pay_owed(&caught_up, &fresh, &again, &domain.name);
                            again
                        }
                        _ => first,
                    }
                } else {
                    self.pay_owed(&caught_up, &app, &first, &domain.name);
                    first
                }
            }
            Err(e) => failed(SslMode::Unknown, &e),
        };
        self.worker.memory().record_certificate(
            &key,
            &domain.name,
            outcome.status == SslStatus::Failed
                || (outcome.status.next_order().is_some() && outcome.mode == SslMode::Advanced),
        );
        if outcome.status.next_order().is_some() && outcome.mode == SslMode::Basic {
            // Put off by the weekly limits: owed, so the first order allowed covers it.
            let _ = ssl_batch::owed::append(self.config, &[domain.name.as_str()]);
        }
        outcome
    }

    /// After a certificate step done at once: names owed from earlier requests
    /// are paid by the same basic redeploy, or each by its own certificate on
    /// an app that switched to advanced mode since they were owed.
    fn pay_owed(&self, owed: &[String], app: &AppSsl, step: &SslOutcome, name: &str) {
        if owed.is_empty() || matches!(step.status, SslStatus::Failed | SslStatus::Deferred(_)) {
            return;
        }
        let paid = match app {
            AppSsl::Basic(_) => true,
            // Settled name by name as each is paid.
            AppSsl::Advanced => {
                if self.owed_own_due().0.iter().any(|n| n != name) {
                    let _ = self.pay_owed_own_except(OWN_ORDERS_A_CALL, Some(name));
                }
                false
            }
            // AutoSSL: RunCloud's; none installed: nothing to pay.
            AppSsl::AutoSsl | AppSsl::NotInstalled => true,
            AppSsl::Off | AppSsl::Unknown(_) => false,
        };
        if paid {
            ssl_batch::owed::settle(self.config, owed);
        }
    }

    /// Runs a redeploy owed at the end of a request (see `ssl_batch`). A
    /// certificate id from memory that RunCloud no longer knows (404) is asked
    /// again: redeployed once more if it changed, or, when the app switched
    /// to advanced mode meanwhile, each name gets its own certificate. What is
    /// owed on disk stays owed unless this succeeds.
    pub fn redeploy_owed(&self, owed: &ssl_batch::Deferred) -> Result<SslOutcome> {
        let on_disk = ssl_batch::owed::read(&owed.config);
        let mut names = owed.names.clone();
        for n in on_disk {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        // An earlier redeploy of this app got no answer: did it order a certificate?
        if let Some(went_through) = self.after_lost_answer(&owed.key, &owed.cert)? {
            ssl_batch::owed::settle(&owed.config, &names);
            return Ok(SslOutcome {
                mode: SslMode::Basic,
                status: SslStatus::Redeployed,
                message: format!("{went_through}; it covers {}", name_list(&names)),
            });
        }
        let done = match self.send_order(Certificate::Basic(&owed.cert), false) {
            // Gone since it was asked (replaced in RunCloud): ask again, once.
            Err(e) if e.status_code() == 404 => match self.fresh_app_ssl(&owed.key)? {
                AppSsl::Basic(fresh) if fresh.id != owed.cert.id => self
                    .send_order(Certificate::Basic(&fresh), false)
                    .map(|()| format!("the app's certificate (#{}) was redeployed once", fresh.id)),
                AppSsl::Basic(_) => Err(e),
                AppSsl::Advanced => self.pay_owed_own(OWN_ORDERS_A_CALL).map(|o| {
                    if ssl_batch::owed::any(&owed.config) {
                        format!("the app switched to advanced SSL; {}", o.message)
                    } else {
                        "the app switched to advanced SSL: each name got its own certificate".into()
                    }
                }),
                AppSsl::AutoSsl => Ok("the app switched to AutoSSL: RunCloud certifies the names".into()),
                other => Err(Error::Refused(format!(
                    "the app's certificate #{} is gone and the app is no longer in basic SSL mode ({})",
                    owed.cert.id,
                    not_done(&other).message
                ))),
            },
            other => other.map(|()| format!("the app's certificate (#{}) was redeployed once", owed.cert.id)),
        };
        if let (Err(Error::Transport { .. }), Some(before)) = (&done, &owed.cert.valid_until) {
            ssl_batch::sent::note(&owed.config, before);
        }
        let mut memory = self.worker.memory();
        for name in &names {
            memory.record_certificate(&owed.key, name, done.is_err());
        }
        drop(memory);
        let what = done?;
        ssl_batch::owed::settle(&owed.config, &names);
        let earlier = names.len() - owed.names.len();
        let earlier = if earlier > 0 {
            format!(" (and {earlier} owed by earlier requests)")
        } else {
            String::new()
        };
        Ok(SslOutcome {
            mode: SslMode::Basic,
            status: SslStatus::Redeployed,
            message: format!(
                "{what} for {} name(s) added in this request{earlier}: {}",
                owed.names.len(),
                name_list(&names)
            ),
        })
    }

    /// Before a basic redeploy of an app whose last one got no answer (the
    /// connection broke after it was sent): RunCloud's certificate is asked
    /// once. A new end date means that order went through: `Some(what)`, and
    /// nothing is sent again. An unchanged one within `sent::SETTLE_FOR` is an
    /// error that may pass (the order may still be running): sending again
    /// could order a second certificate. Later, or with nothing recorded: `None`, send.
    fn after_lost_answer(&self, key: &str, cert: &SslCert) -> Result<Option<String>> {
        let Some((before, age)) = ssl_batch::sent::read(self.config) else {
            return Ok(None);
        };
        let now = match self.fresh_app_ssl(key)? {
            AppSsl::Basic(now) => now,
            // Not basic any more: that redeploy is moot.
            _ => {
                ssl_batch::sent::clear(self.config);
                return Ok(None);
            }
        };
        if now.valid_until.as_deref().is_some_and(|v| v != before) {
            ssl_batch::sent::clear(self.config);
            return Ok(Some(format!(
                "the redeploy of the app's certificate (#{}) that got no answer went through: the certificate is new (valid until {}), so it was not ordered again",
                cert.id,
                now.valid_until.unwrap_or_default()
            )));
        }
        if age < ssl_batch::sent::SETTLE_FOR {
            return Err(Error::Transport {
                context: format!("redeploying the SSL certificate of web application {}", self.config.app_id),
                message: format!(
                    "the last redeploy, {} s ago, got no answer and the certificate has not changed yet: it is sent again only after {} minutes, since a second order could spend Let's Encrypt's weekly limits for nothing",
                    age.as_secs(),
                    ssl_batch::sent::SETTLE_FOR.as_secs() / 60
                ),
            });
        }
        ssl_batch::sent::clear(self.config);
        Ok(None)
    }

    /// The certificate step for a new name on an app set up as `app`.
    fn certificate_step(&self, domain: &Domain, app: &AppSsl) -> SslOutcome {
        match app {
            AppSsl::Advanced => match self.order_own(domain) {
                Ok(()) => SslOutcome {
                    mode: SslMode::Advanced,
                    status: SslStatus::Issued,
                    message: format!(
                        "a Let's Encrypt certificate was requested for {}",
                        domain.name
                    ),
                },
                // Owed on disk: a later call orders it (after asking RunCloud
                // whether an order whose answer was lost went through).
                Err(e) if e.is_transient() => SslOutcome {
                    mode: SslMode::Advanced,
                    status: SslStatus::Queued,
                    message: format!(
                        "the order of {}'s own certificate failed ({e}); it stays owed (kept on disk) and a later call orders it, once RunCloud shows no certificate for it",
                        domain.name
                    ),
                },
                Err(e) => failed(SslMode::Advanced, &e),
            },
            AppSsl::Basic(cert) => self.redeploy(cert.clone()),
            other => not_done(other),
        }
    }

    /// The app's SSL set-up, from this worker's memory when recent (true), else
    /// asked of RunCloud (false). Only `auto` asks; a forced mode needs no memory.
    fn remembered_app_ssl(&self, key: &str) -> Result<(AppSsl, bool)> {
        if self.config.options.ssl == SslPolicy::Auto {
            if let Some(app) = self.worker.memory().recall(key) {
                return Ok((app, true));
            }
        }
        self.fresh_app_ssl(key).map(|app| (app, false))
    }

    /// The set-up asked afresh when the `ssl` option is `auto`; a forced mode as it is.
    pub(super) fn fresh_app_ssl_if_auto(&self, key: &str) -> Result<AppSsl> {
        if self.config.options.ssl == SslPolicy::Auto {
            self.fresh_app_ssl(key)
        } else {
            self.api.ssl_setup(self.config.options.ssl)
        }
    }

    /// Asks RunCloud, and remembers the answer.
    pub(super) fn fresh_app_ssl(&self, key: &str) -> Result<AppSsl> {
        let app = self.api.ssl_setup(self.config.options.ssl);
        match &app {
            Ok(a) if self.config.options.ssl == SslPolicy::Auto => {
                self.worker.memory().store(key, a)
            }
            _ => self.worker.memory().forget(key),
        }
        app
    }

    fn redeploy(&self, cert: SslCert) -> SslOutcome {
        match self.send_order(Certificate::Basic(&cert), false) {
            Ok(()) => SslOutcome {
                mode: SslMode::Basic,
                status: SslStatus::Redeployed,
                message: format!(
                    "the app's certificate (#{}) was redeployed to cover every name",
                    cert.id
                ),
            },
            Err(e) => failed(SslMode::Basic, &e),
        }
    }

    /// A redeploy for what the app owes on disk, when it is in basic mode
    /// (`redeploy_owed` adds the names on disk); `None` in another mode.
    pub fn owed_redeploy(&self) -> Result<Option<ssl_batch::Deferred>> {
        Ok(match self.remembered_app_ssl(&self.key.clone())? {
            (AppSsl::Basic(cert), remembered) => Some(self.basic_debt(cert, remembered)),
            _ => None,
        })
    }

    /// The redeploy of `cert` for what is owed on disk (`redeploy_owed` reads the names).
    fn basic_debt(&self, cert: SslCert, remembered: bool) -> ssl_batch::Deferred {
        ssl_batch::Deferred {
            key: self.key.clone(),
            config: self.config.clone(),
            cert,
            names: Vec::new(),
            remembered,
            disk_error: None,
        }
    }

    /// What the app owes on disk, by its mode: a basic redeploy, or the names'
    /// own certificates (advanced); `None` when nothing is owed, or nothing
    /// can be paid (AutoSSL certifies by itself and no certificate installed
    /// takes none: those names are owed nothing any more). `due_only`: only
    /// when an order may go now (the request's end asks nothing otherwise).
    pub fn owed_payment(&self, due_only: bool) -> Result<Option<Payment>> {
        if !ssl_batch::owed::any(self.config) {
            return Ok(None);
        }
        let key = self.key.clone();
        Ok(match self.remembered_app_ssl(&key)? {
            (AppSsl::Basic(_), _) if due_only && !self.owed_order_due() => None,
            (AppSsl::Basic(cert), remembered) => Some(Payment::Redeploy(Box::new(
                self.basic_debt(cert, remembered),
            ))),
            (AppSsl::Advanced, _) if due_only && self.owed_own_due().0.is_empty() => None,
            (AppSsl::Advanced, _) => Some(Payment::Own),
            (AppSsl::AutoSsl | AppSsl::NotInstalled, _) => {
                let owed = ssl_batch::owed::read(self.config);
                ssl_batch::owed::settle(self.config, &owed);
                None
            }
            _ => None,
        })
    }

    /// Pays `payment`, as `owed_payment` found it.
    pub fn pay(&self, payment: &Payment) -> Result<SslOutcome> {
        match payment {
            Payment::Redeploy(owed) => self.redeploy_owed(owed),
            Payment::Own => self.pay_owed_own(OWN_ORDERS_A_CALL),
        }
    }

    /// On demand: redeploy the app certificate in basic mode. Throws when RunCloud refuses.
    pub fn redeploy_ssl(&self) -> Result<SslOutcome> {
        let owed = ssl_batch::owed::read(self.config);
        match self.fresh_app_ssl(&self.key.clone())? {
            AppSsl::Advanced if !owed.is_empty() => {
                // Owed a certificate (a basic redeploy before the app switched,
                // an own order that failed or was put off): their own now.
                let paid = self.pay_owed_own(OWN_ORDERS_A_CALL)?;
                self.worker.batch().settle(&self.key);
                Ok(paid)
            }
            AppSsl::Advanced => Ok(SslOutcome {
                mode: SslMode::Advanced,
                status: SslStatus::Skipped,
                message:
                    "advanced SSL: each domain has its own certificate, requested when it is added"
                        .into(),
            }),
            AppSsl::Basic(cert) => {
                let id = cert.id;
                self.send_order(Certificate::Basic(&cert), true)?;
                // It covers every name: nothing is owed any more, here or by a request that died.
                self.worker.batch().settle(&self.key);
                ssl_batch::owed::settle(self.config, &owed);
                Ok(SslOutcome {
                    mode: SslMode::Basic,
                    status: SslStatus::Redeployed,
                    message: format!(
                        "the app's certificate (#{id}) was redeployed to cover every name"
                    ),
                })
            }
            other => Ok(not_done(&other)),
        }
    }
}

#[cfg(test)]
mod tests;
