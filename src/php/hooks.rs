//! The four Ultimate Multisite actions: never throw, one log line per app that
//! names the domain, a boolean for the glue, and `last_error()` / `last_add()`
//! for its retry and certificate-state decisions.

use super::add_words::describe_add;
use super::call::{run_core, Call};
use super::convert::{self, string};
use super::last_call::{LastAdd, LastCall};
use super::settings::Settings;
use super::{args, request};
use crate::config::{Config, LogPolicy, SslBatch};
use crate::domain::DomainName;
use crate::error::quote;
use crate::flows::{on_every_app, AddOutcome, Circuit, Level, NameKind, SslStatus};
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::{ZendCallable, Zval};

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

/// What a hook did on one app, for its log line.
enum HookDone {
    // Boxed: an outcome (with its DNS check) is far larger than a removal.
    Added(Box<AddOutcome>),
    Removed { removed: bool, app: u64 },
}

/// The hook flows: arguments are taken as a PHP function in coercive mode takes them.
pub fn hook(
    settings: &Settings,
    last: &LastCall,
    action: Action,
    domain: Option<&Zval>,
    site_id: Option<&Zval>,
    kind: NameKind,
) -> bool {
    last.reset();
    let raw = settings.constants();
    // Read once: the log policy and the call's configuration both come from it.
    let options = settings.options();
    let call = Call::new(&raw).logging(options.as_ref().map_or(LogPolicy::On, |o| o.log));
    let args = args::hook_args(action.param, domain, site_id);
    // A __toString() that threw must not escape the hook.
    let threw = super::zend_extra::discard_pending_exception();
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
        last.fail(&call, &shown, 0, false, &text);
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
            last.fail(&call, &shown, e.status_code(), retryable, &text);
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
            if last.add.borrow().is_none() {
                last.add.replace(Some(LastAdd {
                    ssl: added.ssl.status.as_str(),
                    mode: added.ssl.mode.as_str(),
                    message: call.clean(&added.ssl.message),
                    next_order: added.ssl.status.next_order(),
                }));
            }
        }
    }
    for (level, text) in runs.lines(describe_hook) {
        call.log(level, &line(&text));
    }
    // Only while RunCloud answers: during an outage a hook spends no time on what is left.
    if runs.first_failure().is_none() {
        catch_up(&call, &config, RECHECKS_PER_CALL, false);
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
            last.fail(&call, &shown, e.status_code(), runs.any_transient(), &text);
            if let Some(f) = last.error.borrow_mut().as_mut() {
                f.not_tried = not_tried;
            }
            false
        }
    }
}

/// Any hook finishes what earlier calls left (`AppFlows::catch_up`): a few
/// removals cut off, and the names waiting for DNS whose turn has come (each
/// at most once per interval in any worker), so that a name mapped before its
/// DNS pointed is added once it does, with or without the glue. It changes
/// nothing about the hook's own answer. Returns how much it finished; logs each.
pub(super) fn catch_up(call: &Call, config: &Config, looks: usize, force: bool) -> usize {
    let runs = on_every_app(super::worker(), config, Circuit::Guarded, |flows| {
        Ok(flows.catch_up(looks, force))
    });
    let mut done = 0;
    for run in &runs.runs {
        let Ok(caught) = &run.result else {
            continue;
        };
        for (name, removed) in &caught.removed {
            done += 1;
            match removed {
                Ok(true) => call.log(Level::Info, &format!("wu_remove_domain {name}: finished a removal an earlier call left: removed from RunCloud web application {}", run.app.app_id)),
                Ok(false) => call.log(Level::Info, &format!("wu_remove_domain {name}: finished a removal an earlier call left: it was not on the app")),
                Err(e) => call.log(Level::Warning, &format!("wu_remove_domain {name}: a removal an earlier call left failed again: {e}; finished by a later call")),
            }
        }
        match &caught.guard {
            Some(Ok(g)) => {
                let when = crate::le_limits::utc(g.renewal_at);
                for (name, why) in &g.taken_off {
                    done += 1;
                    call.log(Level::Error, &format!("renewal guard: {name} was taken off web application {} before its certificate's renewal ({when}), since it no longer points here and would fail the renewal for every site: {why}. It stays mapped, waits, and is put back once it points", run.app.app_id));
                }
                if let Some(why) = &g.held_back {
                    call.log(
                        Level::Warning,
                        &format!("renewal guard: {why}; checked again within the hour"),
                    );
                }
                for name in &g.suspects {
                    call.log(Level::Warning, &format!("renewal guard: {name} does not point here; if it still does not within the hour it is taken off before the certificate's renewal ({when})"));
                }
            }
            Some(Err(e)) => call.log(
                Level::Warning,
                &format!("renewal guard could not look: {e}"),
            ),
            None => {}
        }
        let looks = &caught.looks;
        done += looks.looked.len() + looks.gave_up.len();
        for (name, days) in &looks.gave_up {
            call.log(
                Level::Error,
                &format!("re-check {name}: gave up waiting for DNS after {days} days (wu_runcloud.dns_wait_days); it is still mapped but not on the certificate: point it at this server, then check it again or map it again"),
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
    done
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

/// register_hooks(): the four actions, once per request; false when
/// add_action() does not exist.
/// `object` makes each action's callback object (the class's: `integration.rs`).
pub fn register(priority: Option<&Zval>, object: &dyn Fn() -> PhpResult<Zval>) -> PhpResult<bool> {
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
    let added = add_actions(&add_action, priority, object);
    if added.is_err() {
        request::forget_hook_registration();
    }
    added.map(|()| true)
}

fn add_actions(
    add_action: &ZendCallable,
    priority: i64,
    object: &dyn Fn() -> PhpResult<Zval>,
) -> PhpResult<()> {
    for action in [ADD_DOMAIN, REMOVE_DOMAIN, ADD_SUBDOMAIN, REMOVE_SUBDOMAIN] {
        let callback = convert::list(vec![object()?, string(action.method)]);
        add_action.try_call(vec![&action.name, &callback, &priority, &2i64])?;
    }
    Ok(())
}

/// Names a queued catch-up looks at, at most: the glue's hourly job.
const LOOKS_PER_JOB: usize = 20;

/// `catch_up()`: the glue's hourly job (and WP-CLI), whatever events come.
/// Never throws: a bad configuration finishes nothing (and is logged).
pub fn catch_up_now(settings: &Settings) -> i64 {
    let raw = settings.constants();
    let options = settings.options();
    let call = Call::new(&raw).logging(options.as_ref().map_or(LogPolicy::On, |o| o.log));
    match options.and_then(|o| crate::config::Config::from_constants(&raw, o)) {
        Ok(config) => catch_up(&call, &config, LOOKS_PER_JOB, true) as i64,
        Err(e) => {
            call.log(Level::Warning, &format!("catch-up not run: {e}"));
            0
        }
    }
}
