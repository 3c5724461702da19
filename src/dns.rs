//! Asks a DNS server directly where a name points (A and AAAA records) and which
//! CAA set applies to it (RFC 8659: the name, then each parent), over UDP, all
//! questions at once on one socket: one round trip.
//!
//! Never through the system's resolver library: servers often map their own
//! names in `/etc/hosts`, which would make a name look as if it pointed here
//! when Let's Encrypt, asking the public DNS, sees something else. The message
//! format is hickory-proto's; the one round trip (two questions, one socket,
//! a deadline) is ours, as no maintained crate offers a blocking one-shot query
//! without its own runtime.

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

/// How long one lookup may take, both questions and every server included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Where DNS questions go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolver {
    pub servers: Vec<SocketAddr>,
    pub timeout: Duration,
}

/// What DNS said of a name: its addresses and the CAA verdict for Let's Encrypt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Examined {
    pub answer: Answer,
    pub caa: crate::caa::Verdict,
}

/// A name's addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Its A and AAAA addresses (after any CNAME chain the server followed).
    Addresses(Vec<IpAddr>),
    /// The name does not exist, or has neither A nor AAAA records.
    Nothing,
}

impl Resolver {
    /// `host:port`, `host` (port 53) or `[v6]:port`, several separated by commas.
    pub fn parse(text: &str) -> Result<Resolver, String> {
        let mut servers = Vec::new();
        for part in text
            .split([',', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let with_port = if part.parse::<IpAddr>().is_ok() {
                // A bare address (v6 ones contain colons of their own).
                match part.parse::<IpAddr>() {
                    Ok(ip) => SocketAddr::new(ip, 53).to_string(),
                    Err(_) => part.to_string(),
                }
            } else if part.contains(':') {
                part.to_string()
            } else {
                format!("{part}:53")
            };
            let addr = with_port
                .parse::<SocketAddr>()
                .ok()
                .or_else(|| with_port.to_socket_addrs().ok().and_then(|mut a| a.next()))
                .ok_or_else(|| {
                    format!(
                        "{part:?} is not a DNS server address such as 192.0.2.53 or 127.0.0.1:5353"
                    )
                })?;
            servers.push(addr);
        }
        if servers.is_empty() {
            return Err("no DNS server given (host:port)".into());
        }
        Ok(Resolver {
            servers,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The system's nameservers from `/etc/resolv.conf`. systemd-resolved's
    /// stub (127.0.0.53) answers from `/etc/hosts` too, so its upstream list
    /// is used instead when there is one.
    pub fn system() -> Result<Resolver, String> {
        let main = read_nameservers("/etc/resolv.conf");
        let stub = |s: &SocketAddr| s.ip() == IpAddr::from([127, 0, 0, 53]);
        let servers = if !main.is_empty() && main.iter().all(stub) {
            let upstream = read_nameservers("/run/systemd/resolve/resolv.conf");
            if upstream.is_empty() {
                main
            } else {
                upstream
            }
        } else {
            main
        };
        if servers.is_empty() {
            return Err(
                "no nameserver in /etc/resolv.conf; set wu_runcloud.resolver (host:port)".into(),
            );
        }
        Ok(Resolver {
            servers,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The A and AAAA records of `name`, and the CAA verdict for it (`wildcard`:
    /// the `issuewild` rules), asked of each server in turn until one answers.
    /// Each server has its share of the time left, so a silent first one
    /// leaves time for the next.
    pub fn examine(&self, name: &str, wildcard: bool) -> Result<Examined, String> {
        let fqdn = |n: &str| {
            Name::from_ascii(format!("{}.", n.trim_end_matches('.')))
                .map_err(|e| format!("{name}: not a DNS name ({e})"))
        };
        let mut questions = vec![
            (fqdn(name.trim_start_matches("*."))?, RecordType::A),
            (fqdn(name.trim_start_matches("*."))?, RecordType::AAAA),
        ];
        let levels = crate::caa::levels(name);
        for level in levels.iter().take(MAX_CAA_LEVELS) {
            questions.push((fqdn(level)?, RecordType::CAA));
        }
        let end = Instant::now() + self.timeout;
        let mut last = String::from("no DNS server configured");
        for (i, server) in self.servers.iter().enumerate() {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let share = left / u32::try_from(self.servers.len() - i).unwrap_or(1).max(1);
            match ask(server, &questions, Instant::now() + share) {
                Ok(replies) => return Ok(examined(&levels, &replies, wildcard)),
                Err(e) => last = format!("DNS server {server}: {e}"),
            }
        }
        Err(last)
    }
}

fn read_nameservers(path: &str) -> Vec<SocketAddr> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|rest| rest.trim().split('%').next()?.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

/// CAA levels asked at most (a name has few labels; this bounds a hostile one).
const MAX_CAA_LEVELS: usize = 8;

/// One question's reply: its records, or the error code it was answered with.
type Reply = Result<Vec<RData>, String>;

/// The addresses and the CAA verdict from the replies to `examine`'s questions
/// (A, AAAA, then one CAA question per level, in that order).
fn examined(levels: &[String], replies: &[Reply], wildcard: bool) -> Examined {
    let mut addresses: Vec<IpAddr> = Vec::new();
    for reply in replies.iter().take(2).flatten() {
        for data in reply {
            match data {
                RData::A(a) => addresses.push(IpAddr::V4(a.0)),
                RData::AAAA(a) => addresses.push(IpAddr::V6(a.0)),
                _ => {}
            }
        }
    }
    addresses.sort();
    addresses.dedup();
    let caa: Vec<crate::caa::Level> = levels
        .iter()
        .zip(replies.iter().skip(2))
        .map(|(level, reply)| {
            let records = reply.as_ref().map(|data| {
                data.iter()
                    .filter_map(|d| match d {
                        RData::CAA(c) => Some(crate::caa::Record {
                            tag: c.tag.clone(),
                            value: String::from_utf8_lossy(&c.value).into_owned(),
                        }),
                        _ => None,
                    })
                    .collect()
            });
            (level.clone(), records.map_err(String::clone))
        })
        .collect();
    Examined {
        answer: if addresses.is_empty() {
            Answer::Nothing
        } else {
            Answer::Addresses(addresses)
        },
        caa: crate::caa::verdict(&caa, wildcard),
    }
}

/// How long an unanswered question waits before it is sent again (UDP may
/// lose a datagram either way); each later wait is twice the one before.
const RESEND_AFTER: Duration = Duration::from_millis(500);

/// Every question to one server on one socket; their replies in the questions'
/// order. The address questions must be answered (NOERROR or NXDOMAIN); a CAA
/// question answered otherwise is kept as its error. A question still
/// unanswered is sent again, so one lost datagram costs half a second, not
/// the server's whole share of the time.
fn ask(
    server: &SocketAddr,
    questions: &[(Name, RecordType)],
    deadline: Instant,
) -> Result<Vec<Reply>, String> {
    let bind: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(bind).map_err(|e| e.to_string())?;
    socket.connect(server).map_err(|e| e.to_string())?;
    let ids = distinct_ids(questions.len())?;
    let mut queries = Vec::with_capacity(questions.len());
    for ((name, rtype), id) in questions.iter().zip(&ids) {
        let mut q = Message::new(*id, MessageType::Query, OpCode::Query);
        q.metadata.recursion_desired = true;
        q.add_query(Query::query(name.clone(), *rtype));
        queries.push(q.to_vec().map_err(|e| e.to_string())?);
    }
    let mut replies: Vec<Option<Reply>> = vec![None; questions.len()];
    let mut buf = [0u8; 4096];
    let mut wait = RESEND_AFTER;
    let mut resend_at = Instant::now();
    while replies.iter().any(Option::is_none) {
        let now = Instant::now();
        if now >= deadline {
            return Err("no answer in time".into());
        }
        if now >= resend_at {
            for (query, reply) in queries.iter().zip(&replies) {
                if reply.is_none() {
                    socket.send(query).map_err(|e| e.to_string())?;
                }
            }
            resend_at = now + wait;
            wait *= 2;
        }
        let left = resend_at
            .min(deadline)
            .saturating_duration_since(Instant::now());
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .map_err(|e| e.to_string())?;
        let n = match socket.recv(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(e) => return Err(e.to_string()),
        };
        let Some(bytes) = buf.get(..n) else { continue };
        // Anything that is not an answer to one of our questions is ignored:
        // its id and its question must both match.
        let Ok(reply) = Message::from_vec(bytes) else {
            continue;
        };
        let Some(i) = ids.iter().position(|id| *id == reply.metadata.id) else {
            continue;
        };
        let Some((name, rtype)) = questions.get(i) else {
            continue;
        };
        let asked = reply
            .queries
            .first()
            .is_some_and(|q| q.name() == name && q.query_type() == *rtype);
        let Some(slot) = replies.get_mut(i).filter(|s| s.is_none() && asked) else {
            continue;
        };
        let is_address = i < 2;
        *slot = Some(match reply.metadata.response_code {
            ResponseCode::NoError | ResponseCode::NXDomain => {
                Ok(reply.answers.iter().map(|r| r.data.clone()).collect())
            }
            other if is_address => return Err(format!("answered {other}")),
            other => Err(format!("answered {other}")),
        });
    }
    Ok(replies
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("no answer".into())))
        .collect())
}

/// `n` query ids no other host can guess (answers are matched on them), no
/// two alike, so every answer finds its own question.
fn distinct_ids(n: usize) -> Result<Vec<u16>, String> {
    let rng = ring::rand::SystemRandom::new();
    let mut ids: Vec<u16> = Vec::with_capacity(n);
    while ids.len() < n {
        let mut b = [0u8; 2];
        ring::rand::SecureRandom::fill(&rng, &mut b)
            .map_err(|_| "no random query id: the system's random source failed".to_string())?;
        let id = u16::from_ne_bytes(b);
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_take_a_port_or_default_to_53() {
        let r = Resolver::parse("127.0.0.1:5353, 192.0.2.1 ,[::1]:53,::1").expect("valid");
        let want: Vec<SocketAddr> = ["127.0.0.1:5353", "192.0.2.1:53", "[::1]:53", "[::1]:53"]
            .iter()
            .map(|s| s.parse().expect("addr"))
            .collect();
        assert_eq!(r.servers, want);
        assert!(Resolver::parse("").is_err());
        assert!(Resolver::parse("not a host!:x").is_err());
    }

    /// A server that drops the first copy of every question and first sends,
    /// for each, an answer with the right id to another question: the resend
    /// gets the answers and the impostor is ignored.
    #[test]
    fn a_lost_datagram_is_asked_again_and_a_mismatched_answer_is_ignored() {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let server = socket.local_addr().expect("addr");
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let served = std::thread::spawn(move || {
            let mut seen = std::collections::HashSet::new();
            let mut buf = [0u8; 1500];
            let mut answered = 0;
            while answered < 5 {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    return answered;
                };
                let q = Message::from_vec(&buf[..n]).expect("a query");
                if seen.insert(q.metadata.id) {
                    continue; // lost on the way
                }
                let mut wrong = Message::new(q.metadata.id, MessageType::Response, OpCode::Query);
                wrong.add_query(Query::query(
                    Name::from_ascii("other.example.").expect("name"),
                    q.queries[0].query_type(),
                ));
                wrong.add_answer(hickory_proto::rr::Record::from_rdata(
                    Name::from_ascii("other.example.").expect("name"),
                    60,
                    RData::A(hickory_proto::rr::rdata::A::new(192, 0, 2, 66)),
                ));
                socket
                    .send_to(&wrong.to_vec().expect("bytes"), from)
                    .expect("send");
                let mut r = Message::new(q.metadata.id, MessageType::Response, OpCode::Query);
                r.add_query(q.queries[0].clone());
                if q.queries[0].query_type() == RecordType::A {
                    r.add_answer(hickory_proto::rr::Record::from_rdata(
                        q.queries[0].name().clone(),
                        60,
                        RData::A(hickory_proto::rr::rdata::A::new(192, 0, 2, 10)),
                    ));
                }
                socket
                    .send_to(&r.to_vec().expect("bytes"), from)
                    .expect("send");
                answered += 1;
            }
            answered
        });
        let resolver = Resolver {
            servers: vec![server],
            timeout: Duration::from_secs(3),
        };
        // Before resends, the first copies' loss meant no answer at all.
        let got = resolver
            .examine("shop.example.com", false)
            .expect("answered");
        assert_eq!(
            got.answer,
            Answer::Addresses(vec!["192.0.2.10".parse().expect("ip")])
        );
        assert_eq!(got.caa, crate::caa::Verdict::Allowed);
        assert_eq!(served.join().expect("server"), 5);
    }

    #[test]
    fn query_ids_are_distinct() {
        let ids = distinct_ids(300).expect("random");
        let set: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(set.len(), 300);
    }

    #[test]
    fn nameservers_are_read_with_scope_ids_dropped() {
        let dir = crate::test_dir("dns");
        std::fs::create_dir_all(&dir).expect("dir");
        let f = dir.join("resolv.conf");
        std::fs::write(
            &f,
            "# comment\nnameserver 10.0.0.2\nsearch x\nnameserver fe80::1%eth0\n",
        )
        .expect("write");
        let got = read_nameservers(f.to_str().expect("utf-8"));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], "10.0.0.2:53".parse().expect("addr"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
