--TEST--
API v3 (Bearer token): add_domain() and remove_domain() change the app, with the documented requests
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
define_v3();
$i = integration();
$r = $i->add_domain('  Shop.Example.COM. ');
var_dump($r['name'], $r['created'], $r['www'], $r['ssl'], $r['ssl_mode'], $r['id'] > 0);
$r = $i->add_domain('customer.com.au');
var_dump($r['www'], $r['created']);
$r = $i->add_domain('customer.com.au');
var_dump($r['created']);
echo implode(' ', sim_names()), "\n";
var_dump($i->remove_domain('shop.example.com'));
var_dump($i->remove_domain('shop.example.com'));
echo implode(' ', sim_names()), "\n";
$reqs = sim_requests();
echo implode("\n", array_unique(array_map(fn($r) => $r['version'] . ' ' . ($r['accept_json'] && $r['content_type_json'] ? 'json' : 'NOT-JSON'), $reqs))), "\n";
$post = array_values(array_filter($reqs, fn($r) => $r['method'] === 'POST'))[1];
echo $post['body'], "\n";
?>
--EXPECT--
string(16) "shop.example.com"
bool(true)
bool(false)
string(6) "queued"
string(5) "basic"
bool(true)
bool(true)
bool(true)
bool(false)
network.test shop.example.com customer.com.au
bool(true)
bool(false)
network.test customer.com.au
v3 json
{"name":"customer.com.au","redirection":"non-www","type":"alias","www":true}
