<?php
// The main job, end to end: what a network admin's site does through the extension,
// against runcloud-sim standing in for RunCloud. Run by `make demo`.

define('WU_RUNCLOUD_API_TOKEN', 'sim-token-0123456789');
define('WU_RUNCLOUD_SERVER_ID', 101);
define('WU_RUNCLOUD_APP_ID', 201);

$base = getenv('SIM_BASE');
ini_set('wu_runcloud.api_url', "$base/api");

// Ultimate Multisite's log helper: print each line the hooks write.
function wu_log_add($handle, $message, $level) { printf("    log [%s] %s\n", $level, $message); }

// A stand-in for WordPress's action API, so the real hook wiring runs.
$GLOBALS['hooks'] = [];
if (true) {
    function add_action($hook, $cb, $priority = 10, $args = 1) { $GLOBALS['hooks'][$hook] = [$cb, $args]; return true; }
}
function do_action($hook, ...$args) { [$cb, $n] = $GLOBALS['hooks'][$hook]; return $cb(...array_slice($args, 0, $n)); }

function app_domains(WU_RunCloud_Integration $rc): string {
    return implode(', ', array_map(fn($d) => $d['name'] . ($d['www'] ? ' (+www)' : '') . ($d['type'] === 'primary' ? ' [primary]' : ''), $rc->list_domains()));
}

$rc = new WU_RunCloud_Integration();
echo "1. Test the connection (Ultimate Multisite's \"test connection\" button)\n";
$t = $rc->test_connection();
foreach ($t['checks'] as $c) printf("    %s %-11s %s\n", $c['ok'] ? 'ok  ' : 'FAIL', $c['name'], $c['message']);
echo '    => ', $t['message'], "\n\n";

echo "2. Hook into Ultimate Multisite: register_hooks() => ", var_export(WU_RunCloud_Integration::register_hooks(), true), "\n";
echo '    hooked: ', implode(', ', array_keys($GLOBALS['hooks'])), "\n\n";

echo "3. A customer maps two domains (wu_add_domain fires)\n";
do_action('wu_add_domain', 'Customer-One.com', 12);
do_action('wu_add_domain', 'blog.customer-two.co.uk', 13);
echo "    app domains now: ", app_domains($rc), "\n\n";

echo "4. A new subdomain site is created (wu_add_subdomain)\n";
do_action('wu_add_subdomain', 'alice.network.test', 14);
echo "\n5. SSL: those adds queued one certificate redeploy for the app, run when the PHP request ends\n";
echo "   (an Action Scheduler batch of 200 adds orders one certificate, not 200); flush_ssl() runs it now:\n";
foreach (WU_RunCloud_Integration::flush_ssl() as $r) {
    printf("    => %s, covering %d names\n", $r['status'], count($r['names']));
}
echo "\n";

echo "6. A customer maps late-dns.com before pointing its DNS here\n";
$dns = fn(array $body) => file_get_contents("$base/__sim/dns", false, stream_context_create(['http' => ['method' => 'POST', 'header' => "Content-Type: application/json\r\n", 'content' => json_encode($body)]]));
$dns(['name' => 'late-dns.com', 'addresses' => []]);
$r = $rc->add_domain('late-dns.com');
printf("    => ssl %s: %s\n", $r['ssl'], $r['ssl_message']);
echo "    (not on the app: one name that Let's Encrypt cannot validate would fail the certificate of every site)\n";
echo "   Its DNS now points here; the re-check (UM's DNS propagation action, or the glue's schedule) runs:\n";
$dns(['name' => 'late-dns.com', 'default' => true]);
$r = $rc->check_domain('late-dns.com');
printf("    => ssl %s, %s\n", $r['ssl'], $r['dns']['message']);
foreach (WU_RunCloud_Integration::flush_ssl() as $f) {
    printf("    => certificate %s for %s\n", $f['status'], implode(', ', $f['names']));
}
$ssl = json_decode(file_get_contents("$base/__sim/apps/101/201"), true)['ssl'];
printf("    Let's Encrypt orders refused so far: %d\n\n", $ssl['refused_orders']);

echo "7. A bad name is refused before anything is sent\n";
try {
    $rc->add_domain('https://evil.example.com/x');
} catch (InvalidArgumentException $e) {
    echo '    ', $e->getMessage(), "\n\n";
}

echo "8. The first customer removes their mapping (wu_remove_domain)\n";
do_action('wu_remove_domain', 'customer-one.com', 12);
echo "    app domains now: ", app_domains($rc), "\n\n";

$calls = json_decode(file_get_contents("$base/__sim/requests"), true);
$stats = json_decode(file_get_contents("$base/__sim/stats"), true);
printf("RunCloud saw %d API requests from the extension, over %d kept-alive connection(s):\n", count($calls), $stats['api_connections']);
$counts = [];
foreach ($calls as $c) {
    $path = preg_replace(['#^/api/v3#', '#/\d+#'], ['', '/{id}'], $c['path']);
    $key = "{$c['method']} $path -> {$c['status']}";
    $counts[$key] = ($counts[$key] ?? 0) + 1;
}
foreach ($counts as $k => $n) printf("    %3d x %s\n", $n, $k);
