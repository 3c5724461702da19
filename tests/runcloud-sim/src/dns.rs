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
use hickory_proto::rr::rdata::{A, AAAA};
use hickory_proto::rr::{RData, Record, RecordType};
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
    /// Questions answered, for tests.
    pub queries: u64,
}

impl Default for Dns {
    fn default() -> Self {
        Dns {
            server_ip: SERVER_IP,
            records: BTreeMap::new(),
            forwarders: Vec::new(),
            queries: 0,
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
    pub fn points_here(&self, name: &str) -> bool {
        self.resolve(name)
            .iter()
            .any(|ip| *ip == self.server_ip || self.forwarders.contains(ip))
    }

    /// The answer to one DNS message, if it is a question.
    pub fn answer(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let q = Message::from_vec(bytes).ok()?;
        if q.metadata.message_type != MessageType::Query {
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
            let reply = shared.with_account(|a| a.dns.answer(question));
            if let Some(reply) = reply {
                let _ = socket.send_to(&reply, from);
            }
        }
    });
    Ok(())
}
