<?php
/**
 * Plugin Name: RunCloud Domain Sync (wu_runcloud)
 * Plugin URI:  https://github.com/wu-runcloud/wu_runcloud
 * Description: Keeps the RunCloud web application in step with the network's mapped domains and subdomain sites, through the wu_runcloud PHP extension. Plugs into Ultimate Multisite 2.5's integration registry (wizard, toggle, Test button), retries what fails for a reason that passes, and reports under Tools > Site Health.
 * Version:     0.1.0
 * Requires PHP: 8.1
 * Network:     true
 * License:     MIT
 *
 * A must-use plugin: copy this one file to wp-content/mu-plugins/wu-runcloud.php.
 *
 * What it does, in order of what is there:
 * - the extension is not loaded (PHP 7.4/8.0, or PHP-FPM's ini lacks it): nothing breaks; network
 *   admins see a notice saying why and what to do, and every domain event that is lost is logged;
 * - Ultimate Multisite 2.5+: registers integration "runcloud" and its "domain-mapping" capability in
 *   UM's registry, replacing UM's own RunCloud module (so each event is handled once), with UM's
 *   wizard, enable toggle, missing-constants list and Test button backed by the extension;
 * - older Ultimate Multisite, or none: adds the four wu_* actions itself, once.
 * A hook that fails for a reason that may pass (no answer, 429, 5xx) is tried again later through
 * Action Scheduler when it is there, else WP-Cron, with backoff, a bounded number of times.
 * Also: a reconcile of every name the network serves (wu_runcloud_schedule_sync(), in chunks
 * through Action Scheduler or WP-Cron; its last result under Site Health > Info); WordPress core's
 * own site events when WU_RUNCLOUD_CORE_EVENTS is true and Ultimate Multisite is not there; and
 * `wp runcloud ...` when WP-CLI is.
 */

defined('ABSPATH') || exit;

/** Tries after the first for a failure that may pass: 1, 2, 4, 8, 16 minutes later. */
const WU_RUNCLOUD_RETRIES = 5;
/** Seconds before the first retry, doubled each time; wp-config.php may define it. */
defined('WU_RUNCLOUD_RETRY_BASE') || define('WU_RUNCLOUD_RETRY_BASE', 60);
const WU_RUNCLOUD_RETRY_HOOK = 'wu_runcloud_retry';
const WU_RUNCLOUD_FAILURES_OPTION = 'wu_runcloud_failures';
const WU_RUNCLOUD_SYNC_HOOK = 'wu_runcloud_sync_chunk';
const WU_RUNCLOUD_SYNC_OPTION = 'wu_runcloud_last_sync';
/** Changes per sync chunk, and seconds between chunks: a chunk stays well inside RunCloud's 60 requests a minute. */
defined('WU_RUNCLOUD_SYNC_CHUNK') || define('WU_RUNCLOUD_SYNC_CHUNK', 25);
defined('WU_RUNCLOUD_SYNC_PAUSE') || define('WU_RUNCLOUD_SYNC_PAUSE', 60);
const WU_RUNCLOUD_CERT_OPTION = 'wu_runcloud_cert_states';
/** The names on the app found not to point here by the last sync or `wp runcloud ssl --check`. */
const WU_RUNCLOUD_NOT_POINTING_OPTION = 'wu_runcloud_not_pointing';
const WU_RUNCLOUD_RECHECK_HOOK = 'wu_runcloud_recheck';
const WU_RUNCLOUD_REDEPLOY_HOOK = 'wu_runcloud_redeploy';
/** Seconds after the first add before a name that waits for DNS is asked again, then further apart (at most 12 h). */
const WU_RUNCLOUD_RECHECKS = [120, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200];
/** A name whose DNS never points here is given up on after this many seconds (3 days); a later add starts again. */
defined('WU_RUNCLOUD_DNS_GIVE_UP') || define('WU_RUNCLOUD_DNS_GIVE_UP', 3 * 86400);
/**
 * Seconds that basic-SSL adds from any requests are gathered before their one certificate redeploy
 * (a queued job); 0: one redeploy at the end of each request instead. A name is on the certificate
 * this long (plus the queue runner's own delay, about a minute under WP-Cron) after it was added.
 */
defined('WU_RUNCLOUD_SSL_WINDOW') || define('WU_RUNCLOUD_SSL_WINDOW', 60);
const WU_RUNCLOUD_HOOKS = [
    'wu_add_domain'       => 'on_add_domain',
    'wu_remove_domain'    => 'on_remove_domain',
    'wu_add_subdomain'    => 'on_add_subdomain',
    'wu_remove_subdomain' => 'on_remove_subdomain',
];

/**
 * One log line where the extension's own lines go (Ultimate Multisite's log, else
 * wu_runcloud.log_file, else error_log() for problems), so every line is in one place.
 */
function wu_runcloud_log(string $level, string $message): void {
    if (extension_loaded('wu_runcloud') && method_exists('WU_RunCloud_Integration', 'log')) {
        WU_RunCloud_Integration::log($level, $message);
        return;
    }
    if (function_exists('wu_log_add')) {
        wu_log_add('integration-runcloud', $message, $level);
        return;
    }
    if ($level !== 'info') {
        error_log("wu_runcloud: [$level] $message");
    }
}

/** Remembers a failure for Site Health (the last 20, newest first). */
function wu_runcloud_remember_failure(string $hook, string $domain, string $message, bool $final): void {
    $list = get_site_option(WU_RUNCLOUD_FAILURES_OPTION, []);
    $list = is_array($list) ? $list : [];
    array_unshift($list, [
        'time'    => time(),
        'hook'    => $hook,
        'domain'  => $domain,
        'message' => $message,
        'final'   => $final,
    ]);
    update_site_option(WU_RUNCLOUD_FAILURES_OPTION, array_slice($list, 0, 20));
    update_site_option('wu_runcloud_failure_count', (int) get_site_option('wu_runcloud_failure_count', 0) + 1);
}

/** A name that is in step again: its failures are history, no longer shown as current. */
function wu_runcloud_forget_failures(string $name): void {
    $list = get_site_option(WU_RUNCLOUD_FAILURES_OPTION, []);
    if (!is_array($list) || $list === []) {
        return;
    }
    $kept = array_values(array_filter($list, static fn($f) => ($f['domain'] ?? '') !== $name));
    if (count($kept) !== count($list)) {
        update_site_option(WU_RUNCLOUD_FAILURES_OPTION, $kept);
    }
}

// ---------------------------------------------------------------------------------------------
// Without the extension: say so, and lose nothing silently.
// ---------------------------------------------------------------------------------------------

/** Why the extension is not usable here, or '' when it is. */
function wu_runcloud_unavailable_reason(): string {
    if (PHP_VERSION_ID < 80100) {
        return sprintf('this site runs PHP %s, and the wu_runcloud extension needs PHP 8.1 or newer (7.4 and 8.0 cannot load it). Switch the web application to PHP 8.1+ in RunCloud, then install the extension for that version.', PHP_VERSION);
    }
    if (!extension_loaded('wu_runcloud')) {
        return sprintf('the wu_runcloud extension is not loaded by the PHP that serves this site (PHP %s, %s). Run "make install PHP_CONFIG=..." for this PHP version and restart its PHP-FPM; "php --ri wu_runcloud" checks only the command line PHP, whose ini files are separate.', PHP_VERSION, PHP_SAPI);
    }
    return '';
}

if (wu_runcloud_unavailable_reason() !== '') {
    $wu_runcloud_notice = static function (): void {
        if (!is_super_admin()) {
            return;
        }
        printf(
            '<div class="notice notice-error"><p><strong>RunCloud Domain Sync:</strong> domains are not being added to RunCloud: %s</p></div>',
            esc_html(wu_runcloud_unavailable_reason())
        );
    };
    add_action('network_admin_notices', $wu_runcloud_notice);
    add_action('admin_notices', $wu_runcloud_notice);
    foreach (array_keys(WU_RUNCLOUD_HOOKS) as $wu_runcloud_hook) {
        add_action($wu_runcloud_hook, static function ($domain = '', $site_id = 0) use ($wu_runcloud_hook): void {
            $name = is_scalar($domain) ? (string) $domain : gettype($domain);
            $message = "lost: $wu_runcloud_hook $name (site " . (is_scalar($site_id) ? $site_id : '?') . '): ' . wu_runcloud_unavailable_reason();
            wu_runcloud_log('error', $message);
            wu_runcloud_remember_failure($wu_runcloud_hook, $name, $message, true);
        }, 10, 2);
    }
    add_filter('debug_information', 'wu_runcloud_debug_information');
    add_filter('site_status_tests', 'wu_runcloud_site_status_tests');
}

// ---------------------------------------------------------------------------------------------
// The extension, configured from Ultimate Multisite when it is there.
// ---------------------------------------------------------------------------------------------

/** Our integration in UM 2.5's registry, when it is ours. */
function wu_runcloud_um_integration(): ?object {
    if (!class_exists('WP_Ultimo\Integrations\Integration_Registry')) {
        return null;
    }
    $integration = \WP_Ultimo\Integrations\Integration_Registry::get_instance()->get('runcloud');
    return $integration instanceof WU_RunCloud_UM_Integration ? $integration : null;
}

/**
 * Options for WU_RunCloud_Integration from Ultimate Multisite: the credentials saved in its
 * wizard (wp-config.php constants win, in the extension as in UM), its www setting when
 * php.ini leaves wu_runcloud.www at the default, and its multi-part TLDs.
 */
function wu_runcloud_options(): array {
    // Redeploys gathered across requests into one queued job (wu_runcloud_schedule_redeploy()).
    $options = WU_RUNCLOUD_SSL_WINDOW > 0 ? ['ssl_batch' => 'queue'] : [];
    $um = wu_runcloud_um_integration();
    if ($um !== null) {
        $credentials = [];
        foreach (['WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_API_KEY', 'WU_RUNCLOUD_API_SECRET', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID'] as $name) {
            if (defined($name)) {
                continue;
            }
            $value = $um->get_credential($name);
            if ($value !== '') {
                $credentials[$name] = $value;
            }
        }
        if ($credentials) {
            $options['credentials'] = $credentials;
        }
    }
    if (function_exists('wu_get_setting') && in_array(ini_get('wu_runcloud.www'), ['main_only', false], true)) {
        $www = wu_get_setting('auto_create_www_subdomain', 'always');
        if (in_array($www, ['always', 'main_only', 'never'], true)) {
            $options['www'] = $www;
        }
    }
    if (function_exists('wu_get_setting') || has_filter('wu_multi_part_tlds')) {
        $tlds = apply_filters('wu_multi_part_tlds', ['.co.uk', '.com.au', '.co.nz', '.com.br', '.co.in']);
        $extra = [];
        foreach ((array) $tlds as $tld) {
            $tld = trim((string) $tld, ". \t");
            if ($tld !== '' && strpos($tld, '.') !== false && preg_match('/^[a-z0-9.-]+$/i', $tld)) {
                $extra[] = strtolower($tld);
            }
        }
        if ($extra) {
            $options['public_suffixes'] = array_values(array_unique($extra));
        }
    }
    /** Filters the options of every WU_RunCloud_Integration the glue makes (see the README's option table). */
    return (array) apply_filters('wu_runcloud_options', $options);
}

function wu_runcloud(): ?WU_RunCloud_Integration {
    if (wu_runcloud_unavailable_reason() !== '') {
        return null;
    }
    try {
        return new WU_RunCloud_Integration(wu_runcloud_options());
    } catch (Throwable $e) {
        wu_runcloud_log('error', 'configuration refused: ' . $e->getMessage());
        return null;
    }
}

/**
 * Runs one domain event through the extension. A failure that may pass is scheduled again
 * (Action Scheduler, else WP-Cron) with backoff; one that will not is logged and remembered
 * for Site Health. Every try is idempotent: an add that did arrive is found, not repeated.
 */
function wu_runcloud_handle(string $hook, $domain, $site_id = 0, int $attempt = 0): bool {
    $method = WU_RUNCLOUD_HOOKS[$hook] ?? null;
    if ($method === null) {
        return false;
    }
    $name = strtolower(trim(is_scalar($domain) ? (string) $domain : ''));
    $add = $method === 'on_add_domain' || $method === 'on_add_subdomain';
    if ($attempt === 0) {
        wu_runcloud_note_event($name, $add);
    } else {
        // A retry runs what is still wanted, not what was wanted when it failed.
        $why = wu_runcloud_superseded($hook, $name, $add);
        if ($why !== '') {
            wu_runcloud_log('info', "$hook $name: retry not run: $why");
            wu_runcloud_forget_failures($name);
            return true;
        }
    }
    $runcloud = wu_runcloud();
    if ($runcloud === null) {
        // The configuration was refused (a bad INI value, say): the event is kept and tried
        // again, so that fixing the configuration brings the app back in step.
        $error = ['domain' => $name, 'retryable' => true, 'message' => 'the wu_runcloud configuration was refused; see the log'];
        return wu_runcloud_retry_or_give_up($hook, $domain, $site_id, $attempt, $error);
    }
    if ($runcloud->$method($domain, $site_id)) {
        if ($add) {
            wu_runcloud_after_add($name, $runcloud->last_add());
        } elseif ($name !== '') {
            wu_runcloud_cert_state($name, null);
        }
        wu_runcloud_forget_failures($name);
        return true;
    }
    $error = $runcloud->last_error() ?? ['domain' => $name, 'retryable' => false, 'message' => 'failed'];
    return wu_runcloud_retry_or_give_up($hook, $domain, $site_id, $attempt, $error);
}

/** Schedules a retry with backoff for a failure that may pass, or gives up, logging either. */
function wu_runcloud_retry_or_give_up(string $hook, $domain, $site_id, int $attempt, array $error): bool {
    $name = $error['domain'];
    delete_site_transient('wu_runcloud_connection');
    if ($error['retryable'] && $attempt < WU_RUNCLOUD_RETRIES) {
        $delay = WU_RUNCLOUD_RETRY_BASE * (2 ** $attempt);
        $args = [$hook, is_scalar($domain) ? (string) $domain : '', is_scalar($site_id) ? $site_id : 0, $attempt + 1];
        $via = wu_runcloud_schedule(WU_RUNCLOUD_RETRY_HOOK, $delay, $args);
        wu_runcloud_log('warning', sprintf('%s %s: will try again in %d s through %s (try %d of %d)', $hook, $name, $delay, $via, $attempt + 2, WU_RUNCLOUD_RETRIES + 1));
        wu_runcloud_remember_failure($hook, $name, $error['message'] . " (retry scheduled in {$delay} s)", false);
    } else {
        $why = $error['retryable'] ? sprintf('gave up after %d tries', $attempt + 1) : 'not retried: this will not pass by itself';
        wu_runcloud_log('error', sprintf('%s %s: %s', $hook, $name, $why));
        wu_runcloud_remember_failure($hook, $name, $error['message'] . " ($why)", true);
    }
    return false;
}

/** The last event seen for each name (add or remove, and when): a later one supersedes retries of earlier ones. */
function wu_runcloud_note_event(string $name, bool $add): void {
    if ($name === '') {
        return;
    }
    $events = get_site_option('wu_runcloud_last_events', []);
    $events = is_array($events) ? $events : [];
    unset($events[$name]);
    $events[$name] = ['add' => $add, 'time' => microtime(true)];
    update_site_option('wu_runcloud_last_events', array_slice($events, -2000, null, true));
}

/**
 * Why a retry of `$hook` for `$name` must not run any more ('' when it still must): a later
 * event for the name went the other way, or the source of truth no longer wants it (under
 * Ultimate Multisite its domain record; else the site that has the name).
 */
function wu_runcloud_superseded(string $hook, string $name, bool $add): string {
    $events = get_site_option('wu_runcloud_last_events', []);
    $last = is_array($events) ? ($events[$name] ?? null) : null;
    if ($last !== null && $last['add'] !== $add) {
        return sprintf('a later %s of %s superseded it', $last['add'] ? 'add' : 'removal', $name);
    }
    $mapped = wu_runcloud_still_mapped($name);
    if ($mapped === null) {
        return '';
    }
    if ($add && !$mapped) {
        return "$name is no longer mapped in the network";
    }
    if (!$add && $mapped) {
        return "$name is mapped in the network again";
    }
    return '';
}

/**
 * Whether the network still serves `$name`: true, false, or null when it cannot tell. Under
 * Ultimate Multisite its domain record decides (active, same name), else a site with that name;
 * without it, a site with that name says yes, and nothing says no.
 */
function wu_runcloud_still_mapped(string $name): ?bool {
    if ($name === '') {
        return null;
    }
    $site = function_exists('get_sites') && (int) get_sites(['domain' => $name, 'count' => true]) > 0;
    if (function_exists('wu_get_domain_by_domain')) {
        $d = wu_get_domain_by_domain($name);
        if (is_object($d)) {
            $active = !method_exists($d, 'is_active') || $d->is_active();
            $same = !method_exists($d, 'get_domain') || strtolower((string) $d->get_domain()) === $name;
            return ($active && $same) || $site;
        }
        return $site;
    }
    return $site ? true : null;
}

add_action(WU_RUNCLOUD_RETRY_HOOK, static function ($hook = '', $domain = '', $site_id = 0, $attempt = 1): void {
    wu_runcloud_handle((string) $hook, $domain, $site_id, (int) $attempt);
}, 10, 4);

// ---------------------------------------------------------------------------------------------
// Certificates: which name is where, re-checks of names that wait for DNS, and the one queued
// redeploy per app that gathers the adds of many requests and stays owed until it succeeds.
// ---------------------------------------------------------------------------------------------

/** Every name's certificate state: name => [state, since, message, checks]. */
function wu_runcloud_cert_states(): array {
    $states = get_site_option(WU_RUNCLOUD_CERT_OPTION, []);
    return is_array($states) ? $states : [];
}

/**
 * Sets (or, with null, forgets) a name's state: 'on_certificate', 'queued', 'waiting_dns',
 * 'refused', 'left_to_runcloud' or 'gave_up'. A name that stays in a state keeps its `since`.
 */
function wu_runcloud_cert_state(string $name, ?string $state, string $message = ''): array {
    $states = wu_runcloud_cert_states();
    if ($state === null) {
        unset($states[$name]);
        update_site_option(WU_RUNCLOUD_CERT_OPTION, $states);
        return [];
    }
    $old = $states[$name] ?? null;
    $entry = [
        'state'   => $state,
        'since'   => ($old !== null && $old['state'] === $state) ? (int) $old['since'] : time(),
        'message' => $message,
        'checks'  => $old !== null && $old['state'] === $state ? (int) ($old['checks'] ?? 0) + 1 : 1,
    ];
    $states[$name] = $entry;
    // Bounded: the oldest settled names go first.
    if (count($states) > 5000) {
        uasort($states, static fn($a, $b) => $a['since'] <=> $b['since']);
        $states = array_slice($states, -5000, null, true);
    }
    update_site_option(WU_RUNCLOUD_CERT_OPTION, $states);
    return $entry;
}

/** What an add (hook or re-check) did to a name's certificate: its state, a re-check, the queued redeploy. */
function wu_runcloud_after_add(string $name, ?array $add): void {
    if ($name === '' || $add === null) {
        return;
    }
    $map = [
        'redeployed' => 'on_certificate', 'issued' => 'on_certificate', 'queued' => 'queued',
        'waiting_dns' => 'waiting_dns', 'failed' => 'refused', 'left_to_runcloud' => 'left_to_runcloud',
    ];
    $state = $map[$add['ssl']] ?? null;
    if ($state === null) {
        // unchanged, skipped, off, unknown: nothing new about this name's certificate.
        return;
    }
    $entry = wu_runcloud_cert_state($name, $state, $add['message']);
    if ($state === 'queued' && WU_RUNCLOUD_SSL_WINDOW > 0) {
        wu_runcloud_schedule_redeploy(WU_RUNCLOUD_SSL_WINDOW, 0);
    } elseif ($state === 'waiting_dns') {
        wu_runcloud_schedule_recheck($name, $entry);
    }
}

function wu_runcloud_schedule(string $hook, int $delay, array $args): string {
    if (function_exists('as_schedule_single_action')) {
        as_schedule_single_action(time() + $delay, $hook, $args, 'wu-runcloud');
        return 'Action Scheduler';
    }
    wp_schedule_single_event(time() + $delay, $hook, $args);
    return 'WP-Cron';
}

function wu_runcloud_is_scheduled(string $hook, ?array $args = null): bool {
    if (function_exists('as_next_scheduled_action')) {
        return (bool) as_next_scheduled_action($hook, $args, 'wu-runcloud');
    }
    if (!function_exists('wp_next_scheduled')) {
        return false;
    }
    if ($args === null) {
        foreach ((array) _get_cron_array() as $events) {
            if (isset($events[$hook])) {
                return true;
            }
        }
        return false;
    }
    return (bool) wp_next_scheduled($hook, $args);
}

/** The next re-check of a waiting name, further apart each time; given up after WU_RUNCLOUD_DNS_GIVE_UP. */
function wu_runcloud_schedule_recheck(string $name, array $entry): void {
    if (time() - (int) $entry['since'] >= WU_RUNCLOUD_DNS_GIVE_UP) {
        $days = round(WU_RUNCLOUD_DNS_GIVE_UP / 86400, 1);
        $message = "gave up waiting for DNS after $days days: " . $entry['message'] . ' Point the name at this server and map it again, or run `wp runcloud ssl`.';
        wu_runcloud_cert_state($name, 'gave_up', $message);
        wu_runcloud_log('error', "wu_add_domain $name: $message");
        return;
    }
    if (wu_runcloud_is_scheduled(WU_RUNCLOUD_RECHECK_HOOK, [$name])) {
        return;
    }
    $delays = WU_RUNCLOUD_RECHECKS;
    $delay = $delays[min(max(0, (int) $entry['checks'] - 1), count($delays) - 1)];
    $via = wu_runcloud_schedule(WU_RUNCLOUD_RECHECK_HOOK, $delay, [$name]);
    wu_runcloud_log('info', "wu_add_domain $name: waiting for DNS; checked again in $delay s through $via");
}

/** Re-checks a waiting name now (a scheduled re-check, or UM's DNS propagation action). */
function wu_runcloud_recheck(string $name): void {
    $name = strtolower(trim($name));
    $runcloud = wu_runcloud();
    if ($name === '' || $runcloud === null) {
        return;
    }
    $states = wu_runcloud_cert_states();
    // A name that was removed, or that is already on its certificate, owes no re-check.
    if (!isset($states[$name]) || !in_array($states[$name]['state'], ['waiting_dns', 'gave_up'], true)) {
        return;
    }
    try {
        $r = $runcloud->check_domain($name);
        wu_runcloud_after_add($name, ['ssl' => $r['ssl'], 'message' => $r['ssl_message']]);
        wu_runcloud_log('info', "re-check $name: {$r['ssl']}: {$r['ssl_message']}");
    } catch (Throwable $e) {
        wu_runcloud_log('warning', "re-check $name failed: " . $e->getMessage());
        wu_runcloud_schedule_recheck($name, wu_runcloud_cert_state($name, 'waiting_dns', $states[$name]['message']));
    }
}

add_action(WU_RUNCLOUD_RECHECK_HOOK, static function ($name = ''): void {
    wu_runcloud_recheck(is_scalar($name) ? (string) $name : '');
}, 10, 1);

// A mapping renamed in Ultimate Multisite (BerlinDB's transition of the `domain` column): UM
// queues wu_add_domain for the new name only; the old one leaves RunCloud here, unless it was a
// creation ('new') or another mapping still has it.
add_action('wu_transition_domain_domain', static function ($old = '', $new = '', $id = 0): void {
    $old = strtolower(trim(is_scalar($old) ? (string) $old : ''));
    $new = strtolower(trim(is_scalar($new) ? (string) $new : ''));
    if ($old === '' || $old === 'new' || $old === $new || !wu_runcloud_should_follow_um_actions()) {
        return;
    }
    if (function_exists('wu_get_domain_by_domain') && is_object(wu_get_domain_by_domain($old))) {
        wu_runcloud_log('info', "wu_transition_domain_domain $old -> $new: $old is still mapped elsewhere; left on RunCloud");
        return;
    }
    wu_runcloud_handle('wu_remove_domain', $old, 0);
}, 10, 3);

// Ultimate Multisite's own DNS check succeeded: re-check at once, whatever the schedule says.
add_action('wu_domain_manager_dns_propagation_finished', static function ($domain = null): void {
    $name = is_object($domain) && method_exists($domain, 'get_domain') ? (string) $domain->get_domain() : (is_scalar($domain) ? (string) $domain : '');
    wu_runcloud_recheck($name);
}, 10, 1);

/** The one queued redeploy per network: scheduled once, whatever the number of adds, until it runs. */
function wu_runcloud_schedule_redeploy(int $delay, int $attempt): void {
    if (wu_runcloud_is_scheduled(WU_RUNCLOUD_REDEPLOY_HOOK)) {
        return;
    }
    $via = wu_runcloud_schedule(WU_RUNCLOUD_REDEPLOY_HOOK, $delay, [$attempt]);
    wu_runcloud_log('info', "certificate redeploy queued in $delay s through $via" . ($attempt > 0 ? " (try " . ($attempt + 1) . ')' : ''));
}

/** Runs the queued redeploy; on failure it stays owed and is tried again, further apart (at most hourly). */
function wu_runcloud_run_redeploy(int $attempt = 0): ?array {
    $runcloud = wu_runcloud();
    if ($runcloud === null) {
        return null;
    }
    $owed = $runcloud->owed_ssl();
    try {
        $r = $runcloud->redeploy_ssl();
    } catch (Throwable $e) {
        $delay = (int) min(3600, WU_RUNCLOUD_RETRY_BASE * (2 ** min($attempt, 6)));
        wu_runcloud_log('error', 'certificate redeploy failed: ' . $e->getMessage() . " (still owed; tried again in $delay s)");
        wu_runcloud_remember_failure('ssl', 'certificate', $e->getMessage() . ' (still owed)', false);
        wu_runcloud_schedule_redeploy($delay, $attempt + 1);
        return ['ok' => false, 'message' => $e->getMessage()];
    }
    $names = [];
    foreach ($owed as $app) {
        $names = array_merge($names, $app['names']);
    }
    foreach (wu_runcloud_cert_states() as $name => $entry) {
        if ($entry['state'] === 'queued') {
            $names[] = $name;
        }
    }
    foreach (array_unique($names) as $name) {
        wu_runcloud_cert_state($name, 'on_certificate', $r['message']);
    }
    wu_runcloud_log('info', 'certificate: ' . $r['message']);
    return ['ok' => true, 'message' => $r['message']];
}

add_action(WU_RUNCLOUD_REDEPLOY_HOOK, static function ($attempt = 0): void {
    wu_runcloud_run_redeploy((int) $attempt);
}, 10, 1);

// The HTTP probe (the extension's pointing check for names behind a proxy): answers only a
// fresh token's HMAC, for any host name alike, and nothing else.
if (isset($_SERVER['REQUEST_URI']) && strpos((string) $_SERVER['REQUEST_URI'], '/.well-known/wu-runcloud-probe/') === 0) {
    $wu_runcloud_token = substr(strtok((string) $_SERVER['REQUEST_URI'], '?'), strlen('/.well-known/wu-runcloud-probe/'));
    $wu_runcloud_answer = extension_loaded('wu_runcloud') ? (new WU_RunCloud_Integration())->probe_answer($wu_runcloud_token) : null;
    header_remove('X-Powered-By');
    header('Cache-Control: no-store');
    header('Content-Type: text/plain');
    http_response_code($wu_runcloud_answer === null ? 404 : 200);
    echo $wu_runcloud_answer ?? '';
    exit;
}

/**
 * Whether the wu_* actions are ours to follow now: not when WordPress core's events are followed
 * instead, and under Ultimate Multisite's registry only while our integration is enabled and set up.
 */
function wu_runcloud_should_follow_um_actions(): bool {
    if (wu_runcloud_core_events_on()) {
        return false;
    }
    if (class_exists('WP_Ultimo\Integrations\Integration_Registry')) {
        $um = wu_runcloud_um_integration();
        return $um !== null && $um->is_enabled() && $um->is_setup();
    }
    return true;
}

/**
 * Adds the four actions, once however often it is called. Called when this file loads, so that
 * Ultimate Multisite's `has_action('wu_add_domain')` guard before it queues an event always sees
 * them; whether to act is decided when an event runs.
 */
function wu_runcloud_add_actions(): void {
    static $added = false;
    if ($added) {
        return;
    }
    $added = true;
    foreach (array_keys(WU_RUNCLOUD_HOOKS) as $hook) {
        add_action($hook, static function ($domain = '', $site_id = 0) use ($hook): void {
            if (wu_runcloud_should_follow_um_actions()) {
                wu_runcloud_handle($hook, $domain, $site_id);
            }
        }, 10, 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Ultimate Multisite 2.5+: the integration registry. Its registration actions fire on
// plugins_loaded (priorities 9 and 12) after its own RunCloud module registered; register()
// and add_capability() overwrite by id, so ours replaces it and each event is handled once.
// ---------------------------------------------------------------------------------------------

function wu_runcloud_declare_um_classes(): void {
    if (class_exists('WU_RunCloud_UM_Integration', false)) {
        return;
    }

    /** Integration "runcloud" for UM's wizard, toggle, missing-constants list and Test button. */
    class WU_RunCloud_UM_Integration extends \WP_Ultimo\Integrations\Integration {
        public function __construct() {
            parent::__construct('runcloud', 'RunCloud');
            $this->set_description('Adds every mapped domain and subdomain site to your RunCloud web application and keeps its SSL certificate up to date, through the wu_runcloud PHP extension (retries, rate limits, no duplicate certificates).');
            $this->set_tutorial_link('https://github.com/wu-runcloud/wu_runcloud#installing-on-a-runcloud-server');
            $this->set_constants(['WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID']);
            $this->set_optional_constants(['WU_RUNCLOUD_API_KEY', 'WU_RUNCLOUD_API_SECRET']);
            $this->set_supports(['autossl']);
        }

        public function detect(): bool {
            return strpos(ABSPATH, 'runcloud') !== false || is_dir('/RunCloud');
        }

        /** Set up as the extension sees it: a v2 key + secret counts as well as a v3 token. */
        public function is_setup(): bool {
            $runcloud = wu_runcloud();
            return $runcloud !== null ? $runcloud->is_setup() : parent::is_setup();
        }

        public function get_missing_constants(): array {
            $runcloud = wu_runcloud();
            return $runcloud !== null ? $runcloud->get_missing_constants() : parent::get_missing_constants();
        }

        /** UM's Test button: the extension's connection test, its first failing answer as the error. */
        public function test_connection() {
            $runcloud = wu_runcloud();
            if ($runcloud === null) {
                return new \WP_Error('wu-runcloud', wu_runcloud_unavailable_reason() ?: 'the wu_runcloud configuration was refused; see the log');
            }
            $report = $runcloud->test_connection();
            return $report['ok'] ? true : new \WP_Error('wu-runcloud', $report['message']);
        }

        public function get_fields(): array {
            return [
                'WU_RUNCLOUD_API_TOKEN' => [
                    'title'       => 'RunCloud API Token',
                    'desc'        => 'Made in RunCloud under Workspace > Settings > API Management (shown once).',
                    'placeholder' => 'e.g. your-api-token-here',
                ],
                'WU_RUNCLOUD_SERVER_ID' => [
                    'title'       => 'RunCloud Server ID',
                    'desc'        => 'The number after /servers/ in the server\'s address in RunCloud\'s dashboard.',
                    'placeholder' => 'e.g. 11667',
                ],
                'WU_RUNCLOUD_APP_ID'    => [
                    'title'       => 'RunCloud App ID',
                    'desc'        => 'The number after /webapplications/ in the web application\'s address.',
                    'placeholder' => 'e.g. 940288',
                ],
            ];
        }
    }

    /** Capability "domain-mapping": the four actions, handled by the extension. */
    class WU_RunCloud_UM_Domain_Mapping extends \WP_Ultimo\Integrations\Base_Capability_Module {
        protected array $supported_features = ['autossl'];

        public function get_capability_id(): string {
            return 'domain-mapping';
        }

        public function get_title(): string {
            return 'Domain Mapping';
        }

        public function get_explainer_lines(): array {
            return [
                'will'     => [
                    'Add each mapped domain (and its www twin, following the "Create www Subdomain" setting) to the RunCloud web application',
                    'Add each new subdomain site\'s host name, unless a wildcard domain already serves it',
                    'Bring the SSL certificate up to date once per batch of domains, not once per domain',
                    'Remove a domain from RunCloud when its mapping is deleted',
                    'Try again later when RunCloud does not answer, and report in Tools > Site Health',
                ],
                'will_not' => [
                    'Change DNS records: each domain must already point to this server',
                ],
            ];
        }

        public function register_hooks(): void {
            wu_runcloud_add_actions();
        }

        public function test_connection() {
            return $this->get_integration()->test_connection();
        }
    }
}

if (wu_runcloud_unavailable_reason() === '') {
    add_action('wu_register_integrations', static function ($registry): void {
        if (!class_exists('WP_Ultimo\Integrations\Integration')) {
            return;
        }
        wu_runcloud_declare_um_classes();
        $registry->register(new WU_RunCloud_UM_Integration());
    }, 20);

    add_action('wu_register_capabilities', static function ($registry): void {
        if (!class_exists('WU_RunCloud_UM_Domain_Mapping', false)) {
            return;
        }
        $registry->add_capability('runcloud', new WU_RunCloud_UM_Domain_Mapping());
    }, 20);

    // Without the registry (Ultimate Multisite before 2.5, or none): the actions ourselves.
    add_action('plugins_loaded', static function (): void {
        if (wu_runcloud_core_events_on()) {
            wu_runcloud_add_core_actions();
        } elseif (!class_exists('WP_Ultimo\Integrations\Integration_Registry')) {
            wu_runcloud_add_actions();
        }
    }, 20);

    add_filter('debug_information', 'wu_runcloud_debug_information');
    add_filter('site_status_tests', 'wu_runcloud_site_status_tests');
    wu_runcloud_add_actions();
}

// ---------------------------------------------------------------------------------------------
// Reconcile: every host name the network serves against the app, in chunks.
// ---------------------------------------------------------------------------------------------

/**
 * Every host name the network serves: Ultimate Multisite's active mapped domains, when it is
 * there, and every site's own domain (the main site's is the app's primary and is skipped by the
 * extension).
 */
function wu_runcloud_network_names(): array {
    $names = [];
    if (function_exists('wu_get_domains')) {
        foreach ((array) wu_get_domains(['number' => 100000]) as $d) {
            if (is_object($d) && method_exists($d, 'get_domain') && (!method_exists($d, 'is_active') || $d->is_active())) {
                $names[] = (string) $d->get_domain();
            }
        }
    }
    foreach (get_sites(['number' => 100000, 'deleted' => 0, 'archived' => 0, 'spam' => 0]) as $site) {
        $names[] = (string) $site->domain;
    }
    return array_values(array_unique(array_map('strtolower', $names)));
}

/**
 * One sync call: a plan (dry run) or, with $apply, at most $limit changes. Its result is kept for
 * Site Health > Info. Null when the extension cannot run; the message is logged.
 */
function wu_runcloud_sync(bool $apply, int $limit = WU_RUNCLOUD_SYNC_CHUNK, array $remove = []): ?array {
    $runcloud = wu_runcloud();
    if ($runcloud === null) {
        return null;
    }
    try {
        $result = $runcloud->sync_domains(wu_runcloud_network_names(), ['apply' => $apply, 'limit' => $limit, 'remove' => $remove]);
    } catch (Throwable $e) {
        wu_runcloud_log('error', 'sync: ' . $e->getMessage());
        update_site_option(WU_RUNCLOUD_SYNC_OPTION, ['time' => time(), 'error' => $e->getMessage()]);
        return null;
    }
    $summary = sprintf('sync%s: %d in step, %d to add, %d added, %d failed, %d remaining, %d on the app the network does not list, %d on the app that do not point here',
        $apply ? '' : ' (dry run)', $result['in_step'], count($result['to_add']), count($result['added']),
        count($result['failed']), $result['remaining'], count($result['unknown']), count($result['not_pointing']));
    wu_runcloud_log($result['failed'] || $result['not_pointing'] ? 'warning' : 'info', $summary);
    wu_runcloud_note_not_pointing($result['not_pointing']);
    foreach ($result['waiting'] as $w) {
        wu_runcloud_after_add(strtolower($w['name']), ['ssl' => 'waiting_dns', 'message' => $w['message']]);
    }
    update_site_option(WU_RUNCLOUD_SYNC_OPTION, ['time' => time(), 'summary' => $summary, 'result' => $result]);
    return $result;
}

/** Starts a full sync in the background, chunk by chunk: Action Scheduler when it is there, else WP-Cron. */
function wu_runcloud_schedule_sync(int $delay = 0): void {
    if (function_exists('as_schedule_single_action')) {
        as_schedule_single_action(time() + $delay, WU_RUNCLOUD_SYNC_HOOK, [], 'wu-runcloud');
    } else {
        wp_schedule_single_event(time() + $delay, WU_RUNCLOUD_SYNC_HOOK);
    }
}

// One chunk; the next one is scheduled while the plan still holds changes and this one made
// progress, so a sync survives a worker's end and resumes where the app stands.
add_action(WU_RUNCLOUD_SYNC_HOOK, static function (): void {
    $result = wu_runcloud_sync(true);
    if ($result !== null && $result['remaining'] > 0 && ($result['added'] || $result['removed'])) {
        wu_runcloud_schedule_sync(WU_RUNCLOUD_SYNC_PAUSE);
    }
});

// ---------------------------------------------------------------------------------------------
// WordPress core's own site events (WU_RUNCLOUD_CORE_EVENTS), for networks without Ultimate
// Multisite. Never together with UM's events: with UM there, UM's actions are the source.
// ---------------------------------------------------------------------------------------------

function wu_runcloud_core_events_on(): bool {
    return defined('WU_RUNCLOUD_CORE_EVENTS') && WU_RUNCLOUD_CORE_EVENTS
        && !function_exists('wu_get_domains') && !class_exists('WP_Ultimo\Integrations\Integration_Registry');
}

/** The wu_* action a core site event stands for: a site under the network's domain is a subdomain site. */
function wu_runcloud_core_hook(string $domain, bool $add): string {
    $network = function_exists('get_network') && get_network() ? strtolower((string) get_network()->domain) : '';
    $sub = $network !== '' && str_ends_with(strtolower($domain), '.' . $network);
    return ($add ? 'wu_add_' : 'wu_remove_') . ($sub ? 'subdomain' : 'domain');
}

function wu_runcloud_add_core_actions(): void {
    add_action('wp_initialize_site', static function ($site): void {
        if ($site instanceof WP_Site && !is_main_site((int) $site->blog_id)) {
            wu_runcloud_handle(wu_runcloud_core_hook($site->domain, true), $site->domain, $site->blog_id);
        }
    }, 100);
    add_action('wp_update_site', static function ($new, $old): void {
        if ($new instanceof WP_Site && $old instanceof WP_Site && strtolower($new->domain) !== strtolower($old->domain)) {
            wu_runcloud_handle(wu_runcloud_core_hook($new->domain, true), $new->domain, $new->blog_id);
            wu_runcloud_handle(wu_runcloud_core_hook($old->domain, false), $old->domain, $old->blog_id);
        }
    }, 100, 2);
    add_action('wp_delete_site', static function ($site): void {
        if ($site instanceof WP_Site) {
            wu_runcloud_handle(wu_runcloud_core_hook($site->domain, false), $site->domain, $site->blog_id);
        }
    }, 100);
}

// ---------------------------------------------------------------------------------------------
// WP-CLI: `wp runcloud status|test|domains|add|remove|ssl|sync`. The logic is the plain function
// below (the e2e suite calls it inside real WordPress); the command class only prints.
// ---------------------------------------------------------------------------------------------

/**
 * Runs one `wp runcloud` subcommand. Returns ['code' => exit code, 'message' => text,
 * 'rows' => list of assoc arrays to print as a table (or JSON)].
 */
/** Remembers which names on the app do not point here (they make the next renewal fail), and logs each. */
function wu_runcloud_note_not_pointing(array $not_pointing): void {
    update_site_option(WU_RUNCLOUD_NOT_POINTING_OPTION, ['time' => time(), 'names' => $not_pointing]);
    foreach ($not_pointing as $n) {
        wu_runcloud_log('warning', "certificate renewal at risk: {$n['name']}: {$n['message']}");
    }
}

/** A name's certificate state in words, for the CLI and Site Health. */
function wu_runcloud_describe_state(?array $entry): string {
    if ($entry === null) {
        return '-';
    }
    $since = gmdate('Y-m-d H:i', (int) $entry['since']) . ' UTC';
    switch ($entry['state']) {
        case 'on_certificate':   return "on the certificate (since $since)";
        case 'queued':           return "joins the certificate at the queued redeploy (since $since)";
        case 'waiting_dns':      return "waiting for DNS since $since: " . $entry['message'];
        case 'gave_up':          return 'gave up: ' . $entry['message'];
        case 'refused':          return "refused ($since): " . $entry['message'];
        case 'left_to_runcloud': return 'left to RunCloud (AutoSSL)';
    }
    return (string) $entry['state'];
}

function wu_runcloud_cli(string $command, array $args = [], array $assoc = []): array {
    $fail = static fn(string $m, int $code = 1): array => ['code' => $code, 'message' => $m, 'rows' => []];
    $reason = wu_runcloud_unavailable_reason();
    if ($reason !== '') {
        return $fail($reason);
    }
    $runcloud = wu_runcloud();
    if ($runcloud === null) {
        return $fail('the wu_runcloud configuration was refused; see the log');
    }
    try {
        switch ($command) {
            case 'status':
                $rows = [
                    ['field' => 'extension', 'value' => phpversion('wu_runcloud')],
                    ['field' => 'set up', 'value' => $runcloud->is_setup() ? 'yes' : 'no: missing ' . implode(', ', $runcloud->get_missing_constants())],
                    ['field' => 'hooked through', 'value' => wu_runcloud_um_integration() !== null ? 'Ultimate Multisite integration registry' : (wu_runcloud_core_events_on() ? 'WordPress core site events' : 'its own wu_* actions')],
                    ['field' => 'recent failures', 'value' => (string) count((array) get_site_option(WU_RUNCLOUD_FAILURES_OPTION, []))],
                ];
                $counts = array_count_values(array_column(wu_runcloud_cert_states(), 'state'));
                ksort($counts);
                $rows[] = ['field' => 'certificates', 'value' => $counts ? implode(', ', array_map(static fn($k, $v) => "$v $k", array_keys($counts), $counts)) : 'nothing recorded'];
                $last = get_site_option(WU_RUNCLOUD_SYNC_OPTION, []);
                $rows[] = ['field' => 'last sync', 'value' => $last ? gmdate('Y-m-d H:i', (int) $last['time']) . ' UTC: ' . ($last['summary'] ?? $last['error'] ?? '') : 'never'];
                return ['code' => 0, 'message' => '', 'rows' => $rows];
            case 'test':
                $r = $runcloud->test_connection();
                $rows = array_map(static fn($c) => ['check' => $c['name'], 'ok' => $c['ok'] ? 'yes' : 'no', 'message' => $c['message']], $r['checks']);
                return ['code' => $r['ok'] ? 0 : 1, 'message' => $r['message'], 'rows' => $rows];
            case 'domains':
                $states = wu_runcloud_cert_states();
                $rows = array_map(static fn($d) => ['id' => $d['id'], 'name' => $d['name'], 'type' => $d['type'] ?? '', 'www' => !empty($d['www']) ? 'yes' : 'no', 'certificate' => wu_runcloud_describe_state($states[$d['name']] ?? null)], $runcloud->list_domains());
                // Names that wait for DNS are not on the app yet (basic mode): listed too.
                foreach ($states as $name => $entry) {
                    if (in_array($entry['state'], ['waiting_dns', 'gave_up'], true) && !in_array($name, array_column($rows, 'name'), true)) {
                        $rows[] = ['id' => '-', 'name' => $name, 'type' => 'not on the app', 'www' => '-', 'certificate' => wu_runcloud_describe_state($entry)];
                    }
                }
                return ['code' => 0, 'message' => sprintf('%d domains', count($rows)), 'rows' => $rows];
            case 'add':
            case 'remove':
                $name = (string) ($args[0] ?? '');
                if ($name === '') {
                    return $fail("usage: wp runcloud $command <name>", 2);
                }
                if ($command === 'add') {
                    $r = $runcloud->add_domain($name);
                    wu_runcloud_after_add(strtolower($name), ['ssl' => $r['ssl'], 'message' => $r['ssl_message']]);
                    return ['code' => 0, 'message' => sprintf('%s %s (RunCloud domain %s); SSL %s', $r['name'], $r['created'] ? 'added' : 'was already on the app', $r['id'] ?? '-', $r['ssl']), 'rows' => []];
                }
                $removed = $runcloud->remove_domain($name);
                return ['code' => 0, 'message' => $removed ? "$name removed" : "$name was not on the app", 'rows' => []];
            case 'ssl':
                if (!empty($assoc['check'])) {
                    // Names on the app that do not point here: the next renewal fails on them, for every site.
                    $r = $runcloud->sync_domains([]);
                    wu_runcloud_note_not_pointing($r['not_pointing']);
                    $rows = array_map(static fn($n) => ['name' => $n['name'], 'problem' => $n['message']], $r['not_pointing']);
                    foreach (wu_runcloud_cert_states() as $name => $entry) {
                        if (in_array($entry['state'], ['waiting_dns', 'gave_up', 'refused'], true)) {
                            $rows[] = ['name' => $name, 'problem' => wu_runcloud_describe_state($entry)];
                        }
                    }
                    $bad = count($r['not_pointing']);
                    return ['code' => $bad ? 1 : 0, 'message' => $bad ? "$bad name(s) on the app do not point here: the certificate cannot be renewed until they do or are removed" : 'every name on the app points here', 'rows' => $rows];
                }
                $r = wu_runcloud_run_redeploy();
                return ['code' => ($r['ok'] ?? false) ? 0 : 1, 'message' => $r['message'] ?? 'not set up', 'rows' => []];
            case 'sync':
                $apply = !empty($assoc['apply']);
                $limit = isset($assoc['limit']) ? (int) $assoc['limit'] : WU_RUNCLOUD_SYNC_CHUNK;
                if ($limit < 1 || $limit > 500) {
                    return $fail('--limit must be from 1 to 500', 2);
                }
                $r = wu_runcloud_sync($apply, $limit);
                if ($r === null) {
                    return $fail('the sync could not read the app; see the log');
                }
                // `all`: chunk after chunk until nothing remains or a chunk adds nothing.
                if ($apply && !empty($assoc['all'])) {
                    $total = count($r['to_add']);
                    $added = $r['added'];
                    $progress = $assoc['progress'] ?? null;
                    is_callable($progress) && $progress(count($r['added']), $total);
                    while ($r['remaining'] > 0 && $r['added'] && !$r['failed']) {
                        $r = wu_runcloud_sync(true, $limit);
                        if ($r === null) {
                            return $fail('the sync could not read the app; see the log');
                        }
                        $added = array_merge($added, $r['added']);
                        is_callable($progress) && $progress(count($r['added']), $total);
                    }
                    $r['added'] = $added;
                }
                $rows = [];
                foreach ($r['to_add'] as $n) $rows[] = ['name' => $n, 'action' => in_array($n, $r['added'], true) ? 'added' : ($apply ? 'to add (next chunk)' : 'to add')];
                foreach ($r['failed'] as $f) $rows[] = ['name' => $f['name'], 'action' => 'failed: ' . $f['message']];
                foreach ($r['skipped'] as $f) $rows[] = ['name' => $f['name'], 'action' => 'skipped: ' . $f['reason']];
                foreach ($r['unknown'] as $n) $rows[] = ['name' => $n, 'action' => 'on the app only (left alone)'];
                $msg = sprintf('%s%d in step, %d added, %d failed, %d remaining', $apply ? '' : 'dry run: ', $r['in_step'], count($r['added']), count($r['failed']), $r['remaining']);
                return ['code' => $r['failed'] ? 1 : 0, 'message' => $msg, 'rows' => $rows, 'result' => $r];
            default:
                return $fail("unknown subcommand '$command'; try: status, test, domains, add, remove, ssl [--check], sync", 2);
        }
    } catch (InvalidArgumentException $e) {
        return $fail($e->getMessage(), 2);
    } catch (Throwable $e) {
        return $fail($e->getMessage());
    }
}

if (defined('WP_CLI') && WP_CLI && class_exists('WP_CLI')) {
    /**
     * Keeps the RunCloud web application in step with the network's domains.
     *
     * Written to WP-CLI's published command interface (WP-CLI is not in Debian's packages, so
     * this class is not run by the tests; its logic, wu_runcloud_cli(), is, inside WordPress).
     */
    class WU_RunCloud_CLI_Command {
        private function run(string $command, array $args, array $assoc): void {
            $format = $assoc['format'] ?? 'table';
            if ($command === 'sync' && !empty($assoc['apply']) && !isset($assoc['limit'])) {
                // Whole network, chunk after chunk (the loop is wu_runcloud_cli()'s), with a progress bar.
                $bar = null;
                $assoc['all'] = true;
                $assoc['progress'] = static function (int $done, int $total) use (&$bar): void {
                    $bar ??= \WP_CLI\Utils\make_progress_bar('Adding to RunCloud', max(1, $total));
                    $bar->tick($done);
                };
                $out = wu_runcloud_cli('sync', [], $assoc);
                $bar && $bar->finish();
            } else {
                $out = wu_runcloud_cli($command, $args, $assoc);
            }
            if ($out['rows']) {
                \WP_CLI\Utils\format_items($format, $out['rows'], array_keys($out['rows'][0]));
            }
            // With a machine format stdout holds only the data: the verdict goes to stderr.
            $machine = $format !== 'table';
            if ($out['code'] === 0) {
                if ($out['message'] !== '') {
                    $machine ? fwrite(STDERR, 'Success: ' . $out['message'] . "\n") : WP_CLI::success($out['message']);
                }
            } else {
                WP_CLI::error($out['message'], $out['code']);
            }
        }

        /**
         * Shows whether the extension is loaded and set up, how it is hooked, the certificates and the last sync.
         *
         * ## OPTIONS
         *
         * [--format=<format>]
         * : Output format.
         * ---
         * default: table
         * options:
         *   - table
         *   - json
         *   - csv
         *   - yaml
         * ---
         *
         * ## EXAMPLES
         *
         *     wp runcloud status
         */
        public function status($args, $assoc) { $this->run('status', $args, $assoc); }

        /**
         * Runs the connection test: credentials, server, web application, SSL mode.
         *
         * ## OPTIONS
         *
         * [--format=<format>]
         * : Output format.
         * ---
         * default: table
         * options:
         *   - table
         *   - json
         *   - csv
         *   - yaml
         * ---
         */
        public function test($args, $assoc) { $this->run('test', $args, $assoc); }

        /**
         * Lists the app's domains with each name's certificate state, and the names that wait for DNS.
         *
         * ## OPTIONS
         *
         * [--format=<format>]
         * : Output format.
         * ---
         * default: table
         * options:
         *   - table
         *   - json
         *   - csv
         *   - yaml
         *   - count
         * ---
         *
         * ## EXAMPLES
         *
         *     wp runcloud domains --format=json
         */
        public function domains($args, $assoc) { $this->run('domains', $args, $assoc); }

        /**
         * Adds a domain (once it points at this server; until then it waits for DNS).
         *
         * ## OPTIONS
         *
         * <name>
         * : The host name, such as shop.example.com.
         */
        public function add($args, $assoc) { $this->run('add', $args, $assoc); }

        /**
         * Removes a domain from the app.
         *
         * ## OPTIONS
         *
         * <name>
         * : The host name.
         */
        public function remove($args, $assoc) { $this->run('remove', $args, $assoc); }

        /**
         * Redeploys the app's certificate (basic SSL), or with --check lists the names that would make it fail.
         *
         * ## OPTIONS
         *
         * [--check]
         * : Change nothing; list the names on the app that do not point here and the names without a certificate.
         *
         * [--format=<format>]
         * : Output format of --check.
         * ---
         * default: table
         * options:
         *   - table
         *   - json
         *   - csv
         *   - yaml
         * ---
         *
         * ## EXAMPLES
         *
         *     wp runcloud ssl --check
         */
        public function ssl($args, $assoc) { $this->run('ssl', $args, $assoc); }

        /**
         * Reconciles the app with the network's names: a dry run unless --apply.
         *
         * ## OPTIONS
         *
         * [--apply]
         * : Add what is missing (without --limit: the whole network, chunk after chunk).
         *
         * [--limit=<n>]
         * : At most this many changes (1 to 500).
         *
         * [--format=<format>]
         * : Output format.
         * ---
         * default: table
         * options:
         *   - table
         *   - json
         *   - csv
         *   - yaml
         * ---
         *
         * ## EXAMPLES
         *
         *     wp runcloud sync
         *     wp runcloud sync --apply
         */
        public function sync($args, $assoc) { $this->run('sync', $args, $assoc); }
    }
    WP_CLI::add_command('runcloud', 'WU_RunCloud_CLI_Command');
}

// ---------------------------------------------------------------------------------------------
// Tools > Site Health: a status test and an Info section. Never a credential, only yes/no.
// ---------------------------------------------------------------------------------------------

function wu_runcloud_site_status_tests(array $tests): array {
    $tests['direct']['wu_runcloud'] = [
        'label' => 'RunCloud Domain Sync',
        'test'  => 'wu_runcloud_site_health_test',
    ];
    return $tests;
}

function wu_runcloud_site_health_test(): array {
    $result = [
        'label'       => 'RunCloud Domain Sync is working',
        'status'      => 'good',
        'badge'       => ['label' => 'RunCloud', 'color' => 'blue'],
        'description' => '',
        'actions'     => '',
        'test'        => 'wu_runcloud',
    ];
    $reason = wu_runcloud_unavailable_reason();
    $runcloud = $reason === '' ? wu_runcloud() : null;
    if ($runcloud === null) {
        $result['status'] = 'critical';
        $result['label'] = 'RunCloud Domain Sync cannot run';
        $result['description'] = '<p>' . esc_html($reason ?: 'The wu_runcloud configuration was refused; see the log.') . '</p>';
        return $result;
    }
    if (!$runcloud->is_setup()) {
        $result['status'] = 'critical';
        $result['label'] = 'RunCloud Domain Sync is not set up';
        $result['description'] = '<p>' . esc_html('Missing: ' . implode(', ', $runcloud->get_missing_constants()) . '. Define them in wp-config.php or in Ultimate Multisite\'s RunCloud wizard.') . '</p>';
        return $result;
    }
    // Cached: the Site Health page must not wait on RunCloud at every load.
    $report = get_site_transient('wu_runcloud_connection');
    if (!is_array($report)) {
        $report = $runcloud->test_connection();
        // Only a good answer is kept (5 minutes, or until an event fails): a problem shows at once.
        if ($report['ok']) {
            set_site_transient('wu_runcloud_connection', $report, 300);
        }
    }
    $items = '';
    foreach ($report['checks'] as $check) {
        $items .= sprintf('<li>%s %s: %s</li>', $check['ok'] ? '&#10003;' : '&#10007;', esc_html($check['name']), esc_html($check['message']));
    }
    $failures = get_site_option(WU_RUNCLOUD_FAILURES_OPTION, []);
    $failures = is_array($failures) ? $failures : [];
    $recent = '';
    foreach (array_slice($failures, 0, 10) as $f) {
        $recent .= sprintf('<li>%s %s %s: %s</li>', esc_html(gmdate('Y-m-d H:i', (int) $f['time'])), esc_html($f['hook']), esc_html($f['domain']), esc_html($f['message']));
    }
    if (count($failures) > 10) {
        $recent .= sprintf('<li>%s</li>', esc_html(sprintf('and %d more not yet healed (%d failures in all since the count began; every one is in the log)', count($failures) - 10, (int) get_site_option('wu_runcloud_failure_count', 0))));
    }
    $waiting = '';
    $np = get_site_option(WU_RUNCLOUD_NOT_POINTING_OPTION, []);
    foreach ((array) ($np['names'] ?? []) as $n) {
        $waiting .= sprintf('<li>%s: %s (%s)</li>', esc_html($n['name']), esc_html($n['message']), esc_html('on the app: the next renewal of the certificate fails on it; point it here or remove it'));
    }
    foreach (wu_runcloud_cert_states() as $name => $entry) {
        if (in_array($entry['state'], ['waiting_dns', 'gave_up', 'refused'], true)) {
            $waiting .= sprintf('<li>%s: %s</li>', esc_html($name), esc_html(wu_runcloud_describe_state($entry)));
        }
    }
    if (!$report['ok']) {
        $result['status'] = 'critical';
        $result['label'] = 'RunCloud Domain Sync cannot reach the web application';
    } elseif ($waiting !== '') {
        $result['status'] = 'recommended';
        $result['label'] = 'Some mapped domains do not have a certificate yet';
    } elseif ($recent !== '') {
        $result['status'] = 'recommended';
        $result['label'] = 'RunCloud Domain Sync works, with recent failures';
    }
    $result['description'] = '<p>' . esc_html($report['message']) . '</p><ul>' . $items . '</ul>'
        . ($waiting !== '' ? '<p>Names without a certificate (a name gets one once its DNS points at this server):</p><ul>' . $waiting . '</ul>' : '')
        . ($recent !== '' ? '<p>Recent failures:</p><ul>' . $recent . '</ul>' : '');
    return $result;
}

/** Where the credentials come from, never what they are. */
function wu_runcloud_credentials_source(): string {
    $v3 = defined('WU_RUNCLOUD_API_TOKEN') && WU_RUNCLOUD_API_TOKEN;
    $v2 = defined('WU_RUNCLOUD_API_KEY') && WU_RUNCLOUD_API_KEY;
    if ($v3 || $v2) {
        return 'wp-config.php constants (API ' . ($v3 ? 'v3' : 'v2') . ')';
    }
    $um = wu_runcloud_um_integration();
    if ($um !== null) {
        if ($um->get_credential('WU_RUNCLOUD_API_TOKEN') !== '') {
            return 'Ultimate Multisite wizard (API v3)';
        }
        if ($um->get_credential('WU_RUNCLOUD_API_KEY') !== '') {
            return 'Ultimate Multisite wizard (API v2)';
        }
    }
    return 'none';
}

function wu_runcloud_debug_information(array $info): array {
    $loaded = extension_loaded('wu_runcloud');
    $fields = [
        'extension' => ['label' => 'Extension loaded', 'value' => $loaded ? 'yes (' . phpversion('wu_runcloud') . ')' : 'no'],
        'php'       => ['label' => 'PHP', 'value' => PHP_VERSION . ' ' . PHP_SAPI . (PHP_ZTS ? ' ZTS' : ' NTS')],
        'um'        => ['label' => 'Ultimate Multisite', 'value' => defined('WP_ULTIMO_VERSION') ? WP_ULTIMO_VERSION : (class_exists('WP_Ultimo\Integrations\Integration_Registry') ? 'yes (registry)' : 'not found')],
        'mode'      => ['label' => 'Hooked through', 'value' => wu_runcloud_um_integration() !== null ? 'Ultimate Multisite integration registry' : 'its own wu_* actions'],
    ];
    foreach (['WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_API_KEY', 'WU_RUNCLOUD_API_SECRET', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID'] as $name) {
        $fields[strtolower($name)] = ['label' => $name, 'value' => defined($name) && constant($name) ? 'defined' : 'not defined', 'private' => true];
    }
    $runcloud = $loaded ? wu_runcloud() : null;
    $fields['credentials'] = ['label' => 'Credentials', 'value' => wu_runcloud_credentials_source()];
    if ($runcloud !== null) {
        $fields['setup'] = ['label' => 'Set up', 'value' => $runcloud->is_setup() ? 'yes' : 'no: missing ' . implode(', ', $runcloud->get_missing_constants())];
    }
    $failures = get_site_option(WU_RUNCLOUD_FAILURES_OPTION, []);
    $fields['failures'] = ['label' => 'Recent failures', 'value' => is_array($failures) ? count($failures) : 0];
    $last = get_site_option(WU_RUNCLOUD_SYNC_OPTION, []);
    $fields['last_sync'] = ['label' => 'Last sync', 'value' => $last ? gmdate('Y-m-d H:i', (int) $last['time']) . ' UTC: ' . ($last['summary'] ?? ('failed: ' . ($last['error'] ?? ''))) : 'never'];
    foreach (wu_runcloud_cert_states() as $name => $entry) {
        $fields['cert_' . $name] = ['label' => "Certificate: $name", 'value' => wu_runcloud_describe_state($entry)];
    }
    $fields['core_events'] = ['label' => 'WordPress core site events', 'value' => wu_runcloud_core_events_on() ? 'followed (WU_RUNCLOUD_CORE_EVENTS)' : 'not followed'];
    $info['wu-runcloud'] = ['label' => 'RunCloud Domain Sync', 'fields' => $fields];
    return $info;
}
