//! The domain-mapping flows of one web application, on top of the API
//! client: plain Rust in, plain Rust out. Each call builds an `AppFlows` with
//! the configuration of one app and the worker context it reads and updates.

mod advanced_plan;
mod catch_up;
mod certificate;
mod certificate_status;
pub use catch_up::{CaughtUp, REMOVALS_PER_CALL};
pub use certificate::Payment;
pub use certificate_status::CertificateStatus;
pub use renewal_guard::{GuardLook, CONFIRM_AFTER, RUNCLOUD_RENEWS_BEFORE};
mod checking;
mod connection;
mod each_app;
mod looking;
mod ordering;
mod outcome;
mod own_certificates;
mod removals;
mod renewal_guard;
mod waiting_names;

pub use advanced_plan::{AdvancedPlan, PlannedName, Step, MAX_ORDERS_A_CALL};
pub use checking::{probe_for, Checker, DnsCheck};
pub use connection::{test_connection, Check, ConnectionReport};
pub use each_app::{on_apps, on_every_app, AppRun, AppRuns, AppSummary, Circuit, Level};
pub use outcome::{
    might_be_under_wildcard, name_list, wants_www_twin, AddOutcome, NameKind, SslMode, SslOutcome,
    SslStatus,
};
pub use own_certificates::OWN_ORDERS_A_CALL;
pub use waiting_names::WaitingLooks;

use crate::api::decode::Domain;
use crate::api::{AppSsl, Created, RunCloud};
use crate::config::{Config, SslPolicy};
use crate::domain::DomainName;
use crate::error::Result;
use crate::worker::Worker;
use outcome::waiting;

/// The flows of one web application, for one call: its configuration, an API
/// client for it, and the worker context whose memory they use.
pub struct AppFlows<'a> {
    api: RunCloud<'a>,
    config: &'a Config,
    worker: &'a Worker,
    /// `Config::memory_key()`: where the worker remembers this app.
    key: String,
}

impl<'a> AppFlows<'a> {
    pub fn new(config: &'a Config, worker: &'a Worker) -> Result<AppFlows<'a>> {
        Ok(AppFlows {
            api: RunCloud::with_ids(config, worker)?,
            config,
            worker,
            key: config.memory_key(),
        })
    }

    pub fn config(&self) -> &Config {
        self.config
    }

    pub fn worker(&self) -> &'a Worker {
        self.worker
    }

    /// A name below a subdomain install's own domain is a site's name, whichever
    /// hook brings it (UM fires wu_add_domain for every new site too).
    pub fn kind_of(&self, name: &DomainName, kind: NameKind) -> NameKind {
        match &self.config.network_domain {
            Some(network) if name.as_str().ends_with(&format!(".{network}")) => NameKind::Subdomain,
            _ => kind,
        }
    }

    /// Adds `name` to the app (idempotent) and brings SSL up to date. A name
    /// that waits for DNS is kept in the app's waiting list until it points.
    pub fn add(&self, name: &DomainName, kind: NameKind) -> Result<AddOutcome> {
        let kind = self.kind_of(name, kind);
        // Its latest event wants it on the app: a removal left unfinished is taken back.
        crate::removing::settle(self.config, name.as_str());
        let added = self.add_unless_covered(name, kind);
        self.track_waiting(name, kind, &added);
        added
    }

    fn add_unless_covered(&self, name: &DomainName, kind: NameKind) -> Result<AddOutcome> {
        // Ultimate Multisite 2.4+ fires wu_add_domain as well as wu_add_subdomain for a
        // new subdomain site, so a mapped name can be under a wildcard too. A
        // registrable name (example.com) cannot be: its parent is a public suffix,
        // so it costs no lookup.
        let looked = self.look(name, kind, true)?;
        if let Some(cover) = looked.cover {
            return Ok(AddOutcome {
                name: name.to_string(),
                id: None,
                created: false,
                www: false,
                ssl: SslOutcome {
                    mode: SslMode::None,
                    status: SslStatus::Skipped,
                    message: format!("{name} is already served by the wildcard domain *.{cover}"),
                },
                covered_by: Some(cover),
                twin_of: None,
                dns: None,
            });
        }
        self.add_gated(name, kind, false, looked)
    }

    /// Adds `name`, whose wildcard cover the caller has already ruled out (a
    /// sync that read the whole list), and brings SSL up to date.
    pub fn add_checked(&self, name: &DomainName, kind: NameKind) -> Result<AddOutcome> {
        let kind = self.kind_of(name, kind);
        crate::removing::settle(self.config, name.as_str());
        let added = self
            .look(name, kind, false)
            .and_then(|looked| self.add_gated(name, kind, false, looked));
        self.track_waiting(name, kind, &added);
        added
    }

    /// A re-check of a name that waits for DNS: added (basic mode) or given
    /// its own certificate (advanced mode) once it points here. Like `add`
    /// otherwise; an advanced name already on the app gets its certificate
    /// ordered, so call it for waiting names only.
    pub fn recheck(&self, name: &DomainName, kind: NameKind) -> Result<AddOutcome> {
        let kind = self.kind_of(name, kind);
        let looked = self.look(name, kind, true)?;
        if looked.cover.is_some() {
            return self.add(name, kind);
        }
        let looked = self.add_gated(name, kind, true, looked);
        self.track_waiting(name, kind, &looked);
        looked
    }

    fn add_gated(
        &self,
        name: &DomainName,
        kind: NameKind,
        recheck: bool,
        looked: looking::Looked,
    ) -> Result<AddOutcome> {
        let dns = looked.dns;
        // Only a name that does not point here needs the mode before its POST.
        let held = match &dns {
            // Rare, and the mode decides whether the name goes on the app at
            // all: asked afresh rather than trusted from memory.
            Some(check) if !check.pointing.points() => {
                match self.fresh_app_ssl_if_auto(&self.key.clone())? {
                    AppSsl::Basic(_) => return self.hold_out_of_basic(name, dns),
                    AppSsl::Advanced => true,
                    // AutoSSL, none installed, unknown: no order of ours to hold.
                    _ => false,
                }
            }
            _ => false,
        };
        let mut www = wants_www_twin(name, kind, self.config);
        // The twin joins the certificate too: it must point here as well.
        if www && dns.as_ref().is_some_and(|d| d.pointing.points()) {
            if let Some(check) = looked.twin.filter(|c| !c.pointing.points()) {
                www = false;
                self.api.note(format!(
                    "{name} was added without its www twin: {}",
                    check.message
                ));
            }
        }
        if let Some(full) =
            self.certificate_full(name, www, looked.mode_learnt, looked.names_read)?
        {
            return Ok(AddOutcome { dns, ..full });
        }
        let noted = self.note_intent(name, kind, held);
        let (domain, created) = match self.create_and_learn_ssl(name, www) {
            Ok(Created::New(d)) => (d, true),
            Ok(Created::Existing(d)) => (d, false),
            // `www.example.com` refused because `example.com` already serves it as its twin.
            Err(e) if e.status_code() == 422 => match self.twin_holder(name)? {
                Some(bare) => {
                    return Ok(AddOutcome {
                        name: name.to_string(),
                        id: Some(bare.id),
                        created: false,
                        www: false,
                        ssl: SslOutcome {
                            mode: SslMode::Unknown,
                            status: SslStatus::Unchanged,
                            message: format!(
                                "{name} is served by {} as its www twin, so no certificate was ordered again",
                                bare.name
                            ),
                        },
                        covered_by: None,
                        twin_of: Some(bare.name),
                        dns,
                    })
                }
                None => return Err(e),
            },
            Err(e) => return Err(e),
        };
        crate::certificate_ledger::note_change(
            self.config,
            &crate::certificate_ledger::certificate_names(std::slice::from_ref(&domain)),
            &[],
        );
        let ssl = if held {
            // Its own certificate fails alone, but an order bound to fail
            // spends Let's Encrypt's failed-validation limit: later, once it points.
            self.worker
                .memory()
                .record_certificate(&self.key.clone(), &domain.name, true);
            waiting(
                SslMode::Advanced,
                format!(
                    "{} is on the app; its own certificate is ordered once it points here. {}",
                    domain.name,
                    dns.as_ref().map_or("", |d| d.message.as_str())
                ),
            )
        } else {
            self.ssl_after_add(&domain, created, recheck)
        };
        self.settle_intent(&domain.name, noted, &ssl);
        Ok(AddOutcome {
            name: name.to_string(),
            id: Some(domain.id),
            created,
            www: domain.www,
            ssl,
            covered_by: None,
            twin_of: None,
            dns,
        })
    }

    /// What this add is about to do, kept on disk before the POST, so that a
    /// worker killed after it leaves the rest to a later call: a name held
    /// for DNS waits (looked at again when due), and on an app this worker
    /// knows to be advanced a name that points is owed its own certificate
    /// (paid as the order succeeds). A name whose POST then fails is settled
    /// as gone by the later look, with nothing ordered. `true`: the name was
    /// noted as owed (settled again by `settle_intent`).
    fn note_intent(&self, name: &DomainName, kind: NameKind, held: bool) -> bool {
        if held {
            let mut memory = self.worker.waiting();
            crate::waiting::note(
                self.config,
                memory.list(&self.key),
                name.as_str(),
                kind == NameKind::Subdomain,
            );
            return false;
        }
        let advanced = match self.config.options.ssl {
            SslPolicy::Advanced => true,
            SslPolicy::Auto => matches!(
                self.worker.memory().recall(&self.key),
                Some(AppSsl::Advanced)
            ),
            _ => false,
        };
        advanced && crate::ssl_batch::owed::owe(self.config, &[name.as_str()]) == Ok(1)
    }

    /// After the certificate step: a name noted as owed before its POST is
    /// owed no more unless the step left it so (a failure that may pass, an
    /// order put off).
    fn settle_intent(&self, name: &str, noted: bool, ssl: &SslOutcome) {
        if noted && !matches!(ssl.status, SslStatus::Queued | SslStatus::Deferred(_)) {
            crate::ssl_batch::owed::settle(self.config, &[name.to_string()]);
        }
    }

    /// Basic mode, a name that does not point here: not put on the app, since
    /// the next redeploy or renewal of the certificate every site shares would
    /// fail on it. One that is already there is reported: it breaks renewal.
    fn hold_out_of_basic(&self, name: &DomainName, dns: Option<DnsCheck>) -> Result<AddOutcome> {
        let why = dns.as_ref().map_or(String::new(), |d| d.message.clone());
        let (id, www, message) = match self.api.find_domain(name)? {
            Some(d) => (
                Some(d.id),
                d.www,
                format!(
                    "{name} is on the app but does not point here, so the certificate every site shares cannot be renewed with it: point its DNS here or remove it. {why}"
                ),
            ),
            None => (
                None,
                false,
                format!(
                    "{name} was not added yet: it is added and put on the certificate once it points here. {why}"
                ),
            ),
        };
        Ok(AddOutcome {
            name: name.to_string(),
            id,
            created: false,
            www,
            ssl: waiting(SslMode::Basic, message),
            covered_by: None,
            twin_of: None,
            dns,
        })
    }

    /// The POST of a new name. A worker that does not know the app's SSL set-up
    /// yet asks for it on other connections while the POST is on its way, so
    /// that a first add costs one round trip before its certificate step, not three.
    fn create_and_learn_ssl(&self, name: &DomainName, www: bool) -> Result<Created> {
        // Added (or seen) by this worker already, as when UM fires both
        // wu_add_subdomain and wu_add_domain for a new site: one GET that
        // confirms it, not a POST that RunCloud refuses and a lookup after it.
        if let Some(d) = self.api.domain_at_known_id(name)? {
            return Ok(Created::Existing(d));
        }
        let key = self.key.clone();
        let unknown = self.config.options.ssl == SslPolicy::Auto
            && self.worker.memory().recall(&key).is_none();
        if !unknown {
            return self.api.create_domain(name, www);
        }
        let (config, worker) = (self.config, self.worker);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                // Best effort: a failure here is met again, and reported, by the SSL step.
                if let Ok(app) = crate::api::ssl_setup_at_once(config) {
                    worker.memory().store(&key, &app);
                }
            });
            self.api.create_domain(name, www)
        })
    }

    /// The wildcard domain on the app that covers `name` one level down, if any.
    /// Asked once per parent and request: the two hooks UM fires for one site,
    /// and a batch of names under one parent, share the answer.
    fn wildcard_cover(&self, name: &DomainName) -> Result<Option<String>> {
        let Some(parent) = name.parent() else {
            return Ok(None);
        };
        let key = self.key.clone();
        if let Some(known) = self.known_wildcard_cover(name) {
            return Ok(known);
        }
        let found = self.api.find_wildcard(&parent)?.is_some();
        self.worker
            .batch()
            .remember_wildcard(&key, parent.as_str(), found);
        Ok(found.then(|| parent.to_string()))
    }

    /// The wildcard answer for `name`'s parent this request already has
    /// (`None`: it must be asked).
    fn known_wildcard_cover(&self, name: &DomainName) -> Option<Option<String>> {
        let parent = name.parent()?;
        let known = self
            .worker
            .batch()
            .wildcard_known(&self.key, parent.as_str())?;
        Some(known.then(|| parent.to_string()))
    }

    /// For `www.example.com`: the entry `example.com` when it carries a www twin
    /// (RunCloud models the twin as `www: 1` on the bare name, not as an entry).
    fn twin_holder(&self, name: &DomainName) -> Result<Option<Domain>> {
        let Some(bare) = name.as_str().strip_prefix("www.") else {
            return Ok(None);
        };
        let Ok(bare) = DomainName::parse(bare) else {
            return Ok(None);
        };
        Ok(self.api.find_domain(&bare)?.filter(|d| d.www))
    }

    /// The entry of `name`; for a `www.` name served as a twin, the bare name's
    /// entry and `Some(bare name)` as the second value.
    pub fn find(&self, name: &DomainName) -> Result<Option<(Domain, Option<String>)>> {
        if let Some(d) = self.api.find_domain(name)? {
            return Ok(Some((d, None)));
        }
        Ok(self.twin_holder(name)?.map(|bare| {
            let holder = bare.name.clone();
            (bare, Some(holder))
        }))
    }

    /// Things noted during the call that did not stop it, for the log.
    pub fn notes(&self) -> Vec<String> {
        self.api.notes()
    }

    pub fn list(&self) -> Result<Vec<Domain>> {
        self.api.list_domains()
    }

    pub fn api(&self) -> &RunCloud<'a> {
        &self.api
    }
}
