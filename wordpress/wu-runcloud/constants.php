<?php
/**
 * The glue's constants, in one place: its own settings (wp-config.php may define those
 * marked so) and the names it stores things under.
 */

defined( 'ABSPATH' ) || exit;

/** Tries after the first for a failure that may pass: 1, 2, 4, 8, 16 minutes later. */
const WU_RUNCLOUD_RETRIES = 5;
/** Seconds before the first retry, doubled each time; wp-config.php may define it. */
defined( 'WU_RUNCLOUD_RETRY_BASE' ) || define( 'WU_RUNCLOUD_RETRY_BASE', 60 );
const WU_RUNCLOUD_RETRY_HOOK      = 'wu_runcloud_retry';
const WU_RUNCLOUD_FAILURES_OPTION = 'wu_runcloud_failures';
const WU_RUNCLOUD_SYNC_HOOK       = 'wu_runcloud_sync_chunk';
const WU_RUNCLOUD_SYNC_OPTION     = 'wu_runcloud_last_sync';
/** Changes per sync chunk, and seconds between chunks: a chunk stays well inside RunCloud's 60 requests a minute. */
defined( 'WU_RUNCLOUD_SYNC_CHUNK' ) || define( 'WU_RUNCLOUD_SYNC_CHUNK', 25 );
defined( 'WU_RUNCLOUD_SYNC_PAUSE' ) || define( 'WU_RUNCLOUD_SYNC_PAUSE', 60 );
const WU_RUNCLOUD_CERT_OPTION = 'wu_runcloud_cert_states';
/** The names on the app found not to point here by the last sync or `wp runcloud ssl --check`. */
const WU_RUNCLOUD_NOT_POINTING_OPTION = 'wu_runcloud_not_pointing';
const WU_RUNCLOUD_RECHECK_HOOK        = 'wu_runcloud_recheck';
const WU_RUNCLOUD_REDEPLOY_HOOK       = 'wu_runcloud_redeploy';
/** The hourly job that finishes what earlier calls left (WU_RunCloud_Integration::catch_up()). */
const WU_RUNCLOUD_CATCH_UP_HOOK = 'wu_runcloud_catch_up';
/**
 * Seconds after the first add before a name that waits for DNS is asked again, then further apart
 * (at most 12 h) over its first 3 days; then daily, and weekly after 30 days, as the extension does.
 */
const WU_RUNCLOUD_RECHECKS = array( 120, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200 );
/**
 * Days a name whose DNS does not point here is still looked at (wp-config.php may define it; else
 * php.ini's wu_runcloud.dns_wait_days, else 30); then it is reported and given up on, and a later
 * add or check starts again. WU_RUNCLOUD_DNS_GIVE_UP, in seconds, is the older spelling.
 */
defined( 'WU_RUNCLOUD_DNS_WAIT_DAYS' ) || define( 'WU_RUNCLOUD_DNS_WAIT_DAYS', max( 1, (int) ( ini_get( 'wu_runcloud.dns_wait_days' ) ?: 30 ) ) );
defined( 'WU_RUNCLOUD_DNS_GIVE_UP' ) || define( 'WU_RUNCLOUD_DNS_GIVE_UP', WU_RUNCLOUD_DNS_WAIT_DAYS * 86400 );
/**
 * Seconds that basic-SSL adds from any requests are gathered before their one certificate redeploy
 * (a queued job); 0: one redeploy at the end of each request instead. A name is on the certificate
 * this long (plus the queue runner's own delay, about a minute under WP-Cron) after it was added.
 */
defined( 'WU_RUNCLOUD_SSL_WINDOW' ) || define( 'WU_RUNCLOUD_SSL_WINDOW', 60 );
const WU_RUNCLOUD_HOOKS = array(
	'wu_add_domain'       => 'on_add_domain',
	'wu_remove_domain'    => 'on_remove_domain',
	'wu_add_subdomain'    => 'on_add_subdomain',
	'wu_remove_subdomain' => 'on_remove_subdomain',
);

/** The wp-config.php constants the extension reads (credentials and ids), for Site Health and the options. */
const WU_RUNCLOUD_CREDENTIAL_CONSTANTS = array( 'WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_API_KEY', 'WU_RUNCLOUD_API_SECRET', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID' );
