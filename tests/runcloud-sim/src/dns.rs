//! The simulator's DNS: one table that both its DNS server (UDP, on the same
//! port number as the API) and its Let's Encrypt model read, so a test says
//! once where a name points and the extension's lookups and the certificate
//! orders agree, as they do for real.
//!
//! A name without a record of its own points at the server's address, unless
//! it contains "nodns" (then it has no record at all), so every other name
//! "points here" as in a network whose DNS is in order. All addresses handed
//! out are loopback ones: anything that follows an answer stays on this machine.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CAA};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The simulated server's address (`ipAddress` of `GET /servers/{id}`).
pub const SERVER_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10));

#[derive(Debug, Clone)]
pub struct Dns {
    pub server_ip: IpAddr,
    /// Names (or `*.parent` wildcards) with the addresses set for them; an empty list: no records.
    pub records: BTreeMap<String, Vec<IpAddr>>,
    /// Addresses that forward HTTP to the server (a proxy, a load balancer):
    /// Let's Encrypt's check through them reaches the server.
    pub forwarders: Vec<IpAddr>,
    /// CAA records set at a name: (tag `issue` or `issuewild`, the CA's domain; "" for none).
    pub caa: BTreeMap<String, Vec<(String, String)>>,
    /// Questions answered, for tests.
    pub queries: u64,
    /// How long each answer takes (a slow resolver); zero: at once.
    pub delay: Duration,
}

impl Default for Dns {
    fn default() -> Self {
        Dns {
            server_ip: SERVER_IP,
            records: BTreeMap::new(),
            forwarders: Vec::new(),
            caa: BTreeMap::new(),
            queries: 0,
            delay: Duration::ZERO,
        }
    }
}

impl Dns {
    /// Where `name` points.
    pub fn resolve(&self, name: &str) -> Vec<IpAddr> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if let Some(a) = self.records.get(&name) {
            return a.clone();
        }
        if let Some((_, parent)) = name.split_once('.') {
            if let Some(a) = self.records.get(&format!("*.{parent}")) {
                return a.clone();
            }
        }
        if name.contains("nodns") {
            Vec::new()
        } else {
            vec![self.server_ip]
        }
    }

    /// What Let's Encrypt's HTTP-01 check finds: the name leads to this server.
    /// With an AAAA record it validates over IPv6 and does not fall back to
    /// IPv4, so every AAAA address must lead here; else an A address must.
    pub fn points_here(&self, name: &str) -> bool {
        let found = self.resolve(name);
        let here = |ip: &&IpAddr| **ip == self.server_ip || self.forwarders.contains(ip);
        let v6: Vec<&IpAddr> = found.iter().filter(|ip| ip.is_ipv6()).collect();
        if v6.is_empty() {
            found.iter().any(|ip| here(&ip))
        } else {
            v6.iter().all(here)
        }
    }

    /// Whether the closest CAA set up the tree (RFC 8659) lets Let's Encrypt issue.
    pub fn caa_allows(&self, name: &str) -> bool {
        let mut level = name.trim_end_matches('.').to_ascii_lowercase();
        loop {
            if let Some(set) = self.caa.get(&level).filter(|s| !s.is_empty()) {
                let issue: Vec<&(String, String)> =
                    set.iter().filter(|(tag, _)| tag == "issue").collect();
                return issue.is_empty() || issue.iter().any(|(_, ca)| ca == "letsencrypt.org");
            }
            match level.split_once('.') {
                Some((_, parent)) => level = parent.to_string(),
                None => return true,
            }
        }
    }

    /// The answer to one DNS message, if it is a question.
    pub fn answer(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let q = Message::from_vec(bytes).ok()?;
        if q.metadata.message_type != MessageType::Query {
            return None;
        }
        // A name with "deadns" in it: a nameserver that never answers.
        if q.queries
            .iter()
            .any(|x| x.name().to_ascii().contains("deadns"))
        {
            return None;
        }
        let mut r = Message::response(q.metadata.id, q.metadata.op_code);
        r.metadata.recursion_desired = q.metadata.recursion_desired;
        r.metadata.recursion_available = true;
        for query in &q.queries {
            self.queries += 1;
            r.add_query(query.clone());
            let name = query.name().to_ascii();
            let found = self.resolve(&name);
            if found.is_empty() {
                r.metadata.response_code = ResponseCode::NXDomain;
            }
            if query.query_type() == RecordType::CAA {
                for (tag, ca) in self
                    .caa
                    .get(&name.trim_end_matches('.').to_ascii_lowercase())
                    .into_iter()
                    .flatten()
                {
                    let issuer = Name::from_ascii(ca).ok().filter(|_| !ca.is_empty());
                    let data = if tag == "issuewild" {
                        CAA::new_issuewild(false, issuer, Vec::new())
                    } else {
                        CAA::new_issue(false, issuer, Vec::new())
                    };
                    r.add_answer(Record::from_rdata(
                        query.name().clone(),
                        60,
                        RData::CAA(data),
                    ));
                }
                continue;
            }
            for ip in found {
                let data = match (query.query_type(), ip) {
                    (RecordType::A, IpAddr::V4(v4)) => RData::A(A(v4)),
                    (RecordType::AAAA, IpAddr::V6(v6)) => RData::AAAA(AAAA(v6)),
                    _ => continue,
                };
                r.add_answer(Record::from_rdata(query.name().clone(), 60, data));
            }
        }
        r.to_vec().ok()
    }
}

/// Serves DNS on `socket` (UDP, the API's port number) until the simulator stops.
pub fn serve(socket: UdpSocket, shared: crate::Shared) -> std::io::Result<()> {
    socket.set_read_timeout(Some(Duration::from_millis(200)))?;
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while !shared.stopping.load(Ordering::SeqCst) {
            let Ok((n, from)) = socket.recv_from(&mut buf) else {
                continue;
            };
            let Some(question) = buf.get(..n) else {
                continue;
            };
            let (reply, delay) = shared.with_account(|a| (a.dns.answer(question), a.dns.delay));
            let Some(reply) = reply else { continue };
            if delay.is_zero() {
                let _ = socket.send_to(&reply, from);
            } else if let Ok(later) = socket.try_clone() {
                // Each answer late by itself: questions asked at once are answered at once.
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    let _ = later.send_to(&reply, from);
                });
            }
        }
    });
    Ok(())
}
