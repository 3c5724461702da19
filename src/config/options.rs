//! Options: the constructor's, over INI, over the defaults; each checked
//! when it is set, with a message that names it.

use crate::domain::PublicSuffixes;
use crate::error::{quote, Error, Result};
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_API_URL: &str = "https://manage.runcloud.io/api";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_MAX_RETRIES: u32 = 3;
pub const DEFAULT_CIRCUIT_BREAK: Duration = Duration::from_secs(30);
const MAX_TIMEOUT_SECS: f64 = 300.0;
const MAX_RETRIES_LIMIT: u32 = 10;
/// How long a name that does not point here is looked at again, by default.
pub const DEFAULT_DNS_WAIT_DAYS: u32 = 30;
/// The names Let's Encrypt puts on one certificate under its `classic`
/// profile; `tlsserver` and `shortlived` take 25.
pub const DEFAULT_CERTIFICATE_NAMES: usize = 100;

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
    /// Days a name that does not point here is looked at again, after which
    /// it is reported and looked at no more.
    pub dns_wait_days: u32,
    /// The names one certificate may carry (Let's Encrypt's profile decides).
    pub certificate_names: usize,
    /// Lets the HTTP probe connect to loopback and private addresses. Only for
    /// this crate's own tests (their "proxies" are on loopback): not an INI
    /// entry, not a PHP option.
    #[doc(hidden)]
    pub probe_private: bool,
    /// The network's store the host lends (the PHP layer, through WordPress's
    /// database): the certificate ledger and census live there. Not an INI
    /// entry, not a PHP option.
    pub shared_store: Option<crate::shared_store::SharedStore>,
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
            dns_wait_days: DEFAULT_DNS_WAIT_DAYS,
            certificate_names: DEFAULT_CERTIFICATE_NAMES,
            probe_private: false,
            shared_store: None,
        }
    }
}

/// The option keys the constructor accepts (and, prefixed with `wu_runcloud.`, INI).
pub const OPTION_KEYS: [&str; 17] = [
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
    "dns_wait_days",
    "certificate_names",
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
            "www" => self.www = choice(value, &WWW_CHOICES).ok_or_else(|| bad(WWW_HELP))?,
            "ssl" => self.ssl = choice(value, &SSL_CHOICES).ok_or_else(|| bad(SSL_HELP))?,
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
            "dns_wait_days" => {
                self.dns_wait_days = integer(value)
                    .filter(|n| (1..=3650).contains(n))
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| bad("a whole number of days from 1 to 3650"))?
            }
            "certificate_names" => {
                self.certificate_names = integer(value)
                    .filter(|n| (1..=100).contains(n))
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        bad("a whole number from 1 to 100 (100 for Let's Encrypt's classic profile, 25 for tlsserver and shortlived)")
                    })?
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

const WWW_CHOICES: [(&str, WwwPolicy); 3] = [
    ("main_only", WwwPolicy::MainOnly),
    ("always", WwwPolicy::Always),
    ("never", WwwPolicy::Never),
];
const WWW_HELP: &str = "one of main_only, always, never";
const SSL_CHOICES: [(&str, SslPolicy); 5] = [
    ("auto", SslPolicy::Auto),
    ("basic", SslPolicy::Basic),
    ("advanced", SslPolicy::Advanced),
    ("off", SslPolicy::Off),
    // php.ini turns `off` into an empty string.
    ("", SslPolicy::Off),
];
const SSL_HELP: &str = "one of auto, basic, advanced, off";

/// The value among `choices` that `v` names, ignoring case and spaces around.
fn choice<T: Copy>(v: &OptionValue, choices: &[(&str, T)]) -> Option<T> {
    let t = text(v)?.trim().to_ascii_lowercase();
    choices.iter().find(|(name, _)| *name == t).map(|(_, c)| *c)
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
