<?php
/**
 * WordPress core's own site events (WU_RUNCLOUD_CORE_EVENTS), for networks without Ultimate
 * Multisite.
 */

defined( 'ABSPATH' ) || exit;

function wu_runcloud_core_events_on(): bool {
	return defined( 'WU_RUNCLOUD_CORE_EVENTS' ) && WU_RUNCLOUD_CORE_EVENTS
		&& ! function_exists( 'wu_get_domains' ) && ! class_exists( 'WP_Ultimo\Integrations\Integration_Registry' );
}

/** The wu_* action a core site event stands for: a site under the network's domain is a subdomain site. */
function wu_runcloud_core_hook( string $domain, bool $add ): string {
	$network = function_exists( 'get_network' ) && get_network() ? strtolower( (string) get_network()->domain ) : '';
	$sub     = $network !== '' && str_ends_with( strtolower( $domain ), '.' . $network );
	return ( $add ? 'wu_add_' : 'wu_remove_' ) . ( $sub ? 'subdomain' : 'domain' );
}

function wu_runcloud_add_core_actions(): void {
	add_action(
		'wp_initialize_site',
		static function ( $site ): void {
			if ( $site instanceof WP_Site && ! is_main_site( (int) $site->blog_id ) ) {
				wu_runcloud_handle( wu_runcloud_core_hook( $site->domain, true ), $site->domain, $site->blog_id );
			}
		},
		100
	);
	add_action(
		'wp_update_site',
		static function ( $new, $old ): void {
			if ( $new instanceof WP_Site && $old instanceof WP_Site && strtolower( $new->domain ) !== strtolower( $old->domain ) ) {
				wu_runcloud_handle( wu_runcloud_core_hook( $new->domain, true ), $new->domain, $new->blog_id );
				wu_runcloud_handle( wu_runcloud_core_hook( $old->domain, false ), $old->domain, $old->blog_id );
			}
		},
		100,
		2
	);
	add_action(
		'wp_delete_site',
		static function ( $site ): void {
			if ( $site instanceof WP_Site ) {
				wu_runcloud_handle( wu_runcloud_core_hook( $site->domain, false ), $site->domain, $site->blog_id );
			}
		},
		100
	);
}
