--TEST--
A domain on the fourth page of a 150-domain app is removed while the simulator ignores search
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
sim_app(['generate' => ['prefix' => 'shop', 'suffix' => 'example.net', 'count' => 150]]);
sim_settings(['ignore_search' => true]);
sim_clear_requests();
define_v2();
var_dump(integration()->remove_domain('shop0140.example.net'));
foreach (sim_requests() as $r) {
    echo $r['method'], ' ', preg_replace('#^/api/v2/servers/101/webapps/201#', '{app}', $r['path']),
        isset($r['query']['page']) ? " page={$r['query']['page']} perPage={$r['query']['perPage']} search={$r['query']['search']}" : '', "\n";
}
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
