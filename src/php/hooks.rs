//! The four Ultimate Multisite actions: never throw, one log line per app that
//! names the domain, a boolean for the glue, and `last_error()` / `last_add()`
//! for its retry and certificate-state decisions.

use super::call::{run_core, Call};
use super::convert::{self, assoc_ht, boolean, long, string};
use super::integration::Integration;
use super::{args, log, request};
use crate::config::{Config, LogPolicy, SslBatch};
use crate::domain::DomainName;
use crate::error::quote;
use crate::flows::{on_every_app, AddOutcome, Circuit, Level, NameKind, SslStatus};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::types::{ZendCallable, ZendClassObject, ZendHashTable, Zval};

/// An action of Ultimate Multisite's, with the name of its first parameter (for messages).
pub struct Action {
    name: &'static str,
    param: &'static str,
    add: bool,
    method: &'static str,
}

const fn action(
    name: &'static str,
    param: &'static str,
    add: bool,
    method: &'static str,
) -> Action {
    Action {
        name,
        param,
        add,
        method,
    }
}

pub const ADD_DOMAIN: Action = action("wu_add_domain", "domain", true, "on_add_domain");
pub const REMOVE_DOMAIN: Action = action("wu_remove_domain", "domain", false, "on_remove_domain");
pub const ADD_SUBDOMAIN: Action = action("wu_add_subdomain", "subdomain", true, "on_add_subdomain");
pub const REMOVE_SUBDOMAIN: Action = action(
    "wu_remove_subdomain",
    "subdomain",
    false,
    "on_remove_subdomain",
);

/// Why a hook failed: what the glue needs to decide whether to try again.
pub struct HookFailure {
    domain: String,
    status: u16,
    retryable: bool,
    /// Nothing was sent: every failing app's circuit was open. A retry of it
    /// costs RunCloud nothing, so the glue does not count it as a try.
    not_tried: bool,
    message: String,
}

impl HookFailure {
    pub fn to_array(&self) -> ZBox<ZendHashTable> {
        assoc_ht(vec![
            ("domain", string(&self.domain)),
            ("status", long(i64::from(self.status))),
            ("retryable", boolean(self.retryable)),
            ("not_tried", boolean(self.not_tried)),
            ("message", string(&self.message)),
        ])
    }
}

/// The certificate side of a hook's add.
pub struct LastAdd {
    ssl: &'static str,
    message: String,
    /// Put off by Let's Encrypt's limits: when the order may go (unix time).
    next_order: Option<u64>,
}

impl LastAdd {
    pub fn to_array(&self) -> ZBox<ZendHashTable> {
        assoc_ht(vec![
            ("ssl", string(self.ssl)),
            ("message", string(&self.message)),
            (
                "next_order",
                self.next_order.map_or_else(Zval::null, |t| long(t as i64)),
            ),
        ])
    }
}

/// What a hook did on one app, for its log line.
enum HookDone {
    // Boxed: an outcome (with its DNS check) is far larger than a removal.
    Added(Box<AddOutcome>),
    Removed { removed: bool, app: u64 },
}

impl Integration {
    /// The hook flows: arguments are taken as a PHP function in coercive mode takes them.
    pub(super) fn hook(
        &self,
        action: Action,
        domain: Option<&Zval>,
        site_id: Option<&Zval>,
        kind: NameKind,
    ) -> bool {
        self.last_error.replace(None);
        self.last_add.replace(None);
        let raw = self.constants();
        // Read once: the log policy and the call's configuration both come from it.
        let options = self.options();
        let call = Call::new(&raw).logging(options.as_ref().map_or(LogPolicy::On, |o| o.log));
        let args = args::hook_args(action.param, domain, site_id);
        // A __toString() that threw must not escape the hook.
        let threw = log::discard_pending_exception();
        let parsed = DomainName::parse(&args.name);
        let shown = match &parsed {
            Ok(name) => name.to_string(),
            Err(_) => quote(&args.name),
        };
        let site = if args.site_id > 0 {
            format!(" (site {})", args.site_id)
        } else {
            String::new()
        };
        let line = |text: &str| format!("{} {shown}{site}: {text}", action.name);
        let refused = args.refused.or_else(|| {
            threw.then(|| {
                format!(
                    "argument #1 (${}) could not be turned into a string: its __toString() threw",
                    action.param
                )
            })
        });
        if let Some(why) = refused {
            let text = format!("not done: {why}");
            call.log(Level::Error, &line(&text));
            self.fail(&call, &shown, 0, false, &text);
            return false;
        }
        // The first app's configuration error (or a bad name) is the whole call's.
        // A good name met with a refused configuration (missing constants, a bad
        // INI value) is worth a retry: fixing the configuration brings it in step.
        let name_ok = parsed.is_ok();
        let setup = run_core(|| Ok((parsed?, Config::from_constants(&raw, options?)?)));
        let (name, config) = match setup {
            Ok(s) => s,
            Err(e) => {
                let text = format!("failed: {e}");
                call.log(Level::Error, &line(&text));
                let retryable = e.is_transient() || name_ok;
                self.fail(&call, &shown, e.status_code(), retryable, &text);
                return false;
            }
        };
        let runs = on_every_app(super::worker(), &config, Circuit::Guarded, |flows| {
            if action.add {
                flows.add(&name, kind).map(|a| HookDone::Added(Box::new(a)))
            } else {
                let app = flows.config().app_id;
                flows
                    .remove(&name)
                    .map(|removed| HookDone::Removed { removed, app })
            }
        });
        for run in &runs.runs {
            if let Ok(HookDone::Added(added)) = &run.result {
                if added.ssl.status == SslStatus::Queued
                    && run.app.options.ssl_batch == SslBatch::Request
                {
                    request::flush_at_end();
                }
                if self.last_add.borrow().is_none() {
                    self.last_add.replace(Some(LastAdd {
                        ssl: added.ssl.status.as_str(),
                        message: call.clean(&added.ssl.message),
                        next_order: added.ssl.status.next_order(),
                    }));
                }
            }
        }
        for (level, text) in runs.lines(describe_hook) {
            call.log(level, &line(&text));
        }
        // Only while RunCloud answers: during an outage a hook spends no time on re-checks.
        if runs.first_failure().is_none() {
            recheck_waiting(&call, &config);
        }
        match runs.first_failure() {
            None => true,
            Some((tag, e)) => {
                // Worth a retry when any app's failure may pass: the apps already in
                // step answer "already there" and change nothing.
                let text = format!("{tag}failed: {e}");
                let not_tried = runs
                    .runs
                    .iter()
                    .filter_map(|r| r.result.as_ref().err())
                    .all(|e| matches!(e, crate::Error::CircuitOpen { .. }));
                self.fail(&call, &shown, e.status_code(), runs.any_transient(), &text);
                if let Some(f) = self.last_error.borrow_mut().as_mut() {
                    f.not_tried = not_tried;
                }
                false
            }
        }
    }

    fn fail(&self, call: &Call, domain: &str, status: u16, retryable: bool, message: &str) {
        self.last_error.replace(Some(HookFailure {
            domain: domain.to_string(),
            status,
            retryable,
            not_tried: false,
            message: call.clean(message),
        }));
    }
}

/// Any hook looks again at the names waiting for DNS whose turn has come
/// (at most a few a call, each at most once per interval in any worker), so
/// that a name mapped before its DNS pointed is added once it does, with or
/// without the glue. It changes nothing about the hook's own answer.
fn recheck_waiting(call: &Call, config: &Config) {
    let runs = on_every_app(super::worker(), config, Circuit::Guarded, |flows| {
        Ok(flows.recheck_waiting(RECHECKS_PER_CALL, false))
    });
    for run in &runs.runs {
        let Ok(looks) = &run.result else {
            continue;
        };
        for name in &looks.gave_up {
            call.log(
                Level::Error,
                &format!("re-check {name}: gave up waiting for DNS after 3 days; a later add of it starts again"),
            );
        }
        for (name, looked) in &looks.looked {
            let text = match looked {
                Ok(added) => {
                    if added.ssl.status == SslStatus::Queued
                        && run.app.options.ssl_batch == SslBatch::Request
                    {
                        request::flush_at_end();
                    }
                    let (level, text) = describe_add(added);
                    call.log(level, &format!("re-check {name}: {text}"));
                    continue;
                }
                Err(e) => format!("re-check {name} failed: {e}; looked at again later"),
            };
            call.log(Level::Warning, &text);
        }
    }
}

/// Waiting names a hook looks at, at most: each costs DNS questions, and an add when it points.
const RECHECKS_PER_CALL: usize = 3;

fn describe_hook(done: &HookDone) -> (Level, String) {
    match done {
        HookDone::Added(added) => describe_add(added),
        HookDone::Removed { removed: true, app } => (
            Level::Info,
            format!("removed from RunCloud web application {app}"),
        ),
        HookDone::Removed {
            removed: false,
            app,
        } => (
            Level::Info,
            format!("not on RunCloud web application {app}; nothing to remove"),
        ),
    }
}

/// The log text after "action name (site N): ".
pub fn describe_add(o: &AddOutcome) -> (Level, String) {
    if let Some(bare) = &o.twin_of {
        return (
            Level::Info,
            format!(
                "already on the app as the www twin of {bare}, RunCloud domain {}; SSL {}: {}",
                o.id.unwrap_or_default(),
                o.ssl.status.as_str(),
                o.ssl.message
            ),
        );
    }
    if o.ssl.status == SslStatus::WaitingDns && o.id.is_none() {
        return (
            Level::Warning,
            format!("waiting for DNS, not on the app: {}", o.ssl.message),
        );
    }
    if o.ssl.status == SslStatus::CertificateFull {
        return (Level::Error, format!("not added: {}", o.ssl.message));
    }
    if let Some(cover) = &o.covered_by {
        return (
            Level::Info,
            format!("covered by the wildcard domain *.{cover}; nothing added"),
        );
    }
    let what = if o.created {
        "added"
    } else {
        "already on the app"
    };
    let twin = if o.www {
        format!(" (with www.{})", o.name)
    } else {
        String::new()
    };
    let level = if matches!(
        o.ssl.status,
        SslStatus::Failed | SslStatus::WaitingDns | SslStatus::Deferred(_)
    ) {
        Level::Warning
    } else {
        Level::Info
    };
    (
        level,
        format!(
            "{what}{twin}, RunCloud domain {}; SSL {}: {}",
            o.id.unwrap_or_default(),
            o.ssl.status.as_str(),
            o.ssl.message
        ),
    )
}

/// register_hooks(): the four actions, once per request; false when
/// add_action() does not exist.
pub fn register(priority: Option<&Zval>) -> PhpResult<bool> {
    let priority = match priority {
        Some(z) => args::strict_int("register_hooks", 1, "priority", z)?,
        None => 10,
    };
    let Ok(add_action) = ZendCallable::try_from_name("add_action") else {
        return Ok(false);
    };
    if !request::first_hook_registration() {
        return Ok(true);
    }
    let added = add_actions(&add_action, priority);
    if added.is_err() {
        request::forget_hook_registration();
    }
    added.map(|()| true)
}

fn add_actions(add_action: &ZendCallable, priority: i64) -> PhpResult<()> {
    for action in [ADD_DOMAIN, REMOVE_DOMAIN, ADD_SUBDOMAIN, REMOVE_SUBDOMAIN] {
        let object = ZendClassObject::new(Integration::default())
            .into_zval(false)
            .map_err(|e| PhpException::from(e.to_string()))?;
        let callback = convert::list(vec![object, string(action.method)]);
        add_action.try_call(vec![&action.name, &callback, &priority, &2i64])?;
    }
    Ok(())
}
