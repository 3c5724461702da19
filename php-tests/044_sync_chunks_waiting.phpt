--TEST--
sync_domains() in chunks with names waiting for DNS: the waiting names (on the waiting list, not yet due) do not use up a chunk's limit and are not looked at again; each chunk adds up to its limit of the missing names, and the chain ends when nothing remains
--INI--
wu_runcloud.ssl_batch=0
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
define_v3();
$i = integration();
$waiting = [];
foreach (range(1, 5) as $n) {
    $i->add_domain($waiting[] = "shop$n-nodns.com");
}
$missing = ['site1.network.test', 'site2.network.test', 'site3.network.test'];
$names = array_merge($waiting, $missing);
$chunk = 0;
do {
    $chunk++;
    sim_clear_requests();
    $r = $i->sync_domains($names, ['apply' => true, 'limit' => 2]);
    $posts = count(array_filter(sim_calls(), fn($c) => str_starts_with($c, 'POST ') && str_ends_with($c, '/domains')));
    echo "chunk $chunk: added ", implode(' ', $r['added']), "; waiting ", count($r['waiting']), "; remaining {$r['remaining']}; $posts POST(s)\n";
} while ($r['remaining'] > 0 && ($r['added'] || $r['waiting']) && $chunk < 5);
echo $r['waiting'][0]['name'], ': ', preg_replace('/at \d{4}-\d\d-\d\d \d\d:\d\d UTC/', 'at <time>', $r['waiting'][0]['message']), "\n";
echo 'not checked by the audit: ', $r['not_checked'], "\n";
$on = sim_names();
echo 'waiting names on the app: ', count(array_intersect($waiting, $on)), '; missing ones on the app: ', count(array_intersect($missing, $on)), "\n";
?>
--EXPECT--
chunk 1: added site1.network.test site2.network.test; waiting 5; remaining 1; 2 POST(s)
chunk 2: added site3.network.test; waiting 5; remaining 0; 1 POST(s)
shop1-nodns.com: shop1-nodns.com waits for its DNS to point here; it is looked at again at <time>
not checked by the audit: 0
waiting names on the app: 0; missing ones on the app: 3
