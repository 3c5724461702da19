--TEST--
pcntl_fork(): a child does not reuse the parent's HTTP client (no hang); both keep working
--SKIPIF--
<?php if (!function_exists('pcntl_fork')) die('skip pcntl not available'); ?>
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
define_v3();
$i = integration(['timeout' => 5]);
var_dump($i->add_domain('parent-before.example.com')['created']);
$pid = pcntl_fork();
if ($pid === 0) {
    // The child: its first call builds its own client.
    $ok = $i->add_domain('child.example.com')['created'] && $i->find_domain('parent-before.example.com') !== null;
    exit($ok ? 0 : 3);
}
pcntl_waitpid($pid, $status);
var_dump(pcntl_wexitstatus($status));
var_dump($i->add_domain('parent-after.example.com')['created']);
echo implode(' ', sim_names()), "\n";
?>
--EXPECT--
bool(true)
int(0)
bool(true)
network.test parent-before.example.com child.example.com parent-after.example.com
