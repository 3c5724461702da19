--TEST--
A state directory that others can write (planted, mode 0777) is refused, logged, and never written into; the add itself goes on
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
// Inside this run's own directory (removed with it), never loose in the shared temporary one.
$dir = getenv('WU_STATE_DIR') . '/planted-' . getmypid();
@mkdir($dir);
chmod($dir, 0777);
$i = integration(['state_dir' => $dir]);
var_dump($i->on_add_domain('planted-dir.com', '4'));
echo 'files in the planted directory: ', count(glob("$dir/*") ?: []), "\n";
rmdir($dir);
?>
--EXPECTF--
LOG[warning] wu_add_domain planted-dir.com (site 4): the redeploy owed is kept in this worker's memory only, not on disk: state directory %s has mode 777: others may write or read it; refused, nothing written there (chmod 700 it)
LOG[info] wu_add_domain planted-dir.com (site 4): added (with www.planted-dir.com), RunCloud domain %d; SSL queued: %s
bool(true)
files in the planted directory: 0
LOG[info] SSL of web application 201 on server 101: %s
