--TEST--
A PHP worker killed (kill -9) after its POST reached RunCloud and before it heard back leaves what it was doing on disk: on an advanced-SSL app a name that points is owed its own certificate and the next worker's add orders it (once); a name that does not point waits and is looked at again; nothing is lost, nothing ordered twice
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
sim_app(['ssl' => 'advanced']);
define_v3();
ini_set('wu_runcloud.api_url', sim_api());
$worker = <<<'PHP'
require getenv('WU_TEST_DIR') . '/sim.inc';
define_v3();
$i = new WU_RunCloud_Integration(['ssl_batch' => 'off']);
foreach (json_decode($argv[1], true) as $name) {
    if ($name === 'HOLD') {
        // The next domain POST is carried out, and its answer held back 4 s.
        sim_fault(['method' => 'POST', 'path_contains' => '/webapps/201/domains', 'delay_ms' => 4000, 'apply' => true, 'count' => 1]);
        continue;
    }
    echo "$name: ", $i->add_domain($name)['ssl'], "\n";
    flush();
}
PHP;
/** One worker adding `$names`; killed with SIGKILL once `$kill_when()` holds, when given. */
function worker(array $names, ?callable $kill_when = null): string {
    global $worker;
    $code = '$argv = [0, ' . var_export(json_encode($names), true) . ']; ' . $worker;
    $cmd = array_merge([PHP_BINARY, '-n', '-d', 'extension=' . extension_path(), '-d', 'wu_runcloud.api_url=' . sim_api()],
        sim_ini_args(), ['-r', $code]);
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null,
        ['WU_TEST_DIR' => __DIR__, 'WU_SIM_BASE' => getenv('WU_SIM_BASE'), 'WU_STATE_DIR' => getenv('WU_STATE_DIR')]);
    if ($kill_when !== null) {
        // As soon as RunCloud has the request (its answer is held back), however slow the
        // worker is to get there (under valgrind, seconds).
        for ($t = 0; $t < 1200 && !$kill_when(); $t++) usleep(50000);
        proc_terminate($p, 9);
    }
    $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    $status = proc_close($p);
    return $out . ($kill_when !== null ? "(killed, exit $status)\n" : '');
}
function orders_of(string $name): int {
    $id = null;
    foreach (sim_state()['domains'] as $d) if ($d['name'] === $name) $id = $d['id'];
    return count(array_filter(sim_calls(), fn($c) => $c === "POST /servers/101/webapps/201/domains/$id/ssl"));
}
function certified(string $name): bool {
    foreach (sim_state()['domains'] as $d) if ($d['name'] === $name) return !empty($d['ssl_id']);
    return false;
}

echo "== a worker learns the app (advanced) on its first add, then is killed in the middle of the next two\n";
sim_point('never.test', []);
$posts = fn() => count(array_filter(sim_calls(), fn($c) => $c === 'POST /servers/101/webapps/201/domains'));
echo worker(['first.test', 'HOLD', 'killed.test'], fn() => $posts() >= 2);
echo 'killed.test on the app: ', var_export(in_array('killed.test', sim_names(), true), true), ', certified: ', var_export(certified('killed.test'), true), "\n";
echo worker(['HOLD', 'never.test'], fn() => $posts() >= 3);
echo 'never.test on the app: ', var_export(in_array('never.test', sim_names(), true), true), "\n";
sim_call('DELETE', '/__sim/faults');

echo "== what the killed worker left\n";
$i = new WU_RunCloud_Integration();
foreach ($i->owed_ssl() as $o) echo 'owed: ', implode(', ', $o['names']), "\n";
foreach ($i->waiting_names() as $w) echo 'waiting: ', $w['name'], "\n";

echo "== the next worker's add pays what is owed on its way\n";
echo worker(['first.test', 'next.test']);
echo 'killed.test certified: ', var_export(certified('killed.test'), true), '; its orders: ', orders_of('killed.test'), "\n";
echo 'first.test orders: ', orders_of('first.test'), "\n";
foreach ($i->owed_ssl() as $o) echo 'still owed: ', implode(', ', $o['names']), "\n";
echo 'refused orders: ', sim_state()['ssl']['refused_orders'], "\n";
?>
--EXPECTF--
== a worker learns the app (advanced) on its first add, then is killed in the middle of the next two
first.test: issued
killed.test: (killed, exit 9)
killed.test on the app: true, certified: false
never.test: (killed, exit 9)
never.test on the app: true
== what the killed worker left
owed: killed.test
waiting: never.test
== the next worker's add pays what is owed on its way
first.test: unchanged
next.test: issued
killed.test certified: true; its orders: 1
first.test orders: 1
refused orders: 0
