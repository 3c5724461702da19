//! runcloud-sim: a stand-in for RunCloud's API (v2 and v3) for tests, the demo
//! and benchmarks. Control endpoints under `/__sim/` set state, inject faults
//! and read the request log; they need no credentials.

pub mod dns;
mod h2serve;
pub mod http;
pub mod letsencrypt;
pub mod state;
pub mod tls;

use http::{read_request, write_all, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use state::{Account, Behaviour, PaginationStyle};
use std::collections::VecDeque;
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use state::{SEED_APP, SEED_PRIMARY, SEED_SERVER};

/// Credentials the simulator accepts.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub api_key: String,
    pub api_secret: String,
    pub api_token: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            api_key: "sim-key-0123456789".into(),
            api_secret: "sim-secret-0123456789".into(),
            api_token: "sim-token-0123456789".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub port: u16,
    pub credentials: Credentials,
    pub ignore_search: bool,
    pub latency: Duration,
    /// Requests allowed per rate window.
    pub rate_limit: u64,
    pub rate_window: Duration,
    /// PEM certificate chain and private key: serve HTTPS instead of HTTP.
    pub tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// Over TLS, offer only HTTP/1.1 through ALPN (as a server without HTTP/2).
    pub http1_only: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            port: 0,
            credentials: Credentials::default(),
            ignore_search: false,
            latency: Duration::ZERO,
            rate_limit: 100_000,
            rate_window: Duration::from_secs(60),
            tls: None,
            http1_only: false,
        }
    }
}

/// What to do to the next matching API requests.
#[derive(Debug, Clone, Default)]
pub struct Fault {
    pub count: u64,
    pub method: Option<String>,
    pub path_contains: Option<String>,
    /// Answer this status (with `body`, or a JSON message) instead of the real answer.
    pub status: Option<u16>,
    pub body: Option<String>,
    /// Answer a JSON body of this many bytes (a giant answer).
    pub body_size: Option<usize>,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub delay: Duration,
    /// `drop` (close without answering), `hang` (never answer), `trickle`
    /// (one byte at a time), `truncate` (half the body, then close).
    pub action: Option<String>,
    /// Carry the request out before misbehaving (a lost answer to a real change).
    pub apply: bool,
}

impl Fault {
    fn matches(&self, req: &HttpRequest) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&req.method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| req.path.contains(p))
    }

    fn from_json(v: &Value) -> Result<Fault, String> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let action = s("action");
        if let Some(a) = &action {
            if !matches!(a.as_str(), "drop" | "hang" | "trickle" | "truncate") {
                return Err(format!("unknown action {a}"));
            }
        }
        Ok(Fault {
            count: v.get("count").and_then(Value::as_u64).unwrap_or(1),
            method: s("method"),
            path_contains: s("path_contains"),
            status: v.get("status").and_then(Value::as_u64).map(|n| n as u16),
            body: s("body"),
            body_size: v
                .get("body_size")
                .and_then(Value::as_u64)
                .map(|n| n.min(64 << 20) as usize),
            content_type: s("content_type"),
            retry_after: v.get("retry_after").map(|r| match r {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            delay: Duration::from_millis(v.get("delay_ms").and_then(Value::as_u64).unwrap_or(0)),
            action,
            apply: v.get("apply").and_then(Value::as_bool).unwrap_or(false),
        })
    }
}

/// One API request as the simulator saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub version: String,
    pub status: u16,
    pub accept_json: bool,
    pub content_type_json: bool,
    pub body: String,
    /// Arrived over HTTP/2.
    pub http2: bool,
}

impl Logged {
    fn to_json(&self) -> Value {
        let query: serde_json::Map<String, Value> = self
            .query
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        json!({ "method": self.method, "path": self.path, "query": query, "version": self.version,
                "status": self.status, "accept_json": self.accept_json, "http2": self.http2,
                "content_type_json": self.content_type_json, "body": self.body })
    }
}

struct State {
    account: Account,
    behaviour: Behaviour,
    credentials: Credentials,
    latency: Duration,
    faults: VecDeque<Fault>,
    log: Vec<Logged>,
    rate_limit: u64,
    rate_window: Duration,
    rate_started: Instant,
    rate_used: u64,
    send_retry_after: bool,
    /// Send X-RateLimit-Reset (seconds until the window resets).
    send_reset: bool,
}

/// The shared simulator; cheap to clone into connection threads.
#[derive(Clone)]
pub struct Shared {
    state: Arc<Mutex<State>>,
    connections: Arc<AtomicU64>,
    /// Connections that carried at least one API request (not only /__sim/ calls).
    api_connections: Arc<AtomicU64>,
    /// Connections that spoke HTTP/2.
    pub(crate) h2_connections: Arc<AtomicU64>,
    requests: Arc<AtomicU64>,
    pub(crate) stopping: Arc<AtomicBool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connections accepted since start (or the last reset).
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    /// Connections that carried API requests since start (or the last reset).
    pub fn api_connections(&self) -> u64 {
        self.api_connections.load(Ordering::SeqCst)
    }

    /// Connections that spoke HTTP/2 since start (or the last reset).
    pub fn h2_connections(&self) -> u64 {
        self.h2_connections.load(Ordering::SeqCst)
    }

    /// The API requests seen since the last reset.
    pub fn requests(&self) -> Vec<Logged> {
        self.lock().log.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// Back to the seed account, no faults, no log.
    pub fn reset(&self) {
        let mut s = self.lock();
        s.account = Account::seed();
        s.faults.clear();
        s.log.clear();
        s.rate_used = 0;
        s.rate_started = Instant::now();
        s.rate_limit = 100_000;
        s.rate_window = Duration::from_secs(60);
        s.send_retry_after = true;
        s.send_reset = false;
        s.behaviour.ignore_search = false;
        s.behaviour.newest_first = false;
        s.behaviour.pagination = PaginationStyle::Standard;
        s.behaviour.read_only = false;
        s.latency = Duration::ZERO;
        self.connections.store(0, Ordering::SeqCst);
        self.api_connections.store(0, Ordering::SeqCst);
        self.h2_connections.store(0, Ordering::SeqCst);
    }

    pub fn with_account<T>(&self, f: impl FnOnce(&mut Account) -> T) -> T {
        f(&mut self.lock().account)
    }

    pub fn push_fault(&self, fault: Fault) {
        self.lock().faults.push_back(fault);
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    pub fn set_newest_first(&self, on: bool) {
        self.lock().behaviour.newest_first = on;
    }

    pub fn set_ignore_search(&self, on: bool) {
        self.lock().behaviour.ignore_search = on;
    }

    pub fn set_pagination(&self, style: PaginationStyle) {
        self.lock().behaviour.pagination = style;
    }

    pub fn set_read_only(&self, on: bool) {
        self.lock().behaviour.read_only = on;
    }

    pub fn set_rate_limit(
        &self,
        limit: u64,
        window: Duration,
        send_retry_after: bool,
        send_reset: bool,
    ) {
        let mut s = self.lock();
        s.send_reset = send_reset;
        s.rate_limit = limit;
        s.rate_window = window;
        s.rate_used = 0;
        s.rate_started = Instant::now();
        s.send_retry_after = send_retry_after;
    }

    /// The names on an app, in order.
    pub fn domain_names(&self, server: u64, app: u64) -> Vec<String> {
        let mut s = self.lock();
        s.account
            .app_mut(server, app)
            .map(|a| a.domains.iter().map(|d| d.name.clone()).collect())
            .unwrap_or_default()
    }

    pub fn app_json(&self, server: u64, app: u64) -> Value {
        let mut s = self.lock();
        match s.account.app_mut(server, app) {
            Some(a) => json!({
                "id": a.id, "name": a.name,
                "domains": a.domains.iter().map(|d| json!({"id": d.id, "name": d.name, "type": d.kind,
                    "www": d.www, "redirection": d.redirection, "wildcard": d.wildcard, "ssl_id": d.ssl_id})).collect::<Vec<_>>(),
                "ssl": { "installed": a.ssl_id.is_some(), "id": a.ssl_id, "advanced": a.advanced_ssl, "redeploys": a.redeploys, "refused_orders": a.refused_orders }
            }),
            None => Value::Null,
        }
    }
}

/// A running simulator. Dropping it stops accepting connections.
pub struct Sim {
    addr: SocketAddr,
    tls: bool,
    shared: Shared,
}

impl Sim {
    pub fn start(opts: SimOptions) -> std::io::Result<Sim> {
        // The DNS server takes the same port number over UDP: try a few
        // ports until both are free.
        let mut tries = 0;
        let (listener, udp) = loop {
            let listener = TcpListener::bind(("127.0.0.1", opts.port))?;
            let port = listener.local_addr()?.port();
            match std::net::UdpSocket::bind(("127.0.0.1", port)) {
                Ok(udp) => break (listener, udp),
                Err(e) if opts.port != 0 || tries > 20 => return Err(e),
                Err(_) => tries += 1,
            }
        };
        let addr = listener.local_addr()?;
        let tls_config = match &opts.tls {
            Some((cert, key)) => Some(Arc::new(tls_server_config(cert, key, opts.http1_only)?)),
            None => None,
        };
        let shared = Shared {
            state: Arc::new(Mutex::new(State {
                account: Account::seed(),
                behaviour: Behaviour {
                    ignore_search: opts.ignore_search,
                    newest_first: false,
                    pagination: PaginationStyle::Standard,
                    read_only: false,
                },
                credentials: opts.credentials.clone(),
                latency: opts.latency,
                faults: VecDeque::new(),
                log: Vec::new(),
                rate_limit: opts.rate_limit,
                rate_window: opts.rate_window,
                rate_started: Instant::now(),
                rate_used: 0,
                send_retry_after: true,
                send_reset: false,
            })),
            connections: Arc::new(AtomicU64::new(0)),
            api_connections: Arc::new(AtomicU64::new(0)),
            h2_connections: Arc::new(AtomicU64::new(0)),
            requests: Arc::new(AtomicU64::new(0)),
            stopping: Arc::new(AtomicBool::new(false)),
        };
        dns::serve(udp, shared.clone())?;
        let accept_shared = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_shared.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                accept_shared.connections.fetch_add(1, Ordering::SeqCst);
                let conn_shared = accept_shared.clone();
                let tls = tls_config.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_nodelay(true);
                    // Idle keep-alive connections are closed after a while, as real servers do.
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(75)));
                    match tls {
                        Some(cfg) => serve_tls(stream, cfg, conn_shared),
                        None => serve(stream, &conn_shared),
                    }
                });
            }
        });
        Ok(Sim {
            addr,
            tls: opts.tls.is_some(),
            shared,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API root to configure the client with (without `/v2` or `/v3`).
    pub fn api_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}/api", self.addr.port())
    }

    pub fn shared(&self) -> &Shared {
        &self.shared
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn tls_server_config(
    cert: &std::path::Path,
    key: &std::path::Path,
    http1_only: bool,
) -> std::io::Result<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(format!("{}: {e}", cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!("{}: {e}", cert.display())))?;
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| bad(format!("{}: {e}", key.display())))?;
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad(e.to_string()))
        .map(|mut config| {
            // ALPN: HTTP/2 when the client offers it, else HTTP/1.1.
            config.alpn_protocols = if http1_only {
                vec![b"http/1.1".to_vec()]
            } else {
                vec![b"h2".to_vec(), b"http/1.1".to_vec()]
            };
            config
        })
}

/// One TLS connection: the handshake (ALPN decides the protocol), then
/// HTTP/2 (`h2serve`) or the HTTP/1.1 server of `serve`, bridged to blocking I/O.
fn serve_tls(stream: TcpStream, config: Arc<rustls::ServerConfig>, shared: Shared) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    runtime.block_on(async move {
        if stream.set_nonblocking(true).is_err() {
            return;
        }
        let Ok(tcp) = tokio::net::TcpStream::from_std(stream) else {
            return;
        };
        let accept = tokio_rustls::TlsAcceptor::from(config).accept(tcp);
        let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(30), accept).await else {
            return;
        };
        if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
            h2serve::serve(tls, shared).await;
        } else {
            let bridged = tokio_util::io::SyncIoBridge::new(tls);
            let _ = tokio::task::spawn_blocking(move || serve(bridged, &shared)).await;
        }
    });
}

/// A request of either protocol: the control API, or the RunCloud API (which
/// counts the connection once, in `counted`, as one that carried API requests).
fn handle(
    shared: &Shared,
    req: &HttpRequest,
    counted: &AtomicBool,
) -> (HttpResponse, Option<Fault>) {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    if req.path.starts_with("/__sim/") {
        return (control(shared, req), None);
    }
    if !counted.swap(true, Ordering::SeqCst) {
        shared.api_connections.fetch_add(1, Ordering::SeqCst);
    }
    api(shared, req)
}

fn serve<S: Read + Write>(stream: S, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    let counted = AtomicBool::new(false);
    loop {
        let req = match read_request(&mut reader) {
            Ok(Some(r)) => r,
            _ => return,
        };
        let keep_alive = req.keep_alive;
        let (resp, fault) = handle(shared, &req, &counted);
        let (head, body) = resp.to_bytes(keep_alive);
        let w = reader.get_mut();
        let ok = match fault.as_ref().and_then(|f| f.action.as_deref()) {
            Some("drop") => return,
            Some("hang") => {
                // Hold the connection open without a word, for longer than any client timeout.
                for _ in 0..600 {
                    if shared.stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                return;
            }
            Some("trickle") => {
                let all: Vec<u8> = head.iter().chain(body.iter()).copied().collect();
                for b in all {
                    if write_all(w, &[b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
                true
            }
            Some("truncate") => {
                let _ = write_all(w, &head);
                let _ = write_all(w, body.get(..body.len() / 2).unwrap_or_default());
                return;
            }
            _ => write_all(w, &head)
                .and_then(|_| write_all(w, &body))
                .is_ok(),
        };
        if !ok || !keep_alive {
            return;
        }
    }
}

/// An API request: auth, rate limit, faults, then the route.
fn api(shared: &Shared, req: &HttpRequest) -> (HttpResponse, Option<Fault>) {
    let mut s = shared.lock();
    let latency = s.latency;
    let version = if req.path.starts_with("/api/v2/") {
        "v2"
    } else if req.path.starts_with("/api/v3/") {
        "v3"
    } else {
        ""
    };
    let mut entry = Logged {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        version: version.to_string(),
        status: 0,
        accept_json: req
            .header("accept")
            .is_some_and(|v| v.contains("application/json")),
        content_type_json: req
            .header("content-type")
            .is_some_and(|v| v.contains("application/json")),
        body: String::from_utf8_lossy(&req.body).into_owned(),
        http2: req.http2,
    };
    // Rate window.
    if s.rate_started.elapsed() >= s.rate_window {
        s.rate_started = Instant::now();
        s.rate_used = 0;
    }
    // As the framework's throttle does: a refused request does not count against the window.
    let over = s.rate_used >= s.rate_limit;
    if !over {
        s.rate_used += 1;
    }
    let remaining = s.rate_limit.saturating_sub(s.rate_used);
    let reset_left = s.rate_window.saturating_sub(s.rate_started.elapsed());
    let reset_in = reset_left.as_secs().max(1);
    let fault_index = s.faults.iter().position(|f| f.matches(req));
    let fault = fault_index.and_then(|i| {
        let f = s.faults.get_mut(i)?;
        f.count = f.count.saturating_sub(1);
        let copy = f.clone();
        if f.count == 0 {
            s.faults.remove(i);
        }
        Some(copy)
    });
    let mut resp = if version.is_empty() {
        HttpResponse::json(404, &json!({ "message": "Not found" }))
    } else if !authorized(&s.credentials, req, version) {
        // Echo what was received, as a careless proxy or debug page might: what the
        // client shows of this answer must still hold no credential.
        let received = req.header("authorization").unwrap_or("nothing");
        HttpResponse::json(
            401,
            &json!({ "message": format!("Unauthenticated. Received Authorization: {received}"),
                     "errors": { "authorization": [format!("{received} is not valid")] } }),
        )
    } else if over {
        // Retry-After and X-RateLimit-Reset come only with a 429, as in the framework.
        let mut r = HttpResponse::json(429, &json!({ "message": "Too Many Attempts." }));
        if s.send_retry_after {
            r.headers.push(("Retry-After".into(), reset_in.to_string()));
        }
        if s.send_reset {
            r.headers.push((
                "X-RateLimit-Reset".into(),
                format!("{:.3}", reset_left.as_secs_f64()),
            ));
        }
        r
    } else {
        let state = &mut *s;
        let path = req.path[7..].to_string();
        let inner = HttpRequest {
            path,
            ..req.clone()
        };
        // A fault with a status or an action replaces the answer; with `apply` the
        // request is carried out first (a real change whose answer goes astray).
        let replaces = fault
            .as_ref()
            .is_some_and(|f| f.status.is_some() || f.action.is_some());
        let real = match &fault {
            Some(f) if replaces && !f.apply => None,
            _ => Some(state::route(
                &mut state.account,
                &state.behaviour,
                &inner,
                version,
            )),
        };
        match (&fault, real) {
            (Some(f), _) if f.status.is_some() => {
                let status = f.status.unwrap_or(500);
                let content_type = f.content_type.as_deref().unwrap_or("application/json");
                let mut r = match (&f.body, f.body_size) {
                    (_, Some(n)) => {
                        let pad = "x".repeat(n.saturating_sub(20));
                        HttpResponse::raw(
                            status,
                            content_type,
                            format!("{{\"data\":[],\"pad\":\"{pad}\"}}").as_bytes(),
                        )
                    }
                    (Some(b), None) => HttpResponse::raw(status, content_type, b.as_bytes()),
                    (None, None) => HttpResponse::json(
                        status,
                        &json!({ "message": format!("Simulated HTTP {status}") }),
                    ),
                };
                if let Some(ra) = &f.retry_after {
                    r.headers.push(("Retry-After".into(), ra.clone()));
                }
                r
            }
            (_, Some(r)) => r,
            // Dropped, hung or trickled before it was carried out: the bytes hardly matter.
            (_, None) => HttpResponse::json(503, &json!({ "message": "not carried out" })),
        }
    };
    resp.headers
        .push(("X-RateLimit-Limit".into(), s.rate_limit.to_string()));
    resp.headers
        .push(("X-RateLimit-Remaining".into(), remaining.to_string()));
    entry.status = resp.status;
    s.log.push(entry);
    drop(s);
    let delay = latency + fault.as_ref().map_or(Duration::ZERO, |f| f.delay);
    if !delay.is_zero() {
        std::thread::sleep(delay);
    }
    (resp, fault)
}

fn authorized(c: &Credentials, req: &HttpRequest, version: &str) -> bool {
    let Some(auth) = req.header("authorization") else {
        return false;
    };
    match version {
        "v2" => auth
            .strip_prefix("Basic ")
            .and_then(|b| decode_base64(b.trim()))
            .is_some_and(|pair| pair == format!("{}:{}", c.api_key, c.api_secret)),
        _ => auth
            .strip_prefix("Bearer ")
            .is_some_and(|t| t.trim() == c.api_token),
    }
}

fn decode_base64(s: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|b| *b != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The app a control request names; the seed app by default.
fn target_app(body: &Value) -> (u64, u64) {
    let id = |k: &str, default: u64| body.get(k).and_then(Value::as_u64).unwrap_or(default);
    (id("server_id", SEED_SERVER), id("app_id", SEED_APP))
}

fn flag(body: &Value, key: &str) -> bool {
    body.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// `/__sim/*`: state, faults, settings and the log, for tests and the demo.
fn control(shared: &Shared, req: &HttpRequest) -> HttpResponse {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let ok = || HttpResponse::json(200, &json!({ "ok": true }));
    let bad = |m: String| HttpResponse::json(400, &json!({ "error": m }));
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').skip(1).collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("POST", ["reset"]) => {
            shared.reset();
            ok()
        }
        ("GET", ["requests"]) => {
            let log: Vec<Value> = shared.requests().iter().map(Logged::to_json).collect();
            HttpResponse::json(200, &Value::Array(log))
        }
        ("DELETE", ["requests"]) => {
            shared.clear_requests();
            ok()
        }
        ("GET", ["stats"]) => HttpResponse::json(
            200,
            &json!({ "connections": shared.connections(), "api_connections": shared.api_connections(), "h2_connections": shared.h2_connections(), "requests": shared.requests.load(Ordering::SeqCst),
                     "api_requests": shared.lock().log.len() }),
        ),
        ("POST", ["settings"]) => {
            let mut s = shared.lock();
            if let Some(v) = body.get("ignore_search").and_then(Value::as_bool) {
                s.behaviour.ignore_search = v;
            }
            if let Some(v) = body.get("newest_first").and_then(Value::as_bool) {
                s.behaviour.newest_first = v;
            }
            if let Some(v) = body.get("read_only").and_then(Value::as_bool) {
                s.behaviour.read_only = v;
            }
            if let Some(v) = body.get("latency_ms").and_then(Value::as_u64) {
                s.latency = Duration::from_millis(v);
            }
            if let Some(v) = body.get("dns_delay_ms").and_then(Value::as_u64) {
                s.account.dns.delay = Duration::from_millis(v);
            }
            if let Some(v) = body.get("pagination").and_then(Value::as_str) {
                s.behaviour.pagination = match v {
                    "standard" => PaginationStyle::Standard,
                    "last_page" => PaginationStyle::LastPage,
                    "none" => PaginationStyle::None,
                    "repeat" => PaginationStyle::Repeat,
                    "repeat_last" => PaginationStyle::RepeatLast,
                    other => return bad(format!("unknown pagination {other}")),
                };
            }
            if let Some(v) = body.get("rate_limit").and_then(Value::as_u64) {
                s.rate_limit = v;
                s.rate_used = 0;
                s.rate_started = Instant::now();
            }
            if let Some(v) = body.get("rate_window_ms").and_then(Value::as_u64) {
                s.rate_window = Duration::from_millis(v);
            }
            if let Some(v) = body.get("send_retry_after").and_then(Value::as_bool) {
                s.send_retry_after = v;
            }
            if let Some(v) = body.get("send_reset").and_then(Value::as_bool) {
                s.send_reset = v;
            }
            if let Some(v) = body.get("server_ip").and_then(Value::as_str) {
                match v.parse::<std::net::IpAddr>() {
                    Ok(ip) if ip.is_loopback() => s.account.dns.server_ip = ip,
                    _ => return bad(format!("server_ip {v} is not a loopback address")),
                }
            }
            ok()
        }
        ("POST", ["faults"]) => {
            let list = match &body {
                Value::Array(a) => a.clone(),
                Value::Object(_) => vec![body.clone()],
                _ => return bad("send a fault object or a list of them".into()),
            };
            for f in &list {
                match Fault::from_json(f) {
                    Ok(f) => shared.push_fault(f),
                    Err(e) => return bad(e),
                }
            }
            ok()
        }
        ("DELETE", ["faults"]) => {
            shared.lock().faults.clear();
            ok()
        }
        ("POST", ["apps"]) => {
            let (server, app) = target_app(&body);
            let name = body.get("name").and_then(Value::as_str).unwrap_or("app");
            let primary = body
                .get("primary")
                .and_then(Value::as_str)
                .unwrap_or(SEED_PRIMARY);
            let wildcard = flag(&body, "wildcard");
            let ssl = body.get("ssl").and_then(Value::as_str).unwrap_or("basic");
            if !matches!(ssl, "basic" | "advanced" | "autossl" | "unflagged" | "none") {
                return bad(format!("unknown ssl mode {ssl}"));
            }
            shared.with_account(|a| {
                a.add_app(server, app, name, primary, wildcard, ssl);
                if let Some(names) = body.get("domains").and_then(Value::as_array) {
                    for n in names.iter().filter_map(Value::as_str) {
                        a.add_domain(server, app, n, false);
                    }
                }
                if let Some(g) = body.get("generate") {
                    let prefix = g.get("prefix").and_then(Value::as_str).unwrap_or("site");
                    let suffix = g
                        .get("suffix")
                        .and_then(Value::as_str)
                        .unwrap_or("example.com");
                    let count = g
                        .get("count")
                        .and_then(Value::as_u64)
                        .unwrap_or(0)
                        .min(100_000);
                    for i in 1..=count {
                        a.add_domain(server, app, &format!("{prefix}{i:04}.{suffix}"), false);
                    }
                }
            });
            ok()
        }
        ("POST", ["domains"]) => {
            let (server, app) = target_app(&body);
            let Some(name) = body.get("name").and_then(Value::as_str) else {
                return bad("name is required".into());
            };
            let wildcard = flag(&body, "wildcard");
            match shared.with_account(|a| a.add_domain(server, app, name, wildcard)) {
                Some(id) => HttpResponse::json(200, &json!({ "id": id })),
                None => bad("no such app".into()),
            }
        }
        ("POST", ["dns"]) => {
            // {"name": "shop.com", "addresses": ["127.0.0.99"]}; [] = no records;
            // {"name": ..., "default": true} drops the name's own record.
            if let Some(f) = body.get("forwarder").and_then(Value::as_str) {
                match f.parse::<std::net::IpAddr>() {
                    Ok(ip) if ip.is_loopback() => {
                        shared.with_account(|a| a.dns.forwarders.push(ip))
                    }
                    _ => return bad(format!("forwarder {f} is not a loopback address")),
                }
                return ok();
            }
            let Some(name) = body.get("name").and_then(Value::as_str) else {
                return bad("name is required".into());
            };
            let name = name.to_ascii_lowercase();
            // {"name": "example.com", "caa": [["issue", "pki.goog"]]}: the CAA set at that name.
            if let Some(set) = body.get("caa").and_then(Value::as_array) {
                let set: Vec<(String, String)> = set
                    .iter()
                    .filter_map(|p| {
                        let p = p.as_array()?;
                        Some((
                            p.first()?.as_str()?.to_string(),
                            p.get(1)?.as_str()?.to_string(),
                        ))
                    })
                    .collect();
                shared.with_account(|a| a.dns.caa.insert(name, set));
                return ok();
            }
            if flag(&body, "default") {
                shared.with_account(|a| a.dns.records.remove(&name));
                return ok();
            }
            let mut ips = Vec::new();
            for v in body
                .get("addresses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match v.as_str().and_then(|t| t.parse::<std::net::IpAddr>().ok()) {
                    Some(ip) if ip.is_loopback() => ips.push(ip),
                    _ => {
                        return bad(format!(
                            "{v} is not a loopback address: test traffic stays on this machine"
                        ))
                    }
                }
            }
            shared.with_account(|a| a.dns.records.insert(name, ips));
            ok()
        }
        // {"advance": seconds}: Let's Encrypt's clock moves on (a week: 604800).
        ("POST", ["clock"]) => {
            let Some(secs) = body.get("advance").and_then(Value::as_u64) else {
                return bad("advance (seconds) is required".into());
            };
            shared.with_account(|a| a.le.offset += secs);
            ok()
        }
        // {"limits": true}: Let's Encrypt's published limits are kept from now on.
        ("POST", ["letsencrypt"]) => {
            let on = flag(&body, "limits");
            shared.with_account(|a| a.le.limits = on);
            ok()
        }
        // What Let's Encrypt saw: certificates issued, refusals by cause.
        ("GET", ["letsencrypt"]) => {
            let (issued, refused, now) =
                shared.with_account(|a| (a.le.issued.len(), a.le.refused.clone(), a.le.now()));
            HttpResponse::json(
                200,
                &json!({ "issued": issued, "refused": refused, "now": now }),
            )
        }
        ("GET", ["dns"]) => {
            let (records, server, queries) =
                shared.with_account(|a| (a.dns.records.clone(), a.dns.server_ip, a.dns.queries));
            HttpResponse::json(
                200,
                &json!({ "server_ip": server.to_string(), "records": records, "queries": queries }),
            )
        }
        ("GET", ["apps", server, app]) => {
            let (Ok(s), Ok(a)) = (server.parse(), app.parse()) else {
                return bad("ids are numbers".into());
            };
            HttpResponse::json(200, &shared.app_json(s, a))
        }
        _ => HttpResponse::json(404, &json!({ "error": "unknown control endpoint" })),
    }
}

/// A command-line program's `main`: runs `run`; its error is printed after
/// the program's name and the exit status is 2.
#[allow(
    clippy::print_stderr,
    reason = "a command-line program's error message"
)]
pub fn cli_main(name: &str, run: fn() -> Result<(), String>) {
    if let Err(e) = run() {
        eprintln!("{name}: {e}");
        std::process::exit(2);
    }
}
