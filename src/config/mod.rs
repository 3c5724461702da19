//! Configuration: credentials and IDs from the wp-config.php constants, options
//! from the constructor, INI and defaults. Built anew for every call, because
//! constants belong to one PHP request.

mod constants;
mod options;

pub use constants::*;
pub use options::*;

use crate::error::{quote, Error, Result};
use crate::secret::Secret;
use constants::set;

/// Everything one call needs: who we are, which app, and how to behave.
#[derive(Clone, Debug)]
pub struct Config {
    pub credentials: Credentials,
    pub server_id: u64,
    pub app_id: u64,
    /// More apps (`WU_RUNCLOUD_APPS`), each kept in step like the first.
    pub extra_apps: Vec<(u64, u64)>,
    /// `WU_RUNCLOUD_SERVER_IP`: the addresses that count as this server; empty:
    /// RunCloud's `ipAddress` of the server.
    pub server_ips: Vec<std::net::IpAddr>,
    /// A subdomain install's own domain (`DOMAIN_CURRENT_SITE`): names below it
    /// are site names (no www twin; a wildcard on the app may serve them).
    pub network_domain: Option<crate::domain::DomainName>,
    pub options: Options,
}

impl Config {
    /// Where a worker's memory of this app lives: API base, account (by a hash
    /// of its credentials, never the credentials), server and app.
    pub fn memory_key(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        match &self.credentials {
            Credentials::Basic { key, secret } => (key.expose(), secret.expose()).hash(&mut h),
            Credentials::Token(t) => t.expose().hash(&mut h),
        }
        format!(
            "{}|{:x}|{}|{}",
            self.base_url(),
            h.finish(),
            self.server_id,
            self.app_id
        )
    }

    /// Validates the constants. Fails, naming the constant, before any request.
    pub fn from_constants(raw: &RawConstants, options: Options) -> Result<Config> {
        let missing = raw.missing();
        if !missing.is_empty() {
            return Err(Error::Config(format!(
                "RunCloud integration is not set up: define {} in wp-config.php",
                missing.join(", ")
            )));
        }
        let credentials = if set(&raw.api_token) {
            Credentials::Token(credential(&raw.api_token, CONST_API_TOKEN)?)
        } else {
            Credentials::Basic {
                key: credential(&raw.api_key, CONST_API_KEY)?,
                secret: credential(&raw.api_secret, CONST_API_SECRET)?,
            }
        };
        let server_id = positive_id(&raw.server_id, CONST_SERVER_ID)?;
        let app_id = positive_id(&raw.app_id, CONST_APP_ID)?;
        let mut extra_apps = Vec::new();
        for pair in parse_apps(raw.apps.as_deref().unwrap_or(""))? {
            if pair != (server_id, app_id) && !extra_apps.contains(&pair) {
                extra_apps.push(pair);
            }
        }
        let server_ips = parse_server_ips(raw.server_ip.as_deref().unwrap_or(""))?;
        // Not a setting of ours: a value WordPress could not use either is ignored.
        let network_domain = raw
            .network_domain
            .as_deref()
            .and_then(|d| crate::domain::DomainName::parse(d).ok());
        Ok(Config {
            credentials,
            server_id,
            app_id,
            extra_apps,
            server_ips,
            network_domain,
            options,
        })
    }

    /// One configuration per app to keep in step: this one first, then each of
    /// `WU_RUNCLOUD_APPS`.
    pub fn targets(&self) -> Vec<Config> {
        let mut all = vec![Config {
            extra_apps: Vec::new(),
            ..self.clone()
        }];
        for &(server_id, app_id) in &self.extra_apps {
            all.push(Config {
                server_id,
                app_id,
                extra_apps: Vec::new(),
                ..self.clone()
            });
        }
        all
    }

    /// The versioned API base, such as `https://manage.runcloud.io/api/v3`.
    pub fn base_url(&self) -> String {
        format!(
            "{}/{}",
            self.options.api_url,
            self.credentials.version().as_str()
        )
    }
}

/// `WU_RUNCLOUD_SERVER_IP`: IPv4 or IPv6 addresses, separated by commas or spaces.
pub fn parse_server_ips(text: &str) -> Result<Vec<std::net::IpAddr>> {
    let mut ips = Vec::new();
    for part in text
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let ip = part.parse().map_err(|_| {
            Error::Config(format!(
                "{CONST_SERVER_IP} must list IP addresses such as \"203.0.113.10, 2001:db8::10\", got {}",
                quote(part)
            ))
        })?;
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    Ok(ips)
}

/// `"101:201, 102:305"` (commas, semicolons or spaces between pairs).
pub fn parse_apps(text: &str) -> Result<Vec<(u64, u64)>> {
    let mut pairs = Vec::new();
    for item in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        let pair = item.split_once(':').and_then(|(s, a)| {
            let s = s.trim().parse::<u64>().ok().filter(|n| *n > 0)?;
            let a = a.trim().parse::<u64>().ok().filter(|n| *n > 0)?;
            Some((s, a))
        });
        match pair {
            Some(p) => pairs.push(p),
            None => {
                return Err(Error::Config(format!(
                    "{CONST_APPS}: {} is not a server:app pair of positive IDs such as 101:201",
                    quote(item)
                )))
            }
        }
    }
    Ok(pairs)
}

fn credential(v: &Option<ConstValue>, name: &str) -> Result<Secret> {
    match v {
        Some(ConstValue::Text(s)) => {
            let s = s.trim();
            // A header value cannot carry these; say so without showing the value.
            if s.chars().any(|c| c.is_control() || !c.is_ascii()) {
                return Err(Error::Config(format!(
                    "{name} contains characters that cannot be sent (control or non-ASCII characters); copy it again from RunCloud"
                )));
            }
            Ok(Secret::new(s))
        }
        Some(ConstValue::Int(n)) => Ok(Secret::new(n.to_string())),
        Some(ConstValue::Other(kind)) => Err(Error::Config(format!(
            "{name} must be a string, not {kind}"
        ))),
        None => Err(Error::Config(format!("{name} is not defined"))),
    }
}

fn positive_id(v: &Option<ConstValue>, name: &str) -> Result<u64> {
    let hint = "RunCloud's numeric ID, as in the dashboard address";
    match v {
        Some(ConstValue::Int(n)) if *n > 0 => Ok(*n as u64),
        Some(ConstValue::Int(n)) => Err(Error::Config(format!(
            "{name} must be a positive integer ({hint}), got {n}"
        ))),
        Some(ConstValue::Text(s)) => {
            let t = s.trim();
            match t.parse::<u64>() {
                Ok(n) if n > 0 && t.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
                _ => Err(Error::Config(format!(
                    "{name} must be a positive integer ({hint}), got {}",
                    quote(s)
                ))),
            }
        }
        Some(ConstValue::Other(kind)) => Err(Error::Config(format!(
            "{name} must be a positive integer ({hint}), not {kind}"
        ))),
        None => Err(Error::Config(format!("{name} is not defined"))),
    }
}

/// Unit tests' configuration: server 1, app 2, a token, and `options`.
#[cfg(test)]
impl Config {
    pub(crate) fn for_tests(options: Options) -> Config {
        Config {
            credentials: Credentials::Token(Secret::new("tok-123456")),
            server_id: 1,
            app_id: 2,
            extra_apps: Vec::new(),
            server_ips: Vec::new(),
            network_domain: None,
            options,
        }
    }

    /// Unit tests' configuration with its state kept in `dir`.
    pub(crate) fn for_tests_in(dir: &std::path::Path) -> Config {
        Config::for_tests(Options {
            state_dir: Some(dir.to_path_buf()),
            ..Options::default()
        })
    }
}

#[cfg(test)]
mod tests;
