//! What an add learns before its first change, asked all at once: the
//! wildcard question (the API, on this thread: the call's client is not
//! shared between threads) and, each on a thread of its own, the server's
//! address when no worker of the server knows it, then the DNS checks of the
//! name and of its www twin; the app's SSL set-up when this worker does not
//! know it; and the names of a basic app's certificate when no census holds
//! them. A slow resolver then costs its own delay beyond the API's, not the
//! sum, and a server's first add pays one round trip for all of it.

use super::checking::{checker_is_free, checker_with};
use super::outcome::{might_be_under_wildcard, wants_www_twin, NameKind};
use super::{AppFlows, Checker, DnsCheck};
use crate::api::{AppSsl, RunCloud};
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
    /// The certificate's names, read from RunCloud now (`Some(None)`: more
    /// than a certificate takes); `None` when not read.
    pub names_read: Option<Option<Vec<String>>>,
}

type Checks = (Option<DnsCheck>, Option<DnsCheck>);

fn panicked(what: &str) -> Error {
    Error::Internal(format!("{what} panicked"))
}

/// The name's check, and its twin's beside it: a slow resolver once, not twice.
fn check_both(c: &Checker, name: &DomainName, twin: Option<&DomainName>) -> Result<Checks> {
    std::thread::scope(|inner| {
        let t = twin.map(|t| inner.spawn(move || c.check(t)));
        let n = c.check(name);
        let t = t
            .map(|h| h.join().map_err(|_| panicked("a DNS check")))
            .transpose()?;
        Ok((Some(n), t))
    })
}

impl AppFlows<'_> {
    /// Looks at `name` before it is added; `wildcard`: ask whether a wildcard
    /// row serves it (when it could be under one).
    pub(super) fn look(&self, name: &DomainName, kind: NameKind, wildcard: bool) -> Result<Looked> {
        let (config, worker, key) = (self.config, self.worker, self.key.as_str());
        let twin = wants_www_twin(name, kind, config)
            .then(|| DomainName::parse(&format!("www.{name}")).ok())
            .flatten();
        // The wildcard answer this request already has, or the question to ask.
        let known_cover = (wildcard && might_be_under_wildcard(name, kind, config))
            .then(|| self.known_wildcard_cover(name));
        let ask_wildcard = matches!(known_cover, Some(None));
        let known_cover = known_cover.flatten().flatten();
        let remembered = self.worker.memory().recall(&self.key);
        // certificate_full() needs the names of a basic certificate before the
        // POST: read beside the rest when the app is known to be basic (an app
        // whose mode is not known yet may hold 10,000 names: not read blind).
        let read_names = match config.options.ssl {
            SslPolicy::Basic => true,
            SslPolicy::Auto => matches!(remembered, Some(AppSsl::Basic(_))),
            _ => false,
        } && self.fresh_census().is_none();
        let ask_address = !checker_is_free(config, worker, key);
        // The set-up rides beside another question; without one, the POST is
        // the first round trip and it rides beside that (`create_and_learn_ssl`).
        let learn_mode = config.options.ssl == SslPolicy::Auto
            && remembered.is_none()
            && (ask_wildcard || ask_address || read_names);
        if !(ask_wildcard || ask_address || read_names) {
            // No question to ride beside (a warm worker's add): the checks on
            // this thread (the twin's beside them), without a thread for the API.
            let (dns, twin) = match checker_with(config, worker, key, || self.api.server())? {
                // The twin's questions beside the name's: a slow resolver once, not twice.
                Some(c) => check_both(&c, name, twin.as_ref())?,
                None => (None, None),
            };
            return Ok(Looked {
                cover: known_cover,
                dns,
                twin,
                mode_learnt: false,
                names_read: None,
            });
        }
        let looked = std::thread::scope(|scope| -> Result<Looked> {
            let twin = twin.as_ref();
            let checks = scope.spawn(move || -> Result<Checks> {
                let checker =
                    checker_with(config, worker, key, || RunCloud::new(config)?.server())?;
                let Some(c) = checker else {
                    return Ok((None, None));
                };
                check_both(&c, name, twin)
            });
            let mode = learn_mode.then(|| {
                scope.spawn(move || {
                    // Best effort: a failure is met again, and reported, by the SSL step.
                    crate::api::ssl_setup_at_once(config)
                        .map(|app| worker.memory().store(key, &app))
                        .is_ok()
                })
            });
            let names = read_names.then(|| {
                scope.spawn(move || {
                    RunCloud::new(config)?.list_domains_within(config.options.certificate_names)
                })
            });
            let cover = if ask_wildcard {
                self.wildcard_cover(name)?
            } else {
                known_cover
            };
            let (dns, twin) = checks.join().map_err(|_| panicked("a DNS check"))??;
            let names_read = match names {
                Some(h) => Some(
                    h.join()
                        .map_err(|_| panicked("a read of the domain list"))??
                        .map(|list| crate::certificate_ledger::certificate_names(&list)),
                ),
                None => None,
            };
            Ok(Looked {
                cover,
                dns,
                twin,
                mode_learnt: mode.is_some_and(|h| h.join().unwrap_or(false)),
                names_read,
            })
        })?;
        // On this thread: the census may live in the network's store, which
        // only PHP's thread may ask.
        if let Some(Some(names)) = &looked.names_read {
            crate::certificate_ledger::store_census(config, names);
        }
        Ok(looked)
    }
}
