--TEST--
Subdomain sites: added without a www twin; skipped (and true) under a wildcard domain, for wu_add_domain too (UM 2.4+ fires both); a registrable mapped name costs no wildcard lookup
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
// The request ends (its batch and what it learnt go); in the next, the app has a wildcard.
WU_RunCloud_Integration::flush_ssl();
sim_app(['wildcard' => true]);
sim_clear_requests();
var_dump($i->on_add_subdomain('carol.network.test', 6));
echo implode(' ', array_unique(array_map(fn($c) => explode(' ', $c)[0], sim_calls()))), "\n";
var_dump($i->find_domain('carol.network.test'));
// Ultimate Multisite 2.4+ also queues wu_add_domain for the new site's own name: the
// wildcard answer of this request serves it, with no request at all.
sim_clear_requests();
var_dump($i->on_add_domain('carol.network.test', '6'));
echo implode(' ', array_unique(array_map(fn($c) => explode(' ', $c)[0], sim_calls()))), "\n";
var_dump($i->find_domain('carol.network.test'));
// A registrable name cannot be under a wildcard: the add is the first request.
sim_clear_requests();
var_dump($i->on_add_domain('customer-shop.com', 8));
echo sim_calls()[0], "\n";
?>
--EXPECTF--
LOG[info] wu_add_subdomain bob.network.test (site 5): added, RunCloud domain %d; SSL %s
bool(true)
bool(false)
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 1 name(s) added in this request: bob.network.test
LOG[info] wu_add_subdomain carol.network.test (site 6): covered by the wildcard domain *.network.test; nothing added
bool(true)
GET
NULL
LOG[info] wu_add_domain carol.network.test (site 6): covered by the wildcard domain *.network.test; nothing added
bool(true)

NULL
LOG[info] wu_add_domain customer-shop.com (site 8): added (with www.customer-shop.com), RunCloud domain %d; SSL %s
bool(true)
POST /servers/101/webapps/201/domains
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 1 name(s) added in this request: customer-shop.com
