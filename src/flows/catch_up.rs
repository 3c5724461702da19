//! What a call finishes of the work earlier calls left: removals cut off by a
//! dead worker or an outage, and waiting names whose look is due. The hooks
//! run it after their own work (a `stat` of each list when nothing is left),
//! and the glue's hourly job runs it whatever events come, so every name
//! converges to what the network asked for with no event to prompt it.

use super::waiting_names::WaitingLooks;
use super::AppFlows;
use crate::error::Result;

/// Removals a call finishes at most; each is a lookup and a DELETE.
pub const REMOVALS_PER_CALL: usize = 3;

/// What one catch-up did.
#[derive(Default)]
pub struct CaughtUp {
    /// Removals finished: the name, and whether it was on the app.
    pub removed: Vec<(String, Result<bool>)>,
    pub looks: WaitingLooks,
}

impl AppFlows<'_> {
    /// Finishes what is left, at most `looks` waiting names and
    /// `REMOVALS_PER_CALL` removals; `force`: read the waiting list now (the
    /// queue's job, the CLI) rather than at most every 20 s per worker.
    pub fn catch_up(&self, looks: usize, force: bool) -> CaughtUp {
        CaughtUp {
            removed: self.finish_removals(REMOVALS_PER_CALL),
            looks: self.recheck_waiting(looks, force),
        }
    }
}
