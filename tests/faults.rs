//! RunCloud failing in every way remote APIs fail: each fault injected into the
//! simulator, and what the core must do about it (never a panic, a hang, a lost
//! or duplicated domain, or a failure mistaken for success).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

mod common;

use common::*;
use runcloud_sim::{Fault, SEED_APP, SEED_SERVER};
use std::time::{Duration, Instant};
use wu_runcloud::flows::NameKind;
use wu_runcloud::Error;

fn fault(f: Fault) -> Fault {
    Fault {
        count: if f.count == 0 { 1 } else { f.count },
        ..f
    }
}

fn count_of(sim: &runcloud_sim::Sim, n: &str) -> usize {
    sim.shared()
        .domain_names(SEED_SERVER, SEED_APP)
        .iter()
        .filter(|d| *d == n)
        .count()
}

#[test]
fn transient_statuses_on_reads_are_retried_until_success() {
    let sim = sim();
    let config = config_v3(&sim);
    for status in [429, 502, 503, 504] {
        sim.shared().clear_requests();
        sim.shared().push_fault(fault(Fault {
            method: Some("GET".into()),
            status: Some(status),
            count: 2,
            ..Default::default()
        }));
        let found = common::flows(&config)
            .expect("m")
            .find(&name("network.test"))
            .expect("found after retries");
        assert!(found.is_some(), "{status}");
        let statuses: Vec<u16> = sim.shared().requests().iter().map(|l| l.status).collect();
        assert_eq!(statuses, vec![status, status, 200], "{status}");
    }
}

#[test]
fn retries_stop_at_max_retries_and_report_the_status() {
    let sim = sim();
    let mut config = config_v3(&sim);
    config.options.max_retries = 2;
    sim.shared().push_fault(fault(Fault {
        status: Some(503),
        count: 50,
        ..Default::default()
    }));
    let err = common::flows(&config)
        .expect("m")
        .list()
        .expect_err("gives up");
    assert_eq!(err.status_code(), 503);
    assert_eq!(sim.shared().requests().len(), 3, "one try and two retries");
    config.options.max_retries = 0;
    sim.shared().clear_requests();
    assert!(common::flows(&config).expect("m").list().is_err());
    assert_eq!(sim.shared().requests().len(), 1);
}

#[test]
fn non_transient_errors_are_not_retried() {
    let sim = sim();
    let config = config_v3(&sim);
    for status in [400, 401, 403, 404, 500] {
        sim.shared().clear_requests();
        sim.shared().push_fault(fault(Fault {
            status: Some(status),
            ..Default::default()
        }));
        let err = common::flows(&config)
            .expect("m")
            .list()
            .expect_err("error");
        assert_eq!(err.status_code(), status);
        assert_eq!(sim.shared().requests().len(), 1, "{status} is final");
    }
}

#[test]
fn retry_after_is_honoured() {
    let sim = sim();
    let config = config_v3(&sim);
    sim.shared().push_fault(fault(Fault {
        status: Some(429),
        retry_after: Some("1".into()),
        ..Default::default()
    }));
    let t = Instant::now();
    common::flows(&config)
        .expect("m")
        .list()
        .expect("after waiting");
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
}

#[test]
fn a_retry_after_beyond_the_deadline_fails_fast_instead_of_waiting() {
    let sim = sim();
    let mut config = config_v3(&sim);
    config.options.timeout = Duration::from_secs(2);
    sim.shared().push_fault(fault(Fault {
        status: Some(429),
        retry_after: Some("30".into()),
        ..Default::default()
    }));
    let t = Instant::now();
    let err = common::flows(&config)
        .expect("m")
        .list()
        .expect_err("no room to wait");
    assert_eq!(err.status_code(), 429);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}

#[test]
fn a_post_whose_answer_was_lost_is_looked_up_not_repeated() {
    let sim = sim();
    let config = config_v3(&sim);
    // The add reaches RunCloud, then the connection drops before the answer.
    sim.shared().push_fault(fault(Fault {
        method: Some("POST".into()),
        action: Some("drop".into()),
        apply: true,
        ..Default::default()
    }));
    let out = common::flows(&config)
        .expect("m")
        .add(&name("lost.example.com"), NameKind::Mapped)
        .expect("settled by lookup");
    assert!(out.created);
    assert_eq!(count_of(&sim, "lost.example.com"), 1);
    let posts = sim
        .shared()
        .requests()
        .iter()
        .filter(|l| l.method == "POST" && l.path.ends_with("/domains"))
        .count();
    assert_eq!(posts, 1, "never posted twice");
}

#[test]
fn a_post_that_failed_before_arriving_is_repeated_after_a_lookup() {
    let sim = sim();
    let config = config_v3(&sim);
    for (status, action) in [(Some(503), None), (Some(502), None), (None, Some("drop"))] {
        let n = format!("retry-{}-example.com", status.unwrap_or(0));
        sim.shared().clear_requests();
        sim.shared().push_fault(fault(Fault {
            method: Some("POST".into()),
            status,
            action: action.map(String::from),
            ..Default::default()
        }));
        let out = common::flows(&config)
            .expect("m")
            .add(&name(&n), NameKind::Mapped)
            .expect("added on retry");
        assert!(out.created);
        assert_eq!(count_of(&sim, &n), 1);
        // A first add asks the SSL set-up beside the POST: those requests interleave.
        // The first of all also reads the certificate's names once (the census).
        let mut c = calls_where(&sim, |c| !c.contains("/ssl"));
        if status == Some(503) {
            assert_eq!(c.remove(0), format!("GET {}/domains", app_path()));
        }
        let app = app_path();
        assert_eq!(
            &c[..3],
            &[
                format!("POST {app}/domains"),
                format!("GET {app}/domains"),
                format!("POST {app}/domains")
            ],
            "{c:?}"
        );
    }
}

#[test]
fn a_post_refused_by_the_rate_limit_is_repeated() {
    let sim = sim();
    let config = config_v3(&sim);
    sim.shared().push_fault(fault(Fault {
        method: Some("POST".into()),
        status: Some(429),
        retry_after: Some("0".into()),
        ..Default::default()
    }));
    let out = common::flows(&config)
        .expect("m")
        .add(&name("limited.example.com"), NameKind::Mapped)
        .expect("added");
    assert!(out.created);
    assert_eq!(count_of(&sim, "limited.example.com"), 1);
}

#[test]
fn a_server_that_never_answers_cannot_hang_a_call() {
    let sim = sim();
    let mut config = config_v3(&sim);
    config.options.timeout = Duration::from_millis(1500);
    for action in ["hang", "trickle"] {
        sim.shared().push_fault(fault(Fault {
            action: Some(action.into()),
            count: 20,
            ..Default::default()
        }));
        let t = Instant::now();
        let err = common::flows(&config)
            .expect("m")
            .list()
            .expect_err("times out");
        let took = t.elapsed();
        assert!(
            took < Duration::from_millis(2500),
            "{action}: took {took:?}"
        );
        assert!(matches!(err, Error::Transport { .. }), "{action}: {err:?}");
        assert_eq!(err.status_code(), 0);
        assert!(
            err.to_string().contains("timeout") || err.to_string().contains("in time"),
            "{action}: {err}"
        );
        sim.shared().reset();
    }
}

#[test]
fn an_unreachable_api_fails_fast_with_status_zero() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut o = wu_runcloud::config::Options::default();
    o.apply(
        "api_url",
        &wu_runcloud::config::OptionValue::Text(format!("http://127.0.0.1:{port}/api")),
        "t",
    )
    .expect("url");
    o.max_retries = 1;
    let config =
        wu_runcloud::config::Config::from_constants(&raw_v3("tok-123456"), o).expect("config");
    let t = Instant::now();
    let err = common::flows(&config)
        .expect("m")
        .list()
        .expect_err("refused");
    assert_eq!(err.status_code(), 0);
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(3));
}

#[test]
fn hostile_answers_are_clear_errors() {
    let sim = sim();
    let config = config_v3(&sim);
    let cases: Vec<(Fault, &str)> = vec![
        (
            Fault {
                status: Some(200),
                body: Some("<!DOCTYPE html><html>Maintenance</html>".into()),
                content_type: Some("text/html".into()),
                ..Default::default()
            },
            "HTML",
        ),
        (
            Fault {
                status: Some(200),
                body: Some(String::new()),
                ..Default::default()
            },
            "empty",
        ),
        (
            Fault {
                status: Some(200),
                body: Some(r#"{"data": [{"id": 1, "name": "a.com"}"#.into()),
                ..Default::default()
            },
            "not valid JSON",
        ),
        (
            Fault {
                status: Some(200),
                body: Some(r#"{"data": {"id": 1}}"#.into()),
                ..Default::default()
            },
            "no data array",
        ),
        (
            Fault {
                status: Some(200),
                body: Some(r#"[1, 2, 3]"#.into()),
                ..Default::default()
            },
            "no data array",
        ),
        (
            Fault {
                status: Some(200),
                body_size: Some(5 << 20),
                ..Default::default()
            },
            "larger than 2 MiB",
        ),
        (
            Fault {
                action: Some("truncate".into()),
                count: 10,
                ..Default::default()
            },
            "broke off",
        ),
    ];
    for (f, want) in cases {
        sim.shared().reset();
        sim.shared().push_fault(fault(f));
        let err = common::flows(&config).expect("m").list().expect_err(want);
        assert!(err.to_string().contains(want), "want {want:?}, got {err}");
    }
}

#[test]
fn an_unreadable_entry_is_skipped_and_noted_not_fatal() {
    let sim = sim();
    let config = config_v3(&sim);
    for (body, why) in [
        (
            r#"{"data": [{"id": "x", "name": "a.com"}, {"id": 5, "name": "b.com"}]}"#,
            "no numeric id",
        ),
        (
            r#"{"data": [{"id": null, "name": "a.com"}, {"id": 5, "name": "b.com"}]}"#,
            "no numeric id",
        ),
        (
            r#"{"data": [{"id": 1, "name": 42}, {"id": 5, "name": "b.com"}]}"#,
            "no name",
        ),
    ] {
        sim.shared().reset();
        sim.shared().push_fault(fault(Fault {
            status: Some(200),
            body: Some(body.into()),
            ..Default::default()
        }));
        let m = common::flows(&config).expect("m");
        let all = m.list().expect("the readable entries are listed");
        let names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
        assert!(
            names.contains(&"b.com") && !names.contains(&"a.com"),
            "{names:?}"
        );
        let notes = m.notes();
        assert!(
            notes.len() == 1 && notes[0].contains("unreadable entry") && notes[0].contains(why),
            "{notes:?}"
        );
    }
}

#[test]
fn the_deadline_bounds_a_whole_call_including_retries() {
    let sim = sim();
    let mut config = config_v3(&sim);
    config.options.timeout = Duration::from_secs(1);
    config.options.max_retries = 10;
    sim.shared().push_fault(fault(Fault {
        status: Some(503),
        delay: Duration::from_millis(300),
        count: 100,
        ..Default::default()
    }));
    let t = Instant::now();
    let err = common::flows(&config)
        .expect("m")
        .list()
        .expect_err("deadline");
    assert!(
        t.elapsed() < Duration::from_millis(1600),
        "{:?}",
        t.elapsed()
    );
    assert!(err.status_code() == 503 || err.status_code() == 0, "{err}");
}

#[test]
fn a_delete_whose_answer_was_lost_is_verified_by_id_and_reported_as_done() {
    let sim = sim();
    let config = config_v3(&sim);
    let m = common::flows(&config).expect("m");
    m.add(&name("lost-delete.com"), NameKind::Mapped)
        .expect("added");
    sim.shared().clear_requests();
    // RunCloud deletes it, then the connection drops before the answer.
    sim.shared().push_fault(fault(Fault {
        method: Some("DELETE".into()),
        action: Some("drop".into()),
        apply: true,
        ..Default::default()
    }));
    let removed = common::flows(&config)
        .expect("m")
        .remove(&name("lost-delete.com"))
        .expect("verified");
    assert!(removed, "the DELETE did work: not 'was not there'");
    assert_eq!(count_of(&sim, "lost-delete.com"), 0);
    let c = calls(&sim.shared().requests());
    let deletes = c.iter().filter(|c| c.starts_with("DELETE")).count();
    assert_eq!(deletes, 1, "looked up by id, not sent again: {c:?}");
    assert!(
        c.iter()
            .any(|c| c.starts_with("GET") && c.contains("/domains/")),
        "{c:?}"
    );
}

#[test]
fn a_delete_that_did_not_arrive_is_sent_again_after_the_lookup() {
    let sim = sim();
    let config = config_v3(&sim);
    common::flows(&config)
        .expect("m")
        .add(&name("retry-delete.com"), NameKind::Mapped)
        .expect("added");
    sim.shared().clear_requests();
    sim.shared().push_fault(fault(Fault {
        method: Some("DELETE".into()),
        status: Some(502),
        ..Default::default()
    }));
    let removed = common::flows(&config)
        .expect("m")
        .remove(&name("retry-delete.com"))
        .expect("removed");
    assert!(removed);
    assert_eq!(count_of(&sim, "retry-delete.com"), 0);
    let deletes = count_calls(&sim, |c| c.starts_with("DELETE"));
    assert_eq!(deletes, 2);
}

#[test]
fn a_redeploy_whose_answer_was_lost_is_not_ordered_twice() {
    let sim = sim();
    let config = config_v3(&sim);
    for f in [
        Fault {
            method: Some("PUT".into()),
            status: Some(503),
            count: 5,
            ..Default::default()
        },
        Fault {
            method: Some("PUT".into()),
            action: Some("drop".into()),
            apply: true,
            ..Default::default()
        },
    ] {
        sim.shared().reset();
        sim.shared().push_fault(fault(f));
        let err = common::flows(&config)
            .expect("m")
            .redeploy_ssl()
            .expect_err("reported");
        assert!(err.to_string().contains("not sent again"), "{err}");
        let puts = count_calls(&sim, |c| c.starts_with("PUT"));
        assert_eq!(puts, 1, "one certificate order at most");
    }
}

#[test]
fn a_domain_certificate_request_whose_answer_was_lost_is_not_repeated() {
    let sim = sim();
    let config = config_v3(&sim);
    reset_app(&sim, "advanced");
    sim.shared().push_fault(fault(Fault {
        method: Some("POST".into()),
        path_contains: Some("/ssl".into()),
        action: Some("drop".into()),
        apply: true,
        ..Default::default()
    }));
    let out = common::flows(&config)
        .expect("m")
        .add(&name("adv-lost.com"), NameKind::Mapped)
        .expect("the add stands");
    // Owed, not forgotten: a later call pays it once RunCloud says whether it went through.
    assert_eq!(out.ssl.status.as_str(), "queued", "{}", out.ssl.message);
    assert!(
        out.ssl.message.contains("not sent again") && out.ssl.message.contains("stays owed"),
        "{}",
        out.ssl.message
    );
    let posts = || count_calls(&sim, |c| c.starts_with("POST") && c.ends_with("/ssl"));
    assert_eq!(posts(), 1);
    // 15 minutes on, the next call asks RunCloud: the lost order went through.
    let (at, lost) = wu_runcloud::ssl_batch::tried::last(&config, "adv-lost.com").expect("kept");
    wu_runcloud::ssl_batch::tried::note(&config, "adv-lost.com", at - 901, lost);
    let paid = common::flows(&config)
        .expect("m")
        .pay_owed_own(wu_runcloud::flows::OWN_ORDERS_A_CALL)
        .expect("paid");
    assert!(paid.message.contains("already had one"), "{}", paid.message);
    assert_eq!(posts(), 1, "never ordered twice");
}

#[test]
fn no_backoff_outlasts_the_deadline_of_an_add() {
    let sim = sim();
    let mut config = config_v3(&sim);
    config.options.timeout = Duration::from_secs(1);
    config.options.max_retries = 10;
    sim.shared().push_fault(fault(Fault {
        method: Some("POST".into()),
        status: Some(502),
        count: 100,
        ..Default::default()
    }));
    let t = Instant::now();
    let err = common::flows(&config)
        .expect("m")
        .add(&name("deadline-add.com"), NameKind::Mapped)
        .expect_err("gives up");
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}: {err}",
        t.elapsed()
    );
}

#[test]
fn a_connect_timeout_counts_as_never_sent_so_even_a_post_is_tried_again() {
    use socket2::{Domain, Socket, Type};
    // A loopback listener that never accepts, its backlog filled: Linux drops
    // further SYNs, so connecting times out without the request ever leaving.
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    let bind: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
    socket.bind(&bind.into()).expect("bind");
    socket.listen(0).expect("listen");
    let addr = socket
        .local_addr()
        .expect("addr")
        .as_socket()
        .expect("inet");
    let fillers: Vec<_> = (0..4)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()
        })
        .collect();
    assert!(!fillers.is_empty(), "the backlog could not be filled");
    let mut o = wu_runcloud::config::Options::default();
    o.apply(
        "api_url",
        &wu_runcloud::config::OptionValue::Text(format!("http://{addr}/api")),
        "t",
    )
    .expect("url");
    o.connect_timeout = Duration::from_millis(300);
    o.timeout = Duration::from_secs(5);
    o.max_retries = 2;
    let config =
        wu_runcloud::config::Config::from_constants(&raw_v3("tok-123456"), o).expect("config");
    let t = Instant::now();
    let err = common::flows(&config)
        .expect("m")
        .add(&name("connect-timeout.com"), NameKind::Mapped)
        .expect_err("no connection");
    let took = t.elapsed();
    // Classified as never sent: the connect error, not "did not answer in time"
    // (which would stop a POST at once), and tried 1 + max_retries times.
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert!(took >= Duration::from_millis(800), "tried again: {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    drop(fillers);
}
