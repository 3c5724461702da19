//! Let's Encrypt's limits kept, never hit: against the simulator with its
//! Let's Encrypt limits on (it refuses and counts what Let's Encrypt would),
//! no order is ever refused. The certificate never goes past 100 names, the
//! weekly budget of the network's domain is spaced and owed, and a sixth
//! order of one set is refused here before it is sent.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod common;

use common::*;
use runcloud_sim::{Sim, SEED_APP, SEED_SERVER};
use wu_runcloud::config::{Config, SslBatch, WwwPolicy};
use wu_runcloud::flows::{AddOutcome, NameKind, SslStatus};
use wu_runcloud::le_limits::WEEK;

fn limited_sim() -> Sim {
    let sim = sim();
    reset_app(&sim, "basic");
    sim.shared().with_account(|a| a.le.limits = true);
    sim
}

/// Each add its own request, with its certificate step at once.
fn per_request(sim: &Sim) -> Config {
    let mut c = config_v3(sim);
    c.options.ssl_batch = SslBatch::Off;
    c
}

fn add(config: &Config, n: &str) -> AddOutcome {
    flows(config)
        .expect("flows")
        .add(&name(n), NameKind::Mapped)
        .expect("add")
}

/// Adds `n`, which must get onto the certificate at once.
fn added_redeployed(config: &Config, n: &str) {
    let out = add(config, n);
    assert_eq!(
        out.ssl.status,
        SslStatus::Redeployed,
        "{n}: {}",
        out.ssl.message
    );
}

fn refused(sim: &Sim) -> u64 {
    sim.shared().with_account(|a| a.le.refused.values().sum())
}

/// The names of the last certificate issued.
fn last_certificate(sim: &Sim) -> Vec<String> {
    sim.shared()
        .with_account(|a| a.le.issued.last().map(|(_, s)| s.clone()))
        .unwrap_or_default()
}

fn issued(sim: &Sim) -> usize {
    sim.shared().with_account(|a| a.le.issued.len())
}

/// A week passes for the extension's ledger (its times moved back) and for
/// the simulator's Let's Encrypt (its clock moved on).
fn a_week_passes(sim: &Sim, config: &Config) {
    sim.shared().with_account(|a| a.le.offset += WEEK + 60);
    let file = config
        .options
        .state_dir
        .clone()
        .expect("dir")
        .join("ledger");
    let text = std::fs::read_to_string(&file).expect("a ledger");
    let moved: String = text
        .lines()
        .map(|l| {
            let (at, rest) = l.split_once(' ').expect("a line");
            format!("{} {rest}\n", at.parse::<u64>().expect("time") - WEEK - 60)
        })
        .collect();
    std::fs::write(&file, moved).expect("written");
}

#[test]
fn a_full_certificate_takes_no_more_names_and_says_why() {
    let sim = limited_sim();
    // The primary, and 48 customer domains with their www twins: 97 names.
    sim.shared().with_account(|a| {
        for i in 0..48 {
            a.add_domain(SEED_SERVER, SEED_APP, &format!("customer{i}.com"), false);
            let app = a.app_mut(SEED_SERVER, SEED_APP).expect("app");
            app.domains.last_mut().expect("added").www = true;
        }
    });
    let config = per_request(&sim);
    added_redeployed(&config, "new0.com");
    assert_eq!(last_certificate(&sim).len(), 99);
    for n in ["new1.com", "new2.com", "new3.com"] {
        let out = add(&config, n);
        assert_eq!(out.ssl.status, SslStatus::CertificateFull, "{n}");
        assert!(!out.created && out.id.is_none());
        let m = &out.ssl.message;
        assert!(m.starts_with("certificate full:"), "{m}");
        assert!(m.contains("has 99 names and would need 101"), "{m}");
        assert!(
            m.contains("at most 100") && m.contains("wp runcloud ssl --advanced"),
            "{m}"
        );
        assert!(!sim
            .shared()
            .domain_names(SEED_SERVER, SEED_APP)
            .contains(&n.to_string()));
    }
    assert_eq!(issued(&sim), 1, "no order for a name that was not added");
    assert_eq!(refused(&sim), 0);
    // A name removed makes room: the census follows this worker's own changes.
    assert!(flows(&config)
        .unwrap()
        .remove(&name("customer0.com"))
        .unwrap());
    let out = add(&config, "new1.com");
    assert_eq!(out.ssl.status, SslStatus::Redeployed, "{}", out.ssl.message);
    assert_eq!(last_certificate(&sim).len(), 99);
    assert_eq!(refused(&sim), 0);
}

/// The app's basic certificate under a profile of 25 names: with the setting
/// the 26th name is refused here, saying so; without it Let's Encrypt refuses
/// the order (and RunCloud's whole certificate fails with it).
#[test]
fn a_certificate_of_a_shorter_profile_takes_at_most_its_25_names() {
    let sim = limited_sim();
    sim.shared().with_account(|a| {
        a.le.max_names = Some(25);
        // The primary and 11 customer domains with their www twins: 23 names.
        for i in 0..11 {
            a.add_domain(SEED_SERVER, SEED_APP, &format!("customer{i}.com"), false);
            let app = a.app_mut(SEED_SERVER, SEED_APP).expect("app");
            app.domains.last_mut().expect("added").www = true;
        }
    });
    let mut config = per_request(&sim);
    config.options.certificate_names = 25;
    added_redeployed(&config, "new0.com");
    assert_eq!(last_certificate(&sim).len(), 25);
    let out = add(&config, "new1.com");
    assert_eq!(
        out.ssl.status,
        SslStatus::CertificateFull,
        "{}",
        out.ssl.message
    );
    assert!(
        out.ssl.message.contains("has 25 names and would need 27")
            && out.ssl.message.contains("at most 25"),
        "{}",
        out.ssl.message
    );
    assert!(!out.created);
    assert_eq!(refused(&sim), 0, "nothing refused by Let's Encrypt");

    // The same app with the classic profile's 100 assumed: the order is refused.
    config.options.certificate_names = 100;
    let over = add(&config, "new2.com");
    assert!(over.created, "taken on, as 27 < 100");
    assert_eq!(
        sim.shared()
            .with_account(|a| a.le.refused.get("names").copied()),
        Some(1),
        "refused by Let's Encrypt for too many names"
    );
}

#[test]
fn sixty_mappings_one_per_request_never_pass_the_weekly_limit() {
    let sim = limited_sim();
    let mut config = per_request(&sim);
    // One name a mapping, so that 61 fit on one certificate.
    config.options.www = WwwPolicy::Never;
    let mut certified = 0;
    let mut owed = Vec::new();
    for i in 0..60 {
        let n = format!("shop{i}.com");
        let out = add(&config, &n);
        match out.ssl.status {
            SslStatus::Redeployed => certified += 1,
            SslStatus::Deferred(until) => {
                assert!(until > wu_runcloud::clock::now());
                assert!(
                    out.ssl.message.contains("weekly limit, next order at "),
                    "{}",
                    out.ssl.message
                );
                owed.push(n);
            }
            other => panic!("{n}: {other:?} {}", out.ssl.message),
        }
    }
    assert_eq!(refused(&sim), 0, "no order refused by Let's Encrypt");
    assert!(certified >= 10 && !owed.is_empty(), "{certified} certified");
    assert_eq!(issued(&sim), certified);
    let on_disk = wu_runcloud::ssl_batch::owed::read(&config);
    for n in &owed {
        assert!(on_disk.contains(n), "{n} owed on disk");
    }
    // Nothing more goes out before its time, whoever asks at a request's end.
    let f = flows(&config).unwrap();
    assert!(!f.owed_order_due());
    a_week_passes(&sim, &config);
    assert!(f.owed_order_due());
    let debt = f.owed_redeploy().unwrap().expect("basic");
    let paid = f.redeploy_owed(&debt).expect("paid");
    assert_eq!(paid.status, SslStatus::Redeployed, "{}", paid.message);
    let cert = last_certificate(&sim);
    for i in 0..60 {
        assert!(
            cert.contains(&format!("shop{i}.com")),
            "shop{i}.com certified"
        );
    }
    assert!(wu_runcloud::ssl_batch::owed::read(&config).is_empty());
    assert_eq!(refused(&sim), 0);
}

#[test]
fn seven_forced_redeploys_of_an_unchanged_app_send_at_most_five() {
    let sim = limited_sim();
    let config = per_request(&sim);
    let mut sent = 0;
    let mut said = Vec::new();
    for _ in 0..7 {
        match flows(&config).unwrap().redeploy_ssl() {
            Ok(o) => {
                assert_eq!(o.status, SslStatus::Redeployed);
                sent += 1;
            }
            Err(e) => said.push(e.to_string()),
        }
    }
    assert_eq!(sent, 5);
    assert_eq!(issued(&sim), 5);
    assert_eq!(refused(&sim), 0);
    assert_eq!(said.len(), 2);
    assert!(
        said[0].starts_with("not sent: weekly limit, next order at ")
            && said[0].contains("certified 5 times in 7 days"),
        "{}",
        said[0]
    );
}
