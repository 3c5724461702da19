//! Big apps: where a name lives is remembered (and checked by id before use), and
//! a first walk of an app that ignores `search` fetches pages several at a time
//! within the rate budget.
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

/// An app of `count` generated names (site0001.example.com ...) plus the primary.
fn big_app(sim: &runcloud_sim::Sim, count: u32) {
    reset_app(sim, "basic");
    sim.shared().with_account(|a| {
        for i in 1..=count {
            a.add_domain(
                SEED_SERVER,
                SEED_APP,
                &format!("site{i:04}.example.com"),
                false,
            );
        }
    });
    sim.shared().set_ignore_search(true);
    sim.shared().clear_requests();
}

/// One test, run in turn: the id memory and the rate state belong to the process.
#[test]
fn a_big_app_that_ignores_search_is_walked_once_then_reached_by_id() {
    let sim = sim();
    big_app(&sim, 1000); // 26 pages of 40
    let config = config_v3(&sim);
    let m = common::flows(&config).expect("m");

    // First remove: page 1 shows that search is ignored; the other 25 pages come
    // several at a time over several connections.
    assert!(m.remove(&name("site0990.example.com")).expect("removed"));
    let log = sim.shared().requests();
    let pages = log.iter().filter(|l| l.path.ends_with("/domains")).count();
    assert!((25..=26).contains(&pages), "{pages} pages read");
    assert!(
        sim.shared().connections() > 1,
        "pages were fetched in parallel"
    );
    assert_eq!(log.last().expect("log").method, "DELETE");

    // Later removes: the name's id was seen in that walk; checked, then deleted.
    sim.shared().clear_requests();
    assert!(m.remove(&name("site0500.example.com")).expect("removed"));
    let c = calls(&sim.shared().requests());
    assert_eq!(c.len(), 2, "{c:?}");
    assert!(
        c[0].starts_with("GET") && c[0].contains("/domains/"),
        "{c:?}"
    );
    assert!(c[1].starts_with("DELETE"), "{c:?}");

    // Someone else removed a name and added it again (a new id): the remembered id
    // answers 404, so the list is walked and the right entry is deleted.
    let old_id = id_of(&m, "site0700.example.com");
    sim.shared().with_account(|a| {
        let app = a.app_mut(SEED_SERVER, SEED_APP).expect("app");
        app.domains.retain(|d| d.name != "site0700.example.com");
    });
    sim.shared()
        .with_account(|a| a.add_domain(SEED_SERVER, SEED_APP, "site0700.example.com", false));
    sim.shared().clear_requests();
    assert!(m.remove(&name("site0700.example.com")).expect("removed"));
    let log = sim.shared().requests();
    let deleted = log.iter().find(|l| l.method == "DELETE").expect("a DELETE");
    assert!(
        !deleted.path.ends_with(&format!("/{old_id}")),
        "the stale id {old_id} was not deleted: {}",
        deleted.path
    );
    assert_eq!(log.iter().filter(|l| l.method == "DELETE").count(), 1);
    assert!(!sim
        .shared()
        .domain_names(SEED_SERVER, SEED_APP)
        .contains(&"site0700.example.com".to_string()));

    // A remembered id that now names another entry is never deleted.
    let id_of_800 = id_of(&m, "site0800.example.com");
    sim.shared().with_account(|a| {
        let app = a.app_mut(SEED_SERVER, SEED_APP).expect("app");
        if let Some(d) = app.domains.iter_mut().find(|d| d.id == id_of_800) {
            d.name = "renamed.example.com".into();
        }
    });
    sim.shared().clear_requests();
    assert!(!m.remove(&name("site0800.example.com")).expect("not there"));
    assert!(sim.shared().requests().iter().all(|l| l.method == "GET"));
    assert!(sim
        .shared()
        .domain_names(SEED_SERVER, SEED_APP)
        .contains(&"renamed.example.com".to_string()));

    the_first_walk_keeps_within_the_rate_limit();
}

/// Under a limit of 30 requests a second (RunCloud's 60 a minute, scaled down),
/// the parallel walk of 100 pages gets no 429.
fn the_first_walk_keeps_within_the_rate_limit() {
    wu_runcloud::api::reset_rate_state();
    let sim = sim();
    big_app(&sim, 4000); // 101 pages
    sim.shared()
        .set_rate_limit(30, Duration::from_secs(1), true, false);
    let mut config = config_v3(&sim);
    config.options.timeout = Duration::from_secs(60);
    let m = common::flows(&config).expect("m");
    let t = std::time::Instant::now();
    assert!(m.remove(&name("site3999.example.com")).expect("removed"));
    let log = sim.shared().requests();
    let limited = log.iter().filter(|l| l.status == 429).count();
    println!(
        "walk of 101 pages under 30/s: {} requests in {:.2?}, {limited} answered 429",
        log.len(),
        t.elapsed()
    );
    assert_eq!(limited, 0, "no 429 storm");
}

/// The RunCloud id of `n`, which the test knows to be on the app.
fn id_of(m: &wu_runcloud::flows::AppFlows, n: &str) -> u64 {
    m.find(&name(n)).expect("find").expect("there").0.id
}
