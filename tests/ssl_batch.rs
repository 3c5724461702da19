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
use wu_runcloud::flows::{NameKind, SslMode, SslStatus};
use wu_runcloud::ssl_batch;

fn add(config: &Config, n: &str) -> wu_runcloud::flows::AddOutcome {
    common::flows(config)
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
    let config = config_v3_batched(&sim);
    common::worker().batch().forget_request();

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
    assert_eq!(
        requests,
        20 + 2 + 1,
        "20 POSTs, the SSL set-up asked once, and the certificate's names read once (the census)"
    );

    // The request ends: one redeploy, covering every name.
    let owed = common::worker().batch().take_all();
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].names.len(), 20);
    let out = common::redeploy_owed(&owed[0]).expect("redeployed");
    assert_eq!(out.status, SslStatus::Redeployed);
    assert!(out.message.contains("20 name(s)"), "{}", out.message);
    assert!(out.message.contains("batch00.com"), "{}", out.message);
    assert_eq!(puts(&sim).len(), 1, "{:?}", puts(&sim));
    assert!(!ssl_batch::owed::any(&config), "nothing is owed on disk");

    // A name already on the app owes nothing.
    let again = add(&config, "batch00.com");
    assert_eq!(again.ssl.status, SslStatus::Unchanged);
    assert!(common::worker().batch().take_all().is_empty());

    // The certificate was replaced in RunCloud: the remembered id answers 404,
    // the set-up is asked again, and the new certificate is redeployed once.
    reset_app(&sim, "basic");
    sim.shared().clear_requests();
    add(&config, "after-reset.example.com");
    let owed = common::worker().batch().take_all();
    assert!(owed[0].remembered);
    let out = common::redeploy_owed(&owed[0]).expect("redeployed after asking again");
    assert_eq!(out.status, SslStatus::Redeployed);
    assert_eq!(puts(&sim).len(), 2, "{:?}", puts(&sim));

    // Let's Encrypt refuses: the failure is reported, the names stay owed on
    // disk, and the next redeploy of that app (in any worker) pays them.
    sim.shared().clear_requests();
    add(&config, "refused-batch.example.com");
    sim.shared().push_fault(runcloud_sim::Fault {
        method: Some("PUT".into()),
        status: Some(422),
        count: 1,
        ..Default::default()
    });
    let owed = common::worker().batch().take_all();
    let err = common::redeploy_owed(&owed[0]).expect_err("refused");
    assert_eq!(err.status_code(), 422);
    assert_eq!(puts(&sim).len(), 1, "not repeated: {:?}", puts(&sim));
    assert_eq!(
        ssl_batch::owed::read(&config),
        ["refused-batch.example.com"]
    );
    let retry = add(&config, "refused-batch.example.com");
    assert_eq!(retry.ssl.status, SslStatus::Queued, "{}", retry.ssl.message);
    let owed = common::worker().batch().take_all();
    common::redeploy_owed(&owed[0]).expect("paid");
    assert!(!ssl_batch::owed::any(&config));

    // A request that died before its end: what it owed stays on disk, and the
    // next add on that app (here an unchanged name) owes the redeploy for it too.
    reset_app(&sim, "basic");
    add(&config, "lost-one.example.com");
    add(&config, "lost-two.example.com");
    common::worker().batch().forget_request(); // the next request starts; nothing ran
    let out = add(&config, "lost-one.example.com");
    assert_eq!(out.ssl.status, SslStatus::Queued, "{}", out.ssl.message);
    assert!(
        out.ssl.message.contains("also covers 1 name(s)"),
        "{}",
        out.ssl.message
    );
    let owed = common::worker().batch().take_all();
    assert_eq!(
        owed[0].names,
        ["lost-two.example.com", "lost-one.example.com"]
    );
    sim.shared().clear_requests();
    common::redeploy_owed(&owed[0]).expect("caught up");
    let redeployed = sim
        .shared()
        .requests()
        .iter()
        .filter(|l| l.method == "PUT" && l.status < 300)
        .count();
    assert_eq!(redeployed, 1, "{:?}", puts(&sim));
    assert!(!ssl_batch::owed::any(&config));

    // redeploy_ssl() on demand covers what is owed: nothing runs at the end.
    add(&config, "on-demand.example.com");
    common::flows(&config)
        .expect("m")
        .redeploy_ssl()
        .expect("redeploy");
    assert!(common::worker().batch().take_all().is_empty());

    // Advanced mode has no app-wide certificate: each add orders its own at once.
    // The first add after the switch still queues on the remembered basic
    // certificate; its redeploy finds the certificate gone, asks again, and
    // gives the name its own certificate: nothing is left without one.
    reset_app(&sim, "advanced");
    add(&config, "adv-batch.example.com");
    let owed = common::worker().batch().take_all();
    let out = common::redeploy_owed(&owed[0]).expect("switched: per-name certificates");
    assert!(
        out.message.contains("each name got its own certificate"),
        "{}",
        out.message
    );
    let state = sim
        .shared()
        .app_json(runcloud_sim::SEED_SERVER, runcloud_sim::SEED_APP);
    let cert_of = |n: &str| {
        state["domains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == n)
            .map(|d| !d["ssl_id"].is_null())
    };
    assert_eq!(cert_of("adv-batch.example.com"), Some(true));
    assert!(!ssl_batch::owed::any(&config));
    let out = add(&config, "adv-batch-two.example.com");
    assert_eq!(out.ssl.status, SslStatus::Issued, "{}", out.ssl.message);
    assert!(common::worker().batch().take_all().is_empty());
}
