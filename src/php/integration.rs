//! WU_RunCloud_Integration: PHP arguments in, a core call, a PHP value or an
//! exception out. No decisions are made here.

use super::convert::{self, assoc, assoc_ht, boolean, list_ht, long, string};
use super::{args, constants, exception, ini, log, request};
use crate::breaker;
use crate::config::{
    Config, ConstValue, LogPolicy, OptionValue, Options, RawConstants, SslBatch, ALL_CONSTANTS,
};
use crate::domain::DomainName;
use crate::error::{quote, Error, Result};
use crate::mapping::{self, AddOutcome, Mapping, NameKind, SslStatus};
use crate::secret::{redact, Secret};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ArrayKey, ZendCallable, ZendClassObject, ZendHashTable, Zval};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Keeps a RunCloud web application in step with the network's domains.
#[php_class]
#[php(name = "WU_RunCloud_Integration")]
#[php(flags = ClassFlags::Final)]
#[derive(Default)]
pub struct Integration {
    /// Constructor options, validated; applied over INI at every call.
    overrides: Vec<(String, OptionValue)>,
    /// Credentials saved in Ultimate Multisite's wizard (the `credentials`
    /// option), used where the constant is not defined and non-empty.
    credentials: Vec<(&'static str, ConstValue)>,
    /// Why the last hook call on this object failed, for the glue's retry decision.
    last_error: RefCell<Option<HookFailure>>,
    /// What the last add hook did to the first app's certificate, for the glue's
    /// re-checks and the name's certificate state.
    last_add: RefCell<Option<LastAdd>>,
}

/// The certificate side of a hook's add.
struct LastAdd {
    ssl: &'static str,
    message: String,
}

/// Every credential that is defined, valid or not, in every form it can take
/// (the Basic header's base64 included): what must never be printed.
fn secrets_of(raw: &RawConstants) -> Vec<Secret> {
    use crate::config::ConstValue;
    let text = |v: &Option<ConstValue>| match v {
        Some(ConstValue::Text(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(ConstValue::Int(n)) => Some(n.to_string()),
        _ => None,
    };
    let (key, secret, token) = (
        text(&raw.api_key),
        text(&raw.api_secret),
        text(&raw.api_token),
    );
    crate::secret::forms(key.as_deref(), secret.as_deref(), token.as_deref())
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs core work; a panic becomes an internal error instead of reaching PHP.
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(|| {
        panic_if_asked_by_a_test();
        f()
    }))
    .unwrap_or_else(|p| Err(Error::Internal(panic_text(p))))
}

/// Debug builds only: lets the .phpt suite prove that a panic under a PHP call
/// becomes an exception and the process lives on. Compiled out of releases.
#[cfg(debug_assertions)]
#[allow(clippy::panic)]
fn panic_if_asked_by_a_test() {
    if std::env::var_os("WU_RUNCLOUD_TEST_PANIC").is_some() {
        panic!("panic requested by WU_RUNCLOUD_TEST_PANIC");
    }
}

#[cfg(not(debug_assertions))]
fn panic_if_asked_by_a_test() {}

/// An option's value, from the same zval reading as the methods' arguments.
fn option_value(v: &Zval) -> OptionValue {
    use crate::input::Loose;
    if let Some(a) = v.array() {
        return OptionValue::List(a.iter().filter_map(|(_, v)| v.coerce_to_string()).collect());
    }
    match args::loose(v) {
        Loose::Bytes(b) => String::from_utf8(b).map_or(
            OptionValue::Other("a string that is not valid UTF-8"),
            OptionValue::Text,
        ),
        Loose::Int(n) => OptionValue::Int(n),
        Loose::Float(f) => OptionValue::Float(f),
        Loose::Bool(b) => OptionValue::Bool(b),
        Loose::Null => OptionValue::Other("null"),
        Loose::Other(_) => OptionValue::Other("a value of another type"),
    }
}

fn domain_array(d: &crate::api::decode::Domain) -> ZBox<ZendHashTable> {
    let mut pairs: Vec<(&str, Zval)> = vec![("id", long(d.id as i64)), ("name", string(&d.name))];
    for (k, v) in &d.raw {
        if k != "id" && k != "name" {
            pairs.push((k.as_str(), convert::json(v)));
        }
    }
    assoc_ht(pairs)
}

impl Integration {
    /// The constants, with the wizard's credentials where a constant is not set.
    fn constants(&self) -> RawConstants {
        constants::read_with(&self.credentials)
    }

    fn options(&self) -> Result<Options> {
        let mut options = ini::options()?;
        for (k, v) in &self.overrides {
            options.apply(k, v, &format!("option {}", quote(k)))?;
        }
        Ok(options)
    }

    fn config(&self, raw: &RawConstants) -> Result<Config> {
        Config::from_constants(raw, self.options()?)
    }

    /// The strict API: a result, or a WU_RunCloud_Exception / InvalidArgumentException.
    fn strict<T>(&self, f: impl FnOnce(&RawConstants) -> Result<T>) -> PhpResult<T> {
        let raw = self.constants();
        guarded(|| f(&raw)).map_err(|error| {
            PhpException::from(exception::PhpError {
                error,
                secrets: &secrets_of(&raw),
            })
        })
    }

    /// The hook flows: never throw, log one line that names the domain, return
    /// success. Arguments are taken as a PHP function in coercive mode takes them.
    fn hook(&self, action: &str, call: HookCall, kind: NameKind, add: bool) -> bool {
        self.last_error.replace(None);
        self.last_add.replace(None);
        let raw = self.constants();
        let secrets = secrets_of(&raw);
        // Read once: the log policy and the call's configuration both come from it.
        let options = self.options();
        let logging = options.as_ref().map_or(LogPolicy::On, |o| o.log);
        let args = args::hook_args(call.param, call.domain, call.site_id);
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
        let emit = |level: log::Level, text: String| {
            if logging == LogPolicy::On {
                log::write(
                    level,
                    &redact(&format!("{action} {shown}{site}: {text}"), &secrets),
                );
            }
        };
        if let Some(why) = args.refused.or_else(|| {
            threw.then(|| {
                format!(
                    "argument #1 (${}) could not be turned into a string: its __toString() threw",
                    call.param
                )
            })
        }) {
            emit(log::Level::Error, format!("not done: {why}"));
            self.fail(&shown, 0, false, format!("not done: {why}"), &secrets);
            return false;
        }
        // One outcome per app: the first app's configuration error (or a bad name)
        // is the whole call's; then every app of WU_RUNCLOUD_APPS gets the change,
        // one failing not stopping the others.
        let targets = guarded(|| {
            let name = parsed?;
            let config = Config::from_constants(&raw, options?)?;
            Ok((name, config.targets()))
        });
        let (name, targets) = match targets {
            Ok(t) => t,
            Err(e) => {
                emit(log::Level::Error, format!("failed: {e}"));
                self.fail(
                    &shown,
                    e.status_code(),
                    e.is_transient(),
                    format!("failed: {e}"),
                    &secrets,
                );
                return false;
            }
        };
        let several = targets.len() > 1;
        let mut first_failure: Option<(String, Error)> = None;
        let mut any_transient = false;
        for config in &targets {
            // With several apps each line says which one it is about.
            let tag = if several {
                format!(
                    "[web application {} on server {}] ",
                    config.app_id, config.server_id
                )
            } else {
                String::new()
            };
            let say = |level: log::Level, text: String| emit(level, format!("{tag}{text}"));
            let outcome = guarded(|| {
                let pause = config.options.circuit_break;
                let (done, opened) = breaker::guarded(&config.memory_key(), pause, || {
                    let mapping = Mapping::new(config)?;
                    let done = if add {
                        mapping.add(&name, kind).map(HookDone::Added)
                    } else {
                        mapping.remove(&name).map(|removed| HookDone::Removed {
                            removed,
                            app: config.app_id,
                        })
                    };
                    for note in mapping.notes() {
                        say(log::Level::Warning, note);
                    }
                    done
                });
                if opened {
                    say(
                        log::Level::Warning,
                        format!(
                            "RunCloud failed {} times in a row; this worker does not call it for {} s (circuit open)",
                            breaker::THRESHOLD,
                            pause.as_secs_f64()
                        ),
                    );
                }
                done
            });
            match outcome {
                Ok(HookDone::Added(added)) => {
                    if added.ssl.status == SslStatus::Queued
                        && config.options.ssl_batch == SslBatch::Request
                    {
                        request::flush_at_end();
                    }
                    if self.last_add.borrow().is_none() {
                        self.last_add.replace(Some(LastAdd {
                            ssl: added.ssl.status.as_str(),
                            message: redact(&added.ssl.message, &secrets),
                        }));
                    }
                    let (level, text) = describe_add(&added);
                    say(level, text);
                }
                Ok(HookDone::Removed { removed, app }) => {
                    let text = if removed {
                        format!("removed from RunCloud web application {app}")
                    } else {
                        format!("not on RunCloud web application {app}; nothing to remove")
                    };
                    say(log::Level::Info, text);
                }
                Err(e) => {
                    say(log::Level::Error, format!("failed: {e}"));
                    any_transient |= e.is_transient();
                    if first_failure.is_none() {
                        first_failure = Some((tag.clone(), e));
                    }
                }
            }
        }
        match first_failure {
            None => true,
            Some((tag, e)) => {
                // Worth a retry when any app's failure may pass: the apps already in
                // step answer "already there" and change nothing.
                self.fail(
                    &shown,
                    e.status_code(),
                    any_transient,
                    format!("{tag}failed: {e}"),
                    &secrets,
                );
                false
            }
        }
    }

    fn fail(
        &self,
        domain: &str,
        status: u16,
        retryable: bool,
        message: String,
        secrets: &[Secret],
    ) {
        self.last_error.replace(Some(HookFailure {
            domain: domain.to_string(),
            status,
            retryable,
            message: redact(&message, secrets),
        }));
    }
}

/// Why a hook failed: what the glue needs to decide whether to try again.
struct HookFailure {
    domain: String,
    status: u16,
    retryable: bool,
    message: String,
}

/// A hook's raw arguments and the name of its first parameter (for messages).
struct HookCall<'a> {
    param: &'static str,
    domain: Option<&'a Zval>,
    site_id: Option<&'a Zval>,
}

/// What a hook did, for its log line.
enum HookDone {
    Added(AddOutcome),
    Removed { removed: bool, app: u64 },
}

/// The log text after "action name (site N): ".
fn describe_add(o: &AddOutcome) -> (log::Level, String) {
    if let Some(bare) = &o.twin_of {
        return (
            log::Level::Info,
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
            log::Level::Warning,
            format!("waiting for DNS, not on the app: {}", o.ssl.message),
        );
    }
    if let Some(cover) = &o.covered_by {
        return (
            log::Level::Info,
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
    let level = if matches!(o.ssl.status, SslStatus::Failed | SslStatus::WaitingDns) {
        log::Level::Warning
    } else {
        log::Level::Info
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

#[php_impl]
#[php(change_method_case = "snake_case")]
impl Integration {
    /// @param array $options api_url, timeout, connect_timeout, max_retries, www, ssl, ca_file, public_suffixes, log
    pub fn __construct(options: Option<&ZendHashTable>) -> PhpResult<Self> {
        let mut overrides = Vec::new();
        let mut credentials = Vec::new();
        let mut check = Options::default();
        if let Some(ht) = options {
            for (key, value) in ht.iter() {
                if let ArrayKey::Long(n) = key {
                    return Err(invalid_argument(format!(
                        "Option keys must be names such as \"timeout\", got the index {n}"
                    )));
                }
                let key = key.to_string();
                if key == "credentials" {
                    credentials = credentials_option(value)?;
                    continue;
                }
                let value = option_value(value);
                check
                    .apply(&key, &value, &format!("option {}", quote(&key)))
                    .map_err(|e| {
                        // The value is quoted back: a credential pasted into an option must not be.
                        let secrets = secrets_of(&constants::read_with(&credentials));
                        invalid_argument(redact(&e.to_string(), &secrets))
                    })?;
                overrides.push((key, value));
            }
        }
        Ok(Integration {
            overrides,
            credentials,
            last_error: RefCell::new(None),
            last_add: RefCell::new(None),
        })
    }

    /// Ultimate Multisite's `wu_add_domain` action. Never throws.
    pub fn on_add_domain(&self, domain: Option<&Zval>, site_id: Option<&Zval>) -> bool {
        let call = HookCall {
            param: "domain",
            domain,
            site_id,
        };
        self.hook("wu_add_domain", call, NameKind::Mapped, true)
    }

    /// Ultimate Multisite's `wu_remove_domain` action. Never throws.
    pub fn on_remove_domain(&self, domain: Option<&Zval>, site_id: Option<&Zval>) -> bool {
        let call = HookCall {
            param: "domain",
            domain,
            site_id,
        };
        self.hook("wu_remove_domain", call, NameKind::Mapped, false)
    }

    /// Ultimate Multisite's `wu_add_subdomain` action. Never throws.
    pub fn on_add_subdomain(&self, subdomain: Option<&Zval>, site_id: Option<&Zval>) -> bool {
        let call = HookCall {
            param: "subdomain",
            domain: subdomain,
            site_id,
        };
        self.hook("wu_add_subdomain", call, NameKind::Subdomain, true)
    }

    /// Ultimate Multisite's `wu_remove_subdomain` action. Never throws.
    pub fn on_remove_subdomain(&self, subdomain: Option<&Zval>, site_id: Option<&Zval>) -> bool {
        let call = HookCall {
            param: "subdomain",
            domain: subdomain,
            site_id,
        };
        self.hook("wu_remove_subdomain", call, NameKind::Subdomain, false)
    }

    /// Why the last hook call on this object returned false, or null after a success.
    /// `retryable`: the failure may pass by itself (no answer, 429, 5xx, circuit open).
    /// @return array{domain: string, status: int, retryable: bool, message: string}|null
    pub fn last_error(&self) -> Option<ZBox<ZendHashTable>> {
        self.last_error.borrow().as_ref().map(|f| {
            assoc_ht(vec![
                ("domain", string(&f.domain)),
                ("status", long(i64::from(f.status))),
                ("retryable", boolean(f.retryable)),
                ("message", string(&f.message)),
            ])
        })
    }

    /// What the last add hook on this object did about the certificate, or
    /// null when it added nothing (or failed: see last_error()).
    /// `ssl` is add_domain()'s status, such as "queued" or "waiting_dns".
    /// @return array{ssl: string, message: string}|null
    pub fn last_add(&self) -> Option<ZBox<ZendHashTable>> {
        self.last_add.borrow().as_ref().map(|a| {
            assoc_ht(vec![
                ("ssl", string(a.ssl)),
                ("message", string(&a.message)),
            ])
        })
    }

    pub fn is_setup(&self) -> bool {
        self.constants().missing().is_empty()
    }

    /// @return string[]
    pub fn get_missing_constants(&self) -> Vec<String> {
        self.constants()
            .missing()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    pub fn test_connection(&self) -> ZBox<ZendHashTable> {
        let raw = self.constants();
        let secrets = secrets_of(&raw);
        let report = guarded(|| {
            let options = self.options()?;
            Ok(mapping::test_connection(&raw, options))
        })
        .unwrap_or_else(|e| mapping::ConnectionReport {
            ok: false,
            api_version: raw.api_version().as_str(),
            message: e.to_string(),
            checks: vec![mapping::Check {
                name: "constants",
                ok: false,
                message: e.to_string(),
            }],
        });
        let checks = report
            .checks
            .iter()
            .map(|c| {
                assoc(vec![
                    ("name", string(c.name)),
                    ("ok", boolean(c.ok)),
                    ("message", string(&redact(&c.message, &secrets))),
                ])
            })
            .collect();
        assoc_ht(vec![
            ("ok", boolean(report.ok)),
            ("api_version", string(report.api_version)),
            ("message", string(&redact(&report.message, &secrets))),
            ("checks", convert::array(list_ht(checks))),
        ])
    }

    /// Hooks the four Ultimate Multisite actions once per request; false when
    /// add_action() does not exist. `$priority` is coerced as PHP coerces an int.
    pub fn register_hooks(priority: Option<&Zval>) -> PhpResult<bool> {
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
        let added = Self::add_actions(&add_action, priority);
        if added.is_err() {
            request::forget_hook_registration();
        }
        added.map(|()| true)
    }

    /// @return array{name: string, id: int|null, created: bool, www: bool, ssl: string, ssl_message: string, ssl_mode: string, dns: array|null, apps: list<array>}
    pub fn add_domain(&self, domain: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
        let domain = args::strict_text("add_domain", 1, "domain", domain)?;
        self.add_like(&domain, |m, name| m.add(name, NameKind::Mapped))
    }

    /// Re-checks a name that waits for DNS (add_domain()'s ssl "waiting_dns"):
    /// when it points here now it is added and put on the certificate (basic
    /// mode), or its own certificate is ordered (advanced mode). Same result as
    /// add_domain(). Call it for waiting names: in advanced mode it orders the
    /// certificate of a name that is already on the app.
    pub fn check_domain(&self, domain: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
        let domain = args::strict_text("check_domain", 1, "domain", domain)?;
        self.add_like(&domain, |m, name| m.recheck(name, NameKind::Mapped))
    }

    /// The probe endpoint's answer to a token (the glue serves it at
    /// /.well-known/wu-runcloud-probe/<token>), or null: answer 404 then.
    /// Reveals nothing but an HMAC of the token, and only while it is fresh.
    pub fn probe_answer(&self, token: &Zval) -> Option<String> {
        let token = token.str()?.to_string();
        let raw = self.constants();
        guarded(|| {
            let config = self.config(&raw)?;
            Ok(mapping::probe_for(&config, 80).answer(&token))
        })
        .ok()
        .flatten()
    }

    /// The names each app owes a certificate redeploy (kept on disk until one
    /// succeeds), with this request's own. Never throws.
    /// @return list<array{server: int, app: int, names: list<string>}>
    pub fn owed_ssl(&self) -> ZBox<ZendHashTable> {
        let raw = self.constants();
        let owed = guarded(|| {
            let config = self.config(&raw)?;
            Ok(config
                .targets()
                .into_iter()
                .map(|t| {
                    let mut names = crate::ssl_batch::owed::read(&t).0;
                    for n in crate::ssl_batch::pending_names(&t.memory_key()) {
                        if !names.contains(&n) {
                            names.push(n);
                        }
                    }
                    (t.server_id, t.app_id, names)
                })
                .filter(|(_, _, names)| !names.is_empty())
                .collect::<Vec<_>>())
        })
        .unwrap_or_default();
        list_ht(
            owed.into_iter()
                .map(|(server, app, names)| {
                    assoc(vec![
                        ("server", long(server as i64)),
                        ("app", long(app as i64)),
                        (
                            "names",
                            convert::list(names.iter().map(|n| string(n)).collect()),
                        ),
                    ])
                })
                .collect(),
        )
    }

    /// True when the name was removed from the (first) app, false when it was not there.
    pub fn remove_domain(&self, domain: &Zval) -> PhpResult<bool> {
        let domain = args::strict_text("remove_domain", 1, "domain", domain)?;
        self.strict(|raw| {
            let name = DomainName::parse(&domain)?;
            let config = self.config(raw)?;
            let secrets = secrets_of(raw);
            on_every_app(
                &config,
                &secrets,
                |target| Mapping::new(target)?.remove(&name),
                |removed| {
                    if *removed {
                        "removed"
                    } else {
                        "not on the app"
                    }
                    .to_string()
                },
            )
            .map(|(removed, _)| removed)
        })
    }

    pub fn find_domain(&self, domain: &Zval) -> PhpResult<Option<ZBox<ZendHashTable>>> {
        let domain = args::strict_text("find_domain", 1, "domain", domain)?;
        self.strict(|raw| {
            let name = DomainName::parse(&domain)?;
            let config = self.config(raw)?;
            Ok(Mapping::new(&config)?.find(&name)?.map(|(d, twin_of)| {
                let mut ht = domain_array(&d);
                if let Some(bare) = twin_of {
                    // The name asked for is served as this entry's www twin.
                    let _ = ht.insert("twin_of", string(&bare));
                }
                ht
            }))
        })
    }

    pub fn list_domains(&self) -> PhpResult<ZBox<ZendHashTable>> {
        self.strict(|raw| {
            let config = self.config(raw)?;
            let all = Mapping::new(&config)?.list()?;
            Ok(list_ht(
                all.iter()
                    .map(|d| convert::array(domain_array(d)))
                    .collect(),
            ))
        })
    }

    /// Reconciles the app with every host name the network serves: reads the app
    /// once and plans; with `apply` adds what is missing (at most `limit`, one
    /// certificate update at the end) and removes only the names in `remove`.
    /// Throws only when the app cannot be read, or for a bad argument.
    /// @param array<string> $names
    /// @param array{apply?: bool, limit?: int, remove?: array<string>} $options
    pub fn sync_domains(
        &self,
        names: &Zval,
        options: Option<&Zval>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let Some(list) = names.array() else {
            return Err(PhpException::new(
                format!(
                    "WU_RunCloud_Integration::sync_domains(): Argument #1 ($names) must be of type array, {} given",
                    args::loose(names).type_name()
                ),
                0,
                ext_php_rs::zend::ce::type_error(),
            ));
        };
        let mut names_in = Vec::new();
        for (_, v) in list.iter() {
            names_in.push(args::strict_text("sync_domains", 1, "names", v)?);
        }
        let sync_options = sync_options(options)?;
        self.strict(|raw| {
            let config = self.config(raw)?;
            let targets = config.targets();
            let secrets = secrets_of(raw);
            // The first app's report is the answer (its read failing throws); every
            // app's summary, the first included, is in `apps`.
            let mut apps = Vec::new();
            let mut first = None;
            for target in &targets {
                match crate::sync::sync(target, &names_in, &sync_options) {
                    Ok(r) => {
                        let text = format!(
                            "{} in step, {} to add, {} added, {} removed, {} failed, {} remaining",
                            r.plan.in_step,
                            r.plan.to_add.len(),
                            r.added.len(),
                            r.removed.len(),
                            r.failed.len(),
                            r.remaining
                        );
                        apps.push(app_entry(target, r.failed.is_empty(), &text));
                        first.get_or_insert(r);
                    }
                    Err(e) if first.is_some() => apps.push(app_entry(
                        target,
                        false,
                        &redact(&format!("failed: {e}"), &secrets),
                    )),
                    Err(e) => return Err(e),
                }
            }
            let Some(r) = first else {
                return Err(Error::Internal("no app to sync".into()));
            };
            let texts = |v: &[String]| convert::list(v.iter().map(|n| string(n)).collect());
            let pairs = |v: &[(String, String)], key: &str| {
                convert::list(
                    v.iter()
                        .map(|(n, m)| {
                            assoc(vec![
                                ("name", string(n)),
                                (key, string(&redact(m, &secrets))),
                            ])
                        })
                        .collect(),
                )
            };
            let ssl = match &r.ssl {
                Some(o) => assoc(vec![
                    ("status", string(o.status.as_str())),
                    ("message", string(&redact(&o.message, &secrets))),
                ]),
                None => Zval::null(),
            };
            Ok(assoc_ht(vec![
                ("server", long(config.server_id as i64)),
                ("app", long(config.app_id as i64)),
                ("dry_run", boolean(!r.applied)),
                ("to_add", texts(&r.plan.to_add)),
                ("to_remove", texts(&r.plan.to_remove)),
                ("unknown", texts(&r.plan.unknown)),
                ("in_step", long(r.plan.in_step as i64)),
                ("skipped", pairs(&r.plan.skipped, "reason")),
                ("added", texts(&r.added)),
                ("removed", texts(&r.removed)),
                ("failed", pairs(&r.failed, "message")),
                ("waiting", pairs(&r.waiting, "message")),
                ("not_pointing", pairs(&r.plan.not_pointing, "message")),
                ("remaining", long(r.remaining as i64)),
                ("ssl", ssl),
                ("apps", convert::list(apps)),
            ]))
        })
    }

    /// Runs now the basic-SSL redeploys this request owes (one per app, for
    /// every name added since the last one) and logs each. Registered as a
    /// shutdown function by the first add that queues one; callable any time.
    /// Never throws.
    /// @return list<array{server: int, app: int, names: list<string>, status: string, message: string}>
    pub fn flush_ssl() -> ZBox<ZendHashTable> {
        let mut reports = Vec::new();
        let mut owed_now = crate::ssl_batch::take_all();
        // What this request's apps owe from earlier ones (a failed redeploy, a
        // killed worker) and nothing here would pay: paid now.
        let paid_here: Vec<String> = owed_now.iter().map(|d| d.key.clone()).collect();
        if let Ok(config) =
            ini::options().and_then(|o| Config::from_constants(&constants::read_all(), o))
        {
            for target in config.targets() {
                if paid_here.contains(&target.memory_key())
                    || target.options.ssl_batch == SslBatch::Queue
                    || !crate::ssl_batch::owed::any(&target)
                {
                    continue;
                }
                if let Some(d) = guarded(|| Mapping::new(&target)?.owed_redeploy())
                    .ok()
                    .flatten()
                {
                    owed_now.push(d);
                }
            }
        }
        for owed in owed_now {
            let options = &owed.config.options;
            let (done, opened) =
                breaker::guarded(&owed.config.memory_key(), options.circuit_break, || {
                    guarded(|| Mapping::redeploy_owed(&owed))
                });
            let secrets = owed.config.credentials.secret_forms();
            let (status, level, message) = match done {
                Ok(o) => (o.status.as_str(), log::Level::Info, o.message),
                Err(e) => (
                    SslStatus::Failed.as_str(),
                    log::Level::Error,
                    format!(
                        "the app's certificate was not redeployed for {} name(s) added in this request ({}): {e}",
                        owed.names.len(),
                        mapping::name_list(&owed.names)
                    ),
                ),
            };
            let message = redact(&message, &secrets);
            if options.log == LogPolicy::On {
                log::write(
                    level,
                    &format!(
                        "SSL of web application {} on server {}: {message}",
                        owed.config.app_id, owed.config.server_id
                    ),
                );
                if opened {
                    log::write(
                        log::Level::Warning,
                        &format!(
                            "RunCloud failed {} times in a row; this worker does not call it for {} s (circuit open)",
                            breaker::THRESHOLD,
                            options.circuit_break.as_secs_f64()
                        ),
                    );
                }
            }
            reports.push(convert::array(assoc_ht(vec![
                ("server", long(owed.config.server_id as i64)),
                ("app", long(owed.config.app_id as i64)),
                (
                    "names",
                    convert::list(owed.names.iter().map(|n| string(n)).collect()),
                ),
                ("status", string(status)),
                ("message", string(&message)),
            ])));
        }
        list_ht(reports)
    }

    /// Writes one line where the extension's own lines go: Ultimate Multisite's
    /// log, else `wu_runcloud.log_file`, else PHP's error log (warnings and
    /// errors). For the glue's own lines (retries, give-ups, re-checks), so that
    /// an admin finds every line in one place. Secrets in it are redacted.
    /// `$level`: info, warning or error (anything else counts as info).
    pub fn log(level: &Zval, message: &Zval) -> bool {
        let level = match level.str().unwrap_or("info") {
            "error" => log::Level::Error,
            "warning" => log::Level::Warning,
            _ => log::Level::Info,
        };
        let Some(text) = message.str() else {
            return false;
        };
        let secrets = secrets_of(&constants::read_all());
        log::write(level, &redact(text, &secrets));
        true
    }

    /// @return array{mode: string, status: string, message: string}
    pub fn redeploy_ssl(&self) -> PhpResult<ZBox<ZendHashTable>> {
        self.strict(|raw| {
            let config = self.config(raw)?;
            let secrets = secrets_of(raw);
            // Each app has its own certificate.
            let (o, apps) = on_every_app(
                &config,
                &secrets,
                |target| Mapping::new(target)?.redeploy_ssl(),
                |o| o.message.clone(),
            )?;
            Ok(assoc_ht(vec![
                ("mode", string(o.mode.as_str())),
                ("status", string(o.status.as_str())),
                ("message", string(&redact(&o.message, &secrets))),
                ("apps", convert::list(apps)),
            ]))
        })
    }
}

impl Integration {
    /// add_domain() and check_domain(): `work` on every app, one result array.
    fn add_like(
        &self,
        domain: &str,
        work: impl Fn(&Mapping, &DomainName) -> Result<AddOutcome>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        self.strict(|raw| {
            let name = DomainName::parse(domain)?;
            let config = self.config(raw)?;
            let secrets = secrets_of(raw);
            let (o, apps) = on_every_app(
                &config,
                &secrets,
                |target| {
                    let o = work(&Mapping::new(target)?, &name)?;
                    if o.ssl.status == SslStatus::Queued
                        && target.options.ssl_batch == SslBatch::Request
                    {
                        request::flush_at_end();
                    }
                    Ok(o)
                },
                |o| describe_add(o).1,
            )?;
            let dns = match &o.dns {
                Some(d) => {
                    let ips = |a: &[std::net::IpAddr]| {
                        convert::list(a.iter().map(|ip| string(&ip.to_string())).collect())
                    };
                    let (via, addresses) = match &d.pointing {
                        crate::pointing::Pointing::Here { via, addresses } => (
                            string(match via {
                                crate::pointing::Via::Dns => "dns",
                                crate::pointing::Via::Probe => "probe",
                            }),
                            addresses.clone(),
                        ),
                        crate::pointing::Pointing::Elsewhere { addresses } => {
                            (Zval::null(), addresses.clone())
                        }
                        _ => (Zval::null(), Vec::new()),
                    };
                    assoc(vec![
                        ("points", boolean(d.pointing.points())),
                        ("via", via),
                        ("addresses", ips(&addresses)),
                        ("server", ips(&d.server)),
                        ("message", string(&redact(&d.message, &secrets))),
                    ])
                }
                None => Zval::null(),
            };
            Ok(assoc_ht(vec![
                ("name", string(&o.name)),
                ("id", o.id.map_or_else(Zval::null, |id| long(id as i64))),
                ("created", boolean(o.created)),
                ("www", boolean(o.www)),
                ("ssl", string(o.ssl.status.as_str())),
                ("ssl_message", string(&redact(&o.ssl.message, &secrets))),
                ("ssl_mode", string(o.ssl.mode.as_str())),
                ("dns", dns),
                ("apps", convert::list(apps)),
            ]))
        })
    }

    fn add_actions(add_action: &ZendCallable, priority: i64) -> PhpResult<()> {
        for (hook, method) in [
            ("wu_add_domain", "on_add_domain"),
            ("wu_remove_domain", "on_remove_domain"),
            ("wu_add_subdomain", "on_add_subdomain"),
            ("wu_remove_subdomain", "on_remove_subdomain"),
        ] {
            let object = ZendClassObject::new(Integration::default())
                .into_zval(false)
                .map_err(|e| PhpException::from(e.to_string()))?;
            let callback = convert::list(vec![object, string(method)]);
            add_action.try_call(vec![&hook, &callback, &priority, &2i64])?;
        }
        Ok(())
    }
}

/// Runs `work` on every app (`WU_RUNCLOUD_APPS` included), one failing not
/// stopping the others. The first app's result and one `apps` line per app
/// (`describe`d, or the error), redacted; the first failure, once all ran, fails the call.
fn on_every_app<T>(
    config: &Config,
    secrets: &[Secret],
    work: impl Fn(&Config) -> Result<T>,
    describe: impl Fn(&T) -> String,
) -> Result<(T, Vec<Zval>)> {
    let mut first = None;
    let mut failure = None;
    let mut apps = Vec::new();
    for target in config.targets() {
        match work(&target) {
            Ok(done) => {
                apps.push(app_entry(&target, true, &redact(&describe(&done), secrets)));
                first.get_or_insert(done);
            }
            Err(e) => {
                apps.push(app_entry(
                    &target,
                    false,
                    &redact(&format!("failed: {e}"), secrets),
                ));
                failure.get_or_insert(e);
            }
        }
    }
    match (failure, first) {
        (Some(e), _) => Err(e),
        (None, Some(done)) => Ok((done, apps)),
        (None, None) => Err(Error::Internal("no app to act on".into())),
    }
}

/// One app's line in a result's `apps` list.
fn app_entry(config: &Config, ok: bool, message: &str) -> Zval {
    assoc(vec![
        ("server", long(config.server_id as i64)),
        ("app", long(config.app_id as i64)),
        ("ok", boolean(ok)),
        ("message", string(message)),
    ])
}

/// sync_domains()'s options: `apply` (bool), `limit` (int, 1 to 500), `remove` (names).
fn sync_options(options: Option<&Zval>) -> PhpResult<crate::sync::SyncOptions> {
    let mut o = crate::sync::SyncOptions {
        limit: crate::sync::DEFAULT_LIMIT,
        ..Default::default()
    };
    let Some(z) = options.filter(|z| !z.is_null()) else {
        return Ok(o);
    };
    let Some(ht) = z.array() else {
        return Err(invalid_argument(
            "sync_domains(): Argument #2 ($options) must be an array such as ['apply' => true, 'limit' => 50]".into(),
        ));
    };
    for (key, v) in ht.iter() {
        match key.to_string().as_str() {
            "apply" => o.apply = v.is_true() || v.long().is_some_and(|n| n != 0),
            "limit" => {
                let n = args::strict_int("sync_domains", 2, "options['limit']", v)?;
                if !(1..=crate::sync::MAX_LIMIT as i64).contains(&n) {
                    return Err(invalid_argument(format!(
                        "sync_domains(): option \"limit\" must be from 1 to {}, got {n}",
                        crate::sync::MAX_LIMIT
                    )));
                }
                o.limit = n as usize;
            }
            "remove" => {
                let Some(list) = v.array() else {
                    return Err(invalid_argument(
                        "sync_domains(): option \"remove\" must be an array of host names".into(),
                    ));
                };
                for (_, n) in list.iter() {
                    let text = args::strict_text("sync_domains", 2, "options['remove']", n)?;
                    let name = DomainName::parse(&text).map_err(|e| {
                        invalid_argument(format!("sync_domains(): option \"remove\": {e}"))
                    })?;
                    o.remove.push(name);
                }
            }
            other => {
                return Err(invalid_argument(format!(
                    "sync_domains(): unknown option {}; known options: apply, limit, remove",
                    quote(other)
                )))
            }
        }
    }
    Ok(o)
}

/// The `credentials` option: constant name => value, as Ultimate Multisite's
/// `Integration::get_credential()` hands them out. Values are never quoted back.
fn credentials_option(value: &Zval) -> PhpResult<Vec<(&'static str, ConstValue)>> {
    let Some(ht) = value.array() else {
        return Err(invalid_argument(
            "Option \"credentials\" must be an array such as ['WU_RUNCLOUD_API_TOKEN' => '...']"
                .into(),
        ));
    };
    let mut out = Vec::new();
    for (key, v) in ht.iter() {
        let key = key.to_string();
        let Some(name) = ALL_CONSTANTS.iter().find(|c| **c == key) else {
            return Err(invalid_argument(format!(
                "Option \"credentials\": unknown key {}; known keys: {}",
                quote(&key),
                ALL_CONSTANTS.join(", ")
            )));
        };
        let value = if let Some(n) = v.long() {
            ConstValue::Int(n)
        } else if let Some(s) = v.str() {
            ConstValue::Text(s.to_string())
        } else if v.is_null() || v.is_false() {
            continue;
        } else {
            return Err(invalid_argument(format!(
                "Option \"credentials\": {name} must be a string or an integer"
            )));
        };
        out.push((*name, value));
    }
    Ok(out)
}

fn invalid_argument(message: String) -> PhpException {
    PhpException::new(message, 0, exception::invalid_argument())
}
