--TEST--
Subdomain sites: added without a www twin; skipped (and true) under a wildcard domain
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
$i = integration(['www' => 'always']);
var_dump($i->on_add_subdomain('bob.network.test', 5));
$d = $i->find_domain('bob.network.test');
var_dump($d['www']);
sim_app(['wildcard' => true]);
sim_clear_requests();
var_dump($i->on_add_subdomain('carol.network.test', 6));
echo implode(' ', array_unique(array_map(fn($c) => explode(' ', $c)[0], sim_calls()))), "\n";
var_dump($i->find_domain('carol.network.test'));
?>
--EXPECTF--
LOG[info] wu_add_subdomain (site 5): added bob.network.test, RunCloud domain %d; SSL %s
bool(true)
bool(false)
LOG[info] wu_add_subdomain (site 6): carol.network.test is covered by the wildcard domain *.network.test; nothing added
bool(true)
GET
NULL
