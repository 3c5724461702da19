--TEST--
A PHP worker killed (kill -9) in the middle of a removal leaves the name wanted off the app: catch_up() in a later worker finishes it once no live removal can still hold it (2 minutes), exactly once; a name mapped again meanwhile is left on the app
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
define_v3();
$worker = <<<'PHP'
require getenv('WU_TEST_DIR') . '/sim.inc';
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
$i = new WU_RunCloud_Integration(['ssl_batch' => 'off']);
foreach (json_decode($argv[1], true) as [$what, $name]) {
    if ($what === 'hold') {
        // The next domain lookup is answered 4 s late: the worker dies before its DELETE.
        sim_fault(['method' => 'GET', 'path_contains' => '/webapps/201/domains', 'delay_ms' => 4000, 'count' => 1]);
    } elseif ($what === 'add') {
        echo "add $name: ", $i->add_domain($name)['created'] ? 'created' : 'there', "\n";
    } elseif ($what === 'remove') {
        echo "remove $name: ", var_export($i->remove_domain($name), true), "\n";
    } elseif ($what === 'catch_up') {
        echo "catch_up: ", $i->catch_up(), "\n";
    }
    flush();
}
PHP;
/** One worker, its clock `$secs` on; killed with SIGKILL once `$kill_when()` holds, when given. */
function worker(array $steps, int $secs = 0, ?callable $kill_when = null): string {
    global $worker;
    $code = '$argv = [0, ' . var_export(json_encode($steps), true) . ']; ' . $worker;
    $cmd = array_merge([PHP_BINARY, '-n', '-d', 'extension=' . extension_path(), '-d', 'wu_runcloud.api_url=' . sim_api(),
        '-d', "wu_runcloud.clock_offset=$secs"], sim_ini_args(), ['-r', $code]);
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null,
        ['WU_TEST_DIR' => __DIR__, 'WU_SIM_BASE' => getenv('WU_SIM_BASE'), 'WU_STATE_DIR' => getenv('WU_STATE_DIR')]);
    if ($kill_when !== null) {
        // As soon as RunCloud has the lookup (its answer is held back), however slow the worker
        // is to get there (under valgrind, seconds).
        for ($t = 0; $t < 1200 && !$kill_when(); $t++) usleep(50000);
        proc_terminate($p, 9);
    }
    $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    proc_close($p);
    return $out . ($kill_when !== null ? "(killed)\n" : '');
}
$deletes = fn() => count(array_filter(sim_calls(), fn($c) => str_starts_with($c, 'DELETE')));

echo worker([['add', 'gone.test'], ['add', 'kept.test']]);
echo "== both removals are cut off by a kill\n";
$lookups = fn() => count(array_filter(sim_calls(), fn($c) => str_starts_with($c, 'GET /servers/101/webapps/201/domains')));
$before = $lookups();
echo worker([['hold', ''], ['remove', 'gone.test']], 0, fn() => $lookups() > $before);
$before = $lookups();
echo worker([['hold', ''], ['remove', 'kept.test']], 0, fn() => $lookups() > $before);
echo 'on the app: ', implode(', ', array_intersect(['gone.test', 'kept.test'], sim_names())), "; DELETEs: ", $deletes(), "\n";
echo "== kept.test is mapped again\n";
echo worker([['add', 'kept.test']]);
echo "== a minute on, nothing is finished: a live removal could still hold it\n";
echo worker([['catch_up', '']], 60);
echo "== three minutes on, the removal left is finished, once\n";
echo worker([['catch_up', '']], 180);
echo worker([['catch_up', '']], 400);
echo 'on the app: ', implode(', ', array_intersect(['gone.test', 'kept.test'], sim_names())), "; DELETEs: ", $deletes(), "\n";
?>
--EXPECTF--
add gone.test: created
add kept.test: created
== both removals are cut off by a kill
remove gone.test: (killed)
remove kept.test: (killed)
on the app: gone.test, kept.test; DELETEs: 0
== kept.test is mapped again
add kept.test: there
== a minute on, nothing is finished: a live removal could still hold it
catch_up: 0
== three minutes on, the removal left is finished, once
catch_up: LOG[info] wu_remove_domain gone.test: finished a removal an earlier call left: removed from RunCloud web application 201
1
catch_up: 0
on the app: kept.test; DELETEs: 1
