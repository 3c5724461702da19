<?php
/**
 * Reconcile: every host name the network serves against the app, in chunks.
 */

defined( 'ABSPATH' ) || exit;

/**
 * Every host name the network serves: every domain record of Ultimate Multisite, when it is
 * there, whatever its stage (a new mapping is inactive while UM checks it, and still wanted; see
 * wu_runcloud_still_mapped()), and every site's own domain (the main site's is the app's primary
 * and is skipped by the extension).
 */
function wu_runcloud_network_names(): array {
	$names = array();
	if ( function_exists( 'wu_get_domains' ) ) {
		foreach ( (array) wu_get_domains( array( 'number' => 100000 ) ) as $d ) {
			if ( is_object( $d ) && method_exists( $d, 'get_domain' ) ) {
				$names[] = (string) $d->get_domain();
			}
		}
	}
	foreach ( get_sites(
		array(
			'number'   => 100000,
			'deleted'  => 0,
			'archived' => 0,
			'spam'     => 0,
		)
	) as $site ) {
		$names[] = (string) $site->domain;
	}
	return array_values( array_unique( array_map( 'strtolower', $names ) ) );
}

/**
 * One sync call: a plan (dry run) or, with $apply, at most $limit changes. Its result is kept for
 * Site Health > Info. Null when the extension cannot run; the message is logged.
 */
function wu_runcloud_sync( bool $apply, int $limit = WU_RUNCLOUD_SYNC_CHUNK, array $remove = array() ): ?array {
	$runcloud = wu_runcloud();
	if ( $runcloud === null ) {
		update_site_option(
			WU_RUNCLOUD_SYNC_OPTION,
			array(
				'time'  => time(),
				'error' => 'the wu_runcloud configuration was refused; see the log',
			)
		);
		return null;
	}
	try {
		$result = $runcloud->sync_domains(
			wu_runcloud_network_names(),
			array(
				'apply'  => $apply,
				'limit'  => $limit,
				'remove' => $remove,
			)
		);
	} catch ( Throwable $e ) {
		wu_runcloud_log( 'error', 'sync: ' . $e->getMessage() );
		update_site_option(
			WU_RUNCLOUD_SYNC_OPTION,
			array(
				'time'  => time(),
				'error' => $e->getMessage(),
			)
		);
		return null;
	}
	$summary = sprintf(
		'sync%s: %d in step, %d to add, %d added, %d waiting for DNS, %d failed, %d remaining, %d on the app the network does not list, %d on the app that do not point here%s',
		$apply ? '' : ' (dry run)',
		$result['in_step'],
		count( $result['to_add'] ),
		count( $result['added'] ),
		count( $result['waiting'] ),
		count( $result['failed'] ),
		$result['remaining'],
		count( $result['unknown'] ),
		count( $result['not_pointing'] ),
		! empty( $result['not_checked'] ) ? sprintf( ' (%d not checked in this call\'s time)', $result['not_checked'] ) : ''
	);
	wu_runcloud_log( $result['failed'] || $result['not_pointing'] ? 'warning' : 'info', $summary );
	wu_runcloud_note_not_pointing( $result['not_pointing'] );
	foreach ( $result['waiting'] as $w ) {
		wu_runcloud_after_add(
			strtolower( $w['name'] ),
			array(
				'ssl'     => 'waiting_dns',
				'message' => $w['message'],
			)
		);
	}
	// Names the sync put on the app wait no more: their state follows what their add did.
	foreach ( $result['added'] as $a ) {
		if ( is_array( $a ) && isset( $a['name'], $a['ssl'] ) ) {
			wu_runcloud_after_add(
				strtolower( (string) $a['name'] ),
				array(
					'ssl'     => $a['ssl'],
					'message' => (string) ( $a['ssl_message'] ?? '' ),
				)
			);
			wu_runcloud_forget_failures( strtolower( (string) $a['name'] ) );
		}
	}
	update_site_option(
		WU_RUNCLOUD_SYNC_OPTION,
		array(
			'time'    => time(),
			'summary' => $summary,
			'result'  => $result,
		)
	);
	return $result;
}

/** Why the last sync call could not run, in RunCloud's words when it answered. */
function wu_runcloud_sync_error(): string {
	$last = get_site_option( WU_RUNCLOUD_SYNC_OPTION, array() );
	return 'the sync could not read the app: ' . ( is_array( $last ) && isset( $last['error'] ) ? $last['error'] : 'the wu_runcloud configuration was refused; see the log' );
}

/** Starts a full sync in the background, chunk by chunk: Action Scheduler when it is there, else WP-Cron. */
function wu_runcloud_schedule_sync( int $delay = 0 ): void {
	wu_runcloud_schedule( WU_RUNCLOUD_SYNC_HOOK, $delay, array() );
}

// One chunk; the next one is scheduled while the plan still holds changes and this one made
// progress (added, removed, or put names on the waiting list, which looks at them on its own
// schedule), so a sync survives a worker's end and resumes where the app stands. A chunk that
// made none met a real error: it is logged, and the chain ends there.
add_action(
	WU_RUNCLOUD_SYNC_HOOK,
	static function (): void {
		$result = wu_runcloud_sync( true );
		if ( $result !== null && $result['remaining'] > 0 && ( $result['added'] || $result['removed'] || $result['waiting'] ) ) {
			wu_runcloud_schedule_sync( WU_RUNCLOUD_SYNC_PAUSE );
		}
	}
);
