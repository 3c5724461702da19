<?php
/**
 * Log lines and the failures Site Health shows.
 */

defined( 'ABSPATH' ) || exit;

/**
 * One log line where the extension's own lines go (Ultimate Multisite's log, else
 * wu_runcloud.log_file, else error_log() for problems), so every line is in one place.
 */
function wu_runcloud_log( string $level, string $message ): void {
	if ( extension_loaded( 'wu_runcloud' ) && method_exists( 'WU_RunCloud_Integration', 'log' ) ) {
		WU_RunCloud_Integration::log( $level, $message );
		return;
	}
	if ( function_exists( 'wu_log_add' ) ) {
		wu_log_add( 'integration-runcloud', $message, $level );
		return;
	}
	if ( $level !== 'info' ) {
		error_log( "wu_runcloud: [$level] $message" );
	}
}

/**
 * Changes a network option that several workers change at once (certificate states, failures,
 * the last events): under a database lock named after it, on a fresh read (not the object
 * cache's copy), so that one worker's change never overwrites another's. Without a database
 * that has GET_LOCK (MariaDB and MySQL have it), or when the lock is not had within 5 s, the
 * change is made unlocked rather than lost. `$change` gets the value and returns the new one.
 */
function wu_runcloud_change_option( string $option, callable $change ) {
	global $wpdb;
	$lock   = 'wu_runcloud_' . substr( md5( $option . ( is_object( $wpdb ) ? $wpdb->base_prefix : '' ) ), 0, 16 );
	$locked = is_object( $wpdb ) && method_exists( $wpdb, 'get_var' ) && (int) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, 5)', $lock ) ) === 1;
	try {
		if ( function_exists( 'wp_cache_delete' ) && function_exists( 'get_current_network_id' ) ) {
			wp_cache_delete( get_current_network_id() . ':' . $option, 'site-options' );
		}
		$value = $change( get_site_option( $option, array() ) );
		update_site_option( $option, $value );
		return $value;
	} finally {
		if ( $locked ) {
			$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $lock ) );
		}
	}
}

/**
 * Remembers a failure for Site Health, newest first, one entry per name (or 'certificate'): a
 * name that was wanted and is not in step stays listed until it is (wu_runcloud_forget_failures()),
 * however many other failures come after it. Bounded at 2,000 names.
 */
function wu_runcloud_remember_failure( string $hook, string $domain, string $message, bool $final ): void {
	wu_runcloud_change_option(
		WU_RUNCLOUD_FAILURES_OPTION,
		static function ( $list ) use ( $hook, $domain, $message, $final ): array {
			$list = is_array( $list ) ? $list : array();
			$list = array_values( array_filter( $list, static fn( $f ) => ( $f['domain'] ?? '' ) !== $domain ) );
			array_unshift(
				$list,
				array(
					'time'    => time(),
					'hook'    => $hook,
					'domain'  => $domain,
					'message' => $message,
					'final'   => $final,
				)
			);
			return array_slice( $list, 0, 2000 );
		}
	);
	wu_runcloud_change_option( 'wu_runcloud_failure_count', static fn( $n ) => (int) $n + 1 );
}

/** A name that is in step again: its failures are history, no longer shown as current. */
function wu_runcloud_forget_failures( string $name ): void {
	$list = get_site_option( WU_RUNCLOUD_FAILURES_OPTION, array() );
	if ( ! is_array( $list ) || ! array_filter( $list, static fn( $f ) => ( $f['domain'] ?? '' ) === $name ) ) {
		return;
	}
	wu_runcloud_change_option(
		WU_RUNCLOUD_FAILURES_OPTION,
		static fn( $list ) => array_values(
			array_filter(
				is_array( $list ) ? $list : array(),
				static fn( $f ) => ( $f['domain'] ?? '' ) !== $name
			)
		)
	);
}
