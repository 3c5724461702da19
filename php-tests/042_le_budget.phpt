--TEST--
Let's Encrypt's limits kept, never hit (the simulator refuses as Let's Encrypt would and counts): a basic app takes no name past 100 certificate names (certificate_full, not added), certificate_status() shows the count; advanced_ssl() plans without changing anything, then switches and orders at most max_orders a call, resumably; a sixth forced redeploy of one set is refused before it is sent; the twelfth order of a week for one registered domain is deferred with its time and stays owed
--INI--
wu_runcloud.ssl_batch=0
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
sim_call('POST', '/__sim/letsencrypt', ['limits' => true]);
// The primary and 97 customer domains: 98 names on the one certificate.
sim_app(['generate' => ['prefix' => 'cust', 'suffix' => 'com', 'count' => 97]]);
define_v3();
$i = integration();
$r = $i->add_domain('new-a.com');
echo "new-a.com: {$r['ssl']}, www ", var_export($r['www'], true), "\n";
$r = $i->add_domain('new-b.com');
echo "new-b.com: {$r['ssl']}, id ", var_export($r['id'], true), ", created ", var_export($r['created'], true), "\n";
echo $r['ssl_message'], "\n";
echo 'new-b.com on the app: ', var_export(in_array('new-b.com', sim_names(), true), true), "\n";
$s = $i->certificate_status()[0];
echo "status: {$s['mode']} {$s['names']} of {$s['limit']}, {$s['orders_this_week']} order(s) this week\n";

// The way out: a plan changes nothing.
sim_clear_requests();
$plan = $i->advanced_ssl();
$steps = array_count_values(array_column($plan['names'], 'step'));
ksort($steps);
echo "plan: from {$plan['mode_before']}, applied ", var_export($plan['applied'], true), ', ', json_encode($steps), "\n";
echo 'plan methods: ', implode(' ', array_unique(array_column(sim_requests(), 'method'))), "\n";
echo $plan['message'], "\n";
// Applied, five orders a call: the switch once, then it goes on where it stopped.
foreach ([1, 2] as $call) {
    sim_clear_requests();
    $plan = $i->advanced_ssl(['apply' => true, 'max_orders' => 5]);
    $orders = count(array_filter(sim_calls(), fn($c) => preg_match('#^POST .*/domains/\d+/ssl$#', $c)));
    $switches = count(array_filter(sim_calls(), fn($c) => str_ends_with($c, '/ssl/advanced') && str_starts_with($c, 'POST')));
    echo "apply $call: switched ", var_export($plan['switched'], true), ", ordered {$plan['ordered']}, sent $orders order(s), $switches switch(es)\n";
}
echo 'app advanced now: ', var_export(sim_state()['ssl']['advanced'], true), "\n";
show_throw(fn() => $i->advanced_ssl(['apply' => true, 'max_orders' => 0]));
show_throw(fn() => $i->advanced_ssl(['colour' => 'blue']));
echo 'refused by Let\'s Encrypt: ', json_encode(sim_call('GET', '/__sim/letsencrypt')['refused']), "\n";

// Five of one set a week: the sixth forced redeploy is refused here, before it is sent.
sim_reset();
sim_call('POST', '/__sim/letsencrypt', ['limits' => true]);
$sent = 0;
for ($n = 1; $n <= 6; $n++) {
    try {
        $i->redeploy_ssl();
        $sent++;
    } catch (WU_RunCloud_Exception $e) {
        echo "redeploy $n: ", preg_replace('/at \d{4}-\d\d-\d\d \d\d:\d\d UTC/', 'at <time>', $e->getMessage()), "\n";
    }
}
echo "sent $sent, issued ", sim_call('GET', '/__sim/letsencrypt')['issued'], ', refused ', json_encode(sim_call('GET', '/__sim/letsencrypt')['refused']), "\n";

// Fifty a registered domain a week, spaced: ten orders at once, then the next waits its turn.
sim_reset();
sim_call('POST', '/__sim/letsencrypt', ['limits' => true]);
$j = integration(['www' => 'never']);
$seen = [];
for ($n = 1; $n <= 12; $n++) {
    $r = $j->add_domain("shop$n.example.com");
    $seen[] = $r['ssl'];
}
echo implode(' ', $seen), "\n";
$wait = $r['ssl_next_order'] - time();
echo 'next order in about ', round($wait / 60), " min; message: ", preg_replace('/at \d{4}-\d\d-\d\d \d\d:\d\d UTC/', 'at <time>', $r['ssl_message']), "\n";
echo 'owed: ', implode(' ', $j->owed_ssl()[0]['names']), "\n";
$s = $j->certificate_status()[0];
echo "status: owed ", implode(' ', $s['owed']), ", next order ", $s['next_order'] === $r['ssl_next_order'] ? 'the same time' : 'differs', "\n";
echo 'refused by Let\'s Encrypt: ', json_encode(sim_call('GET', '/__sim/letsencrypt')['refused']), "\n";
?>
--EXPECTF--
new-a.com: redeployed, www true
new-b.com: certificate_full, id NULL, created false
certificate full: new-b.com (with its www twin) was not added, since the app's one certificate has 100 names and would need 102, and Let's Encrypt puts at most 100 on a certificate. The way out is advanced SSL, one certificate per name: `wp runcloud ssl --advanced` shows the plan
new-b.com on the app: false
status: basic 100 of 100, 1 order(s) this week
plan: from basic, applied false, {"now":99}
plan methods: GET
advanced SSL for 99 name(s) (the app was basic): 0 done, 99 now, 0 later, the last order at %s UTC. Nothing was changed: apply the plan to switch the app and order
apply 1: switched true, ordered 5, sent 5 order(s), 1 switch(es)
apply 2: switched false, ordered 5, sent 5 order(s), 0 switch(es)
app advanced now: true
InvalidArgumentException: advanced_ssl(): option "max_orders" must be from 1 to 100, got 0
InvalidArgumentException: advanced_ssl(): unknown option "colour"; known options: apply, max_orders
refused by Let's Encrypt: []
redeploy 6: not sent: weekly limit, next order at <time>: this exact set of names was certified 5 times in 7 days, and Let's Encrypt issues at most 5
sent 5, issued 5, refused []
redeployed redeployed redeployed redeployed redeployed redeployed redeployed redeployed redeployed redeployed redeployed deferred
next order in about 16 min; message: not sent: weekly limit, next order at <time>: 11 certificates for network.test in 7 days, so orders are spaced to keep the week's 45 from running out
owed: shop12.example.com
status: owed shop12.example.com, next order the same time
refused by Let's Encrypt: []
