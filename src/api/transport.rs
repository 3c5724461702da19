//! HTTP to RunCloud: one keep-alive client per worker process, a deadline per
//! call, retries with jittered backoff, rate-limit pacing and bounded reads.

use super::connections::{client_for, ClientKey};
use super::rate_budget::{note_rate_headers, rate_pause, reset_in};
use crate::error::{Error, Result};
use crate::lock;
use once_cell::sync::Lazy;
use reqwest::blocking::Client;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most of a response body that is read; RunCloud's largest page is a few KiB.
pub const MAX_BODY: u64 = 2 * 1024 * 1024;
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_CAP: Duration = Duration::from_secs(8);
/// Retry-After values above this are not waited for: the call fails instead.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    fn as_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }

    /// Whether a request may be repeated when it is unknown whether RunCloud
    /// acted on it (a lost answer, a gateway error). Only a GET: a repeated POST
    /// may add twice, a repeated PUT of an SSL redeploy orders a second
    /// certificate, and a repeated DELETE that worked answers 404 as if the name
    /// had never been there. Callers verify those before any repeat.
    fn repeatable_when_unsure(self) -> bool {
        matches!(self, Method::Get)
    }
}

/// What RunCloud answered: status and the (bounded) body.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A small xorshift: jitter needs no cryptographic randomness.
fn jitter_fraction() -> f64 {
    static SEED: Lazy<Mutex<u64>> = Lazy::new(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9);
        Mutex::new(t ^ (u64::from(std::process::id()) << 32) | 1)
    });
    let mut s = lock(&SEED);
    let mut x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Exponential backoff with jitter: half fixed, half random, so workers that
/// failed together do not retry together.
pub fn backoff(attempt: u32) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << attempt.min(10));
    let capped = exp.min(BACKOFF_CAP);
    capped.mul_f64(0.5 + 0.5 * jitter_fraction())
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    // RunCloud would send seconds; an HTTP date is not worth parsing here.
    v.parse::<u64>().ok().map(Duration::from_secs)
}

/// One request to RunCloud, as the client describes it.
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a str,
    pub query: &'a [(&'a str, String)],
    pub body: Option<&'a serde_json::Value>,
}

/// How a request may fail without a usable response.
#[derive(Debug)]
pub enum Failure {
    /// The request never left (connect, DNS, TLS, connect timeout): safe to
    /// repeat whatever the method.
    NotSent(String),
    /// It may have reached RunCloud: only a GET is repeated.
    MaybeSent(String),
    /// The call's deadline ran out before the request could be sent.
    OutOfTime,
    /// An answer too large to be RunCloud's, with its status; not read.
    TooLarge(u16),
}

/// The one retry policy: whether `outcome` of a `method` request is tried again.
/// `Some(wait)` to try again after `wait` (RunCloud's Retry-After when it said),
/// `None` to stop. Attempts, budget and deadline are the caller's.
pub fn retry_policy(
    method: Method,
    outcome: &std::result::Result<(Response, Option<Duration>), Failure>,
) -> Option<Option<Duration>> {
    match outcome {
        // 429: RunCloud refused without acting; any method may be repeated.
        Ok((resp, wait)) if resp.status == 429 => Some(*wait),
        // A gateway error: the backend may or may not have acted.
        Ok((resp, _)) if matches!(resp.status, 502..=504) => {
            method.repeatable_when_unsure().then_some(None)
        }
        Ok(_) => None,
        Err(Failure::NotSent(_)) => Some(None),
        Err(Failure::MaybeSent(_)) => method.repeatable_when_unsure().then_some(None),
        Err(Failure::OutOfTime) | Err(Failure::TooLarge(_)) => None,
    }
}

/// The credentials, applied through reqwest's own `basic_auth` / `bearer_auth`,
/// which mark the header sensitive.
pub enum Auth {
    Basic { key: String, secret: String },
    Bearer(String),
}

/// The HTTP side of one call: credentials, retry budget and deadline.
pub struct Transport {
    client: Client,
    auth: Auth,
    max_retries: u32,
    deadline: Instant,
    timeout: Duration,
}

impl Transport {
    pub fn new(
        auth: Auth,
        connect_timeout: Duration,
        ca_file: Option<PathBuf>,
        timeout: Duration,
        max_retries: u32,
    ) -> Result<Transport> {
        let client = client_for(&ClientKey {
            connect_timeout,
            ca_file,
        })?;
        // A header that cannot be sent is refused here, with a message that shows no part of it.
        let sendable = match &auth {
            Auth::Bearer(t) => HeaderValue::from_str(&format!("Bearer {t}")).is_ok(),
            Auth::Basic { .. } => true,
        };
        if !sendable {
            return Err(Error::Config(
                "the API credentials contain characters that cannot be sent".into(),
            ));
        }
        Ok(Transport {
            client,
            auth,
            max_retries,
            deadline: Instant::now() + timeout,
            timeout,
        })
    }

    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn out_of_time(&self, context: &str) -> Error {
        Error::Transport {
            context: context.to_string(),
            message: format!(
                "no answer from RunCloud within the {:.1} s timeout (INI wu_runcloud.timeout)",
                self.timeout.as_secs_f64()
            ),
        }
    }

    /// Sleeps `wait` if the deadline allows it; false when it does not.
    pub fn sleep_within_deadline(&self, wait: Duration) -> bool {
        if wait >= self.remaining() {
            return false;
        }
        std::thread::sleep(wait);
        true
    }

    /// Waits before retry number `attempt + 1`: RunCloud's Retry-After when it said
    /// one (up to a minute), else jittered backoff. False when the wait would
    /// not fit before the deadline: then the call ends instead.
    pub fn pause_before_retry(&self, attempt: u32, retry_after: Option<Duration>) -> bool {
        let pause = match retry_after {
            Some(w) if w <= RETRY_AFTER_CAP => w,
            Some(_) => return false,
            None => backoff(attempt),
        };
        self.sleep_within_deadline(pause)
    }

    /// Sends once: no retries. `Err` only when no complete response arrived.
    pub fn send_once(
        &self,
        req: &Request,
    ) -> std::result::Result<(Response, Option<Duration>), Failure> {
        // A pause that does not fit before the deadline is skipped: RunCloud decides.
        let pause = rate_pause();
        if !pause.is_zero() {
            self.sleep_within_deadline(pause);
        }
        let left = self.remaining();
        if left.is_zero() {
            return Err(Failure::OutOfTime);
        }
        let mut builder = self
            .client
            .request(req.method.as_reqwest(), req.url)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .timeout(left);
        builder = match &self.auth {
            Auth::Basic { key, secret } => builder.basic_auth(key, Some(secret)),
            Auth::Bearer(token) => builder.bearer_auth(token),
        };
        if !req.query.is_empty() {
            builder = builder.query(req.query);
        }
        if let Some(body) = req.body {
            builder = builder.body(body.to_string());
        }
        let resp = builder.send().map_err(|e| classify(&e))?;
        let status = resp.status().as_u16();
        note_rate_headers(resp.headers());
        // A 429 without Retry-After may still say when the window resets.
        let wait = retry_after(resp.headers())
            .or_else(|| (status == 429).then(|| reset_in(resp.headers())).flatten());
        let mut body = Vec::new();
        let mut limited = resp.take(MAX_BODY + 1);
        limited
            .read_to_end(&mut body)
            .map_err(|e| Failure::MaybeSent(format!("the answer broke off: {}", plain_io(&e))))?;
        if body.len() as u64 > MAX_BODY {
            // Not a RunCloud answer: refuse it rather than hold it in memory.
            return Err(Failure::TooLarge(status));
        }
        Ok((Response { status, body }, wait))
    }

    /// Sends under `retry_policy`, with backoff while the budget and deadline
    /// allow. What it did not repeat (a POST, PUT or DELETE that may have
    /// arrived) comes back as it is: the caller verifies before any repeat.
    pub fn send(&self, req: &Request, context: &str) -> Result<Response> {
        let mut attempt = 0;
        loop {
            let outcome = self.send_once(req);
            if let Some(wait) = retry_policy(req.method, &outcome) {
                if attempt < self.max_retries && self.pause_before_retry(attempt, wait) {
                    attempt += 1;
                    continue;
                }
            }
            return match outcome {
                Ok((resp, _)) => Ok(resp),
                Err(Failure::TooLarge(status)) => Err(Error::BadResponse {
                    context: context.to_string(),
                    status,
                    message: "the answer was larger than 2 MiB and was not read".into(),
                }),
                Err(Failure::OutOfTime) => Err(self.out_of_time(context)),
                Err(Failure::NotSent(m)) | Err(Failure::MaybeSent(m)) => {
                    if self.remaining().is_zero() {
                        Err(self.out_of_time(context))
                    } else {
                        Err(Error::Transport {
                            context: context.to_string(),
                            message: m,
                        })
                    }
                }
            };
        }
    }
}

/// Sorts a reqwest error into "never sent" (connect, DNS, TLS, and a connect
/// timeout: the connection was never made) and "may have been sent", with a
/// message that names the cause and no URL credentials.
fn classify(e: &reqwest::Error) -> Failure {
    let detail = root_cause(e);
    if e.is_timeout() && !e.is_connect() {
        return Failure::MaybeSent(format!("RunCloud did not answer in time ({detail})"));
    }
    if e.is_connect() {
        let lower = detail.to_ascii_lowercase();
        let what = if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
        {
            "the TLS certificate of the API could not be verified (set wu_runcloud.ca_file for a private CA)"
        } else if lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve") {
            "the API host name could not be resolved"
        } else {
            "could not connect to RunCloud"
        };
        return Failure::NotSent(format!("{what}: {detail}"));
    }
    Failure::MaybeSent(format!("the connection to RunCloud failed: {detail}"))
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    let mut last = cur.to_string();
    while let Some(next) = cur.source() {
        last = next.to_string();
        cur = next;
    }
    last
}

fn plain_io(e: &std::io::Error) -> String {
    root_cause(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 0..12 {
            let b = backoff(attempt);
            let ceiling = BACKOFF_BASE
                .saturating_mul(1 << attempt.min(10))
                .min(BACKOFF_CAP);
            assert!(b <= ceiling && b >= ceiling / 2, "attempt {attempt}: {b:?}");
        }
    }

    fn answer(status: u16) -> std::result::Result<(Response, Option<Duration>), Failure> {
        Ok((
            Response {
                status,
                body: Vec::new(),
            },
            None,
        ))
    }

    #[test]
    fn a_request_that_may_have_acted_is_repeated_only_when_it_is_a_get() {
        let unsure = [
            answer(502),
            answer(503),
            answer(504),
            Err(Failure::MaybeSent("lost".into())),
        ];
        for outcome in &unsure {
            assert_eq!(
                retry_policy(Method::Get, outcome),
                Some(None),
                "{outcome:?}"
            );
            for m in [Method::Post, Method::Put, Method::Delete] {
                assert_eq!(retry_policy(m, outcome), None, "{m:?} {outcome:?}");
            }
        }
    }

    #[test]
    fn what_surely_was_not_acted_on_is_repeated_whatever_the_method() {
        let wait = Some(Duration::from_secs(2));
        let limited = Ok((
            Response {
                status: 429,
                body: Vec::new(),
            },
            wait,
        ));
        let not_sent = Err(Failure::NotSent("refused".into()));
        for m in [Method::Get, Method::Post, Method::Put, Method::Delete] {
            assert_eq!(retry_policy(m, &limited), Some(wait), "{m:?}");
            assert_eq!(retry_policy(m, &not_sent), Some(None), "{m:?}");
        }
    }

    #[test]
    fn final_answers_and_spent_deadlines_are_not_repeated() {
        for status in [200, 400, 401, 403, 404, 422, 500] {
            assert_eq!(retry_policy(Method::Get, &answer(status)), None, "{status}");
        }
        assert_eq!(retry_policy(Method::Get, &Err(Failure::OutOfTime)), None);
        assert_eq!(
            retry_policy(Method::Get, &Err(Failure::TooLarge(200))),
            None
        );
    }
}
