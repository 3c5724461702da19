//! WU_RunCloud_Integration: the class and its PHP surface, and the only file
//! that knows the class. Each method reads its PHP arguments and hands over
//! to the file of its concern (hooks, domain_methods, ssl_methods,
//! certificate_methods, sync_method, diagnostics), which receives the
//! object's `Settings` (and the hooks its `LastCall`), never the class; no
//! decision is made in this layer, and every text leaves through `Call`.

use super::last_call::{HookFailure, LastAdd, LastCall};
use super::settings::Settings;
use super::{
    certificate_methods, construct, diagnostics, domain_methods, hooks, ssl_methods, sync_method,
};
use crate::flows::NameKind;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, ZendHashTable, Zval};

/// Keeps a RunCloud web application in step with the network's domains.
#[php_class]
#[php(name = "WU_RunCloud_Integration")]
#[php(flags = ClassFlags::Final)]
#[derive(Default)]
pub struct Integration {
    /// The constructor's options and the wizard's credentials.
    settings: Settings,
    /// What the last hook call on this object left for the glue.
    last: LastCall,
}

impl Integration {
    fn hook(
        &self,
        action: hooks::Action,
        domain: Option<&Zval>,
        site_id: Option<&Zval>,
        kind: NameKind,
    ) -> bool {
        hooks::hook(&self.settings, &self.last, action, domain, site_id, kind)
    }
}

#[php_impl]
#[php(change_method_case = "snake_case")]
impl Integration {
    /// @param array $options the keys of `config::OPTION_KEYS` (api_url, timeout, connect_timeout, max_retries, www, ssl, ca_file, public_suffixes, log, circuit_break, ssl_batch, dns_check, resolver, probe_port, state_dir, dns_wait_days, certificate_names) and `credentials`
    pub fn __construct(options: Option<&ZendHashTable>) -> PhpResult<Self> {
        Ok(Integration {
            settings: construct::new(options)?,
            last: LastCall::default(),
        })
    }

    /// Finishes what earlier calls left: removals cut off by a dead worker or
    /// an outage, and the names waiting for DNS whose look is due (up to 20),
    /// each logged. The glue runs it hourly, so nothing waits for an event.
    /// Never throws; returns how many it finished.
    pub fn catch_up(&self) -> i64 {
        hooks::catch_up_now(&self.settings)
    }

    /// Ultimate Multisite's `wu_add_domain` action. Never throws.
    pub fn on_add_domain(&self, domain: Option<&Zval>, site_id: Option<&Zval>) -> bool {
        self.hook(hooks::ADD_DOMAIN, domain, site_id, NameKind::Mapped)
    }

    /// Ultimate Multisite's `wu_remove_domain` action. Never throws.
    pub fn on_remove_domain(&self, domain: Option<&Zval>, site_id: Option<&Zval>) -> bool {
        self.hook(hooks::REMOVE_DOMAIN, domain, site_id, NameKind::Mapped)
    }

    /// Ultimate Multisite's `wu_add_subdomain` action. Never throws.
    pub fn on_add_subdomain(&self, subdomain: Option<&Zval>, site_id: Option<&Zval>) -> bool {
        self.hook(
            hooks::ADD_SUBDOMAIN,
            subdomain,
            site_id,
            NameKind::Subdomain,
        )
    }

    /// Ultimate Multisite's `wu_remove_subdomain` action. Never throws.
    pub fn on_remove_subdomain(&self, subdomain: Option<&Zval>, site_id: Option<&Zval>) -> bool {
        self.hook(
            hooks::REMOVE_SUBDOMAIN,
            subdomain,
            site_id,
            NameKind::Subdomain,
        )
    }

    /// Why the last hook call on this object returned false, or null after a success.
    /// `retryable`: the failure may pass by itself (no answer, 429, 5xx, circuit open).
    /// @return array{domain: string, status: int, retryable: bool, message: string}|null
    pub fn last_error(&self) -> Option<ZBox<ZendHashTable>> {
        self.last.error.borrow().as_ref().map(HookFailure::to_array)
    }

    /// What the last add hook on this object did about the certificate, or
    /// null when it added nothing (or failed: see last_error()).
    /// `ssl` is add_domain()'s status, such as "queued" or "waiting_dns".
    /// @return array{ssl: string, mode: string, message: string, next_order: int|null}|null
    pub fn last_add(&self) -> Option<ZBox<ZendHashTable>> {
        self.last.add.borrow().as_ref().map(LastAdd::to_array)
    }

    pub fn is_setup(&self) -> bool {
        self.settings.constants().missing().is_empty()
    }

    /// @return string[]
    pub fn get_missing_constants(&self) -> Vec<String> {
        self.settings
            .constants()
            .missing()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    pub fn test_connection(&self) -> ZBox<ZendHashTable> {
        diagnostics::test_connection(&self.settings)
    }

    /// Hooks the four Ultimate Multisite actions once per request; false when
    /// add_action() does not exist. `$priority` is coerced as PHP coerces an int.
    pub fn register_hooks(priority: Option<&Zval>) -> PhpResult<bool> {
        hooks::register(priority, &|| {
            ZendClassObject::new(Integration::default())
                .into_zval(false)
                .map_err(|e| PhpException::from(e.to_string()))
        })
    }

    /// @return array{name: string, id: int|null, created: bool, www: bool, ssl: string, ssl_message: string, ssl_mode: string, dns: array|null, apps: list<array>}
    pub fn add_domain(&self, domain: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
        domain_methods::add_domain(&self.settings, domain)
    }

    /// Re-checks a name that waits for DNS (add_domain()'s ssl "waiting_dns"):
    /// when it points here now it is added and put on the certificate (basic
    /// mode), or its own certificate is ordered (advanced mode). Same result as
    /// add_domain(). Call it for waiting names: in advanced mode it orders the
    /// certificate of a name that is already on the app.
    pub fn check_domain(&self, domain: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
        domain_methods::check_domain(&self.settings, domain)
    }

    /// The probe endpoint's answer to a token (the glue serves it at
    /// /.well-known/wu-runcloud-probe/<token>), or null: answer 404 then.
    /// Reveals nothing but an HMAC of the token, and only while it is fresh.
    pub fn probe_answer(&self, token: &Zval) -> Option<String> {
        diagnostics::probe_answer(&self.settings, token)
    }

    /// The names each app owes a certificate redeploy (kept on disk until one
    /// succeeds), with this request's own. Never throws.
    /// @return list<array{server: int, app: int, names: list<string>}>
    pub fn owed_ssl(&self) -> ZBox<ZendHashTable> {
        ssl_methods::owed_ssl(&self.settings)
    }

    /// The names each app holds off its certificate until their DNS points
    /// here, looked at again by any later call when due (for as long as they
    /// are mapped, up to `dns_wait_days`). Never throws.
    /// @return list<array{server: int, app: int, name: string, site: bool, since: int, waited: int, looks: int, next_look: int, gives_up_at: int}>
    pub fn waiting_names(&self) -> ZBox<ZendHashTable> {
        ssl_methods::waiting_names(&self.settings)
    }

    /// True when the name was removed from the (first) app, false when it was not there.
    pub fn remove_domain(&self, domain: &Zval) -> PhpResult<bool> {
        domain_methods::remove_domain(&self.settings, domain)
    }

    pub fn find_domain(&self, domain: &Zval) -> PhpResult<Option<ZBox<ZendHashTable>>> {
        domain_methods::find_domain(&self.settings, domain)
    }

    pub fn list_domains(&self) -> PhpResult<ZBox<ZendHashTable>> {
        domain_methods::list_domains(&self.settings)
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
        sync_method::sync_domains(&self.settings, names, options)
    }

    /// Runs now the basic-SSL redeploys this request owes (one per app, for
    /// every name added since the last one) and logs each. Registered as a
    /// shutdown function by the first add that queues one; callable any time.
    /// Never throws.
    /// @return list<array{server: int, app: int, names: list<string>, status: string, message: string}>
    pub fn flush_ssl() -> ZBox<ZendHashTable> {
        ssl_methods::flush_ssl()
    }

    /// Writes one line where the extension's own lines go: Ultimate Multisite's
    /// log, else `wu_runcloud.log_file`, else PHP's error log (warnings and
    /// errors). For the glue's own lines (retries, give-ups, re-checks), so that
    /// an admin finds every line in one place. Secrets in it are redacted.
    /// `$level`: info, warning or error (anything else counts as info).
    pub fn log(level: &Zval, message: &Zval) -> bool {
        diagnostics::log(level, message)
    }

    /// Pays the certificate redeploys this integration's apps owe (this
    /// request's and those left on disk), on those apps only; the queued job's
    /// call. Throws only for a bad configuration.
    /// @return list<array{server: int, app: int, names: list<string>, status: string, message: string}>
    pub fn pay_owed_ssl(&self) -> PhpResult<ZBox<ZendHashTable>> {
        ssl_methods::pay_owed_ssl(&self.settings)
    }

    /// @return array{mode: string, status: string, message: string}
    pub fn redeploy_ssl(&self) -> PhpResult<ZBox<ZendHashTable>> {
        ssl_methods::redeploy_ssl(&self.settings)
    }

    /// Each app's certificate: its SSL mode, how many names its one basic
    /// certificate holds of Let's Encrypt's 100, the orders of the past 7
    /// days, and the names owed with the time their order may go. Throws when
    /// RunCloud cannot be read.
    /// @return list<array{server: int, app: int, mode: string, names: int, limit: ?int, names_over_limit: bool, orders_this_week: int, owed: list<string>, next_order: ?int, next_order_text: ?string}>
    pub fn certificate_status(&self) -> PhpResult<ZBox<ZendHashTable>> {
        certificate_methods::certificate_status(&self.settings)
    }

    /// The way out of a full basic certificate: the plan for advanced SSL
    /// (which names get their own certificate, when, within Let's Encrypt's
    /// weekly limits; the network's own site names past the week go to a
    /// wildcard). `['apply' => true]` switches the app (POST ssl/advanced)
    /// and sends the orders due now, at most `max_orders` (default 20) a
    /// call; call again to go on.
    /// @param array{apply?: bool, max_orders?: int} $options
    /// @return array{mode_before: string, applied: bool, switched: bool, ordered: int, finish_at: ?int, names: list<array{name: string, step: string, order_at: ?int, order_at_text: ?string, message: ?string}>, message: string, apps: list<array>}
    pub fn advanced_ssl(&self, options: Option<&Zval>) -> PhpResult<ZBox<ZendHashTable>> {
        certificate_methods::advanced_ssl(&self.settings, options)
    }
}
