--TEST--
sync_domains(): a dry run by default (nothing changes), then chunks of at most 'limit' changes with one certificate update each; removes only names passed in 'remove'; bad arguments are refused before anything is sent; an app that cannot be read throws
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
sim_app(['generate' => ['prefix' => 'site', 'suffix' => 'example.com', 'count' => 90]]);
sim_add('admins-own.com');
sim_settings(['ignore_search' => true]);
define_v3();
$i = integration();
$names = array_map(fn($n) => sprintf('site%04d.example.com', $n), range(1, 88));
$names = array_merge($names, ['fresh-one.com', 'fresh-two.com', 'fresh-three.org', 'network.test', 'https://bad/']);

sim_clear_requests();
$r = $i->sync_domains($names);
echo 'dry run: ', json_encode(['dry' => $r['dry_run'], 'to_add' => $r['to_add'], 'in_step' => $r['in_step'], 'remaining' => $r['remaining']]), "\n";
echo 'unknown: ', implode(' ', $r['unknown']), "\n";
foreach ($r['skipped'] as $s) echo "skipped {$s['name']}: {$s['reason']}\n";
echo 'methods: ', implode(' ', array_unique(array_column(sim_requests(), 'method'))), "\n";

foreach ([1, 2] as $round) {
    sim_clear_requests();
    $r = $i->sync_domains($names, ['apply' => true, 'limit' => 2]);
    $puts = count(array_filter(sim_requests(), fn($q) => $q['method'] === 'PUT'));
    echo "round $round: added ", implode(' ', $r['added']), "; remaining {$r['remaining']}; ssl {$r['ssl']['status']}; redeploys $puts\n";
}
$r = $i->sync_domains($names, ['apply' => true, 'remove' => ['site0090.example.com', 'network.test']]);
echo 'removed: ', implode(' ', $r['removed']), '; remaining ', $r['remaining'], "\n";
echo 'admins-own.com still there: ', var_export(in_array('admins-own.com', sim_names(), true), true), "\n";

sim_clear_requests();
show_throw(fn() => $i->sync_domains('shop.com'));
show_throw(fn() => $i->sync_domains([], ['colour' => 'red']));
show_throw(fn() => $i->sync_domains([], ['limit' => 0]));
show_throw(fn() => $i->sync_domains([], ['remove' => ['not a name']]));
echo 'requests for bad arguments: ', count(sim_requests()), "\n";
// The app cannot be read: the one failure that throws.
sim_fault(['method' => 'GET', 'status' => 404, 'count' => 5]);
show_throw(fn() => $i->sync_domains(['a.com'], ['apply' => true]));
sim_call('DELETE', '/__sim/faults');
?>
--EXPECTF--
dry run: {"dry":true,"to_add":["fresh-one.com","fresh-two.com","fresh-three.org"],"in_step":88,"remaining":3}
unknown: admins-own.com site0089.example.com site0090.example.com
skipped network.test: the app's primary domain
skipped https://bad/: %s
methods: GET
round 1: added fresh-one.com fresh-two.com; remaining 1; ssl redeployed; redeploys 1
round 2: added fresh-three.org; remaining 0; ssl redeployed; redeploys 1
removed: site0090.example.com; remaining 0
admins-own.com still there: true
TypeError: WU_RunCloud_Integration::sync_domains(): Argument #1 ($names) must be of type array, string given
InvalidArgumentException: sync_domains(): unknown option "colour"; known options: apply, limit, remove
InvalidArgumentException: sync_domains(): option "limit" must be from 1 to 500, got 0
InvalidArgumentException: sync_domains(): option "remove": %s
requests for bad arguments: 0
WU_RunCloud_Exception [404]: listing the domains of web application 201 (page 1): %s
