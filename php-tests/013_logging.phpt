--TEST--
Without Ultimate Multisite, hooks log to wu_runcloud.log_file (every line, with the time) and not to the web server's error log; wu_runcloud.log=off silences them
--INI--
error_log={TMP}/wu_runcloud_013_errors.log
log_errors=1
wu_runcloud.log_file={TMP}/wu_runcloud_013.log
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
$log = sys_get_temp_dir() . '/wu_runcloud_013.log';
$errors = sys_get_temp_dir() . '/wu_runcloud_013_errors.log';
@unlink($log);
@unlink($errors);
define_v3();
var_dump(integration()->on_add_domain('logged-shop.com', 2));
ini_set('wu_runcloud.log', 'off');
var_dump(integration()->on_remove_domain('logged-shop.com', 2));
ini_set('wu_runcloud.log', 'on');
var_dump(integration(['log' => 'off'])->on_add_domain('quiet.example.com', 2));
var_dump(integration()->on_add_domain('bad name', 3));
// php.ini only: a plugin cannot point the log at another file.
var_dump(ini_set('wu_runcloud.log_file', '/tmp/elsewhere.log'));
$lines = file($log, FILE_IGNORE_NEW_LINES);
echo count($lines), "\n";
foreach ($lines as $line) echo $line, "\n";
var_dump(file_exists($errors));
@unlink($log);
?>
--EXPECTF--
bool(true)
bool(true)
bool(true)
bool(false)
bool(false)
2
[%d-%d-%d %d:%d:%d UTC] [info] wu_add_domain logged-shop.com (site 2): added (with www.logged-shop.com), RunCloud domain %d; SSL queued: %s
[%d-%d-%d %d:%d:%d UTC] [error] wu_add_domain "bad name" (site 3): failed: Invalid domain name "bad name": it contains spaces
bool(false)
