--TEST--
The glue (wordpress/wu-runcloud.php) without UM's registry: adds the four actions once; a failure that may pass is retried through Action Scheduler 1, 2, 4, 8, 16 minutes later, then hourly for as long as it may pass, and lands when RunCloud is back (nothing is listed as failed then); a 401 is not retried
--INI--
error_log=/dev/null
--FILE--
<?php
require __DIR__ . '/sim.inc';
require __DIR__ . '/wp-stand-in.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define('ABSPATH', __DIR__ . '/');
// The certificate at each request's end, as before the queued redeploy (php-tests/037 has it).
define('WU_RUNCLOUD_SSL_WINDOW', 0);
define_v3();
ini_set('wu_runcloud.api_url', sim_api());
ini_set('wu_runcloud.max_retries', '0');
ini_set('wu_runcloud.circuit_break', '0');
require __DIR__ . '/../wordpress/wu-runcloud.php';
do_action('plugins_loaded');
do_action('plugins_loaded');
echo 'wu_add_domain callbacks: ', count_callbacks('wu_add_domain'), "\n";

function show_queue(): void {
    foreach ($GLOBALS['as_queue'] as [$hook, $json, $delay, $group]) {
        // Whole minutes: the exact seconds are in the glue's own log line above.
        echo "queued $hook ", $json, ' in ', round($delay / 60), " min ($group)\n";
    }
}

// RunCloud fails once, then is back: the retry lands, once.
sim_fault(['method' => 'POST', 'status' => 503, 'count' => 1]);
do_action_ref_array('wu_add_domain', array_values(['domain' => 'healed-shop.com', 'site_id' => '9']));
show_queue();
as_run_queue();
echo 'healed-shop.com on the app: ', count(array_keys(sim_names(), 'healed-shop.com')), "\n";

// RunCloud stays down: retries 1, 2, 4, 8, 16 minutes later, then hourly for as long as it
// may pass (an outage of any length loses nothing); the failure stays listed meanwhile.
sim_fault(['status' => 503, 'count' => 1000]);
do_action_ref_array('wu_add_domain', array_values(['domain' => 'long-outage.com', 'site_id' => '10']));
for ($i = 0; $i < 7 && $GLOBALS['as_queue']; $i++) {
    echo 'retry in ', round($GLOBALS['as_queue'][0][2] / 60), " min\n";
    as_run_queue();
}
echo 'next retry in ', round($GLOBALS['as_queue'][0][2] / 60), " min\n";
echo 'last failure: ', get_site_option('wu_runcloud_failures')[0]['final'] ? 'final' : 'pending', "\n";
// RunCloud is back: the next hourly retry adds it, and nothing is listed as failed any more.
sim_call('DELETE', '/__sim/faults');
as_run_queue();
echo 'queue empty: ', var_export($GLOBALS['as_queue'] === [], true), '; long-outage.com on the app: ', var_export(in_array('long-outage.com', sim_names(), true), true), '; failures: ', count(get_site_option('wu_runcloud_failures', [])), "\n";

// A 401 will not pass by itself: no retry.
sim_fault(['method' => 'POST', 'status' => 401, 'count' => 1]);
do_action_ref_array('wu_add_domain', array_values(['domain' => 'denied-shop.com', 'site_id' => '11']));
echo 'queue empty: ', var_export($GLOBALS['as_queue'] === [], true), "\n";
?>
--EXPECTF--
wu_add_domain callbacks: 1
LOG[error] wu_add_domain healed-shop.com (site 9): failed: %sHTTP 503%s
LOG[warning] wu_add_domain healed-shop.com: will try again in 60 s through Action Scheduler (try 2 of 6, then hourly)
queued wu_runcloud_retry ["wu_add_domain","healed-shop.com","9",1] in 1 min (wu-runcloud)
LOG[info] wu_add_domain healed-shop.com (site 9): added (with www.healed-shop.com), RunCloud domain %d; SSL %s
healed-shop.com on the app: 1
LOG[error] wu_add_domain long-outage.com (site 10): failed: %sHTTP 503%s
LOG[warning] wu_add_domain long-outage.com: will try again in 60 s through Action Scheduler (try 2 of 6, then hourly)
retry in 1 min
LOG[error] wu_add_domain long-outage.com (site 10): failed: %sHTTP 503%s
LOG[warning] wu_add_domain long-outage.com: will try again in 120 s through Action Scheduler (try 3 of 6, then hourly)
retry in 2 min
LOG[error] wu_add_domain long-outage.com (site 10): failed: %sHTTP 503%s
LOG[warning] wu_add_domain long-outage.com: will try again in 240 s through Action Scheduler (try 4 of 6, then hourly)
retry in 4 min
LOG[error] wu_add_domain long-outage.com (site 10): failed: %sHTTP 503%s
LOG[warning] wu_add_domain long-outage.com: will try again in 480 s through Action Scheduler (try 5 of 6, then hourly)
retry in 8 min
LOG[error] wu_add_domain long-outage.com (site 10): failed: %sHTTP 503%s
LOG[warning] wu_add_domain long-outage.com: will try again in 960 s through Action Scheduler (try 6 of 6, then hourly)
retry in 16 min
LOG[error] wu_add_domain long-outage.com (site 10): failed: %sHTTP 503%s
LOG[warning] wu_add_domain long-outage.com: will try again in 3600 s through Action Scheduler (try 7; still failing, so tried again hourly while the name is wanted)
retry in 60 min
LOG[error] wu_add_domain long-outage.com (site 10): failed: %sHTTP 503%s
LOG[warning] wu_add_domain long-outage.com: will try again in 3600 s through Action Scheduler (try 8; still failing, so tried again hourly while the name is wanted)
retry in 60 min
LOG[error] wu_add_domain long-outage.com (site 10): failed: %sHTTP 503%s
LOG[warning] wu_add_domain long-outage.com: will try again in 3600 s through Action Scheduler (try 9; still failing, so tried again hourly while the name is wanted)
next retry in 60 min
last failure: pending
LOG[info] wu_add_domain long-outage.com (site 10): added (with www.long-outage.com), RunCloud domain %d; SSL %s
queue empty: true; long-outage.com on the app: true; failures: 0
LOG[error] wu_add_domain denied-shop.com (site 11): failed: %sHTTP 401%s
LOG[error] wu_add_domain denied-shop.com: not retried: this will not pass by itself
queue empty: true
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 2 name(s) added in this request: healed-shop.com, long-outage.com
