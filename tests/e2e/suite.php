<?php
// The e2e scenarios, through real HTTP requests to nginx in front of PHP-FPM running
// WordPress (scripts/e2e.sh builds the stack). Prints one line per check and ends with
// "N passed, N failed".

$url = getenv('E2E_URL');
$url_noext = getenv('E2E_URL_NOEXT');
$sim = getenv('E2E_SIM');
$ca = getenv('E2E_CA');
$dir = getenv('E2E_DIR');
$token = 'sim-token-0123456789';
$passed = $failed = 0;

function check(string $label, bool $ok, $detail = ''): void {
    global $passed, $failed;
    if ($ok) {
        $passed++;
        echo "ok - $label\n";
    } else {
        $failed++;
        echo "not ok - $label", $detail === '' ? '' : ': ' . (is_string($detail) ? $detail : json_encode($detail)), "\n";
    }
}

/** GET through nginx with a Host header: [status, decoded JSON or body, milliseconds]. */
function wp(string $query, string $host = 'network.test', ?string $base = null, string $path = '/'): array {
    global $url;
    $ctx = stream_context_create(['http' => ['header' => "Host: $host\r\n", 'ignore_errors' => true, 'timeout' => 60]]);
    $t = microtime(true);
    $body = @file_get_contents(($base ?? $url) . $path . ($query === '' ? '' : "?$query"), false, $ctx);
    $ms = (microtime(true) - $t) * 1000;
    $status = isset($http_response_header[0]) ? (int) explode(' ', $http_response_header[0])[1] : 0;
    $json = json_decode((string) $body, true);
    return [$status, $json ?? $body, $ms];
}

function fire(string $hook, array $args, ?string $base = null): array {
    return wp('wu_e2e=fire&hook=' . $hook . '&args=' . rawurlencode(json_encode($args)), 'network.test', $base);
}

/**
 * A new simulated account (or a new week): its Let's Encrypt history is gone, so is the
 * extension's ledger of orders and its census of the app's certificate names.
 */
function forget_certificate_state(): void {
    global $dir;
    foreach (array_merge(glob("$dir/state*/ledger") ?: [], glob("$dir/state*/certificate-names-*") ?: []) as $f) {
        @unlink($f);
    }
    // And the network's (the glue keeps them in the database once WordPress is there).
    if (is_file("$dir/wp/wp-config.php")) {
        wp('wu_e2e=forget_ledger');
    }
}

/** The simulator's control API, over HTTPS with the suite's CA. */
function sim(string $method, string $path, $data = null) {
    global $sim, $ca, $dir;
    if ($path === '/__sim/reset') {
        forget_certificate_state();
    }
    $ctx = stream_context_create([
        'http' => ['method' => $method, 'header' => "Content-Type: application/json\r\n", 'content' => $data === null ? '' : json_encode($data), 'ignore_errors' => true, 'timeout' => 30],
        'ssl' => ['cafile' => $ca, 'verify_peer' => true, 'peer_name' => '127.0.0.1'],
    ]);
    return json_decode((string) file_get_contents($sim . $path, false, $ctx), true);
}

function names(): array { return array_column(sim('GET', '/__sim/apps/101/201')['domains'], 'name'); }
function posts_for(string $name): int {
    return count(array_filter(sim('GET', '/__sim/requests'), fn($r) => $r['method'] === 'POST' && str_ends_with($r['path'], '/domains') && str_contains($r['body'], "\"$name\"")));
}
function constants(?string $token_value, string $extra = ''): void {
    global $dir;
    $file = "$dir/wp/wu-runcloud-config.php";
    if ($token_value === null) {
        @unlink($file);
        return;
    }
    file_put_contents($file, "<?php\ndefine('WU_RUNCLOUD_API_TOKEN', " . var_export($token_value, true) . ");\ndefine('WU_RUNCLOUD_SERVER_ID', 101);\ndefine('WU_RUNCLOUD_APP_ID', 201);\n$extra");
}
function log_text(): string { global $dir; return (string) @file_get_contents("$dir/wu_runcloud.log"); }

/** Whether the real Action Scheduler is loaded (WU_E2E_ACTION_SCHEDULER). */
$as = getenv('E2E_AS') === '1';

/**
 * One run of the queues that hold the glue's jobs: the real Action Scheduler's queue runner
 * (ActionScheduler_QueueRunner::run(), inside a WordPress request) when it is loaded, and WP-Cron
 * (which holds what Action Scheduler could not take before it was initialised).
 */
function run_queue(): void {
    global $as;
    $as && wp('wu_e2e=as_run');
    wp('', 'network.test', null, '/wp-cron.php');
}

function skip(string $what, string $why): void { echo "skip - $what: $why\n"; }

// 1. The four actions, fired inside WordPress requests as Action Scheduler runs them.
sim('POST', '/__sim/reset');
constants($token);
[$s] = fire('wu_add_domain', ['domain' => 'shop-one.com', 'site_id' => '12']);
check('wu_add_domain (site id "12") adds the domain', $s === 200 && in_array('shop-one.com', names(), true), names());
fire('wu_add_subdomain', ['subdomain' => 'alice.network.test', 'site_id' => '2']);
check('wu_add_subdomain adds the host name', in_array('alice.network.test', names(), true), names());
fire('wu_remove_domain', ['domain' => 'shop-one.com', 'site_id' => '12']);
fire('wu_remove_subdomain', ['subdomain' => 'alice.network.test', 'site_id' => null]);
check('wu_remove_domain and wu_remove_subdomain (site id null) remove them', names() === ['network.test'], names());
check('each outcome is logged to wu_runcloud.log_file, naming the domain',
    str_contains(log_text(), 'wu_add_domain shop-one.com (site 12): added') && str_contains(log_text(), 'wu_remove_subdomain alice.network.test: removed'), log_text());

// 2. Real subdomain sites: both actions UM queues for a new site add the name once.
sim('POST', '/__sim/reset');
[$s, $site] = wp('wu_e2e=create_site&slug=carol');
check('wpmu_create_blog + wu_add_subdomain + wu_add_domain: carol.network.test on the app once',
    ($site['domain'] ?? '') === 'carol.network.test' && array_count_values(names())['carol.network.test'] === 1, [$site, names()]);
check('the second action finds the name already there', str_contains(log_text(), 'wu_add_domain carol.network.test (site ' . ($site['site_id'] ?? '?') . '): already on the app'));
wp('wu_e2e=delete_site&id=' . ($site['site_id'] ?? 0));
check('wp_delete_site + wu_remove_subdomain removes it', !in_array('carol.network.test', names(), true), names());

// 3. Ultimate Multisite 2.5's registry: ours replaces UM's RunCloud module.
sim('POST', '/__sim/reset');
touch("$dir/wp/.um-stand-in");
wp('wu_e2e=um_setup');
[, $reg] = wp('wu_e2e=registry');
check('UM registry holds our integration and capability, with one wu_add_domain callback',
    ($reg['integration'] ?? '') === 'WU_RunCloud_UM_Integration' && ($reg['capability'] ?? '') === 'WU_RunCloud_UM_Domain_Mapping' && ($reg['callbacks'] ?? 0) === 1, $reg);
check("UM's Test button is our test_connection()", ($reg['test_connection'] ?? null) === true, $reg);
sim('DELETE', '/__sim/requests');
fire('wu_add_domain', ['domain' => 'um-shop.com', 'site_id' => '7']);
$um_log = (string) @file_get_contents("$dir/wp/.um-log");
check('an event is handled once: one POST, not by UM\'s own module', posts_for('um-shop.com') === 1 && !str_contains($um_log, "UM's own module"), [posts_for('um-shop.com'), $um_log]);
check("lines go to UM's log through wu_log_add()", str_contains($um_log, 'integration-runcloud: wu_add_domain um-shop.com (site 7): added'), $um_log);
constants(null);
wp('wu_e2e=um_setup&credentials=' . rawurlencode(json_encode(['WU_RUNCLOUD_API_TOKEN' => $token, 'WU_RUNCLOUD_SERVER_ID' => '101', 'WU_RUNCLOUD_APP_ID' => '201'])));
fire('wu_add_domain', ['domain' => 'wizard-shop.com', 'site_id' => '8']);
check("credentials saved in UM's wizard work without constants", in_array('wizard-shop.com', names(), true), names());
unlink("$dir/wp/.um-stand-in");
constants($token);

// 4. Wrong credentials: logged, final (not retried), pages keep serving.
sim('POST', '/__sim/reset');
constants('wrong-token-0000000000');
[$s] = fire('wu_add_domain', ['domain' => 'denied-shop.com', 'site_id' => '3']);
[, $f] = wp('wu_e2e=failures');
[$home] = wp('');
check('a 401 is logged with its hint and not retried; pages serve',
    $s === 200 && $home === 200 && str_contains(log_text(), 'wu_add_domain denied-shop.com (site 3): failed') && str_contains(log_text(), 'HTTP 401')
    && ($f['failures'][0]['final'] ?? null) === true && !in_array(['wu_runcloud_retry'], $f['cron'] ?? [], true), $f);
check('no credential in the log', !str_contains(log_text(), 'wrong-token-0000000000') && !str_contains(log_text(), $token));
constants($token);

// 5. An outage: workers stay free (circuit breaker), the failed adds are retried through
//    WP-Cron, and land once RunCloud is back.
sim('POST', '/__sim/reset');
sim('POST', '/__sim/faults', ['action' => 'hang', 'count' => 100000]);
$times = [];
for ($n = 1; $n <= 8; $n++) {
    [$s, , $ms] = fire('wu_add_domain', ['domain' => "outage-$n.com", 'site_id' => (string) $n]);
    $times[] = (int) $ms;
}
[$home, , $home_ms] = wp('');
echo "  outage: request times (ms) ", implode(' ', $times), "; a page during the outage: $home in ", (int) $home_ms, " ms\n";
$slow = count(array_filter($times, fn($t) => $t > 1500));
// Each worker waits out the timeout 3 times (the breaker's threshold), then answers at once.
$workers = (int) (getenv('E2E_WORKERS') ?: 2);
check("during the outage each worker's circuit opens after 3 timeouts: later actions return at once",
    $slow <= 3 * $workers && max(array_slice($times, -2)) < 500, $times);
check('the log says the circuit opened', str_contains(log_text(), 'circuit open'));
check('pages serve during the outage', $home === 200);
[, $f] = wp('wu_e2e=failures');
$scheduled = count(array_filter($f['failures'] ?? [], fn($x) => !$x['final'] && str_contains($x['message'], 'retry scheduled')));
check('each failed add has a retry scheduled through WP-Cron', $scheduled >= 8 && in_array(['wu_runcloud_retry'], $f['cron'], true) || $scheduled >= 8, $f);
sim('DELETE', '/__sim/faults');
$want = array_map(fn($n) => "outage-$n.com", range(1, 8));
for ($round = 0; $round < 30 && array_diff($want, names()); $round++) {
    sleep(1);
    run_queue();
}
$counts = array_count_values(names());
check('after the outage every add landed, each exactly once (' . $round . ' cron runs)',
    !array_diff($want, names()) && max(array_map(fn($n) => $counts[$n] ?? 0, $want)) === 1, names());

// 6. The extension not loaded: pages serve, admins are told, lost events are logged.
[$s] = wp('', 'network.test', $url_noext);
[, $n] = wp('wu_e2e=notices', 'network.test', $url_noext);
check('without the extension pages serve and the notice says why', $s === 200 && str_contains($n['html'] ?? '', 'not loaded by the PHP that serves this site'), $n);
fire('wu_add_domain', ['domain' => 'lost-shop.com', 'site_id' => '5'], $url_noext);
$php_log = (string) @file_get_contents("$dir/fpm-noext-php.log");
check('each lost event is logged', str_contains($php_log, 'lost: wu_add_domain lost-shop.com (site 5)') && !in_array('lost-shop.com', names(), true), $php_log);

// 7. A bounded load: 300 requests, 4 at a time; connections to RunCloud are reused.
sim('POST', '/__sim/reset');
$cmd = sprintf("seq 1 300 | xargs -P 4 -I{} curl -s -H 'Host: network.test' '%s/?wu_e2e=find&n={}'", $url);
$lines = array_filter(explode('}', (string) shell_exec($cmd)));
$found = count(array_filter($lines, fn($l) => str_contains($l, '"found":true')));
$pids = count(array_unique(array_map(fn($l) => preg_match('/"pid":(\d+)/', $l, $m) ? $m[1] : '', $lines)));
$stats = sim('GET', '/__sim/stats');
$fpm_log = (string) @file_get_contents("$dir/fpm.log");
echo "  load: $found of 300 found, $pids workers, {$stats['api_requests']} API requests over {$stats['api_connections']} connections\n";
check('300 requests through nginx all succeed', $found === 300, $found);
check('workers reuse their connections to RunCloud', $stats['api_connections'] <= 2 * $pids && $stats['api_requests'] >= 300, $stats);
check('no FPM worker died', !preg_match('/exited on signal|SIGSEGV|core dumped/', $fpm_log), $fpm_log);

// 8. Site Health.
[, $h] = wp('wu_e2e=health');
$json = json_encode($h);
check('Site Health runs our test and it passes the connection checks',
    in_array($h['test']['status'] ?? '', ['good', 'recommended'], true) && str_contains($h['test']['description'] ?? '', 'Connected to RunCloud'), $h['test'] ?? $h);
check('Site Health Info shows versions and constants as defined yes/no, never values',
    str_starts_with($h['info']['fields']['extension']['value'] ?? '', 'yes') && ($h['info']['fields']['wu_runcloud_api_token']['value'] ?? '') === 'defined' && !str_contains($json, $token), $h['info'] ?? $h);

// 9. WordPress core alone (WU_RUNCLOUD_CORE_EVENTS, no Ultimate Multisite): core's own site
//    events add, rename and remove the names; UM's wu_* actions are not followed then.
sim('POST', '/__sim/reset');
constants($token, "define('WU_RUNCLOUD_CORE_EVENTS', true);\n");
[, $c] = wp('wu_e2e=core_site&op=create&domain=dave.network.test');
$dave = $c['site_id'] ?? 0;
check('core: a new site (wp_initialize_site) puts its name on the app', is_int($dave) && in_array('dave.network.test', names(), true), [$c, names()]);
wp("wu_e2e=core_site&op=rename&id=$dave&domain=dave-shop.com");
check('core: a site whose domain changes (wp_update_site): the new name added, the old removed',
    in_array('dave-shop.com', names(), true) && !in_array('dave.network.test', names(), true), names());
wp("wu_e2e=core_site&op=delete&id=$dave");
check('core: a deleted site (wp_delete_site) leaves the app', !in_array('dave-shop.com', names(), true), names());
sim('DELETE', '/__sim/requests');
fire('wu_add_domain', ['domain' => 'um-style.com', 'site_id' => '4']);
check("core: UM's wu_add_domain is not followed as well (never both)", posts_for('um-style.com') === 0, names());
[, $h] = wp('wu_e2e=health');
check('core: Site Health Info says core events are followed', str_contains($h['info']['fields']['core_events']['value'] ?? '', 'followed (WU'), $h['info'] ?? $h);
constants($token);

// 10. The logic of `wp runcloud ...`, inside real WordPress.
sim('POST', '/__sim/reset');
$cli = fn(string $cmd, array $args = [], array $assoc = []) => wp('wu_e2e=cli&command=' . $cmd . '&args=' . rawurlencode(json_encode($args)) . '&assoc=' . rawurlencode(json_encode((object) $assoc)))[1]['cli'] ?? null;
$st = $cli('status');
check('wp runcloud status: set up, hooked through its own actions, exit 0',
    ($st['code'] ?? 1) === 0 && in_array(['field' => 'set up', 'value' => 'yes'], $st['rows'], true), $st);
$t = $cli('test');
check('wp runcloud test: every check ok, exit 0', ($t['code'] ?? 1) === 0 && count($t['rows']) >= 4, $t);
$a = $cli('add', ['cli-shop.com']);
$d = $cli('domains');
check('wp runcloud add / domains: the name added and listed', ($a['code'] ?? 1) === 0 && in_array('cli-shop.com', array_column($d['rows'], 'name'), true), [$a, $d]);
$r = $cli('remove', ['cli-shop.com']);
check('wp runcloud remove: removed, exit 0', ($r['code'] ?? 1) === 0 && str_contains($r['message'], 'removed') && !in_array('cli-shop.com', names(), true), $r);
$bad = $cli('add', ['https://evil/x']);
$none = $cli('add');
check('wp runcloud add with a bad name or none: exit 2 and why', ($bad['code'] ?? 0) === 2 && ($none['code'] ?? 0) === 2 && str_contains($none['message'], 'usage'), [$bad, $none]);
$ssl = $cli('ssl');
check('wp runcloud ssl: the certificate redeployed', ($ssl['code'] ?? 1) === 0 && str_contains($ssl['message'], 'redeployed'), $ssl);

// 11. Reconcile: sites that exist in WordPress but never reached RunCloud (made while the
//     integration was off) are found by a dry run and added by the chunked sync through WP-Cron.
sim('POST', '/__sim/reset');
constants(null);
foreach (['erin', 'frank', 'gina'] as $slug) wp("wu_e2e=core_site&op=create&domain=$slug.network.test");
constants($token);
$dry = $cli('sync');
$to_add = array_column(array_filter($dry['rows'] ?? [], fn($r) => $r['action'] === 'to add'), 'name');
check('wp runcloud sync (dry run): the three sites are to add, nothing changed',
    !array_diff(['erin.network.test', 'frank.network.test', 'gina.network.test'], $to_add) && names() === ['network.test'], [$dry, names()]);
wp('wu_e2e=schedule_sync');
for ($round = 0; $round < 10 && array_diff(['erin.network.test', 'frank.network.test', 'gina.network.test'], names()); $round++) {
    run_queue();
    usleep(300000);
}
check('the scheduled sync (WP-Cron) added them', !array_diff(['erin.network.test', 'frank.network.test', 'gina.network.test'], names()), names());
[, $h] = wp('wu_e2e=health');
check('Site Health Info shows the last sync', str_contains($h['info']['fields']['last_sync']['value'] ?? '', 'added'), $h['info']['fields']['last_sync'] ?? $h);

// 12. Certificates: a customer domain mapped before its DNS points never joins the shared
//     certificate; UM's DNS propagation action brings it on, with no refused order in between;
//     a redeploy that fails stays owed and the queue retries it until it succeeds.
sim('POST', '/__sim/reset');
constants($token);
$app = fn() => sim('GET', '/__sim/apps/101/201')['ssl'];
$state = fn(string $n) => wp('wu_e2e=cert_states')[1]['states'][$n]['state'] ?? null;
$cron = function (callable $done, int $rounds = 20): int {
    for ($round = 0; $round < $rounds && !$done(); $round++) {
        sleep(1);
        run_queue();
    }
    return $round;
};
sim('POST', '/__sim/dns', ['name' => 'late-dns.com', 'addresses' => []]);
fire('wu_add_domain', ['domain' => 'late-dns.com', 'site_id' => 30]);
check('mapped before its DNS points: not on the app, no certificate order, waiting for DNS',
    !in_array('late-dns.com', names(), true) && $app()['redeploys'] === 0 && $app()['refused_orders'] === 0 && $state('late-dns.com') === 'waiting_dns',
    [names(), $app(), $state('late-dns.com')]);
sim('POST', '/__sim/dns', ['name' => 'late-dns.com', 'default' => true]);
wp('wu_e2e=propagation&domain=late-dns.com');
$rounds = $cron(fn() => $app()['redeploys'] >= 1);
check("DNS pointed and UM's propagation action fired: added and certified by the queued redeploy ($rounds cron runs), no refused order",
    in_array('late-dns.com', names(), true) && $app()['redeploys'] === 1 && $app()['refused_orders'] === 0 && $state('late-dns.com') === 'on_certificate',
    [names(), $app(), $state('late-dns.com')]);
[, $h] = wp('wu_e2e=health');
check('Site Health Info shows the name on the certificate', str_contains($h['info']['fields']['cert_late-dns.com']['value'] ?? '', 'on the certificate'), $h['info'] ?? $h);

sim('DELETE', '/__sim/requests');
sim('POST', '/__sim/faults', ['method' => 'PUT', 'status' => 503, 'count' => 2]);
fire('wu_add_domain', ['domain' => 'retry-cert.com', 'site_id' => 31]);
fire('wu_add_domain', ['domain' => 'retry-cert-two.com', 'site_id' => 32]);
$rounds = $cron(fn() => $app()['redeploys'] >= 2, 30);
$puts = count(array_filter(sim('GET', '/__sim/requests'), fn($r) => $r['method'] === 'PUT'));
check("a failed redeploy stays owed and the queue retries it until it succeeds ($rounds cron runs, $puts PUTs): one more certificate for both adds",
    $app()['redeploys'] === 2 && $puts === 3 && $state('retry-cert.com') === 'on_certificate' && $state('retry-cert-two.com') === 'on_certificate',
    [$app(), $puts, $state('retry-cert.com'), str_contains(log_text(), 'still owed')]);

// A customer moved a name's DNS away: the next renewal would fail for every site. Found and shown.
sim('POST', '/__sim/domains', ['name' => 'moved-away.com']);
sim('POST', '/__sim/dns', ['name' => 'moved-away.com', 'addresses' => ['127.0.0.99']]);
$chk = $cli('ssl', [], ['check' => true]);
check('wp runcloud ssl --check: the name whose DNS moved away is listed, exit 1',
    ($chk['code'] ?? 0) === 1 && in_array('moved-away.com', array_column($chk['rows'] ?? [], 'name'), true), $chk);
[, $h] = wp('wu_e2e=health');
check('Site Health warns while a name on the app does not point here',
    ($h['test']['status'] ?? '') === 'recommended' && str_contains($h['test']['description'] ?? '', 'moved-away.com'), $h['test'] ?? $h);

// 13. Ultimate Multisite as it really runs: events in order, site names, renames, honest status.
sim('POST', '/__sim/reset');
sim('DELETE', '/__sim/faults');
constants($token);
$opt = fn(string $name, $value) => wp('wu_e2e=set_option&name=' . $name . '&value=' . rawurlencode(json_encode($value)));
$until = function (callable $done, int $rounds = 20): int {
    for ($round = 0; $round < $rounds && !$done(); $round++) {
        sleep(1);
        run_queue();
    }
    return $round;
};
check("the glue's callbacks exist once the must-use plugins are loaded (UM's has_action() guard sees them)",
    (wp('wu_e2e=has_action')[1]['at_load'] ?? false) === true);

// A new site's own name through both hooks, in both orders, with UM's "Create www Subdomain" = always.
$opt('wu_e2e_um_settings', ['auto_create_www_subdomain' => 'always']);
foreach ([['wu_add_subdomain', 'wu_add_domain'], ['wu_add_domain', 'wu_add_subdomain']] as $k => $order) {
    $site = $k === 0 ? 'bob.network.test' : 'carol.network.test';
    foreach ($order as $hook) {
        fire($hook, $hook === 'wu_add_subdomain' ? ['subdomain' => $site, 'site_id' => '7'] : ['domain' => $site, 'site_id' => 7]);
    }
    $entry = array_values(array_filter(sim('GET', '/__sim/apps/101/201')['domains'], fn($d) => $d['name'] === $site));
    check("a new site's name ($order[0] first) is added once and never with a www twin",
        count($entry) === 1 && $entry[0]['www'] === false, $entry);
}
$opt('wu_e2e_um_settings', null);

// A renamed mapping: the old name leaves RunCloud; a creation ('new') removes nothing.
sim('POST', '/__sim/domains', ['name' => 'old-name.com']);
fire('wu_transition_domain_domain', ['old-name.com', 'new-name.com', 12]);
fire('wu_add_domain', ['domain' => 'new-name.com', 'site_id' => 5]);
fire('wu_transition_domain_domain', ['new', 'fresh.com', 13]);
$until(fn() => !in_array('old-name.com', names(), true), 10);
check('a rename removes the old name (through the queue) and adds the new; a creation removes nothing',
    !in_array('old-name.com', names(), true) && in_array('new-name.com', names(), true), names());

// An add that fails, then the removal of the same name, then the retry: the name stays off.
sim('POST', '/__sim/faults', ['path_contains' => '/domains', 'status' => 503, 'count' => 6]);
fire('wu_add_domain', ['domain' => 'flip.com', 'site_id' => 21]);
sim('DELETE', '/__sim/faults');
sleep(3); // the circuit breaker's pause
fire('wu_remove_domain', ['domain' => 'flip.com', 'site_id' => 21]);
$until(fn() => str_contains(log_text(), 'wu_add_domain flip.com: retry not run'), 10);
check('add fails, the name is removed, then the retry runs: the name stays off the app (the retry says why)',
    !in_array('flip.com', names(), true) && str_contains(log_text(), 'wu_add_domain flip.com: retry not run: a later removal'), [names(), log_text()]);
// The other order: a removal fails, the name is mapped again, the removal's retry does nothing.
sim('POST', '/__sim/domains', ['name' => 'flop.com']);
sim('POST', '/__sim/faults', ['path_contains' => '/domains', 'status' => 503, 'count' => 6]);
fire('wu_remove_domain', ['domain' => 'flop.com', 'site_id' => 22]);
sim('DELETE', '/__sim/faults');
sleep(3);
fire('wu_add_domain', ['domain' => 'flop.com', 'site_id' => 22]);
$until(fn() => str_contains(log_text(), 'wu_remove_domain flop.com: retry not run'), 10);
check('removal fails, the name is mapped again, then the retry runs: the name stays on the app',
    in_array('flop.com', names(), true) && str_contains(log_text(), 'wu_remove_domain flop.com: retry not run: a later add'), names());
check("the glue's retry lines reach the extension's log (wu_runcloud.log_file)", str_contains(log_text(), 'will try again in'));
[, $f] = wp('wu_e2e=failures');
check('failures that were healed or superseded are no longer shown as current',
    !array_filter($f['failures'] ?? [], fn($x) => in_array($x['domain'], ['flip.com', 'flop.com'], true)), $f);
[, $h] = wp('wu_e2e=health');
check('Site Health Info says where the credentials come from', ($h['info']['fields']['credentials']['value'] ?? '') === 'wp-config.php constants (API v3)', $h['info']['fields']['credentials'] ?? $h);

// The integration refuses its configuration: the event is recorded and retried, not lost.
$opt('wu_e2e_bad_option', true);
fire('wu_add_domain', ['domain' => 'after-fix.com', 'site_id' => 23]);
[, $f] = wp('wu_e2e=failures');
check('an event that meets a refused configuration is recorded with a retry',
    (bool) array_filter($f['failures'] ?? [], fn($x) => $x['domain'] === 'after-fix.com' && str_contains($x['message'], 'retry scheduled')), $f);
$opt('wu_e2e_bad_option', null);
$until(fn() => in_array('after-fix.com', names(), true), 10);
check('once the configuration is fixed the retry adds it', in_array('after-fix.com', names(), true), names());

require __DIR__ . '/real-queue.php';

echo "e2e: $passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
