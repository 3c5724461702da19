//! What a flow did, in values the PHP layer turns into arrays and log lines:
//! the kinds of name, the certificate's mode and status, an add's outcome;
//! and the two policies that decide what an add asks for (www twin, wildcard).

use super::checking::DnsCheck;
use crate::api::decode::{Domain, SslCert};
use crate::api::AppSsl;
use crate::config::{Config, SslBatch, WwwPolicy};
use crate::domain::DomainName;
use crate::error::Error;

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
    /// Basic mode: the name (with its twin) would take the app's one
    /// certificate past Let's Encrypt's 100 names; it was not added.
    CertificateFull,
    /// The order would pass a limit of Let's Encrypt's that the extension
    /// keeps: the name is on the app and owed, and the order goes at this
    /// unix time (the message says it in words).
    Deferred(u64),
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
            SslStatus::CertificateFull => "certificate_full",
            SslStatus::Deferred(_) => "deferred",
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

/// The outcome of an add that put no certificate step in motion.
pub(super) fn unchanged(domain: &Domain) -> SslOutcome {
    SslOutcome {
        mode: SslMode::Unknown,
        status: SslStatus::Unchanged,
        message: format!(
            "{} was already on the app, so no certificate was ordered again",
            domain.name
        ),
    }
}

pub(super) fn waiting(mode: SslMode, message: String) -> SslOutcome {
    SslOutcome {
        mode,
        status: SslStatus::WaitingDns,
        message: message.trim_end().to_string(),
    }
}

/// The outcome of an add whose certificate redeploy waits for the request's
/// end, or for the queued job.
pub(super) fn queued(cert: &SslCert, caught_up: usize, batch: SslBatch) -> SslOutcome {
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

pub(super) fn off() -> SslOutcome {
    SslOutcome {
        mode: SslMode::None,
        status: SslStatus::Off,
        message: "SSL handling is off (wu_runcloud.ssl=off)".into(),
    }
}

/// The outcome for a set-up where nothing is ours to do.
pub(super) fn not_done(app: &AppSsl) -> SslOutcome {
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

/// The outcome of a certificate step that did not happen: refused or failed,
/// or put off by Let's Encrypt's limits (`Deferred`, with its time).
pub(super) fn failed(mode: SslMode, e: &Error) -> SslOutcome {
    let status = match e {
        Error::Deferred { until, .. } => SslStatus::Deferred(*until),
        _ => SslStatus::Failed,
    };
    SslOutcome {
        mode,
        status,
        message: e.to_string(),
    }
}

impl SslStatus {
    /// When an order put off by Let's Encrypt's limits may go (unix time).
    pub fn next_order(self) -> Option<u64> {
        match self {
            SslStatus::Deferred(until) => Some(until),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;

    fn config(www: WwwPolicy) -> Config {
        Config::for_tests(Options {
            www,
            ..Options::default()
        })
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
