//! The app's certificates: its SSL set-up, the basic certificate's redeploy
//! and a domain's own certificate (advanced mode).

use super::decode::{self, Domain, SslCert};
use super::transport::Method;
use super::{api_error, not_repeated, RunCloud, HINT_CERT_GONE, HINT_NOT_REPEATED, HINT_SSL};
use crate::config::{Config, SslPolicy};
use crate::error::{Error, Result};
use serde_json::json;

/// What `GET {app}/ssl/advanced` said.
#[derive(Debug, Clone, PartialEq)]
pub struct SslFlags {
    /// Advanced (per-domain) mode; `None` when the answer had no such flag.
    pub advanced: Option<bool>,
    /// AutoSSL: RunCloud installs certificates for new domains by itself.
    pub auto: bool,
    /// The answer's keys, for the message when the flag is missing.
    pub seen: String,
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

impl AppSsl {
    /// The mode in one word, as results show it.
    pub fn word(&self) -> &'static str {
        match self {
            AppSsl::Basic(_) => "basic",
            AppSsl::Advanced => "advanced",
            AppSsl::AutoSsl => "autossl",
            AppSsl::NotInstalled => "none",
            AppSsl::Off => "off",
            AppSsl::Unknown(_) => "unknown",
        }
    }

    /// Whether two answers describe the same set-up: the same mode and, in basic
    /// mode, the same certificate id. A renewed certificate (a new end date) is
    /// the same set-up; acting again on it would order a second certificate.
    pub fn same_setup(&self, other: &AppSsl) -> bool {
        match (self, other) {
            (AppSsl::Basic(a), AppSsl::Basic(b)) => a.id == b.id,
            (a, b) => a == b,
        }
    }

    /// Basic mode: its certificate, or none installed.
    fn basic(cert: Option<SslCert>) -> AppSsl {
        cert.map_or(AppSsl::NotInstalled, AppSsl::Basic)
    }

    fn from_answers(
        flags: SslFlags,
        cert: impl FnOnce() -> Result<Option<SslCert>>,
    ) -> Result<AppSsl> {
        Ok(match flags.advanced {
            Some(true) if flags.auto => AppSsl::AutoSsl,
            Some(true) => AppSsl::Advanced,
            None => AppSsl::Unknown(flags.seen),
            Some(false) => AppSsl::basic(cert()?),
        })
    }
}

impl RunCloud<'_> {
    /// The app's SSL set-up under `policy`: a forced mode as it is, asking
    /// RunCloud only what it leaves open (`auto` asks the mode, basic the certificate).
    pub fn ssl_setup(&self, policy: SslPolicy) -> Result<AppSsl> {
        match policy {
            SslPolicy::Off => Ok(AppSsl::Off),
            SslPolicy::Advanced => Ok(AppSsl::Advanced),
            SslPolicy::Basic => self.ssl().map(AppSsl::basic),
            SslPolicy::Auto => AppSsl::from_answers(self.advanced_ssl()?, || self.ssl()),
        }
    }

    /// `GET {app}/ssl`: the basic certificate, or `None` when none is installed.
    pub fn ssl(&self) -> Result<Option<SslCert>> {
        let ctx = format!("reading the SSL state of web application {}", self.app_id);
        Ok(self
            .get_app_json_or_absent("/ssl", &ctx)?
            .as_ref()
            .and_then(decode::ssl_cert))
    }

    /// `GET {app}/ssl/advanced`: the app's SSL mode flags. A 404 (an API without
    /// the endpoint) means basic; an answer without the mode flag says so, with what it had.
    pub fn advanced_ssl(&self) -> Result<SslFlags> {
        let ctx = format!("reading the SSL mode of web application {}", self.app_id);
        let Some(v) = self.get_app_json_or_absent("/ssl/advanced", &ctx)? else {
            return Ok(SslFlags {
                advanced: Some(false),
                auto: false,
                seen: String::new(),
            });
        };
        Ok(SslFlags {
            advanced: decode::advanced_flag(&v),
            auto: decode::auto_ssl_flag(&v),
            seen: decode::keys_of(&v),
        })
    }

    /// `POST {app}/ssl/advanced`: switches the app to advanced SSL (one
    /// certificate per name), AutoSSL off. Orders nothing by itself.
    pub fn switch_to_advanced_ssl(&self) -> Result<()> {
        let ctx = format!("switching web application {} to advanced SSL", self.app_id);
        let url = format!("{}/ssl/advanced", self.app_path);
        let body = json!({ "advancedSSL": true, "autoSSL": false });
        let resp = self.call(Method::Post, &url, &[], Some(&body), &ctx)?;
        self.expect_ok(resp, &ctx, Some(HINT_SSL)).map(|_| ())
    }

    /// `PUT {app}/ssl/{id}`: re-issues the app's one certificate for all its names.
    pub fn redeploy_ssl(&self, cert: &SslCert) -> Result<()> {
        let ctx = format!(
            "redeploying the SSL certificate of web application {}",
            self.app_id
        );
        let url = format!("{}/ssl/{}", self.app_path, cert.id);
        let resp = self
            .call(Method::Put, &url, &[], None, &ctx)
            .map_err(not_repeated)?;
        let hint = match resp.status {
            502..=504 => HINT_NOT_REPEATED,
            404 => HINT_CERT_GONE,
            _ => HINT_SSL,
        };
        self.expect_ok(resp, &ctx, Some(hint)).map(|_| ())
    }

    /// `GET {app}/domains/{id}/ssl`: the domain's own certificate (advanced
    /// mode), or `None` when it has none (a 404, or an answer without an id,
    /// such as "SSL not installed!"). The documented paths carry the
    /// certificate's id, which an order's `{}` answer does not give, so this
    /// one is a guess [guess]: any other answer (a 405 from an API without
    /// it) is an error, and an error never leads to a second order.
    pub fn domain_ssl(&self, domain: &Domain) -> Result<Option<SslCert>> {
        let ctx = format!("reading the SSL certificate of {}", domain.name);
        Ok(self
            .get_app_json_or_absent(&format!("/domains/{}/ssl", domain.id), &ctx)?
            .as_ref()
            .and_then(decode::ssl_cert))
    }

    /// `POST {app}/domains/{id}/ssl`: a Let's Encrypt certificate for one domain (advanced mode).
    pub fn issue_domain_ssl(&self, domain: &Domain) -> Result<()> {
        let ctx = format!("requesting an SSL certificate for {}", domain.name);
        let url = format!("{}/domains/{}/ssl", self.app_path, domain.id);
        let body = json!({
            "provider": "letsencrypt",
            "enableHttp": false,
            "enableHsts": false,
            "authorizationMethod": "http-01",
            "environment": "live",
        });
        // Sent again only when it surely was not acted on (429, never sent): a
        // second request after a lost answer could order a second certificate.
        let resp = self
            .call(Method::Post, &url, &[], Some(&body), &ctx)
            .map_err(not_repeated)?;
        if resp.is_success() {
            return Ok(());
        }
        let hint = if matches!(resp.status, 502..=504) {
            HINT_NOT_REPEATED
        } else {
            HINT_SSL
        };
        Err(api_error(&resp, &ctx, Some(hint), &self.secrets))
    }
}

/// The app's SSL set-up (`auto`) in one round trip: the mode and the basic
/// certificate asked at once (the certificate answer is unused on an advanced app).
pub fn ssl_setup_at_once(config: &Config) -> Result<AppSsl> {
    let (flags, cert) = std::thread::scope(|scope| {
        let cert = scope.spawn(|| RunCloud::new(config).and_then(|api| api.ssl()));
        let flags = RunCloud::new(config).and_then(|api| api.advanced_ssl());
        let cert = cert
            .join()
            .unwrap_or_else(|_| Err(Error::Internal("the SSL lookup panicked".into())));
        (flags, cert)
    });
    AppSsl::from_answers(flags?, || cert)
}
