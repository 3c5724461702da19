//! The certificate after an add, and the redeploys owed: what to ask RunCloud
//! given the app's SSL set-up (remembered or fresh), whether the name is new,
//! and whether its last step here failed. Never fails the add itself.

use super::outcome::{
    failed, name_list, not_done, off, queued, unchanged, SslMode, SslOutcome, SslStatus,
};
use super::AppFlows;
use crate::api::decode::{Domain, SslCert};
use crate::api::AppSsl;
use crate::config::{SslBatch, SslPolicy};
use crate::domain::DomainName;
use crate::error::{Error, Result};
use crate::ssl_batch;

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
        let (on_disk, disk_size) = ssl_batch::owed::read(self.config);
        let caught_up: Vec<String> = {
            let pending = self.worker.batch();
            on_disk
                .into_iter()
                .filter(|n| *n != domain.name && !pending.is_pending(&key, n))
                .collect()
        };
        if !created && !failed_before && !recheck && caught_up.is_empty() {
            return unchanged(domain);
        }
        let outcome = match self.remembered_app_ssl(&key) {
            Ok((AppSsl::Basic(_), _)) if !created && !failed_before && caught_up.is_empty() => {
                // A re-check of a basic-mode name that is on the app: it is on the certificate.
                return unchanged(domain);
            }
            Ok((AppSsl::Basic(cert), remembered)) if batch != SslBatch::Off => {
                let mut names = caught_up;
                let late = names.len();
                names.push(domain.name.clone());
                let refused =
                    self.worker
                        .batch()
                        .defer(&key, self.config, &cert, remembered, &names);
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
                        Ok(fresh) if fresh != app => {
                            let again = self.certificate_step(domain, &fresh);
                            self.pay_owed(&caught_up, disk_size, &fresh, &again);
                            again
                        }
                        _ => first,
                    }
                } else {
                    self.pay_owed(&caught_up, disk_size, &app, &first);
                    first
                }
            }
            Err(e) => failed(SslMode::Unknown, &e),
        };
        self.worker.memory().record_certificate(
            &key,
            &domain.name,
            outcome.status == SslStatus::Failed,
        );
        outcome
    }

    /// After a certificate step done at once: names owed from earlier requests
    /// are paid by the same basic redeploy, or each by its own certificate on
    /// an app that switched to advanced mode since they were owed.
    fn pay_owed(&self, owed: &[String], disk_size: u64, app: &AppSsl, step: &SslOutcome) {
        if owed.is_empty() || step.status == SslStatus::Failed {
            return;
        }
        let paid = match app {
            AppSsl::Basic(_) => true,
            AppSsl::Advanced => self.certify_each(owed).is_ok(),
            // AutoSSL: RunCloud's; none installed: nothing to pay.
            AppSsl::AutoSsl | AppSsl::NotInstalled => true,
            AppSsl::Off | AppSsl::Unknown(_) => false,
        };
        if paid {
            ssl_batch::owed::settle(self.config, disk_size);
        }
    }

    /// Advanced mode: each name's own certificate (names that were owed a basic
    /// redeploy before the app switched mode). Stops at the first failure.
    fn certify_each(&self, names: &[String]) -> Result<()> {
        for n in names {
            let Ok(name) = DomainName::parse(n) else {
                continue;
            };
            // A name removed since is owed nothing.
            if let Some(d) = self.api.find_domain(&name)? {
                self.api.issue_domain_ssl(&d)?;
                self.worker
                    .memory()
                    .record_certificate(&self.key.clone(), n, false);
            }
        }
        Ok(())
    }

    /// Runs a redeploy owed at the end of a request (see `ssl_batch`). A
    /// certificate id from memory that RunCloud no longer knows (404) is asked
    /// again: redeployed once more if it changed, or, when the app switched
    /// to advanced mode meanwhile, each name gets its own certificate. What is
    /// owed on disk stays owed unless this succeeds.
    pub fn redeploy_owed(&self, owed: &ssl_batch::Deferred) -> Result<SslOutcome> {
        let mapping = self;
        let (on_disk, disk_size) = ssl_batch::owed::read(&owed.config);
        let mut names = owed.names.clone();
        for n in on_disk {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        let done = match mapping.api.redeploy_ssl(&owed.cert) {
            // Gone since it was asked (replaced in RunCloud): ask again, once.
            Err(e) if e.status_code() == 404 => match mapping.fresh_app_ssl(&owed.key)? {
                AppSsl::Basic(fresh) if fresh != owed.cert => mapping
                    .api
                    .redeploy_ssl(&fresh)
                    .map(|()| format!("the app's certificate (#{}) was redeployed once", fresh.id)),
                AppSsl::Basic(_) => Err(e),
                AppSsl::Advanced => mapping.certify_each(&names).map(|()| {
                    "the app switched to advanced SSL: each name got its own certificate".into()
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
        let mut memory = self.worker.memory();
        for name in &names {
            memory.record_certificate(&owed.key, name, done.is_err());
        }
        drop(memory);
        let what = done?;
        ssl_batch::owed::settle(&owed.config, disk_size);
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

    /// The certificate step for a new name on an app set up as `app`.
    fn certificate_step(&self, domain: &Domain, app: &AppSsl) -> SslOutcome {
        match app {
            AppSsl::Advanced => match self.api.issue_domain_ssl(domain) {
                Ok(()) => SslOutcome {
                    mode: SslMode::Advanced,
                    status: SslStatus::Issued,
                    message: format!(
                        "a Let's Encrypt certificate was requested for {}",
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
    fn fresh_app_ssl(&self, key: &str) -> Result<AppSsl> {
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
        match self.api.redeploy_ssl(&cert) {
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
        let key = self.key.clone();
        Ok(match self.remembered_app_ssl(&key)? {
            (AppSsl::Basic(cert), remembered) => Some(ssl_batch::Deferred {
                key,
                config: self.config.clone(),
                cert,
                names: Vec::new(),
                remembered,
                disk_error: None,
            }),
            _ => None,
        })
    }

    /// On demand: redeploy the app certificate in basic mode. Throws when RunCloud refuses.
    pub fn redeploy_ssl(&self) -> Result<SslOutcome> {
        let (owed, disk_size) = ssl_batch::owed::read(self.config);
        match self.fresh_app_ssl(&self.key.clone())? {
            AppSsl::Advanced if !owed.is_empty() => {
                // Owed a basic redeploy before the app switched: their own certificates now.
                self.certify_each(&owed)?;
                ssl_batch::owed::settle(self.config, disk_size);
                self.worker.batch().settle(&self.key);
                Ok(SslOutcome {
                    mode: SslMode::Advanced,
                    status: SslStatus::Issued,
                    message: format!(
                        "advanced SSL: {} name(s) owed a certificate got their own: {}",
                        owed.len(),
                        name_list(&owed)
                    ),
                })
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
                self.api.redeploy_ssl(&cert)?;
                // It covers every name: nothing is owed any more, here or by a request that died.
                self.worker.batch().settle(&self.key);
                ssl_batch::owed::settle(self.config, disk_size);
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
mod tests {
    //! `ssl_after_add` by table: each case on a worker of its own (no
    //! globals), against the simulator, counting the requests it sends.
    use super::*;
    use crate::config::{Config, ConstValue, OptionValue, Options, RawConstants};
    use crate::worker::Worker;
    use runcloud_sim::{Sim, SimOptions, SEED_APP, SEED_SERVER};

    struct Case {
        mode: &'static str,
        remembered: bool,
        created: bool,
        failed_before: bool,
        batch: SslBatch,
        status: SslStatus,
        /// "METHOD /ssl-path-tail" of each request, in order.
        requests: &'static [&'static str],
    }

    fn config(sim: &Sim, batch: SslBatch, dir: &std::path::Path) -> Config {
        let raw = RawConstants {
            api_token: Some(ConstValue::Text(
                runcloud_sim::Credentials::default().api_token,
            )),
            server_id: Some(ConstValue::Int(SEED_SERVER as i64)),
            app_id: Some(ConstValue::Int(SEED_APP as i64)),
            server_ip: Some("127.0.0.10".into()),
            ..Default::default()
        };
        let mut o = Options::default();
        let url = OptionValue::Text(sim.api_url());
        o.apply("api_url", &url, "test").expect("api_url");
        o.ssl_batch = batch;
        o.dns_check = false;
        o.state_dir = Some(dir.to_path_buf());
        Config::from_constants(&raw, o).expect("config")
    }

    /// The request's method and the part of its path after the app's.
    fn seen(sim: &Sim) -> Vec<String> {
        let app = format!("/api/v3/servers/{SEED_SERVER}/webapps/{SEED_APP}");
        sim.shared()
            .requests()
            .iter()
            .map(|l| format!("{} {}", l.method, l.path.replacen(&app, "", 1)))
            .collect()
    }

    fn shape(requests: &[String]) -> Vec<String> {
        // Ids differ per case: "PUT /ssl/17" -> "PUT /ssl/N".
        requests
            .iter()
            .map(|r| {
                r.split('/')
                    .map(|part| {
                        if part.chars().all(|c| c.is_ascii_digit()) && !part.is_empty() {
                            "N"
                        } else {
                            part
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect()
    }

    #[test]
    #[allow(clippy::too_many_lines)]
    fn what_an_add_asks_of_runcloud_for_the_certificate() {
        use SslBatch::{Off, Request};
        use SslStatus::{Issued, LeftToRunCloud, Queued, Redeployed, Unchanged};
        const SET_UP: [&str; 2] = ["GET /ssl/advanced", "GET /ssl"];
        let cases = [
            // An unchanged name whose last step did not fail: nothing, whatever the mode.
            Case {
                mode: "basic",
                remembered: false,
                created: false,
                failed_before: false,
                batch: Off,
                status: Unchanged,
                requests: &[],
            },
            Case {
                mode: "advanced",
                remembered: true,
                created: false,
                failed_before: false,
                batch: Off,
                status: Unchanged,
                requests: &[],
            },
            // Basic, at once: the set-up (unless remembered), then one redeploy.
            Case {
                mode: "basic",
                remembered: true,
                created: true,
                failed_before: false,
                batch: Off,
                status: Redeployed,
                requests: &["PUT /ssl/N"],
            },
            Case {
                mode: "basic",
                remembered: false,
                created: true,
                failed_before: false,
                batch: Off,
                status: Redeployed,
                requests: &[SET_UP[0], SET_UP[1], "PUT /ssl/N"],
            },
            // An unchanged name whose last step failed here is tried again.
            Case {
                mode: "basic",
                remembered: true,
                created: false,
                failed_before: true,
                batch: Off,
                status: Redeployed,
                requests: &["PUT /ssl/N"],
            },
            // Basic, batched: queued for the request's end; nothing sent when remembered.
            Case {
                mode: "basic",
                remembered: true,
                created: true,
                failed_before: false,
                batch: Request,
                status: Queued,
                requests: &[],
            },
            Case {
                mode: "basic",
                remembered: false,
                created: true,
                failed_before: false,
                batch: Request,
                status: Queued,
                requests: &[SET_UP[0], SET_UP[1]],
            },
            Case {
                mode: "basic",
                remembered: true,
                created: false,
                failed_before: true,
                batch: Request,
                status: Queued,
                requests: &[],
            },
            // Advanced: the name's own certificate (the batch does not apply).
            Case {
                mode: "advanced",
                remembered: true,
                created: true,
                failed_before: false,
                batch: Request,
                status: Issued,
                requests: &["POST /domains/N/ssl"],
            },
            Case {
                mode: "advanced",
                remembered: false,
                created: true,
                failed_before: false,
                batch: Off,
                status: Issued,
                requests: &[SET_UP[0], "POST /domains/N/ssl"],
            },
            Case {
                mode: "advanced",
                remembered: true,
                created: false,
                failed_before: true,
                batch: Off,
                status: Issued,
                requests: &["POST /domains/N/ssl"],
            },
            // AutoSSL is never remembered (nothing of ours could fail to show it changed).
            Case {
                mode: "autossl",
                remembered: true,
                created: true,
                failed_before: false,
                batch: Off,
                status: LeftToRunCloud,
                requests: &[SET_UP[0]],
            },
            Case {
                mode: "autossl",
                remembered: false,
                created: false,
                failed_before: true,
                batch: Request,
                status: LeftToRunCloud,
                requests: &[SET_UP[0]],
            },
        ];
        let sim = Sim::start(SimOptions::default()).expect("simulator");
        for (i, case) in cases.iter().enumerate() {
            let dir = crate::test_dir(&format!("ssl-table-{i}"));
            let config = config(&sim, case.batch, &dir);
            let worker = Worker::new();
            sim.shared().with_account(|a| {
                a.add_app(
                    SEED_SERVER,
                    SEED_APP,
                    "app",
                    "network.test",
                    false,
                    case.mode,
                )
            });
            let flows = AppFlows::new(&config, &worker).expect("flows");
            let name = DomainName::parse(&format!("table-{i}.com")).expect("name");
            let domain = match flows.api().create_domain(&name, false).expect("added") {
                crate::api::Created::New(d) | crate::api::Created::Existing(d) => d,
            };
            if case.remembered {
                flows.fresh_app_ssl(&flows.key).expect("set-up");
            }
            if case.failed_before {
                worker
                    .memory()
                    .record_certificate(&flows.key, &domain.name, true);
            }
            sim.shared().clear_requests();
            let out = flows.ssl_after_add(&domain, case.created, false);
            let what = format!(
                "case {i}: {} remembered={} created={} failed_before={} {:?}: {}",
                case.mode,
                case.remembered,
                case.created,
                case.failed_before,
                case.batch,
                out.message
            );
            assert_eq!(out.status, case.status, "{what}");
            assert_eq!(shape(&seen(&sim)), case.requests, "{what}");
            let queued = worker.batch().is_owed(&flows.key);
            assert_eq!(queued, case.status == Queued, "{what}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
