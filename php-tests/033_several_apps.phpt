--TEST--
WU_RUNCLOUD_APPS: every add, remove and SSL step goes to every app (server:app pairs, as a string or an array); one app down does not stop the others, the hook says which failed and is worth a retry, and the retry brings the lagging app in step; test_connection() and sync_domains() cover each app
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
define('WU_RUNCLOUD_APPS', ['102:305', ['server' => 103, 'app' => 406]]);
sim_app(['server_id' => 102, 'app_id' => 305, 'name' => 'second', 'primary' => 'second.test']);
sim_app(['server_id' => 103, 'app_id' => 406, 'name' => 'third', 'primary' => 'third.test']);
$names = fn(int $s, int $a) => implode(' ', array_column(sim_state($s, $a)['domains'], 'name'));
$i = integration();

$t = $i->test_connection();
echo 'test_connection: ', var_export($t['ok'], true), '; ', implode(' | ', array_map(fn($c) => $c['message'], array_filter($t['checks'], fn($c) => $c['name'] === 'other_app'))), "\n";

var_dump($i->on_add_domain('every-app.com', '9'));
WU_RunCloud_Integration::flush_ssl();
echo 'app 201: ', $names(101, 201), "\napp 305: ", $names(102, 305), "\napp 406: ", $names(103, 406), "\n";

// Server 102's app is down: the others still get the name; the hook fails, retryable.
sim_fault(['path_contains' => '/servers/102/', 'status' => 503, 'count' => 100]);
var_dump($i->on_add_domain('while-one-down.com', '10'));
$e = $i->last_error();
echo 'last_error: retryable=', var_export($e['retryable'], true), ' status=', $e['status'], ' ', substr($e['message'], 0, 51), "\n";
echo 'app 201 has it: ', var_export(str_contains($names(101, 201), 'while-one-down.com'), true),
    '; app 305: ', var_export(str_contains($names(102, 305), 'while-one-down.com'), true),
    '; app 406: ', var_export(str_contains($names(103, 406), 'while-one-down.com'), true), "\n";
sim_call('DELETE', '/__sim/faults');
// The retry (what the glue schedules): the apps in step change nothing (this worker added the name
// there: one GET confirms it, no POST), the lagging one catches up.
sim_clear_requests();
var_dump($i->on_add_domain('while-one-down.com', '10'));
echo 'POSTs on the retry: ', implode(' ', array_map(fn($r) => preg_replace('#/api/v3/servers/(\d+)/webapps/(\d+)/domains#', '$1:$2', $r['path']), array_filter(sim_requests(), fn($r) => $r['method'] === 'POST' && str_ends_with($r['path'], '/domains')))), "\n";
echo 'app 305 now has it: ', var_export(str_contains($names(102, 305), 'while-one-down.com'), true), "\n";

$r = $i->add_domain('strict-every.com');
echo 'add_domain apps: ', implode(' | ', array_map(fn($a) => "{$a['server']}:{$a['app']} " . ($a['ok'] ? 'ok' : 'failed'), $r['apps'])), "\n";
var_dump($i->remove_domain('strict-every.com'));
echo 'strict-every.com left on: ', implode(' ', array_filter(['201' => $names(101, 201), '305' => $names(102, 305), '406' => $names(103, 406)], fn($n) => str_contains($n, 'strict-every.com'))), "(none)\n";

$s = $i->sync_domains(['every-app.com', 'synced-late.com'], ['apply' => true]);
echo 'sync apps: ', implode(' | ', array_map(fn($a) => "{$a['server']}:{$a['app']} {$a['message']}", $s['apps'])), "\n";
echo 'synced-late.com on 406: ', var_export(str_contains($names(103, 406), 'synced-late.com'), true), "\n";
$ssl = $i->redeploy_ssl();
echo 'redeploy_ssl apps: ', count($ssl['apps']), "\n";
?>
--EXPECTF--
test_connection: true; Web application 305 (second) found on server 102 | Web application 406 (third) found on server 103
LOG[info] wu_add_domain every-app.com (site 9): [web application 201 on server 101] added (with www.every-app.com), RunCloud domain %d; SSL queued: the app's certificate (#%d) is redeployed once when this PHP request ends, for every name added in it
LOG[info] wu_add_domain every-app.com (site 9): [web application 305 on server 102] added (with www.every-app.com), RunCloud domain %d; SSL queued: the app's certificate (#%d) is redeployed once when this PHP request ends, for every name added in it
LOG[info] wu_add_domain every-app.com (site 9): [web application 406 on server 103] added (with www.every-app.com), RunCloud domain %d; SSL queued: the app's certificate (#%d) is redeployed once when this PHP request ends, for every name added in it
bool(true)
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 1 name(s) added in this request: every-app.com
LOG[info] SSL of web application 305 on server 102: the app's certificate (#%d) was redeployed once for 1 name(s) added in this request: every-app.com
LOG[info] SSL of web application 406 on server 103: the app's certificate (#%d) was redeployed once for 1 name(s) added in this request: every-app.com
app 201: network.test every-app.com
app 305: second.test every-app.com
app 406: third.test every-app.com
LOG[info] wu_add_domain while-one-down.com (site 10): [web application 201 on server 101] added (with www.while-one-down.com), RunCloud domain %d; SSL queued: the app's certificate (#%d) is redeployed once when this PHP request ends, for every name added in it
LOG[error] wu_add_domain while-one-down.com (site 10): [web application 305 on server 102] failed: listing the domains of web application 305 (page 1): RunCloud answered HTTP 503: Simulated HTTP 503. RunCloud had a server error; try again later
LOG[info] wu_add_domain while-one-down.com (site 10): [web application 406 on server 103] added (with www.while-one-down.com), RunCloud domain %d; SSL queued: the app's certificate (#%d) is redeployed once when this PHP request ends, for every name added in it
bool(false)
last_error: retryable=true status=503 [web application 305 on server 102] failed: listing
app 201 has it: true; app 305: false; app 406: true
LOG[info] wu_add_domain while-one-down.com (site 10): [web application 201 on server 101] already on the app (with www.while-one-down.com), RunCloud domain %d; SSL unchanged: while-one-down.com was already on the app, so no certificate was ordered again
LOG[info] wu_add_domain while-one-down.com (site 10): [web application 305 on server 102] added (with www.while-one-down.com), RunCloud domain %d; SSL queued: the app's certificate (#%d) is redeployed once when this PHP request ends, for every name added in it
LOG[info] wu_add_domain while-one-down.com (site 10): [web application 406 on server 103] already on the app (with www.while-one-down.com), RunCloud domain %d; SSL unchanged: while-one-down.com was already on the app, so no certificate was ordered again
bool(true)
POSTs on the retry: 102:305
app 305 now has it: true
add_domain apps: 101:201 ok | 102:305 ok | 103:406 ok
bool(true)
strict-every.com left on: (none)
sync apps: 101:201 1 in step, 1 to add, 1 added, 0 removed, 0 failed, 0 remaining | 102:305 1 in step, 1 to add, 1 added, 0 removed, 0 failed, 0 remaining | 103:406 1 in step, 1 to add, 1 added, 0 removed, 0 failed, 0 remaining
synced-late.com on 406: true
redeploy_ssl apps: 3
