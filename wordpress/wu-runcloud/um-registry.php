<?php
/**
 * Ultimate Multisite 2.5+: the integration registry, and the registration that runs when
 * the glue loads.
 */

defined( 'ABSPATH' ) || exit;

function wu_runcloud_declare_um_classes(): void {
	if ( class_exists( 'WU_RunCloud_UM_Integration', false ) ) {
		return;
	}

	/** Integration "runcloud" for UM's wizard, toggle, missing-constants list and Test button. */
	class WU_RunCloud_UM_Integration extends \WP_Ultimo\Integrations\Integration {
		public function __construct() {
			parent::__construct( 'runcloud', 'RunCloud' );
			$this->set_description( 'Adds every mapped domain and subdomain site to your RunCloud web application and keeps its SSL certificate up to date, through the wu_runcloud PHP extension (retries, rate limits, no duplicate certificates).' );
			$this->set_tutorial_link( 'https://github.com/wu-runcloud/wu_runcloud#installing-on-a-runcloud-server' );
			$this->set_constants( array( 'WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID' ) );
			$this->set_optional_constants( array( 'WU_RUNCLOUD_API_KEY', 'WU_RUNCLOUD_API_SECRET' ) );
			$this->set_supports( array( 'autossl' ) );
		}

		public function detect(): bool {
			return strpos( ABSPATH, 'runcloud' ) !== false || is_dir( '/RunCloud' );
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
			if ( $runcloud === null ) {
				return new \WP_Error( 'wu-runcloud', wu_runcloud_unavailable_reason() ?: 'the wu_runcloud configuration was refused; see the log' );
			}
			$report = $runcloud->test_connection();
			return $report['ok'] ? true : new \WP_Error( 'wu-runcloud', $report['message'] );
		}

		public function get_fields(): array {
			return array(
				'WU_RUNCLOUD_API_TOKEN' => array(
					'title'       => 'RunCloud API Token',
					'desc'        => 'Made in RunCloud under Workspace > Settings > API Management (shown once).',
					'placeholder' => 'e.g. your-api-token-here',
				),
				'WU_RUNCLOUD_SERVER_ID' => array(
					'title'       => 'RunCloud Server ID',
					'desc'        => 'The number after /servers/ in the server\'s address in RunCloud\'s dashboard.',
					'placeholder' => 'e.g. 11667',
				),
				'WU_RUNCLOUD_APP_ID'    => array(
					'title'       => 'RunCloud App ID',
					'desc'        => 'The number after /webapplications/ in the web application\'s address.',
					'placeholder' => 'e.g. 940288',
				),
			);
		}
	}

	/** Capability "domain-mapping": the four actions, handled by the extension. */
	class WU_RunCloud_UM_Domain_Mapping extends \WP_Ultimo\Integrations\Base_Capability_Module {
		protected array $supported_features = array( 'autossl' );

		public function get_capability_id(): string {
			return 'domain-mapping';
		}

		public function get_title(): string {
			return 'Domain Mapping';
		}

		public function get_explainer_lines(): array {
			return array(
				'will'     => array(
					'Add each mapped domain (and its www twin, following the "Create www Subdomain" setting) to the RunCloud web application',
					'Add each new subdomain site\'s host name, unless a wildcard domain already serves it',
					'Bring the SSL certificate up to date once per batch of domains, not once per domain',
					'Remove a domain from RunCloud when its mapping is deleted',
					'Try again later when RunCloud does not answer, and report in Tools > Site Health',
				),
				'will_not' => array(
					'Change DNS records: each domain must already point to this server',
				),
			);
		}

		public function register_hooks(): void {
			wu_runcloud_add_actions();
		}

		public function test_connection() {
			return $this->get_integration()->test_connection();
		}
	}
}

if ( wu_runcloud_unavailable_reason() === '' ) {
	add_action(
		'wu_register_integrations',
		static function ( $registry ): void {
			if ( ! class_exists( 'WP_Ultimo\Integrations\Integration' ) ) {
				return;
			}
			wu_runcloud_declare_um_classes();
			$registry->register( new WU_RunCloud_UM_Integration() );
		},
		20
	);

	add_action(
		'wu_register_capabilities',
		static function ( $registry ): void {
			if ( ! class_exists( 'WU_RunCloud_UM_Domain_Mapping', false ) ) {
				return;
			}
			$registry->add_capability( 'runcloud', new WU_RunCloud_UM_Domain_Mapping() );
		},
		20
	);

	// WordPress core's site events when they are the source; the wu_* actions are added below
	// in every case, and each event asks wu_runcloud_event_source() whether to act.
	add_action(
		'plugins_loaded',
		static function (): void {
			if ( wu_runcloud_event_source() === 'core' ) {
				wu_runcloud_add_core_actions();
			}
		},
		20
	);

	add_filter( 'debug_information', 'wu_runcloud_debug_information' );
	add_filter( 'site_status_tests', 'wu_runcloud_site_status_tests' );
	wu_runcloud_add_actions();
}
