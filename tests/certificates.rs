//! A name joins a certificate only once Let's Encrypt can validate it, and a
//! redeploy that is owed stays owed until it succeeds. The simulator's DNS
//! server (UDP, the API's port) and its Let's Encrypt model read one table.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

mod common;

use common::*;
use runcloud_sim::{Sim, SEED_APP, SEED_SERVER};
use serde_json::Value;
use wu_runcloud::config::Config;
use wu_runcloud::flows::{AddOutcome, NameKind, SslMode, SslStatus};
use wu_runcloud::pointing::{Pointing, Via};
use wu_runcloud::ssl_batch;

fn add(config: &Config, n: &str) -> AddOutcome {
    common::flows(config)
        .expect("m")
        .add(&name(n), NameKind::Mapped)
        .expect("add")
}

fn recheck(config: &Config, n: &str) -> AddOutcome {
    common::flows(config)
        .expect("m")
        .recheck(&name(n), NameKind::Mapped)
        .expect("recheck")
}

fn app_state(sim: &Sim) -> Value {
    sim.shared().app_json(SEED_SERVER, SEED_APP)
}

fn refused_orders(sim: &Sim) -> u64 {
    app_state(sim)["ssl"]["refused_orders"].as_u64().unwrap()
}

fn on_app(sim: &Sim, n: &str) -> bool {
    sim.shared()
        .domain_names(SEED_SERVER, SEED_APP)
        .iter()
        .any(|d| d == n)
}

/// What the next request's flush does for what the app owes on disk (this worker's batch forgotten).
fn next_flush(config: &Config) -> Result<wu_runcloud::flows::SslOutcome, wu_runcloud::Error> {
    common::worker().batch().forget_request();
    let owed = common::flows(config)
        .expect("m")
        .owed_redeploy()
        .expect("asked")
        .expect("basic: owed");
    common::redeploy_owed(&owed)
}

fn run_owed(sim: &Sim) -> Result<wu_runcloud::flows::SslOutcome, wu_runcloud::Error> {
    let _ = sim;
    let owed = common::worker().batch().take_all();
    assert_eq!(owed.len(), 1, "one redeploy owed: {owed:?}");
    common::redeploy_owed(&owed[0])
}

/// The batch is per process: the basic-mode flows run in turn in one test.
#[test]
fn basic_mode_a_name_joins_the_certificate_only_once_it_points_here() {
    let _turn = take_turn();
    let sim = sim();
    let config = config_v3_batched(&sim);
    common::worker().batch().forget_request();

    // Mapped before its DNS points: not added, no order, reported as waiting.
    point(&sim, "early.com", Some(&[]));
    let out = add(&config, "early.com");
    assert_eq!(out.ssl.status, SslStatus::WaitingDns, "{}", out.ssl.message);
    assert_eq!((out.created, out.id), (false, None));
    assert!(
        out.ssl.message.contains("no A or AAAA record"),
        "{}",
        out.ssl.message
    );
    assert!(!on_app(&sim, "early.com"));
    assert!(
        common::worker().batch().take_all().is_empty(),
        "nothing owed"
    );
    assert_eq!(count_calls(&sim, |c| c.starts_with("PUT")), 0);
    // Pointing elsewhere (an old host) is no better.
    point(&sim, "early.com", Some(&["127.0.0.99"]));
    let out = recheck(&config, "early.com");
    assert_eq!(out.ssl.status, SslStatus::WaitingDns);
    assert!(
        out.ssl.message.contains("127.0.0.99"),
        "{}",
        out.ssl.message
    );

    // DNS arrives: the re-check adds it and one redeploy covers it.
    point(&sim, "early.com", None);
    let out = recheck(&config, "early.com");
    assert!(out.created);
    assert_eq!(out.ssl.status, SslStatus::Queued, "{}", out.ssl.message);
    let dns = out.dns.expect("checked");
    assert_eq!(
        dns.pointing,
        Pointing::Here {
            via: Via::Dns,
            addresses: vec!["127.0.0.10".parse().unwrap()]
        }
    );
    run_owed(&sim).expect("redeployed");
    assert_eq!(count_calls(&sim, |c| c.starts_with("PUT")), 1);
    assert_eq!(refused_orders(&sim), 0, "no refused order in between");

    // Ten names, one of which never points: nine certified together, one waits.
    reset_app(&sim, "basic");
    sim.shared().clear_requests();
    point(&sim, "never9.com", Some(&["127.0.0.99"]));
    let mut waiting = Vec::new();
    for i in 0..10 {
        let n = format!("never{i}.com");
        let out = add(&config, &n);
        if out.ssl.status == SslStatus::WaitingDns {
            waiting.push(n);
        } else {
            assert_eq!(
                out.ssl.status,
                SslStatus::Queued,
                "{n}: {}",
                out.ssl.message
            );
        }
    }
    assert_eq!(waiting, ["never9.com"]);
    let done = run_owed(&sim).expect("the nine together");
    assert!(done.message.contains("9 name(s)"), "{}", done.message);
    assert_eq!(
        app_state(&sim)["ssl"]["redeploys"],
        1,
        "one certificate for the nine"
    );
    assert_eq!(refused_orders(&sim), 0);

    // A request-end redeploy answered 503 stays owed; the next flush (a new
    // request, nothing pending in this worker) makes it.
    sim.shared().push_fault(runcloud_sim::Fault {
        method: Some("PUT".into()),
        status: Some(503),
        count: 1,
        ..Default::default()
    });
    add(&config, "after-outage.com");
    let err = run_owed(&sim).expect_err("503");
    assert_eq!(err.status_code(), 503);
    assert_eq!(ssl_batch::owed::read(&config), ["after-outage.com"]);
    let out = next_flush(&config).expect("made by the next flush");
    assert!(out.message.contains("after-outage.com"), "{}", out.message);
    assert!(!ssl_batch::owed::any(&config));

    // A worker killed before its request ends: its memory is gone, the debt is not.
    add(&config, "killed-one.com");
    common::worker().batch().forget_request();
    assert_eq!(ssl_batch::owed::read(&config), ["killed-one.com"]);
    // A failed SSL lookup in the next add does not drop what was caught up.
    sim.shared().push_fault(runcloud_sim::Fault {
        path_contains: Some("/ssl".into()),
        status: Some(403),
        // Every lookup of the add fails (beside its first question, and again at its SSL step).
        count: 10,
        ..Default::default()
    });
    common::worker().memory().forget(&config.memory_key());
    let out = add(&config, "killed-two.com");
    assert_eq!(out.ssl.status, SslStatus::Failed, "{}", out.ssl.message);
    assert_eq!(
        ssl_batch::owed::read(&config),
        ["killed-one.com"],
        "still owed after the failed lookup"
    );
    sim.shared().clear_faults();
    common::flows(&config)
        .expect("m")
        .redeploy_ssl()
        .expect("paid on demand");
    assert!(!ssl_batch::owed::any(&config));

    // A www twin that does not point here stays off: it would fail the certificate too.
    point(&sim, "www.twinless.com", Some(&[]));
    let out = add(&config, "twinless.com");
    assert_eq!(out.ssl.status, SslStatus::Queued, "{}", out.ssl.message);
    assert!(!out.www, "added without its www twin");
    let owed = common::worker().batch().take_all();
    common::redeploy_owed(&owed[0]).expect("the certificate is not broken by the twin");

    // A name already on the app that no longer points is reported, not hidden.
    point(&sim, "never0.com", Some(&["127.0.0.99"]));
    let out = add(&config, "never0.com");
    assert_eq!(out.ssl.status, SslStatus::WaitingDns);
    assert!(out.id.is_some());
    assert!(
        out.ssl.message.contains("cannot be renewed"),
        "{}",
        out.ssl.message
    );
}

#[test]
fn advanced_mode_adds_at_once_and_orders_the_certificate_once_it_points() {
    let sim = sim();
    reset_app(&sim, "advanced");
    let config = config_v3(&sim);
    point(&sim, "adv-early.com", Some(&[]));
    let out = add(&config, "adv-early.com");
    assert!(out.created, "on the app at once");
    assert_eq!(
        (out.ssl.mode, out.ssl.status),
        (SslMode::Advanced, SslStatus::WaitingDns),
        "{}",
        out.ssl.message
    );
    assert_eq!(
        count_calls(&sim, |c| c.ends_with("/ssl") && c.starts_with("POST")),
        0
    );
    // Added again in the same worker while DNS is still missing: still waiting, no order.
    let out = add(&config, "adv-early.com");
    assert_eq!(out.ssl.status, SslStatus::WaitingDns, "{}", out.ssl.message);

    point(&sim, "adv-early.com", None);
    let out = recheck(&config, "adv-early.com");
    assert_eq!(out.ssl.status, SslStatus::Issued, "{}", out.ssl.message);
    assert_eq!(
        count_calls(&sim, |c| c.ends_with("/ssl") && c.starts_with("POST")),
        1
    );
    assert_eq!(refused_orders(&sim), 0);
}

#[test]
fn the_server_address_is_asked_of_runcloud_once_and_remembered() {
    let sim = sim();
    let mut config = config_v3(&sim);
    config.server_ips.clear();
    add(&config, "addr-one.com");
    add(&config, "addr-two.com");
    assert_eq!(
        count_calls(&sim, |c| c == format!("GET /servers/{SEED_SERVER}")),
        1,
        "{:?}",
        calls(&sim.shared().requests())
    );
    // WU_RUNCLOUD_SERVER_IP lists the load balancer: the name points at it.
    let mut config = config_v3(&sim);
    config.server_ips = vec!["127.0.0.20".parse().unwrap(), "127.0.0.21".parse().unwrap()];
    point(&sim, "behind-lb.com", Some(&["127.0.0.21"]));
    sim.shared()
        .with_account(|a| a.dns.forwarders.push("127.0.0.21".parse().unwrap()));
    assert_eq!(
        add(&config, "behind-lb.com").ssl.status,
        SslStatus::Redeployed
    );
    point(&sim, "not-lb.com", Some(&["127.0.0.10"]));
    assert_eq!(add(&config, "not-lb.com").ssl.status, SslStatus::WaitingDns);
}

/// A one-request HTTP server on a loopback address answering the probe path with `answer`.
#[test]
fn a_name_behind_a_proxy_passes_when_the_probe_reaches_this_network() {
    let sim = sim();
    let config = config_v3(&sim);
    // The "proxy" at 127.0.0.77 forwards to a network that answers the probe
    // with the HMAC only this network's credentials give.
    let ours = wu_runcloud::flows::probe_for(&config, 80);
    let port = probe_server("127.0.0.77", move |t| ours.answer(t));
    let mut with_probe = config.clone();
    with_probe.options.probe_port = port;
    // This test's "proxies" are on loopback, which the probe refuses otherwise.
    with_probe.options.probe_private = true;
    point(&sim, "proxied.com", Some(&["127.0.0.77"]));
    sim.shared()
        .with_account(|a| a.dns.forwarders.push("127.0.0.77".parse().unwrap()));
    let out = add(&with_probe, "proxied.com");
    assert!(
        matches!(
            out.dns.as_ref().map(|d| &d.pointing),
            Some(Pointing::Here {
                via: Via::Probe,
                ..
            })
        ),
        "{:?}",
        out.dns
    );
    assert_eq!(out.ssl.status, SslStatus::Redeployed, "{}", out.ssl.message);

    // Another network (other credentials) or an echo of the token does not pass.
    let theirs = wu_runcloud::flows::probe_for(&config_v2(&sim), 80);
    let port = probe_server("127.0.0.78", move |t| theirs.answer(t));
    with_probe.options.probe_port = port;
    point(&sim, "elsewhere.com", Some(&["127.0.0.78"]));
    assert_eq!(
        add(&with_probe, "elsewhere.com").ssl.status,
        SslStatus::WaitingDns
    );
    let port = probe_server("127.0.0.79", |t| Some(t.to_string()));
    with_probe.options.probe_port = port;
    point(&sim, "echo.com", Some(&["127.0.0.79"]));
    assert_eq!(
        add(&with_probe, "echo.com").ssl.status,
        SslStatus::WaitingDns
    );
}

#[test]
fn sync_lists_the_names_on_the_app_that_would_fail_a_renewal() {
    let sim = sim();
    sim.shared().with_account(|a| {
        a.add_domain(SEED_SERVER, SEED_APP, "moved-away.com", false);
        a.add_domain(SEED_SERVER, SEED_APP, "fine.com", false);
        a.add_domain(SEED_SERVER, SEED_APP, "nodns-gone.com", false);
    });
    point(&sim, "moved-away.com", Some(&["127.0.0.99"]));
    let config = config_v3(&sim);
    let names: Vec<String> = ["moved-away.com", "fine.com", "new-nodns.com"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let r = wu_runcloud::sync::sync(
        &common::flows(&config).expect("client"),
        &names,
        &Default::default(),
    )
    .expect("read");
    let listed: Vec<&str> = r
        .plan
        .not_pointing
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(listed, ["moved-away.com", "nodns-gone.com"]);
    // Applied: a network name that does not point is not added, and nothing is removed unasked.
    let opts = wu_runcloud::sync::SyncOptions {
        apply: true,
        limit: 10,
        ..Default::default()
    };
    let r = wu_runcloud::sync::sync(&common::flows(&config).expect("client"), &names, &opts)
        .expect("applied");
    assert_eq!(r.waiting.len(), 1, "{:?}", r.waiting);
    assert!(on_app(&sim, "moved-away.com"));
    assert!(!on_app(&sim, "new-nodns.com"));
}

#[test]
fn a_planted_state_directory_is_refused_and_never_written() {
    let _turn = take_turn();
    use std::os::unix::fs::PermissionsExt;
    let sim = sim();
    let mut config = config_v3_batched(&sim);
    let planted = common::scratch("planted");
    let _ = std::fs::remove_dir_all(&planted);
    std::fs::create_dir(&planted).unwrap();
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o777)).unwrap();
    // Another user's (as root, the test can give it away).
    let _ = std::os::unix::fs::chown(&planted, Some(65534), Some(65534));
    config.options.state_dir = Some(planted.clone());
    common::worker().batch().forget_request();
    let out = add(&config, "planted.com");
    assert_eq!(out.ssl.status, SslStatus::Queued);
    let owed = common::worker().batch().take_all();
    let why = owed[0].disk_error.clone().expect("refused");
    assert!(why.contains("refused"), "{why}");
    assert_eq!(
        std::fs::read_dir(&planted).unwrap().count(),
        0,
        "nothing written"
    );

    // A link planted where the state directory should be is not followed.
    let target = planted.with_extension("target");
    let link = planted.with_extension("link");
    let _ = std::fs::create_dir(&target);
    let _ = std::os::unix::fs::symlink(&target, &link);
    config.options.state_dir = Some(link.clone());
    add(&config, "linked.com");
    let owed = common::worker().batch().take_all();
    assert!(owed[0].disk_error.is_some());
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
    let _ = std::fs::remove_file(&link);
    let _ = std::fs::remove_dir_all(&target);
    let _ = std::fs::remove_dir_all(&planted);
}

#[test]
fn a_new_worker_uses_the_address_another_worker_asked_within_the_hour() {
    let sim = sim();
    let mut config = config_v3(&sim);
    config.server_ips.clear();
    for (worker, n) in [
        (wu_runcloud::worker::Worker::new(), "addr-worker-one.com"),
        (wu_runcloud::worker::Worker::new(), "addr-worker-two.com"),
    ] {
        let flows = wu_runcloud::flows::AppFlows::new(&config, &worker).expect("flows");
        let out = flows.add(&name(n), NameKind::Mapped).expect("add");
        assert_eq!(out.ssl.status, SslStatus::Redeployed, "{}", out.ssl.message);
    }
    assert_eq!(
        count_calls(&sim, |c| c == format!("GET /servers/{SEED_SERVER}")),
        1,
        "the second worker read the state directory"
    );
}

/// A redeploy whose answer is lost (RunCloud carried it out, then the connection broke) is not
/// ordered again by the next try: the next try asks whether the certificate changed. One that did
/// not reach RunCloud is not sent again at once either, while its order may still be running.
#[test]
fn a_redeploy_whose_answer_was_lost_is_never_ordered_twice() {
    let _turn = take_turn();
    let sim = sim();
    let config = config_v3_batched(&sim);
    common::worker().batch().forget_request();
    let put = |n: u64, apply: bool| {
        sim.shared().push_fault(runcloud_sim::Fault {
            method: Some("PUT".into()),
            action: Some("drop".into()),
            apply,
            count: n,
            ..Default::default()
        })
    };
    let puts = || count_calls(&sim, |c| c.starts_with("PUT"));
    let redeploys = || app_state(&sim)["ssl"]["redeploys"].as_u64().unwrap();

    add(&config, "lost-answer.com");
    put(1, true);
    let err = run_owed(&sim).expect_err("no answer");
    assert!(err.is_transient(), "{err}");
    assert_eq!((puts(), redeploys()), (1, 1), "carried out, answer lost");
    // The queued job's retry, in a new request: the certificate is new, so nothing is sent.
    let out = next_flush(&config).expect("settled by the lookup");
    assert!(out.message.contains("went through"), "{}", out.message);
    assert_eq!((puts(), redeploys()), (1, 1), "no second order");
    assert!(!ssl_batch::owed::any(&config));

    // Lost before RunCloud did anything: the next try within 15 minutes waits, sends nothing.
    add(&config, "lost-request.com");
    put(1, false);
    run_owed(&sim).expect_err("no answer");
    assert_eq!((puts(), redeploys()), (2, 1));
    let err = next_flush(&config).expect_err("not yet");
    assert!(
        err.is_transient() && err.to_string().contains("15 minutes"),
        "{err}"
    );
    assert_eq!(puts(), 2, "not sent again");
    assert_eq!(ssl_batch::owed::read(&config), ["lost-request.com"]);
    assert_eq!(refused_orders(&sim), 0);
    // Left for the next test of this state directory: nothing owed, nothing pending.
    ssl_batch::sent::clear(&config);
    ssl_batch::owed::settle(&config, &["lost-request.com".to_string()]);
}
