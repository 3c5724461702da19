--TEST--
One certificate per request: a batch of adds (as Action Scheduler runs them) queues the basic-SSL redeploy and sends it once when the request ends, naming every name; a worker killed before its end leaves the redeploy to the next add in another process
--FILE--
<?php
require __DIR__ . '/sim.inc';
require __DIR__ . '/wp-stand-in.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
ini_set('wu_runcloud.api_url', sim_api());
function puts(): int { return count(array_filter(sim_calls(), fn($c) => str_starts_with($c, 'PUT'))); }

// Part 1: a worker is killed after two adds, before its request ends.
$child = <<<'PHP'
require getenv('WU_TEST_DIR') . '/sim.inc';
define_v3();
$i = integration();
foreach (['killed-one.com', 'killed-two.com'] as $n) $i->on_add_domain($n, '7');
echo "added\n";
sleep(60);
PHP;
$proc = proc_open([PHP_BINARY, '-n', '-d', 'extension=' . extension_path(), ...sim_ini_args(), '-r', $child],
    [1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes,
    null, ['WU_TEST_DIR' => __DIR__, 'WU_SIM_BASE' => getenv('WU_SIM_BASE')]);
echo 'child: ', trim(fgets($pipes[1])), "\n";
proc_terminate($proc, 9);
proc_close($proc);
echo "redeploys after the kill: ", puts(), "\n";

// Part 2: this request runs a batch of 6 actions the way Action Scheduler does.
as_enqueue_async_action('wu_add_domain', ['domain' => 'killed-one.com', 'site_id' => '7']);
foreach (['batch-a.com', 'batch-b.com', 'batch-c.com', 'batch-d.com', 'batch-e.com'] as $k => $n) {
    as_enqueue_async_action('wu_add_domain', ['domain' => $n, 'site_id' => (string) (20 + $k)]);
}
WU_RunCloud_Integration::register_hooks();
as_run_queue();
echo "redeploys before the request ends: ", puts(), "\n";
// Registered after the first add's own shutdown function, so it runs after it.
register_shutdown_function(function () {
    echo "redeploys after the request ended: ", puts(), "\n";
    echo "names on the app: ", count(sim_names()), "\n";
    echo "flush again: ", count(WU_RunCloud_Integration::flush_ssl()), "\n";
});
?>
--EXPECTF--
child: added
redeploys after the kill: 0
LOG[info] wu_add_domain killed-one.com (site 7): already on the app (with www.killed-one.com), RunCloud domain %d; SSL queued: the app's certificate (#%d) is redeployed once when this PHP request ends, for every name added in it; it also covers 1 name(s) whose redeploy an earlier request did not get to run
LOG[info] wu_add_domain batch-a.com (site 20): added (with www.batch-a.com), RunCloud domain %d; SSL queued: %s
LOG[info] wu_add_domain batch-b.com (site 21): added (with www.batch-b.com), RunCloud domain %d; SSL queued: %s
LOG[info] wu_add_domain batch-c.com (site 22): added (with www.batch-c.com), RunCloud domain %d; SSL queued: %s
LOG[info] wu_add_domain batch-d.com (site 23): added (with www.batch-d.com), RunCloud domain %d; SSL queued: %s
LOG[info] wu_add_domain batch-e.com (site 24): added (with www.batch-e.com), RunCloud domain %d; SSL queued: %s
redeploys before the request ends: 0
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 7 name(s) added in this request: killed-two.com, killed-one.com, batch-a.com, batch-b.com, batch-c.com, batch-d.com, batch-e.com
redeploys after the request ended: 1
names on the app: 8
flush again: 0
