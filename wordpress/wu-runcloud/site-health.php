<?php
/**
 * Tools > Site Health: a status test and an Info section. Never a credential, only yes/no.
 */

defined( 'ABSPATH' ) || exit;

function wu_runcloud_site_status_tests( array $tests ): array {
	$tests['direct']['wu_runcloud'] = array(
		'label' => 'RunCloud Domain Sync',
		'test'  => 'wu_runcloud_site_health_test',
	);
	return $tests;
}

function wu_runcloud_site_health_test(): array {
	$result   = array(
		'label'       => 'RunCloud Domain Sync is working',
		'status'      => 'good',
		'badge'       => array(
			'label' => 'RunCloud',
			'color' => 'blue',
		),
		'description' => '',
		'actions'     => '',
		'test'        => 'wu_runcloud',
	);
	$reason   = wu_runcloud_unavailable_reason();
	$runcloud = $reason === '' ? wu_runcloud() : null;
	if ( $runcloud === null ) {
		$result['status']      = 'critical';
		$result['label']       = 'RunCloud Domain Sync cannot run';
		$result['description'] = '<p>' . esc_html( $reason ?: 'The wu_runcloud configuration was refused; see the log.' ) . '</p>';
		return $result;
	}
	if ( ! $runcloud->is_setup() ) {
		$result['status']      = 'critical';
		$result['label']       = 'RunCloud Domain Sync is not set up';
		$result['description'] = '<p>' . esc_html( 'Missing: ' . implode( ', ', $runcloud->get_missing_constants() ) . '. Define them in wp-config.php or in Ultimate Multisite\'s RunCloud wizard.' ) . '</p>';
		return $result;
	}
	// Cached: the Site Health page must not wait on RunCloud at every load.
	$report = get_site_transient( 'wu_runcloud_connection' );
	if ( ! is_array( $report ) ) {
		$report = $runcloud->test_connection();
		// Only a good answer is kept (5 minutes, or until an event fails): a problem shows at once.
		if ( $report['ok'] ) {
			set_site_transient( 'wu_runcloud_connection', $report, 300 );
		}
	}
	$items = '';
	foreach ( $report['checks'] as $check ) {
		$items .= sprintf( '<li>%s %s: %s</li>', $check['ok'] ? '&#10003;' : '&#10007;', esc_html( $check['name'] ), esc_html( $check['message'] ) );
	}
	$failures = get_site_option( WU_RUNCLOUD_FAILURES_OPTION, array() );
	$failures = is_array( $failures ) ? $failures : array();
	$recent   = '';
	foreach ( array_slice( $failures, 0, 10 ) as $f ) {
		$recent .= sprintf( '<li>%s %s %s: %s</li>', esc_html( gmdate( 'Y-m-d H:i', (int) $f['time'] ) ), esc_html( $f['hook'] ), esc_html( $f['domain'] ), esc_html( $f['message'] ) );
	}
	if ( count( $failures ) > 10 ) {
		$recent .= sprintf( '<li>%s</li>', esc_html( sprintf( 'and %d more not yet healed (%d failures in all since the count began; every one is in the log)', count( $failures ) - 10, (int) get_site_option( 'wu_runcloud_failure_count', 0 ) ) ) );
	}
	$waiting = '';
	$np      = get_site_option( WU_RUNCLOUD_NOT_POINTING_OPTION, array() );
	foreach ( (array) ( $np['names'] ?? array() ) as $n ) {
		$waiting .= sprintf( '<li>%s: %s (%s)</li>', esc_html( $n['name'] ), esc_html( $n['message'] ), esc_html( 'on the app: the next renewal of the certificate fails on it; point it here or remove it' ) );
	}
	foreach ( wu_runcloud_cert_states() as $name => $entry ) {
		if ( in_array( $entry['state'], array( 'waiting_dns', 'gave_up', 'refused', 'certificate_full', 'deferred' ), true ) ) {
			$waiting .= sprintf( '<li>%s: %s</li>', esc_html( $name ), esc_html( wu_runcloud_describe_state( $entry ) ) );
		}
	}
	// The certificate every site shares holds at most 100 names (Let's Encrypt's limit): a warning
	// from 80, critical at 100. Cached with the connection report (5 minutes).
	$capacity = $report['ok'] ? get_site_transient( 'wu_runcloud_capacity' ) : array();
	if ( $report['ok'] && ! is_array( $capacity ) ) {
		try {
			$capacity = $runcloud->certificate_status();
			set_site_transient( 'wu_runcloud_capacity', $capacity, 300 );
		} catch ( Throwable $e ) {
			$capacity = array();
		}
	}
	$fullest = null;
	foreach ( (array) $capacity as $c ) {
		if ( $c['mode'] === 'basic' && ( $fullest === null || $c['names'] > $fullest['names'] ) ) {
			$fullest = $c;
		}
	}
	$capacity_note = '';
	// Nearly full from 80% of what one certificate may carry (100 names, or 25 under the shorter profiles).
	$nearly = $fullest !== null ? (int) floor( 0.8 * (int) $fullest['limit'] ) : 0;
	if ( $fullest !== null && $fullest['names'] >= $nearly ) {
		$capacity_note = sprintf(
			'<p>%s</p>',
			esc_html(
				sprintf(
					'The SSL certificate every site shares (web application %d, basic SSL) holds %d of the %d names Let\'s Encrypt allows on one certificate%s. Move to advanced SSL, one certificate per name: run `wp runcloud ssl --advanced` to see the plan, then add --apply.',
					$fullest['app'],
					$fullest['names'],
					$fullest['limit'],
					$fullest['names'] >= $fullest['limit'] ? ': new mapped domains are not added until then' : ''
				)
			)
		);
	}
	if ( ! $report['ok'] ) {
		$result['status'] = 'critical';
		$result['label']  = 'RunCloud Domain Sync cannot reach the web application';
	} elseif ( $fullest !== null && $fullest['names'] >= $fullest['limit'] ) {
		$result['status'] = 'critical';
		$result['label']  = 'The SSL certificate every site shares is full';
	} elseif ( $fullest !== null && $fullest['names'] >= $nearly ) {
		$result['status'] = 'recommended';
		$result['label']  = 'The SSL certificate every site shares is nearly full';
	} elseif ( $waiting !== '' ) {
		$result['status'] = 'recommended';
		$result['label']  = 'Some mapped domains do not have a certificate yet';
	} elseif ( $recent !== '' ) {
		$result['status'] = 'recommended';
		$result['label']  = 'RunCloud Domain Sync works, with recent failures';
	}
	$result['description'] = $capacity_note . '<p>' . esc_html( $report['message'] ) . '</p><ul>' . $items . '</ul>'
		. ( $waiting !== '' ? '<p>Names without a certificate (a name gets one once its DNS points at this server):</p><ul>' . $waiting . '</ul>' : '' )
		. ( $recent !== '' ? '<p>Recent failures:</p><ul>' . $recent . '</ul>' : '' );
	return $result;
}

/** Where the credentials come from, never what they are. */
function wu_runcloud_credentials_source(): string {
	$v3 = defined( 'WU_RUNCLOUD_API_TOKEN' ) && WU_RUNCLOUD_API_TOKEN;
	$v2 = defined( 'WU_RUNCLOUD_API_KEY' ) && WU_RUNCLOUD_API_KEY;
	if ( $v3 || $v2 ) {
		return 'wp-config.php constants (API ' . ( $v3 ? 'v3' : 'v2' ) . ')';
	}
	$um = wu_runcloud_um_integration();
	if ( $um !== null ) {
		if ( $um->get_credential( 'WU_RUNCLOUD_API_TOKEN' ) !== '' ) {
			return 'Ultimate Multisite wizard (API v3)';
		}
		if ( $um->get_credential( 'WU_RUNCLOUD_API_KEY' ) !== '' ) {
			return 'Ultimate Multisite wizard (API v2)';
		}
	}
	return 'none';
}

function wu_runcloud_debug_information( array $info ): array {
	$loaded = extension_loaded( 'wu_runcloud' );
	$fields = array(
		'extension' => array(
			'label' => 'Extension loaded',
			'value' => $loaded ? 'yes (' . phpversion( 'wu_runcloud' ) . ')' : 'no',
		),
		'php'       => array(
			'label' => 'PHP',
			'value' => PHP_VERSION . ' ' . PHP_SAPI . ( PHP_ZTS ? ' ZTS' : ' NTS' ),
		),
		'um'        => array(
			'label' => 'Ultimate Multisite',
			'value' => defined( 'WP_ULTIMO_VERSION' ) ? WP_ULTIMO_VERSION : ( class_exists( 'WP_Ultimo\Integrations\Integration_Registry' ) ? 'yes (registry)' : 'not found' ),
		),
		'mode'      => array(
			'label' => 'Hooked through',
			'value' => wu_runcloud_um_integration() !== null ? 'Ultimate Multisite integration registry' : 'its own wu_* actions',
		),
	);
	foreach ( WU_RUNCLOUD_CREDENTIAL_CONSTANTS as $name ) {
		$fields[ strtolower( $name ) ] = array(
			'label'   => $name,
			'value'   => defined( $name ) && constant( $name ) ? 'defined' : 'not defined',
			'private' => true,
		);
	}
	$runcloud              = $loaded ? wu_runcloud() : null;
	$fields['credentials'] = array(
		'label' => 'Credentials',
		'value' => wu_runcloud_credentials_source(),
	);
	if ( $runcloud !== null ) {
		$fields['setup'] = array(
			'label' => 'Set up',
			'value' => $runcloud->is_setup() ? 'yes' : 'no: missing ' . implode( ', ', $runcloud->get_missing_constants() ),
		);
	}
	$failures            = get_site_option( WU_RUNCLOUD_FAILURES_OPTION, array() );
	$fields['failures']  = array(
		'label' => 'Recent failures',
		'value' => is_array( $failures ) ? count( $failures ) : 0,
	);
	$last                = get_site_option( WU_RUNCLOUD_SYNC_OPTION, array() );
	$fields['last_sync'] = array(
		'label' => 'Last sync',
		'value' => $last ? gmdate( 'Y-m-d H:i', (int) $last['time'] ) . ' UTC: ' . ( $last['summary'] ?? ( 'failed: ' . ( $last['error'] ?? '' ) ) ) : 'never',
	);
	foreach ( wu_runcloud_cert_states() as $name => $entry ) {
		$fields[ 'cert_' . $name ] = array(
			'label' => "Certificate: $name",
			'value' => wu_runcloud_describe_state( $entry ),
		);
	}
	$fields['core_events'] = array(
		'label' => 'WordPress core site events',
		'value' => wu_runcloud_event_source() === 'core' ? 'followed (WU_RUNCLOUD_CORE_EVENTS)' : 'not followed',
	);
	$info['wu-runcloud']   = array(
		'label'  => 'RunCloud Domain Sync',
		'fields' => $fields,
	);
	return $info;
}
