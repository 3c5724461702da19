--TEST--
A Rust panic under a PHP call becomes an exception (strict methods) or false (hooks); the process lives on
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
$i = integration();
putenv('WU_RUNCLOUD_TEST_PANIC=1');
show_throw(fn() => $i->add_domain('boom.example.com'));
var_dump($i->on_add_domain('boom.example.com', 1));
$r = $i->test_connection();
var_dump($r['ok']);
putenv('WU_RUNCLOUD_TEST_PANIC');
var_dump($i->add_domain('fine.example.com')['created']);
echo "still alive\n";
?>
--EXPECTF--
%AWU_RunCloud_Exception [0]: internal error in wu_runcloud: panic requested by WU_RUNCLOUD_TEST_PANIC
%ALOG[error] wu_add_domain boom.example.com (site 1): failed: internal error in wu_runcloud: panic requested by WU_RUNCLOUD_TEST_PANIC
bool(false)
%Abool(false)
bool(true)
still alive
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 1 name(s) added in this request: fine.example.com
