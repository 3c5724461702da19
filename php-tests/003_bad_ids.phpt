--TEST--
Server and app IDs must be positive integers: the error names the constant, before any request
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
define('WU_RUNCLOUD_API_TOKEN', SIM_TOKEN);
define('WU_RUNCLOUD_SERVER_ID', '12abc');
define('WU_RUNCLOUD_APP_ID', -4);
$i = integration();
var_dump($i->is_setup());
show_throw(fn() => $i->add_domain('shop.example.com'));
$r = $i->test_connection();
var_dump($r['ok']);
echo $r['checks'][0]['message'], "\n";
var_dump(count(sim_requests()));
?>
--EXPECT--
bool(true)
WU_RunCloud_Exception [0]: WU_RUNCLOUD_SERVER_ID must be a positive integer (RunCloud's numeric ID, as in the dashboard address), got "12abc"
bool(false)
WU_RUNCLOUD_SERVER_ID must be a positive integer (RunCloud's numeric ID, as in the dashboard address), got "12abc"
int(0)
