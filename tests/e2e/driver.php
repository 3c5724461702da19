<?php
/**
 * Plugin Name: wu_runcloud e2e driver
 * Description: Test-only endpoints (?wu_e2e=...) through which the e2e suite acts inside real
 * WordPress requests: fire actions as Action Scheduler does, create and delete sites, read the
 * admin notices and Site Health as a super admin. Never install this on a real site.
 */
defined('ABSPATH') || exit;

// Whether the glue's callbacks exist as soon as the must-use plugins are loaded, before any
// plugin runs: Ultimate Multisite 2.5 queues wu_add_domain only when has_action() says so.
add_action('muplugins_loaded', static function (): void {
    $GLOBALS['wu_e2e_has_action_at_load'] = (bool) has_action('wu_add_domain');
});

// Ultimate Multisite's settings, when a section asks for them ("Create www Subdomain").
if (!function_exists('wu_get_setting') && get_network_option(null, 'wu_e2e_um_settings')) {
    function wu_get_setting($key, $default = false) {
        $settings = (array) get_network_option(null, 'wu_e2e_um_settings', []);
        return $settings[$key] ?? $default;
    }
}

// A configuration the extension refuses, when a section asks for it.
add_filter('wu_runcloud_options', static function (array $o): array {
    return get_network_option(null, 'wu_e2e_bad_option') ? $o + ['timeout' => 'soon'] : $o;
});

/*
 * Ultimate Multisite's domain records, when a section asks for them (the file .um-domains in
 * the docroot): UM cannot be installed here, so this stands in for what the glue reads of it,
 * written from UM's published model (inc/models/class-domain.php) and shared/um-behaviour.md:
 * wu_get_domain_by_domain() gives the record whatever its stage (false when none), a new
 * mapping is inactive while in 'checking-dns' or 'checking-ssl-cert', and UM queues its
 * wu_* actions through Action Scheduler (as_enqueue_async_action), ids as UM passes them.
 */
if (file_exists(ABSPATH . '.um-domains') && !function_exists('wu_get_domain_by_domain')) {
    final class WU_E2E_UM_Domain {
        public function __construct(private string $domain, private array $r) {}
        public function get_domain(): string { return $this->domain; }
        public function get_blog_id(): int { return (int) $this->r['blog_id']; }
        public function get_id(): int { return (int) $this->r['id']; }
        public function get_stage(): string { return $this->r['stage']; }
        public function is_active(): bool {
            return !in_array($this->r['stage'], ['checking-dns', 'checking-ssl-cert', 'failed', 'ssl-failed'], true) && $this->r['active'];
        }
    }
    function wu_get_domain_by_domain($domain) {
        $r = wu_e2e_um_record(strtolower((string) $domain));
        return $r === null ? false : new WU_E2E_UM_Domain(strtolower((string) $domain), $r);
    }
    function wu_get_domains($args = []): array {
        $out = [];
        foreach (wu_e2e_um_records() as $d => $r) $out[] = new WU_E2E_UM_Domain($d, $r);
        return $out;
    }
}

/**
 * UM's domain records: one network option each (UM keeps one table row each), so that
 * concurrent requests that map different names never overwrite each other's records.
 */
function wu_e2e_um_records(): array {
    global $wpdb;
    $keys = $wpdb->get_col("SELECT meta_key FROM {$wpdb->sitemeta} WHERE meta_key LIKE 'wu\\_e2e\\_um\\_d\\_%'");
    $out = [];
    foreach ($keys as $k) {
        $r = get_network_option(null, $k);
        if (is_array($r)) $out[$r['domain']] = $r;
    }
    return $out;
}
function wu_e2e_um_record(string $domain): ?array {
    $r = get_network_option(null, 'wu_e2e_um_d_' . md5($domain));
    return is_array($r) ? $r : null;
}
function wu_e2e_um_save(string $domain, ?array $r): void {
    $r === null ? delete_network_option(null, 'wu_e2e_um_d_' . md5($domain))
        : update_network_option(null, 'wu_e2e_um_d_' . md5($domain), $r + ['domain' => $domain]);
}

/** UM's own actions on its domain records (map, unmap, rename), as UM fires and queues them. */
function wu_e2e_um(string $op, string $domain, string $to = '', int $blog = 5): array {
    $domain = strtolower($domain);
    switch ($op) {
        case 'map':
            wu_e2e_um_save($domain, ['blog_id' => $blog, 'stage' => 'checking-dns', 'active' => true, 'id' => crc32($domain)]);
            as_enqueue_async_action('wu_add_domain', ['domain' => $domain, 'site_id' => $blog], 'domain');
            return ['mapped' => $domain];
        case 'unmap':
            $r = wu_e2e_um_record($domain);
            wu_e2e_um_save($domain, null);
            as_enqueue_async_action('wu_remove_domain', ['domain' => $domain, 'site_id' => (int) ($r['blog_id'] ?? $blog)], 'domain');
            return ['unmapped' => $domain];
        case 'rename':
            // BerlinDB's transition fires while the record is saved; UM queues the add of the new name only.
            $r = wu_e2e_um_record($domain) ?? ['blog_id' => $blog, 'stage' => 'checking-dns', 'active' => true, 'id' => crc32($domain)];
            wu_e2e_um_save($domain, null);
            wu_e2e_um_save(strtolower($to), $r);
            do_action('wu_transition_domain_domain', $domain, strtolower($to), $r['id']);
            as_enqueue_async_action('wu_add_domain', ['domain' => strtolower($to), 'site_id' => (int) $r['blog_id']], 'domain');
            return ['renamed' => [$domain, $to]];
    }
    return ['error' => "unknown op $op"];
}

// The real Action Scheduler's queue runner, and a clock that moves: once Action Scheduler is
// initialised (after init), never before.
add_action('wp_loaded', static function (): void {
    $what = $_GET['wu_e2e'] ?? '';
    if (!in_array($what, ['as_run', 'as_advance', 'as_pending', 'um'], true)) {
        return;
    }
    header('Content-Type: application/json');
    $out = ['pid' => getmypid(), 'as' => class_exists('ActionScheduler_QueueRunner')];
    global $wpdb;
    $table = $wpdb->prefix . 'actionscheduler_actions';
    if ($what === 'as_run' && $out['as']) {
        $out['ran'] = ActionScheduler_QueueRunner::instance()->run('e2e');
    } elseif ($what === 'as_advance') {
        // Everything that waits becomes due N seconds sooner: Action Scheduler's pending
        // actions and the extension's own list of names waiting for DNS.
        $n = (int) ($_GET['seconds'] ?? 0);
        if ($out['as']) {
            $wpdb->query($wpdb->prepare("UPDATE $table SET scheduled_date_gmt = DATE_SUB(scheduled_date_gmt, INTERVAL %d SECOND), scheduled_date_local = DATE_SUB(scheduled_date_local, INTERVAL %d SECOND) WHERE status = 'pending'", $n, $n));
        }
        foreach (glob(ini_get('wu_runcloud.state_dir') . '/waiting-*') ?: [] as $f) {
            $lines = [];
            foreach (file($f, FILE_IGNORE_NEW_LINES) as $line) {
                $p = explode(' ', $line);
                if (count($p) === 5) {
                    $p[3] = (string) max(0, (int) $p[3] - $n);
                }
                $lines[] = implode(' ', $p);
            }
            file_put_contents($f, $lines ? implode("\n", $lines) . "\n" : '', LOCK_EX);
        }
        $out['advanced'] = $n;
    } elseif ($what === 'as_pending' && $out['as']) {
        $rows = $wpdb->get_results("SELECT hook, COUNT(*) AS n FROM $table WHERE status IN ('pending', 'in-progress') GROUP BY hook", ARRAY_A);
        $out['pending'] = array_column($rows, 'n', 'hook');
        $done = $wpdb->get_results("SELECT hook, status, COUNT(*) AS n FROM $table WHERE status IN ('complete', 'failed') GROUP BY hook, status", ARRAY_A);
        foreach ($done as $d) $out[$d['status']][$d['hook']] = (int) $d['n'];
        if (isset($_GET['args_of'])) {
            $out['args'] = $wpdb->get_col($wpdb->prepare("SELECT args FROM $table WHERE hook = %s AND status = 'complete'", $_GET['args_of']));
        }
    } elseif ($what === 'um' && ($_GET['op'] ?? '') === 'clear') {
        foreach (array_keys(wu_e2e_um_records()) as $d) wu_e2e_um_save($d, null);
        $out['cleared'] = true;
    } elseif ($what === 'um') {
        $out += wu_e2e_um((string) $_GET['op'], (string) $_GET['domain'], (string) ($_GET['to'] ?? ''), (int) ($_GET['blog'] ?? 5));
    }
    echo wp_json_encode($out);
    exit;
}, 1);

add_action('init', static function (): void {
    $what = $_GET['wu_e2e'] ?? null;
    if (in_array($what, ['as_run', 'as_advance', 'as_pending', 'um'], true)) {
        return;
    }
    if ($what === null) {
        return;
    }
    header('Content-Type: application/json');
    $out = ['pid' => getmypid()];
    switch ($what) {
        case 'fire':
            // As Action Scheduler runs a queued action: the stored args through array_values().
            $args = json_decode(wp_unslash($_GET['args'] ?? '[]'), true);
            do_action_ref_array($_GET['hook'], array_values((array) $args));
            $out['fired'] = $_GET['hook'];
            break;
        case 'create_site':
            $domain = $_GET['slug'] . '.network.test';
            $id = wpmu_create_blog($domain, '/', 'Site ' . $_GET['slug'], 1);
            if (is_wp_error($id)) {
                $out['error'] = $id->get_error_message();
                break;
            }
            $site = get_site($id);
            // What Ultimate Multisite 2.4+ queues for a new site: wu_add_subdomain, and
            // wu_add_domain for the domain record it creates; blog_id is a string.
            do_action_ref_array('wu_add_subdomain', array_values(['subdomain' => $site->domain, 'site_id' => $site->blog_id]));
            do_action_ref_array('wu_add_domain', array_values(['domain' => $site->domain, 'site_id' => $site->blog_id]));
            $out['site_id'] = $site->blog_id;
            $out['domain'] = $site->domain;
            break;
        case 'delete_site':
            $site = get_site((int) $_GET['id']);
            wp_delete_site($site->id);
            do_action_ref_array('wu_remove_subdomain', array_values(['subdomain' => $site->domain, 'site_id' => $site->blog_id]));
            $out['deleted'] = $site->domain;
            break;
        case 'propagation':
            // What Ultimate Multisite fires once its own DNS check passes: a Domain model object.
            $domain = new class ((string) $_GET['domain']) {
                public function __construct(private string $d) {}
                public function get_domain(): string { return $this->d; }
                public function get_blog_id(): int { return 30; }
                public function get_id(): int { return 7; }
            };
            do_action('wu_domain_manager_dns_propagation_finished', $domain);
            $out['fired'] = 'wu_domain_manager_dns_propagation_finished';
            break;
        case 'has_action':
            $out['at_load'] = $GLOBALS['wu_e2e_has_action_at_load'] ?? null;
            break;
        case 'set_option':
            $v = json_decode(wp_unslash($_GET['value'] ?? 'null'), true);
            $v === null ? delete_network_option(null, $_GET['name']) : update_network_option(null, $_GET['name'], $v);
            $out['set'] = $_GET['name'];
            break;
        case 'forget_ledger':
            // The network's certificate ledger and census (wu_runcloud_state_*), as a new account.
            global $wpdb;
            $out['deleted'] = $wpdb->query($wpdb->prepare("DELETE FROM {$wpdb->sitemeta} WHERE meta_key LIKE %s", $wpdb->esc_like('wu_runcloud_state_') . '%'));
            wp_cache_flush();
            break;
        case 'cert_states':
            $out['states'] = wu_runcloud_cert_states();
            break;
        case 'notices':
            wp_set_current_user(1);
            ob_start();
            do_action('network_admin_notices');
            $out['html'] = ob_get_clean();
            break;
        case 'health':
            wp_set_current_user(1);
            if (!empty($_GET['fresh'])) {
                // What the page caches for 5 minutes, asked afresh.
                delete_site_transient('wu_runcloud_connection');
                delete_site_transient('wu_runcloud_capacity');
            }
            require_once ABSPATH . 'wp-admin/includes/class-wp-site-health.php';
            require_once ABSPATH . 'wp-admin/includes/class-wp-debug-data.php';
            $tests = WP_Site_Health::get_tests();
            $ours = $tests['direct']['wu_runcloud'] ?? null;
            $out['test'] = $ours ? call_user_func($ours['test']) : null;
            $out['info'] = apply_filters('debug_information', [])['wu-runcloud'] ?? null;
            break;
        case 'find':
            $out['found'] = class_exists('WU_RunCloud_Integration')
                && (new WU_RunCloud_Integration())->find_domain('network.test') !== null;
            break;
        case 'failures':
            $out['failures'] = get_site_option('wu_runcloud_failures', []);
            $out['cron'] = array_values(array_filter(array_map(
                static fn($hooks) => array_keys($hooks),
                _get_cron_array() ?: []
            )));
            break;
        case 'registry':
            $r = class_exists('WP_Ultimo\Integrations\Integration_Registry')
                ? WP_Ultimo\Integrations\Integration_Registry::get_instance() : null;
            $out['integration'] = $r && $r->get('runcloud') ? get_class($r->get('runcloud')) : null;
            $cap = $r ? $r->get_capability('runcloud', 'domain-mapping') : null;
            $out['capability'] = $cap ? get_class($cap) : null;
            $out['test_connection'] = $r && $r->get('runcloud') ? $r->get('runcloud')->test_connection() : null;
            if (is_wp_error($out['test_connection'])) {
                $out['test_connection'] = $out['test_connection']->get_error_message();
            }
            global $wp_filter;
            $out['callbacks'] = isset($wp_filter['wu_add_domain']) ? count($wp_filter['wu_add_domain']->callbacks[10] ?? []) : 0;
            break;
        case 'um_setup':
            // What UM's wizard stores: the enabled flag, and credentials as network options.
            update_network_option(null, 'wu_host_integrations_enabled', ['runcloud' => true]);
            foreach ((array) json_decode(wp_unslash($_GET['credentials'] ?? '{}'), true) as $name => $value) {
                update_network_option(null, 'wu_hosting_credential_' . $name, $value);
            }
            $out['ok'] = true;
            break;
        case 'core_site':
            // WordPress core alone: no Ultimate Multisite actions, only core's own site events.
            $op = $_GET['op'] ?? '';
            if ($op === 'create') {
                $id = wp_insert_site(['domain' => $_GET['domain'], 'path' => '/', 'title' => 'Core ' . $_GET['domain'], 'user_id' => 1]);
                $out['site_id'] = is_wp_error($id) ? $id->get_error_message() : $id;
            } elseif ($op === 'rename') {
                $r = wp_update_site((int) $_GET['id'], ['domain' => $_GET['domain']]);
                $out['ok'] = !is_wp_error($r);
            } elseif ($op === 'delete') {
                $r = wp_delete_site((int) $_GET['id']);
                $out['ok'] = !is_wp_error($r);
            }
            break;
        case 'cli':
            // The logic behind `wp runcloud ...` (WP-CLI is not in Debian's packages).
            $out['cli'] = wu_runcloud_cli($_GET['command'], (array) json_decode(wp_unslash($_GET['args'] ?? '[]'), true), (array) json_decode(wp_unslash($_GET['assoc'] ?? '{}'), true));
            break;
        case 'schedule_sync':
            wu_runcloud_schedule_sync();
            $out['ok'] = true;
            break;
        case 'names':
            $out['names'] = wu_runcloud_network_names();
            break;
        default:
            status_header(400);
            $out['error'] = 'unknown';
    }
    echo wp_json_encode($out);
    exit;
}, 1);
