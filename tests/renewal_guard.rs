//! The renewal guard of a basic app's shared certificate: in the days before
//! RunCloud renews it (its real expiry less 30 days), a name that no longer
//! points here is taken off before it can fail the renewal for every site,
//! only once a second look an hour later confirms it, never when many names
//! fail at once; it waits and is put back once it points. The extension's
//! clock is moved to the window, so this binary holds one test.
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
use wu_runcloud::flows::{GuardLook, CONFIRM_AFTER, RUNCLOUD_RENEWS_BEFORE};

fn on_app(sim: &Sim, n: &str) -> bool {
    sim.shared()
        .domain_names(SEED_SERVER, SEED_APP)
        .contains(&n.to_string())
}

/// The extension's clock at `at` (unix time).
fn clock_at(at: u64) {
    let real = wu_runcloud::clock::now() as i64 - current_offset();
    wu_runcloud::clock::set_offset(at as i64 - real);
    OFFSET.store(at as i64 - real, std::sync::atomic::Ordering::Relaxed);
}

static OFFSET: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
fn current_offset() -> i64 {
    OFFSET.load(std::sync::atomic::Ordering::Relaxed)
}

fn guard(config: &Config) -> Option<GuardLook> {
    flows(config)
        .unwrap()
        .renewal_guard()
        .expect("the guard looks")
}

#[test]
fn a_name_that_moved_away_is_taken_off_before_the_renewal_and_put_back_once_it_points() {
    let sim = sim();
    reset_app(&sim, "basic");
    sim.shared().with_account(|a| {
        for i in 0..9 {
            a.add_domain(SEED_SERVER, SEED_APP, &format!("customer{i}.com"), false);
        }
        a.add_domain(SEED_SERVER, SEED_APP, "moved.com", false);
    });
    point(&sim, "moved.com", Some(&["192.0.2.99"]));
    let config = config_v3(&sim);
    // The simulated certificate expires 2027-02-01 (its minutes count the redeploys).
    let expires = wu_runcloud::api::decode::runcloud_time("2027-02-01 00:00:00").unwrap();
    let renewal = expires - RUNCLOUD_RENEWS_BEFORE;

    // Ten days before the renewal: nothing to look at; the next look is kept.
    clock_at(renewal - 10 * 86_400);
    assert_eq!(guard(&config), None);
    sim.shared().clear_requests();
    assert_eq!(guard(&config), None, "not yet: no request at all");
    assert_eq!(count_calls(&sim, |_| true), 0);

    // A day before: every name checked; moved.com is a suspect, nothing taken off.
    clock_at(renewal - 86_400);
    let first = guard(&config).expect("in the window");
    assert_eq!(first.checked, 10);
    assert_eq!(first.suspects, ["moved.com"]);
    assert!(first.taken_off.is_empty() && on_app(&sim, "moved.com"));
    assert_eq!(
        guard(&config),
        None,
        "looked at again in an hour, not before"
    );

    // An hour on, still elsewhere: taken off, and waiting.
    clock_at(renewal - 86_400 + CONFIRM_AFTER);
    let second = guard(&config).expect("again");
    assert_eq!(second.taken_off.len(), 1, "{second:?}");
    assert!(second.taken_off[0].1.contains("192.0.2.99"), "{second:?}");
    assert!(!on_app(&sim, "moved.com"));
    assert!(on_app(&sim, "customer0.com"), "the others stay");
    let f = flows(&config).unwrap();
    assert!(f.waiting_names().iter().any(|w| w.name == "moved.com"));

    // The customer points it back: the next look at the waiting names puts it back.
    point(&sim, "moved.com", None);
    clock_at(renewal - 86_400 + CONFIRM_AFTER + 6 * 3600);
    let caught = f.catch_up(5, true);
    assert!(
        caught
            .looks
            .looked
            .iter()
            .any(|(n, r)| n == "moved.com" && r.is_ok()),
        "re-checked"
    );
    assert!(on_app(&sim, "moved.com"), "put back once it points");

    // Many names failing at once: the check is suspect, nothing is taken off.
    for i in 0..5 {
        point(&sim, &format!("customer{i}.com"), Some(&["192.0.2.98"]));
    }
    clock_at(renewal - 86_400 + 2 * CONFIRM_AFTER + 6 * 3600);
    let many = guard(&config).expect("again");
    assert!(many.held_back.is_some(), "{many:?}");
    clock_at(renewal - 86_400 + 3 * CONFIRM_AFTER + 6 * 3600);
    let still = guard(&config).expect("again");
    assert!(still.held_back.is_some() && still.taken_off.is_empty());
    assert!((0..5).all(|i| on_app(&sim, &format!("customer{i}.com"))));
    wu_runcloud::clock::set_offset(0);
}
