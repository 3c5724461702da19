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
 */

defined('ABSPATH') || exit;

/** Tries after the first for a failure that may pass: 1, 2, 4, 8, 16 minutes later. */
const WU_RUNCLOUD_RETRIES = 5;
/** Seconds before the first retry, doubled each time; wp-config.php may define it. */
defined('WU_RUNCLOUD_RETRY_BASE') || define('WU_RUNCLOUD_RETRY_BASE', 60);
const WU_RUNCLOUD_RETRY_HOOK = 'wu_runcloud_retry';
const WU_RUNCLOUD_FAILURES_OPTION = 'wu_runcloud_failures';
const WU_RUNCLOUD_HOOKS = [
    'wu_add_domain'       => 'on_add_domain',
    'wu_remove_domain'    => 'on_remove_domain',
    'wu_add_subdomain'    => 'on_add_subdomain',
    'wu_remove_subdomain' => 'on_remove_subdomain',
];

/** One log line where WordPress admins look: Ultimate Multisite's log, else error_log() for problems. */
function wu_runcloud_log(string $level, string $message): void {
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
    $options = [];
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
    return $options;
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
    $runcloud = wu_runcloud();
    if ($method === null || $runcloud === null) {
        return false;
    }
    if ($runcloud->$method($domain, $site_id)) {
        return true;
    }
    $error = $runcloud->last_error() ?? ['domain' => (string) $domain, 'retryable' => false, 'message' => 'failed'];
    $name = $error['domain'];
    if ($error['retryable'] && $attempt < WU_RUNCLOUD_RETRIES) {
        $delay = WU_RUNCLOUD_RETRY_BASE * (2 ** $attempt);
        $args = [$hook, is_scalar($domain) ? (string) $domain : '', is_scalar($site_id) ? $site_id : 0, $attempt + 1];
        if (function_exists('as_schedule_single_action')) {
            as_schedule_single_action(time() + $delay, WU_RUNCLOUD_RETRY_HOOK, $args, 'wu-runcloud');
            $via = 'Action Scheduler';
        } else {
            wp_schedule_single_event(time() + $delay, WU_RUNCLOUD_RETRY_HOOK, $args);
            $via = 'WP-Cron';
        }
        wu_runcloud_log('warning', sprintf('%s %s: will try again in %d s through %s (try %d of %d)', $hook, $name, $delay, $via, $attempt + 2, WU_RUNCLOUD_RETRIES + 1));
        wu_runcloud_remember_failure($hook, $name, $error['message'] . " (retry scheduled in {$delay} s)", false);
    } else {
        $why = $error['retryable'] ? sprintf('gave up after %d tries', $attempt + 1) : 'not retried: this will not pass by itself';
        wu_runcloud_log('error', sprintf('%s %s: %s', $hook, $name, $why));
        wu_runcloud_remember_failure($hook, $name, $error['message'] . " ($why)", true);
    }
    return false;
}

add_action(WU_RUNCLOUD_RETRY_HOOK, static function ($hook = '', $domain = '', $site_id = 0, $attempt = 1): void {
    wu_runcloud_handle((string) $hook, $domain, $site_id, (int) $attempt);
}, 10, 4);

/** Adds the four actions, once however often it is called. */
function wu_runcloud_add_actions(): void {
    static $added = false;
    if ($added) {
        return;
    }
    $added = true;
    foreach (array_keys(WU_RUNCLOUD_HOOKS) as $hook) {
        add_action($hook, static function ($domain = '', $site_id = 0) use ($hook): void {
            wu_runcloud_handle($hook, $domain, $site_id);
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
        if (!class_exists('WP_Ultimo\Integrations\Integration_Registry')) {
            wu_runcloud_add_actions();
        }
    }, 20);

    add_filter('debug_information', 'wu_runcloud_debug_information');
    add_filter('site_status_tests', 'wu_runcloud_site_status_tests');
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
    $report = $runcloud->test_connection();
    $items = '';
    foreach ($report['checks'] as $check) {
        $items .= sprintf('<li>%s %s: %s</li>', $check['ok'] ? '&#10003;' : '&#10007;', esc_html($check['name']), esc_html($check['message']));
    }
    $failures = get_site_option(WU_RUNCLOUD_FAILURES_OPTION, []);
    $recent = '';
    foreach (array_slice(is_array($failures) ? $failures : [], 0, 5) as $f) {
        $recent .= sprintf('<li>%s %s %s: %s</li>', esc_html(gmdate('Y-m-d H:i', (int) $f['time'])), esc_html($f['hook']), esc_html($f['domain']), esc_html($f['message']));
    }
    if (!$report['ok']) {
        $result['status'] = 'critical';
        $result['label'] = 'RunCloud Domain Sync cannot reach the web application';
    } elseif ($recent !== '') {
        $result['status'] = 'recommended';
        $result['label'] = 'RunCloud Domain Sync works, with recent failures';
    }
    $result['description'] = '<p>' . esc_html($report['message']) . '</p><ul>' . $items . '</ul>'
        . ($recent !== '' ? '<p>Recent failures:</p><ul>' . $recent . '</ul>' : '');
    return $result;
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
    if ($runcloud !== null) {
        $fields['setup'] = ['label' => 'Set up', 'value' => $runcloud->is_setup() ? 'yes' : 'no: missing ' . implode(', ', $runcloud->get_missing_constants())];
    }
    $failures = get_site_option(WU_RUNCLOUD_FAILURES_OPTION, []);
    $fields['failures'] = ['label' => 'Recent failures', 'value' => is_array($failures) ? count($failures) : 0];
    $info['wu-runcloud'] = ['label' => 'RunCloud Domain Sync', 'fields' => $fields];
    return $info;
}
