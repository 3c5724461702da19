<?php
/**
 * Plugin Name: RunCloud Domain Sync (wu_runcloud)
 * Plugin URI:  https://github.com/wu-runcloud/wu_runcloud
 * Description: Keeps the RunCloud web application in step with the network's mapped domains and subdomain sites, through the wu_runcloud PHP extension. Plugs into Ultimate Multisite 2.5's integration registry (wizard, toggle, Test button), retries what fails for a reason that passes, and reports under Tools > Site Health.
 * Version:     0.1.0
 * Requires PHP: 8.1
 * Network:     true
 * License:     MIT
 *
 * A must-use plugin: copy this file and the folder wu-runcloud/ beside it into wp-content/mu-plugins/
 * (`MU_PLUGINS=... make install` does). This file only loads the folder's files, one per concern.
 *
 * What it does, in order of what is there:
 * - the extension is not loaded (PHP 7.4/8.0, or PHP-FPM's ini lacks it): nothing breaks; network
 *   admins see a notice saying why and what to do, and every domain event that is lost is logged;
 * - Ultimate Multisite 2.5+: registers integration "runcloud" and its "domain-mapping" capability in
 *   UM's registry, replacing UM's own RunCloud module (so each event is handled once), with UM's
 *   wizard, enable toggle, missing-constants list and Test button backed by the extension;
 * - older Ultimate Multisite, or none: adds the four wu_* actions itself, once.
 * A hook that fails for a reason that may pass (no answer, 429, 5xx) is tried again later through
 * Action Scheduler when it is there, else WP-Cron, with backoff, a bounded number of times.
 * Also: a reconcile of every name the network serves (wu_runcloud_schedule_sync(), in chunks
 * through Action Scheduler or WP-Cron; its last result under Site Health > Info); WordPress core's
 * own site events when WU_RUNCLOUD_CORE_EVENTS is true and Ultimate Multisite is not there; and
 * `wp runcloud ...` when WP-CLI is.
 */

defined( 'ABSPATH' ) || exit;

// Order matters only for what runs as a file loads: everything a later file calls at load
// time is defined by an earlier one; the registration (um-registry.php) comes last.
foreach ( array(
	'constants',
	'log',
	'extension',
	'hooks-and-retries',
	'certificates',
	'core-events',
	'sync',
	'cli',
	'site-health',
	'um-registry',
) as $wu_runcloud_file ) {
	require_once __DIR__ . '/wu-runcloud/' . $wu_runcloud_file . '.php';
}
unset( $wu_runcloud_file );
