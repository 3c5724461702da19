//! One basic-SSL redeploy per PHP request: the core side of the batch that the
//! PHP layer runs at request end (`WU_RunCloud_Integration::flush_ssl`).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

mod common;

use common::*;
use wu_runcloud::config::Config;
use wu_runcloud::domain::DomainName;
use wu_runcloud::mapping::{Mapping, NameKind, SslMode, SslStatus};
use wu_runcloud::ssl_batch;

fn batch_config(sim: &runcloud_sim::Sim) -> Config {
    let mut c = config_v3(sim);
    c.options.ssl_batch = true;
    c
}

fn add(config: &Config, n: &str) -> wu_runcloud::mapping::AddOutcome {
    Mapping::new(config)
        .expect("m")
        .add(&DomainName::parse(n).expect("name"), NameKind::Mapped)
        .expect("add")
}

fn puts(sim: &runcloud_sim::Sim) -> Vec<String> {
    calls_where(sim, |c| c.starts_with("PUT"))
}

/// The batch list and marker files are per process: one test runs them all in turn.
#[test]
fn a_request_of_many_adds_redeploys_the_certificate_once() {
    let sim = sim();
    let config = batch_config(&sim);
    ssl_batch::forget_request();

    // 20 adds in one request: 20 POSTs, no redeploy yet.
    for i in 0..20 {
        let out = add(&config, &format!("batch{i:02}.com"));
        assert!(out.created);
        assert_eq!(
            (out.ssl.mode, out.ssl.status),
            (SslMode::Basic, SslStatus::Queued),
            "{}",
            out.ssl.message
        );
    }
    assert!(puts(&sim).is_empty(), "{:?}", puts(&sim));
    let requests = sim.shared().requests().len();
    assert_eq!(requests, 20 + 2, "20 POSTs and the SSL set-up asked once");

    // The request ends: one redeploy, covering every name.
    let owed = ssl_batch::take_all();
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].names.len(), 20);
    let out = Mapping::redeploy_owed(&owed[0]).expect("redeployed");
    assert_eq!(out.status, SslStatus::Redeployed);
    assert!(out.message.contains("20 name(s)"), "{}", out.message);
    assert!(out.message.contains("batch00.com"), "{}", out.message);
    assert_eq!(puts(&sim).len(), 1, "{:?}", puts(&sim));
    assert!(!ssl_batch::marker::any(&owed[0].key), "the marker is gone");

    // A name already on the app owes nothing.
    let again = add(&config, "batch00.com");
    assert_eq!(again.ssl.status, SslStatus::Unchanged);
    assert!(ssl_batch::take_all().is_empty());

    // The certificate was replaced in RunCloud: the remembered id answers 404,
    // the set-up is asked again, and the new certificate is redeployed once.
    reset_app(&sim, "basic");
    sim.shared().clear_requests();
    add(&config, "after-reset.example.com");
    let owed = ssl_batch::take_all();
    assert!(owed[0].remembered);
    let out = Mapping::redeploy_owed(&owed[0]).expect("redeployed after asking again");
    assert_eq!(out.status, SslStatus::Redeployed);
    assert_eq!(puts(&sim).len(), 2, "{:?}", puts(&sim));

    // Let's Encrypt refuses: the failure is reported, and adding that name again
    // queues a new attempt while the others stay unchanged.
    sim.shared().clear_requests();
    add(&config, "nodns-batch.example.com");
    let owed = ssl_batch::take_all();
    let err = Mapping::redeploy_owed(&owed[0]).expect_err("validation fails");
    assert_eq!(err.status_code(), 422);
    assert_eq!(puts(&sim).len(), 1, "not repeated: {:?}", puts(&sim));
    reset_app(&sim, "basic");
    let retry = add(&config, "nodns-batch.example.com");
    assert_eq!(retry.ssl.status, SslStatus::Queued);
    let owed = ssl_batch::take_all();
    ssl_batch::settle(&owed[0].key); // not run: its marker goes too

    // A request that died before its end: its marker stays, and the next add on
    // that app (here an unchanged name) owes the redeploy for those names too.
    reset_app(&sim, "basic");
    add(&config, "lost-one.example.com");
    add(&config, "lost-two.example.com");
    ssl_batch::forget_request(); // the next request starts; nothing ran
    let out = add(&config, "lost-one.example.com");
    assert_eq!(out.ssl.status, SslStatus::Queued, "{}", out.ssl.message);
    assert!(out.ssl.message.contains("2 name(s)"), "{}", out.ssl.message);
    let owed = ssl_batch::take_all();
    assert_eq!(
        owed[0].names,
        ["lost-one.example.com", "lost-two.example.com"]
    );
    sim.shared().clear_requests();
    Mapping::redeploy_owed(&owed[0]).expect("caught up");
    let redeployed = sim
        .shared()
        .requests()
        .iter()
        .filter(|l| l.method == "PUT" && l.status < 300)
        .count();
    assert_eq!(redeployed, 1, "{:?}", puts(&sim));

    // redeploy_ssl() on demand covers what is owed: nothing runs at the end.
    add(&config, "on-demand.example.com");
    Mapping::new(&config)
        .expect("m")
        .redeploy_ssl()
        .expect("redeploy");
    assert!(ssl_batch::take_all().is_empty());

    // Advanced mode has no app-wide certificate: each add orders its own at once.
    // The first add after the switch still queues on the remembered basic
    // certificate; its redeploy finds the certificate gone and says so, and the
    // name added again gets its own certificate at once.
    reset_app(&sim, "advanced");
    add(&config, "adv-batch.example.com");
    let owed = ssl_batch::take_all();
    let err = Mapping::redeploy_owed(&owed[0]).expect_err("mode switched");
    assert!(
        err.to_string()
            .contains("no longer in basic SSL mode (advanced)"),
        "{err}"
    );
    let out = add(&config, "adv-batch.example.com");
    assert_eq!(out.ssl.status, SslStatus::Issued, "{}", out.ssl.message);
    let out = add(&config, "adv-batch-two.example.com");
    assert_eq!(out.ssl.status, SslStatus::Issued, "{}", out.ssl.message);
    assert!(ssl_batch::take_all().is_empty());
}
