--TEST--
A domain on the fourth page of a 150-domain app is removed while the simulator ignores search: page 1 shows it, pages 2 to 4 are fetched at once (in any order), then one DELETE
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
sim_app(['generate' => ['prefix' => 'shop', 'suffix' => 'example.net', 'count' => 150]]);
sim_settings(['ignore_search' => true]);
sim_clear_requests();
define_v2();
var_dump(integration()->remove_domain('shop0140.example.net'));
$lines = array_map(fn($r) => $r['method'] . ' ' . preg_replace('#^/api/v2/servers/101/webapps/201#', '{app}', $r['path'])
    . (isset($r['query']['page']) ? " page={$r['query']['page']} perPage={$r['query']['perPage']} search={$r['query']['search']}" : ''), sim_requests());
// The first and the last in order; the parallel pages between them sorted.
$middle = array_slice($lines, 1, -1);
sort($middle);
echo implode("\n", array_merge([$lines[0]], $middle, [end($lines)])), "\n";
echo count(sim_names()), ' left; shop0140 there: ', var_export(in_array('shop0140.example.net', sim_names()), true), "\n";
sim_settings(['ignore_search' => false]);
?>
--EXPECTF--
bool(true)
GET {app}/domains page=1 perPage=40 search=shop0140.example.net
GET {app}/domains page=2 perPage=40 search=shop0140.example.net
GET {app}/domains page=3 perPage=40 search=shop0140.example.net
GET {app}/domains page=4 perPage=40 search=shop0140.example.net
DELETE {app}/domains/%d
150 left; shop0140 there: false
