//! What an add learns before its first change, asked all at once: the
//! wildcard question (the API, on this thread: the client is not shared
//! between threads), the DNS checks of the name and of its www twin, and the
//! app's SSL set-up when this worker does not know it (each on a thread of
//! its own). A slow resolver then costs its own delay beyond the API's, not
//! the sum, and a first add learns the set-up beside its first round trip
//! (the wildcard question's here, else its POST's).

use super::outcome::{might_be_under_wildcard, wants_www_twin, NameKind};
use super::{AppFlows, DnsCheck};
use crate::config::SslPolicy;
use crate::domain::DomainName;
use crate::error::{Error, Result};

/// What was learnt.
pub(super) struct Looked {
    /// The wildcard row that serves the name, when asked and found.
    pub cover: Option<String>,
    /// The name's DNS check; `None`: names are not checked.
    pub dns: Option<DnsCheck>,
    /// The www twin's, when the name wants its twin.
    pub twin: Option<DnsCheck>,
    /// The app's SSL set-up was asked of RunCloud now (and is remembered).
    pub mode_learnt: bool,
}

impl AppFlows<'_> {
    /// Looks at `name` before it is added; `wildcard`: ask whether a wildcard
    /// row serves it (when it could be under one).
    pub(super) fn look(&self, name: &DomainName, kind: NameKind, wildcard: bool) -> Result<Looked> {
        let checker = self.checker()?;
        let twin = wants_www_twin(name, kind, self.config)
            .then(|| DomainName::parse(&format!("www.{name}")).ok())
            .flatten();
        let ask_wildcard = wildcard && might_be_under_wildcard(name, kind, self.config);
        // Beside the wildcard question only: without one, the POST is the
        // first round trip, and the set-up rides beside it (`create_and_learn_ssl`).
        let learn_mode = ask_wildcard
            && self.config.options.ssl == SslPolicy::Auto
            && self.worker.memory().recall(&self.key).is_none();
        let (config, worker, key) = (self.config, self.worker, self.key.clone());
        std::thread::scope(|scope| {
            let checker = checker.as_ref();
            let dns = checker.map(|c| scope.spawn(move || c.check(name)));
            let twin_dns = checker
                .zip(twin.as_ref())
                .map(|(c, t)| scope.spawn(move || c.check(t)));
            let mode = learn_mode.then(|| {
                scope.spawn(move || {
                    // Best effort: a failure is met again, and reported, by the SSL step.
                    crate::api::ssl_setup_at_once(config)
                        .map(|app| worker.memory().store(&key, &app))
                        .is_ok()
                })
            });
            let cover = if ask_wildcard {
                self.wildcard_cover(name)?
            } else {
                None
            };
            // A check that panicked is no check: never "not checked", which would add unchecked.
            let joined = |h: Option<std::thread::ScopedJoinHandle<'_, DnsCheck>>| {
                h.map(|h| {
                    h.join()
                        .map_err(|_| Error::Internal("a DNS check panicked".into()))
                })
                .transpose()
            };
            Ok(Looked {
                cover,
                dns: joined(dns)?,
                twin: joined(twin_dns)?,
                mode_learnt: mode.is_some_and(|h| h.join().unwrap_or(false)),
            })
        })
    }
}
