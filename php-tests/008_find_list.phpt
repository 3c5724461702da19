--TEST--
find_domain() returns the RunCloud domain object or null; list_domains() returns every page
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
sim_app(['generate' => ['prefix' => 'site', 'suffix' => 'example.com', 'count' => 95]]);
define_v3();
$i = integration();
$d = $i->find_domain('site0090.example.com');
var_dump(is_int($d['id']), $d['name'], $d['type'], $d['www'], $d['wildcard'], $d['redirection']);
var_dump($i->find_domain('absent.example.com'));
$all = $i->list_domains();
var_dump(count($all), $all[0]['name'], $all[0]['type'], end($all)['name']);
$pages = array_map(fn($r) => $r['query']['page'] . '/' . $r['query']['perPage'], array_filter(sim_requests(), fn($r) => !isset($r['query']['search'])));
// Page 1 says there are 3: pages 2 and 3 are fetched at once, in either order.
sort($pages);
echo implode(' ', $pages), "\n";
?>
--EXPECT--
bool(true)
string(20) "site0090.example.com"
string(5) "alias"
bool(false)
bool(false)
string(4) "none"
NULL
int(96)
string(12) "network.test"
string(7) "primary"
string(20) "site0095.example.com"
1/40 2/40 3/40
