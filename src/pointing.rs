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

use crate::caa::Verdict;
use crate::dns::{Answer, Resolver};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The probe's path prefix.
pub const PROBE_PATH: &str = "/.well-known/wu-runcloud-probe/";
/// How long a token is answered.
pub const TOKEN_LIFE: Duration = Duration::from_secs(120);
const PROBE_TIMEOUT: Duration = Duration::from_secs(4);
/// The most a probe answer may weigh: the answer is 64 hex characters.
const PROBE_MAX_BODY: u64 = 4096;
/// The most addresses of one name the probe asks (each must reach this network).
const PROBE_MAX_ADDRESSES: usize = 4;

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
    /// Some records are this server's and others not: Let's Encrypt may
    /// validate through any of them (over IPv6 first when there is an AAAA
    /// record, with no fallback to IPv4), so the name fails.
    Partly {
        here: Vec<IpAddr>,
        elsewhere: Vec<IpAddr>,
    },
    /// It points here, but its CAA records do not let Let's Encrypt issue.
    CaaForbids {
        at: String,
        issuers: Vec<String>,
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
            Pointing::Partly { elsewhere, .. } if elsewhere.iter().any(IpAddr::is_ipv6) => format!(
                "AAAA record elsewhere: {name} has the AAAA record {}, not this server's ({}); Let's Encrypt validates over IPv6 when a name has one and does not fall back to IPv4: remove that record or point it here",
                list(&elsewhere.iter().copied().filter(IpAddr::is_ipv6).collect::<Vec<_>>()),
                list(server)
            ),
            Pointing::Partly { elsewhere, .. } => format!(
                "A record elsewhere: {name} also points at {}, not at this server ({}); Let's Encrypt may validate through it: remove that record or point it here",
                list(elsewhere),
                list(server)
            ),
            Pointing::CaaForbids { at, issuers } => format!(
                "CAA allows only {} (the CAA records of {at}): Let's Encrypt may not issue a certificate for {name}; add the record `{at}. CAA 0 issue \"letsencrypt.org\"`",
                if issuers.is_empty() { "no CA".to_string() } else { issuers.join(", ") }
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
    /// Whether it may connect to loopback and private addresses: only this
    /// crate's own tests, whose "proxies" are on loopback. Never an option of
    /// PHP's: Let's Encrypt cannot reach such an address, so a probe that
    /// passed through one would prove nothing, and would let a name that
    /// points at 127.0.0.1 "reach" this very server.
    pub private_targets: bool,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Probe {{ port: {} }}", self.port)
    }
}

fn now_secs() -> u64 {
    crate::clock::now()
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
            private_targets: false,
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
        if self.port == 0 || !(self.private_targets || is_public(address)) {
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
        let Some(resp) = client
            .get(url)
            .send()
            .ok()
            .filter(|r| r.status().is_success())
        else {
            return false;
        };
        // At most a few KB are read, whatever the other end sends.
        let mut body = String::new();
        use std::io::Read;
        let read = resp.take(PROBE_MAX_BODY + 1).read_to_string(&mut body);
        read.is_ok() && body.len() as u64 <= PROBE_MAX_BODY && body.trim() == expected
    }
}

/// An address Let's Encrypt could reach on the public Internet: not loopback,
/// private, link-local, unspecified, multicast, shared (CGN), documentation or
/// unique-local. The probe connects to nothing else.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Checks `name` as Let's Encrypt would judge it here: every A and AAAA
/// record must be an address of the server (`server`: RunCloud's, or those
/// `WU_RUNCLOUD_SERVER_IP` lists, forwarders included), else, when every
/// record is elsewhere, the probe must reach this network through each of
/// them; and the closest CAA set must allow Let's Encrypt. One DNS round trip.
pub fn check(
    name: &str,
    server: &[IpAddr],
    resolver: &Resolver,
    probe: Option<&Probe>,
) -> Pointing {
    let examined = match resolver.examine(name, name.starts_with("*.")) {
        Ok(e) => e,
        Err(e) => return Pointing::Unknown(e),
    };
    let addresses = match examined.answer {
        Answer::Addresses(a) => a,
        Answer::Nothing => return Pointing::NoRecords,
    };
    let (here, elsewhere): (Vec<IpAddr>, Vec<IpAddr>) =
        addresses.iter().partition(|a| server.contains(a));
    let via = if elsewhere.is_empty() {
        Via::Dns
    } else if !here.is_empty() {
        return Pointing::Partly { here, elsewhere };
    } else if probe.is_some_and(|p| {
        addresses.len() <= PROBE_MAX_ADDRESSES && addresses.iter().all(|a| p.reaches_us(name, *a))
    }) {
        Via::Probe
    } else {
        return Pointing::Elsewhere { addresses };
    };
    match examined.caa {
        Verdict::Allowed => Pointing::Here { via, addresses },
        Verdict::Forbids { at, issuers } => Pointing::CaaForbids { at, issuers },
        Verdict::Unknown(why) => Pointing::Unknown(why),
    }
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
    fn the_probe_targets_public_addresses_only() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in ["203.0.114.1", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
        let p = Probe::new(b"k", 80);
        for target in ["127.0.0.1", "10.0.0.1", "169.254.169.254", "0.0.0.0"] {
            assert!(
                !p.reaches_us("shop.com", target.parse().expect("ip")),
                "{target}"
            );
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
