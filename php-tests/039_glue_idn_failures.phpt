--TEST--
The glue: a failure is listed under the name the event carried (an IDN name in Unicode, not the extension's punycode), so its retry that succeeds clears it; a redeploy that failed and a later one covered is no longer listed
--INI--
error_log=/dev/null
--FILE--
<?php
require __DIR__ . '/sim.inc';
require __DIR__ . '/wp-stand-in.inc';
sim_reset();
function wu_log_add($h, $m, $l) {}
define('ABSPATH', __DIR__ . '/');
define('WU_RUNCLOUD_SSL_WINDOW', 60);
define_v3();
ini_set('wu_runcloud.api_url', sim_api());
ini_set('wu_runcloud.max_retries', '0');
ini_set('wu_runcloud.circuit_break', '0');
require __DIR__ . '/../wordpress/wu-runcloud.php';
do_action('plugins_loaded');
$listed = fn() => implode(', ', array_column(get_site_option('wu_runcloud_failures', []), 'domain')) ?: 'none';

// RunCloud fails once for an IDN name mapped in Unicode, then is back.
sim_fault(['method' => 'POST', 'status' => 503, 'count' => 1]);
do_action_ref_array('wu_add_domain', array_values(['domain' => 'bücher.de', 'site_id' => '9']));
echo 'listed: ', $listed(), "\n";
as_run_queue();
echo 'on the app: ', var_export(in_array('xn--bcher-kva.de', sim_names(), true), true), '; listed: ', $listed(), "\n";

// The queued redeploy fails, then the next one covers it: nothing stays listed.
$GLOBALS['as_queue'] = array_values(array_filter($GLOBALS['as_queue'], fn($a) => $a[0] === 'wu_runcloud_redeploy'));
sim_fault(['method' => 'PUT', 'status' => 503, 'count' => 1]);
as_run_queue();
echo 'listed: ', $listed(), "\n";
as_run_queue();
echo 'redeploys: ', sim_state()['ssl']['redeploys'], '; listed: ', $listed(), "\n";
?>
--EXPECT--
listed: bücher.de
on the app: true; listed: none
listed: certificate
redeploys: 1; listed: none
