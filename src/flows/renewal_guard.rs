//! The renewal guard of a shared certificate. A basic app's one certificate
//! is renewed by RunCloud for every name on it, and from 2027 Let's Encrypt
//! validates every name again at each renewal: one name whose DNS has moved
//! away since it was added fails the renewal for every site. So, from a few
//! days before RunCloud's renewal (the certificate's real expiry less its
//! lead) until the expiry, every name on the app is checked; one that no
//! longer points here is taken off the app before it can fail the renewal,
//! stays mapped and waits (`waiting`: it is put back once it points), and the
//! admin is told. No name is thereby ordered into Let's Encrypt's pause for
//! names that fail again and again.
//!
//! Taking a name off must never follow a DNS hiccup: a name is taken off only
//! when two looks at least `CONFIRM_AFTER` apart both found it not pointing,
//! and nothing is taken off when more than a fifth of the names fail (the
//! check itself is then suspect). Outside the window a call costs one read of
//! a small file.

use super::AppFlows;
use crate::api::AppSsl;
use crate::clock::{self, DAY, HOUR};
use crate::domain::DomainName;
use crate::error::Result;
use crate::timed_names::TimedNames;

/// How long before a certificate expires RunCloud renews it [guess: 30 days,
/// as for its Let's Encrypt client's default].
pub const RUNCLOUD_RENEWS_BEFORE: u64 = 30 * DAY;
/// The guard starts this long before RunCloud's renewal.
const WINDOW_OPENS: u64 = 2 * DAY;
/// A name is taken off only after a second look this long after the first.
pub const CONFIRM_AFTER: u64 = HOUR;

const NEXT_LOOK: TimedNames = TimedNames("guard");
const SUSPECTS: TimedNames = TimedNames("suspect");

/// What one look of the guard did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GuardLook {
    /// Names checked.
    pub checked: usize,
    /// Taken off the app, each with why (DNS said).
    pub taken_off: Vec<(String, String)>,
    /// Found not pointing for the first time: looked at again before anything is done.
    pub suspects: Vec<String>,
    /// Set when nothing was taken off because too many names failed.
    pub held_back: Option<String>,
    /// When the certificate is renewed (unix time), as the guard reckons it.
    pub renewal_at: u64,
}

impl AppFlows<'_> {
    /// Looks when its time has come (`None` otherwise, at the cost of one
    /// small file read): a basic app in its renewal window gets every name
    /// checked and those that no longer point (confirmed) taken off.
    pub fn renewal_guard(&self) -> Result<Option<GuardLook>> {
        let now = clock::now();
        let next = NEXT_LOOK.read(self.config).first().map_or(0, |(_, t)| *t);
        if now < next {
            return Ok(None);
        }
        let look_again = |at: u64| {
            NEXT_LOOK.change(self.config, |list| *list = vec![("next".into(), at)]);
        };
        let AppSsl::Basic(cert) = self.fresh_app_ssl_if_auto(&self.key.clone())? else {
            look_again(now + DAY);
            return Ok(None);
        };
        let Some(expires) = cert
            .valid_until
            .as_deref()
            .and_then(crate::api::decode::runcloud_time)
        else {
            look_again(now + DAY);
            return Ok(None);
        };
        let renewal_at = expires.saturating_sub(RUNCLOUD_RENEWS_BEFORE);
        if now + WINDOW_OPENS < renewal_at {
            look_again(renewal_at - WINDOW_OPENS);
            return Ok(None);
        }
        let look = self.guard_names(now, renewal_at)?;
        look_again(now + CONFIRM_AFTER);
        Ok(Some(look))
    }

    fn guard_names(&self, now: u64, renewal_at: u64) -> Result<GuardLook> {
        let limit = self.config.options.certificate_names;
        let domains = self.api.list_domains_within(limit)?.unwrap_or_default();
        let Some(checker) = self.checker()? else {
            return Ok(GuardLook {
                renewal_at,
                ..GuardLook::default()
            });
        };
        let mut failing: Vec<(String, String)> = Vec::new();
        let mut checked = 0;
        for d in domains
            .iter()
            .filter(|d| d.kind != "primary" && !d.wildcard)
        {
            let Ok(name) = DomainName::parse(&d.name) else {
                continue;
            };
            checked += 1;
            let check = checker.check(&name);
            if !check.pointing.points() {
                failing.push((d.name.clone(), check.message));
            }
        }
        let before = SUSPECTS.read(self.config);
        let mut look = GuardLook {
            checked,
            renewal_at,
            ..GuardLook::default()
        };
        // More than a fifth failing at once: the check is suspect, not the names.
        if failing.len() > 1 && failing.len() * 5 > checked {
            look.held_back = Some(format!(
                "{} of {checked} names do not point here at once; that looks like the DNS check failing, not the names, so none was taken off",
                failing.len()
            ));
            return Ok(look);
        }
        let mut suspects = Vec::new();
        for (name, why) in failing {
            let first_seen = before.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
            match first_seen {
                Some(t) if now >= t + CONFIRM_AFTER => {
                    let Ok(parsed) = DomainName::parse(&name) else {
                        continue;
                    };
                    if self.remove(&parsed).is_ok() {
                        let mut memory = self.worker.waiting();
                        let site = self.kind_of(&parsed, super::NameKind::Mapped)
                            == super::NameKind::Subdomain;
                        crate::waiting::note(self.config, memory.list(&self.key), &name, site);
                        look.taken_off.push((name, why));
                    }
                }
                Some(t) => suspects.push((name, t)),
                None => suspects.push((name, now)),
            }
        }
        look.suspects = suspects.iter().map(|(n, _)| n.clone()).collect();
        // Only the names still failing stay suspect.
        SUSPECTS.change(self.config, |list| *list = suspects);
        Ok(look)
    }
}
