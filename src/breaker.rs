//! A circuit breaker for the hooks of one worker process. During a RunCloud
//! outage every queued action would otherwise wait out the whole timeout, one
//! after another, and hold the worker; after a few failures in a row that may
//! pass (no answer, 429, 5xx), calls fail at once for a short while, then one
//! call is let through to see whether RunCloud is back.

use once_cell::sync::Lazy;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures in a row that open the circuit.
pub const THRESHOLD: u32 = 3;

#[derive(Debug, Default)]
pub struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
}

impl Breaker {
    /// `Err(time left)` while open; `Ok` lets the call through.
    pub fn check(&self, now: Instant) -> Result<(), Duration> {
        match self.open_until {
            Some(until) if now < until => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Records a call's end: `transient` failures count, anything else closes
    /// the circuit (a 401 says RunCloud is there). Returns true when this
    /// failure opened it.
    pub fn record(&mut self, transient_failure: bool, open_for: Duration, now: Instant) -> bool {
        if !transient_failure {
            self.failures = 0;
            self.open_until = None;
            return false;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures >= THRESHOLD && !open_for.is_zero() {
            // A failed trial call after the pause opens it again at once.
            self.open_until = Some(now + open_for);
            return true;
        }
        false
    }
}

static WORKER: Lazy<Mutex<Breaker>> = Lazy::new(|| Mutex::new(Breaker::default()));

fn worker() -> std::sync::MutexGuard<'static, Breaker> {
    WORKER.lock().unwrap_or_else(|e| e.into_inner())
}

/// This worker's breaker: `Err(time left)` while open.
pub fn check() -> Result<(), Duration> {
    worker().check(Instant::now())
}

/// Records an outcome in this worker's breaker (open for `open_for` after
/// THRESHOLD transient failures; zero: never); true when it just opened.
pub fn record(transient_failure: bool, open_for: Duration) -> bool {
    worker().record(transient_failure, open_for, Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN_FOR: Duration = Duration::from_secs(30);

    #[test]
    fn opens_after_threshold_transient_failures_and_lets_one_through_later() {
        let t0 = Instant::now();
        let mut b = Breaker::default();
        assert!(!b.record(true, OPEN_FOR, t0));
        assert!(!b.record(true, OPEN_FOR, t0));
        assert_eq!(b.check(t0), Ok(()));
        assert!(b.record(true, OPEN_FOR, t0), "the third failure opens it");
        assert_eq!(
            b.check(t0 + Duration::from_secs(1)),
            Err(OPEN_FOR - Duration::from_secs(1))
        );
        // After the pause one call goes through; failing, it opens again at once.
        let later = t0 + OPEN_FOR;
        assert_eq!(b.check(later), Ok(()));
        assert!(b.record(true, OPEN_FOR, later));
        assert!(b.check(later).is_err());
    }

    #[test]
    fn a_zero_pause_never_opens_it() {
        let t0 = Instant::now();
        let mut b = Breaker::default();
        for _ in 0..10 {
            assert!(!b.record(true, Duration::ZERO, t0));
        }
        assert_eq!(b.check(t0), Ok(()));
    }

    #[test]
    fn a_success_or_a_final_failure_closes_it() {
        let t0 = Instant::now();
        let mut b = Breaker::default();
        for _ in 0..THRESHOLD {
            b.record(true, OPEN_FOR, t0);
        }
        assert!(b.check(t0).is_err());
        b.record(false, OPEN_FOR, t0);
        assert_eq!(b.check(t0), Ok(()));
        b.record(true, OPEN_FOR, t0);
        b.record(true, OPEN_FOR, t0);
        assert_eq!(b.check(t0), Ok(()), "the count started again");
    }
}
