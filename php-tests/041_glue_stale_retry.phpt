--TEST--
The glue: a retry never makes an older event look newer. An add sent back untried by the open circuit runs again after its name was unmapped: it is dropped without being recorded as the name's latest event, so the removal's own retry still removes the name
--INI--
error_log=/dev/null
--FILE--
<?php
require __DIR__ . '/sim.inc';
require __DIR__ . '/wp-stand-in.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
// Ultimate Multisite's records: stale.com is no longer mapped.
function wu_get_domain_by_domain($d) { return false; }
define('ABSPATH', __DIR__ . '/');
define('WU_RUNCLOUD_SSL_WINDOW', 0);
define_v3();
ini_set('wu_runcloud.api_url', sim_api());
ini_set('wu_runcloud.max_retries', '0');
ini_set('wu_runcloud.circuit_break', '0');
require __DIR__ . '/../wordpress/wu-runcloud.php';
do_action('plugins_loaded');

sim_add('stale.com');
// The customer unmaps it; RunCloud fails that removal: its retry is queued.
sim_fault(['status' => 503, 'count' => 1]);
do_action_ref_array('wu_remove_domain', array_values(['domain' => 'stale.com', 'site_id' => 5]));
// Ahead of it in the queue: the first run of an earlier add, sent back untried by an open circuit.
array_unshift($GLOBALS['as_queue'], ['wu_runcloud_retry', json_encode(['wu_add_domain', 'stale.com', 5, 0]), 0, 'wu-runcloud']);
as_run_queue();
as_run_queue();
echo 'stale.com on the app: ', var_export(in_array('stale.com', sim_names(), true), true), "\n";
?>
--EXPECTF--
LOG[error] wu_remove_domain stale.com (site 5): failed: %sHTTP 503%s
LOG[warning] wu_remove_domain stale.com: will try again in 60 s through Action Scheduler (try 2 of 6, then hourly)
LOG[info] wu_add_domain stale.com: retry not run: a later removal of stale.com superseded it
LOG[info] wu_remove_domain stale.com (site 5): removed from RunCloud web application 201
stale.com on the app: false
