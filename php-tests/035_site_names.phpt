--TEST--
A subdomain install's own names (DOMAIN_CURRENT_SITE, SUBDOMAIN_INSTALL read from the interpreter) are site names whichever hook brings them: no www twin, one wildcard question per parent; the glue's log lines go where the extension's do
--INI--
wu_runcloud.www=always
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
define('SUBDOMAIN_INSTALL', true);
define('DOMAIN_CURRENT_SITE', 'network.test');
$i = integration();
function lookups(): int {
    return count(array_filter(sim_requests(), fn($r) => $r['method'] === 'GET' && ($r['query']['search'] ?? '') === 'network.test'));
}
// What UM queues for a new site, as Action Scheduler passes it: the name through both hooks.
var_dump($i->on_add_domain('alice.network.test', 5));
var_dump($i->on_add_subdomain('alice.network.test', '5'));
$entry = array_values(array_filter(sim_state()['domains'], fn($d) => $d['name'] === 'alice.network.test'));
echo 'entries: ', count($entry), ' www: ', var_export($entry[0]['www'], true), ' wildcard lookups: ', lookups(), "\n";
// A mapped custom domain keeps the www policy.
$r = $i->add_domain('shop.com');
echo 'shop.com www: ', var_export($r['www'], true), "\n";
// The glue's own lines reach the same log.
var_dump(WU_RunCloud_Integration::log('warning', 'wu_add_domain x.com: will try again in 60 s (token sim-token-0123456789)'));
?>
--EXPECTF--
LOG[info] wu_add_domain alice.network.test (site 5): added, RunCloud domain %d; SSL queued: %s
bool(true)
LOG[info] wu_add_subdomain alice.network.test (site 5): already on the app, RunCloud domain %d; SSL unchanged: %s
bool(true)
entries: 1 www: false wildcard lookups: 1
shop.com www: true
LOG[warning] wu_add_domain x.com: will try again in 60 s (token [redacted])
bool(true)
LOG[info] SSL of web application 201 on server 101: %s
