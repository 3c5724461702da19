//! What a call finishes of the work earlier calls left: removals cut off by a
//! dead worker or an outage, the renewal guard of a shared certificate when
//! its time has come, and waiting names whose look is due. The hooks
//! run it after their own work (a `stat` of each list when nothing is left),
//! and the glue's hourly job runs it whatever events come, so every name
//! converges to what the network asked for with no event to prompt it.

use super::renewal_guard::GuardLook;
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
    /// The renewal guard's look, when its time had come.
    pub guard: Option<Result<GuardLook>>,
}

impl AppFlows<'_> {
    /// Finishes what is left, at most `looks` waiting names and
    /// `REMOVALS_PER_CALL` removals; `force` (the queue's job, the CLI): read
    /// the waiting list now rather than at most every 20 s per worker, and
    /// let the renewal guard look when its time has come.
    pub fn catch_up(&self, looks: usize, force: bool) -> CaughtUp {
        CaughtUp {
            removed: self.finish_removals(REMOVALS_PER_CALL),
            // The queue's hourly job only: a hook's catch-up stays a `stat` or two.
            guard: if force {
                self.renewal_guard().transpose()
            } else {
                None
            },
            looks: self.recheck_waiting(looks, force),
        }
    }
}
