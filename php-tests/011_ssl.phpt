--TEST--
SSL follows the app's mode: redeploy in basic, per-domain certificate in advanced, skip when none, nothing when off
--INI--
wu_runcloud.ssl_batch=0
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
define_v3();
$i = integration();
$r = $i->add_domain('basic.example.com');
// The message only when the status is not the one expected: a failure says why.
echo $r['ssl_mode'], ' ', $r['ssl'], $r['ssl'] === 'redeployed' ? '' : ': ' . $r['ssl_message'], "\n";
print_r(array_diff_key($i->redeploy_ssl(), ['apps' => 0])); // apps: php-tests/033
var_dump(sim_state()['ssl']['redeploys']);
// With the DNS check off (php-tests/034 has it on), Let's Encrypt refuses a
// name that does not point here: the add stands, the SSL failure is said.
$r = integration(['dns_check' => 'off'])->add_domain('nodns.example.com');
echo $r['ssl_mode'], ' ', $r['ssl'], ' created=', var_export($r['created'], true), "\n", $r['ssl_message'], "\n";
show_throw(fn() => $i->redeploy_ssl());
sim_app(['ssl' => 'advanced']);
$r = $i->add_domain('adv.example.com');
echo $r['ssl_mode'], ' ', $r['ssl'], "\n";
echo $i->redeploy_ssl()['status'], "\n";
sim_app(['ssl' => 'none']);
$r = $i->add_domain('nossl.example.com');
echo $r['ssl_mode'], ' ', $r['ssl'], ': ', $r['ssl_message'], "\n";
print_r(array_diff_key($i->redeploy_ssl(), ['apps' => 0])); // apps: php-tests/033
sim_app(['ssl' => 'basic']);
sim_clear_requests();
$r = integration(['ssl' => 'off'])->add_domain('off-example.com');
echo $r['ssl'], "\n";
echo implode(' ', array_map(fn($c) => explode(' ', $c)[0], sim_calls())), "\n";
// Forced basic on an app whose mode would be advanced: no mode lookup.
sim_clear_requests();
$r = integration(['ssl' => 'basic'])->add_domain('forced.example.com');
echo $r['ssl'], ' ', count(array_filter(sim_calls(), fn($c) => str_ends_with($c, '/ssl/advanced'))), "\n";
?>
--EXPECTF--
basic redeployed
Array
(
    [mode] => basic
    [status] => redeployed
    [message] => the app's certificate (#%d) was redeployed to cover every name
)
int(2)
basic failed created=true
redeploying the SSL certificate of web application 201: RunCloud answered HTTP 422: Let's Encrypt could not validate nodns.example.com: DNS does not point to this server. Let's Encrypt could not issue the certificate: every name on the app must point (DNS A/AAAA record) at this server
WU_RunCloud_Exception [422]: redeploying the SSL certificate of web application 201: RunCloud answered HTTP 422: Let's Encrypt could not validate nodns.example.com: DNS does not point to this server. Let's Encrypt could not issue the certificate: every name on the app must point (DNS A/AAAA record) at this server
advanced issued
skipped
none skipped: no SSL certificate is installed on the web application; install one in RunCloud (SSL/TLS tab) to serve HTTPS
Array
(
    [mode] => none
    [status] => skipped
    [message] => no SSL certificate is installed on the web application; install one in RunCloud (SSL/TLS tab) to serve HTTPS
)
off
POST
redeployed 0
