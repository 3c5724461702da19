//! The domain-mapping flows of the core against runcloud-sim, in both API versions.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

mod common;

use common::*;
use runcloud_sim::{state::PaginationStyle, Fault, SEED_APP, SEED_SERVER};
use wu_runcloud::config::{SslPolicy, WwwPolicy};
use wu_runcloud::flows::{NameKind, SslMode, SslStatus};

#[test]
fn add_and_remove_in_both_api_versions() {
    let sim = sim();
    for (version, config) in [("v2", config_v2(&sim)), ("v3", config_v3(&sim))] {
        sim.shared().clear_requests();
        let m = common::flows(&config).expect("mapping");
        let out = m
            .add(&name("shop.example.com"), NameKind::Mapped)
            .expect("add");
        assert!(
            out.created && out.id.is_some_and(|id| id > 0) && !out.www,
            "{out:?}"
        );
        assert_eq!(out.ssl.status, SslStatus::Redeployed);
        assert!(sim
            .shared()
            .domain_names(SEED_SERVER, SEED_APP)
            .contains(&"shop.example.com".to_string()));
        assert!(m.remove(&name("shop.example.com")).expect("remove"));
        assert!(!m.remove(&name("shop.example.com")).expect("remove again"));
        assert!(!sim
            .shared()
            .domain_names(SEED_SERVER, SEED_APP)
            .contains(&"shop.example.com".to_string()));
        let log = sim.shared().requests();
        assert!(
            log.iter().all(|l| l.version == version
                && l.accept_json
                && l.content_type_json
                && l.status < 300),
            "{:?}",
            calls(&log)
        );
    }
}

#[test]
fn add_sends_the_documented_body_and_www_twin_for_registrable_names() {
    let sim = sim();
    let config = config_v3(&sim);
    let m = common::flows(&config).expect("mapping");
    for (n, kind, twin) in [
        ("example.co.uk", NameKind::Mapped, true),
        ("blog.example.co.uk", NameKind::Mapped, false),
        ("www.other.com", NameKind::Mapped, false),
        ("site1.network.test", NameKind::Subdomain, false),
    ] {
        assert_eq!(m.add(&name(n), kind).expect("add").www, twin, "{n}");
    }
    let posts: Vec<serde_json::Value> = sim
        .shared()
        .requests()
        .iter()
        .filter(|l| l.method == "POST")
        .map(|l| serde_json::from_str(&l.body).expect("json body"))
        .collect();
    assert_eq!(
        posts[0],
        serde_json::json!({"name": "example.co.uk", "www": true, "redirection": "non-www", "type": "alias"})
    );
    assert_eq!(posts[1]["www"], false);
    assert_eq!(posts[1]["redirection"], "none");
    assert_eq!(posts[3]["name"], "site1.network.test");

    let mut never = config_v3(&sim);
    never.options.www = WwwPolicy::Never;
    assert!(
        !common::flows(&never)
            .expect("m")
            .add(&name("plain.com"), NameKind::Mapped)
            .expect("add")
            .www
    );
    let mut always = config_v3(&sim);
    always.options.www = WwwPolicy::Always;
    assert!(
        common::flows(&always)
            .expect("m")
            .add(&name("deep.sub.plain.com"), NameKind::Mapped)
            .expect("add")
            .www
    );
}

#[test]
fn removes_a_domain_on_the_fourth_page_of_150_when_search_is_ignored() {
    let sim = sim();
    sim.shared().set_ignore_search(true);
    sim.shared().with_account(|a| {
        for i in 1..=150 {
            a.add_domain(
                SEED_SERVER,
                SEED_APP,
                &format!("site{i:03}.example.com"),
                false,
            );
        }
    });
    sim.shared().clear_requests();
    let config = config_v2(&sim);
    let m = common::flows(&config).expect("mapping");
    // The primary domain is first, so site130 is entry 131: page 4 of 40-entry pages.
    assert!(m.remove(&name("site130.example.com")).expect("remove"));
    let log = sim.shared().requests();
    let c = calls(&log);
    let app = app_path();
    assert_eq!(c.len(), 5, "{c:?}");
    assert!(c[..4].iter().all(|l| *l == format!("GET {app}/domains")));
    // Page 1 shows that search is ignored; pages 2 to 4 come at once, in any order.
    let mut pages: Vec<&str> = log[..4]
        .iter()
        .filter_map(|l| l.query.iter().find(|(k, _)| k == "page"))
        .map(|(_, v)| v.as_str())
        .collect();
    pages.sort_unstable();
    assert_eq!(pages, ["1", "2", "3", "4"]);
    assert!(log
        .iter()
        .take(4)
        .all(|l| l.query.iter().any(|(k, v)| k == "perPage" && v == "40")));
    assert!(log.iter().take(4).all(|l| l
        .query
        .iter()
        .any(|(k, v)| k == "search" && v == "site130.example.com")));
    assert!(c[4].starts_with(&format!("DELETE {app}/domains/")));
    assert_eq!(sim.shared().domain_names(SEED_SERVER, SEED_APP).len(), 150);
    assert!(!sim
        .shared()
        .domain_names(SEED_SERVER, SEED_APP)
        .contains(&"site130.example.com".to_string()));
    // Every page is read: a missing name costs the whole walk, never a wrong delete.
    sim.shared().clear_requests();
    assert!(!m
        .remove(&name("absent.example.com"))
        .expect("remove absent"));
    assert_eq!(sim.shared().requests().len(), 4);
    assert_eq!(m.list().expect("list").len(), 150);
}

#[test]
fn search_that_matches_more_than_the_name_is_checked_exactly() {
    let sim = sim();
    sim.shared().with_account(|a| {
        a.add_domain(SEED_SERVER, SEED_APP, "shop.example.com.au", false);
        a.add_domain(SEED_SERVER, SEED_APP, "myshop.example.com", false);
    });
    let config = config_v3(&sim);
    let m = common::flows(&config).expect("mapping");
    assert!(m.find(&name("shop.example.com")).expect("find").is_none());
    assert!(!m.remove(&name("shop.example.com")).expect("remove"));
    assert_eq!(sim.shared().domain_names(SEED_SERVER, SEED_APP).len(), 3);
}

#[test]
fn every_pagination_shape_is_walked_and_a_list_that_ignores_page_is_refused() {
    let sim = sim();
    sim.shared().with_account(|a| {
        for i in 1..=85 {
            a.add_domain(SEED_SERVER, SEED_APP, &format!("p{i}.example.org"), false);
        }
    });
    let config = config_v3(&sim);
    for style in [
        PaginationStyle::Standard,
        PaginationStyle::LastPage,
        PaginationStyle::None,
    ] {
        sim.shared().set_pagination(style);
        let all = common::flows(&config).expect("m").list().expect("list");
        assert_eq!(all.len(), 86, "{style:?}");
    }
    // Past the end, the last page again (no meta): the end of the list, nothing lost.
    sim.shared().set_pagination(PaginationStyle::RepeatLast);
    let all = common::flows(&config).expect("m").list().expect("list");
    assert_eq!(all.len(), 86, "RepeatLast");
    // A server that ignores `page` and always answers page 1: refused, not taken as the end.
    sim.shared().set_pagination(PaginationStyle::Repeat);
    sim.shared().clear_requests();
    let err = common::flows(&config)
        .expect("m")
        .list()
        .expect_err("repeat must fail");
    assert!(err.to_string().contains("repeated"), "{err}");
    assert_eq!(
        sim.shared().requests().len(),
        2,
        "stops at the first repeat"
    );
}

#[test]
fn an_existing_name_is_a_success_and_a_refused_one_an_error_with_field_errors() {
    let sim = sim();
    let config = config_v3(&sim);
    let m = common::flows(&config).expect("mapping");
    let first = m
        .add(&name("dup.example.com"), NameKind::Mapped)
        .expect("add");
    let again = m
        .add(&name("dup.example.com"), NameKind::Mapped)
        .expect("add again");
    assert!(first.created && !again.created);
    assert_eq!(first.id, again.id);
    sim.shared().push_fault(Fault {
        method: Some("POST".into()),
        status: Some(422),
        body: Some(r#"{"message":"The given data was invalid.","errors":{"name":["The name is reserved."]}}"#.into()),
        count: 1,
        ..Default::default()
    });
    let err = m
        .add(&name("reserved.example.com"), NameKind::Mapped)
        .expect_err("refused");
    assert_eq!(err.status_code(), 422);
    assert_eq!(
        err.field_errors().get("name"),
        Some(&vec!["The name is reserved.".to_string()])
    );
    assert!(
        err.to_string().contains("The given data was invalid."),
        "{err}"
    );
    assert!(!sim
        .shared()
        .domain_names(SEED_SERVER, SEED_APP)
        .contains(&"reserved.example.com".to_string()));
}

#[test]
fn ssl_follows_the_mode_of_the_app() {
    let sim = sim();
    // The DNS check off: a name Let's Encrypt refuses reaches the order, as
    // when DNS changes between the check and the order (tests/certificates.rs
    // has the check on).
    let mut config = config_v3(&sim);
    config.options.dns_check = false;
    // Advanced: a certificate for the new domain.
    reset_app(&sim, "advanced");
    let out = common::flows(&config)
        .expect("m")
        .add(&name("adv.example.com"), NameKind::Mapped)
        .expect("add");
    assert_eq!(
        (out.ssl.mode, out.ssl.status),
        (SslMode::Advanced, SslStatus::Issued)
    );
    let app = sim.shared().app_json(SEED_SERVER, SEED_APP);
    assert!(app["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .any(|d| d["name"] == "adv.example.com" && d["ssl_id"].is_u64()));
    // None installed: skipped, and said so.
    reset_app(&sim, "none");
    let out = common::flows(&config)
        .expect("m")
        .add(&name("plain.example.com"), NameKind::Mapped)
        .expect("add");
    assert_eq!(out.ssl.status, SslStatus::Skipped);
    assert!(
        out.ssl.message.contains("no SSL certificate"),
        "{}",
        out.ssl.message
    );
    // Basic, but Let's Encrypt cannot validate a name: the add stands, the SSL failure is reported.
    reset_app(&sim, "basic");
    let out = common::flows(&config)
        .expect("m")
        .add(&name("nodns.example.com"), NameKind::Mapped)
        .expect("add");
    assert!(out.created);
    assert_eq!(out.ssl.status, SslStatus::Failed);
    // RunCloud's own words are relayed, and the admin is told what to fix.
    let m = &out.ssl.message;
    assert!(m.contains("HTTP 422"), "{m}");
    assert!(
        m.contains("Let's Encrypt could not validate nodns.example.com"),
        "{m}"
    );
    assert!(
        m.contains("every name on the app must point (DNS A/AAAA record) at this server"),
        "{m}"
    );
    let err = common::flows(&config)
        .expect("m")
        .redeploy_ssl()
        .expect_err("redeploy fails");
    assert_eq!(err.status_code(), 422);
    // Off: no SSL request at all.
    let mut off = config.clone();
    off.options.ssl = SslPolicy::Off;
    sim.shared().clear_requests();
    let out = common::flows(&off)
        .expect("m")
        .add(&name("quiet.example.com"), NameKind::Mapped)
        .expect("add");
    assert_eq!(out.ssl.status, SslStatus::Off);
    assert!(sim
        .shared()
        .requests()
        .iter()
        .all(|l| !l.path.contains("/ssl")));
}

#[test]
fn a_subdomain_under_a_wildcard_is_not_added() {
    let sim = sim();
    sim.shared()
        .with_account(|a| a.add_app(SEED_SERVER, SEED_APP, "wild", "network.test", true, "basic"));
    let config = config_v3(&sim);
    let m = common::flows(&config).expect("m");
    let out = m
        .add(&name("alice.network.test"), NameKind::Subdomain)
        .expect("add");
    assert_eq!(out.covered_by.as_deref(), Some("network.test"));
    assert!(sim.shared().requests().iter().all(|l| l.method == "GET"));
    assert!(!sim
        .shared()
        .domain_names(SEED_SERVER, SEED_APP)
        .contains(&"alice.network.test".to_string()));
    // Two levels down is not covered by *.network.test.
    assert!(
        m.add(&name("a.b.network.test"), NameKind::Subdomain)
            .expect("add")
            .created
    );
}

#[test]
fn the_primary_domain_is_never_removed() {
    let sim = sim();
    let config = config_v3(&sim);
    let err = common::flows(&config)
        .expect("m")
        .remove(&name("network.test"))
        .expect_err("refused");
    assert!(err.to_string().contains("primary domain"), "{err}");
    assert!(sim.shared().requests().iter().all(|l| l.method == "GET"));
}

#[test]
fn connections_are_kept_alive_across_calls() {
    let sim = sim();
    let config = config_v3(&sim);
    let mut after_first = 0;
    for i in 0..5 {
        let m = common::flows(&config).expect("m");
        m.add(&name(&format!("ka{i}.example.com")), NameKind::Mapped)
            .expect("add");
        if i == 0 {
            after_first = sim.shared().connections();
        }
    }
    // 5 adds: each a POST and a redeploy at least (the SSL set-up is remembered).
    assert!(sim.shared().requests().len() >= 10);
    // The first add asks its two wildcard questions, the SSL set-up (two more)
    // and the certificate's names at once: over HTTP/1.1 (this simulator) at
    // most five connections, then kept for every later call.
    assert!((1..=5).contains(&after_first), "{after_first}");
    assert_eq!(
        sim.shared().connections(),
        after_first,
        "the kept-alive connections serve every later call"
    );
}

fn ssl_calls(sim: &runcloud_sim::Sim) -> Vec<String> {
    calls_where(sim, |c| c.contains("/ssl"))
}

#[test]
fn a_worker_asks_the_ssl_set_up_once_and_asks_again_when_it_went_stale() {
    let sim = sim();
    // The DNS check off: a name Let's Encrypt refuses reaches the order, as
    // when DNS changes between the check and the order (tests/certificates.rs
    // has the check on).
    let mut config = config_v3(&sim);
    config.options.dns_check = false;
    let add = |n: &str| {
        common::flows(&config)
            .expect("m")
            .add(&name(n), NameKind::Mapped)
            .expect("add")
    };
    // First add: the mode and the certificate are asked, then redeployed.
    assert_eq!(add("memo-one.com").ssl.status, SslStatus::Redeployed);
    sim.shared().clear_requests();
    // Second add: POST and the redeploy only.
    let out = add("memo-two.com");
    assert_eq!(out.ssl.status, SslStatus::Redeployed);
    let c = calls(&sim.shared().requests());
    assert_eq!(c.len(), 2, "{c:?}");
    assert!(c[0].starts_with("POST") && c[1].starts_with("PUT"), "{c:?}");

    // The app's certificate is replaced in RunCloud: the remembered id answers 404,
    // the set-up is asked again, and the new certificate is redeployed once.
    reset_app(&sim, "basic");
    sim.shared().clear_requests();
    let out = add("memo-three.com");
    assert_eq!(out.ssl.status, SslStatus::Redeployed, "{}", out.ssl.message);
    let s = ssl_calls(&sim);
    assert_eq!(
        s.iter().filter(|c| c.starts_with("PUT")).count(),
        2,
        "{s:?}"
    );

    // Switched to advanced: the remembered basic set-up fails, the new mode is asked
    // and the domain gets its own certificate.
    reset_app(&sim, "advanced");
    let out = add("memo-four.com");
    assert_eq!(out.ssl.status, SslStatus::Issued, "{}", out.ssl.message);

    // A failure that is not staleness (Let's Encrypt refuses a name) is asked about
    // once, and nothing is ordered again.
    reset_app(&sim, "basic");
    add("memo-five.com");
    sim.shared().clear_requests();
    let out = add("nodns-memo.com");
    assert_eq!(out.ssl.status, SslStatus::Failed);
    let s = ssl_calls(&sim);
    assert_eq!(
        s.iter().filter(|c| c.starts_with("PUT")).count(),
        1,
        "{s:?}"
    );
    assert_eq!(
        s.iter().filter(|c| c.starts_with("GET")).count(),
        2,
        "{s:?}"
    );
}
