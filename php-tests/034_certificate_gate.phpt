--TEST--
Certificates: a name that does not point here waits (waiting_dns) instead of breaking the shared certificate; check_domain() adds it once DNS points; a failed request-end redeploy stays owed and the next flush makes it; probe_answer(); sync's not_pointing
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
// flush_ssl() is static: it finds the apps through the constants and INI.
ini_set('wu_runcloud.api_url', sim_api());
$i = integration();
function puts(): int { return count(array_filter(sim_calls(), fn($c) => str_starts_with($c, 'PUT'))); }

// Mapped before DNS points (UM fires wu_add_domain when the mapping is created).
sim_point('early.com', []);
$r = $i->add_domain('early.com');
echo $r['ssl'], ' id=', var_export($r['id'], true), ' points=', var_export($r['dns']['points'], true), "\n";
echo $r['ssl_message'], "\n";
echo 'on the app: ', var_export(in_array('early.com', sim_names()), true), "\n";
// The hook says the same through last_add() and returns true: the event was handled.
var_dump($i->on_add_domain('early.com', '9'));
echo $i->last_add()['ssl'], "\n";
echo 'flushed: ', count(WU_RunCloud_Integration::flush_ssl()), "\n";

// DNS now points: the re-check adds it and the request-end flush certifies it.
sim_point('early.com', null);
$r = $i->check_domain('early.com');
echo $r['ssl'], ' created=', var_export($r['created'], true), ' via=', $r['dns']['via'], ' server=', implode(',', $r['dns']['server']), "\n";
$f = WU_RunCloud_Integration::flush_ssl();
echo $f[0]['status'], ' ', implode(',', $f[0]['names']), "\n";
echo 'refused orders: ', sim_state()['ssl']['refused_orders'], "\n";

// A request-end redeploy answered 503 is reported and stays owed.
$i->add_domain('outage.com');
sim_fault(['method' => 'PUT', 'status' => 503, 'count' => 1]);
$f = WU_RunCloud_Integration::flush_ssl();
echo $f[0]['status'], "\n";
echo 'owed: ', json_encode($i->owed_ssl()), "\n";
// The next flush (nothing added in it) makes it.
$before = puts();
$f = WU_RunCloud_Integration::flush_ssl();
echo $f[0]['status'], ' puts: ', puts() - $before, "\n";
echo 'owed: ', json_encode($i->owed_ssl()), "\n";
echo 'flush again: ', count(WU_RunCloud_Integration::flush_ssl()), "\n";

// The probe's answer: a 64-hex HMAC for a fresh token, nothing for others.
$token = time() . '-' . bin2hex(random_bytes(16));
$a = $i->probe_answer($token);
echo strlen($a), ' ', var_export((bool) preg_match('/^[0-9a-f]{64}$/', $a), true), ' same=', var_export($a === integration()->probe_answer($token), true), "\n";
var_dump($i->probe_answer((time() - 600) . '-' . bin2hex(random_bytes(16))), $i->probe_answer('x'), $i->probe_answer(['x']));

// Names on the app whose DNS moved away make the next renewal fail: listed.
sim_add('moved.com');
sim_point('moved.com', ['127.0.0.99']);
$s = $i->sync_domains(['early.com', 'moved.com', 'nodns-new.com']);
echo json_encode($s['not_pointing']), "\n";
$s = $i->sync_domains(['early.com', 'moved.com', 'nodns-new.com'], ['apply' => true]);
echo 'waiting: ', implode(',', array_column($s['waiting'], 'name')), ' added: ', count($s['added']), "\n";

// Advanced mode: on the app at once, its own certificate once it points.
sim_app(['ssl' => 'advanced']);
sim_point('adv.com', ['127.0.0.99']);
$r = integration()->add_domain('adv.com');
echo $r['ssl_mode'], ' ', $r['ssl'], ' created=', var_export($r['created'], true), "\n";
sim_point('adv.com', null);
echo integration()->check_domain('adv.com')['ssl'], "\n";
?>
--EXPECTF--
waiting_dns id=NULL points=false
early.com was not added yet: it is added and put on the certificate once it points here. early.com has no A or AAAA record yet: point it at this server (127.0.0.10)
on the app: false
LOG[warning] wu_add_domain early.com (site 9): waiting for DNS, not on the app: early.com was not added yet: it is added and put on the certificate once it points here. early.com has no A or AAAA record yet: point it at this server (127.0.0.10)
bool(true)
waiting_dns
flushed: 0
queued created=true via=dns server=127.0.0.10
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 1 name(s) added in this request: early.com
redeployed early.com
refused orders: 0
LOG[error] SSL of web application 201 on server 101: the app's certificate was not redeployed for 1 name(s) added in this request (outage.com): %s HTTP 503%s
failed
owed: [{"server":101,"app":201,"names":["outage.com"]}]
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 0 name(s) added in this request (and 1 owed by earlier requests): outage.com
redeployed puts: 1
owed: []
flush again: 0
64 true same=true
NULL
NULL
NULL
[{"name":"moved.com","message":"moved.com points at 127.0.0.99, not at this server (127.0.0.10): Let's Encrypt could not validate it here"}]
waiting: nodns-new.com added: 0
advanced waiting_dns created=true
issued
