//! Whether a name can pass Let's Encrypt's HTTP-01 check here: its DNS points
//! at this server, or, for a name behind a proxy (Cloudflare), an HTTP request
//! for it reaches this network's WordPress.
//!
//! The probe. A token `<unix time>-<random>` is asked for at
//! `http://<name>/.well-known/wu-runcloud-probe/<token>`, sent to the address
//! DNS gave for the name, on port 80 (as Let's Encrypt does). The glue answers
//! `HMAC-SHA256(key, token)`, the key derived from the RunCloud credentials that
//! every worker of this network has and no one else does; a token older than
//! two minutes gets a 404. A right answer proves: a plain-HTTP request for this
//! name, sent where public DNS says, reached a PHP process of this network. It
//! does not prove that every vantage point of Let's Encrypt sees the same, nor
//! anything about HTTPS. The endpoint answers any host name alike, with no
//! version or name in its answer, so it tells nothing about the network.
//!
//! Basic mode never adds a name to probe it: an added name joins the one
//! certificate every site shares at its next redeploy or renewal, in another
//! worker too, and a name that fails there fails it for everyone. So a probe of
//! a name not on the app passes only where the app already serves unknown
//! names (RunCloud's "default web application"); elsewhere the name waits for
//! DNS, which is the safe direction.

use crate::dns::{Answer, Resolver};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The probe's path prefix.
pub const PROBE_PATH: &str = "/.well-known/wu-runcloud-probe/";
/// How long a token is answered.
pub const TOKEN_LIFE: Duration = Duration::from_secs(120);
const PROBE_TIMEOUT: Duration = Duration::from_secs(4);

/// How a name was found to point here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Dns,
    Probe,
}

/// What the check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pointing {
    Here {
        via: Via,
        addresses: Vec<IpAddr>,
    },
    /// Its records hold other addresses (and the probe did not reach us).
    Elsewhere {
        addresses: Vec<IpAddr>,
    },
    /// No A or AAAA record (or no such name).
    NoRecords,
    /// DNS did not answer: nothing is known.
    Unknown(String),
}

impl Pointing {
    pub fn points(&self) -> bool {
        matches!(self, Pointing::Here { .. })
    }

    /// One line for logs and results.
    pub fn describe(&self, name: &str, server: &[IpAddr]) -> String {
        let list = |a: &[IpAddr]| {
            a.iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Pointing::Here { via: Via::Dns, .. } => {
                format!("{name} points at this server ({})", list(server))
            }
            Pointing::Here { via: Via::Probe, addresses } => format!(
                "{name} points at {} (a proxy): an HTTP request for it reached this network",
                list(addresses)
            ),
            Pointing::Elsewhere { addresses } => format!(
                "{name} points at {}, not at this server ({}): Let's Encrypt could not validate it here",
                list(addresses),
                list(server)
            ),
            Pointing::NoRecords => format!(
                "{name} has no A or AAAA record yet: point it at this server ({})",
                list(server)
            ),
            Pointing::Unknown(why) => format!("{name}: DNS did not answer ({why})"),
        }
    }
}

/// The probe's secret and where it connects.
#[derive(Clone)]
pub struct Probe {
    key: ring::hmac::Key,
    pub port: u16,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Probe {{ port: {} }}", self.port)
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Probe {
    /// `secret` is every form of the credentials joined: only this network has it.
    pub fn new(secret: &[u8], port: u16) -> Probe {
        // A key of its own, so the answers say nothing of the credentials' other uses.
        let root = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        let derived = ring::hmac::sign(&root, b"wu_runcloud http probe v1");
        Probe {
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, derived.as_ref()),
            port,
        }
    }

    /// A fresh token: the time and 16 random bytes.
    pub fn token(&self) -> String {
        let mut r = [0u8; 16];
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut r);
        format!("{}-{}", now_secs(), hex(&r))
    }

    /// The endpoint's answer to `token`, or `None` (404) for a malformed or
    /// expired one. The HMAC is computed either way: the time an answer takes
    /// does not tell a valid token from another.
    pub fn answer(&self, token: &str) -> Option<String> {
        let mac = hex(ring::hmac::sign(&self.key, token.as_bytes()).as_ref());
        let (time, random) = token.split_once('-')?;
        let time: u64 = time.parse().ok()?;
        let fresh = now_secs().abs_diff(time) <= TOKEN_LIFE.as_secs();
        let shaped = random.len() == 32 && random.bytes().all(|b| b.is_ascii_hexdigit());
        (fresh && shaped).then_some(mac)
    }

    /// Asks `name` at `address` for a fresh token: whether this network answered.
    pub fn reaches_us(&self, name: &str, address: IpAddr) -> bool {
        if self.port == 0 {
            return false;
        }
        let token = self.token();
        let Some(expected) = self.answer(&token) else {
            return false;
        };
        let client = reqwest::blocking::Client::builder()
            .resolve(name, SocketAddr::new(address, self.port))
            .timeout(PROBE_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build();
        let Ok(client) = client else { return false };
        let url = format!("http://{name}:{}{PROBE_PATH}{token}", self.port);
        client
            .get(url)
            .send()
            .ok()
            .filter(|r| r.status().is_success())
            .and_then(|r| r.text().ok())
            .is_some_and(|body| body.trim() == expected)
    }
}

/// Checks `name` against the server's addresses: DNS first, then the probe
/// (at most two of the name's addresses) when DNS points elsewhere.
pub fn check(
    name: &str,
    server: &[IpAddr],
    resolver: &Resolver,
    probe: Option<&Probe>,
) -> Pointing {
    let addresses = match resolver.lookup(name) {
        Ok(Answer::Addresses(a)) => a,
        Ok(Answer::Nothing) => return Pointing::NoRecords,
        Err(e) => return Pointing::Unknown(e),
    };
    if addresses.iter().any(|a| server.contains(a)) {
        return Pointing::Here {
            via: Via::Dns,
            addresses,
        };
    }
    if let Some(p) = probe {
        if addresses.iter().take(2).any(|a| p.reaches_us(name, *a)) {
            return Pointing::Here {
                via: Via::Probe,
                addresses,
            };
        }
    }
    Pointing::Elsewhere { addresses }
}

/// `ipAddress` (and `ipv6Address`, if RunCloud sends one) of `GET /servers/{id}`.
pub fn server_addresses(server: &serde_json::Value) -> Vec<IpAddr> {
    ["ipAddress", "ipv6Address", "ip_address"]
        .iter()
        .filter_map(|k| server.get(*k)?.as_str()?.trim().parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_answered_only_while_fresh_and_only_with_the_right_key() {
        let p = Probe::new(b"secret-a", 80);
        let t = p.token();
        let a = p.answer(&t).expect("fresh");
        assert_eq!(a.len(), 64);
        assert_eq!(p.answer(&t), Some(a.clone()), "stable for the same token");
        assert_ne!(Probe::new(b"secret-b", 80).answer(&t), Some(a));
        let old = format!("{}-{}", now_secs() - 600, "0".repeat(32));
        assert_eq!(p.answer(&old), None, "expired");
        for bad in ["", "x", "123", "abc-def", &format!("{}-short", now_secs())] {
            assert_eq!(p.answer(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_server_address_comes_from_runcloud_s_field() {
        let v = serde_json::json!({"id": 1, "ipAddress": "203.0.113.10"});
        assert_eq!(server_addresses(&v), vec![IpAddr::from([203, 0, 113, 10])]);
        assert!(server_addresses(&serde_json::json!({"ipAddress": "n/a"})).is_empty());
    }

    #[test]
    fn the_description_names_both_sides() {
        let server = [IpAddr::from([127, 0, 0, 10])];
        let e = Pointing::Elsewhere {
            addresses: vec![IpAddr::from([192, 0, 2, 1])],
        };
        let d = e.describe("shop.com", &server);
        assert!(d.contains("192.0.2.1") && d.contains("127.0.0.10"), "{d}");
        assert!(!e.points());
    }
}
