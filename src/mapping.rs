//! What the extension does for the network: the domain-mapping flows on top of
//! the API client. Plain Rust in, plain Rust out.

use crate::api::decode::{Domain, SslCert};
use crate::api::{Created, RunCloud};
use crate::config::{Config, RawConstants, SslBatch, SslPolicy, WwwPolicy};
use crate::domain::DomainName;
use crate::error::{Error, Result};
use crate::pointing::{self, Pointing};
use crate::ssl_batch;

/// Whether a name is a customer's mapped domain or a site's subdomain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Mapped,
    Subdomain,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Basic,
    Advanced,
    /// Advanced with AutoSSL: RunCloud installs new domains' certificates itself.
    AutoSsl,
    /// No certificate installed on the app, or SSL handling off.
    None,
    /// Not asked (nothing changed), or RunCloud's answer did not say.
    Unknown,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Basic => "basic",
            SslMode::Advanced => "advanced",
            SslMode::AutoSsl => "autossl",
            SslMode::None => "none",
            SslMode::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslStatus {
    /// The app's certificate was re-issued (basic mode).
    Redeployed,
    /// The domain got its own certificate (advanced mode).
    Issued,
    /// Basic mode: the app's certificate is redeployed once when the PHP request
    /// ends, for every name added in it (`ssl_batch`).
    Queued,
    /// The name was already on the app and its last certificate step did not fail
    /// here: no new order (Let's Encrypt allows 5 duplicate certificates a week).
    Unchanged,
    /// AutoSSL is on: the certificate is RunCloud's job.
    LeftToRunCloud,
    /// Nothing to do, or nothing that could be done: see the message.
    Skipped,
    /// RunCloud's answer did not say which mode the app is in: nothing was done.
    Unknown,
    /// The `ssl` option is `off`.
    Off,
    /// RunCloud or Let's Encrypt refused: see the message.
    Failed,
    /// The name does not point here yet (DNS, or the HTTP probe): no
    /// certificate was ordered for it; in basic mode it was not even added,
    /// since being on the app puts it on the certificate every site shares.
    WaitingDns,
}

impl SslStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SslStatus::Redeployed => "redeployed",
            SslStatus::Issued => "issued",
            SslStatus::Queued => "queued",
            SslStatus::Unchanged => "unchanged",
            SslStatus::LeftToRunCloud => "left_to_runcloud",
            SslStatus::Skipped => "skipped",
            SslStatus::Unknown => "unknown",
            SslStatus::Off => "off",
            SslStatus::Failed => "failed",
            SslStatus::WaitingDns => "waiting_dns",
        }
    }
}

/// The app's SSL set-up, as the `ssl` option and RunCloud tell it.
#[derive(Clone, Debug, PartialEq)]
pub enum AppSsl {
    Basic(SslCert),
    Advanced,
    AutoSsl,
    NotInstalled,
    Off,
    /// `GET ssl/advanced` had no mode flag: its keys, for the message.
    Unknown(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SslOutcome {
    pub mode: SslMode,
    pub status: SslStatus,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AddOutcome {
    pub name: String,
    /// RunCloud's domain ID of the entry that serves the name; `None` when
    /// nothing was added (covered by a wildcard).
    pub id: Option<u64>,
    pub created: bool,
    pub www: bool,
    pub ssl: SslOutcome,
    /// The wildcard domain that already serves this name, when nothing was added.
    pub covered_by: Option<String>,
    /// The bare name on the app whose `www: 1` already serves this `www.` name.
    pub twin_of: Option<String>,
    /// Whether the name points here, when it was checked.
    pub dns: Option<DnsCheck>,
}

/// Checks names against the server's addresses; shareable across threads.
pub struct Checker {
    pub server: Vec<std::net::IpAddr>,
    resolver: std::result::Result<crate::dns::Resolver, String>,
    probe: Option<pointing::Probe>,
}

impl Checker {
    pub fn check(&self, name: &DomainName) -> DnsCheck {
        let pointing = match &self.resolver {
            Ok(r) => pointing::check(name.as_str(), &self.server, r, self.probe.as_ref()),
            Err(e) => Pointing::Unknown(e.clone()),
        };
        DnsCheck {
            message: pointing.describe(name.as_str(), &self.server),
            pointing,
            server: self.server.clone(),
        }
    }
}

/// A name's check against the server's addresses.
#[derive(Clone, Debug, PartialEq)]
pub struct DnsCheck {
    pub pointing: Pointing,
    /// The addresses that count as this server.
    pub server: Vec<std::net::IpAddr>,
    /// `pointing` in a sentence.
    pub message: String,
}

/// Whether a `www.` twin goes with `name`.
pub fn wants_www_twin(name: &DomainName, kind: NameKind, config: &Config) -> bool {
    if kind == NameKind::Subdomain || name.starts_with_www() {
        return false;
    }
    match config.options.www {
        WwwPolicy::Always => true,
        WwwPolicy::Never => false,
        WwwPolicy::MainOnly => name.is_registrable(&config.options.public_suffixes),
    }
}

/// Whether a wildcard domain on the app could serve `name`: a subdomain site's
/// name always could; a mapped name only when it is below a registrable domain.
pub fn might_be_under_wildcard(name: &DomainName, kind: NameKind, config: &Config) -> bool {
    kind == NameKind::Subdomain || !name.is_registrable(&config.options.public_suffixes)
}

/// The flows, for one call with one configuration.
pub struct Mapping<'a> {
    api: RunCloud,
    config: &'a Config,
}

impl<'a> Mapping<'a> {
    pub fn new(config: &'a Config) -> Result<Mapping<'a>> {
        Ok(Mapping {
            api: RunCloud::new(config)?,
            config,
        })
    }

    /// A name below a subdomain install's own domain is a site's name, whichever
    /// hook brings it (UM fires wu_add_domain for every new site too).
    pub fn kind_of(&self, name: &DomainName, kind: NameKind) -> NameKind {
        match &self.config.network_domain {
            Some(network) if name.as_str().ends_with(&format!(".{network}")) => NameKind::Subdomain,
            _ => kind,
        }
    }

    /// Adds `name` to the app (idempotent) and brings SSL up to date.
    pub fn add(&self, name: &DomainName, kind: NameKind) -> Result<AddOutcome> {
        let kind = self.kind_of(name, kind);
        // Ultimate Multisite 2.4+ fires wu_add_domain as well as wu_add_subdomain for a
        // new subdomain site, so a mapped name can be under a wildcard too. A
        // registrable name (example.com) cannot be: its parent is a public suffix,
        // so it costs no lookup.
        if might_be_under_wildcard(name, kind, self.config) {
            if let Some(cover) = self.wildcard_cover(name)? {
                return Ok(AddOutcome {
                    name: name.to_string(),
                    id: None,
                    created: false,
                    www: false,
                    ssl: SslOutcome {
                        mode: SslMode::None,
                        status: SslStatus::Skipped,
                        message: format!(
                            "{name} is already served by the wildcard domain *.{cover}"
                        ),
                    },
                    covered_by: Some(cover),
                    twin_of: None,
                    dns: None,
                });
            }
        }
        self.add_checked(name, kind)
    }

    /// Adds `name`, whose wildcard cover the caller has already ruled out (a
    /// sync that read the whole list), and brings SSL up to date.
    pub fn add_checked(&self, name: &DomainName, kind: NameKind) -> Result<AddOutcome> {
        self.add_gated(name, self.kind_of(name, kind), false)
    }

    /// A re-check of a name that waits for DNS: added (basic mode) or given
    /// its own certificate (advanced mode) once it points here. Like `add`
    /// otherwise; an advanced name already on the app gets its certificate
    /// ordered, so call it for waiting names only.
    pub fn recheck(&self, name: &DomainName, kind: NameKind) -> Result<AddOutcome> {
        let kind = self.kind_of(name, kind);
        if might_be_under_wildcard(name, kind, self.config) && self.wildcard_cover(name)?.is_some()
        {
            return self.add(name, kind);
        }
        self.add_gated(name, kind, true)
    }

    fn add_gated(&self, name: &DomainName, kind: NameKind, recheck: bool) -> Result<AddOutcome> {
        // Learnt once for the name and its www twin.
        let checker = self.checker()?;
        let dns = checker.as_ref().map(|c| c.check(name));
        // Only a name that does not point here needs the mode before its POST.
        let held = match &dns {
            // Rare, and the mode decides whether the name goes on the app at
            // all: asked afresh rather than trusted from memory.
            Some(check) if !check.pointing.points() => {
                match self.fresh_app_ssl_if_auto(&self.memory_key())? {
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
            if let Ok(twin) = DomainName::parse(&format!("www.{name}")) {
                let twin_check = checker.as_ref().map(|c| c.check(&twin));
                if let Some(check) = twin_check.filter(|c| !c.pointing.points()) {
                    www = false;
                    self.api.note(format!(
                        "{name} was added without its www twin: {}",
                        check.message
                    ));
                }
            }
        }
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
        let ssl = if held {
            // Its own certificate fails alone, but an order bound to fail
            // spends Let's Encrypt's failed-validation limit: later, once it points.
            crate::app_memory::worker().record_certificate(&self.memory_key(), &domain.name, true);
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

    /// Whether `name` points here; `None` when it is not checked (SSL handling
    /// or the check turned off, or no address of the server is known).
    pub fn dns_check(&self, name: &DomainName) -> Result<Option<DnsCheck>> {
        Ok(self.checker()?.map(|c| c.check(name)))
    }

    /// What checking names needs, learnt once: the server's addresses, the
    /// resolver and the probe. `None` when names are not checked.
    pub fn checker(&self) -> Result<Option<Checker>> {
        let o = &self.config.options;
        if o.ssl == SslPolicy::Off || !o.dns_check {
            return Ok(None);
        }
        let Some(server) = self.server_addresses()? else {
            return Ok(None);
        };
        let resolver = match &o.resolver {
            Some(r) => Ok(r.clone()),
            None => crate::dns::Resolver::system(),
        };
        Ok(Some(Checker {
            server,
            resolver,
            probe: self.probe(),
        }))
    }

    /// The HTTP probe, keyed by this network's credentials; `None` when off.
    pub fn probe(&self) -> Option<pointing::Probe> {
        let port = self.config.options.probe_port;
        (port != 0).then(|| probe_for(self.config, port))
    }

    /// `WU_RUNCLOUD_SERVER_IP`, else RunCloud's address of the server
    /// (remembered for an hour). `None`, with a note, when RunCloud gives none.
    fn server_addresses(&self) -> Result<Option<Vec<std::net::IpAddr>>> {
        if !self.config.server_ips.is_empty() {
            return Ok(Some(self.config.server_ips.clone()));
        }
        let key = format!("{}|{}", self.memory_key(), self.config.server_id);
        if let Some(a) = crate::app_memory::worker().server_addresses(&key) {
            return Ok(Some(a));
        }
        let server = match self.api.server() {
            Ok(s) => s,
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => {
                self.api.note(format!(
                    "the server's address could not be read ({e}), so DNS was not checked; define WU_RUNCLOUD_SERVER_IP"
                ));
                return Ok(None);
            }
        };
        let addresses = pointing::server_addresses(&server);
        if addresses.is_empty() {
            self.api.note(
                "RunCloud's answer for the server had no ipAddress, so DNS was not checked; define WU_RUNCLOUD_SERVER_IP".into(),
            );
            return Ok(None);
        }
        crate::app_memory::worker().store_server_addresses(&key, &addresses);
        Ok(Some(addresses))
    }

    /// The POST of a new name. A worker that does not know the app's SSL set-up
    /// yet asks for it on other connections while the POST is on its way, so
    /// that a first add costs one round trip before its certificate step, not three.
    fn create_and_learn_ssl(&self, name: &DomainName, www: bool) -> Result<Created> {
        let key = self.memory_key();
        let unknown = self.config.options.ssl == SslPolicy::Auto
            && crate::app_memory::worker().recall(&key).is_none();
        if !unknown {
            return self.api.create_domain(name, www);
        }
        let config = self.config;
        std::thread::scope(|scope| {
            scope.spawn(move || {
                // Best effort: a failure here is met again, and reported, by the SSL step.
                if let Ok(app) = app_ssl_at_once(config) {
                    crate::app_memory::worker().store(&key, &app);
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
        let key = self.memory_key();
        if let Some(known) = crate::ssl_batch::wildcard_known(&key, parent.as_str()) {
            return Ok(known.then(|| parent.to_string()));
        }
        let found = self.api.find_wildcard(&parent)?.is_some();
        crate::ssl_batch::remember_wildcard(&key, parent.as_str(), found);
        Ok(found.then(|| parent.to_string()))
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

    /// Removes `name`: true when removed, false when it was not on the app.
    /// The app's primary domain is never removed: that would take the network down.
    pub fn remove(&self, name: &DomainName) -> Result<bool> {
        let Some(domain) = self.api.find_domain(name)? else {
            if let Some(bare) = self.twin_holder(name)? {
                return Err(Error::Refused(format!(
                    "{name} is not an entry of its own: it is the www twin of {} (RunCloud domain {}). To stop serving it, turn off www for {} in RunCloud, or remove {}",
                    bare.name, bare.id, bare.name, bare.name
                )));
            }
            return Ok(false);
        };
        if domain.kind == "primary" {
            return Err(Error::Refused(format!(
                "{name} is the primary domain of web application {}; it was not removed. Change the primary domain in RunCloud first",
                self.api.app_id()
            )));
        }
        let removed = self.api.delete_domain(&domain)?;
        // Removed later in the request that added it: no longer owed a certificate.
        crate::ssl_batch::drop_name(&self.memory_key(), name.as_str());
        crate::ssl_batch::owed::take_back(self.config, name.as_str());
        Ok(removed)
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

    /// The app's SSL set-up: what the `ssl` option says, asking RunCloud when it is `auto`.
    fn app_ssl(&self) -> Result<AppSsl> {
        let advanced = match self.config.options.ssl {
            SslPolicy::Advanced => true,
            SslPolicy::Basic => false,
            SslPolicy::Off => return Ok(AppSsl::Off),
            SslPolicy::Auto => {
                let flags = self.api.advanced_ssl()?;
                match flags.advanced {
                    Some(true) if flags.auto => return Ok(AppSsl::AutoSsl),
                    Some(advanced) => advanced,
                    None => return Ok(AppSsl::Unknown(flags.seen)),
                }
            }
        };
        if advanced {
            return Ok(AppSsl::Advanced);
        }
        Ok(match self.api.ssl()? {
            Some(cert) => AppSsl::Basic(cert),
            None => AppSsl::NotInstalled,
        })
    }

    /// SSL after an add never fails the add: the domain is on the app either way,
    /// and the outcome says what happened to its certificate. A name that was
    /// already there gets no new order unless its last attempt here failed, or
    /// it is a re-check of an advanced-mode name waiting for its certificate.
    /// Names an earlier request left owed (on disk) join this step, whatever
    /// happens to them here: they stay owed until a step covering them succeeds.
    fn ssl_after_add(&self, domain: &Domain, created: bool, recheck: bool) -> SslOutcome {
        if self.config.options.ssl == SslPolicy::Off {
            return off();
        }
        let key = self.memory_key();
        let failed_before = crate::app_memory::worker().certificate_failed(&key, &domain.name);
        let batch = self.config.options.ssl_batch;
        let (on_disk, disk_size) = ssl_batch::owed::read(self.config);
        let caught_up: Vec<String> = on_disk
            .into_iter()
            .filter(|n| *n != domain.name && !ssl_batch::is_pending(&key, n))
            .collect();
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
                if let Some(why) = ssl_batch::defer(&key, self.config, &cert, remembered, &names) {
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
        crate::app_memory::worker().record_certificate(
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
                crate::app_memory::worker().record_certificate(&self.memory_key(), n, false);
            }
        }
        Ok(())
    }

    /// Runs a redeploy owed at the end of a request (see `ssl_batch`). A
    /// certificate id from memory that RunCloud no longer knows (404) is asked
    /// again: redeployed once more if it changed, or, when the app switched
    /// to advanced mode meanwhile, each name gets its own certificate. What is
    /// owed on disk stays owed unless this succeeds.
    pub fn redeploy_owed(owed: &ssl_batch::Deferred) -> Result<SslOutcome> {
        let mapping = Mapping::new(&owed.config)?;
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
        let mut memory = crate::app_memory::worker();
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

    /// Where this worker's memory of the app lives.
    fn memory_key(&self) -> String {
        self.config.memory_key()
    }

    /// The app's SSL set-up, from this worker's memory when recent (true), else
    /// asked of RunCloud (false). Only `auto` asks; a forced mode needs no memory.
    fn remembered_app_ssl(&self, key: &str) -> Result<(AppSsl, bool)> {
        if self.config.options.ssl == SslPolicy::Auto {
            if let Some(app) = crate::app_memory::worker().recall(key) {
                return Ok((app, true));
            }
        }
        self.fresh_app_ssl(key).map(|app| (app, false))
    }

    /// The set-up asked afresh when the `ssl` option is `auto`; a forced mode as it is.
    fn fresh_app_ssl_if_auto(&self, key: &str) -> Result<AppSsl> {
        if self.config.options.ssl == SslPolicy::Auto {
            self.fresh_app_ssl(key)
        } else {
            self.app_ssl()
        }
    }

    /// Asks RunCloud, and remembers the answer.
    fn fresh_app_ssl(&self, key: &str) -> Result<AppSsl> {
        let app = self.app_ssl();
        match &app {
            Ok(a) if self.config.options.ssl == SslPolicy::Auto => {
                crate::app_memory::worker().store(key, a)
            }
            _ => crate::app_memory::worker().forget(key),
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
        let key = self.memory_key();
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
        match self.fresh_app_ssl(&self.memory_key())? {
            AppSsl::Advanced if !owed.is_empty() => {
                // Owed a basic redeploy before the app switched: their own certificates now.
                self.certify_each(&owed)?;
                ssl_batch::owed::settle(self.config, disk_size);
                ssl_batch::settle(&self.memory_key());
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
                ssl_batch::settle(&self.memory_key());
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

    pub fn api(&self) -> &RunCloud {
        &self.api
    }
}

/// The app's SSL set-up in one round trip: the mode and the basic certificate
/// asked at once (the certificate answer is unused on an advanced app).
fn app_ssl_at_once(config: &Config) -> Result<AppSsl> {
    let (flags, cert) = std::thread::scope(|scope| {
        let cert = scope.spawn(|| RunCloud::new(config).and_then(|api| api.ssl()));
        let flags = RunCloud::new(config).and_then(|api| api.advanced_ssl());
        let cert = cert
            .join()
            .unwrap_or_else(|_| Err(Error::Internal("the SSL lookup panicked".into())));
        (flags, cert)
    });
    let flags = flags?;
    Ok(match flags.advanced {
        Some(true) if flags.auto => AppSsl::AutoSsl,
        Some(true) => AppSsl::Advanced,
        None => AppSsl::Unknown(flags.seen),
        Some(false) => match cert? {
            Some(cert) => AppSsl::Basic(cert),
            None => AppSsl::NotInstalled,
        },
    })
}

/// The outcome of an add that put no certificate step in motion.
fn unchanged(domain: &Domain) -> SslOutcome {
    SslOutcome {
        mode: SslMode::Unknown,
        status: SslStatus::Unchanged,
        message: format!(
            "{} was already on the app, so no certificate was ordered again",
            domain.name
        ),
    }
}

fn waiting(mode: SslMode, message: String) -> SslOutcome {
    SslOutcome {
        mode,
        status: SslStatus::WaitingDns,
        message: message.trim_end().to_string(),
    }
}

/// The HTTP probe of the network whose credentials `config` holds.
pub fn probe_for(config: &Config, port: u16) -> pointing::Probe {
    let secret: Vec<u8> = config
        .credentials
        .secret_forms()
        .iter()
        .flat_map(|s| s.expose().as_bytes().to_vec())
        .collect();
    pointing::Probe::new(&secret, port)
}

/// The outcome of an add whose certificate redeploy waits for the request's
/// end, or for the queued job.
fn queued(cert: &SslCert, caught_up: usize, batch: SslBatch) -> SslOutcome {
    let late = if caught_up > 0 {
        format!(
            "; it also covers {caught_up} name(s) whose redeploy an earlier request did not get to run"
        )
    } else {
        String::new()
    };
    SslOutcome {
        mode: SslMode::Basic,
        status: SslStatus::Queued,
        message: format!(
            "the app's certificate (#{}) is redeployed once {}, for every name added in it{late}",
            cert.id,
            if batch == SslBatch::Queue {
                "by the queued job (wu_runcloud.ssl_batch=queue)"
            } else {
                "when this PHP request ends"
            }
        ),
    }
}

/// Names for a log line: all of a short list, the first 20 of a long one.
pub fn name_list(names: &[String]) -> String {
    const SHOWN: usize = 20;
    let shown: Vec<&str> = names.iter().take(SHOWN).map(String::as_str).collect();
    match names.len().checked_sub(SHOWN) {
        Some(more) if more > 0 => format!("{} and {more} more", shown.join(", ")),
        _ => shown.join(", "),
    }
}

fn off() -> SslOutcome {
    SslOutcome {
        mode: SslMode::None,
        status: SslStatus::Off,
        message: "SSL handling is off (wu_runcloud.ssl=off)".into(),
    }
}

/// The outcome for a set-up where nothing is ours to do.
fn not_done(app: &AppSsl) -> SslOutcome {
    match app {
        AppSsl::AutoSsl => SslOutcome {
            mode: SslMode::AutoSsl,
            status: SslStatus::LeftToRunCloud,
            message: "AutoSSL is on: RunCloud installs the certificate for new domains by itself".into(),
        },
        AppSsl::Unknown(seen) => SslOutcome {
            mode: SslMode::Unknown,
            status: SslStatus::Unknown,
            message: format!(
                "RunCloud's SSL mode answer had no advancedSSL flag (it had: {seen}), so the certificate was left as it is; set wu_runcloud.ssl to basic or advanced"
            ),
        },
        AppSsl::Off => off(),
        _ => not_installed(),
    }
}

fn not_installed() -> SslOutcome {
    SslOutcome {
        mode: SslMode::None,
        status: SslStatus::Skipped,
        message: "no SSL certificate is installed on the web application; install one in RunCloud (SSL/TLS tab) to serve HTTPS".into(),
    }
}

fn failed(mode: SslMode, e: &Error) -> SslOutcome {
    SslOutcome {
        mode,
        status: SslStatus::Failed,
        message: e.to_string(),
    }
}

/// One line of the connection test.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionReport {
    pub ok: bool,
    pub api_version: &'static str,
    pub message: String,
    pub checks: Vec<Check>,
}

/// Ultimate Multisite's "test connection": each troubleshooting question in
/// turn, stopping at the first that fails, since later ones depend on it.
pub fn test_connection(raw: &RawConstants, options: crate::config::Options) -> ConnectionReport {
    let api_version = raw.api_version().as_str();
    let mut checks = Vec::new();
    let finish = |checks: Vec<Check>| {
        let first_bad = checks.iter().find(|c| !c.ok);
        let message = match first_bad {
            Some(c) => c.message.clone(),
            None => format!("Connected to RunCloud (API {api_version}): the server and the web application were found"),
        };
        ConnectionReport {
            ok: first_bad.is_none(),
            api_version,
            message,
            checks,
        }
    };
    let missing = raw.missing();
    if !missing.is_empty() {
        checks.push(Check {
            name: "constants",
            ok: false,
            message: format!(
                "Missing constants: {}. Define them in wp-config.php",
                missing.join(", ")
            ),
        });
        return finish(checks);
    }
    let config = match Config::from_constants(raw, options) {
        Ok(c) => c,
        Err(e) => {
            checks.push(Check {
                name: "constants",
                ok: false,
                message: e.to_string(),
            });
            return finish(checks);
        }
    };
    checks.push(Check {
        name: "constants",
        ok: true,
        message: "All constants are defined".into(),
    });
    let mapping = match Mapping::new(&config) {
        Ok(m) => m,
        Err(e) => {
            checks.push(Check {
                name: "credentials",
                ok: false,
                message: e.to_string(),
            });
            return finish(checks);
        }
    };
    let api = mapping.api();
    let step = |name: &'static str, r: Result<String>| match r {
        Ok(message) => Check {
            name,
            ok: true,
            message,
        },
        Err(e) => Check {
            name,
            ok: false,
            message: explain(name, &e, &config),
        },
    };
    let steps: [(&'static str, &dyn Fn() -> Result<String>); 3] = [
        ("credentials", &|| {
            api.ping()
                .map(|_| format!("RunCloud accepted the API {} credentials", api_version))
        }),
        ("server", &|| {
            api.server().map(|s| {
                let name = s.get("name").and_then(|v| v.as_str()).unwrap_or("?");
                format!("Server {} ({}) found", config.server_id, name)
            })
        }),
        ("webapp", &|| {
            api.webapp().map(|a| {
                let name = a.get("name").and_then(|v| v.as_str()).unwrap_or("?");
                format!(
                    "Web application {} ({}) found on server {}",
                    config.app_id, name, config.server_id
                )
            })
        }),
    ];
    for (name, run) in steps {
        let check = step(name, run());
        let ok = check.ok;
        checks.push(check);
        if !ok {
            return finish(checks);
        }
    }
    let ok = |message: String| Check {
        name: "ssl",
        ok: true,
        message,
    };
    let ssl = match mapping.app_ssl() {
        Ok(AppSsl::Advanced) => {
            ok("Advanced SSL: each domain gets its own Let's Encrypt certificate".into())
        }
        Ok(AppSsl::Basic(cert)) => ok(format!(
            "Basic SSL: certificate #{} ({}{}) is redeployed when a domain is added",
            cert.id,
            cert.method.as_deref().unwrap_or("unknown method"),
            cert.valid_until
                .map(|v| format!(", valid until {v}"))
                .unwrap_or_default()
        )),
        Ok(other) => ok(not_done(&other).message),
        Err(e) => Check {
            name: "ssl",
            ok: false,
            message: explain("ssl", &e, &config),
        },
    };
    checks.push(ssl);
    // Every other app of WU_RUNCLOUD_APPS: found, with these credentials.
    for target in config.targets().iter().skip(1) {
        let check = match Mapping::new(target).and_then(|m| m.api().webapp()) {
            Ok(a) => Check {
                name: "other_app",
                ok: true,
                message: format!(
                    "Web application {} ({}) found on server {}",
                    target.app_id,
                    a.get("name").and_then(|v| v.as_str()).unwrap_or("?"),
                    target.server_id
                ),
            },
            Err(e) => Check {
                name: "other_app",
                ok: false,
                message: format!("WU_RUNCLOUD_APPS: {}", explain("webapp", &e, target)),
            },
        };
        checks.push(check);
    }
    finish(checks)
}

/// Turns a failed check into the answer to the admin's troubleshooting question.
fn explain(check: &str, e: &Error, config: &Config) -> String {
    let status = e.status_code();
    match (check, status) {
        (_, 401) => format!(
            "RunCloud rejected the credentials (HTTP 401). {}, and that this server's IP address is on the API allow-list if one is set",
            match config.credentials.version() {
                crate::config::ApiVersion::V3 => "Check WU_RUNCLOUD_API_TOKEN: an API v3 token is made in RunCloud under Workspace > Settings > API Management (it is shown once)",
                crate::config::ApiVersion::V2 => "Check WU_RUNCLOUD_API_KEY and WU_RUNCLOUD_API_SECRET: API v2 keys are under Settings > API Key in RunCloud, where API access must be enabled",
            }
        ),
        (_, 403) => format!("RunCloud refused access (HTTP 403). {}", crate::error::HINT_403),
        ("server", 404) => format!(
            "Server {} was not found in this RunCloud account (HTTP 404). Check WU_RUNCLOUD_SERVER_ID: it is the number after /servers/ in the server's address in RunCloud's dashboard",
            config.server_id
        ),
        ("webapp", 404) => format!(
            "Web application {} was not found on server {} (HTTP 404). Check WU_RUNCLOUD_APP_ID: it is the number after /webapplications/ in the web application's address in RunCloud's dashboard",
            config.app_id, config.server_id
        ),
        ("credentials", 0) => format!("Could not reach RunCloud at {}: {e}", config.options.api_url),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Credentials, Options};
    use crate::secret::Secret;

    fn config(www: WwwPolicy) -> Config {
        Config {
            credentials: Credentials::Token(Secret::new("tok-123456")),
            server_id: 1,
            app_id: 2,
            extra_apps: Vec::new(),
            server_ips: Vec::new(),
            network_domain: None,
            options: Options {
                www,
                ..Options::default()
            },
        }
    }

    fn name(s: &str) -> DomainName {
        DomainName::parse(s).expect("valid")
    }

    #[test]
    fn a_www_twin_goes_only_where_the_policy_and_the_name_allow() {
        use NameKind::{Mapped, Subdomain};
        use WwwPolicy::{Always, MainOnly, Never};
        for (n, kind, policy, want) in [
            ("shop.com", Mapped, MainOnly, true),
            ("shop.co.uk", Mapped, MainOnly, true),
            ("blog.shop.com", Mapped, MainOnly, false),
            ("blog.shop.com", Mapped, Always, true),
            ("shop.com", Mapped, Never, false),
            ("www.shop.com", Mapped, Always, false),
            ("alice.network.test", Subdomain, Always, false),
            ("shop.com", Subdomain, MainOnly, false),
        ] {
            assert_eq!(
                wants_www_twin(&name(n), kind, &config(policy)),
                want,
                "{n} {kind:?} {policy:?}"
            );
        }
    }

    #[test]
    fn a_wildcard_is_looked_for_only_below_a_registrable_name() {
        let c = config(WwwPolicy::MainOnly);
        for (n, kind, want) in [
            ("alice.network.test", NameKind::Subdomain, true),
            ("shop.com", NameKind::Subdomain, true),
            ("alice.network.test", NameKind::Mapped, true),
            ("shop.com", NameKind::Mapped, false),
            ("shop.co.uk", NameKind::Mapped, false),
        ] {
            assert_eq!(
                might_be_under_wildcard(&name(n), kind, &c),
                want,
                "{n} {kind:?}"
            );
        }
    }

    #[test]
    fn each_app_set_up_that_is_not_ours_to_act_on_says_why() {
        let cases = [
            (AppSsl::AutoSsl, SslMode::AutoSsl, SslStatus::LeftToRunCloud),
            (
                AppSsl::Unknown("sslCertificate".into()),
                SslMode::Unknown,
                SslStatus::Unknown,
            ),
            (AppSsl::Off, SslMode::None, SslStatus::Off),
            (AppSsl::NotInstalled, SslMode::None, SslStatus::Skipped),
        ];
        for (app, mode, status) in cases {
            let o = not_done(&app);
            assert_eq!((o.mode, o.status), (mode, status), "{app:?}");
        }
        assert!(not_done(&AppSsl::Unknown("a, b".into()))
            .message
            .contains("it had: a, b"));
    }
}
