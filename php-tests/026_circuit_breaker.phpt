--TEST--
last_error() says whether a hook failure may pass; after 3 such failures in a row a worker's hooks fail at once (circuit open) without a request, then try again after wu_runcloud.circuit_break seconds
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
$i = integration(['max_retries' => 0, 'circuit_break' => 1.5, 'timeout' => 3]);
var_dump($i->last_error());
var_dump($i->on_add_domain('first-try.com', 1), $i->last_error());
var_dump($i->on_add_domain('bad name', 1));
$e = $i->last_error();
echo "final: status {$e['status']}, retryable ", var_export($e['retryable'], true), "\n";
sim_fault(['status' => 503, 'count' => 100]);
for ($n = 1; $n <= 3; $n++) {
    $i->on_add_domain("outage-$n.com", $n);
    $e = $i->last_error();
    echo "outage $n: status {$e['status']}, retryable ", var_export($e['retryable'], true), "\n";
}
sim_clear_requests();
$t = microtime(true);
var_dump($i->on_add_domain('outage-4.com', 4));
$ms = (microtime(true) - $t) * 1000;
$e = $i->last_error();
echo "circuit open: ", count(sim_requests()), " requests, ", $ms < 50 ? 'at once' : "slow ($ms ms)", ", retryable ", var_export($e['retryable'], true), "\n";
// RunCloud is back; after the pause one call goes through and closes the circuit.
sim_call('DELETE', '/__sim/faults');
usleep(1600000);
var_dump($i->on_add_domain('outage-4.com', 4), $i->last_error());
echo implode(' ', sim_names()), "\n";
?>
--EXPECTF--
NULL
LOG[info] wu_add_domain first-try.com (site 1): added (with www.first-try.com), RunCloud domain %d; SSL %s
bool(true)
NULL
LOG[error] wu_add_domain "bad name" (site 1): failed: Invalid domain name "bad name": it contains spaces
bool(false)
final: status 0, retryable false
LOG[error] wu_add_domain outage-1.com (site 1): failed: %sHTTP 503%s
outage 1: status 503, retryable true
LOG[error] wu_add_domain outage-2.com (site 2): failed: %sHTTP 503%s
outage 2: status 503, retryable true
LOG[warning] wu_add_domain outage-3.com (site 3): RunCloud failed 3 times in a row; this worker does not call it for 1.5 s (circuit open)
LOG[error] wu_add_domain outage-3.com (site 3): failed: %sHTTP 503%s
outage 3: status 503, retryable true
LOG[error] wu_add_domain outage-4.com (site 4): failed: not tried: RunCloud did not answer the last calls from this worker; trying again in %d s
bool(false)
circuit open: 0 requests, at once, retryable true
LOG[info] wu_add_domain outage-4.com (site 4): added (with www.outage-4.com), RunCloud domain %d; SSL %s
bool(true)
NULL
network.test first-try.com outage-4.com
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 2 name(s) added in this request: first-try.com, outage-4.com
