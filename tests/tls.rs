//! TLS: certificates are verified; a private CA is trusted only through ca_file.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

mod common;

use common::*;
use runcloud_sim::SimOptions;
use wu_runcloud::config::{Config, OptionValue};
use wu_runcloud::flows::test_connection;

#[test]
fn a_private_ca_is_refused_without_ca_file_and_trusted_with_it() {
    let dir = common::scratch("tls");
    let files = runcloud_sim::tls::generate(&dir).expect("certificates");
    let sim = sim_with(SimOptions {
        tls: Some((files.cert.clone(), files.key.clone())),
        ..Default::default()
    });
    assert!(sim.api_url().starts_with("https://"));
    let raw = raw_v3(&runcloud_sim::Credentials::default().api_token);

    let mut options = options(&sim);
    options.max_retries = 0;
    let report = test_connection(&raw, options.clone());
    assert!(!report.ok);
    let cred = &report.checks[1];
    assert_eq!(cred.name, "credentials");
    assert!(cred.message.contains("certificate"), "{}", cred.message);
    assert!(cred.message.contains("ca_file"), "{}", cred.message);
    assert!(
        sim.shared().requests().is_empty(),
        "nothing reached the API over an unverified connection"
    );

    options
        .apply(
            "ca_file",
            &OptionValue::Text(files.ca.display().to_string()),
            "t",
        )
        .expect("ca_file");
    let report = test_connection(&raw, options.clone());
    assert!(report.ok, "{report:?}");
    let config = Config::from_constants(&raw, options).expect("config");
    let m = common::flows(&config).expect("m");
    let name = wu_runcloud::domain::DomainName::parse("secure.example.com").expect("n");
    assert!(
        m.add(&name, wu_runcloud::flows::NameKind::Mapped)
            .expect("add over TLS")
            .created
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_ca_file_that_is_not_pem_is_a_clear_configuration_error() {
    let dir = common::scratch("badca");
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("bad.pem");
    std::fs::write(&bad, "not a certificate").expect("write");
    let sim = sim();
    let mut options = options(&sim);
    options
        .apply(
            "ca_file",
            &OptionValue::Text(bad.display().to_string()),
            "t",
        )
        .expect("exists");
    let config = Config::from_constants(&raw_v3("tok-123456"), options).expect("config");
    let err = common::flows(&config).err().expect("refused");
    assert!(
        err.to_string().contains("no certificate") || err.to_string().contains("not a PEM"),
        "{err}"
    );
    assert_eq!(err.status_code(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The simulator over TLS with its CA trusted, offering HTTP/2 unless `http1_only`.
fn tls_sim(tag: &str, http1_only: bool) -> (runcloud_sim::Sim, Config, std::path::PathBuf) {
    let dir = common::scratch(tag);
    let files = runcloud_sim::tls::generate(&dir).expect("certificates");
    let sim = sim_with(SimOptions {
        tls: Some((files.cert.clone(), files.key.clone())),
        http1_only,
        ..Default::default()
    });
    let mut options = options(&sim);
    let ca = OptionValue::Text(files.ca.display().to_string());
    options.apply("ca_file", &ca, "t").expect("ca_file");
    let raw = raw_v3(&runcloud_sim::Credentials::default().api_token);
    let config = Config::from_constants(&raw, options).expect("config");
    (sim, config, dir)
}

/// A worker of its own, which remembers nothing of the app, finds a name (so a
/// connection is open), then adds `n`: its outcome and the requests of the add.
fn add_on_an_open_connection(
    sim: &runcloud_sim::Sim,
    config: &Config,
    n: &str,
) -> (wu_runcloud::flows::AddOutcome, Vec<runcloud_sim::Logged>) {
    let worker = wu_runcloud::worker::Worker::new();
    let m = wu_runcloud::flows::AppFlows::new(config, &worker).expect("m");
    m.find(&name("network.test")).expect("find");
    assert_eq!(sim.shared().api_connections(), 1);
    sim.shared().clear_requests();
    let out = m
        .add(&name(n), wu_runcloud::flows::NameKind::Mapped)
        .expect("add");
    assert_eq!(out.ssl.status.as_str(), "redeployed", "{}", out.ssl.message);
    (out, sim.shared().requests())
}

#[test]
fn http2_is_negotiated_and_an_add_rides_the_open_connection() {
    let (sim, config, dir) = tls_sim("h2", false);
    let (_, log) = add_on_an_open_connection(&sim, &config, "h2-apex.com");
    let c = calls(&log);
    assert_eq!(
        c.len(),
        5,
        "POST, the two SSL set-up lookups, the certificate's names (read once), PUT: {c:?}"
    );
    assert!(log.iter().all(|l| l.http2), "every request over HTTP/2");
    assert_eq!(
        sim.shared().api_connections(),
        1,
        "the lookups asked while the POST travelled rode the open connection"
    );
    assert_eq!(sim.shared().h2_connections(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_server_without_http2_is_spoken_to_in_http1() {
    let (sim, config, dir) = tls_sim("h1", true);
    let (_, log) = add_on_an_open_connection(&sim, &config, "h1-apex.com");
    assert!(!log.is_empty() && log.iter().all(|l| !l.http2));
    assert_eq!(sim.shared().h2_connections(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
