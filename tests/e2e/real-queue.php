<?php
// The e2e sections on the real components a network runs: the real Action Scheduler (its queue
// runner, inside WordPress requests, with the clock moved on), Ultimate Multisite's domain
// records and queued events (replayed as shared/um-behaviour.md says UM fires them), and the
// real WP-CLI phar. Required by suite.php, whose helpers and counters it shares.

$wp_cli = getenv('E2E_WP_CLI') ?: '';

/** `wp ...` through the real WP-CLI phar, with the extension's settings as FPM has them: [exit code, stdout, stderr]. */
/** The command and environment of one run of the real WP-CLI. */
function wp_cli_cmd(array $args, array $ini = []): array {
    global $wp_cli, $dir;
    $cmd = array_merge([getenv('E2E_PHP') ?: 'php'], preg_split('/ +/', trim((string) getenv('E2E_CLI_INI'))), $ini,
        [$wp_cli, '--path=' . "$dir/wp", '--url=http://network.test/', '--allow-root'], $args);
    // PAGER: `wp help` writes through one (less -R by default), which a minimal system may not
    // have; the test reads what the admin would read.
    $env = ['HOME' => $dir, 'WP_CLI_CACHE_DIR' => "$dir/wp-cli-cache", 'WP_CLI_DISABLE_AUTO_CHECK_UPDATE' => '1', 'PATH' => getenv('PATH'), 'PAGER' => 'cat'];
    return [$cmd, $env];
}

function wp_cli(array $args, array $ini = []): array {
    [$cmd, $env] = wp_cli_cmd($args, $ini);
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    return [proc_close($p), $out, $err];
}

if (!$as) {
    skip('sections 14 to 19 (the real Action Scheduler: re-checks, outages, renames, the one-line set-up, the load)', 'WU_E2E_ACTION_SCHEDULER is not set');
} else {
    touch("$dir/wp/.um-domains");
    $um = fn(string $op, string $d, string $to = '') => wp("wu_e2e=um&op=$op&domain=" . rawurlencode($d) . ($to !== '' ? '&to=' . rawurlencode($to) : ''))[1];
    $advance = fn(int $s) => wp("wu_e2e=as_advance&seconds=$s");
    $queue = fn(string $args_of = '') => wp('wu_e2e=as_pending' . ($args_of !== '' ? '&args_of=' . $args_of : ''))[1];
    $state = fn(string $n) => wp('wu_e2e=cert_states')[1]['states'][$n]['state'] ?? null;
    $ssl = fn() => sim('GET', '/__sim/apps/101/201')['ssl'];
    /** Runs the queue, the clock moved on $step seconds before each run, until nothing is pending (at most $rounds). */
    $drain = function (int $rounds, int $step, ?callable $done = null) use ($advance, $queue): int {
        for ($i = 1; $i <= $rounds; $i++) {
            $advance($step);
            run_queue();
            if ($done ? $done() : !($queue()['pending'] ?? [])) {
                return $i;
            }
            usleep(300000);
        }
        return $rounds;
    };

    // 14. The everyday case: a customer maps the domain, then goes to the registrar. UM's own
    //     checks stop long before DNS points, so no propagation action comes; the glue's re-checks,
    //     run by the real queue runner, go on as the clock moves, and the name ends certified.
    sim('POST', '/__sim/reset');
    sim('DELETE', '/__sim/faults');
    constants($token);
    sim('POST', '/__sim/dns', ['name' => 'registrar-later.com', 'addresses' => []]);
    $um('map', 'registrar-later.com');
    run_queue();
    check('real queue: mapped before DNS points: waiting, not on the app', !in_array('registrar-later.com', names(), true) && $state('registrar-later.com') === 'waiting_dns', [names(), $state('registrar-later.com')]);
    for ($h = 0; $h < 6; $h++) {
        $advance(3600);
        run_queue();
    }
    $rechecks = (int) ($queue()['complete']['wu_runcloud_recheck'] ?? 0);
    check("real queue: the re-checks go on as the clock moves ($rechecks run in 6 hours), not only the first",
        $rechecks > 2 && !in_array('registrar-later.com', names(), true), [$rechecks, $queue()]);
    sim('POST', '/__sim/dns', ['name' => 'registrar-later.com', 'default' => true]);
    $rounds = $drain(8, 43200, fn() => $state('registrar-later.com') === 'on_certificate');
    check("real queue: DNS arrives hours later with no UM action: on the app and certified ($rounds runs), no refused order",
        in_array('registrar-later.com', names(), true) && $state('registrar-later.com') === 'on_certificate' && $ssl()['refused_orders'] === 0,
        [names(), $state('registrar-later.com'), $ssl()]);

    // 15. An outage while a new mapping is in checking-dns (inactive in UM): its add fails with
    //     503 and the retry, through the real queue, adds it once RunCloud answers again.
    sim('POST', '/__sim/faults', ['path_contains' => '/domains', 'status' => 503, 'count' => 8]);
    $um('map', 'checking-outage.com');
    run_queue();
    $failed_first = !in_array('checking-outage.com', names(), true);
    sim('DELETE', '/__sim/faults');
    sleep(3); // the circuit breaker's pause
    $rounds = $drain(15, 60, fn() => in_array('checking-outage.com', names(), true));
    check("real queue: an add met by an outage while the mapping is checking-dns is retried and lands ($rounds runs), once",
        $failed_first && (array_count_values(names())['checking-outage.com'] ?? 0) === 1 && !str_contains(log_text(), 'checking-outage.com: retry not run'),
        [names(), $failed_first]);

    // 16. A queued redeploy answered 503 is retried by the real queue until it succeeds.
    sim('DELETE', '/__sim/requests');
    $before = $ssl()['redeploys'];
    sim('POST', '/__sim/faults', ['method' => 'PUT', 'status' => 503, 'count' => 3]);
    $um('map', 'cert-retry.com');
    run_queue();
    $rounds = $drain(15, 120, fn() => $ssl()['redeploys'] > $before);
    $puts = count(array_filter(sim('GET', '/__sim/requests'), fn($r) => $r['method'] === 'PUT'));
    check("real queue: a queued redeploy answered 503 three times is retried until it succeeds ($rounds runs, $puts PUTs), one certificate",
        $ssl()['redeploys'] === $before + 1 && $puts === 4 && $state('cert-retry.com') === 'on_certificate', [$ssl(), $puts, $state('cert-retry.com')]);
    sim('DELETE', '/__sim/faults');

    // 17. Renamed twice before the queue runs (A to B to C): exactly C on the app.
    $um('map', 'rename-a.com');
    run_queue();
    $um('rename', 'rename-a.com', 'rename-b.com');
    $um('rename', 'rename-b.com', 'rename-c.com');
    $drain(5, 60);
    check('real queue: a mapping renamed A to B to C before the queue ran leaves exactly C on the app',
        in_array('rename-c.com', names(), true) && !array_intersect(['rename-a.com', 'rename-b.com'], names()), names());

    // 18. The one-line set-up, without the glue: the extension keeps the waiting name itself and
    //     a later request in any worker adds and certifies it once DNS points.
    $mu = "$dir/wp/wp-content/mu-plugins";
    rename("$mu/wu-runcloud.php", "$mu/wu-runcloud.php.off");
    file_put_contents("$mu/zz-one-line.php", "<?php if (class_exists('WU_RunCloud_Integration')) { WU_RunCloud_Integration::register_hooks(); }\n");
    sim('POST', '/__sim/dns', ['name' => 'one-line.com', 'addresses' => []]);
    $um('map', 'one-line.com');
    run_queue();
    $held = !in_array('one-line.com', names(), true);
    sim('POST', '/__sim/dns', ['name' => 'one-line.com', 'default' => true]);
    $advance(600);
    // A new week for Let's Encrypt's budget: the sections before spent the unspaced orders.
    forget_certificate_state();
    $before = $ssl()['redeploys'];
    for ($i = 0; $i < 40 && !in_array('one-line.com', names(), true); $i++) {
        $um('map', "one-line-other-$i.com");
        run_queue();
        sleep(1);
    }
    check("one-line set-up: a name mapped before DNS is held, then added by a later request once DNS points ($i requests later), and certified",
        $held && in_array('one-line.com', names(), true) && $ssl()['redeploys'] > $before && $ssl()['refused_orders'] === 0, [$held, names(), $ssl()]);
    unlink("$mu/zz-one-line.php");
    rename("$mu/wu-runcloud.php.off", "$mu/wu-runcloud.php");

    // 19. The load: 300 mapping events (maps, unmaps, renames) at concurrency 4 through UM's
    //     queue, with a burst of 30 answers of 503 halfway; the clock then moves on. Each name
    //     must be on the app exactly when its last event wants it there.
    sim('POST', '/__sim/reset');
    sim('DELETE', '/__sim/faults');
    // Advanced SSL: a hundred names and their twins would not fit one basic certificate
    // (Let's Encrypt's 100; such adds are refused, section 21 and tests/le_budget.rs).
    sim('POST', '/__sim/apps', ['ssl' => 'advanced']);
    wp('wu_e2e=um&op=clear&domain=-');
    file_put_contents("$dir/wp/.ssl-window", '120');
    mt_srand(21);
    $mapped = [];
    $batches = [];
    $next = 0;
    while ($next < 300) {
        $batch = [];
        $used = [];
        while (count($batch) < 3 && $next < 300) {
            $name = 'load-' . mt_rand(1, 120) . '.com';
            if (isset($used[$name])) {
                continue;
            }
            if (!isset($mapped[$name])) {
                $batch[] = "op=map&domain=$name";
                $mapped[$name] = true;
            } elseif (mt_rand(0, 9) < 6) {
                $batch[] = "op=unmap&domain=$name";
                unset($mapped[$name]);
            } else {
                $to = 'load-' . mt_rand(121, 400) . '.com';
                if (isset($mapped[$to]) || isset($used[$to])) {
                    continue;
                }
                $batch[] = "op=rename&domain=$name&to=$to";
                unset($mapped[$name]);
                $mapped[$to] = true;
                $used[$to] = true;
            }
            $used[$name] = true;
            $next++;
        }
        $batches[] = $batch;
    }
    $start = microtime(true);
    foreach ($batches as $k => $batch) {
        if ($k === intdiv(count($batches), 2)) {
            sim('POST', '/__sim/faults', ['status' => 503, 'count' => 30]);
        }
        // Three events and a queue runner, four requests at once.
        $urls = array_map(fn($q) => escapeshellarg("$url/?wu_e2e=um&$q"), $batch);
        $urls[] = escapeshellarg("$url/?wu_e2e=as_run");
        shell_exec("curl -s -Z --parallel-max 4 -H 'Host: network.test' " . implode(' ', $urls) . ' > /dev/null');
    }
    $load_s = round(microtime(true) - $start, 1);
    $served503 = fn() => count(array_filter(sim('GET', '/__sim/requests'), fn($r) => $r['status'] === 503));
    $in_load = $served503();
    $rounds = $drain(40, 60);
    $burst = $served503();
    $want = array_keys($mapped);
    $on = array_values(array_filter(names(), fn($n) => str_starts_with($n, 'load-')));
    $lost = array_values(array_diff($want, $on));
    $resurrected = array_values(array_diff($on, $want));
    $counts = array_count_values(names());
    $dupes = array_filter($counts, fn($c) => $c > 1);
    echo "  load: 300 events in {$load_s} s, then $rounds queue runs; " . count($want) . ' names wanted, ' . count($on) . ' on the app, ' . count($lost) . ' lost, ' . count($resurrected) . " resurrected; {$ssl()['redeploys']} redeploys, {$ssl()['refused_orders']} refused; the burst's answers of 503: $in_load during the load, $burst in all\n";
    check('load: the burst of 30 answers of 503 was met in full, and each name is on the app exactly when its last event wants it (0 lost, 0 resurrected, no duplicate)',
        $burst === 30 && $in_load > 0 && !$lost && !$resurrected && !$dupes, ['lost' => $lost, 'resurrected' => $resurrected, 'dupes' => $dupes, 'pending' => $queue()['pending'] ?? []]);
    check('load: fewer than 20 certificate redeploys, none refused', $ssl()['redeploys'] < 20 && $ssl()['refused_orders'] === 0, $ssl());
    [, $h] = wp('wu_e2e=health');
    [, $f] = wp('wu_e2e=failures');
    $left = array_values(array_filter($f['failures'] ?? [], fn($x) => str_starts_with($x['domain'], 'load-') || $x['domain'] === 'certificate'));
    check('load: nothing of the load is left listed as failed once every name is in step', !$lost && !$left, $left);
    @unlink("$dir/wp/.ssl-window");
    wp('wu_e2e=um&op=clear&domain=-');
    unlink("$dir/wp/.um-domains");
}

// 20. WP-CLI itself: `wp runcloud ...` through the real phar.
if ($wp_cli === '') {
    skip('section 20 (the real WP-CLI)', 'WU_E2E_WP_CLI is not set');
} else {
    sim('POST', '/__sim/reset');
    sim('DELETE', '/__sim/faults');
    constants($token);
    [$code, $out, $err] = wp_cli(['runcloud', 'domains', '--format=json']);
    $rows = json_decode($out, true);
    check('wp runcloud domains --format=json: stdout is JSON and nothing else, exit 0',
        $code === 0 && is_array($rows) && in_array('network.test', array_column($rows, 'name'), true), [$code, $out, $err]);
    [$code, $out, $err] = wp_cli(['runcloud', 'add', 'cli-real.com']);
    check('wp runcloud add: exit 0, says what it did, the name on the app', $code === 0 && str_contains($out . $err, 'cli-real.com') && in_array('cli-real.com', names(), true), [$code, $out, $err]);
    [$code, , $err] = wp_cli(['runcloud', 'domains', '--bogus']);
    check('an unknown flag is refused with a non-zero exit', $code !== 0 && str_contains($err, 'bogus'), [$code, $err]);
    sim('POST', '/__sim/faults', ['status' => 503, 'count' => 50]);
    [$code, , $err] = wp_cli(['runcloud', 'add', 'cli-outage.com']);
    [$scode, , $serr] = wp_cli(['runcloud', 'sync']);
    sim('DELETE', '/__sim/faults');
    check("a failure exits non-zero with RunCloud's answer (add and sync)",
        $code !== 0 && str_contains($err, 'HTTP 503') && $scode !== 0 && str_contains($serr, 'HTTP 503'), [$code, $err, $scode, $serr]);
    [$code, $out] = wp_cli(['help', 'runcloud']);
    check('wp help runcloud shows what an admin needs, no internal note',
        $code === 0 && str_contains($out, 'Keeps the RunCloud web application') && !str_contains($out, 'not run by the tests') && !str_contains($out, 'e2e'), $out);
    [$code, $out] = wp_cli(['runcloud', 'status', '--format=json']);
    check('wp runcloud status --format=json parses', $code === 0 && is_array(json_decode($out, true)), $out);
}

// 21. Certificates at network scale: the capacity in Site Health, and the way out through the
// real WP-CLI (`wp runcloud ssl --advanced`, plan then apply), with the simulator refusing (and
// counting) what Let's Encrypt would refuse.
sim('POST', '/__sim/reset');
sim('DELETE', '/__sim/faults');
constants($token);
sim('POST', '/__sim/letsencrypt', ['limits' => true]);
sim('POST', '/__sim/apps', ['generate' => ['prefix' => 'cust', 'suffix' => 'com', 'count' => 84]]);
forget_certificate_state();
[, $h] = wp('wu_e2e=health&fresh=1');
check('Site Health: 85 names on the shared certificate is a warning, with the way out',
    ($h['test']['status'] ?? '') === 'recommended' && str_contains($h['test']['label'] ?? '', 'nearly full')
    && str_contains($h['test']['description'] ?? '', 'holds 85 of the 100 names') && str_contains($h['test']['description'] ?? '', 'wp runcloud ssl --advanced'), $h['test'] ?? $h);
sim('POST', '/__sim/apps', ['generate' => ['prefix' => 'cust', 'suffix' => 'com', 'count' => 99]]);
forget_certificate_state();
[, $h] = wp('wu_e2e=health&fresh=1');
check('Site Health: 100 names is critical: the certificate is full',
    ($h['test']['status'] ?? '') === 'critical' && str_contains($h['test']['label'] ?? '', 'is full')
    && str_contains($h['test']['description'] ?? '', 'holds 100 of the 100 names'), $h['test'] ?? $h);
if ($wp_cli === '') {
    skip('section 21, wp runcloud ssl --advanced (the real WP-CLI)', 'WU_E2E_WP_CLI is not set');
} else {
    [$code, $out] = wp_cli(['runcloud', 'status', '--format=json']);
    $status = array_column((array) json_decode($out, true), 'value', 'field');
    check('wp runcloud status shows the certificate full', $code === 0 && str_contains($status['certificate of app 201'] ?? '', 'basic SSL, 100 of 100 names'), [$code, $out]);
    sim('DELETE', '/__sim/requests');
    [$code, $out, $err] = wp_cli(['runcloud', 'ssl', '--advanced', '--format=json']);
    $rows = json_decode($out, true);
    $steps = is_array($rows) ? array_count_values(array_column($rows, 'step')) : [];
    $writes = array_filter(sim('GET', '/__sim/requests'), static fn($r) => $r['method'] !== 'GET');
    // The 99 customers' names at once; the network's own name (network.test) too, unless this
    // week's orders for network.test already space it.
    check('wp runcloud ssl --advanced: the plan, every customer name to order now, nothing changed',
        $code === 0 && ($steps['now'] ?? 0) >= 99 && ($steps['now'] ?? 0) + ($steps['later'] ?? 0) === 100 && !$writes && str_contains($err, 'Nothing was changed'), [$code, $steps, $err, $writes]);
    $now_count = $steps['now'] ?? 0;
    [$code, $out, $err] = wp_cli(['runcloud', 'ssl', '--advanced', '--apply', '--max-orders=30', '--format=json']);
    $rows = json_decode($out, true);
    $steps = is_array($rows) ? array_count_values(array_column($rows, 'step')) : [];
    $le = sim('GET', '/__sim/letsencrypt');
    $app = sim('GET', '/__sim/apps/101/201');
    check('wp runcloud ssl --advanced --apply: the app switched, every name ordered 30 a call, none refused',
        $code === 0 && ($app['ssl']['advanced'] ?? false) === true && ($steps['done'] ?? 0) === $now_count
        && $le['issued'] === $now_count && !$le['refused'] && str_contains($err, "$now_count order(s) sent in all"), [$code, $steps, $le, $err]);
    [$code, , $err] = wp_cli(['runcloud', 'ssl', '--advanced', '--apply', '--format=json']);
    check('run again, it orders nothing more (resumable, never twice)',
        $code === 0 && sim('GET', '/__sim/letsencrypt')['issued'] === $now_count, [$code, $err]);
    // The ledger is the network's (in its database), not one server's: another web server, with
    // a state directory of its own and empty, sees every order made here.
    [, $ledger] = wp_cli(['eval', 'echo get_site_option("wu_runcloud_state_ledger");']);
    $lines = count(array_filter(explode("\n", trim($ledger))));
    @mkdir("$dir/state-b", 0700);
    [$code, $out] = wp_cli(['runcloud', 'ssl', '--advanced', '--format=json'], ['-d', "wu_runcloud.state_dir=$dir/state-b"]);
    $rows = json_decode($out, true);
    $steps = is_array($rows) ? array_count_values(array_column($rows, 'step')) : [];
    check('the ledger lives in the network\'s database: another server\'s plan sees every order as done',
        $lines === $now_count && !is_file("$dir/state/ledger") && !is_file("$dir/state-b/ledger") && $code === 0 && ($steps['done'] ?? 0) === $now_count,
        [$lines, $code, $steps]);
}
sim('POST', '/__sim/letsencrypt', ['limits' => false]);

// 22. A worker killed in the middle of a removal (SIGKILL, after its lookup reached RunCloud and
// before its DELETE) leaves the name wanted off the app; the glue's hourly catch-up (WP-Cron,
// run here through the real WP-CLI, its clock 5 minutes on) finishes it, once.
if ($wp_cli === '') {
    skip('section 22, a removal cut off by a kill and finished by the hourly catch-up', 'WU_E2E_WP_CLI is not set');
} else {
    sim('POST', '/__sim/reset');
    sim('DELETE', '/__sim/faults');
    constants($token);
    $on_app = fn(string $n) => in_array($n, array_column(sim('GET', '/__sim/apps/101/201')['domains'], 'name'), true);
    $lookups = fn() => count(array_filter(sim('GET', '/__sim/requests'), static fn($r) => $r['method'] === 'GET' && str_contains($r['path'], '/webapps/201/domains')));
    wp_cli(['runcloud', 'add', 'killed-mid-remove.com']);
    $before = $lookups();
    // Its next lookup reaches RunCloud and is answered 8 s late: the worker dies waiting.
    sim('POST', '/__sim/faults', ['method' => 'GET', 'path_contains' => '/webapps/201/domains', 'delay_ms' => 8000, 'count' => 1]);
    [$cmd, $env] = wp_cli_cmd(['runcloud', 'remove', 'killed-mid-remove.com']);
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
    for ($t = 0; $t < 600 && $lookups() === $before; $t++) {
        usleep(50000);
    }
    $seen = $lookups() > $before;
    proc_terminate($p, 9);
    proc_close($p);
    sim('DELETE', '/__sim/faults');
    $deletes = fn() => count(array_filter(sim('GET', '/__sim/requests'), static fn($r) => $r['method'] === 'DELETE'));
    check('a removal killed after its lookup reached RunCloud left the name on the app', $seen && $on_app('killed-mid-remove.com') && $deletes() === 0, [$seen, $deletes()]);
    [$code, $out, $err] = wp_cli(['cron', 'event', 'run', 'wu_runcloud_catch_up'], ['-d', 'wu_runcloud.clock_offset=300']);
    check('the hourly catch-up (WP-Cron, through the real WP-CLI) finished it, with one DELETE',
        $code === 0 && !$on_app('killed-mid-remove.com') && $deletes() === 1, [$code, $out, $err, $deletes()]);
    [$code] = wp_cli(['cron', 'event', 'run', 'wu_runcloud_catch_up'], ['-d', 'wu_runcloud.clock_offset=600']);
    check('a second catch-up finds nothing left', $code === 0 && $deletes() === 1, $deletes());
}
