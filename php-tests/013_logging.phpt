--TEST--
Without Ultimate Multisite, hooks log through error_log() with a wu_runcloud: prefix; wu_runcloud.log=off silences them; a throwing logger does not break a hook
--INI--
error_log={TMP}/wu_runcloud_013.log
log_errors=1
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
$log = sys_get_temp_dir() . '/wu_runcloud_013.log';
@unlink($log);
define_v3();
var_dump(integration()->on_add_domain('logged-shop.com', 2));
ini_set('wu_runcloud.log', 'off');
var_dump(integration()->on_remove_domain('logged-shop.com', 2));
ini_set('wu_runcloud.log', 'on');
var_dump(integration(['log' => 'off'])->on_add_domain('quiet.example.com', 2));
$lines = file($log, FILE_IGNORE_NEW_LINES);
echo count($lines), "\n";
echo preg_replace('/^\[[^\]]+\] /', '', $lines[0]), "\n";
@unlink($log);
?>
--EXPECTF--
bool(true)
bool(true)
bool(true)
1
wu_runcloud: [info] wu_add_domain logged-shop.com (site 2): added (with www.logged-shop.com), RunCloud domain %d; SSL redeployed: %s
