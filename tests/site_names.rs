//! Names as Ultimate Multisite and WordPress really bring them: a new site's own
//! name through both hooks, a removal later in the request that added a name,
//! and apps too big for the fixed page stop.
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
use wu_runcloud::config::WwwPolicy;
use wu_runcloud::flows::NameKind;

/// Lookups of the parent `network.test` (the wildcard question), not of a name.
fn wildcard_lookups(sim: &runcloud_sim::Sim) -> usize {
    sim.shared()
        .requests()
        .iter()
        .filter(|l| {
            l.method == "GET"
                && l.query
                    .iter()
                    .any(|(k, v)| k == "search" && v == "network.test")
        })
        .count()
}

/// Both hooks UM fires for a new site, in both orders, with UM's "Create www
/// Subdomain" at `always`: the site's name is added once, never with a www
/// twin, and the wildcard question is asked once per parent in the request.
#[test]
fn a_site_name_is_a_site_name_whichever_hook_brings_it() {
    let _turn = take_turn();
    let sim = sim();
    let mut config = config_v3(&sim);
    config.options.www = WwwPolicy::Always;
    config.network_domain = Some(name("network.test"));
    for (first, second) in [
        (NameKind::Subdomain, NameKind::Mapped),
        (NameKind::Mapped, NameKind::Subdomain),
    ] {
        reset_app(&sim, "basic");
        sim.shared().clear_requests();
        common::worker().batch().forget_request(); // a new request
        let site = format!("alice{}.network.test", first as u8);
        for kind in [first, second] {
            let out = common::flows(&config)
                .unwrap()
                .add(&name(&site), kind)
                .unwrap();
            assert!(!out.www, "{site} {kind:?}: no www twin for a site's name");
        }
        let state = sim.shared().app_json(SEED_SERVER, SEED_APP);
        let entry = state["domains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == site.as_str())
            .cloned()
            .expect("added");
        assert_eq!(entry["www"], false);
        let lookups = wildcard_lookups(&sim);
        assert_eq!(
            lookups,
            1,
            "one wildcard lookup for both hooks: {:?}",
            calls(&sim.shared().requests())
        );
    }
    // A batch of names under one parent: one wildcard lookup for all of them.
    reset_app(&sim, "basic");
    sim.shared().clear_requests();
    common::worker().batch().forget_request();
    for i in 0..10 {
        common::flows(&config)
            .unwrap()
            .add(&name(&format!("s{i}.network.test")), NameKind::Subdomain)
            .unwrap();
    }
    assert_eq!(wildcard_lookups(&sim), 1);
    // Outside a subdomain install's own domain a mapped name is a mapped name.
    let out = common::flows(&config)
        .unwrap()
        .add(&name("shop.com"), NameKind::Mapped)
        .unwrap();
    assert!(out.www);
}

#[test]
fn a_name_removed_later_in_its_request_is_not_named_by_the_redeploy() {
    let _turn = take_turn();
    let sim = sim();
    let config = config_v3_batched(&sim);
    common::worker().batch().forget_request();
    let m = common::flows(&config).unwrap();
    m.add(&name("kept.com"), NameKind::Mapped).unwrap();
    m.add(&name("gone-again.com"), NameKind::Mapped).unwrap();
    assert!(m.remove(&name("gone-again.com")).unwrap());
    let owed = common::worker().batch().take_all();
    assert_eq!(owed[0].names, ["kept.com"]);
    let out = common::redeploy_owed(&owed[0]).unwrap();
    assert!(!out.message.contains("gone-again.com"), "{}", out.message);
}

/// RunCloud says how many pages there are: every one is read, past the 400
/// pages that stop a list of unknown length.
#[test]
fn an_app_of_more_than_16000_names_is_read_to_the_end() {
    let sim = sim();
    sim.shared().with_account(|a| {
        for i in 1..=16_100u32 {
            a.add_domain(
                SEED_SERVER,
                SEED_APP,
                &format!("site{i:05}.example.com"),
                false,
            );
        }
    });
    sim.shared().set_ignore_search(true);
    let config = config_v3(&sim);
    let m = common::flows(&config).unwrap();
    let last = name("site16100.example.com");
    assert!(
        m.find(&last).unwrap().is_some(),
        "the name on page 403 is found"
    );
    assert!(m.remove(&last).unwrap(), "and removed");
    assert_eq!(
        m.list().unwrap().len(),
        16_100,
        "the whole list, primary included"
    );
}
