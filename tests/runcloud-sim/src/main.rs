//! `runcloud-sim`: runs the simulator until killed.
//!
//! runcloud-sim [--port N] [--port-file PATH] [--api-key K] [--api-secret S]
//!              [--api-token T] [--ignore-search] [--latency-ms N]
//!              [--rate-limit N] [--tls-cert PEM --tls-key PEM | --tls-generate DIR]
//!              [--http1-only]   (over TLS, offer HTTP/1.1 only; HTTP/2 and HTTP/1.1 otherwise)
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program: what it prints is its interface"
)]

use runcloud_sim::{Sim, SimOptions};
use std::time::Duration;

fn main() {
    runcloud_sim::cli_main("runcloud-sim", run);
}

fn run() -> Result<(), String> {
    let mut opts = SimOptions::default();
    let mut port_file = None;
    let (mut cert, mut key) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                opts.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port takes a number")?
            }
            "--port-file" => port_file = Some(value("--port-file")?),
            "--api-key" => opts.credentials.api_key = value("--api-key")?,
            "--api-secret" => opts.credentials.api_secret = value("--api-secret")?,
            "--api-token" => opts.credentials.api_token = value("--api-token")?,
            "--ignore-search" => opts.ignore_search = true,
            "--latency-ms" => {
                opts.latency = Duration::from_millis(
                    value("--latency-ms")?
                        .parse()
                        .map_err(|_| "--latency-ms takes a number")?,
                )
            }
            "--rate-limit" => {
                opts.rate_limit = value("--rate-limit")?
                    .parse()
                    .map_err(|_| "--rate-limit takes a number")?
            }
            "--http1-only" => opts.http1_only = true,
            "--tls-cert" => cert = Some(value("--tls-cert")?.into()),
            "--tls-key" => key = Some(value("--tls-key")?.into()),
            "--tls-generate" => {
                let dir = value("--tls-generate")?;
                let files = runcloud_sim::tls::generate(std::path::Path::new(&dir))
                    .map_err(|e| format!("{dir}: {e}"))?;
                cert = Some(files.cert);
                key = Some(files.key);
            }
            "-h" | "--help" => {
                println!(
                    "{}",
                    include_str!("main.rs")
                        .lines()
                        .skip(2)
                        .take(5)
                        .map(|l| l.trim_start_matches("//! "))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other} (see --help)")),
        }
    }
    opts.tls = match (cert, key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    let sim = Sim::start(opts).map_err(|e| e.to_string())?;
    if let Some(path) = port_file {
        std::fs::write(&path, sim.addr().port().to_string()).map_err(|e| format!("{path}: {e}"))?;
    }
    println!("runcloud-sim listening on {}", sim.api_url());
    loop {
        std::thread::park();
    }
}
