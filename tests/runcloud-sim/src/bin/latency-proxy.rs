//! `latency-proxy`: a TCP proxy that adds internet-like latency, for `make bench`
//! (no `tc netem` here).
//!
//! latency-proxy --listen PORT --to HOST:PORT --rtt-ms N [--port-file PATH]
//!
//! Every chunk is held half the RTT in each direction, so a request and its
//! answer cost one RTT; a new connection's first byte waits one RTT more, as
//! the TCP handshake would. TLS passes through untouched, so its handshake
//! costs its own round trip, as on the internet.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program: what it prints is its interface"
)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    runcloud_sim::cli_main("latency-proxy", run);
}

fn run() -> Result<(), String> {
    let (mut listen, mut to, mut rtt, mut port_file) = (0u16, None, 0u64, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--listen" => listen = value()?.parse().map_err(|_| "--listen takes a port")?,
            "--to" => to = Some(value()?),
            "--rtt-ms" => rtt = value()?.parse().map_err(|_| "--rtt-ms takes a number")?,
            "--port-file" => port_file = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let to = to.ok_or("--to HOST:PORT is required")?;
    let listener = TcpListener::bind(("127.0.0.1", listen)).map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    if let Some(path) = port_file {
        std::fs::write(&path, port.to_string()).map_err(|e| format!("{path}: {e}"))?;
    }
    println!("latency-proxy 127.0.0.1:{port} -> {to}, RTT {rtt} ms");
    let rtt = Duration::from_millis(rtt);
    for client in listener.incoming().flatten() {
        let to = to.clone();
        thread::spawn(move || {
            if let Ok(server) = TcpStream::connect(&to) {
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                connect(client, server, rtt);
            }
        });
    }
    Ok(())
}

/// Pipes both ways with the delays; the handshake's RTT is added to the first
/// byte the client sends.
fn connect(client: TcpStream, server: TcpStream, rtt: Duration) {
    let opened = Instant::now();
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    // The handshake takes one RTT; the first byte then travels half of one.
    let first = opened + rtt + rtt / 2;
    let up = thread::spawn(move || pipe(client, server, rtt / 2, Some(first)));
    pipe(s2, c2, rtt / 2, None);
    let _ = up.join();
}

/// Copies `from` to `to`, each chunk delivered `delay` after it was read (and
/// not before `not_before`), in order, without holding up the reading.
fn pipe(mut from: TcpStream, mut to: TcpStream, delay: Duration, not_before: Option<Instant>) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = thread::spawn(move || {
        for (due, chunk) in rx {
            let now = Instant::now();
            if due > now {
                thread::sleep(due - now);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut due = Instant::now() + delay;
                if let Some(t) = not_before {
                    due = due.max(t);
                }
                if tx
                    .send((due, buf.get(..n).unwrap_or_default().to_vec()))
                    .is_err()
                {
                    break;
                }
            }
        }
    }
    drop(tx);
    let _ = writer.join();
}
