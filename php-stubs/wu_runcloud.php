<?php
/**
 * IDE and static-analysis stubs for the wu_runcloud extension.
 * The extension defines these classes; never include this file at run time.
 * php-tests/019_stubs.phpt checks it against the loaded extension.
 */

/**
 * Thrown by the strict methods of WU_RunCloud_Integration when RunCloud fails,
 * refuses, or cannot be reached, or the configuration is incomplete.
 * Its message names what was being done and what to check; it never holds a credential.
 */
class WU_RunCloud_Exception extends RuntimeException
{
    /** @var int */
    protected $statusCode = 0;

    /** @var array<string, string[]>|null */
    protected $errors;

    /**
     * The HTTP status RunCloud answered; 0 when no answer came (DNS, connect,
     * TLS, timeout) or no request was sent (bad configuration).
     */
    public function getStatusCode(): int {}

    /**
     * RunCloud's field errors, e.g. ['name' => ['The name has already been taken.']]; [] when none.
     * @return array<string, string[]>
     */
    public function getErrors(): array {}
}

/**
 * Keeps a RunCloud web application in step with an Ultimate Multisite network's domains.
 *
 * Credentials and IDs come from wp-config.php constants, read at every call:
 * WU_RUNCLOUD_API_TOKEN (API v3), or WU_RUNCLOUD_API_KEY + WU_RUNCLOUD_API_SECRET (API v2),
 * plus WU_RUNCLOUD_SERVER_ID and WU_RUNCLOUD_APP_ID.
 */
final class WU_RunCloud_Integration
{
    /**
     * @param array{api_url?: string, timeout?: int|float, connect_timeout?: int|float, max_retries?: int,
     *              www?: 'main_only'|'always'|'never', ssl?: 'auto'|'basic'|'advanced'|'off',
     *              ca_file?: string, public_suffixes?: string[]|string, log?: bool|string,
     *              circuit_break?: int|float, ssl_batch?: 'on'|'off'|'queue'|bool,
     *              dns_check?: bool|string, resolver?: string, probe_port?: int, state_dir?: string, dns_wait_days?: int, certificate_names?: int,
     *              credentials?: array<'WU_RUNCLOUD_API_TOKEN'|'WU_RUNCLOUD_API_KEY'|'WU_RUNCLOUD_API_SECRET'|'WU_RUNCLOUD_SERVER_ID'|'WU_RUNCLOUD_APP_ID', string|int>}|null $options
     *        Overrides of the wu_runcloud.* INI values for this instance. `credentials` are values for the
     *        constants (such as those saved in Ultimate Multisite's wizard), used only where the constant is
     *        not defined and non-empty, and redacted from every output exactly like the constants.
     * @throws InvalidArgumentException for an unknown key or a bad value.
     */
    public function __construct(?array $options = null) {}

    /**
     * Hook for wu_add_domain: adds the domain and brings SSL up to date. Never throws; logs one line
     * naming the domain, and returns whether it succeeded.
     *
     * The hooks take their arguments as a PHP function `(string $domain, int $site_id = 0)` does in
     * coercive mode (Action Scheduler passes ids as strings), plus null for the id; anything else is
     * logged and answered with false. They are declared mixed so that nothing a caller passes can throw.
     *
     * @param string $domain
     * @param int|numeric-string|null $site_id
     */
    public function on_add_domain(mixed $domain = null, mixed $site_id = null): bool {}

    /**
     * Hook for wu_remove_domain: removes the domain. Never throws; logs the outcome. Arguments as on_add_domain().
     * @param string $domain
     * @param int|numeric-string|null $site_id
     */
    public function on_remove_domain(mixed $domain = null, mixed $site_id = null): bool {}

    /**
     * Hook for wu_add_subdomain: adds a subdomain site's host name (never a www twin; skipped under a wildcard).
     * Never throws. Arguments as on_add_domain().
     * @param string $subdomain
     * @param int|numeric-string|null $site_id
     */
    public function on_add_subdomain(mixed $subdomain = null, mixed $site_id = null): bool {}

    /**
     * Hook for wu_remove_subdomain. Never throws; logs the outcome. Arguments as on_add_domain().
     * @param string $subdomain
     * @param int|numeric-string|null $site_id
     */
    public function on_remove_subdomain(mixed $subdomain = null, mixed $site_id = null): bool {}

    /**
     * Why the last hook call on this object returned false; null after a success (or before any hook).
     * `retryable` is true for a failure that may pass by itself (no answer, HTTP 429 or 5xx, or not tried
     * because RunCloud failed several times in a row just now): the glue schedules those again.
     * @return array{domain: string, status: int, retryable: bool, message: string}|null
     */
    public function last_error(): ?array {}

    /** True when every required constant is defined and non-empty. */
    public function is_setup(): bool {}

    /**
     * The constants still to define, e.g. ['WU_RUNCLOUD_APP_ID'].
     * @return string[]
     */
    public function get_missing_constants(): array {}

    /**
     * Answers each troubleshooting question in turn, stopping at the first that fails.
     * @return array{ok: bool, api_version: 'v2'|'v3', message: string,
     *               checks: list<array{name: 'constants'|'credentials'|'server'|'webapp'|'ssl', ok: bool, message: string}>}
     */
    public function test_connection(): array {}

    /**
     * add_action() for the four wu_* actions with 2 arguments, once per request (a second call adds nothing
     * and returns true); false when add_action() does not exist.
     * @param int|numeric-string|null $priority 10 when null or left out.
     * @throws TypeError when $priority is not an int or numeric string, as PHP would.
     */
    public static function register_hooks(mixed $priority = null): bool {}

    /**
     * Adds a domain (idempotent) and brings SSL up to date. An SSL failure does not throw: see 'ssl'.
     * A name already on the app gets no new certificate order (ssl 'unchanged') unless its last attempt here
     * failed; 'left_to_runcloud' under AutoSSL; 'unknown' when RunCloud's mode answer lacked its flag.
     * `id` is the RunCloud domain that serves the name (the bare name for a www twin; null under a wildcard).
     * @return array{name: string, id: int|null, created: bool, www: bool,
     *               ssl: 'queued'|'redeployed'|'issued'|'unchanged'|'left_to_runcloud'|'skipped'|'unknown'|'off'|'failed'|'waiting_dns'|'certificate_full'|'deferred',
     *               ssl_message: string, ssl_mode: 'basic'|'advanced'|'autossl'|'none'|'unknown', ssl_next_order: int|null,
     *               dns: array{points: bool, via: 'dns'|'probe'|null, addresses: list<string>, server: list<string>, message: string}|null,
     *               apps: list<array{server: int, app: int, ok: bool, message: string}>}
     *         'waiting_dns': the name does not point at the server yet (DNS asked directly, or the HTTP
     *         probe for a proxied name). In basic mode it is NOT added (id null), since being on the app
     *         puts it on the certificate every site shares; in advanced mode it is added and its own
     *         certificate waits. Re-check it with check_domain() once DNS points.
     *         'certificate_full': basic mode, and the name (with its www twin) would take the app's one
     *         certificate past Let's Encrypt's 100 names: NOT added (id null); the way out is advanced_ssl().
     *         'deferred': the name is on the app, but the order would pass a Let's Encrypt limit the
     *         extension keeps (50 a registered domain, 5 a set, spaced over the week): it stays owed and
     *         `ssl_next_order` says when the order may go (unix time).
     *         The first app's outcome; `apps` has every app's (WU_RUNCLOUD_APPS). In basic mode `ssl` is
     *         'queued': the app's certificate is redeployed once when the request ends (flush_ssl()).
     * @param string $domain Taken as a PHP `string` parameter is (ints and floats as their text;
     *        a Stringable object's string); anything else is a TypeError, bytes that are not UTF-8 an
     *        InvalidArgumentException. The same holds for remove_domain() and find_domain().
     * @throws InvalidArgumentException for a bad name (no request is sent).
     * @throws WU_RunCloud_Exception
     */
    public function add_domain(mixed $domain): array {}

    /**
     * Re-checks a name that waits for DNS: once it points here it is added and put on the certificate
     * (basic mode) or gets its own certificate (advanced mode). Same result as add_domain(). In advanced
     * mode it orders the certificate of a name already on the app: call it for waiting names.
     * @param string $domain
     * @throws InvalidArgumentException|WU_RunCloud_Exception
     */
    public function check_domain(mixed $domain): array {}

    /**
     * What the last add hook on this object did about the certificate (add_domain()'s `ssl` and
     * `ssl_message`), or null when it added nothing or failed (see last_error()).
     * `mode`: the app's SSL mode as the add met it (basic, advanced, autossl, none, unknown); in
     * advanced mode ssl 'queued' means the name's own order failed in a way that may pass and stays
     * owed on disk, for pay_owed_ssl() or a later call. `next_order`: for ssl 'deferred', when the
     * order may go (unix time); else null.
     * @return array{ssl: string, mode: string, message: string, next_order: int|null}|null
     */
    public function last_add(): ?array {}

    /**
     * The probe endpoint's answer to a token, served by the glue at
     * /.well-known/wu-runcloud-probe/<token>: an HMAC of the token under a key derived from the
     * RunCloud credentials, while the token is under two minutes old; null otherwise (answer 404).
     * @param string $token
     */
    public function probe_answer(mixed $token): ?string {}

    /**
     * The names each app owes a certificate redeploy: kept on disk (wu_runcloud.state_dir, by default
     * ~/.wu_runcloud of the PHP user) until a redeploy succeeds, plus this request's. Never throws.
     * @return list<array{server: int, app: int, names: list<string>}>
     */
    public function owed_ssl(): array {}

    /**
     * The names each app holds off its certificate until their DNS points here. Each is looked at
     * again by any later call when due: from 2 minutes, growing to 12 hours over the first 3 days,
     * then daily, then weekly after 30 days, for as long as it waits, up to wu_runcloud.dns_wait_days
     * (30 by default), after which it is logged as given up and looked at no more. Never throws.
     * @return list<array{server: int, app: int, name: string, site: bool, since: int, waited: int, looks: int, next_look: int, gives_up_at: int}>
     */
    public function waiting_names(): array {}

    /**
     * Finishes what earlier calls left: removals cut off by a dead worker or an outage (a name
     * is written as wanted off the app before anything is asked, and settled once RunCloud no
     * longer has it), and the names waiting for DNS whose look is due (up to 20). Each hook does
     * a little of it after its own work; the glue runs this hourly, so nothing waits for an
     * event. Every step is logged. Never throws.
     * @return int how many removals and looks it finished
     */
    public function catch_up(): int {}

    /**
     * @param string $domain
     * @return bool true: removed; false: it was not on the app.
     * @throws InvalidArgumentException|WU_RunCloud_Exception
     */
    public function remove_domain(mixed $domain): bool {}

    /**
     * The RunCloud domain object (www and wildcard as booleans), or null. For `www.example.com` served as
     * the www twin of `example.com` (RunCloud keeps a twin as `www: 1` on the bare name), the bare name's
     * object with `twin_of` => 'example.com'; remove_domain() of such a name throws, saying so.
     * @param string $domain
     * @return array{id: int, name: string, type: string, www: bool, wildcard: bool, redirection: string}|null
     * @throws InvalidArgumentException|WU_RunCloud_Exception
     */
    public function find_domain(mixed $domain): ?array {}

    /**
     * Every domain of the app, over every page.
     * @return list<array{id: int, name: string, type: string, www: bool, wildcard: bool, redirection: string}>
     * @throws WU_RunCloud_Exception
     */
    public function list_domains(): array {}

    /**
     * Redeploys the app certificate (basic mode); reports advanced mode or no certificate without a request to change anything.
     * @return array{mode: 'basic'|'advanced'|'none', status: 'redeployed'|'skipped'|'off', message: string,
     *               apps: list<array{server: int, app: int, ok: bool, message: string}>}
     * @throws WU_RunCloud_Exception when RunCloud or Let's Encrypt refuses.
     */
    public function redeploy_ssl(): array {}

    /**
     * Each app's certificate as its mode makes sense of it. Basic: how many names its one
     * certificate holds of the certificate_names limit (100; www twins included). Advanced: 'names'
     * is how many are known to hold their own certificate, 'limit' is null and never over. Both: the
     * orders of the past 7 days (the ledger), and the names owed a certificate with the time their
     * order may go.
     * @return list<array{server: int, app: int, mode: string, names: int, limit: ?int, orders_this_week: int,
     *               owed: list<string>, next_order: ?int, next_order_text: ?string}>
     * @throws WU_RunCloud_Exception when RunCloud cannot be read.
     */
    public function certificate_status(): array {}

    /**
     * The way out of a full basic certificate: advanced SSL, one certificate per name. Without
     * 'apply', only the plan: which names get their own certificate, when (within Let's Encrypt's
     * weekly limits as the ledger keeps them), which wait for DNS, and which of the network's own
     * site names are past what the week allows (a wildcard's, through RunCloud's DNS integration).
     * With 'apply' => true: switches the app (POST ssl/advanced) and sends the orders due now, at
     * most 'max_orders' (1 to 100, default 20). Every other name is then owed (owed_ssl()) and
     * ordered by itself when its time comes (the queued job, the hourly catch-up, a request's end);
     * a name waiting for DNS once it points. The switch is refused, changing nothing ('refused'
     * says why and what must come first), while a name would be left without a certificate: a site
     * name left to a wildcard that is not set up, or a last order later than a week before the
     * basic certificate expires (RunCloud renews it no more once the app is advanced). A name known
     * to hold its own certificate (ordered here, or, on an advanced app, read from RunCloud, up to
     * 40 a call; 'unchecked' past that) is 'done' and never ordered again.
     * @param array{apply?: bool, max_orders?: int}|null $options (anything else is an InvalidArgumentException)
     * @return array{mode_before: string, applied: bool, switched: bool, refused: ?string, ordered: int, finish_at: ?int,
     *               names: list<array{name: string, step: 'done'|'now'|'later'|'waiting_dns'|'wildcard'|'failed'|'unchecked',
     *               order_at: ?int, order_at_text: ?string, message: ?string}>, message: string,
     *               apps: list<array{server: int, app: int, ok: bool, message: string}>}
     * @throws InvalidArgumentException for a bad option
     * @throws WU_RunCloud_Exception when RunCloud refuses or cannot be read.
     */
    public function advanced_ssl(mixed $options = null): array {}

    /**
     * Writes one line where the extension's own lines go: Ultimate Multisite's log, else
     * wu_runcloud.log_file, else PHP's error log (warnings and errors only); credentials redacted.
     * @param 'info'|'warning'|'error' $level
     * @param string $message
     */
    public static function log(mixed $level, mixed $message): bool {}

    /**
     * Runs now the basic-SSL redeploys this request owes: one per app, covering every name added
     * since the last one (adds in basic mode answer `ssl => 'queued'`), and logs each. What the
     * constants' apps still owe from earlier requests (a redeploy that failed, a killed worker) is
     * made too. A failure is reported ('failed') and stays owed for the next flush or redeploy. The first
     * such add registers it with register_shutdown_function(); call it to have the result sooner.
     * Never throws.
     * @return list<array{server: int, app: int, names: list<string>, status: 'redeployed'|'failed', message: string}>
     */
    public static function flush_ssl(): array {}

    /**
     * Pays the certificate redeploys this integration's apps owe, on those apps only: what this
     * request owes and what earlier requests left in the state directory (a redeploy that failed,
     * a killed worker). An app that owes nothing is not asked, so a queued job that retries after
     * one app failed orders nothing again where the certificate is already up to date. The glue's
     * queued redeploy job calls it. An empty list when nothing is owed.
     * @return list<array{server: int, app: int, names: list<string>, status: 'redeployed'|'issued'|'failed', message: string}>
     * @throws WU_RunCloud_Exception for a bad configuration (missing constants, a bad option)
     */
    public function pay_owed_ssl(): array {}

    /**
     * Reconciles the app with every host name the network serves. Reads the app once (every page)
     * and returns the plan; changes nothing unless `apply` is true. With `apply`, adds the missing
     * names (at most `limit` changes a call, default 50, at most 500; one certificate update at the
     * end) and removes only the exact names in `remove`.
     * @param array<string> $names
     * @param array{apply?: bool, limit?: int, remove?: array<string>}|null $options
     * @return array{server: int, app: int, dry_run: bool, to_add: list<string>, to_remove: list<string>,
     *   unknown: list<string>, in_step: int, skipped: list<array{name: string, reason: string}>,
     *   added: list<string>, removed: list<string>, failed: list<array{name: string, message: string}>,
     *   waiting: list<array{name: string, message: string}>, not_pointing: list<array{name: string, message: string}>,
     *   remaining: int, ssl: array{status: string, message: string}|null}
     * @throws TypeError|InvalidArgumentException for bad arguments (nothing is sent).
     * @throws WU_RunCloud_Exception when the app cannot be read.
     */
    public function sync_domains(mixed $names, mixed $options = null): array {}
}
