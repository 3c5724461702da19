//! A burst of work against a low rate limit finishes without a 429 storm: the
//! client slows down before the window runs out. Its own test binary, because
//! the rate-limit state is per process.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

mod common;

use common::*;
use std::time::{Duration, Instant};
use wu_runcloud::domain::DomainName;
use wu_runcloud::flows::NameKind;

#[test]
fn a_burst_is_paced_by_the_rate_limit_headers() {
    let sim = sim();
    // 10 requests a second; the simulator says when the window resets.
    sim.shared()
        .set_rate_limit(10, Duration::from_secs(1), true, true);
    let mut config = config_v3(&sim);
    config.options.timeout = Duration::from_secs(30);
    wu_runcloud::api::reset_rate_state();
    let t = Instant::now();
    // Enough adds for 48+ requests: about 5 windows of 10 (after ten orders
    // for example.com, the weekly spacing owes the certificate: no PUT).
    for i in 0..18 {
        // Each add in a request of its own, as queued actions often run: the
        // wildcard answer is remembered per request only.
        common::worker().batch().forget_request();
        let name = DomainName::parse(&format!("burst{i}.example.com")).expect("name");
        let out = common::flows(&config)
            .expect("m")
            .add(&name, NameKind::Mapped)
            .expect("every add succeeds");
        assert!(out.created);
    }
    let took = t.elapsed();
    let log = sim.shared().requests();
    let limited = log.iter().filter(|l| l.status == 429).count();
    let total = log.len();
    println!("rate limit 10/s: {total} requests in {took:.2?}, {limited} answered 429");
    assert!(total >= 48, "{total}");
    // 48+ requests at 10/s need about 4 s; a few 429s at window edges are tolerable, a storm is not.
    assert!(limited * 10 <= total, "{limited} of {total} were 429");
    assert!(
        took >= Duration::from_secs(3),
        "{took:?}: it did not slow down"
    );
    assert_eq!(
        sim.shared()
            .domain_names(runcloud_sim::SEED_SERVER, runcloud_sim::SEED_APP)
            .len(),
        19
    );
    without_a_reset_header_429s_are_waited_out_with_retry_after();
}

/// Run after the burst, never beside it: the pacing state is shared by the process.
fn without_a_reset_header_429s_are_waited_out_with_retry_after() {
    wu_runcloud::api::reset_rate_state();
    let sim = sim();
    sim.shared()
        .set_rate_limit(5, Duration::from_secs(1), true, false);
    let mut config = config_v3(&sim);
    config.options.timeout = Duration::from_secs(30);
    config.options.max_retries = 5;
    let all = common::flows(&config).expect("m");
    let t = Instant::now();
    for _ in 0..8 {
        all.find(&DomainName::parse("network.test").expect("n"))
            .expect("found despite the limit");
    }
    let limited = sim
        .shared()
        .requests()
        .iter()
        .filter(|l| l.status == 429)
        .count();
    let total = sim.shared().requests().len();
    println!(
        "rate limit 5/s without reset header: {total} requests in {:.2?}, {limited} answered 429",
        t.elapsed()
    );
    assert_eq!(total - limited, 8, "every lookup got its answer");
    assert!(limited <= 4, "{limited} 429s: the client kept hammering");
}
