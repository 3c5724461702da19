--TEST--
A wu_log_add() that throws does not make a hook throw; the line falls back to error_log()
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
echo count(file($log)), "\n";
@unlink($log);
?>
--EXPECT--
bool(true)
still running
1
