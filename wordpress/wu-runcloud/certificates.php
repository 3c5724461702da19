<?php
/**
 * Certificates: which name is where, re-checks of names that wait for DNS, the one queued
 * redeploy, and the HTTP probe's endpoint.
 */

defined( 'ABSPATH' ) || exit;

/** Every name's certificate state: name => [state, since, message, checks]. */
function wu_runcloud_cert_states(): array {
	$states = get_site_option( WU_RUNCLOUD_CERT_OPTION, array() );
	return is_array( $states ) ? $states : array();
}

/**
 * Sets (or, with null, forgets) a name's state: 'on_certificate', 'queued', 'waiting_dns',
 * 'refused', 'left_to_runcloud' or 'gave_up'. A name that stays in a state keeps its `since`.
 */
function wu_runcloud_cert_state( string $name, ?string $state, string $message = '' ): array {
	$entry = array();
	wu_runcloud_change_option(
		WU_RUNCLOUD_CERT_OPTION,
		static function ( $states ) use ( $name, $state, $message, &$entry ): array {
			$states = is_array( $states ) ? $states : array();
			if ( $state === null ) {
				unset( $states[ $name ] );
				return $states;
			}
			$old             = $states[ $name ] ?? null;
			$same            = $old !== null && $old['state'] === $state;
			$entry           = array(
				'state'   => $state,
				'since'   => $same ? (int) $old['since'] : time(),
				'message' => $message,
				'checks'  => $same ? (int) ( $old['checks'] ?? 0 ) + 1 : 1,
			);
			$states[ $name ] = $entry;
			// Bounded: settled names go first (on the certificate, left to RunCloud), the oldest of
			// them first; a name that still waits or failed is kept as long as there is room.
			if ( count( $states ) > 5000 ) {
				uasort(
					$states,
					static function ( $a, $b ) {
						$settled = static fn( $e ) => in_array( $e['state'], array( 'on_certificate', 'left_to_runcloud' ), true ) ? 0 : 1;
						return array( $settled( $a ), $a['since'] ) <=> array( $settled( $b ), $b['since'] );
					}
				);
				$states = array_slice( $states, -5000, null, true );
			}
			return $states;
		}
	);
	return $entry;
}

/** What an add (hook or re-check) did to a name's certificate: its state, a re-check, the queued redeploy. */
function wu_runcloud_after_add( string $name, ?array $add ): void {
	if ( $name === '' || $add === null ) {
		return;
	}
	$map   = array(
		'redeployed'       => 'on_certificate',
		'issued'           => 'on_certificate',
		'queued'           => 'queued',
		'waiting_dns'      => 'waiting_dns',
		'failed'           => 'refused',
		'left_to_runcloud' => 'left_to_runcloud',
		'certificate_full' => 'certificate_full',
		'deferred'         => 'deferred',
	);
	$state = $map[ $add['ssl'] ] ?? null;
	if ( $state === null ) {
		// unchanged, skipped, off, unknown: nothing new about this name's certificate.
		return;
	}
	$entry = wu_runcloud_cert_state( $name, $state, $add['message'] );
	if ( $state === 'queued' && ( WU_RUNCLOUD_SSL_WINDOW > 0 || ( $add['mode'] ?? '' ) === 'advanced' ) ) {
		// Owed: a basic redeploy gathered over the window, or an advanced order that failed and
		// stays owed on disk (paid by the same job once RunCloud answers). Without a window the
		// request's end pays a basic redeploy.
		wu_runcloud_schedule_redeploy( WU_RUNCLOUD_SSL_WINDOW > 0 ? WU_RUNCLOUD_SSL_WINDOW : 60, 0 );
	} elseif ( $state === 'waiting_dns' ) {
		wu_runcloud_schedule_recheck( $name, $entry );
	} elseif ( $state === 'deferred' ) {
		// Put off by Let's Encrypt's weekly limits: owed, and paid by the queued redeploy at its time.
		$at = (int) ( $add['next_order'] ?? 0 );
		wu_runcloud_schedule_redeploy( max( 60, $at - time() ), 0 );
	}
}

/**
 * Schedules a job: through Action Scheduler when it can take it, else WP-Cron. Action Scheduler
 * takes nothing before it is initialised (an event fired early in a request): it answers 0, and
 * the job goes to WP-Cron instead of being lost.
 */
function wu_runcloud_schedule( string $hook, int $delay, array $args ): string {
	if ( function_exists( 'as_schedule_single_action' ) && as_schedule_single_action( time() + $delay, $hook, $args, 'wu-runcloud' ) ) {
		return 'Action Scheduler';
	}
	wp_schedule_single_event( time() + $delay, $hook, $args );
	return 'WP-Cron';
}

/**
 * Whether a run of `$hook` (with `$args` when given) is still to come, in either queue. Only
 * pending actions count: Action Scheduler marks an action as running before it calls it, and
 * as_next_scheduled_action() answers true for that running action itself, so a job that asked it
 * to decide whether to schedule its own next run would never schedule one. WP-Cron unschedules
 * an event before running it.
 */
function wu_runcloud_is_scheduled( string $hook, ?array $args = null ): bool {
	if ( function_exists( 'as_get_scheduled_actions' ) && class_exists( 'ActionScheduler_Store' ) ) {
		$query = array(
			'hook'     => $hook,
			'group'    => 'wu-runcloud',
			'status'   => ActionScheduler_Store::STATUS_PENDING,
			'per_page' => 1,
		);
		if ( $args !== null ) {
			$query['args'] = $args;
		}
		if ( as_get_scheduled_actions( $query, 'ids' ) ) {
			return true;
		}
	}
	if ( ! function_exists( 'wp_next_scheduled' ) ) {
		return false;
	}
	if ( $args === null ) {
		foreach ( (array) _get_cron_array() as $events ) {
			if ( isset( $events[ $hook ] ) ) {
				return true;
			}
		}
		return false;
	}
	return (bool) wp_next_scheduled( $hook, $args );
}

/** The next re-check of a waiting name, further apart each time; given up after WU_RUNCLOUD_DNS_GIVE_UP. */
function wu_runcloud_schedule_recheck( string $name, array $entry ): void {
	if ( time() - (int) $entry['since'] >= WU_RUNCLOUD_DNS_GIVE_UP ) {
		$days    = round( WU_RUNCLOUD_DNS_GIVE_UP / 86400, 1 );
		$message = "gave up waiting for DNS after $days days: " . $entry['message'] . ' The name is still mapped but not on the certificate: point it at this server, then map it again or run `wp runcloud ssl`.';
		wu_runcloud_cert_state( $name, 'gave_up', $message );
		wu_runcloud_log( 'error', "wu_add_domain $name: $message" );
		return;
	}
	if ( wu_runcloud_is_scheduled( WU_RUNCLOUD_RECHECK_HOOK, array( $name ) ) ) {
		return;
	}
	$waited = time() - (int) $entry['since'];
	$delays = WU_RUNCLOUD_RECHECKS;
	if ( $waited >= 30 * 86400 ) {
		$delay = 7 * 86400;
	} elseif ( $waited >= 3 * 86400 ) {
		$delay = 86400;
	} else {
		$delay = $delays[ min( max( 0, (int) $entry['checks'] - 1 ), count( $delays ) - 1 ) ];
	}
	$via = wu_runcloud_schedule( WU_RUNCLOUD_RECHECK_HOOK, $delay, array( $name ) );
	wu_runcloud_log( 'info', "wu_add_domain $name: waiting for DNS; checked again in $delay s through $via" );
}

/** Re-checks a waiting name now (a scheduled re-check, or UM's DNS propagation action). */
function wu_runcloud_recheck( string $name ): void {
	$name     = strtolower( trim( $name ) );
	$runcloud = wu_runcloud();
	if ( $name === '' || $runcloud === null ) {
		return;
	}
	$states = wu_runcloud_cert_states();
	$mapped = wu_runcloud_still_mapped( $name );
	// A name already on its certificate owes no re-check; nor one without a state (removed),
	// unless the network says it is still mapped (its state was lost, not settled).
	if ( isset( $states[ $name ] ) ? ! in_array( $states[ $name ]['state'], array( 'waiting_dns', 'gave_up' ), true ) : $mapped !== true ) {
		return;
	}
	// Nor one the network no longer maps: a re-check never puts back what was unmapped.
	if ( $mapped === false ) {
		wu_runcloud_log( 'info', "re-check $name: not run: $name is no longer mapped in the network" );
		wu_runcloud_cert_state( $name, null );
		return;
	}
	$states[ $name ] ??= array(
		'state'   => 'waiting_dns',
		'message' => 'its state was lost; checked again',
	);
	try {
		$r = $runcloud->check_domain( $name );
		wu_runcloud_after_add(
			$name,
			array(
				'ssl'        => $r['ssl'],
				'message'    => $r['ssl_message'],
				'next_order' => $r['ssl_next_order'] ?? 0,
			)
		);
		wu_runcloud_log( 'info', "re-check $name: {$r['ssl']}: {$r['ssl_message']}" );
	} catch ( Throwable $e ) {
		wu_runcloud_log( 'warning', "re-check $name failed: " . $e->getMessage() );
		wu_runcloud_schedule_recheck( $name, wu_runcloud_cert_state( $name, 'waiting_dns', $states[ $name ]['message'] ) );
	}
}

add_action(
	WU_RUNCLOUD_RECHECK_HOOK,
	static function ( $name = '' ): void {
		wu_runcloud_recheck( is_scalar( $name ) ? (string) $name : '' );
	},
	10,
	1
);

// A mapping renamed in Ultimate Multisite (BerlinDB's transition of the `domain` column): UM
// queues wu_add_domain for the new name only; the old one leaves RunCloud through the queue,
// unless it was a creation ('new') or another mapping still has it.
add_action(
	'wu_transition_domain_domain',
	static function ( $old = '', $new = '', $id = 0 ): void {
		$old = strtolower( trim( is_scalar( $old ) ? (string) $old : '' ) );
		$new = strtolower( trim( is_scalar( $new ) ? (string) $new : '' ) );
		if ( $old === '' || $old === 'new' || $old === $new || ! wu_runcloud_should_follow_um_actions() ) {
			return;
		}
		if ( function_exists( 'wu_get_domain_by_domain' ) && is_object( wu_get_domain_by_domain( $old ) ) ) {
			wu_runcloud_log( 'info', "wu_transition_domain_domain $old -> $new: $old is still mapped elsewhere; left on RunCloud" );
			return;
		}
		// Queued, not done in this request: an add of the old name that a queue runner has in flight
		// would otherwise land after this removal and bring the name back. The queue runs it behind
		// any add of the name still waiting there, and it is the name's last event from now on, so a
		// retry of such an add is superseded.
		wu_runcloud_note_event( $old, false );
		$via = wu_runcloud_schedule( WU_RUNCLOUD_RETRY_HOOK, 0, array( 'wu_remove_domain', $old, 0, 0 ) );
		wu_runcloud_log( 'info', "wu_transition_domain_domain $old -> $new: the removal of $old is queued through $via" );
	},
	10,
	3
);

// Ultimate Multisite's own DNS check succeeded: re-check at once, whatever the schedule says.
add_action(
	'wu_domain_manager_dns_propagation_finished',
	static function ( $domain = null ): void {
		$name = is_object( $domain ) && method_exists( $domain, 'get_domain' ) ? (string) $domain->get_domain() : ( is_scalar( $domain ) ? (string) $domain : '' );
		wu_runcloud_recheck( $name );
	},
	10,
	1
);

/** The one queued redeploy per network: scheduled once, whatever the number of adds, until it runs. */
function wu_runcloud_schedule_redeploy( int $delay, int $attempt ): void {
	if ( wu_runcloud_is_scheduled( WU_RUNCLOUD_REDEPLOY_HOOK ) ) {
		return;
	}
	$via = wu_runcloud_schedule( WU_RUNCLOUD_REDEPLOY_HOOK, $delay, array( $attempt ) );
	wu_runcloud_log( 'info', "certificate redeploy queued in $delay s through $via" . ( $attempt > 0 ? ' (try ' . ( $attempt + 1 ) . ')' : '' ) );
}

/**
 * Runs the queued redeploy: pays what the apps owe, on the apps that owe it (an app whose
 * certificate is already up to date gets no second order). What failed stays owed and is tried
 * again, further apart (at most hourly).
 */
function wu_runcloud_run_redeploy( int $attempt = 0 ): ?array {
	$runcloud = wu_runcloud();
	if ( $runcloud === null ) {
		wu_runcloud_schedule_redeploy( wu_runcloud_redeploy_delay( $attempt ), $attempt + 1 );
		return null;
	}
	try {
		$reports = $runcloud->pay_owed_ssl();
	} catch ( Throwable $e ) {
		$reports = array(
			array(
				'status'  => 'failed',
				'names'   => array(),
				'message' => $e->getMessage(),
			),
		);
	}
	// Put off by Let's Encrypt's weekly limits: not a failure; the job comes back at its time.
	$deferred = array_filter( array_column( $reports, 'next_order' ) );
	if ( $deferred ) {
		$at = min( $deferred );
		wu_runcloud_log( 'info', 'certificate redeploy put off by Let\'s Encrypt\'s weekly limits until ' . gmdate( 'Y-m-d H:i', $at ) . ' UTC (still owed)' );
		wu_runcloud_schedule_redeploy( max( 60, $at - time() ), 0 );
	}
	$failed = array_values( array_filter( $reports, static fn( $r ) => $r['status'] === 'failed' ) );
	if ( $failed ) {
		$delay   = wu_runcloud_redeploy_delay( $attempt );
		$message = $failed[0]['message'];
		wu_runcloud_log( 'error', "certificate redeploy failed: $message (still owed; tried again in $delay s)" );
		wu_runcloud_remember_failure( 'ssl', 'certificate', "$message (still owed)", false );
		wu_runcloud_schedule_redeploy( $delay, $attempt + 1 );
		return array(
			'ok'      => false,
			'message' => $message,
		);
	}
	if ( $deferred ) {
		return array(
			'ok'      => true,
			'message' => 'put off until ' . gmdate( 'Y-m-d H:i', min( $deferred ) ) . ' UTC',
		);
	}
	// Every app paid what it could (each logged its own line). What is left (an advanced app's
	// names beyond one call's orders) brings the job back: nothing owed is left to an event.
	wu_runcloud_queued_names_certified();
	$left = 0;
	foreach ( $runcloud->owed_ssl() as $app ) {
		$left += count( $app['names'] );
	}
	if ( $left > 0 ) {
		wu_runcloud_schedule_redeploy( 15 * 60, 0 );
	}
	$message = $reports ? implode( '; ', array_column( $reports, 'message' ) ) : 'nothing was owed';
	return array(
		'ok'      => true,
		'message' => $message,
	);
}

/**
 * What was owed is paid: every queued name the extension no longer owes is on its certificate,
 * and an earlier failed redeploy is healed. A name still owed (an advanced app's order left for
 * a later call) stays queued.
 */
function wu_runcloud_queued_names_certified(): void {
	$runcloud   = wu_runcloud();
	$still_owed = array();
	foreach ( $runcloud !== null ? $runcloud->owed_ssl() : array() as $app ) {
		$still_owed = array_merge( $still_owed, $app['names'] );
	}
	foreach ( wu_runcloud_cert_states() as $name => $entry ) {
		if ( $entry['state'] === 'queued' && ! in_array( (string) $name, $still_owed, true ) ) {
			wu_runcloud_cert_state( (string) $name, 'on_certificate', 'on the certificate since the last redeploy' );
		}
	}
	wu_runcloud_forget_failures( 'certificate' );
}

/** Seconds before the queued redeploy's next try: doubling, at most an hour. */
function wu_runcloud_redeploy_delay( int $attempt ): int {
	return (int) min( 3600, WU_RUNCLOUD_RETRY_BASE * ( 2 ** min( $attempt, 6 ) ) );
}

add_action(
	WU_RUNCLOUD_REDEPLOY_HOOK,
	static function ( $attempt = 0 ): void {
		wu_runcloud_run_redeploy( (int) $attempt );
	},
	10,
	1
);

// The HTTP probe (the extension's pointing check for names behind a proxy): answers only a
// fresh token's HMAC, for any host name alike, and nothing else.
if ( isset( $_SERVER['REQUEST_URI'] ) && strpos( (string) $_SERVER['REQUEST_URI'], '/.well-known/wu-runcloud-probe/' ) === 0 ) {
	$wu_runcloud_token  = substr( strtok( (string) $_SERVER['REQUEST_URI'], '?' ), strlen( '/.well-known/wu-runcloud-probe/' ) );
	$wu_runcloud_answer = extension_loaded( 'wu_runcloud' ) ? ( new WU_RunCloud_Integration() )->probe_answer( $wu_runcloud_token ) : null;
	header_remove( 'X-Powered-By' );
	header( 'Cache-Control: no-store' );
	header( 'Content-Type: text/plain' );
	http_response_code( $wu_runcloud_answer === null ? 404 : 200 );
	echo $wu_runcloud_answer ?? '';
	exit;
}

/**
 * The network's store the extension keeps Let's Encrypt's ledger and each app's certificate
 * names in (src/php/network_store.rs): every web server of the network shares this database, so
 * the weekly limits are counted once for all of them, not once per server. A value is the
 * network option `wu_runcloud_state_<name>`, read and written with plain SQL (an object cache
 * local to one server must not hide another server's order), under a database lock held from
 * wu_runcloud_state_lock() to wu_runcloud_state_unlock(). Returns the value ('' when never
 * written), false when the lock was not had within 5 s, or null when there is no network
 * table (not a multisite database): then the extension keeps its state directory.
 */
function wu_runcloud_state_lock( string $name ) {
	global $wpdb;
	if ( ! is_object( $wpdb ) || ! method_exists( $wpdb, 'get_var' ) || empty( $wpdb->sitemeta ) ) {
		return null;
	}
	if ( ! preg_match( '/^[a-z0-9-]{1,100}$/', $name ) ) {
		return false;
	}
	if ( (int) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, 5)', wu_runcloud_state_lock_name( $name ) ) ) !== 1 ) {
		return false;
	}
	$value = $wpdb->get_var(
		$wpdb->prepare(
			"SELECT meta_value FROM {$wpdb->sitemeta} WHERE site_id = %d AND meta_key = %s ORDER BY meta_id LIMIT 1",
			get_current_network_id(),
			'wu_runcloud_state_' . $name
		)
	);
	if ( $wpdb->last_error !== '' ) {
		wu_runcloud_state_unlock( $name, null );
		return false;
	}
	return is_string( $value ) ? $value : '';
}

/** Writes the value (unless null) and lets the lock go; false when the write failed. */
function wu_runcloud_state_unlock( string $name, ?string $value ): bool {
	global $wpdb;
	if ( ! preg_match( '/^[a-z0-9-]{1,100}$/', $name ) || ! is_object( $wpdb ) ) {
		return false;
	}
	$ok = true;
	if ( $value !== null ) {
		$network = get_current_network_id();
		$key     = 'wu_runcloud_state_' . $name;
		$where   = array(
			'site_id'  => $network,
			'meta_key' => $key,
		);
		$exists  = $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->sitemeta} WHERE site_id = %d AND meta_key = %s", $network, $key ) );
		$ok      = (int) $exists > 0
			? $wpdb->update( $wpdb->sitemeta, array( 'meta_value' => $value ), $where ) !== false
			: $wpdb->insert( $wpdb->sitemeta, $where + array( 'meta_value' => $value ) ) !== false;
		wp_cache_delete( $network . ':' . $key, 'site-options' );
	}
	$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', wu_runcloud_state_lock_name( $name ) ) );
	return $ok;
}

function wu_runcloud_state_lock_name( string $name ): string {
	global $wpdb;
	return 'wu_runcloud_s' . substr( md5( $name . $wpdb->base_prefix ), 0, 16 );
}

/**
 * The hourly catch-up: finishes what earlier calls left (a removal cut off by a dead worker, names
 * waiting for DNS whose look is due), and brings the queued job back for anything still owed, so
 * that no name waits for an event to converge. One job for the network: scheduled on the main
 * site only, through WP-Cron's own hourly schedule (one autoloaded option read a request).
 */
function wu_runcloud_catch_up(): void {
	$runcloud = wu_runcloud();
	if ( $runcloud === null ) {
		return;
	}
	$done = $runcloud->catch_up();
	foreach ( $runcloud->owed_ssl() as $app ) {
		if ( $app['names'] ) {
			wu_runcloud_schedule_redeploy( 0, 0 );
			break;
		}
	}
	if ( $done > 0 ) {
		wu_runcloud_log( 'info', "hourly catch-up: $done removal(s) and look(s) an earlier call left were finished" );
	}
}

add_action( WU_RUNCLOUD_CATCH_UP_HOOK, 'wu_runcloud_catch_up', 10, 0 );

add_action(
	'init',
	static function (): void {
		if ( ! extension_loaded( 'wu_runcloud' ) || ! function_exists( 'wp_next_scheduled' ) || ! function_exists( 'wp_schedule_event' ) ) {
			return;
		}
		if ( ( ! function_exists( 'is_main_site' ) || is_main_site() ) && ! wp_next_scheduled( WU_RUNCLOUD_CATCH_UP_HOOK ) ) {
			wp_schedule_event( time() + 3600, 'hourly', WU_RUNCLOUD_CATCH_UP_HOOK );
		}
	},
	20,
	0
);
