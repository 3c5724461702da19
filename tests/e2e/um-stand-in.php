<?php
/**
 * Plugin Name: Ultimate Multisite 2.5 stand-in (e2e only)
 * Description: Ultimate Multisite cannot be installed here, so this stands in for the part the
 * glue talks to, written from UM 2.5's published interface (inc/integrations/): the
 * Integration_Registry singleton firing wu_register_integrations (plugins_loaded, 9) and
 * wu_register_capabilities (plugins_loaded, 12), register() and add_capability() that overwrite by
 * id, Integration with get_credential() (constants first, then the network option
 * wu_hosting_credential_<NAME>; UM encrypts it, this stand-in does not), the enabled list in
 * wu_host_integrations_enabled, Base_Capability_Module, and UM's own RunCloud module, which hooks
 * the same four actions at priority 10. wu_log_add() writes to a file. Active only when the file
 * .um-stand-in exists in the docroot.
 */
namespace WP_Ultimo\Integrations {

    defined('ABSPATH') || exit;

    // Declared only when active: unconditional declarations would be hoisted by PHP
    // and exist even after an early return.
    if (file_exists(ABSPATH . '.um-stand-in')) {

        interface Capability_Module {
            public function get_capability_id(): string;
            public function get_title(): string;
            public function get_supported_features(): array;
            public function supports(string $feature): bool;
            public function register_hooks(): void;
            public function get_fields(): array;
            public function get_explainer_lines(): array;
            public function set_integration(Integration $integration): void;
            public function get_integration(): Integration;
            public function test_connection();
        }

        abstract class Base_Capability_Module implements Capability_Module {
            protected Integration $integration;
            protected array $supported_features = [];
            public function supports(string $feature): bool { return in_array($feature, $this->supported_features, true); }
            public function set_integration(Integration $integration): void { $this->integration = $integration; }
            public function get_integration(): Integration { return $this->integration; }
            public function get_supported_features(): array { return $this->supported_features; }
            public function register_hooks(): void {}
            public function get_fields(): array { return []; }
            public function get_explainer_lines(): array { return ['will' => [], 'will_not' => []]; }
            public function test_connection() { return true; }
        }

        class Integration {
            protected string $id;
            protected string $title;
            protected string $description = '';
            protected string $tutorial_link = '';
            protected array $constants = [];
            protected array $optional_constants = [];
            protected array $supports = [];
            public function __construct(string $id, string $title) { $this->id = $id; $this->title = $title; }
            public function get_id(): string { return $this->id; }
            public function get_title(): string { return $this->title; }
            public function set_description(string $d) { $this->description = $d; return $this; }
            public function set_logo(string $l) { return $this; }
            public function set_tutorial_link(string $l) { $this->tutorial_link = $l; return $this; }
            public function set_constants(array $c) { $this->constants = $c; return $this; }
            public function set_optional_constants(array $c) { $this->optional_constants = $c; return $this; }
            public function set_supports(array $s) { $this->supports = $s; return $this; }
            public function get_credential(string $constant_name): string {
                if (defined($constant_name) && constant($constant_name)) {
                    return (string) constant($constant_name);
                }
                return (string) get_network_option(null, 'wu_hosting_credential_' . $constant_name, '');
            }
            public function is_setup(): bool { return $this->get_missing_constants() === []; }
            public function get_missing_constants(): array {
                return array_values(array_filter($this->constants, fn($c) => !$this->get_credential($c)));
            }
            public function is_enabled(): bool {
                $list = get_network_option(null, 'wu_host_integrations_enabled', []);
                return !empty($list[$this->id]);
            }
            public function detect(): bool { return false; }
            public function get_fields(): array { return []; }
            public function test_connection() { return true; }
        }

        final class Integration_Registry {
            private static ?Integration_Registry $instance = null;
            private array $integrations = [];
            private array $capabilities = [];
            public static function get_instance(): Integration_Registry { return self::$instance ??= new self(); }
            public function init(): void {
                add_action('plugins_loaded', [$this, 'fire_registration_hooks'], 9);
                add_action('plugins_loaded', [$this, 'fire_capability_hooks'], 12);
            }
            public function fire_registration_hooks(): void {
                $this->register(new UM_Own_RunCloud_Integration());
                do_action('wu_register_integrations', $this);
            }
            public function fire_capability_hooks(): void {
                $this->add_capability('runcloud', new UM_Own_RunCloud_Domain_Mapping());
                do_action('wu_register_capabilities', $this);
                foreach ($this->capabilities as $id => $modules) {
                    $integration = $this->get($id);
                    if (!$integration) continue;
                    foreach ($modules as $module) {
                        $module->set_integration($integration);
                        if ($integration->is_enabled() && $integration->is_setup()) {
                            $module->register_hooks();
                        }
                    }
                }
            }
            public function register(Integration $integration): void { $this->integrations[$integration->get_id()] = $integration; }
            public function get(string $id): ?Integration { return $this->integrations[$id] ?? null; }
            public function add_capability(string $integration_id, Capability_Module $module): void {
                $this->capabilities[$integration_id][$module->get_capability_id()] = $module;
            }
            public function get_capability(string $integration_id, string $capability_id): ?Capability_Module {
                return $this->capabilities[$integration_id][$capability_id] ?? null;
            }
            public function get_capabilities(string $integration_id): array { return $this->capabilities[$integration_id] ?? []; }
        }

        /** UM's own RunCloud module: if it were left in place, every event would be handled twice. */
        class UM_Own_RunCloud_Integration extends Integration {
            public function __construct() {
                parent::__construct('runcloud', 'RunCloud');
                $this->set_constants(['WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID']);
            }
        }

        class UM_Own_RunCloud_Domain_Mapping extends Base_Capability_Module {
            public function get_capability_id(): string { return 'domain-mapping'; }
            public function get_title(): string { return 'Domain Mapping'; }
            public function register_hooks(): void {
                foreach (['wu_add_domain', 'wu_remove_domain', 'wu_add_subdomain', 'wu_remove_subdomain'] as $hook) {
                    add_action($hook, fn($domain) => wu_log_add('integration-runcloud', "UM's own module handled $hook $domain", 'info'), 10, 2);
                }
            }
        }

        Integration_Registry::get_instance()->init();
    }
}

namespace {
    if (defined('ABSPATH') && file_exists(ABSPATH . '.um-stand-in') && !function_exists('wu_log_add')) {
        define('WP_ULTIMO_VERSION', '2.5.0-stand-in');
        function wu_log_add($handle, $message, $level = 'info') {
            file_put_contents(ABSPATH . '.um-log', "[$level] $handle: $message\n", FILE_APPEND | LOCK_EX);
        }
    }
}
