//! What the extension does for the network: the domain-mapping flows on top of
//! the API client. Plain Rust in, plain Rust out.

use crate::api::decode::{Domain, SslCert};
use crate::api::{Created, RunCloud};
use crate::config::{Config, RawConstants, SslPolicy, WwwPolicy};
use crate::domain::DomainName;
use crate::error::{Error, Result};

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
    /// No certificate installed on the app.
    None,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Basic => "basic",
            SslMode::Advanced => "advanced",
            SslMode::None => "none",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslStatus {
    /// The app's certificate was re-issued (basic mode).
    Redeployed,
    /// The domain got its own certificate (advanced mode).
    Issued,
    /// Nothing to do, or nothing that could be done: see the message.
    Skipped,
    /// The `ssl` option is `off`.
    Off,
    /// RunCloud or Let's Encrypt refused: see the message.
    Failed,
}

impl SslStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SslStatus::Redeployed => "redeployed",
            SslStatus::Issued => "issued",
            SslStatus::Skipped => "skipped",
            SslStatus::Off => "off",
            SslStatus::Failed => "failed",
        }
    }
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
    /// RunCloud's domain ID; 0 when nothing was added (covered by a wildcard).
    pub id: u64,
    pub created: bool,
    pub www: bool,
    pub ssl: SslOutcome,
    /// The wildcard domain that already serves this name, when nothing was added.
    pub covered_by: Option<String>,
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

    /// Adds `name` to the app (idempotent) and brings SSL up to date.
    pub fn add(&self, name: &DomainName, kind: NameKind) -> Result<AddOutcome> {
        // Ultimate Multisite 2.4+ fires wu_add_domain as well as wu_add_subdomain for a
        // new subdomain site, so a mapped name can be under a wildcard too. A
        // registrable name (example.com) cannot be: its parent is a public suffix,
        // so it costs no lookup.
        if might_be_under_wildcard(name, kind, self.config) {
            if let Some(cover) = self.wildcard_cover(name)? {
                return Ok(AddOutcome {
                    name: name.to_string(),
                    id: 0,
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
                });
            }
        }
        let www = wants_www_twin(name, kind, self.config);
        let (domain, created) = match self.api.create_domain(name, www)? {
            Created::New(d) => (d, true),
            Created::Existing(d) => (d, false),
        };
        let ssl = self.ssl_after_add(&domain);
        Ok(AddOutcome {
            name: name.to_string(),
            id: domain.id,
            created,
            www: domain.www,
            ssl,
            covered_by: None,
        })
    }

    /// The wildcard domain on the app that covers `name` one level down, if any.
    fn wildcard_cover(&self, name: &DomainName) -> Result<Option<String>> {
        let Some(parent) = name.parent() else {
            return Ok(None);
        };
        Ok(self
            .api
            .find_domain(&parent)?
            .filter(|d| d.wildcard)
            .map(|d| d.name))
    }

    /// Removes `name`: true when removed, false when it was not on the app.
    /// The app's primary domain is never removed: that would take the network down.
    pub fn remove(&self, name: &DomainName) -> Result<bool> {
        let Some(domain) = self.api.find_domain(name)? else {
            return Ok(false);
        };
        if domain.kind == "primary" {
            return Err(Error::Refused(format!(
                "{name} is the primary domain of web application {}; it was not removed. Change the primary domain in RunCloud first",
                self.api.app_id()
            )));
        }
        self.api.delete_domain(&domain)
    }

    pub fn find(&self, name: &DomainName) -> Result<Option<Domain>> {
        self.api.find_domain(name)
    }

    pub fn list(&self) -> Result<Vec<Domain>> {
        self.api.list_domains()
    }

    /// The mode the `ssl` option asks for, asking RunCloud when it is `auto`.
    /// The basic certificate comes along when the mode is basic.
    fn ssl_mode(&self) -> Result<(SslMode, Option<SslCert>)> {
        let advanced = match self.config.options.ssl {
            SslPolicy::Advanced => true,
            SslPolicy::Basic => false,
            SslPolicy::Auto => self.api.advanced_ssl()?,
            SslPolicy::Off => return Ok((SslMode::None, None)),
        };
        if advanced {
            return Ok((SslMode::Advanced, None));
        }
        match self.api.ssl()? {
            Some(cert) => Ok((SslMode::Basic, Some(cert))),
            None => Ok((SslMode::None, None)),
        }
    }

    /// SSL after an add never fails the add: the domain is on the app either way,
    /// and the outcome says what happened to its certificate.
    fn ssl_after_add(&self, domain: &Domain) -> SslOutcome {
        if self.config.options.ssl == SslPolicy::Off {
            return off();
        }
        let (mode, cert) = match self.ssl_mode() {
            Ok(m) => m,
            Err(e) => return failed(SslMode::None, &e),
        };
        match (mode, cert) {
            (SslMode::Advanced, _) => match self.api.issue_domain_ssl(domain) {
                Ok(()) => SslOutcome {
                    mode,
                    status: SslStatus::Issued,
                    message: format!(
                        "a Let's Encrypt certificate was requested for {}",
                        domain.name
                    ),
                },
                Err(e) => failed(mode, &e),
            },
            (SslMode::Basic, Some(cert)) => self.redeploy(cert),
            _ => not_installed(),
        }
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

    /// On demand: redeploy the app certificate in basic mode. Throws when RunCloud refuses.
    pub fn redeploy_ssl(&self) -> Result<SslOutcome> {
        if self.config.options.ssl == SslPolicy::Off {
            return Ok(off());
        }
        match self.ssl_mode()? {
            (SslMode::Advanced, _) => Ok(SslOutcome {
                mode: SslMode::Advanced,
                status: SslStatus::Skipped,
                message:
                    "advanced SSL: each domain has its own certificate, requested when it is added"
                        .into(),
            }),
            (SslMode::Basic, Some(cert)) => {
                let id = cert.id;
                self.api.redeploy_ssl(&cert)?;
                Ok(SslOutcome {
                    mode: SslMode::Basic,
                    status: SslStatus::Redeployed,
                    message: format!(
                        "the app's certificate (#{id}) was redeployed to cover every name"
                    ),
                })
            }
            _ => Ok(not_installed()),
        }
    }

    pub fn api(&self) -> &RunCloud {
        &self.api
    }
}

fn off() -> SslOutcome {
    SslOutcome {
        mode: SslMode::None,
        status: SslStatus::Off,
        message: "SSL handling is off (wu_runcloud.ssl=off)".into(),
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
    let ssl = match mapping.ssl_mode() {
        Ok((SslMode::Advanced, _)) => Check {
            name: "ssl",
            ok: true,
            message: "Advanced SSL: each domain gets its own Let's Encrypt certificate".into(),
        },
        Ok((SslMode::Basic, Some(cert))) => Check {
            name: "ssl",
            ok: true,
            message: format!(
                "Basic SSL: certificate #{} ({}{}) is redeployed when a domain is added",
                cert.id,
                cert.method.as_deref().unwrap_or("unknown method"),
                cert.valid_until
                    .map(|v| format!(", valid until {v}"))
                    .unwrap_or_default()
            ),
        },
        Ok(_) if config.options.ssl == SslPolicy::Off => Check {
            name: "ssl",
            ok: true,
            message: "SSL handling is off (wu_runcloud.ssl=off)".into(),
        },
        Ok(_) => Check {
            name: "ssl",
            ok: true,
            message: not_installed().message,
        },
        Err(e) => Check {
            name: "ssl",
            ok: false,
            message: explain("ssl", &e, &config),
        },
    };
    checks.push(ssl);
    finish(checks)
}

/// Turns a failed check into the answer to the admin's troubleshooting question.
fn explain(check: &str, e: &Error, config: &Config) -> String {
    let status = e.status_code();
    match (check, status) {
        (_, 401) => format!(
            "RunCloud rejected the credentials (HTTP 401). Check {}, that API access is enabled in RunCloud (Settings > API Key), and that this server's IP address is on the API allow-list if one is set",
            match config.credentials.version() {
                crate::config::ApiVersion::V3 => "WU_RUNCLOUD_API_TOKEN",
                crate::config::ApiVersion::V2 => "WU_RUNCLOUD_API_KEY and WU_RUNCLOUD_API_SECRET",
            }
        ),
        (_, 403) => "RunCloud refused access (HTTP 403): the API needs a Business or Enterprise plan, and these credentials must be allowed to manage this server".to_string(),
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
