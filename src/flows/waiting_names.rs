//! The app's names that wait for DNS (`crate::waiting`): kept after an add
//! that had to hold them, forgotten once added, covered or removed, and looked
//! at again by any later call once their turn has come.

use super::outcome::{AddOutcome, NameKind, SslStatus};
use super::AppFlows;
use crate::domain::DomainName;
use crate::error::Result;
use crate::waiting;

/// What a look at the app's waiting names did.
#[derive(Default)]
pub struct WaitingLooks {
    /// Each name looked at, and what its re-check did.
    pub looked: Vec<(String, Result<AddOutcome>)>,
    /// Names that waited past the horizon (`dns_wait_days`), with the days
    /// they waited: looked at no more.
    pub gave_up: Vec<(String, u64)>,
}

impl AppFlows<'_> {
    /// After an add or re-check: a name that waits for DNS is kept (its
    /// schedule unchanged if it waited already); one that no longer waits is
    /// forgotten. A failure changes nothing: a waiting name keeps waiting.
    pub(super) fn track_waiting(
        &self,
        name: &DomainName,
        kind: NameKind,
        result: &Result<AddOutcome>,
    ) {
        let Ok(done) = result else {
            return;
        };
        let mut memory = self.worker.waiting();
        let list = memory.list(&self.key);
        if done.ssl.status == SslStatus::WaitingDns {
            waiting::note(
                self.config,
                list,
                name.as_str(),
                kind == NameKind::Subdomain,
            );
        } else {
            waiting::settle(self.config, list, name.as_str());
        }
    }

    pub(super) fn forget_waiting(&self, name: &DomainName) {
        let mut memory = self.worker.waiting();
        waiting::settle(self.config, memory.list(&self.key), name.as_str());
    }

    /// Re-checks the app's waiting names whose turn has come, at most `max`.
    /// The list is read at most every 20 s per worker, unless `force` (a
    /// caller that wants it read now: the CLI, a test).
    pub fn recheck_waiting(&self, max: usize, force: bool) -> WaitingLooks {
        let due = {
            let mut memory = self.worker.waiting();
            if !force && !memory.scan_due(&self.key) {
                return WaitingLooks::default();
            }
            waiting::claim_due(
                self.config,
                memory.list(&self.key),
                crate::clock::now(),
                max,
            )
        };
        let mut looks = WaitingLooks {
            gave_up: due
                .gave_up
                .into_iter()
                .map(|w| {
                    let waited = crate::clock::now().saturating_sub(w.since);
                    (w.name, waited / crate::clock::DAY)
                })
                .collect(),
            ..WaitingLooks::default()
        };
        for w in due.check {
            let Ok(name) = DomainName::parse(&w.name) else {
                continue;
            };
            let kind = if w.site {
                NameKind::Subdomain
            } else {
                NameKind::Mapped
            };
            looks
                .looked
                .push((w.name.clone(), self.recheck(&name, kind)));
        }
        looks
    }

    /// The app's waiting names (for status and tests).
    pub fn waiting_names(&self) -> Vec<waiting::Waiting> {
        let mut memory = self.worker.waiting();
        waiting::list(self.config, memory.list(&self.key))
    }
}
