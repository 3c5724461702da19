//! Removing a name: wanted off the app on disk before RunCloud is asked
//! (`crate::removing`), so that a removal cut off by a dead worker, or one
//! RunCloud failed, is finished by a later call; never a DELETE of an id not
//! known to be the right name.

use super::AppFlows;
use crate::clock;
use crate::domain::DomainName;
use crate::error::{Error, Result};
use crate::removing;

impl AppFlows<'_> {
    /// Removes `name`: true when removed, false when it was not on the app.
    /// The app's primary domain is never removed: that would take the network down.
    /// Wanted off the app before anything is asked (`crate::removing`), and
    /// settled once done or refused for good: a worker killed on the way
    /// leaves it for `finish_removals`.
    pub fn remove(&self, name: &DomainName) -> Result<bool> {
        // Wanted off the app: waiting for DNS no more, whatever RunCloud answers.
        self.forget_waiting(name);
        removing::note(self.config, name.as_str(), clock::now());
        let done = self.remove_now(name);
        match &done {
            Err(e) if e.is_transient() => {}
            _ => removing::settle(self.config, name.as_str()),
        }
        done
    }

    fn remove_now(&self, name: &DomainName) -> Result<bool> {
        let Some(domain) = self.api.find_domain(name)? else {
            if let Some(bare) = self.twin_holder(name)? {
                return Err(Error::Refused(format!(
                    "{name} is not an entry of its own: it is the www twin of {} (RunCloud domain {}). To stop serving it, turn off www for {} in RunCloud, or remove {}",
                    bare.name, bare.id, bare.name, bare.name
                )));
            }
            return Ok(false);
        };
        if domain.kind == "primary" {
            return Err(Error::Refused(format!(
                "{name} is the primary domain of web application {}; it was not removed. Change the primary domain in RunCloud first",
                self.api.app_id()
            )));
        }
        let removed = self.api.delete_domain(&domain)?;
        crate::certificate_ledger::note_change(
            self.config,
            &[],
            &crate::certificate_ledger::certificate_names(std::slice::from_ref(&domain)),
        );
        crate::certified::forget(self.config, name.as_str());
        // Removed later in the request that added it: no longer owed a certificate.
        self.worker.batch().drop_name(&self.key, name.as_str());
        crate::ssl_batch::owed::take_back(self.config, name.as_str());
        Ok(removed)
    }

    /// Finishes removals that earlier calls left (a worker killed between
    /// its lookup and its DELETE, RunCloud down), at most `max`, each claimed
    /// so that no other worker does it at once. A name wanted back on the app
    /// meanwhile was taken off the list by its add, and is left alone.
    pub fn finish_removals(&self, max: usize) -> Vec<(String, Result<bool>)> {
        removing::claim_left(self.config, clock::now(), max)
            .into_iter()
            .filter(|n| removing::listed(self.config, n))
            .map(|n| {
                let done = match DomainName::parse(&n) {
                    Ok(name) => self.remove(&name),
                    Err(_) => {
                        removing::settle(self.config, &n);
                        Ok(false)
                    }
                };
                (n, done)
            })
            .collect()
    }
}
