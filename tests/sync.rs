//! sync(): the network's names against an app of a few thousand domains that
//! ignores `search`, under a rate limit; a dry run changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

mod common;

use common::*;
use runcloud_sim::{SEED_APP, SEED_SERVER};
use std::time::Duration;
use wu_runcloud::domain::DomainName;
use wu_runcloud::sync::{sync, SyncOptions};

#[test]
fn a_big_app_is_reconciled_in_chunks_without_removing_what_the_network_does_not_list() {
    let sim = sim();
    // Advanced SSL: a basic app's one certificate could never hold 3,000 names
    // (Let's Encrypt's 100; such an add is refused, tests/le_budget.rs).
    reset_app(&sim, "advanced");
    sim.shared().with_account(|a| {
        for i in 1..=3000 {
            a.add_domain(
                SEED_SERVER,
                SEED_APP,
                &format!("site{i:04}.example.com"),
                false,
            );
        }
        a.add_domain(SEED_SERVER, SEED_APP, "admins-own.com", false);
        a.add_domain(SEED_SERVER, SEED_APP, "*.wild.test", false);
    });
    sim.shared().set_ignore_search(true);
    // RunCloud's 60 a minute, scaled down: 60 a second.
    sim.shared()
        .set_rate_limit(60, Duration::from_secs(1), true, false);
    wu_runcloud::api::reset_rate_state();
    let mut config = config_v3(&sim);
    config.options.timeout = Duration::from_secs(60);

    // The network: 2,990 of the app's names, 20 new ones, names the app serves otherwise.
    let mut names: Vec<String> = (1..=2990)
        .map(|i| format!("site{i:04}.example.com"))
        .collect();
    names.extend((1..=20).map(|i| format!("new{i:02}-example.org")));
    names.extend(["alice.wild.test", "network.test", "not a name"].map(String::from));

    sim.shared().clear_requests();
    let dry = sync(
        &common::flows(&config).expect("client"),
        &names,
        &SyncOptions {
            limit: 50,
            ..Default::default()
        },
    )
    .expect("dry run");
    let log = sim.shared().requests();
    assert!(
        log.iter().all(|l| l.method == "GET"),
        "a dry run changes nothing"
    );
    assert_eq!(log.iter().filter(|l| l.status == 429).count(), 0, "no 429");
    assert_eq!(dry.plan.to_add.len(), 20);
    assert_eq!(dry.plan.in_step, 2990);
    assert_eq!(dry.remaining, 20);
    assert!(dry.plan.unknown.contains(&"admins-own.com".to_string()));
    assert_eq!(
        dry.plan
            .unknown
            .iter()
            .filter(|n| n.starts_with("site"))
            .count(),
        10
    );
    let skipped: Vec<&str> = dry.plan.skipped.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(skipped, ["alice.wild.test", "network.test", "not a name"]);
    println!("dry run over 76 pages: {} requests", log.len());

    // Applied, 8 changes a call: three chunks, one certificate update each.
    let mut rounds = 0;
    loop {
        sim.shared().clear_requests();
        let r = apply_8(&config, &names, Vec::new()).expect("chunk");
        rounds += 1;
        // Each new name's own certificate (each its own registered domain).
        let orders = sim
            .shared()
            .requests()
            .iter()
            .filter(|l| l.method == "POST" && l.path.ends_with("/ssl"))
            .count();
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        if r.added.is_empty() {
            assert_eq!(r.remaining, 0);
            assert_eq!(orders, 0, "nothing added, nothing ordered");
            break;
        }
        assert!(r.added.len() <= 8);
        assert_eq!(orders, r.added.len(), "one certificate a new name");
        assert!(rounds < 5, "it converges");
    }
    assert_eq!(rounds, 4, "8 + 8 + 4, then nothing left");
    let on_app = sim.shared().domain_names(SEED_SERVER, SEED_APP);
    assert!(
        on_app.contains(&"admins-own.com".to_string()),
        "never removed unasked"
    );
    assert!((1..=20).all(|i| on_app.contains(&format!("new{i:02}-example.org"))));
    assert!(
        !on_app.contains(&"alice.wild.test".to_string()),
        "the wildcard serves it"
    );

    // Removal only of the exact names asked for; the primary never.
    let remove = ["site2999.example.com", "network.test"]
        .map(|n| DomainName::parse(n).expect("n"))
        .to_vec();
    let r = apply_8(&config, &names, remove).expect("remove");
    assert_eq!(r.removed, ["site2999.example.com"]);
    let on_app = sim.shared().domain_names(SEED_SERVER, SEED_APP);
    assert!(!on_app.contains(&"site2999.example.com".to_string()));
    assert!(on_app.contains(&"site3000.example.com".to_string()));
    assert!(on_app.contains(&"network.test".to_string()));
    assert_eq!(
        sim.shared()
            .requests()
            .iter()
            .filter(|l| l.status == 429)
            .count(),
        0
    );
    an_app_that_cannot_be_read_fails_the_call();
}

/// Run after the big sync, never beside it: the rate-limit state is the process's,
/// and another simulator's headers would make the walk above misjudge its budget.
fn an_app_that_cannot_be_read_fails_the_call() {
    let sim = sim();
    let mut config = config_v3(&sim);
    config.app_id = 999_999;
    let err = sync(
        &common::flows(&config).expect("client"),
        &["a.com".into()],
        &SyncOptions::default(),
    )
    .expect_err("no app");
    assert_eq!(err.status_code(), 404);
}

/// One applied chunk of at most 8 changes, removing `remove`.
fn apply_8(
    config: &wu_runcloud::config::Config,
    names: &[String],
    remove: Vec<DomainName>,
) -> wu_runcloud::Result<wu_runcloud::sync::SyncReport> {
    let options = SyncOptions {
        apply: true,
        limit: 8,
        remove,
    };
    sync(&common::flows(config).expect("client"), names, &options)
}
