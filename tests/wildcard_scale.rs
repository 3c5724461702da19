//! The wildcard question at network scale: on an app holding 10,000 site
//! names under one parent, an add asks two narrow questions (O(1) requests),
//! never the whole list; a wildcard row added in RunCloud's panel, in either
//! spelling, is honoured by the next request of any worker.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod common;

use common::*;
use runcloud_sim::{Sim, SEED_APP, SEED_SERVER};
use wu_runcloud::flows::{AppFlows, NameKind};
use wu_runcloud::worker::Worker;

fn big_network(ssl: &str) -> Sim {
    let sim = sim();
    reset_app(&sim, ssl);
    sim.shared().with_account(|a| {
        for i in 1..=10_000 {
            a.add_domain(
                SEED_SERVER,
                SEED_APP,
                &format!("site{i:05}.network.test"),
                false,
            );
        }
    });
    sim
}

/// A new site's name added by `worker` in a request of its own: the requests it cost and
/// the wildcard that covered it.
fn add_site(sim: &Sim, worker: &Worker, n: &str) -> (usize, Option<String>) {
    let config = config_v3(sim);
    worker.batch().forget_request();
    sim.shared().clear_requests();
    let out = AppFlows::new(&config, worker)
        .expect("flows")
        .add(&name(n), NameKind::Subdomain)
        .expect("add");
    (sim.shared().requests().len(), out.covered_by)
}

#[test]
fn ten_thousand_names_under_one_parent_cost_an_add_a_few_requests() {
    // Advanced SSL, as an app of 10,000 names must be: the name is added and certified.
    let sim = big_network("advanced");
    let (requests, covered) = add_site(&sim, &Worker::new(), "fresh.network.test");
    assert!(
        requests <= 6,
        "{requests} requests: {:?}",
        calls(&sim.shared().requests())
    );
    assert_eq!(covered, None);
    assert!(sim
        .shared()
        .domain_names(SEED_SERVER, SEED_APP)
        .contains(&"fresh.network.test".to_string()));
    // Basic SSL: the add is refused (no certificate takes 10,000 names), in as few.
    let sim = big_network("basic");
    let config = config_v3(&sim);
    sim.shared().clear_requests();
    let out = AppFlows::new(&config, &Worker::new())
        .unwrap()
        .add(&name("fresh.network.test"), NameKind::Subdomain)
        .unwrap();
    let requests = sim.shared().requests().len();
    assert_eq!(
        out.ssl.status,
        wu_runcloud::flows::SslStatus::CertificateFull
    );
    assert!(
        out.ssl.message.contains("has more than 100 names"),
        "{}",
        out.ssl.message
    );
    assert!(
        requests <= 6,
        "{requests} requests: {:?}",
        calls(&sim.shared().requests())
    );
}

#[test]
fn a_wildcard_added_in_the_panel_is_honoured_by_the_next_request_either_spelling() {
    for spelling in ["star", "flag"] {
        let sim = big_network("advanced");
        let worker = Worker::new();
        assert_eq!(add_site(&sim, &worker, "before.network.test").1, None);
        // In RunCloud's panel: `*.network.test`, or the flag on `network.test` itself.
        sim.shared().with_account(|a| {
            if spelling == "star" {
                a.add_domain(SEED_SERVER, SEED_APP, "*.network.test", true);
            } else {
                let app = a.app_mut(SEED_SERVER, SEED_APP).unwrap();
                app.domains
                    .iter_mut()
                    .find(|d| d.name == "network.test")
                    .unwrap()
                    .wildcard = true;
            }
        });
        for (who, w) in [
            ("the same worker", &worker),
            ("another worker", &Worker::new()),
        ] {
            let (requests, covered) = add_site(&sim, w, &format!("after-{spelling}.network.test"));
            assert_eq!(
                covered.as_deref(),
                Some("network.test"),
                "{spelling}, {who}"
            );
            // The two questions, and the SSL set-up beside them in a worker that does not know it.
            assert!(
                requests <= 4,
                "{spelling}, {who}: {requests} requests: {:?}",
                calls(&sim.shared().requests())
            );
        }
    }
}
