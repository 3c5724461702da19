--TEST--
RunCloud's real shapes: a www twin (www: 1 on the bare name) is found, mapped and refused for removal clearly; names added in Unicode match punycode input; a wildcard stored as *.example.com; a list past its end repeating the last page; an unreadable entry skipped and logged
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
$i = integration();

// www twins.
$r = $i->add_domain('twin-shop.com');
echo "twin-shop.com www=", var_export($r['www'], true), "\n";
$f = $i->find_domain('www.twin-shop.com');
echo "find www.twin-shop.com: entry {$f['name']}, twin_of {$f['twin_of']}\n";
$r = $i->add_domain('www.twin-shop.com');
echo "map www.twin-shop.com: created=", var_export($r['created'], true), " ssl={$r['ssl']}\n";
var_dump($i->on_add_domain('www.twin-shop.com', '4'));
show_throw(fn() => $i->remove_domain('www.twin-shop.com'));
echo implode(' ', sim_names()), "\n";

// A name added in RunCloud's dashboard in Unicode.
sim_add('bücher.de');
$f = $i->find_domain('BÜCHER.de');
echo "find bücher.de: {$f['name']}\n";
var_dump($i->remove_domain('xn--bcher-kva.de'));

// A wildcard stored as the name *.network.test.
sim_add('*.network.test');
var_dump($i->on_add_subdomain('dora.network.test', '5'));

// No meta, and a page past the end repeats the last page: the end of the list.
sim_reset();
sim_app(['generate' => ['count' => 45, 'suffix' => 'many.test']]);
sim_settings(['pagination' => 'repeat_last', 'ignore_search' => true]);
var_dump($i->find_domain('absent.example.com'));
echo count($i->list_domains()), " domains listed\n";
var_dump($i->remove_domain('site0044.many.test'));

// One unreadable entry (no id yet) does not fail every removal on the app.
sim_settings(['pagination' => 'standard', 'ignore_search' => false]);
sim_fault(['method' => 'GET', 'path_contains' => '/domains', 'count' => 1, 'status' => 200,
    'body' => json_encode(['data' => [['id' => null, 'name' => 'pending.example.com'], ['id' => 7, 'name' => 'other.example.com']], 'meta' => ['pagination' => ['total_pages' => 1]]])]);
var_dump($i->on_remove_domain('gone.example.com', '6'));
?>
--EXPECTF--
twin-shop.com www=true
find www.twin-shop.com: entry twin-shop.com, twin_of twin-shop.com
map www.twin-shop.com: created=false ssl=unchanged
LOG[info] wu_add_domain www.twin-shop.com (site 4): already on the app as the www twin of twin-shop.com, RunCloud domain %d; SSL unchanged: www.twin-shop.com is served by twin-shop.com as its www twin, so no certificate was ordered again
bool(true)
WU_RunCloud_Exception [0]: www.twin-shop.com is not an entry of its own: it is the www twin of twin-shop.com (RunCloud domain %d). To stop serving it, turn off www for twin-shop.com in RunCloud, or remove twin-shop.com
network.test twin-shop.com
find bücher.de: xn--bcher-kva.de
bool(true)
LOG[info] wu_add_subdomain dora.network.test (site 5): covered by the wildcard domain *.network.test; nothing added
bool(true)
NULL
46 domains listed
bool(true)
LOG[warning] wu_remove_domain gone.example.com (site 6): skipped an unreadable entry on page 1 of the domain list: a domain entry has no numeric id
LOG[info] wu_remove_domain gone.example.com (site 6): not on RunCloud web application 201; nothing to remove
bool(true)
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 1 name(s) added in this request: twin-shop.com
