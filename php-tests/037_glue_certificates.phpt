--TEST--
The glue's certificates: a mapping made before its DNS points waits (state, re-check queued), UM's DNS propagation action (a Domain object) brings it on; adds of many requests share one queued redeploy, which stays owed and is retried until it succeeds
--INI--
error_log=/dev/null
--FILE--
<?php
require __DIR__ . '/sim.inc';
require __DIR__ . '/wp-stand-in.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define('ABSPATH', __DIR__ . '/');
define_v3();
ini_set('wu_runcloud.api_url', sim_api());
ini_set('wu_runcloud.circuit_break', '0');
require __DIR__ . '/../wordpress/wu-runcloud.php';
do_action('plugins_loaded');
function state(string $n): string { return wu_runcloud_cert_states()[$n]['state'] ?? '-'; }
function queued(): string { return implode(', ', array_map(fn($a) => $a[0] . ' ' . $a[1] . ' in ' . $a[2] . ' s', $GLOBALS['as_queue'])); }
function puts(): int { return count(array_filter(sim_calls(), fn($c) => str_starts_with($c, 'PUT'))); }

// UM queues wu_add_domain when the customer creates the mapping; DNS is not there yet.
sim_point('late.com', []);
do_action_ref_array('wu_add_domain', array_values(['domain' => 'late.com', 'site_id' => 30]));
echo 'state: ', state('late.com'), '; queued: ', queued(), "\n";
// UM's own DNS check passes: it fires the propagation action with its Domain model.
sim_point('late.com', null);
$domain = new class {
    public function get_domain(): string { return 'late.com'; }
    public function get_blog_id(): int { return 30; }
    public function get_id(): int { return 7; }
};
do_action('wu_domain_manager_dns_propagation_finished', $domain);
echo 'state: ', state('late.com'), '; on the app: ', var_export(in_array('late.com', sim_names(), true), true), "\n";
// Another request adds two more names: still one redeploy job.
do_action_ref_array('wu_add_domain', array_values(['domain' => 'second.com', 'site_id' => 31]));
do_action_ref_array('wu_add_domain', array_values(['domain' => 'third.com', 'site_id' => 32]));
echo 'jobs: ', count(array_filter($GLOBALS['as_queue'], fn($a) => $a[0] === 'wu_runcloud_redeploy')), "\n";
// The job fails (RunCloud 503): still owed, tried again later; then it succeeds, once.
$GLOBALS['as_queue'] = array_values(array_filter($GLOBALS['as_queue'], fn($a) => $a[0] === 'wu_runcloud_redeploy'));
sim_fault(['method' => 'PUT', 'status' => 503, 'count' => 1]);
as_run_queue();
echo 'puts: ', puts(), '; queued: ', queued(), "\n";
as_run_queue();
echo 'puts: ', puts(), '; redeploys: ', sim_state()['ssl']['redeploys'], '; refused orders: ', sim_state()['ssl']['refused_orders'], "\n";
foreach (['late.com', 'second.com', 'third.com'] as $n) echo "$n: ", state($n), "\n";
echo 'queue empty: ', var_export($GLOBALS['as_queue'] === [], true), "\n";
?>
--EXPECTF--
LOG[warning] wu_add_domain late.com (site 30): waiting for DNS, not on the app: late.com was not added yet: it is added and put on the certificate once it points here. late.com has no A or AAAA record yet: point it at this server (127.0.0.10)
LOG[info] wu_add_domain late.com: waiting for DNS; checked again in 120 s through Action Scheduler
state: waiting_dns; queued: wu_runcloud_recheck ["late.com"] in 120 s
LOG[info] certificate redeploy queued in 60 s through Action Scheduler
LOG[info] re-check late.com: queued: %s
state: queued; on the app: true
LOG[info] wu_add_domain second.com (site 31): added (with www.second.com), RunCloud domain %d; SSL queued: %s
LOG[info] wu_add_domain third.com (site 32): added (with www.third.com), RunCloud domain %d; SSL queued: %s
jobs: 1
LOG[error] SSL of web application 201 on server 101: the app's certificate was not redeployed for 3 name(s) added in this request (late.com, second.com, third.com): %sHTTP 503%s
LOG[error] certificate redeploy failed: %sHTTP 503%s (still owed; tried again in 60 s)
LOG[info] certificate redeploy queued in 60 s through Action Scheduler (try 2)
puts: 1; queued: wu_runcloud_redeploy [1] in 60 s
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 0 name(s) added in this request (and 3 owed by earlier requests): late.com, second.com, third.com
puts: 2; redeploys: 1; refused orders: 0
late.com: on_certificate
second.com: on_certificate
third.com: on_certificate
queue empty: true
