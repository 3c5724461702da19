--TEST--
A wu_log_add() that throws does not make a hook throw; the line falls back (errors to error_log(), successes to wu_runcloud.log_file only)
--INI--
error_log={TMP}/wu_runcloud_014.log
log_errors=1
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
$log = sys_get_temp_dir() . '/wu_runcloud_014.log';
@unlink($log);
function wu_log_add($h, $m, $l) { throw new LogicException('logger broke'); }
define_v3();
var_dump(integration()->on_add_domain('fallback.example.com', 4));
echo "still running\n";
// A success is not an error: it does not reach the web server's error log.
var_dump(file_exists($log));
var_dump(integration()->on_add_domain('bad name', 4));
echo preg_replace('/^\[[^\]]+\] /', '', file($log, FILE_IGNORE_NEW_LINES)[0]), "\n";
@unlink($log);
?>
--EXPECT--
bool(true)
still running
bool(false)
bool(false)
wu_runcloud: [error] wu_add_domain "bad name" (site 4): failed: Invalid domain name "bad name": it contains spaces
