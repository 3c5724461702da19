<?php
/**
 * WP-CLI: `wp runcloud ...`; the logic is wu_runcloud_cli(), tested inside WordPress.
 */

defined( 'ABSPATH' ) || exit;

/**
 * Runs one `wp runcloud` subcommand. Returns ['code' => exit code, 'message' => text,
 * 'rows' => list of assoc arrays to print as a table (or JSON)].
 */
/** Remembers which names on the app do not point here (they make the next renewal fail), and logs each. */
function wu_runcloud_note_not_pointing( array $not_pointing ): void {
	update_site_option(
		WU_RUNCLOUD_NOT_POINTING_OPTION,
		array(
			'time'  => time(),
			'names' => $not_pointing,
		)
	);
	foreach ( $not_pointing as $n ) {
		wu_runcloud_log( 'warning', "certificate renewal at risk: {$n['name']}: {$n['message']}" );
	}
}

/** A name's certificate state in words, for the CLI and Site Health. */
function wu_runcloud_describe_state( ?array $entry ): string {
	if ( $entry === null ) {
		return '-';
	}
	$since = gmdate( 'Y-m-d H:i', (int) $entry['since'] ) . ' UTC';
	switch ( $entry['state'] ) {
		case 'on_certificate':
			return "on the certificate (since $since)";
		case 'queued':
			return "joins the certificate at the queued redeploy (since $since)";
		case 'waiting_dns':
			return "waiting for DNS since $since: " . $entry['message'];
		case 'gave_up':
			return 'gave up: ' . $entry['message'];
		case 'refused':
			return "refused ($since): " . $entry['message'];
		case 'left_to_runcloud':
			return 'left to RunCloud (AutoSSL)';
		case 'certificate_full':
			return "certificate full, not added ($since): " . $entry['message'];
		case 'deferred':
			return "weekly limit, owed ($since): " . $entry['message'];
	}
	return (string) $entry['state'];
}

/** One app's certificate in words: its capacity (basic), the week's orders, what is owed and until when. */
function wu_runcloud_describe_capacity( array $c ): string {
	$text  = $c['mode'] === 'basic'
		? ( empty( $c['names_over_limit'] )
			? sprintf( 'basic SSL, %d of %d names', $c['names'], $c['limit'] )
			: sprintf( 'basic SSL, more than %d names: no certificate can cover them', $c['limit'] ) )
		: ( $c['mode'] === 'advanced'
			? sprintf( 'advanced SSL, %d name(s) with their own certificate', $c['names'] )
			: "{$c['mode']} SSL" );
	$text .= sprintf( ', %d order(s) in 7 days', $c['orders_this_week'] );
	if ( $c['owed'] ) {
		$text .= sprintf( ', %d name(s) owed, next order at %s', count( $c['owed'] ), $c['next_order_text'] ?? 'the next request' );
	}
	return $text;
}

function wu_runcloud_cli( string $command, array $args = array(), array $assoc = array() ): array {
	$fail   = static fn( string $m, int $code = 1 ): array => array(
		'code'    => $code,
		'message' => $m,
		'rows'    => array(),
	);
	$reason = wu_runcloud_unavailable_reason();
	if ( $reason !== '' ) {
		return $fail( $reason );
	}
	$runcloud = wu_runcloud();
	if ( $runcloud === null ) {
		return $fail( 'the wu_runcloud configuration was refused; see the log' );
	}
	try {
		switch ( $command ) {
			case 'status':
				$rows   = array(
					array(
						'field' => 'extension',
						'value' => phpversion( 'wu_runcloud' ),
					),
					array(
						'field' => 'set up',
						'value' => $runcloud->is_setup() ? 'yes' : 'no: missing ' . implode( ', ', $runcloud->get_missing_constants() ),
					),
					array(
						'field' => 'hooked through',
						'value' => array(
							'registry' => 'Ultimate Multisite integration registry',
							'core'     => 'WordPress core site events',
							'actions'  => 'its own wu_* actions',
						)[ wu_runcloud_event_source() ],
					),
					array(
						'field' => 'recent failures',
						'value' => (string) count( (array) get_site_option( WU_RUNCLOUD_FAILURES_OPTION, array() ) ),
					),
				);
				$counts = array_count_values( array_column( wu_runcloud_cert_states(), 'state' ) );
				ksort( $counts );
				$rows[] = array(
					'field' => 'certificates',
					'value' => $counts ? implode( ', ', array_map( static fn( $k, $v ) => "$v $k", array_keys( $counts ), $counts ) ) : 'nothing recorded',
				);
				// The certificate's capacity and the week's orders (RunCloud asked at most once).
				try {
					foreach ( $runcloud->certificate_status() as $c ) {
						$rows[] = array(
							'field' => "certificate of app {$c['app']}",
							'value' => wu_runcloud_describe_capacity( $c ),
						);
					}
				} catch ( Throwable $e ) {
					$rows[] = array(
						'field' => 'certificate',
						'value' => 'unknown: ' . $e->getMessage(),
					);
				}
				$last   = get_site_option( WU_RUNCLOUD_SYNC_OPTION, array() );
				$rows[] = array(
					'field' => 'last sync',
					'value' => $last ? gmdate( 'Y-m-d H:i', (int) $last['time'] ) . ' UTC: ' . ( $last['summary'] ?? $last['error'] ?? '' ) : 'never',
				);
				return array(
					'code'    => 0,
					'message' => '',
					'rows'    => $rows,
				);
			case 'test':
				$r    = $runcloud->test_connection();
				$rows = array_map(
					static fn( $c ) => array(
						'check'   => $c['name'],
						'ok'      => $c['ok'] ? 'yes' : 'no',
						'message' => $c['message'],
					),
					$r['checks']
				);
				return array(
					'code'    => $r['ok'] ? 0 : 1,
					'message' => $r['message'],
					'rows'    => $rows,
				);
			case 'domains':
				$states = wu_runcloud_cert_states();
				$rows   = array_map(
					static fn( $d ) => array(
						'id'          => $d['id'],
						'name'        => $d['name'],
						'type'        => $d['type'] ?? '',
						'www'         => ! empty( $d['www'] ) ? 'yes' : 'no',
						'certificate' => wu_runcloud_describe_state( $states[ $d['name'] ] ?? null ),
					),
					$runcloud->list_domains()
				);
				// Names that wait for DNS are not on the app yet (basic mode): listed too.
				foreach ( $states as $name => $entry ) {
					if ( in_array( $entry['state'], array( 'waiting_dns', 'gave_up' ), true ) && ! in_array( $name, array_column( $rows, 'name' ), true ) ) {
						$rows[] = array(
							'id'          => '-',
							'name'        => $name,
							'type'        => 'not on the app',
							'www'         => '-',
							'certificate' => wu_runcloud_describe_state( $entry ),
						);
					}
				}
				return array(
					'code'    => 0,
					'message' => sprintf( '%d domains', count( $rows ) ),
					'rows'    => $rows,
				);
			case 'add':
			case 'remove':
				$name = (string) ( $args[0] ?? '' );
				if ( $name === '' ) {
					return $fail( "usage: wp runcloud $command <name>", 2 );
				}
				if ( $command === 'add' ) {
					$r = $runcloud->add_domain( $name );
					wu_runcloud_after_add(
						strtolower( $name ),
						array(
							'ssl'        => $r['ssl'],
							'message'    => $r['ssl_message'],
							'next_order' => $r['ssl_next_order'] ?? 0,
						)
					);
					return array(
						'code'    => 0,
						'message' => sprintf( '%s %s (RunCloud domain %s); SSL %s', $r['name'], $r['created'] ? 'added' : 'was already on the app', $r['id'] ?? '-', $r['ssl'] ),
						'rows'    => array(),
					);
				}
				$removed = $runcloud->remove_domain( $name );
				return array(
					'code'    => 0,
					'message' => $removed ? "$name removed" : "$name was not on the app",
					'rows'    => array(),
				);
			case 'ssl':
				if ( ! empty( $assoc['advanced'] ) ) {
					// The way out of a full certificate: the plan; with --apply, the switch and the
					// orders due now, call after call until nothing more may go now.
					$apply   = ! empty( $assoc['apply'] );
					$max     = isset( $assoc['max-orders'] ) ? (int) $assoc['max-orders'] : 20;
					$plan    = $runcloud->advanced_ssl(
						array(
							'apply'      => $apply,
							'max_orders' => $max,
						)
					);
					$ordered = $plan['ordered'];
					if ( $apply && isset( $assoc['progress'] ) ) {
						( $assoc['progress'] )( $ordered, count( $plan['names'] ) );
					}
					while ( $apply && $plan['ordered'] > 0 && in_array( 'now', array_column( $plan['names'], 'step' ), true ) ) {
						$plan     = $runcloud->advanced_ssl(
							array(
								'apply'      => true,
								'max_orders' => $max,
							)
						);
						$ordered += $plan['ordered'];
						if ( isset( $assoc['progress'] ) ) {
							( $assoc['progress'] )( $ordered, count( $plan['names'] ) );
						}
					}
					$rows   = array_map(
						static fn( $n ) => array(
							'name'     => $n['name'],
							'step'     => $n['step'],
							'order at' => $n['order_at_text'] ?? '-',
							'note'     => $n['message'] ?? '',
						),
						$plan['names']
					);
					$failed = count( array_filter( $plan['names'], static fn( $n ) => $n['step'] === 'failed' ) );
					return array(
						'code'    => $failed ? 1 : 0,
						'message' => $plan['message'] . ( $apply ? " ($ordered order(s) sent in all)" : '' ),
						'rows'    => $rows,
					);
				}
				if ( ! empty( $assoc['check'] ) ) {
					// Names on the app that do not point here: the next renewal fails on them, for every site.
					$r = $runcloud->sync_domains( array() );
					wu_runcloud_note_not_pointing( $r['not_pointing'] );
					$rows = array_map(
						static fn( $n ) => array(
							'name'    => $n['name'],
							'problem' => $n['message'],
						),
						$r['not_pointing']
					);
					foreach ( wu_runcloud_cert_states() as $name => $entry ) {
						if ( in_array( $entry['state'], array( 'waiting_dns', 'gave_up', 'refused' ), true ) ) {
							$rows[] = array(
								'name'    => $name,
								'problem' => wu_runcloud_describe_state( $entry ),
							);
						}
					}
					$bad = count( $r['not_pointing'] );
					return array(
						'code'    => $bad ? 1 : 0,
						'message' => $bad ? "$bad name(s) on the app do not point here: the certificate cannot be renewed until they do or are removed" : 'every name on the app points here',
						'rows'    => $rows,
					);
				}
				// Asked for: the app's certificate now, whatever is owed (redeploy_ssl() throws on failure).
				$r = $runcloud->redeploy_ssl();
				wu_runcloud_queued_names_certified();
				return array(
					'code'    => 0,
					'message' => $r['message'],
					'rows'    => array(),
				);
			case 'sync':
				$apply = ! empty( $assoc['apply'] );
				$limit = isset( $assoc['limit'] ) ? (int) $assoc['limit'] : WU_RUNCLOUD_SYNC_CHUNK;
				if ( $limit < 1 || $limit > 500 ) {
					return $fail( '--limit must be from 1 to 500', 2 );
				}
				$r = wu_runcloud_sync( $apply, $limit );
				if ( $r === null ) {
					return $fail( wu_runcloud_sync_error() );
				}
				// `all`: chunk after chunk until nothing remains, or a chunk makes no progress
				// (it met a real error: its failures are reported). Names that wait for DNS are
				// progress: the waiting list looks at them on its own schedule.
				if ( $apply && ! empty( $assoc['all'] ) ) {
					$total    = count( $r['to_add'] );
					$added    = $r['added'];
					$waiting  = $r['waiting'];
					$progress = $assoc['progress'] ?? null;
					is_callable( $progress ) && $progress( count( $r['added'] ) + count( $r['waiting'] ), $total );
					while ( $r['remaining'] > 0 && ( $r['added'] || $r['removed'] || $r['waiting'] ) ) {
						$r = wu_runcloud_sync( true, $limit );
						if ( $r === null ) {
							return $fail( wu_runcloud_sync_error() );
						}
						$added   = array_merge( $added, $r['added'] );
						$waiting = array_merge( $waiting, $r['waiting'] );
						is_callable( $progress ) && $progress( count( $r['added'] ) + count( $r['waiting'] ), $total );
					}
					$r['added']   = $added;
					$r['waiting'] = array_values( array_column( array_reverse( $waiting ), null, 'name' ) );
				}
				$rows  = array();
				$waits = array_column( $r['waiting'], 'message', 'name' );
				foreach ( $r['to_add'] as $n ) {
					$rows[] = array(
						'name'   => $n,
						'action' => in_array( $n, $r['added'], true ) ? 'added'
						: ( isset( $waits[ $n ] ) ? 'waiting for DNS: ' . $waits[ $n ] : ( $apply ? 'to add (next chunk)' : 'to add' ) ),
					);
				}
				foreach ( $r['failed'] as $f ) {
					$rows[] = array(
						'name'   => $f['name'],
						'action' => 'failed: ' . $f['message'],
					);
				}
				foreach ( $r['skipped'] as $f ) {
					$rows[] = array(
						'name'   => $f['name'],
						'action' => 'skipped: ' . $f['reason'],
					);
				}
				foreach ( $r['unknown'] as $n ) {
					$rows[] = array(
						'name'   => $n,
						'action' => 'on the app only (left alone)',
					);
				}
				$msg = sprintf( '%s%d in step, %d added, %d failed, %d remaining', $apply ? '' : 'dry run: ', $r['in_step'], count( $r['added'] ), count( $r['failed'] ), $r['remaining'] );
				return array(
					'code'    => $r['failed'] ? 1 : 0,
					'message' => $msg,
					'rows'    => $rows,
					'result'  => $r,
				);
			default:
				return $fail( "unknown subcommand '$command'; try: status, test, domains, add, remove, ssl [--check|--advanced [--apply]], sync", 2 );
		}
	} catch ( InvalidArgumentException $e ) {
		return $fail( $e->getMessage(), 2 );
	} catch ( Throwable $e ) {
		return $fail( $e->getMessage() );
	}
}

if ( defined( 'WP_CLI' ) && WP_CLI && class_exists( 'WP_CLI' ) ) {
	// The command's logic is wu_runcloud_cli(); `make e2e` runs this class through the real
	// WP-CLI phar (WU_E2E_WP_CLI). Its docblock is what `wp help runcloud` shows an admin.
	/**
	 * Keeps the RunCloud web application in step with the network's domains.
	 */
	class WU_RunCloud_CLI_Command {
		private function run( string $command, array $args, array $assoc ): void {
			$format = $assoc['format'] ?? 'table';
			if ( $command === 'sync' && ! empty( $assoc['apply'] ) && ! isset( $assoc['limit'] ) ) {
				// Whole network, chunk after chunk (the loop is wu_runcloud_cli()'s), with a progress bar.
				$bar               = null;
				$assoc['all']      = true;
				$assoc['progress'] = static function ( int $done, int $total ) use ( &$bar ): void {
					$bar ??= \WP_CLI\Utils\make_progress_bar( 'Adding to RunCloud', max( 1, $total ) );
					$bar->tick( $done );
				};
				$out               = wu_runcloud_cli( 'sync', array(), $assoc );
				$bar && $bar->finish();
			} elseif ( $command === 'ssl' && ! empty( $assoc['advanced'] ) && ! empty( $assoc['apply'] ) && $format === 'table' ) {
				// Call after call of orders, with a progress bar (orders sent of the app's names).
				$bar               = null;
				$shown             = 0;
				$assoc['progress'] = static function ( int $done, int $total ) use ( &$bar, &$shown ): void {
					$bar ??= \WP_CLI\Utils\make_progress_bar( 'Ordering certificates', max( 1, $total ) );
					$bar->tick( $done - $shown );
					$shown = $done;
				};
				$out               = wu_runcloud_cli( 'ssl', $args, $assoc );
				$bar && $bar->finish();
			} else {
				$out = wu_runcloud_cli( $command, $args, $assoc );
			}
			if ( $out['rows'] ) {
				\WP_CLI\Utils\format_items( $format, $out['rows'], array_keys( $out['rows'][0] ) );
			}
			// With a machine format stdout holds only the data: the verdict goes to stderr.
			$machine = $format !== 'table';
			if ( $out['code'] === 0 ) {
				if ( $out['message'] !== '' ) {
					$machine ? fwrite( STDERR, 'Success: ' . $out['message'] . "\n" ) : WP_CLI::success( $out['message'] );
				}
			} else {
				WP_CLI::error( $out['message'], $out['code'] );
			}
		}

		/**
		 * Shows whether the extension is loaded and set up, how it is hooked, the certificates and the last sync.
		 *
		 * ## OPTIONS
		 *
		 * [--format=<format>]
		 * : Output format.
		 * ---
		 * default: table
		 * options:
		 *   - table
		 *   - json
		 *   - csv
		 *   - yaml
		 * ---
		 *
		 * ## EXAMPLES
		 *
		 *     wp runcloud status
		 */
		public function status( $args, $assoc ) {
			$this->run( 'status', $args, $assoc ); }

		/**
		 * Runs the connection test: credentials, server, web application, SSL mode.
		 *
		 * ## OPTIONS
		 *
		 * [--format=<format>]
		 * : Output format.
		 * ---
		 * default: table
		 * options:
		 *   - table
		 *   - json
		 *   - csv
		 *   - yaml
		 * ---
		 */
		public function test( $args, $assoc ) {
			$this->run( 'test', $args, $assoc ); }

		/**
		 * Lists the app's domains with each name's certificate state, and the names that wait for DNS.
		 *
		 * ## OPTIONS
		 *
		 * [--format=<format>]
		 * : Output format.
		 * ---
		 * default: table
		 * options:
		 *   - table
		 *   - json
		 *   - csv
		 *   - yaml
		 *   - count
		 * ---
		 *
		 * ## EXAMPLES
		 *
		 *     wp runcloud domains --format=json
		 */
		public function domains( $args, $assoc ) {
			$this->run( 'domains', $args, $assoc ); }

		/**
		 * Adds a domain (once it points at this server; until then it waits for DNS).
		 *
		 * ## OPTIONS
		 *
		 * <name>
		 * : The host name, such as shop.example.com.
		 */
		public function add( $args, $assoc ) {
			$this->run( 'add', $args, $assoc ); }

		/**
		 * Removes a domain from the app.
		 *
		 * ## OPTIONS
		 *
		 * <name>
		 * : The host name.
		 */
		public function remove( $args, $assoc ) {
			$this->run( 'remove', $args, $assoc ); }

		/**
		 * Redeploys the app's certificate (basic SSL), or with --check lists the names that would make it fail,
		 * or with --advanced plans (and with --apply makes) the move to one certificate per name.
		 *
		 * ## OPTIONS
		 *
		 * [--check]
		 * : Change nothing; list the names on the app that do not point here and the names without a certificate.
		 *
		 * [--advanced]
		 * : The way out of a full basic certificate (Let's Encrypt's 100 names): show which names get their own
		 * certificate, in what order and when, within Let's Encrypt's weekly limits. Changes nothing without --apply.
		 *
		 * [--apply]
		 * : With --advanced: switch the app to advanced SSL and order each pointing name's certificate, paced;
		 * run it again later to go on with the names whose time had not come.
		 *
		 * [--max-orders=<n>]
		 * : With --advanced --apply: orders sent per call to RunCloud (1 to 100).
		 * ---
		 * default: 20
		 * ---
		 *
		 * [--format=<format>]
		 * : Output format of --check.
		 * ---
		 * default: table
		 * options:
		 *   - table
		 *   - json
		 *   - csv
		 *   - yaml
		 * ---
		 *
		 * ## EXAMPLES
		 *
		 *     wp runcloud ssl --check
		 *     wp runcloud ssl --advanced
		 *     wp runcloud ssl --advanced --apply
		 */
		public function ssl( $args, $assoc ) {
			$this->run( 'ssl', $args, $assoc ); }

		/**
		 * Reconciles the app with the network's names: a dry run unless --apply.
		 *
		 * ## OPTIONS
		 *
		 * [--apply]
		 * : Add what is missing (without --limit: the whole network, chunk after chunk).
		 *
		 * [--limit=<n>]
		 * : At most this many changes (1 to 500).
		 *
		 * [--format=<format>]
		 * : Output format.
		 * ---
		 * default: table
		 * options:
		 *   - table
		 *   - json
		 *   - csv
		 *   - yaml
		 * ---
		 *
		 * ## EXAMPLES
		 *
		 *     wp runcloud sync
		 *     wp runcloud sync --apply
		 */
		public function sync( $args, $assoc ) {
			$this->run( 'sync', $args, $assoc ); }
	}
	WP_CLI::add_command( 'runcloud', 'WU_RunCloud_CLI_Command' );
}
