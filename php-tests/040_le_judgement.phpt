--TEST--
Names judged as Let's Encrypt judges them: an AAAA record elsewhere, or a CAA set that allows only another CA, holds the name off the shared certificate with its cause in add_domain()'s result and the hook's log line; the other names are certified, and no order is refused
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
$i = integration(['ssl_batch' => 'off']);

sim_call('POST', '/__sim/dns', ['name' => 'v6-away.com', 'addresses' => ['127.0.0.10', '::1']]);
$r = $i->add_domain('v6-away.com');
echo $r['ssl'], ' points=', var_export($r['dns']['points'], true), ' addresses=', implode(',', $r['dns']['addresses']), "\n";
echo $r['ssl_message'], "\n";

sim_call('POST', '/__sim/dns', ['name' => 'other-ca.com', 'caa' => [['issue', 'pki.goog']]]);
var_dump($i->on_add_domain('shop.other-ca.com', '3'));
echo $i->last_add()['ssl'], "\n";

$r = $i->add_domain('fine.com');
echo $r['ssl'], "\n";
echo 'on the app: ', implode(',', array_intersect(['v6-away.com', 'shop.other-ca.com', 'fine.com'], sim_names())), "\n";
echo 'refused orders: ', sim_state()['ssl']['refused_orders'], "\n";
?>
--EXPECTF--
waiting_dns points=false addresses=127.0.0.10,::1
v6-away.com was not added yet: it is added and put on the certificate once it points here. AAAA record elsewhere: v6-away.com has the AAAA record ::1, not this server's (127.0.0.10); Let's Encrypt validates over IPv6 when a name has one and does not fall back to IPv4: remove that record or point it here
LOG[warning] wu_add_domain shop.other-ca.com (site 3): waiting for DNS, not on the app: shop.other-ca.com was not added yet: it is added and put on the certificate once it points here. CAA allows only pki.goog (the CAA records of other-ca.com): Let's Encrypt may not issue a certificate for shop.other-ca.com; add the record `other-ca.com. CAA 0 issue "letsencrypt.org"`
bool(true)
waiting_dns
redeployed
on the app: fine.com
refused orders: 0
