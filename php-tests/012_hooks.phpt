--TEST--
The on_* hooks never throw: they log one line through wu_log_add() and return whether they succeeded
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($handle, $message, $level) { echo "LOG[$handle/$level] $message\n"; }
define_v2();
$i = integration();
var_dump($i->on_add_domain('mapped.example.com', 12));
var_dump($i->on_add_domain('mapped.example.com', 12));
var_dump($i->on_add_subdomain('alice.network.test', 13));
var_dump($i->on_remove_domain('mapped.example.com', 12));
var_dump($i->on_remove_domain('mapped.example.com', 12));
var_dump($i->on_remove_subdomain('alice.network.test'));
var_dump($i->on_add_domain('bad name', 14));
sim_fault(['status' => 503, 'count' => 10]);
var_dump(integration(['max_retries' => 1])->on_add_domain('later.example.com', 15));
sim_call('DELETE', '/__sim/faults');
var_dump($i->on_remove_domain('network.test', 1));
echo implode(' ', sim_names()), "\n";
?>
--EXPECTF--
LOG[integration-runcloud/info] wu_add_domain mapped.example.com (site 12): added, RunCloud domain %d; SSL queued: the app's certificate (#%d) is redeployed once when this PHP request ends, for every name added in it
bool(true)
LOG[integration-runcloud/info] wu_add_domain mapped.example.com (site 12): already on the app, RunCloud domain %d; SSL unchanged: mapped.example.com was already on the app, so no certificate was ordered again
bool(true)
LOG[integration-runcloud/info] wu_add_subdomain alice.network.test (site 13): added, RunCloud domain %d; SSL queued: the app's certificate (#%d) is redeployed once when this PHP request ends, for every name added in it
bool(true)
LOG[integration-runcloud/info] wu_remove_domain mapped.example.com (site 12): removed from RunCloud web application 201
bool(true)
LOG[integration-runcloud/info] wu_remove_domain mapped.example.com (site 12): not on RunCloud web application 201; nothing to remove
bool(true)
LOG[integration-runcloud/info] wu_remove_subdomain alice.network.test: removed from RunCloud web application 201
bool(true)
LOG[integration-runcloud/error] wu_add_domain "bad name" (site 14): failed: Invalid domain name "bad name": it contains spaces
bool(false)
LOG[integration-runcloud/error] wu_add_domain later.example.com (site 15): failed: %sRunCloud answered HTTP 503: Simulated HTTP 503. RunCloud had a server error; try again later
bool(false)
LOG[integration-runcloud/error] wu_remove_domain network.test (site 1): failed: network.test is the primary domain of web application 201; it was not removed. Change the primary domain in RunCloud first
bool(false)
network.test
