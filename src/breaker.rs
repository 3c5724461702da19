//! A circuit breaker for the hooks of one worker process. During a RunCloud
//! outage every queued action would otherwise wait out the whole timeout, one
//! after another, and hold the worker; after a few failures in a row that may
//! pass (no answer, 429, 5xx), calls fail at once for a short while, then one
//! call is let through to see whether RunCloud is back.

use crate::error::{Error, Result};
use std::collections::HashMap;
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
    pub fn check(&self, now: Instant) -> std::result::Result<(), Duration> {
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

/// One breaker per app (`Config::memory_key()`): with several apps, one app's
/// server being down must not stop the calls to the others.
#[derive(Default)]
pub struct Breakers {
    by_app: HashMap<String, Breaker>,
}

/// Apps with a breaker at once; past it the map starts afresh (all closed).
const MAX_KEYS: usize = 64;

impl Breakers {
    fn of(&mut self, key: &str) -> &mut Breaker {
        if self.by_app.len() >= MAX_KEYS && !self.by_app.contains_key(key) {
            self.by_app.clear();
        }
        self.by_app.entry(key.to_string()).or_default()
    }

    /// `Err(CircuitOpen)` while the app's circuit is open: the call must not run.
    pub fn admit(&mut self, key: &str) -> Result<()> {
        match self.of(key).check(Instant::now()) {
            Ok(()) => Ok(()),
            Err(left) => Err(Error::CircuitOpen {
                retry_in_secs: left.as_secs().max(1),
            }),
        }
    }

    /// Records how a call that was let through ended: a success or a final
    /// answer from RunCloud closes the circuit; THRESHOLD failures in a row
    /// that may pass open it for `open_for` (zero: never). Failures that never
    /// reached RunCloud (a bad name, bad configuration) say nothing about it
    /// and are not counted. True when this failure opened the circuit.
    pub fn record<T>(&mut self, key: &str, open_for: Duration, done: &Result<T>) -> bool {
        match done {
            Ok(_) => self.of(key).record(false, open_for, Instant::now()),
            Err(e) if e.reached_for_runcloud() => {
                self.of(key)
                    .record(e.is_transient(), open_for, Instant::now())
            }
            Err(_) => false,
        }
    }
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

    /// The executor's use of the breakers, for one app.
    fn guarded<T>(
        all: &mut Breakers,
        key: &str,
        pause: Duration,
        work: impl FnOnce() -> Result<T>,
    ) -> (Result<T>, bool) {
        if let Err(e) = all.admit(key) {
            return (Err(e), false);
        }
        let done = work();
        let opened = all.record(key, pause, &done);
        (done, opened)
    }

    #[test]
    fn work_is_not_run_while_open_and_only_runcloud_failures_count() {
        let pause = Duration::from_millis(50);
        let all = &mut Breakers::default();
        let unreachable = || -> Result<()> {
            Err(Error::Transport {
                context: "x".into(),
                message: "no answer".into(),
            })
        };
        // Failures that never reached RunCloud do not count.
        for _ in 0..5 {
            let (r, opened) = guarded(all, "app-a", pause, || -> Result<()> {
                Err(Error::InvalidDomain("bad".into()))
            });
            assert!(r.is_err() && !opened);
        }
        assert!(!guarded(all, "app-a", pause, unreachable).1);
        assert!(!guarded(all, "app-a", pause, unreachable).1);
        assert!(
            guarded(all, "app-a", pause, unreachable).1,
            "the third opened it"
        );
        let mut ran = false;
        let (r, _) = guarded(all, "app-a", pause, || {
            ran = true;
            Ok(())
        });
        assert!(!ran, "work does not run while open");
        assert!(matches!(r, Err(Error::CircuitOpen { .. })));
        assert!(
            guarded(all, "app-b", pause, || Ok(())).0.is_ok(),
            "another app's calls go on"
        );
        std::thread::sleep(pause);
        // After the pause a success closes it.
        assert!(guarded(all, "app-a", pause, || Ok(())).0.is_ok());
        assert!(!guarded(all, "app-a", pause, unreachable).1);
        assert!(guarded(all, "app-a", pause, || Ok(())).0.is_ok());
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
