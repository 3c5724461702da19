<?php
/**
 * The extension: why it may be missing (say so, lose nothing silently), and the one
 * WU_RunCloud_Integration of the request, configured from Ultimate Multisite when it is there.
 */

defined( 'ABSPATH' ) || exit;

/** Why the extension is not usable here, or '' when it is. */
function wu_runcloud_unavailable_reason(): string {
	if ( PHP_VERSION_ID < 80100 ) {
		return sprintf( 'this site runs PHP %s, and the wu_runcloud extension needs PHP 8.1 or newer (7.4 and 8.0 cannot load it). Switch the web application to PHP 8.1+ in RunCloud, then install the extension for that version.', PHP_VERSION );
	}
	if ( ! extension_loaded( 'wu_runcloud' ) ) {
		return sprintf( 'the wu_runcloud extension is not loaded by the PHP that serves this site (PHP %s, %s). Run "make install PHP_CONFIG=..." for this PHP version and restart its PHP-FPM; "php --ri wu_runcloud" checks only the command line PHP, whose ini files are separate.', PHP_VERSION, PHP_SAPI );
	}
	return '';
}

if ( wu_runcloud_unavailable_reason() !== '' ) {
	$wu_runcloud_notice = static function (): void {
		if ( ! is_super_admin() ) {
			return;
		}
		printf(
			'<div class="notice notice-error"><p><strong>RunCloud Domain Sync:</strong> domains are not being added to RunCloud: %s</p></div>',
			esc_html( wu_runcloud_unavailable_reason() )
		);
	};
	add_action( 'network_admin_notices', $wu_runcloud_notice );
	add_action( 'admin_notices', $wu_runcloud_notice );
	foreach ( array_keys( WU_RUNCLOUD_HOOKS ) as $wu_runcloud_hook ) {
		add_action(
			$wu_runcloud_hook,
			static function ( $domain = '', $site_id = 0 ) use ( $wu_runcloud_hook ): void {
				$name    = is_scalar( $domain ) ? (string) $domain : gettype( $domain );
				$message = "lost: $wu_runcloud_hook $name (site " . ( is_scalar( $site_id ) ? $site_id : '?' ) . '): ' . wu_runcloud_unavailable_reason();
				wu_runcloud_log( 'error', $message );
				wu_runcloud_remember_failure( $wu_runcloud_hook, $name, $message, true );
			},
			10,
			2
		);
	}
	add_filter( 'debug_information', 'wu_runcloud_debug_information' );
	add_filter( 'site_status_tests', 'wu_runcloud_site_status_tests' );
}

// ---------------------------------------------------------------------------------------------
// The extension, configured from Ultimate Multisite when it is there.
// ---------------------------------------------------------------------------------------------

/** Our integration in UM 2.5's registry, when it is ours. */
function wu_runcloud_um_integration(): ?object {
	if ( ! class_exists( 'WP_Ultimo\Integrations\Integration_Registry' ) ) {
		return null;
	}
	$integration = \WP_Ultimo\Integrations\Integration_Registry::get_instance()->get( 'runcloud' );
	return $integration instanceof WU_RunCloud_UM_Integration ? $integration : null;
}

/**
 * Options for WU_RunCloud_Integration from Ultimate Multisite: the credentials saved in its
 * wizard (wp-config.php constants win, in the extension as in UM), its www setting when
 * php.ini leaves wu_runcloud.www at the default, and its multi-part TLDs.
 */
function wu_runcloud_options(): array {
	// Redeploys gathered across requests into one queued job (wu_runcloud_schedule_redeploy()).
	$options = WU_RUNCLOUD_SSL_WINDOW > 0 ? array( 'ssl_batch' => 'queue' ) : array();
	// One horizon for the glue's re-checks and the extension's own.
	$options['dns_wait_days'] = max( 1, min( 3650, (int) ceil( WU_RUNCLOUD_DNS_GIVE_UP / 86400 ) ) );
	$um                       = wu_runcloud_um_integration();
	if ( $um !== null ) {
		$credentials = array();
		foreach ( WU_RUNCLOUD_CREDENTIAL_CONSTANTS as $name ) {
			if ( defined( $name ) ) {
				continue;
			}
			$value = $um->get_credential( $name );
			if ( $value !== '' ) {
				$credentials[ $name ] = $value;
			}
		}
		if ( $credentials ) {
			$options['credentials'] = $credentials;
		}
	}
	if ( function_exists( 'wu_get_setting' ) && in_array( ini_get( 'wu_runcloud.www' ), array( 'main_only', false ), true ) ) {
		$www = wu_get_setting( 'auto_create_www_subdomain', 'always' );
		if ( in_array( $www, array( 'always', 'main_only', 'never' ), true ) ) {
			$options['www'] = $www;
		}
	}
	if ( function_exists( 'wu_get_setting' ) || has_filter( 'wu_multi_part_tlds' ) ) {
		$tlds  = apply_filters( 'wu_multi_part_tlds', array( '.co.uk', '.com.au', '.co.nz', '.com.br', '.co.in' ) );
		$extra = array();
		foreach ( (array) $tlds as $tld ) {
			$tld = trim( (string) $tld, ". \t" );
			if ( $tld !== '' && strpos( $tld, '.' ) !== false && preg_match( '/^[a-z0-9.-]+$/i', $tld ) ) {
				$extra[] = strtolower( $tld );
			}
		}
		if ( $extra ) {
			$options['public_suffixes'] = array_values( array_unique( $extra ) );
		}
	}
	/** Filters the options of every WU_RunCloud_Integration the glue makes (see the README's option table). */
	return (array) apply_filters( 'wu_runcloud_options', $options );
}

function wu_runcloud(): ?WU_RunCloud_Integration {
	if ( wu_runcloud_unavailable_reason() !== '' ) {
		return null;
	}
	try {
		return new WU_RunCloud_Integration( wu_runcloud_options() );
	} catch ( Throwable $e ) {
		wu_runcloud_log( 'error', 'configuration refused: ' . $e->getMessage() );
		return null;
	}
}
