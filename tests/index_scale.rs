//! An add costs O(1) requests whatever RunCloud's order and whether it
//! honours `search`: the app's list, read once in full, is kept as an index
//! that every worker of the server uses once page 1 and the last page agree
//! with it (one round trip). A wildcard or a name added in RunCloud's panel
//! changes what those pages show, so it is never missed.
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

/// An advanced app of `n` names `s{i}.{parent}` (the parent's own row absent).
fn app_of(n: usize, parent: &str) -> Sim {
    let sim = sim();
    reset_app(&sim, "advanced");
    sim.shared().with_account(|a| {
        for i in 1..=n {
            a.add_domain(SEED_SERVER, SEED_APP, &format!("s{i:05}.{parent}"), false);
        }
    });
    sim
}

/// A new name added by a worker of its own in a request of its own: the
/// requests it cost, and the wildcard that covered it.
fn add_in_new_worker(sim: &Sim, n: &str) -> (usize, Option<String>) {
    let mut config = config_v3(sim);
    config.network_domain = Some(name("network.test"));
    sim.shared().clear_requests();
    let out = AppFlows::new(&config, &Worker::new())
        .expect("flows")
        .add(&name(n), NameKind::Subdomain)
        .expect("add");
    (sim.shared().requests().len(), out.covered_by)
}

fn assert_flat(sim: &Sim, parent: &str, label: &str) {
    // The first add reads the list once (and keeps it); every later one is O(1).
    let (first, _) = add_in_new_worker(sim, &format!("first.{parent}"));
    for i in 0..3 {
        let (requests, covered) = add_in_new_worker(sim, &format!("later{i}.{parent}"));
        assert!(
            requests <= 6,
            "{label}: add {i} after the first cost {requests} requests (the first {first}): {:?}",
            calls(&sim.shared().requests())
        );
        assert_eq!(covered, None);
    }
}

#[test]
fn with_search_ignored_an_add_costs_a_few_requests_at_1000_and_10000_names() {
    for n in [1_000, 10_000] {
        let sim = app_of(n, "network.test");
        sim.shared().set_ignore_search(true);
        assert_flat(&sim, "network.test", &format!("{n} names, search ignored"));
    }
}

#[test]
fn with_the_parents_row_absent_and_the_list_newest_first_an_add_costs_a_few_requests() {
    for n in [1_000, 10_000] {
        let sim = app_of(n, "network.test");
        sim.shared().set_newest_first(true);
        assert_flat(&sim, "network.test", &format!("{n} names, newest first"));
    }
}

#[test]
fn a_wildcard_or_a_name_added_in_runclouds_panel_is_never_missed() {
    let sim = app_of(1_000, "network.test");
    sim.shared().set_ignore_search(true);
    add_in_new_worker(&sim, "first.network.test");
    // A wildcard row added in the panel, in either spelling: the next add is covered.
    sim.shared()
        .with_account(|a| a.add_domain(SEED_SERVER, SEED_APP, "*.network.test", true));
    let (_, covered) = add_in_new_worker(&sim, "after-star.network.test");
    assert_eq!(covered.as_deref(), Some("network.test"));
    sim.shared().with_account(|a| {
        let app = a.app_mut(SEED_SERVER, SEED_APP).unwrap();
        app.domains.retain(|d| d.name != "*.network.test");
    });
    add_in_new_worker(&sim, "between.network.test");
    sim.shared()
        .with_account(|a| a.add_domain(SEED_SERVER, SEED_APP, "network.test", true));
    let (_, covered) = add_in_new_worker(&sim, "after-flag.network.test");
    assert_eq!(covered.as_deref(), Some("network.test"));

    // A row removed and another added in the panel (the same total): the new
    // row shows on the last page, so the index is not used as it was.
    sim.shared().with_account(|a| {
        let app = a.app_mut(SEED_SERVER, SEED_APP).unwrap();
        app.domains.retain(|d| d.name != "network.test");
        a.add_domain(SEED_SERVER, SEED_APP, "*.network.test", true);
    });
    let (_, covered) = add_in_new_worker(&sim, "swapped.network.test");
    assert_eq!(covered.as_deref(), Some("network.test"));
}
