//! Configuration: credentials and IDs from the wp-config.php constants, options
//! from the constructor, INI and defaults. Built anew for every call, because
//! constants belong to one PHP request.

use crate::domain::PublicSuffixes;
use crate::error::{quote, Error, Result};
use crate::secret::Secret;
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_API_URL: &str = "https://manage.runcloud.io/api";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_MAX_RETRIES: u32 = 3;
pub const DEFAULT_CIRCUIT_BREAK: Duration = Duration::from_secs(30);
const MAX_TIMEOUT_SECS: f64 = 300.0;
const MAX_RETRIES_LIMIT: u32 = 10;

pub const CONST_API_KEY: &str = "WU_RUNCLOUD_API_KEY";
pub const CONST_API_SECRET: &str = "WU_RUNCLOUD_API_SECRET";
pub const CONST_API_TOKEN: &str = "WU_RUNCLOUD_API_TOKEN";
pub const CONST_SERVER_ID: &str = "WU_RUNCLOUD_SERVER_ID";
pub const CONST_APP_ID: &str = "WU_RUNCLOUD_APP_ID";
/// Optional: more `server:app` pairs that every add, remove and SSL step also goes to.
pub const CONST_APPS: &str = "WU_RUNCLOUD_APPS";
/// Optional: the address(es) a name must point at to count as served here
/// (a load balancer's or floating IP); otherwise RunCloud's `ipAddress` of the server.
pub const CONST_SERVER_IP: &str = "WU_RUNCLOUD_SERVER_IP";
/// Every constant the extension reads, in the order they are shown to admins.
pub const ALL_CONSTANTS: [&str; 5] = [
    CONST_API_TOKEN,
    CONST_API_KEY,
    CONST_API_SECRET,
    CONST_SERVER_ID,
    CONST_APP_ID,
];

/// The `ConstValue::Other` kinds that PHP's `empty()` calls empty.
pub const EMPTY_KINDS: [&str; 4] = ["null", "false", "a zero float", "an empty array"];

/// A constant's value as PHP holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    Text(String),
    Int(i64),
    /// Any other type (bool, float, array...): named for the error message.
    Other(&'static str),
}

impl ConstValue {
    /// Ultimate Multisite's meaning of "set": defined and not `empty()` in PHP's
    /// sense, so `""`, `"0"`, `0`, `0.0`, `false`, `null` and `[]` are not set.
    pub fn is_set(&self) -> bool {
        match self {
            ConstValue::Text(s) => !s.is_empty() && s != "0",
            ConstValue::Int(n) => *n != 0,
            ConstValue::Other(kind) => !EMPTY_KINDS.contains(kind),
        }
    }
}

/// The five constants as read from the interpreter; `None` when not defined.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawConstants {
    pub api_key: Option<ConstValue>,
    pub api_secret: Option<ConstValue>,
    pub api_token: Option<ConstValue>,
    pub server_id: Option<ConstValue>,
    pub app_id: Option<ConstValue>,
    /// `WU_RUNCLOUD_APPS` as text (`"101:201,102:305"`); an array constant is
    /// turned into this form by the PHP layer.
    pub apps: Option<String>,
    /// `WU_RUNCLOUD_SERVER_IP` as text (addresses separated by commas or
    /// spaces); an array constant is joined by the PHP layer.
    pub server_ip: Option<String>,
    /// `DOMAIN_CURRENT_SITE`, the network's own domain, when `SUBDOMAIN_INSTALL`
    /// is true: every name below it is a site's name, whichever hook brings it.
    pub network_domain: Option<String>,
}

fn set(v: &Option<ConstValue>) -> bool {
    v.as_ref().is_some_and(ConstValue::is_set)
}

impl RawConstants {
    /// Which API the constants select: v3 when a token is set, else v2.
    pub fn api_version(&self) -> ApiVersion {
        if set(&self.api_token) {
            ApiVersion::V3
        } else {
            ApiVersion::V2
        }
    }

    /// The constants that must still be defined (non-empty) before anything can run.
    /// With nothing set at all, the token is asked for: v3 is RunCloud's current API.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if !set(&self.api_token) {
            let key = set(&self.api_key);
            let secret = set(&self.api_secret);
            match (key, secret) {
                (true, true) => {}
                (true, false) => missing.push(CONST_API_SECRET),
                (false, true) => missing.push(CONST_API_KEY),
                (false, false) => missing.push(CONST_API_TOKEN),
            }
        }
        if !set(&self.server_id) {
            missing.push(CONST_SERVER_ID);
        }
        if !set(&self.app_id) {
            missing.push(CONST_APP_ID);
        }
        missing
    }

    /// The definedness of each constant, for phpinfo() and diagnostics: never values.
    pub fn defined(&self) -> [(&'static str, bool); 5] {
        [
            (CONST_API_TOKEN, set(&self.api_token)),
            (CONST_API_KEY, set(&self.api_key)),
            (CONST_API_SECRET, set(&self.api_secret)),
            (CONST_SERVER_ID, set(&self.server_id)),
            (CONST_APP_ID, set(&self.app_id)),
        ]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    V2,
    V3,
}

impl ApiVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2 => "v2",
            ApiVersion::V3 => "v3",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// v2: HTTP Basic with the API key and secret.
    Basic { key: Secret, secret: Secret },
    /// v3: Bearer token.
    Token(Secret),
}

impl Credentials {
    pub fn version(&self) -> ApiVersion {
        match self {
            Credentials::Basic { .. } => ApiVersion::V2,
            Credentials::Token(_) => ApiVersion::V3,
        }
    }

    /// Every form these credentials can take in a text: what redaction removes.
    pub fn secret_forms(&self) -> Vec<Secret> {
        match self {
            Credentials::Basic { key, secret } => {
                crate::secret::forms(Some(key.expose()), Some(secret.expose()), None)
            }
            Credentials::Token(t) => crate::secret::forms(None, None, Some(t.expose())),
        }
    }
}

/// Whether a `www.` twin is added with a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WwwPolicy {
    /// Only for a registrable domain such as example.com or example.co.uk.
    MainOnly,
    Always,
    Never,
}

/// How SSL is brought up to date after a domain is added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslPolicy {
    /// Ask RunCloud which mode the app is in.
    Auto,
    Basic,
    Advanced,
    Off,
}

/// When the basic certificate is redeployed for the names added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslBatch {
    /// At once, one redeploy per add.
    Off,
    /// Once when the PHP request ends, for every name added in it.
    Request,
    /// Not in this request: the names stay owed (on disk) for a queued job
    /// that calls `redeploy_ssl()` (the glue's), so adds from many requests
    /// share one redeploy.
    Queue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogPolicy {
    On,
    Off,
}

/// Every tunable, after constructor options and INI were merged over the defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The API root without version; `/v2` or `/v3` follows from the credentials.
    pub api_url: String,
    /// The most one method call may take, all requests and retries included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_retries: u32,
    pub www: WwwPolicy,
    pub ssl: SslPolicy,
    pub ca_file: Option<PathBuf>,
    pub public_suffixes: PublicSuffixes,
    pub log: LogPolicy,
    /// How long the hooks of a worker stop calling RunCloud after it failed
    /// several times in a row; zero turns the circuit breaker off.
    pub circuit_break: Duration,
    /// Basic SSL: when the certificate is redeployed for the names added.
    pub ssl_batch: SslBatch,
    /// Whether a name must point here (DNS or the HTTP probe) before it joins a certificate.
    pub dns_check: bool,
    /// The DNS servers asked; `None`: the system's nameservers (not /etc/hosts).
    pub resolver: Option<crate::dns::Resolver>,
    /// The port the HTTP probe connects to (80, as Let's Encrypt's HTTP-01);
    /// 0 turns the probe off.
    pub probe_port: u16,
    /// Where owed redeploys are kept across workers; `None`: `~/.wu_runcloud`.
    pub state_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            api_url: DEFAULT_API_URL.to_string(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            www: WwwPolicy::MainOnly,
            ssl: SslPolicy::Auto,
            ca_file: None,
            public_suffixes: PublicSuffixes::default(),
            log: LogPolicy::On,
            circuit_break: DEFAULT_CIRCUIT_BREAK,
            ssl_batch: SslBatch::Request,
            dns_check: true,
            resolver: None,
            probe_port: 80,
            state_dir: None,
        }
    }
}

/// The option keys the constructor accepts (and, prefixed with `wu_runcloud.`, INI).
pub const OPTION_KEYS: [&str; 15] = [
    "api_url",
    "timeout",
    "connect_timeout",
    "max_retries",
    "www",
    "ssl",
    "ca_file",
    "public_suffixes",
    "log",
    "circuit_break",
    "ssl_batch",
    "dns_check",
    "resolver",
    "probe_port",
    "state_dir",
];

/// One option's value as the caller gave it, before validation.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<String>),
    /// Anything else: named for the error message.
    Other(&'static str),
}

impl Options {
    /// Applies one option; `source` names where it came from in error messages
    /// (`option "timeout"` or `INI wu_runcloud.timeout`).
    pub fn apply(&mut self, key: &str, value: &OptionValue, source: &str) -> Result<()> {
        let bad = |want: &str| {
            Error::InvalidOption(format!("{source} must be {want}, got {}", describe(value)))
        };
        match key {
            "api_url" => {
                let url = text(value).ok_or_else(|| bad("a URL"))?;
                self.api_url = validate_api_url(url.trim()).map_err(|why| bad(&why))?;
            }
            "timeout" => {
                self.timeout =
                    seconds(value).ok_or_else(|| bad("a number of seconds between 0.1 and 300"))?
            }
            "connect_timeout" => {
                self.connect_timeout =
                    seconds(value).ok_or_else(|| bad("a number of seconds between 0.1 and 300"))?
            }
            "max_retries" => {
                let n = integer(value).filter(|n| (0..=i64::from(MAX_RETRIES_LIMIT)).contains(n));
                self.max_retries = n
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| bad("a whole number from 0 to 10"))?;
            }
            "www" => {
                self.www = match text(value)
                    .map(|s| s.trim().to_ascii_lowercase())
                    .as_deref()
                {
                    Some("main_only") => WwwPolicy::MainOnly,
                    Some("always") => WwwPolicy::Always,
                    Some("never") => WwwPolicy::Never,
                    _ => return Err(bad("one of main_only, always, never")),
                }
            }
            "ssl" => {
                self.ssl = match text(value)
                    .map(|s| s.trim().to_ascii_lowercase())
                    .as_deref()
                {
                    Some("auto") => SslPolicy::Auto,
                    Some("basic") => SslPolicy::Basic,
                    Some("advanced") => SslPolicy::Advanced,
                    // php.ini turns `off` into an empty string.
                    Some("off") | Some("") => SslPolicy::Off,
                    _ => return Err(bad("one of auto, basic, advanced, off")),
                }
            }
            "ca_file" => {
                let path = text(value).ok_or_else(|| bad("the path of a PEM file"))?;
                let path = path.trim();
                self.ca_file = if path.is_empty() {
                    None
                } else if std::path::Path::new(path).is_file() {
                    Some(PathBuf::from(path))
                } else {
                    return Err(Error::InvalidOption(format!(
                        "{source}: {} is not a readable file",
                        quote(path)
                    )));
                };
            }
            "public_suffixes" => {
                let list = match value {
                    OptionValue::List(l) => l.clone(),
                    OptionValue::Text(s) => s.split(',').map(str::to_string).collect(),
                    _ => return Err(bad("a list of suffixes such as co.uk")),
                };
                self.public_suffixes = PublicSuffixes::with_extra(&list)
                    .map_err(|e| Error::InvalidOption(format!("{source}: {e}")))?;
            }
            "circuit_break" => {
                let secs = match value {
                    OptionValue::Int(n) => Some(*n as f64),
                    OptionValue::Float(f) => Some(*f),
                    OptionValue::Text(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                };
                self.circuit_break = secs
                    .filter(|s| s.is_finite() && (0.0..=3600.0).contains(s))
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| bad("a number of seconds from 0 (off) to 3600"))?;
            }
            "log" => {
                self.log = match switch(value).ok_or_else(|| bad("on or off"))? {
                    true => LogPolicy::On,
                    false => LogPolicy::Off,
                }
            }
            "ssl_batch" => {
                self.ssl_batch = match text(value).map(|t| t.trim().to_ascii_lowercase()) {
                    Some(t) if t == "queue" => SslBatch::Queue,
                    _ => match switch(value).ok_or_else(|| bad("on, off or queue"))? {
                        true => SslBatch::Request,
                        false => SslBatch::Off,
                    },
                }
            }
            "dns_check" => self.dns_check = switch(value).ok_or_else(|| bad("on or off"))?,
            "resolver" => {
                let t = text(value).ok_or_else(|| bad("a DNS server as host:port"))?;
                self.resolver = if t.trim().is_empty() {
                    None
                } else {
                    Some(
                        crate::dns::Resolver::parse(t)
                            .map_err(|e| Error::InvalidOption(format!("{source}: {e}")))?,
                    )
                };
            }
            "probe_port" => {
                self.probe_port = integer(value)
                    .and_then(|n| u16::try_from(n).ok())
                    .ok_or_else(|| bad("a port number from 0 (off) to 65535"))?
            }
            "state_dir" => {
                let t = text(value)
                    .ok_or_else(|| bad("the path of a directory"))?
                    .trim();
                self.state_dir = if t.is_empty() {
                    None
                } else if t.starts_with('/') {
                    Some(PathBuf::from(t))
                } else {
                    return Err(bad("an absolute path"));
                };
            }
            _ => {
                return Err(Error::InvalidOption(format!(
                    "Unknown option {}; known options: {}",
                    quote(key),
                    OPTION_KEYS.join(", ")
                )))
            }
        }
        Ok(())
    }
}

/// An on/off value as PHP code and php.ini give one (php.ini turns `off` into "").
fn switch(value: &OptionValue) -> Option<bool> {
    match value {
        OptionValue::Bool(b) => Some(*b),
        OptionValue::Int(1) => Some(true),
        OptionValue::Int(0) => Some(false),
        OptionValue::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
            "on" | "1" | "yes" | "true" => Some(true),
            "off" | "0" | "no" | "false" | "none" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn text(v: &OptionValue) -> Option<&str> {
    match v {
        OptionValue::Text(s) => Some(s),
        _ => None,
    }
}

fn integer(v: &OptionValue) -> Option<i64> {
    match v {
        OptionValue::Int(n) => Some(*n),
        OptionValue::Text(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn seconds(v: &OptionValue) -> Option<Duration> {
    let secs = match v {
        OptionValue::Int(n) => *n as f64,
        OptionValue::Float(f) => *f,
        OptionValue::Text(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (secs.is_finite() && (0.1..=MAX_TIMEOUT_SECS).contains(&secs))
        .then(|| Duration::from_secs_f64(secs))
}

fn describe(v: &OptionValue) -> String {
    match v {
        OptionValue::Text(s) => quote(s),
        OptionValue::Int(n) => n.to_string(),
        OptionValue::Float(f) => f.to_string(),
        OptionValue::Bool(b) => b.to_string(),
        OptionValue::List(_) => "an array".to_string(),
        OptionValue::Other(kind) => kind.to_string(),
    }
}

/// An http(s) URL with a host, no credentials, query or fragment, and no API version
/// at the end (the version follows from the credentials). Returned without a trailing slash.
/// Plain http only for a real loopback address: the credentials must never cross a
/// network in clear text (`http://127.attacker.example` is a remote name, not loopback).
fn validate_api_url(raw: &str) -> std::result::Result<String, String> {
    const SHAPE: &str =
        "a URL such as https://manage.runcloud.io/api, without credentials, query or fragment";
    if raw.chars().any(|c| c.is_control() || c == ' ') {
        return Err(SHAPE.into());
    }
    let url = url::Url::parse(raw).map_err(|_| SHAPE.to_string())?;
    let host = url.host().ok_or_else(|| SHAPE.to_string())?;
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(SHAPE.into());
    }
    let loopback = match host {
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err("an https:// URL: plain http would send the credentials in clear text (http:// is accepted only for a loopback address: 127.0.0.0/8, ::1, localhost)".into()),
        _ => return Err(SHAPE.into()),
    }
    let text = url.as_str().trim_end_matches('/');
    if text.ends_with("/v2") || text.ends_with("/v3") {
        return Err("the API root without version (such as https://manage.runcloud.io/api): /v2 or /v3 follows from the credentials".into());
    }
    Ok(text.to_string())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_apps_are_server_app_pairs_and_each_becomes_a_target() {
        assert_eq!(
            parse_apps(" 101:201, 102:305;103:406 ").expect("pairs"),
            [(101, 201), (102, 305), (103, 406)]
        );
        assert!(parse_apps("").expect("none").is_empty());
        for bad in ["101", "101:0", "a:b", "101:201:3", "(not-a-pair)"] {
            let e = parse_apps(bad).expect_err(bad).to_string();
            assert!(
                e.contains("WU_RUNCLOUD_APPS") && e.contains("101:201"),
                "{e}"
            );
        }
        let raw = RawConstants {
            api_token: Some(ConstValue::Text("tok-123456".into())),
            server_id: Some(ConstValue::Int(101)),
            app_id: Some(ConstValue::Int(201)),
            apps: Some("101:201,102:305,102:305".into()),
            ..Default::default()
        };
        let c = Config::from_constants(&raw, Options::default()).expect("config");
        assert_eq!(
            c.extra_apps,
            [(102, 305)],
            "the first app and repeats are dropped"
        );
        let t = c.targets();
        assert_eq!(
            t.iter()
                .map(|c| (c.server_id, c.app_id))
                .collect::<Vec<_>>(),
            [(101, 201), (102, 305)]
        );
        assert_ne!(
            t[0].memory_key(),
            t[1].memory_key(),
            "each app remembered apart"
        );
    }

    fn t(s: &str) -> Option<ConstValue> {
        Some(ConstValue::Text(s.to_string()))
    }

    #[test]
    fn missing_constants_follow_the_chosen_api() {
        assert_eq!(
            RawConstants::default().missing(),
            vec![CONST_API_TOKEN, CONST_SERVER_ID, CONST_APP_ID]
        );
        let v2 = RawConstants {
            api_key: t("k"),
            server_id: Some(ConstValue::Int(1)),
            ..Default::default()
        };
        assert_eq!(v2.missing(), vec![CONST_API_SECRET, CONST_APP_ID]);
        let empty = RawConstants {
            api_token: t("0"),
            server_id: t(""),
            app_id: t("5"),
            ..Default::default()
        };
        assert_eq!(empty.missing(), vec![CONST_API_TOKEN, CONST_SERVER_ID]);
    }

    #[test]
    fn set_means_what_php_empty_says() {
        // Ultimate Multisite: `defined($c) && constant($c)`.
        for v in [
            ConstValue::Text(String::new()),
            ConstValue::Text("0".into()),
            ConstValue::Int(0),
            ConstValue::Other("null"),
            ConstValue::Other("false"),
            ConstValue::Other("a zero float"),
            ConstValue::Other("an empty array"),
        ] {
            assert!(!v.is_set(), "{v:?} is empty() in PHP");
        }
        for v in [
            ConstValue::Text("  ".into()),
            ConstValue::Text("0.0".into()),
            ConstValue::Int(-1),
            ConstValue::Other("true"),
            ConstValue::Other("a float"),
            ConstValue::Other("an array"),
        ] {
            assert!(v.is_set(), "{v:?} is not empty() in PHP");
        }
    }

    #[test]
    fn token_wins_over_key_and_secret() {
        let raw = RawConstants {
            api_key: t("key"),
            api_secret: t("secret"),
            api_token: t("tok"),
            server_id: t("12"),
            app_id: Some(ConstValue::Int(34)),
            apps: None,
            server_ip: None,
            network_domain: None,
        };
        let c = Config::from_constants(&raw, Options::default()).map_err(|e| e.to_string());
        let c = c
            .as_ref()
            .map(|c| (c.credentials.version(), c.server_id, c.app_id, c.base_url()));
        assert_eq!(
            c,
            Ok((
                ApiVersion::V3,
                12,
                34,
                "https://manage.runcloud.io/api/v3".to_string()
            ))
        );
    }

    #[test]
    fn ids_must_be_positive_integers_and_errors_name_the_constant() {
        for bad in [
            t("abc"),
            t("1/../2"),
            t("1?x=1"),
            t("1%2f2"),
            t("1 2"),
            t("99999999999999999999999"),
            t("-3"),
            t("1.5"),
            t("+4"),
            Some(ConstValue::Other("an array")),
        ] {
            let raw = RawConstants {
                api_token: t("tok"),
                server_id: bad.clone(),
                app_id: t("1"),
                ..Default::default()
            };
            let e = Config::from_constants(&raw, Options::default())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                e.contains(CONST_SERVER_ID) && e.contains("positive integer"),
                "{bad:?}: {e}"
            );
        }
    }

    #[test]
    fn a_zero_id_is_not_set_as_in_ultimate_multisite() {
        for zero in [t("0"), Some(ConstValue::Int(0))] {
            let raw = RawConstants {
                api_token: t("tok"),
                server_id: zero.clone(),
                app_id: t("1"),
                ..Default::default()
            };
            assert_eq!(raw.missing(), vec![CONST_SERVER_ID], "{zero:?}");
        }
    }

    #[test]
    fn debug_of_config_shows_no_secret() {
        let raw = RawConstants {
            api_key: t("KEY-1234567"),
            api_secret: t("SECRET-7654321"),
            server_id: t("1"),
            app_id: t("2"),
            ..Default::default()
        };
        let c = Config::from_constants(&raw, Options::default());
        let dbg = format!("{c:?}");
        assert!(dbg.contains("redacted"));
        assert!(
            !dbg.contains("KEY-1234567") && !dbg.contains("SECRET-7654321"),
            "{dbg}"
        );
    }

    #[test]
    fn options_are_validated() {
        let mut o = Options::default();
        assert!(o
            .apply("timeout", &OptionValue::Int(5), "option \"timeout\"")
            .is_ok());
        assert_eq!(o.timeout, Duration::from_secs(5));
        assert!(o.apply("timeout", &OptionValue::Float(0.5), "t").is_ok());
        for bad in [
            OptionValue::Int(0),
            OptionValue::Int(1000),
            OptionValue::Text("x".into()),
            OptionValue::Bool(true),
        ] {
            assert!(o.apply("timeout", &bad, "t").is_err(), "{bad:?}");
        }
        assert!(o.apply("max_retries", &OptionValue::Int(11), "m").is_err());
        assert!(o
            .apply("www", &OptionValue::Text("sometimes".into()), "w")
            .is_err());
        assert!(o
            .apply("ssl", &OptionValue::Text("ADVANCED".into()), "s")
            .is_ok());
        assert_eq!(o.ssl, SslPolicy::Advanced);
        assert!(o
            .apply("ssl", &OptionValue::Text(String::new()), "s")
            .is_ok());
        assert_eq!(o.ssl, SslPolicy::Off);
        assert!(o
            .apply("log", &OptionValue::Text(String::new()), "l")
            .is_ok());
        assert_eq!(o.log, LogPolicy::Off);
        assert!(o.apply("log", &OptionValue::Text("1".into()), "l").is_ok());
        assert_eq!(o.log, LogPolicy::On);
        let e = o
            .apply("colour", &OptionValue::Int(1), "c")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("Unknown option \"colour\""), "{e}");
        assert!(o
            .apply(
                "ca_file",
                &OptionValue::Text("/no/such/file.pem".into()),
                "c"
            )
            .is_err());
    }

    #[test]
    fn api_url_is_checked() {
        let mut o = Options::default();
        assert!(o
            .apply(
                "api_url",
                &OptionValue::Text("http://127.0.0.1:8080/api/".into()),
                "u"
            )
            .is_ok());
        assert_eq!(o.api_url, "http://127.0.0.1:8080/api");
        for good in [
            "http://localhost:9/api",
            "http://[::1]:9/api",
            "http://127.1.2.3/api",
            "https://manage.runcloud.io/api",
        ] {
            assert!(
                o.apply("api_url", &OptionValue::Text(good.into()), "u")
                    .is_ok(),
                "{good}"
            );
        }
        for bad in [
            "ftp://x",
            "https://",
            "https://u:p@host/api",
            "https://host/api/v3",
            "https://host/api?x=1",
            "manage.runcloud.io",
            "http://example.com/api",
            // A remote host whose name merely starts like a loopback address.
            "http://127.attacker.example/api",
            "http://127.0.0.1.attacker.example/api",
            "http://localhost.attacker.example/api",
            "http://[::ffff:8.8.8.8]/api",
            "https://host/api#x",
            "https://host/a pi",
        ] {
            assert!(
                o.apply("api_url", &OptionValue::Text(bad.into()), "u")
                    .is_err(),
                "{bad}"
            );
        }
    }
}
