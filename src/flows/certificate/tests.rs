//! `ssl_after_add` by table: each case on a worker of its own (no
//! globals), against the simulator, counting the requests it sends.
use super::*;
use crate::config::{Config, ConstValue, OptionValue, Options, RawConstants};
use crate::domain::DomainName;
use crate::worker::Worker;
use runcloud_sim::{Sim, SimOptions, SEED_APP, SEED_SERVER};

struct Case {
    mode: &'static str,
    remembered: bool,
    created: bool,
    failed_before: bool,
    batch: SslBatch,
    status: SslStatus,
    /// "METHOD /ssl-path-tail" of each request, in order.
    requests: &'static [&'static str],
}

fn config(sim: &Sim, batch: SslBatch, dir: &std::path::Path) -> Config {
    let raw = RawConstants {
        api_token: Some(ConstValue::Text(
            runcloud_sim::Credentials::default().api_token,
        )),
        server_id: Some(ConstValue::Int(SEED_SERVER as i64)),
        app_id: Some(ConstValue::Int(SEED_APP as i64)),
        server_ip: Some("127.0.0.10".into()),
        ..Default::default()
    };
    let mut o = Options::default();
    let url = OptionValue::Text(sim.api_url());
    o.apply("api_url", &url, "test").expect("api_url");
    o.ssl_batch = batch;
    o.dns_check = false;
    o.state_dir = Some(dir.to_path_buf());
    Config::from_constants(&raw, o).expect("config")
}

/// The request's method and the part of its path after the app's.
fn seen(sim: &Sim) -> Vec<String> {
    let app = format!("/api/v3/servers/{SEED_SERVER}/webapps/{SEED_APP}");
    sim.shared()
        .requests()
        .iter()
        .map(|l| format!("{} {}", l.method, l.path.replacen(&app, "", 1)))
        .collect()
}

fn shape(requests: &[String]) -> Vec<String> {
    // Ids differ per case: "PUT /ssl/17" -> "PUT /ssl/N".
    requests
        .iter()
        .map(|r| {
            r.split('/')
                .map(|part| {
                    if part.chars().all(|c| c.is_ascii_digit()) && !part.is_empty() {
                        "N"
                    } else {
                        part
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

#[test]
#[allow(clippy::too_many_lines)]
fn what_an_add_asks_of_runcloud_for_the_certificate() {
    use SslBatch::{Off, Request};
    use SslStatus::{Issued, LeftToRunCloud, Queued, Redeployed, Unchanged};
    const SET_UP: [&str; 2] = ["GET /ssl/advanced", "GET /ssl"];
    let case = |mode, remembered, created, failed_before, batch, status, requests| Case {
        mode,
        remembered,
        created,
        failed_before,
        batch,
        status,
        requests,
    };
    #[rustfmt::skip]
    let cases = [
        // An unchanged name whose last step did not fail: nothing, whatever the mode.
        case("basic", false, false, false, Off, Unchanged, &[][..]),
        case("advanced", true, false, false, Off, Unchanged, &[]),
        // Basic, at once: the set-up (unless remembered), then one redeploy.
        case("basic", true, true, false, Off, Redeployed, &["PUT /ssl/N"]),
        case("basic", false, true, false, Off, Redeployed, &[SET_UP[0], SET_UP[1], "PUT /ssl/N"]),
        // An unchanged name whose last step failed here is tried again.
        case("basic", true, false, true, Off, Redeployed, &["PUT /ssl/N"]),
        // Basic, batched: queued for the request's end; nothing sent when remembered.
        case("basic", true, true, false, Request, Queued, &[]),
        case("basic", false, true, false, Request, Queued, &[SET_UP[0], SET_UP[1]]),
        case("basic", true, false, true, Request, Queued, &[]),
        // Advanced: the name's own certificate (the batch does not apply).
        case("advanced", true, true, false, Request, Issued, &["POST /domains/N/ssl"]),
        case("advanced", false, true, false, Off, Issued, &[SET_UP[0], "POST /domains/N/ssl"]),
        case("advanced", true, false, true, Off, Issued, &["POST /domains/N/ssl"]),
        // AutoSSL is never remembered (nothing of ours could fail to show it changed).
        case("autossl", true, true, false, Off, LeftToRunCloud, &[SET_UP[0]]),
        case("autossl", false, false, true, Request, LeftToRunCloud, &[SET_UP[0]]),
    ];
    let sim = Sim::start(SimOptions::default()).expect("simulator");
    for (i, case) in cases.iter().enumerate() {
        let dir = crate::test_dir(&format!("ssl-table-{i}"));
        let config = config(&sim, case.batch, &dir);
        let worker = Worker::new();
        sim.shared().with_account(|a| {
            a.add_app(
                SEED_SERVER,
                SEED_APP,
                "app",
                "network.test",
                false,
                case.mode,
            )
        });
        let flows = AppFlows::new(&config, &worker).expect("flows");
        let name = DomainName::parse(&format!("table-{i}.com")).expect("name");
        // The certificate's names as an earlier add left them: a steady
        // state, where the budget's checks cost no request (a census read
        // from the list has a test of its own, tests/le_budget.rs).
        crate::certificate_ledger::store_census(
            &config,
            &["network.test".to_string(), name.to_string()],
        );
        let domain = match flows.api().create_domain(&name, false).expect("added") {
            crate::api::Created::New(d) | crate::api::Created::Existing(d) => d,
        };
        if case.remembered {
            flows.fresh_app_ssl(&flows.key).expect("set-up");
        }
        if case.failed_before {
            worker
                .memory()
                .record_certificate(&flows.key, &domain.name, true);
        }
        sim.shared().clear_requests();
        let out = flows.ssl_after_add(&domain, case.created, false);
        let what = format!(
            "case {i}: {} remembered={} created={} failed_before={} {:?}: {}",
            case.mode, case.remembered, case.created, case.failed_before, case.batch, out.message
        );
        assert_eq!(out.status, case.status, "{what}");
        assert_eq!(shape(&seen(&sim)), case.requests, "{what}");
        let queued = worker.batch().is_owed(&flows.key);
        assert_eq!(queued, case.status == Queued, "{what}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
