//! The one clock of the core: Unix seconds for everything the extension keeps
//! with a time (waiting names, the certificate ledger, the probe's tokens).
//!
//! php.ini's `wu_runcloud.clock_offset` moves it on, for simulations only
//! (a year of renewals in minutes). PHP loads extensions with `RTLD_DEEPBIND`,
//! so a clock preload such as libfaketime does not reach this code; the offset
//! does. It is process-wide, as a PHP worker is one request at a time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static OFFSET: AtomicI64 = AtomicI64::new(0);

/// Seconds since the Unix epoch, moved by the offset.
pub fn now() -> u64 {
    let real = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    moved(real, OFFSET.load(Ordering::Relaxed))
}

fn moved(real: u64, offset: i64) -> u64 {
    real.saturating_add_signed(offset)
}

/// Sets the offset in seconds (0: the real clock).
pub fn set_offset(seconds: i64) {
    OFFSET.store(seconds, Ordering::Relaxed);
}

pub const MINUTE: u64 = 60;
pub const HOUR: u64 = 3600;
pub const DAY: u64 = 86_400;
pub const WEEK: u64 = 7 * DAY;

#[cfg(test)]
mod tests {
    // The offset itself is process-wide, so it is set only where one process
    // is one simulation (php-tests/045_waiting_horizon.phpt), never here
    // beside other tests' threads.
    #[test]
    fn an_offset_moves_the_clock_either_way_and_never_below_zero() {
        assert_eq!(super::moved(1_000, super::DAY as i64), 1_000 + super::DAY);
        assert_eq!(super::moved(1_000, -400), 600);
        assert_eq!(super::moved(1_000, -5_000), 0);
        assert_eq!(super::moved(1_000, 0), 1_000);
    }
}
