--TEST--
No repeated certificate order: a name already on the app gets SSL again only when its last attempt failed; AutoSSL leaves certificates to RunCloud; an SSL mode answer without its flag is reported, not taken for basic
--INI--
wu_runcloud.ssl_batch=0
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
$i = integration();
// Certificate orders RunCloud accepted (a PUT to a certificate id that is gone, answered
// 404, orders nothing: that is how a remembered set-up is found stale).
$orders = fn() => count(array_filter(sim_requests(), fn($r) => $r['status'] < 300
    && ($r['method'] === 'PUT' && str_contains($r['path'], '/ssl/') || $r['method'] === 'POST' && str_ends_with($r['path'], '/ssl'))));

// Basic mode: the first add redeploys; the same add again orders nothing.
$r = $i->add_domain('repeat-shop.com');
echo "first: created=", var_export($r['created'], true), " ssl={$r['ssl']}\n";
sim_clear_requests();
$r = $i->add_domain('repeat-shop.com');
echo "again: created=", var_export($r['created'], true), " ssl={$r['ssl']} mode={$r['ssl_mode']}: {$r['ssl_message']}\n";
echo "certificate orders: ", $orders(), "\n";
var_dump($i->on_add_domain('repeat-shop.com', '3'));
echo "redeploys so far: ", sim_state()['ssl']['redeploys'], "\n";

// A failed certificate step is tried again on the next add of that name, then not again.
sim_fault(['status' => 500, 'count' => 1, 'method' => 'PUT']);
$r = integration(['max_retries' => 0])->add_domain('flaky-shop.com');
echo "flaky first: ssl={$r['ssl']}\n";
$r = $i->add_domain('flaky-shop.com');
echo "flaky again: created=", var_export($r['created'], true), " ssl={$r['ssl']}\n";
$r = $i->add_domain('flaky-shop.com');
echo "flaky third: ssl={$r['ssl']}\n";

// AutoSSL: RunCloud's job; no per-domain request.
sim_app(['ssl' => 'autossl']);
sim_clear_requests();
$r = $i->add_domain('auto-shop.com');
echo "autossl: mode={$r['ssl_mode']} ssl={$r['ssl']}: {$r['ssl_message']}\n";
echo "certificate orders: ", $orders(), "\n";

// An answer without the advancedSSL flag: said, with what it had; nothing ordered.
sim_app(['ssl' => 'unflagged']);
sim_clear_requests();
$r = $i->add_domain('unflagged-shop.com');
echo "unflagged: mode={$r['ssl_mode']} ssl={$r['ssl']}: {$r['ssl_message']}\n";
echo "certificate orders: ", $orders(), "\n";
echo $i->test_connection()['checks'][4]['message'], "\n";
?>
--EXPECTF--
first: created=true ssl=redeployed
again: created=false ssl=unchanged mode=unknown: repeat-shop.com was already on the app, so no certificate was ordered again
certificate orders: 0
LOG[info] wu_add_domain repeat-shop.com (site 3): already on the app (with www.repeat-shop.com), RunCloud domain %d; SSL unchanged: repeat-shop.com was already on the app, so no certificate was ordered again
bool(true)
redeploys so far: 1
flaky first: ssl=failed
flaky again: created=false ssl=redeployed
flaky third: ssl=unchanged
autossl: mode=autossl ssl=left_to_runcloud: AutoSSL is on: RunCloud installs the certificate for new domains by itself
certificate orders: 0
unflagged: mode=unknown ssl=unknown: RunCloud's SSL mode answer had no advancedSSL flag (it had: sslCertificate), so the certificate was left as it is; set wu_runcloud.ssl to basic or advanced
certificate orders: 0
RunCloud's SSL mode answer had no advancedSSL flag (it had: sslCertificate), so the certificate was left as it is; set wu_runcloud.ssl to basic or advanced
