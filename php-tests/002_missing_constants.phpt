--TEST--
is_setup() and get_missing_constants() follow Ultimate Multisite's meaning; nothing runs without constants
--FILE--
<?php
require __DIR__ . '/sim.inc';
function wu_log_add($handle, $message, $level) { echo "LOG[$handle/$level] $message\n"; }
sim_reset();
$i = integration();
var_dump($i->is_setup());
echo implode(',', $i->get_missing_constants()), "\n";
define('WU_RUNCLOUD_API_KEY', 'k-12345');
define('WU_RUNCLOUD_API_SECRET', '');
define('WU_RUNCLOUD_SERVER_ID', 101);
echo implode(',', $i->get_missing_constants()), "\n";
show_throw(fn() => $i->add_domain('shop.example.com'));
show_throw(fn() => $i->list_domains());
$r = $i->test_connection();
var_dump($r['ok'], $r['checks'][0]['name'], $r['checks'][0]['ok']);
echo $r['message'], "\n";
var_dump($i->on_add_domain('shop.example.com', 3));
var_dump(count(sim_requests()));
?>
--EXPECT--
bool(false)
WU_RUNCLOUD_API_TOKEN,WU_RUNCLOUD_SERVER_ID,WU_RUNCLOUD_APP_ID
WU_RUNCLOUD_API_SECRET,WU_RUNCLOUD_APP_ID
WU_RunCloud_Exception [0]: RunCloud integration is not set up: define WU_RUNCLOUD_API_SECRET, WU_RUNCLOUD_APP_ID in wp-config.php
WU_RunCloud_Exception [0]: RunCloud integration is not set up: define WU_RUNCLOUD_API_SECRET, WU_RUNCLOUD_APP_ID in wp-config.php
bool(false)
string(9) "constants"
bool(false)
Missing constants: WU_RUNCLOUD_API_SECRET, WU_RUNCLOUD_APP_ID. Define them in wp-config.php
LOG[integration-runcloud/error] wu_add_domain shop.example.com (site 3): failed: RunCloud integration is not set up: define WU_RUNCLOUD_API_SECRET, WU_RUNCLOUD_APP_ID in wp-config.php
bool(false)
int(0)
