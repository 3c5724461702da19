//! Shared set-up for the core tests: a simulator and a config pointing at it.
#![allow(dead_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use runcloud_sim::{Credentials, Logged, Sim, SimOptions, SEED_APP, SEED_SERVER};
use std::time::Duration;
use wu_runcloud::config::{Config, ConstValue, OptionValue, Options, RawConstants};

pub fn sim() -> Sim {
    Sim::start(SimOptions::default()).expect("simulator starts")
}

pub fn sim_with(opts: SimOptions) -> Sim {
    Sim::start(opts).expect("simulator starts")
}

pub fn raw_v3(token: &str) -> RawConstants {
    RawConstants {
        api_token: Some(ConstValue::Text(token.into())),
        server_id: Some(ConstValue::Int(SEED_SERVER as i64)),
        app_id: Some(ConstValue::Int(SEED_APP as i64)),
        server_ip: Some(SERVER_IP.into()),
        ..Default::default()
    }
}

pub fn raw_v2(key: &str, secret: &str) -> RawConstants {
    RawConstants {
        api_key: Some(ConstValue::Text(key.into())),
        api_secret: Some(ConstValue::Text(secret.into())),
        server_id: Some(ConstValue::Text(SEED_SERVER.to_string())),
        app_id: Some(ConstValue::Text(SEED_APP.to_string())),
        server_ip: Some(SERVER_IP.into()),
        ..Default::default()
    }
}

/// The simulated server's address, as WU_RUNCLOUD_SERVER_IP gives it to most
/// tests (so they see no `GET /servers/{id}`; tests/certificates.rs asks RunCloud).
pub const SERVER_IP: &str = "127.0.0.10";

/// A scratch directory of this test process, under the build's own `target/`
/// (never the temporary directory every user of a machine shares).
pub fn scratch(tag: &str) -> std::path::PathBuf {
    let base =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/integration-test-dirs");
    let _ = std::fs::create_dir_all(&base);
    base.join(format!("{tag}-{}", std::process::id()))
}

/// A private state directory for this test process.
pub fn state_dir() -> std::path::PathBuf {
    private_dir(scratch("state"))
}

/// A private state directory of one simulated RunCloud: the certificate
/// ledger and census on it belong to that test alone (tests of one file run
/// at once, and Let's Encrypt's limits are counted per directory).
pub fn state_dir_of(sim: &Sim) -> std::path::PathBuf {
    private_dir(scratch(&format!("state-{}", sim.addr().port())))
}

fn private_dir(d: std::path::PathBuf) -> std::path::PathBuf {
    if !d.exists() {
        use std::os::unix::fs::DirBuilderExt;
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&d);
    }
    d
}

pub fn options(sim: &Sim) -> Options {
    let mut o = Options::default();
    o.apply("api_url", &OptionValue::Text(sim.api_url()), "test")
        .expect("api_url");
    o.timeout = Duration::from_secs(10);
    // Each add's certificate step at once, as these tests look at it; the
    // request-end batch has tests of its own (tests/ssl_batch.rs).
    o.ssl_batch = wu_runcloud::config::SslBatch::Off;
    // DNS is asked of the simulator's own server (UDP, same port); no HTTP probe.
    o.apply(
        "resolver",
        &OptionValue::Text(format!("127.0.0.1:{}", sim.addr().port())),
        "test",
    )
    .expect("resolver");
    o.probe_port = 0;
    o.state_dir = Some(state_dir_of(sim));
    o
}

pub fn config_v3(sim: &Sim) -> Config {
    Config::from_constants(&raw_v3(&Credentials::default().api_token), options(sim))
        .expect("config")
}

/// `config_v3` with the request-end certificate batch on (as in production).
pub fn config_v3_batched(sim: &Sim) -> Config {
    let mut c = config_v3(sim);
    c.options.ssl_batch = wu_runcloud::config::SslBatch::Request;
    c
}

pub fn config_v2(sim: &Sim) -> Config {
    let c = Credentials::default();
    Config::from_constants(&raw_v2(&c.api_key, &c.api_secret), options(sim)).expect("config")
}

/// The log as "METHOD /path" lines, without the /api/vN prefix.
pub fn calls(log: &[Logged]) -> Vec<String> {
    log.iter()
        .map(|l| format!("{} {}", l.method, &l.path[7..]))
        .collect()
}

/// The calls (as `calls()` shows them) for which `keep` is true.
pub fn calls_where(sim: &Sim, keep: impl Fn(&str) -> bool) -> Vec<String> {
    calls(&sim.shared().requests())
        .into_iter()
        .filter(|c| keep(c))
        .collect()
}

/// A host name the test knows to be valid.
pub fn name(s: &str) -> wu_runcloud::domain::DomainName {
    wu_runcloud::domain::DomainName::parse(s).expect("valid name")
}

pub fn app_path() -> String {
    format!("/servers/{SEED_SERVER}/webapps/{SEED_APP}")
}

/// Makes the seeded app anew (only its primary domain) with the given SSL mode:
/// "basic", "advanced", "autossl", "unflagged" or "none".
pub fn reset_app(sim: &Sim, ssl: &str) {
    sim.shared().with_account(|a| {
        a.add_app(
            runcloud_sim::SEED_SERVER,
            runcloud_sim::SEED_APP,
            "app",
            "network.test",
            false,
            ssl,
        )
    });
}

/// How many requests the simulator saw whose "METHOD /path" matches `wanted`.
pub fn count_calls(sim: &Sim, wanted: impl Fn(&str) -> bool) -> usize {
    calls(&sim.shared().requests())
        .iter()
        .filter(|c| wanted(c))
        .count()
}

/// The request's batch and memo (ssl_batch) are the process's: the tests of one
/// file that use them take turns through this.
pub fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The worker context these tests share within one test binary, as the
/// workers of one PHP process would share it.
pub fn worker() -> &'static wu_runcloud::worker::Worker {
    static WORKER: std::sync::OnceLock<wu_runcloud::worker::Worker> = std::sync::OnceLock::new();
    WORKER.get_or_init(wu_runcloud::worker::Worker::new)
}

/// The flows of the app `config` names, with the shared worker context.
pub fn flows(config: &Config) -> wu_runcloud::Result<wu_runcloud::flows::AppFlows<'_>> {
    wu_runcloud::flows::AppFlows::new(config, worker())
}

/// Runs a redeploy owed at a request's end, as flush_ssl() does.
pub fn redeploy_owed(
    owed: &wu_runcloud::ssl_batch::Deferred,
) -> wu_runcloud::Result<wu_runcloud::flows::SslOutcome> {
    flows(&owed.config)?.redeploy_owed(owed)
}

/// An HTTP server on `ip` (a loopback address) that answers every request with
/// `answer(token)`, the last segment of its path (404 for `None`): the network
/// behind a "proxy" as the HTTP probe meets it.
pub fn probe_server(ip: &str, answer: impl Fn(&str) -> Option<String> + Send + 'static) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind((ip, 0)).expect("bind");
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let token = path.rsplit('/').next().unwrap_or("");
            let (status, body) = match answer(token) {
                Some(b) => ("200 OK", b),
                None => ("404 Not Found", String::new()),
            };
            let mut s = s;
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// Where the simulator's DNS sends `n`: `[]` for no records, `None` for the default (here).
pub fn point(sim: &Sim, n: &str, to: Option<&[&str]>) {
    sim.shared().with_account(|a| match to {
        Some(ips) => {
            a.dns
                .records
                .insert(n.into(), ips.iter().map(|i| i.parse().unwrap()).collect());
        }
        None => {
            a.dns.records.remove(n);
        }
    });
}
