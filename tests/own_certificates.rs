//! Advanced mode: a name's own certificate is owed until RunCloud has it. An
//! order answered 503 (or not at all) stays owed on disk and a later call
//! sends it again, after asking RunCloud whether it went through and never
//! sooner than its wait; one that did go through is not ordered twice.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod common;

use common::*;
use runcloud_sim::{Fault, Sim, SEED_APP, SEED_SERVER};
use wu_runcloud::config::Config;
use wu_runcloud::flows::{AddOutcome, NameKind, SslStatus, OWN_ORDERS_A_CALL};
use wu_runcloud::ssl_batch::{owed, tried};
use wu_runcloud::Error;

fn advanced() -> (Sim, Config) {
    let sim = sim();
    reset_app(&sim, "advanced");
    let config = config_v3(&sim);
    (sim, config)
}

fn add(config: &Config, n: &str) -> AddOutcome {
    flows(config)
        .expect("flows")
        .add(&name(n), NameKind::Mapped)
        .expect("add")
}

fn orders_of(sim: &Sim, n: &str) -> usize {
    let id = sim
        .shared()
        .with_account(|a| {
            a.app_mut(SEED_SERVER, SEED_APP)
                .and_then(|app| app.domains.iter().find(|d| d.name == n).map(|d| d.id))
        })
        .expect("on the app");
    count_calls(sim, |c| {
        c.starts_with("POST") && c.ends_with(&format!("/domains/{id}/ssl"))
    })
}

fn certified(sim: &Sim, n: &str) -> bool {
    sim.shared().with_account(|a| {
        a.app_mut(SEED_SERVER, SEED_APP)
            .and_then(|app| {
                app.domains
                    .iter()
                    .find(|d| d.name == n)
                    .map(|d| d.ssl_id.is_some())
            })
            .unwrap_or(false)
    })
}

/// The next certificate order of the app answers `status`; `apply`: RunCloud acts on it first.
fn next_order_answers(sim: &Sim, status: u16, apply: bool) {
    sim.shared().push_fault(Fault {
        count: 1,
        method: Some("POST".into()),
        path_contains: Some("/ssl".into()),
        status: Some(status),
        apply,
        ..Fault::default()
    });
}

/// Moves the failed order of `n` back by `secs`, as if that time had passed.
fn time_passes(config: &Config, n: &str, secs: u64) {
    let (at, lost) = tried::last(config, n).expect("a failed order is on disk");
    tried::note(config, n, at - secs, lost);
}

fn pay(config: &Config) -> wu_runcloud::Result<wu_runcloud::flows::SslOutcome> {
    flows(config).unwrap().pay_owed_own(OWN_ORDERS_A_CALL)
}

#[test]
fn an_order_answered_503_that_was_not_acted_on_is_sent_again_once_its_wait_is_over() {
    let (sim, config) = advanced();
    next_order_answers(&sim, 503, false);
    let out = add(&config, "shop-503.com");
    assert!(out.created);
    assert_eq!(out.ssl.status, SslStatus::Queued, "{}", out.ssl.message);
    assert!(
        out.ssl.message.contains("stays owed"),
        "{}",
        out.ssl.message
    );
    assert_eq!(owed::read(&config), ["shop-503.com"], "owed on disk");
    assert_eq!(orders_of(&sim, "shop-503.com"), 1);

    // At once, and 10 minutes on: not sent again (it may still be running).
    for (passed, label) in [(0, "at once"), (600, "after 10 minutes")] {
        time_passes(&config, "shop-503.com", passed);
        let e = pay(&config).expect_err(label);
        assert!(matches!(e, Error::Deferred { .. }), "{label}: {e}");
        assert_eq!(orders_of(&sim, "shop-503.com"), 1, "{label}");
    }
    assert!(!flows(&config)
        .unwrap()
        .owed_own_due()
        .0
        .contains(&"shop-503.com".into()));

    // Past 15 minutes: RunCloud is asked, shows no certificate, and it is sent again.
    time_passes(&config, "shop-503.com", 400);
    let paid = pay(&config).expect("paid");
    assert_eq!(paid.status, SslStatus::Issued, "{}", paid.message);
    assert_eq!(orders_of(&sim, "shop-503.com"), 2);
    assert!(certified(&sim, "shop-503.com"));
    assert!(owed::read(&config).is_empty(), "owed no more");
    assert_eq!(tried::last(&config, "shop-503.com"), None);
    // Nothing owed: nothing sent.
    sim.shared().clear_requests();
    pay(&config).expect("nothing owed");
    assert_eq!(count_calls(&sim, |_| true), 0);
}

#[test]
fn an_order_answered_503_that_went_through_is_found_and_not_ordered_twice() {
    let (sim, config) = advanced();
    next_order_answers(&sim, 503, true);
    let out = add(&config, "lost-answer.com");
    assert_eq!(out.ssl.status, SslStatus::Queued, "{}", out.ssl.message);
    assert!(certified(&sim, "lost-answer.com"), "RunCloud acted on it");
    time_passes(&config, "lost-answer.com", 16 * 60);
    let paid = pay(&config).expect("paid");
    assert!(paid.message.contains("already had one"), "{}", paid.message);
    assert_eq!(orders_of(&sim, "lost-answer.com"), 1, "never ordered twice");
    assert!(owed::read(&config).is_empty());
}

#[test]
fn a_429_waits_a_minute_and_a_name_already_there_is_not_ordered_again_meanwhile() {
    let (sim, config) = advanced();
    assert_eq!(add(&config, "first.com").ssl.status, SslStatus::Issued);
    // 429 is retried by the client itself; answered 429 every time, it stays owed.
    for _ in 0..5 {
        next_order_answers(&sim, 429, false);
    }
    let out = add(&config, "busy.com");
    assert_eq!(out.ssl.status, SslStatus::Queued, "{}", out.ssl.message);
    let tries = orders_of(&sim, "busy.com");
    // first.com mapped again meanwhile: unchanged, and busy.com not due yet.
    let again = add(&config, "first.com");
    assert_eq!(
        again.ssl.status,
        SslStatus::Unchanged,
        "{}",
        again.ssl.message
    );
    assert_eq!(
        orders_of(&sim, "first.com"),
        1,
        "no second order for a certified name"
    );
    assert_eq!(
        orders_of(&sim, "busy.com"),
        tries,
        "not due within its minute"
    );
    // A minute on, the next add of another name pays it on its way.
    sim.shared().clear_faults();
    time_passes(&config, "busy.com", 61);
    add(&config, "first.com");
    assert!(certified(&sim, "busy.com"));
    assert_eq!(orders_of(&sim, "first.com"), 1);
    assert!(owed::read(&config).is_empty());
}
