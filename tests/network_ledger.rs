//! One ledger for every web server of a network: with the host's store lent
//! (in production the network's database, through the WordPress glue), two
//! servers with their own state directories count Let's Encrypt's orders
//! together; a server's own week comes with it the first time; and a store
//! that cannot be read puts the order off rather than sending it uncounted.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod common;

use common::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use wu_runcloud::config::{Config, SslBatch};
use wu_runcloud::flows::SslStatus;
use wu_runcloud::shared_store::{Kept, SharedStore};

/// The network's database of this test: one for both servers.
static NETWORK: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());
static DOWN: AtomicBool = AtomicBool::new(false);

fn network(name: &str, change: &mut dyn FnMut(&str) -> Option<String>) -> Kept {
    if DOWN.load(Ordering::SeqCst) {
        return Kept::Failed("the database did not answer".into());
    }
    let mut db = NETWORK.lock().unwrap();
    let now = db.get(name).cloned().unwrap_or_default();
    if let Some(new) = change(&now) {
        db.insert(name.to_string(), new);
    }
    Kept::Done
}

/// A web server of the network: its own state directory.
fn server(sim: &runcloud_sim::Sim, tag: &str, shared: bool) -> Config {
    let mut c = config_v3(sim);
    c.options.ssl_batch = SslBatch::Off;
    let dir = state_dir_of(sim).join(tag);
    if !dir.exists() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().mode(0o700).create(&dir).unwrap();
    }
    c.options.state_dir = Some(dir);
    c.options.shared_store = shared.then_some(SharedStore(network));
    c
}

fn redeploy(config: &Config) -> Result<(), String> {
    match flows(config).unwrap().redeploy_ssl() {
        Ok(o) => {
            assert_eq!(o.status, SslStatus::Redeployed);
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

fn issued(sim: &runcloud_sim::Sim) -> usize {
    sim.shared().with_account(|a| a.le.issued.len())
}

#[test]
fn every_server_of_the_network_counts_the_orders_of_all() {
    let sim = sim();
    reset_app(&sim, "basic");
    sim.shared().with_account(|a| a.le.limits = true);

    // Server A ordered three times this week before the network kept a ledger.
    let alone = server(&sim, "a", false);
    for _ in 0..3 {
        redeploy(&alone).unwrap();
    }
    assert_eq!(issued(&sim), 3);

    // Now both servers keep the network's ledger: A's week came with it, so
    // only two more orders of the unchanged set go, whichever server asks.
    let (a, b) = (server(&sim, "a", true), server(&sim, "b", true));
    let mut said = Vec::new();
    for config in [&b, &a, &b, &a, &b, &a] {
        if let Err(e) = redeploy(config) {
            said.push(e);
        }
    }
    assert_eq!(issued(&sim), 5, "{said:?}");
    assert_eq!(
        sim.shared()
            .with_account(|a| a.le.refused.values().sum::<u64>()),
        0
    );
    assert_eq!(said.len(), 4);
    assert!(
        said.iter()
            .all(|s| s.contains("certified 5 times in 7 days")),
        "{said:?}"
    );
    let ledger = NETWORK
        .lock()
        .unwrap()
        .get("ledger")
        .cloned()
        .unwrap_or_default();
    assert_eq!(ledger.lines().count(), 5, "{ledger}");
    // Server B never wrote a ledger of its own.
    assert!(!b.options.state_dir.clone().unwrap().join("ledger").exists());

    // The network's store down: nothing is sent uncounted; the order waits.
    DOWN.store(true, Ordering::SeqCst);
    let e = redeploy(&b).unwrap_err();
    DOWN.store(false, Ordering::SeqCst);
    assert!(
        e.contains(
            "the network's certificate ledger could not be read (the database did not answer)"
        ),
        "{e}"
    );
    assert_eq!(issued(&sim), 5);
}
