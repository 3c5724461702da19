//! The API client's own rate budget: what the last answers' rate-limit
//! headers said, shared by every call in this process, so that a burst of
//! hooks slows down before RunCloud says 429 and a walk of many pages knows
//! how many it may fetch at once.

use crate::lock;
use once_cell::sync::Lazy;
use reqwest::header::HeaderMap;
use std::sync::Mutex;

/// The most requests this process has in flight at once (a walk's parallel
/// pages): the budget's own width, which the transport and the walks take from here.
pub const IN_FLIGHT_MAX: u32 = 8;
use std::time::{Duration, Instant};

/// Below this many requests left in the window, requests are spaced out.
const RATE_LOW_WATER: u32 = 3;
/// RunCloud does not publish its window; a minute is the framework default.
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// What the last responses said about the rate limit, shared by every call in
/// this process, so a burst of hooks slows down before RunCloud says 429.
struct RateState {
    limit: Option<u32>,
    remaining: Option<u32>,
    seen_at: Option<Instant>,
    /// When the window resets, if RunCloud said.
    reset_at: Option<Instant>,
}

static RATE: Lazy<Mutex<RateState>> = Lazy::new(|| {
    Mutex::new(RateState {
        limit: None,
        remaining: None,
        seen_at: None,
        reset_at: None,
    })
});

/// `X-RateLimit-Reset` / `RateLimit-Reset`: seconds until the window resets, or
/// (GitHub style) the Unix time it resets at.
pub(super) fn reset_in(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers
        .get("x-ratelimit-reset")
        .or_else(|| headers.get("ratelimit-reset"))?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()?;
    if !raw.is_finite() || raw < 0.0 {
        return None;
    }
    let delta = if raw > 1_000_000_000.0 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs_f64();
        (raw - now).max(0.0)
    } else {
        raw
    };
    Some(Duration::from_secs_f64(
        delta.min(RATE_WINDOW.as_secs_f64()),
    ))
}

pub(super) fn note_rate_headers(headers: &HeaderMap) {
    let num = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<u32>().ok())
    };
    let (limit, remaining) = (num("x-ratelimit-limit"), num("x-ratelimit-remaining"));
    if limit.is_some() || remaining.is_some() {
        let now = Instant::now();
        let mut r = lock(&RATE);
        r.limit = limit.or(r.limit);
        // Answers to requests sent at once come back in any order: one counted
        // earlier may say more remain than one counted later. Only a jump larger
        // than what can be in flight is a new window; a smaller rise is old news.
        r.remaining = match (r.remaining, remaining) {
            (Some(known), Some(said)) if said > known && said <= known + IN_FLIGHT_MAX => {
                Some(known)
            }
            _ => remaining,
        };
        r.seen_at = Some(now);
        r.reset_at = reset_in(headers).map(|d| now + d);
    }
}

/// How long to hold back the next request so the window is not exhausted.
pub(super) fn rate_pause() -> Duration {
    let mut r = lock(&RATE);
    let (Some(remaining), Some(seen_at)) = (r.remaining, r.seen_at) else {
        return Duration::ZERO;
    };
    let now = Instant::now();
    let window_over = match r.reset_at {
        Some(at) => now >= at,
        None => seen_at.elapsed() >= RATE_WINDOW,
    };
    if window_over {
        r.remaining = None;
        return Duration::ZERO;
    }
    if remaining > RATE_LOW_WATER {
        r.remaining = Some(remaining - 1);
        return Duration::ZERO;
    }
    // Count this request against the estimate until a response corrects it.
    r.remaining = Some(remaining.saturating_sub(1));
    // Spread what is left of the window over the requests that are left. Without
    // a reset time, space them a little and let a 429's Retry-After say the rest.
    match r.reset_at {
        Some(at) => (at - now) / (remaining + 1),
        None if remaining == 0 => Duration::ZERO,
        None => (RATE_WINDOW / r.limit.unwrap_or(60).max(1)).min(Duration::from_secs(1)),
    }
}

/// How many requests may go out now without eating into the last few of the
/// rate window, as the last answers said; `None` when RunCloud has not said.
pub fn spare_requests() -> Option<u32> {
    let r = lock(&RATE);
    let (Some(remaining), Some(seen_at)) = (r.remaining, r.seen_at) else {
        return None;
    };
    let window_over = match r.reset_at {
        Some(at) => Instant::now() >= at,
        None => seen_at.elapsed() >= RATE_WINDOW,
    };
    if window_over {
        return None;
    }
    Some(remaining.saturating_sub(RATE_LOW_WATER))
}

/// Forgets what the rate-limit headers said (tests start from a clean slate).
pub fn reset_rate_state() {
    let mut r = lock(&RATE);
    r.limit = None;
    r.remaining = None;
    r.seen_at = None;
    r.reset_at = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn answers_out_of_order_never_raise_the_budget_but_a_new_window_does() {
        let headers = |remaining: u32| {
            let mut h = HeaderMap::new();
            h.insert("x-ratelimit-limit", HeaderValue::from_static("60"));
            h.insert(
                "x-ratelimit-remaining",
                HeaderValue::from_str(&remaining.to_string()).expect("header"),
            );
            h
        };
        reset_rate_state();
        note_rate_headers(&headers(20));
        note_rate_headers(&headers(24)); // counted earlier, arrived later
        assert_eq!(spare_requests(), Some(20 - RATE_LOW_WATER));
        note_rate_headers(&headers(59)); // the window started again
        assert_eq!(spare_requests(), Some(59 - RATE_LOW_WATER));
        reset_rate_state();
    }
}
