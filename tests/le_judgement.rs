//! Names judged as Let's Encrypt judges them, before they join the certificate
//! every site shares: every A and AAAA record must be this server's, the closest
//! CAA set must allow Let's Encrypt, the probe reaches only public addresses and
//! reads a few KB, and a server whose address is unknown lets nothing on unchecked.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod common;

use common::*;
use runcloud_sim::{Sim, SEED_APP, SEED_SERVER};
use wu_runcloud::config::Config;
use wu_runcloud::flows::{AddOutcome, NameKind, SslStatus};

fn add(config: &Config, n: &str) -> AddOutcome {
    common::flows(config)
        .expect("m")
        .add(&name(n), NameKind::Mapped)
        .expect("add")
}

fn on_app(sim: &Sim, n: &str) -> bool {
    sim.shared()
        .domain_names(SEED_SERVER, SEED_APP)
        .iter()
        .any(|d| d == n)
}

fn refused_orders(sim: &Sim) -> u64 {
    sim.shared().app_json(SEED_SERVER, SEED_APP)["ssl"]["refused_orders"]
        .as_u64()
        .unwrap()
}

/// `held.0` waits off the app with its cause (`held.1`) in the result; `fine`
/// is certified; no order was refused.
fn held_then_other_certified(sim: &Sim, config: &Config, held: (&str, &str), fine: &str) {
    let out = add(config, held.0);
    assert_eq!(out.ssl.status, SslStatus::WaitingDns, "{}", out.ssl.message);
    assert!(out.ssl.message.contains(held.1), "{}", out.ssl.message);
    assert!(!on_app(sim, held.0));
    let out = add(config, fine);
    assert_eq!(out.ssl.status, SslStatus::Redeployed, "{}", out.ssl.message);
    assert_eq!(refused_orders(sim), 0);
}

/// Basic mode, one add a request (no batch): an order goes out for each certified name.
fn unbatched(sim: &Sim) -> Config {
    let mut c = config_v3(sim);
    c.options.ssl_batch = wu_runcloud::config::SslBatch::Off;
    c
}

#[test]
fn an_aaaa_record_elsewhere_holds_the_name_and_says_so() {
    let sim = sim();
    let config = unbatched(&sim);
    // A points here, AAAA elsewhere: Let's Encrypt validates over IPv6 and fails.
    sim.shared().with_account(|a| {
        a.dns.records.insert(
            "v6-elsewhere.com".into(),
            vec!["127.0.0.10".parse().unwrap(), "::1".parse().unwrap()],
        )
    });
    held_then_other_certified(
        &sim,
        &config,
        ("v6-elsewhere.com", "AAAA record elsewhere"),
        "all-here.com",
    );
}

#[test]
fn a_caa_set_that_forbids_lets_encrypt_holds_the_name_and_says_so() {
    let sim = sim();
    let config = unbatched(&sim);
    sim.shared().with_account(|a| {
        a.dns.caa.insert(
            "caa-other.com".into(),
            vec![("issue".into(), "pki.goog".into())],
        );
        a.dns.caa.insert(
            "caa-le.com".into(),
            vec![("issue".into(), "letsencrypt.org".into())],
        );
    });
    // The set at the parent applies to the name below it.
    held_then_other_certified(
        &sim,
        &config,
        ("shop.caa-other.com", "CAA allows only pki.goog"),
        "shop.caa-le.com",
    );
}

#[test]
fn the_probe_never_targets_loopback_or_private_addresses_nor_reads_a_large_body() {
    let sim = sim();
    let config = config_v3(&sim);
    // A name whose A record is 127.0.0.1 would "reach" this very server: never probed.
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = asked.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(s);
        }
    });
    let mut probing = config.clone();
    probing.options.probe_port = port;
    for (n, ip) in [("lo.com", "127.0.0.1"), ("lan.com", "127.0.0.77")] {
        sim.shared()
            .with_account(|a| a.dns.records.insert(n.into(), vec![ip.parse().unwrap()]));
        assert_eq!(add(&probing, n).ssl.status, SslStatus::WaitingDns);
    }
    assert_eq!(
        asked.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no connection was made"
    );

    // Where the test lets the probe reach loopback: a right answer buried in 5 KB is refused.
    let big = wu_runcloud::flows::probe_for(&config, 80);
    let port = probe_server("127.0.0.80", move |t| {
        big.answer(t).map(|a| format!("{a}{}", " ".repeat(5000)))
    });
    probing.options.probe_port = port;
    probing.options.probe_private = true;
    sim.shared().with_account(|a| {
        a.dns
            .records
            .insert("padded.com".into(), vec!["127.0.0.80".parse().unwrap()])
    });
    assert_eq!(
        add(&probing, "padded.com").ssl.status,
        SslStatus::WaitingDns
    );
}

#[test]
fn an_unknown_server_address_lets_no_name_on_unchecked() {
    let sim = sim();
    let mut config = config_v3(&sim);
    config.server_ips.clear();
    sim.shared()
        .with_account(|a| a.dns.server_ip = std::net::IpAddr::from([0, 0, 0, 0]));
    let held = add(&config, "unchecked.com");
    assert_eq!(
        held.ssl.status,
        SslStatus::WaitingDns,
        "{}",
        held.ssl.message
    );
    assert!(
        held.ssl.message.contains("the server's address is unknown"),
        "{}",
        held.ssl.message
    );
    assert!(!on_app(&sim, "unchecked.com"));
}

#[test]
fn a_silent_nameserver_gives_way_to_the_next() {
    let sim = sim();
    let mut config = config_v3(&sim);
    // The first nameserver never answers; the simulator's answers second, within the time.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let dead = silent.local_addr().unwrap();
    let live = config
        .options
        .resolver
        .clone()
        .expect("the simulator's resolver");
    let mut servers = vec![dead];
    servers.extend(live.servers);
    config.options.resolver = Some(wu_runcloud::dns::Resolver {
        servers,
        timeout: live.timeout,
    });
    let out = add(&config, "second-server.com");
    assert!(
        out.dns.as_ref().is_some_and(|d| d.pointing.points()),
        "{:?}",
        out.dns
    );
    assert_eq!(out.ssl.status, SslStatus::Redeployed, "{}", out.ssl.message);
    drop(silent);
}
