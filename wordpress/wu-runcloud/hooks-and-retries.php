<?php
/**
 * How the four wu_* actions reach the extension, and what happens when one fails for a
 * reason that may pass: a retry with backoff, unless a later event for the name superseded it.
 */

defined( 'ABSPATH' ) || exit;

/**
 * Runs one domain event through the extension. A failure that may pass is scheduled again
 * (Action Scheduler, else WP-Cron) with backoff; one that will not is logged and remembered
 * for Site Health. Every try is idempotent: an add that did arrive is found, not repeated.
 */
function wu_runcloud_handle( string $hook, $domain, $site_id = 0, int $attempt = 0, bool $retry = false ): bool {
	$method = WU_RUNCLOUD_HOOKS[ $hook ] ?? null;
	if ( $method === null ) {
		return false;
	}
	$name = strtolower( trim( is_scalar( $domain ) ? (string) $domain : '' ) );
	$add  = $method === 'on_add_domain' || $method === 'on_add_subdomain';
	// Every try runs what is still wanted, not what was wanted when it was queued: a mapping
	// renamed twice before the queue ran (A to B to C) has no record for B any more.
	$why = wu_runcloud_superseded( $hook, $name, $add, $retry );
	if ( $why !== '' ) {
		wu_runcloud_log( 'info', "$hook $name: " . ( $retry ? 'retry' : 'queued event' ) . " not run: $why" );
		wu_runcloud_forget_failures( $name );
		if ( $add ) {
			wu_runcloud_cert_state( $name, null );
		}
		return true;
	}
	// Only an event's own first run, and only one that runs, is the name's latest event: a retry
	// (even one that an open circuit sent back untried) or a dropped event must never make an
	// older event look newer than the removal or add that came after it.
	if ( ! $retry ) {
		wu_runcloud_note_event( $name, $add );
	}
	$runcloud = wu_runcloud();
	if ( $runcloud === null ) {
		// The configuration was refused (a bad INI value, say): the event is kept and tried
		// again, so that fixing the configuration brings the app back in step.
		$error = array(
			'domain'    => $name,
			'retryable' => true,
			'message'   => 'the wu_runcloud configuration was refused; see the log',
		);
		return wu_runcloud_retry_or_give_up( $hook, $domain, $site_id, $attempt, $error );
	}
	if ( $runcloud->$method( $domain, $site_id ) ) {
		if ( $add ) {
			wu_runcloud_after_add( $name, $runcloud->last_add() );
		} elseif ( $name !== '' ) {
			wu_runcloud_cert_state( $name, null );
		}
		wu_runcloud_forget_failures( $name );
		return true;
	}
	$error = $runcloud->last_error() ?? array(
		'domain'    => $name,
		'retryable' => false,
		'message'   => 'failed',
	);
	// Remembered under the name the event carried, as every later success forgets it (the
	// extension's own spelling of an IDN name is its punycode).
	$error['domain'] = $name !== '' ? $name : $error['domain'];
	return wu_runcloud_retry_or_give_up( $hook, $domain, $site_id, $attempt, $error );
}

/**
 * Schedules a retry for a failure that may pass, or gives up on one that will not, logging either.
 * Retries come 1, 2, 4, 8 and 16 minutes later (WU_RUNCLOUD_RETRY_BASE), then hourly for as long
 * as the failure may pass and the name is still wanted (every retry asks), so an outage of any
 * length loses nothing. A refusal by the worker's open circuit sent nothing and costs no try.
 */
function wu_runcloud_retry_or_give_up( string $hook, $domain, $site_id, int $attempt, array $error ): bool {
	$name = $error['domain'];
	delete_site_transient( 'wu_runcloud_connection' );
	if ( $error['retryable'] ) {
		$next  = ! empty( $error['not_tried'] ) ? $attempt : $attempt + 1;
		$delay = $attempt < WU_RUNCLOUD_RETRIES ? WU_RUNCLOUD_RETRY_BASE * ( 2 ** $attempt ) : max( WU_RUNCLOUD_RETRY_BASE, 3600 );
		$args  = array( $hook, is_scalar( $domain ) ? (string) $domain : '', is_scalar( $site_id ) ? $site_id : 0, $next );
		$via   = wu_runcloud_schedule( WU_RUNCLOUD_RETRY_HOOK, $delay, $args );
		$which = $next > WU_RUNCLOUD_RETRIES ? sprintf( 'try %d; still failing, so tried again hourly while the name is wanted', $next + 1 ) : sprintf( 'try %d of %d, then hourly', $next + 1, WU_RUNCLOUD_RETRIES + 1 );
		wu_runcloud_log( 'warning', sprintf( '%s %s: will try again in %d s through %s (%s)', $hook, $name, $delay, $via, $which ) );
		wu_runcloud_remember_failure( $hook, $name, $error['message'] . " (retry scheduled in {$delay} s)", false );
	} else {
		$why = 'not retried: this will not pass by itself';
		wu_runcloud_log( 'error', sprintf( '%s %s: %s', $hook, $name, $why ) );
		wu_runcloud_remember_failure( $hook, $name, $error['message'] . " ($why)", true );
	}
	return false;
}

/** The last event seen for each name (add or remove, and when): a later one supersedes retries of earlier ones. */
function wu_runcloud_note_event( string $name, bool $add ): void {
	if ( $name === '' ) {
		return;
	}
	wu_runcloud_change_option(
		'wu_runcloud_last_events',
		static function ( $events ) use ( $name, $add ): array {
			$events = is_array( $events ) ? $events : array();
			unset( $events[ $name ] );
			$events[ $name ] = array(
				'add'  => $add,
				'time' => microtime( true ),
			);
			return array_slice( $events, -2000, null, true );
		}
	);
}

/**
 * Why a retry of `$hook` for `$name` must not run any more ('' when it still must): a later
 * event for the name went the other way, or the source of truth no longer wants it (under
 * Ultimate Multisite its domain record; else the site that has the name).
 */
function wu_runcloud_superseded( string $hook, string $name, bool $add, bool $retry = true ): string {
	$events = get_site_option( 'wu_runcloud_last_events', array() );
	$last   = is_array( $events ) ? ( $events[ $name ] ?? null ) : null;
	if ( $retry && $last !== null && $last['add'] !== $add ) {
		return sprintf( 'a later %s of %s superseded it', $last['add'] ? 'add' : 'removal', $name );
	}
	$mapped = wu_runcloud_still_mapped( $name );
	if ( $mapped === null ) {
		return '';
	}
	if ( $add && ! $mapped ) {
		return "$name is no longer mapped in the network";
	}
	if ( ! $add && $mapped ) {
		return "$name is mapped in the network again";
	}
	return '';
}

/**
 * Whether the network still serves `$name`: true, false, or null when it cannot tell. Under
 * Ultimate Multisite a domain record with that name decides, whatever its stage: a new mapping is
 * inactive while UM checks its DNS and SSL (`checking-dns`, `checking-ssl-cert`), which is exactly
 * when its add runs and is retried, and an admin switching `active` off by hand fires no removal.
 * Else a site with that name says yes; without UM, nothing says no.
 */
function wu_runcloud_still_mapped( string $name ): ?bool {
	if ( $name === '' ) {
		return null;
	}
	$site = function_exists( 'get_sites' ) && (int) get_sites(
		array(
			'domain' => $name,
			'count'  => true,
		)
	) > 0;
	if ( function_exists( 'wu_get_domain_by_domain' ) ) {
		$d    = wu_get_domain_by_domain( $name );
		$same = is_object( $d ) && ( ! method_exists( $d, 'get_domain' ) || strtolower( (string) $d->get_domain() ) === $name );
		return $same || $site;
	}
	return $site ? true : null;
}

add_action(
	WU_RUNCLOUD_RETRY_HOOK,
	static function ( $hook = '', $domain = '', $site_id = 0, $attempt = 1 ): void {
		wu_runcloud_handle( (string) $hook, $domain, $site_id, (int) $attempt, true );
	},
	10,
	4
);



/**
 * Which events the glue follows: the one answer every caller uses.
 * - 'core': WordPress core's site events (WU_RUNCLOUD_CORE_EVENTS, and no Ultimate Multisite);
 * - 'registry': Ultimate Multisite 2.5+'s wu_* actions, while our integration in its registry is
 *   enabled and set up (UM's wizard and toggle decide);
 * - 'actions': an older Ultimate Multisite's wu_* actions, always.
 */
function wu_runcloud_event_source(): string {
	if ( wu_runcloud_core_events_on() ) {
		return 'core';
	}
	return class_exists( 'WP_Ultimo\Integrations\Integration_Registry' ) ? 'registry' : 'actions';
}

/** Whether the wu_* actions are ours to follow now (see wu_runcloud_event_source()). */
function wu_runcloud_should_follow_um_actions(): bool {
	switch ( wu_runcloud_event_source() ) {
		case 'actions':
			return true;
		case 'registry':
			$um = wu_runcloud_um_integration();
			return $um !== null && $um->is_enabled() && $um->is_setup();
		default:
			return false;
	}
}

/**
 * Adds the four actions, once however often it is called. Called when this file loads, so that
 * Ultimate Multisite's `has_action('wu_add_domain')` guard before it queues an event always sees
 * them; whether to act is decided when an event runs.
 */
function wu_runcloud_add_actions(): void {
	static $added = false;
	if ( $added ) {
		return;
	}
	$added = true;
	foreach ( array_keys( WU_RUNCLOUD_HOOKS ) as $hook ) {
		add_action(
			$hook,
			static function ( $domain = '', $site_id = 0 ) use ( $hook ): void {
				if ( wu_runcloud_should_follow_um_actions() ) {
					wu_runcloud_handle( $hook, $domain, $site_id );
				}
			},
			10,
			2
		);
	}
}
