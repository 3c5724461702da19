//! A sync chunk always makes progress: names that wait for DNS do not use
//! up its limit. (Its own process: tests/sync.rs keeps the rate budget, which
//! is the process's, to itself.)
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod common;

use common::*;
use runcloud_sim::{SEED_APP, SEED_SERVER};
use wu_runcloud::sync::{sync, SyncOptions};

/// Names that wait for DNS do not use up a chunk: with 30 mappings waiting
/// (on the waiting list, not yet due) and 10 missing site names, a chunk of
/// 10 adds the 10, and says the 30 wait, without looking at them again.
#[test]
fn a_chunk_with_thirty_waiting_names_adds_the_ten_missing_ones() {
    let sim = sim();
    reset_app(&sim, "basic");
    let config = config_v3(&sim);
    let flows = common::flows(&config).expect("client");
    let waiting: Vec<String> = (1..=30).map(|i| format!("shop{i:02}-nodns.com")).collect();
    for n in &waiting {
        let out = flows
            .add(&name(n), wu_runcloud::flows::NameKind::Mapped)
            .expect("add");
        assert_eq!(out.ssl.status, wu_runcloud::flows::SslStatus::WaitingDns);
    }
    let missing: Vec<String> = (1..=10)
        .map(|i| format!("site{i:02}.network.test"))
        .collect();
    let names: Vec<String> = waiting.iter().chain(&missing).cloned().collect();
    sim.shared().clear_requests();
    let r = sync(
        &common::flows(&config).expect("client"),
        &names,
        &SyncOptions {
            apply: true,
            limit: 10,
            ..Default::default()
        },
    )
    .expect("sync");
    assert_eq!(r.added, missing, "failed: {:?}", r.failed);
    assert_eq!(r.waiting.len(), 30);
    assert!(
        r.waiting[0].1.contains("looked at again at"),
        "{}",
        r.waiting[0].1
    );
    assert_eq!(r.remaining, 0);
    // The 30 were not checked again (no DNS question), nor added.
    let on_app = sim.shared().domain_names(SEED_SERVER, SEED_APP);
    assert!(waiting.iter().all(|n| !on_app.contains(n)));
}
