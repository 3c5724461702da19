--TEST--
One certificate ledger for every web server of the network: with the glue's wu_runcloud_state_lock()/wu_runcloud_state_unlock() defined (here on a PHP array standing in for the network's database), two servers with their own state directories count Let's Encrypt's orders together, a server's own week joins the network's, and a store that cannot lock or throws puts the order off (never sent uncounted, never thrown from a hook, the lock always let go)
--INI--
wu_runcloud.ssl_batch=0
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
sim_call('POST', '/__sim/letsencrypt', ['limits' => true]);
define_v3();

/** A private state directory of one web server. */
function server_dir(string $tag): string {
    $d = getenv('WU_STATE_DIR') . "/server-$tag";
    if (!is_dir($d)) mkdir($d, 0700);
    foreach (glob("$d/*") ?: [] as $f) unlink($f);
    return $d;
}
$a = integration(['state_dir' => server_dir('a')]);
$b = integration(['state_dir' => server_dir('b')]);

// Server A ordered twice before the network kept a ledger (no glue loaded yet).
function server_dir_path(string $tag): string { return getenv('WU_STATE_DIR') . "/server-$tag"; }
$a->redeploy_ssl();
$a->redeploy_ssl();
echo 'A keeps its own ledger: ', count(file(server_dir_path('a') . '/ledger')), " order(s)\n";

// Now the glue is there: the network's store.
$NETWORK = [];
$LOCKS = 0;
$MODE = 'ok';
// Declared only now (a plain declaration would exist from the file's start).
if (!function_exists('wu_runcloud_state_lock')) {
function wu_runcloud_state_lock(string $name) {
    global $NETWORK, $LOCKS, $MODE;
    if ($MODE === 'busy') return false;
    if ($MODE === 'absent') return null;
    $LOCKS++;
    if ($MODE === 'throws') throw new RuntimeException('database gone');
    return $NETWORK[$name] ?? '';
}
function wu_runcloud_state_unlock(string $name, ?string $value): bool {
    global $NETWORK, $LOCKS;
    $LOCKS--;
    if ($value !== null) $NETWORK[$name] = $value;
    return true;
}
}

$sent = 0;
foreach ([$b, $a, $b, $a, $b] as $n => $server) {
    try {
        $server->redeploy_ssl();
        $sent++;
    } catch (WU_RunCloud_Exception $e) {
        echo 'redeploy ', $n + 1, ': ', preg_replace('/at \d{4}-\d\d-\d\d \d\d:\d\d UTC/', 'at <time>', $e->getMessage()), "\n";
    }
}
$le = sim_call('GET', '/__sim/letsencrypt');
echo "sent $sent more; issued {$le['issued']}, refused ", json_encode($le['refused']), "\n";
echo 'network ledger: ', count(array_filter(explode("\n", $NETWORK['ledger']))), " order(s); A's own now ", filesize(server_dir_path('a') . '/ledger'), ' bytes; B has one: ', var_export(file_exists(server_dir_path('b') . '/ledger'), true), "\n";
echo 'census kept in the network: ', var_export(count(preg_grep('/^certificate-names-/', array_keys($NETWORK))) === 1, true), "\n";

// A new set (one more name) on a store that cannot lock: put off, nothing sent.
foreach (['busy', 'throws'] as $MODE) {
    sim_clear_requests();
    $ok = $b->on_add_domain("late-$MODE.com", 1);
    $last = $b->last_add();
    $puts = count(array_filter(sim_calls(), fn($c) => str_starts_with($c, 'PUT ')));
    echo "$MODE: hook returned ", var_export($ok, true), ", ssl {$last['ssl']}, $puts certificate order(s), locks held $LOCKS\n";
    echo '  ', $last['message'], "\n";
}
// No network database here (null): nothing locked, the server's own state directory serves.
$MODE = 'absent';
$b->redeploy_ssl();
echo 'absent: B\'s own ledger has ', count(file(server_dir_path('b') . '/ledger')), " order(s), locks held $LOCKS\n";
$MODE = 'ok';
echo 'refused by Let\'s Encrypt: ', json_encode(sim_call('GET', '/__sim/letsencrypt')['refused']), "\n";
?>
--EXPECTF--
%AA keeps its own ledger: 2 order(s)
redeploy 4: not sent: weekly limit, next order at <time>: this exact set of names was certified 5 times in 7 days, and Let's Encrypt issues at most 5
redeploy 5: not sent: weekly limit, next order at <time>: this exact set of names was certified 5 times in 7 days, and Let's Encrypt issues at most 5
sent 3 more; issued 5, refused []
network ledger: 5 order(s); A's own now 0 bytes; B has one: false
census kept in the network: true
wu_runcloud: [warning] wu_add_domain late-busy.com (site 1): added (with www.late-busy.com), RunCloud domain %d; SSL deferred: not sent: the network's certificate ledger could not be read (wu_runcloud_state_lock() could not lock it: the database lock stayed busy, or the database did not answer); the order waits a minute
busy: hook returned true, ssl deferred, 0 certificate order(s), locks held 0
  not sent: the network's certificate ledger could not be read (wu_runcloud_state_lock() could not lock it: the database lock stayed busy, or the database did not answer); the order waits a minute
wu_runcloud: [warning] wu_add_domain late-throws.com (site 1): added (with www.late-throws.com), RunCloud domain %d; SSL deferred: not sent: the network's certificate ledger could not be read (wu_runcloud_state_lock() threw); the order waits a minute
throws: hook returned true, ssl deferred, 0 certificate order(s), locks held 0
  not sent: the network's certificate ledger could not be read (wu_runcloud_state_lock() threw); the order waits a minute
absent: B's own ledger has 1 order(s), locks held 0
refused by Let's Encrypt: []
