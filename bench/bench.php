<?php
// make bench: the real extension (loaded into this php) against the plain PHP
// way (bench/baseline.php), alternating, against runcloud-sim over TLS behind
// bench's latency proxy. Run by scripts/bench.sh, which starts them and sets:
//   BENCH_SIM    https://127.0.0.1:PORT   the simulator itself (control, counters)
//   BENCH_PROXY  {"50": PORT, "0": PORT}  latency proxies by RTT in ms
//   BENCH_CA     the simulator's CA file
//   BENCH_REPS   repetitions of the light scenarios (default 7; heavy ones 3)
//   BENCH_BATCH  adds in the batch scenario (default 200)
// A scenario runs in a child process of its own (`--scenario NAME RTT`), so no
// worker memory crosses from one to the next; the parent prints the table.

require __DIR__ . '/baseline.php';

const TOKEN = 'sim-token-0123456789';
const SERVER = 101;
const APP = 201;

function env(string $k, string $default = ''): string { $v = getenv($k); return $v === false ? $default : $v; }

function sim(string $method, string $path, $data = null)
{
    $h = curl_init(env('BENCH_SIM') . $path);
    curl_setopt_array($h, [
        CURLOPT_CUSTOMREQUEST => $method, CURLOPT_RETURNTRANSFER => true, CURLOPT_CAINFO => env('BENCH_CA'),
        CURLOPT_HTTPHEADER => ['Content-Type: application/json'],
        CURLOPT_POSTFIELDS => $data === null ? '' : json_encode($data),
    ]);
    $r = curl_exec($h);
    curl_close($h);
    return json_decode((string) $r, true);
}

function counters(): array
{
    $s = sim('GET', '/__sim/stats');
    return [$s['api_requests'], $s['api_connections']];
}

function api_base(int $rtt): string
{
    $ports = json_decode(env('BENCH_PROXY'), true);
    return 'https://127.0.0.1:' . $ports[(string) $rtt] . '/api';
}

function ext(int $rtt): WU_RunCloud_Integration
{
    return new WU_RunCloud_Integration(['api_url' => api_base($rtt), 'ca_file' => env('BENCH_CA'), 'timeout' => 120, 'log' => false]);
}

function plain(int $rtt): Plain_PHP_RunCloud
{
    return new Plain_PHP_RunCloud(api_base($rtt) . '/v3', TOKEN, SERVER, APP, env('BENCH_CA'));
}

/** A fresh app of $count generated names (site00001.example.com ...), basic SSL. */
/**
 * A new week for Let's Encrypt's budget: the ledger of orders forgotten, so that every add
 * measured is one that fits (the spacing would otherwise owe the certificate of the eleventh
 * order of the run, and measure a cheaper add). The census of the app's names stays: it is the
 * steady state, and an add that fits pays no round trip for it.
 */
function forget_ledger(): void
{
    @unlink(ini_get('wu_runcloud.state_dir') . '/ledger');
}

function fresh_app(int $count, bool $ignore_search, array $rate = []): void
{
    forget_ledger();
    foreach (glob(ini_get('wu_runcloud.state_dir') . '/certificate-names-*') ?: [] as $f) {
        @unlink($f);
    }
    sim('POST', '/__sim/reset');
    sim('POST', '/__sim/apps', ['ssl' => 'basic', 'generate' => ['prefix' => 'site', 'suffix' => 'example.com', 'count' => $count]]);
    sim('POST', '/__sim/settings', ['ignore_search' => $ignore_search] + $rate);
    sim('DELETE', '/__sim/requests');
}

/** User + system CPU seconds of this PHP process so far, every thread included. */
function cpu_s(): float
{
    $u = getrusage();
    return $u['ru_utime.tv_sec'] + $u['ru_utime.tv_usec'] / 1e6 + $u['ru_stime.tv_sec'] + $u['ru_stime.tv_usec'] / 1e6;
}

/**
 * Runs $op once: [seconds, requests, connections, CPU seconds], requests and connections as the
 * simulator counted them. The CPU time is this process's around $op alone (the counters' own
 * requests to the simulator are outside it, and the simulator is another process).
 */
function measure(callable $op): array
{
    [$r0, $c0] = counters();
    $u0 = cpu_s();
    $t = hrtime(true);
    $op();
    $s = (hrtime(true) - $t) / 1e9;
    $cpu = cpu_s() - $u0;
    [$r1, $c1] = counters();
    return [$s, $r1 - $r0, $c1 - $c0, $cpu];
}

/** The php command of a child, with this process's extension settings. */
function child_cmd(array $args, array $ini = []): string
{
    $cmd = [PHP_BINARY, '-n', '-d', 'extension=' . env('BENCH_EXT'), '-d', 'extension=curl'];
    foreach (['resolver', 'state_dir', 'probe_port'] as $k) {
        $cmd[] = '-d';
        $cmd[] = "wu_runcloud.$k=" . ($ini[$k] ?? ini_get("wu_runcloud.$k"));
    }
    return implode(' ', array_map('escapeshellarg', array_merge($cmd, $args))) . ' 2>&1';
}

/**
 * A new php process (a worker that remembers nothing) runs $setup, then $code, measured inside
 * it: [seconds, requests, connections, CPU seconds] of $code alone.
 */
function in_new_process(string $code, string $setup = '', array $ini = []): array
{
    $out = (string) shell_exec(child_cmd([__FILE__, '--child', $setup, $code], $ini));
    $m = json_decode(trim(substr($out, (int) strrpos(rtrim($out), "\n"))), true);
    if (!is_array($m)) {
        fwrite(STDERR, "child said: $out\n");
        return [NAN, 0, 0, NAN];
    }
    return $m;
}

function define_constants(): void
{
    define('WU_RUNCLOUD_API_TOKEN', TOKEN);
    define('WU_RUNCLOUD_SERVER_ID', SERVER);
    define('WU_RUNCLOUD_APP_ID', APP);
}

/** One row: what each side did, per repetition. */
function row(string $label, int $rtt, array $ext, ?array $base, float $floor_rtts, string $note = ''): array
{
    return compact('label', 'rtt', 'ext', 'base', 'floor_rtts', 'note');
}

function reps(bool $heavy = false): int
{
    return $heavy ? max(1, min(3, (int) env('BENCH_REPS', '7'))) : (int) env('BENCH_REPS', '7');
}

// ---- scenarios: each returns rows ----------------------------------------

function scenario_add(int $rtt): array
{
    fresh_app(40, false);
    $e = ext($rtt);
    $p = plain($rtt);
    $e->add_domain('warm-up.com');
    WU_RunCloud_Integration::flush_ssl();
    $warm = $first = $base = [];
    for ($i = 0; $i < reps(); $i++) {
        // One request's worth of work: the add, and the redeploy its end runs.
        forget_ledger();
        $warm[] = measure(function () use ($e, $i) { $e->add_domain("ext-warm-$i.com"); WU_RunCloud_Integration::flush_ssl(); });
        $base[] = measure(fn() => $p->add("plain-$i.com", true));
        forget_ledger();
        $first[] = in_new_process("\$e->add_domain('ext-first-$i.com'); WU_RunCloud_Integration::flush_ssl();");
    }
    return [
        row('add a domain, basic SSL, warm worker', $rtt, $warm, $base, 2, 'POST; PUT ssl at request end; the checks (AAAA, CAA, the ledger, the 100-name census) add no round trip'),
        row('add, first call of a process', $rtt, $first, $base, 4, 'connect + TLS + POST + PUT'),
    ];
}

function scenario_subdomain(int $rtt): array
{
    fresh_app(40, false);
    $e = ext($rtt);
    $p = plain($rtt);
    $e->on_add_subdomain('warm-up.network.test', '1');
    WU_RunCloud_Integration::flush_ssl();
    $ext = $base = [];
    for ($i = 0; $i < reps(); $i++) {
        $ext[] = measure(function () use ($e, $i) { $e->on_add_subdomain("ext$i.network.test", (string) (10 + $i)); WU_RunCloud_Integration::flush_ssl(); });
        $base[] = measure(fn() => $p->add_subdomain("plain$i.network.test"));
    }
    return [row('subdomain add (site of a subdomain network)', $rtt, $ext, $base, 3, 'wildcard lookup, POST, PUT')];
}

function scenario_remove(int $rtt, int $count, bool $ignored): array
{
    fresh_app($count, $ignored);
    $e = ext($rtt);
    $p = plain($rtt);
    $heavy = $ignored && $count > 1000;
    $rows = [];
    $name = fn(int $k) => sprintf('site%04d.example.com', $k);
    if ($ignored && $count > 40) {
        // The first walk of a process: a new process each time, names near the end.
        $first = [];
        for ($i = 0; $i < reps(true); $i++) {
            $n = $name($count - 10 - $i);
            $first[] = in_new_process("\$e->remove_domain('$n');");
        }
        // The page of the last name asked for (the primary domain comes first).
        $pages = (int) ceil(($count - 10 + 1) / 40);
        // Floor: connect + TLS, page 1, the other pages up to it 8 at a time, the DELETE.
        $floor = 2 + 1 + (int) ceil(($pages - 1) / 8) + 1;
        $seq = (2 + $pages + 1) * $rtt / 1000;
        $rows[] = row("remove, app of $count, search ignored: first walk of a process", $rtt, $first, null, $floor,
            sprintf('page by page on one connection: %d requests, at least %.2f s (%.1fx the parallel walk)', $pages + 1, $seq, $seq / median($first, 0)));
    }
    // Steady state: this worker has seen the list (the warm-up remove walked it).
    $e->remove_domain($name($count - 5));
    $ext = $base = [];
    for ($i = 0; $i < reps($heavy); $i++) {
        $ext[] = measure(fn() => $e->remove_domain($name($count - 20 - 2 * $i)));
        $base[] = measure(fn() => $p->remove($name($count - 21 - 2 * $i)));
    }
    $rows[] = row(sprintf('remove, app of %d, search %s', $count, $ignored ? 'ignored' : 'honoured'), $rtt, $ext, $base, 2, 'GET (search or by id), DELETE');
    return $rows;
}

function scenario_batch(int $rtt): array
{
    $n = (int) env('BENCH_BATCH', '200');
    // RunCloud's 60 a minute, scaled down 20 times: 60 every 3 s.
    $rate = ['rate_limit' => 60, 'rate_window_ms' => 3000, 'send_retry_after' => true, 'send_reset' => false];
    fresh_app(40, false, $rate);
    $e = ext($rtt);
    $ext = [measure(function () use ($e, $n) {
        for ($i = 0; $i < $n; $i++) {
            $e->on_add_domain("batch-ext-$i.com", (string) (100 + $i));
        }
        WU_RunCloud_Integration::flush_ssl();
    })];
    $puts_ext = count(array_filter(sim('GET', '/__sim/requests'), fn($r) => $r['method'] === 'PUT'));
    $ext_429 = count(array_filter(sim('GET', '/__sim/requests'), fn($r) => $r['status'] === 429));
    fresh_app(40, false, $rate);
    $p = plain($rtt);
    $base = [measure(function () use ($p, $n) { for ($i = 0; $i < $n; $i++) $p->add("batch-plain-$i.com", true); })];
    $puts_base = count(array_filter(sim('GET', '/__sim/requests'), fn($r) => $r['method'] === 'PUT'));
    // Floor: n + 1 round trips, which the limit (20 a second) also allows at most.
    return [row("$n adds in one request (Action Scheduler batch), 60 requests/3 s", $rtt, $ext, $base, $n + 1,
        "redeploys: $puts_ext vs $puts_base; 429s: $ext_429 vs {$p->status_429}")];
}

function scenario_throughput(): array
{
    fresh_app(40, false);
    $e = ext(0);
    $p = plain(0);
    $n = 300;
    $e->find_domain('site0001.example.com');
    $ext = [measure(function () use ($e, $n) { for ($i = 0; $i < $n; $i++) $e->find_domain('site0020.example.com'); })];
    $base = [measure(function () use ($p, $n) { for ($i = 0; $i < $n; $i++) $p->find('site0020.example.com'); })];
    $ext2 = [measure(function () use ($e, $n) { for ($i = 0; $i < $n; $i++) { $e->add_domain("tp$i.example.org"); $e->remove_domain("tp$i.example.org"); } WU_RunCloud_Integration::flush_ssl(); })];
    $base2 = [measure(function () use ($p, $n) { for ($i = 0; $i < $n; $i++) { $p->add("tpb$i.example.org", false); $p->remove("tpb$i.example.org"); } })];
    return [
        row("$n finds, zero added latency", 0, $ext, $base, 0, 'calls/s: ' . calls_per_s($ext, $base, $n)),
        row("$n add+remove pairs, zero added latency", 0, $ext2, $base2, 0, 'pairs/s: ' . calls_per_s($ext2, $base2, $n)),
    ];
}

/** The server's address asked by some worker, as on a server where any worker added a name within the hour. */
function server_address_known(): void
{
    in_new_process("\$e->add_domain('address-warm-up.com'); WU_RunCloud_Integration::flush_ssl();");
}

function scenario_warm_connection(int $rtt): array
{
    fresh_app(40, false);
    server_address_known();
    // A worker whose connection is open (it found a name) and that remembers nothing else.
    $warm_up = "\$e->find_domain('site0001.example.com');";
    $apex = $sub = [];
    for ($i = 0; $i < reps(); $i++) {
        $apex[] = in_new_process("\$e->add_domain('conn-$i.com'); WU_RunCloud_Integration::flush_ssl();", $warm_up);
        $sub[] = in_new_process("\$e->on_add_subdomain('conn$i.network.test', '" . (20 + $i) . "'); WU_RunCloud_Integration::flush_ssl();", $warm_up);
    }
    return [
        row('add, warm connection, nothing remembered: apex name', $rtt, $apex, null, 2, 'POST with the SSL set-up asked beside it; PUT'),
        row('add, warm connection, nothing remembered: subdomain name', $rtt, $sub, null, 3, 'wildcard lookup; POST with the SSL set-up beside it; PUT'),
    ];
}

function scenario_one_parent(int $rtt): array
{
    $n = 50;
    fresh_app(40, false);
    server_address_known();
    sim('DELETE', '/__sim/requests');
    $e = ext($rtt);
    // One request, as an Action Scheduler batch runs it: the hooks, then the request's end.
    $ext = [measure(function () use ($e, $n) {
        for ($i = 0; $i < $n; $i++) {
            $e->on_add_domain("shop$i.brand-one.com", (string) (300 + $i));
        }
        WU_RunCloud_Integration::flush_ssl();
    })];
    $log = sim('GET', '/__sim/requests');
    $puts = count(array_filter($log, fn($r) => $r['method'] === 'PUT'));
    $wild = count(array_filter($log, fn($r) => $r['method'] === 'GET' && ($r['query']['search'] ?? '') === 'brand-one.com'));
    return [row("$n adds of names under one parent in one request (a new worker)", $rtt, $ext, null, $n + 2,
        "wildcard lookups: $wild; redeploys: $puts; at most " . ($n + 4) . ' requests')];
}

/** An advanced-SSL app of $count site names under network.test; the primary flagged wildcard with $flag. */
function big_network_app(int $count, bool $flag = false, array $more = []): void
{
    forget_ledger();
    foreach (glob(ini_get('wu_runcloud.state_dir') . '/certificate-names-*') ?: [] as $f) {
        @unlink($f);
    }
    sim('POST', '/__sim/reset');
    sim('POST', '/__sim/apps', ['ssl' => 'advanced', 'wildcard' => $flag, 'domains' => $more,
        'generate' => ['prefix' => 'site', 'suffix' => 'network.test', 'count' => $count]]);
    sim('DELETE', '/__sim/requests');
}

function scenario_big_parent(int $rtt): array
{
    $rows = [];
    $kinds = [
        'none' => ['no wildcard row', 3, 'the two wildcard questions with the SSL set-up beside them; POST; its own certificate'],
        'star' => ['wildcard row *.network.test', 1, 'the two wildcard questions (and the SSL set-up) at once: covered, nothing added'],
        'flag' => ['wildcard flag on network.test', 1, 'the two wildcard questions (and the SSL set-up) at once: covered, nothing added'],
    ];
    foreach ($kinds as $kind => [$label, $floor, $note]) {
        big_network_app(10000, $kind === 'flag');
        if ($kind === 'star') {
            sim('POST', '/__sim/domains', ['name' => '*.network.test', 'wildcard' => true]);
        }
        server_address_known();
        $warm_up = "\$e->find_domain('site0001.network.test');";
        $samples = [];
        for ($i = 0; $i < reps(true); $i++) {
            forget_ledger();
            $samples[] = in_new_process("\$r = \$e->on_add_subdomain('big-$kind-$i.network.test', '" . (900 + $i) . "'); WU_RunCloud_Integration::flush_ssl();", $warm_up);
        }
        $on_app = in_array("big-$kind-0.network.test", array_column(sim('GET', '/__sim/apps/' . SERVER . '/' . APP)['domains'], 'name'), true);
        $rows[] = row("add a site name, 10,000 under its parent, $label, warm connection, nothing remembered", $rtt, $samples, null, $floor,
            $note . ($kind === 'none' ? ($on_app ? '' : ' (NOT ADDED)') : ($on_app ? ' (ADDED: the wildcard was missed)' : '')));
    }
    return $rows;
}

/**
 * An add on an app of 1,000 and 10,000 names whatever RunCloud's order and search: with `search`
 * ignored, and with `search` honoured but the parent's row absent and the list newest first. The
 * first add reads the list once (it keeps it as the index); each measured add is a new process on a
 * warm connection, nothing remembered but what is on disk.
 */
function scenario_index_scale(int $rtt): array
{
    $rows = [];
    foreach ([1000, 10000] as $count) {
        foreach (['ignored' => ['ignore_search' => true], 'newest first, parent row absent' => ['newest_first' => true]] as $how => $settings) {
            forget_ledger();
            foreach (glob(ini_get('wu_runcloud.state_dir') . '/index-*') ?: [] as $f) {
                @unlink($f);
            }
            sim('POST', '/__sim/reset');
            sim('POST', '/__sim/apps', ['ssl' => 'advanced', 'generate' => ['prefix' => 'shop', 'suffix' => 'hosted.example', 'count' => $count]]);
            sim('POST', '/__sim/settings', $settings);
            server_address_known();
            $warm_up = "\$e->find_domain('shop0001.hosted.example');";
            in_new_process("\$e->on_add_domain('first.hosted.example', '800');", $warm_up);
            sim('DELETE', '/__sim/requests');
            $samples = [];
            for ($i = 0; $i < reps(true); $i++) {
                forget_ledger();
                $samples[] = in_new_process("\$e->on_add_domain('idx-$i.hosted.example', '" . (800 + $i) . "');", $warm_up);
            }
            $rows[] = row("add a name on an app of $count, search $how, a new process, warm connection", $rtt, $samples, null, 3,
                'the index checked (page 1 and the last page at once) with the SSL set-up beside it; POST; its own certificate. Target: at most 6 requests, 1.3x the floor');
        }
    }
    sim('POST', '/__sim/settings', ['ignore_search' => false, 'newest_first' => false]);
    return $rows;
}

function scenario_slow_dns(int $rtt): array
{
    fresh_app(40, false);
    sim('POST', '/__sim/settings', ['dns_delay_ms' => 100]);
    $e = ext($rtt);
    $e->add_domain('slow-warm-up.com');
    WU_RunCloud_Integration::flush_ssl();
    $apex = $sub = [];
    for ($i = 0; $i < reps(); $i++) {
        forget_ledger();
        $apex[] = measure(function () use ($e, $i) { $e->add_domain("slow-$i.com"); WU_RunCloud_Integration::flush_ssl(); });
        forget_ledger();
        $sub[] = measure(function () use ($e, $i) { $e->on_add_subdomain("slow$i.network.test", (string) (700 + $i)); WU_RunCloud_Integration::flush_ssl(); });
    }
    return [
        row('add a domain, resolver answers after 100 ms, warm worker', $rtt, $apex, null, 2, 'floor: POST; PUT (2 RTs). Target: at most floor + 100 ms + 10%'),
        row('add a site name, resolver answers after 100 ms, warm worker', $rtt, $sub, null, 3, 'floor: wildcard questions; POST; PUT (3 RTs); the DNS questions ride beside the wildcard questions'),
    ];
}

function scenario_sync_scale(int $rtt): array
{
    // 10,000 names, 1% of them (100) behind a nameserver that never answers; 100 new site names.
    $dead = array_map(fn($i) => sprintf('deadns%03d.network.test', $i), range(1, 100));
    big_network_app(9900, false, $dead);
    $names = array_merge(array_map(fn($i) => sprintf('site%04d.network.test', $i), range(1, 9900)), $dead,
        array_map(fn($i) => sprintf('fresh%03d.network.test', $i), range(1, 100)));
    $e = new WU_RunCloud_Integration(['api_url' => api_base($rtt), 'ca_file' => env('BENCH_CA'), 'log' => false]);
    $plan = measure(function () use ($e, $names, &$dry) { $dry = $e->sync_domains($names); });
    $chunks = [];
    $stalled = 0;
    $t = measure(function () use ($e, $names, &$chunks, &$stalled) {
        do {
            $r = $e->sync_domains($names, ['apply' => true, 'limit' => 50]);
            $chunks[] = count($r['added']) . '+' . count($r['waiting']);
            $progress = $r['added'] || $r['waiting'] || $r['removed'];
            $stalled += $progress ? 0 : 1;
        } while ($r['remaining'] > 0 && $progress && count($chunks) < 20);
        $GLOBALS['last_sync'] = $r;
    });
    $last = $GLOBALS['last_sync'];
    return [
        row('sync plan (dry run), 10,000 names, 1% behind a dead nameserver', $rtt, [$plan], null, 0,
            sprintf('%d to add; the audit found %d not pointing and had no time for %d (its own 10 s)', count($dry['to_add']), count($dry['not_pointing']), $dry['not_checked'])),
        row('sync apply to the end through the chain (50 a chunk)', $rtt, [$t], null, 0,
            sprintf('%d chunks (added+waiting each: %s), %d without progress, %d remaining at the end', count($chunks), implode(', ', $chunks), $stalled, $last['remaining'])),
    ];
}

function scenario_server_address(int $rtt): array
{
    fresh_app(40, false);
    // Some worker of the server added within the day: the census of the app's names is kept.
    server_address_known();
    $warm_up = "\$e->find_domain('site0001.example.com');";
    $first = [];
    for ($i = 0; $i < reps(); $i++) {
        // A state directory of its own without the server's address: no worker of this server
        // asked within the hour. The census of the app's names (kept 24 hours) is there.
        $dir = ini_get("wu_runcloud.state_dir") . "/address-$i";
        @mkdir($dir, 0700);
        foreach (glob(ini_get('wu_runcloud.state_dir') . '/certificate-names-*') ?: [] as $f) {
            copy($f, "$dir/" . basename($f));
            chmod("$dir/" . basename($f), 0600);
        }
        $first[] = in_new_process("\$e->add_domain('addr-$i.com'); WU_RunCloud_Integration::flush_ssl();", $warm_up, ['state_dir' => $dir]);
    }
    return [row("add, the server's address not yet known (first add of the hour on a server)", $rtt, $first, null, 3,
        'GET /servers/{id}; POST with the SSL set-up beside it; PUT')];
}

function scenario_dns_cost(): array
{
    fresh_app(40, false);
    $n = 200;
    $on = ext(0);
    $off = new WU_RunCloud_Integration(['api_url' => api_base(0), 'ca_file' => env('BENCH_CA'), 'timeout' => 120, 'log' => false, 'dns_check' => false]);
    $on->add_domain('dns-warm-up.com');
    $off->add_domain('dns-warm-up2.com');
    WU_RunCloud_Integration::flush_ssl();
    $pair = fn($e, string $tag) => function () use ($e, $n, $tag) {
        for ($i = 0; $i < $n; $i++) { $e->add_domain("$tag$i.example.org"); $e->remove_domain("$tag$i.example.org"); }
        WU_RunCloud_Integration::flush_ssl();
    };
    $with = $without = [];
    for ($r = 0; $r < reps(); $r++) {
        // Alternating, so that whatever drifts (caches, the simulator's lists) drifts for both.
        $with[] = measure($pair($on, "dns-on-$r-"));
        $without[] = measure($pair($off, "dns-off-$r-"));
    }
    $per = (median($with, 0) - median($without, 0)) / $n;
    $cpu = (median($with, 3) - median($without, 3)) / $n;
    return [row("$n add+remove pairs with the DNS check, zero added latency", 0, $with, null, 0,
        sprintf('the check costs %.0f us a name (%.0f us CPU): one round trip to the resolver (A, AAAA, and CAA at each level up the tree, all at once), here the simulator', $per * 1e6, $cpu * 1e6))];
}

function calls_per_s(array $ext, array $base, int $n): string
{
    return sprintf('%.0f vs %.0f; CPU per call: %.0f us vs %.0f us (this PHP process, user+system)',
        $n / $ext[0][0], $n / $base[0][0], $ext[0][3] / $n * 1e6, $base[0][3] / $n * 1e6);
}

/** The median of field $k (0 time, 3 CPU) of measure()'s samples. */
function median(array $samples, int $k): float
{
    $v = array_map(fn($x) => $x[$k] ?? NAN, $samples);
    sort($v);
    $n = count($v);
    return $n % 2 ? $v[intdiv($n, 2)] : ($v[$n / 2 - 1] + $v[$n / 2]) / 2;
}

function rss_kib(): int
{
    preg_match('/VmRSS:\s+(\d+)/', (string) file_get_contents('/proc/self/status'), $m);
    return (int) ($m[1] ?? 0);
}

function scenario_memory(): array
{
    fresh_app(40, false);
    $e = ext(0);
    $calls = 10000;
    for ($i = 0; $i < 300; $i++) { $e->find_domain('site0010.example.com'); }
    gc_collect_cycles();
    $before = rss_kib();
    $t = hrtime(true);
    for ($i = 0; $i < $calls; $i++) {
        switch ($i % 4) {
            case 0: $e->add_domain("mem$i.example.org"); break;
            case 1: $e->remove_domain('mem' . ($i - 1) . '.example.org'); break;
            case 2: $e->find_domain('site0010.example.com'); break;
            default: $e->on_add_domain('site0011.example.com', (string) $i);
        }
        // A PHP-FPM worker's request ends every so often: its redeploy runs.
        if ($i % 100 === 99) { WU_RunCloud_Integration::flush_ssl(); }
        if ($i % 1000 === 999) { sim('DELETE', '/__sim/requests'); }
    }
    WU_RunCloud_Integration::flush_ssl();
    $s = (hrtime(true) - $t) / 1e9;
    gc_collect_cycles();
    $growth = rss_kib() - $before;
    return [row("worker memory over $calls calls (add, remove, find, hook; a request end every 100)", 0, [[$s, 0, 0]], null, 0, "RSS growth $growth KiB")];
}

// ---- child entry points ----------------------------------------------------

if (($argv[1] ?? '') === '--child') {
    define_constants();
    $e = new WU_RunCloud_Integration(['api_url' => env('BENCH_API'), 'ca_file' => env('BENCH_CA'), 'timeout' => 120, 'log' => false]);
    eval($argv[2]);
    $code = $argv[3];
    echo json_encode(measure(function () use ($e, $code) { eval($code); })), "\n";
    exit(0);
}

if (($argv[1] ?? '') === '--scenario') {
    define_constants();
    [$name, $rtt] = [$argv[2], (int) $argv[3]];
    putenv('BENCH_API=' . api_base($rtt));
    $rows = match ($name) {
        'add' => scenario_add($rtt),
        'subdomain' => scenario_subdomain($rtt),
        'remove' => scenario_remove($rtt, (int) $argv[4], $argv[5] === 'ignored'),
        'batch' => scenario_batch($rtt),
        'warm_connection' => scenario_warm_connection($rtt),
        'index_scale' => scenario_index_scale($rtt),
        'one_parent' => scenario_one_parent($rtt),
        'server_address' => scenario_server_address($rtt),
        'big_parent' => scenario_big_parent($rtt),
        'slow_dns' => scenario_slow_dns($rtt),
        'sync_scale' => scenario_sync_scale($rtt),
        'dns_cost' => scenario_dns_cost(),
        'throughput' => scenario_throughput(),
        'memory' => scenario_memory(),
    };
    echo json_encode($rows), "\n";
    exit(0);
}

// ---- parent: run the scenarios, print the table --------------------------

function stats_of(array $samples): array
{
    $t = array_column($samples, 0);
    sort($t);
    $n = count($t);
    $req = array_column($samples, 1);
    $conn = array_column($samples, 2);
    return ['median' => median($samples, 0), 'min' => $t[0], 'max' => $t[$n - 1], 'req' => (int) round(array_sum($req) / $n), 'conn' => (int) round(array_sum($conn) / $n), 'n' => $n, 'cpu' => median($samples, 3)];
}

function ms(float $s): string { return $s >= 10 ? sprintf('%.1f s', $s) : sprintf('%.0f ms', $s * 1000); }

$rtt = 50;
$plan = [
    ['add', $rtt], ['subdomain', $rtt], ['warm_connection', $rtt], ['server_address', $rtt],
    ['remove', $rtt, 40, 'honoured'], ['remove', $rtt, 1000, 'honoured'], ['remove', $rtt, 10000, 'honoured'],
    ['remove', $rtt, 1000, 'ignored'], ['remove', $rtt, 10000, 'ignored'],
    ['batch', $rtt], ['one_parent', $rtt], ['big_parent', $rtt], ['index_scale', $rtt], ['slow_dns', $rtt], ['sync_scale', $rtt],
    ['throughput', 0], ['dns_cost', 0], ['memory', 0],
];
if ($only = env('BENCH_ONLY')) {
    $plan = array_values(array_filter($plan, fn($p) => str_contains($only, $p[0])));
}
printf("wu_runcloud bench: %s, PHP %s, %d repetitions (3 for the heavy ones), RTT %d ms added by the proxy over TLS\n\n",
    php_uname('m'), PHP_VERSION, reps(), $rtt);
$all = [];
foreach ($plan as $p) {
    $out = shell_exec(child_cmd(array_merge([__FILE__, '--scenario'], array_map('strval', $p))));
    $rows = json_decode(trim((string) substr((string) $out, (int) strrpos(rtrim((string) $out), "\n"))), true);
    if (!is_array($rows)) {
        fwrite(STDERR, "scenario " . implode(' ', $p) . " failed:\n$out\n");
        exit(1);
    }
    foreach ($rows as $r) {
        $e = stats_of($r['ext']);
        $b = $r['base'] ? stats_of($r['base']) : null;
        $floor = $r['floor_rtts'] * $r['rtt'] / 1000;
        $line = [
            $r['label'],
            $e['req'] . ($b ? ' / ' . $b['req'] : ''),
            $e['conn'] . ($b ? ' / ' . $b['conn'] : ''),
            sprintf('%s (%s-%s)', ms($e['median']), ms($e['min']), ms($e['max'])),
            $b ? sprintf('%s (%s-%s)', ms($b['median']), ms($b['min']), ms($b['max'])) : '-',
            $floor > 0 ? ms($floor) : '-',
            $b ? sprintf('%.1fx', $b['median'] / $e['median']) : '-',
            $floor > 0 ? sprintf('%.2fx', $e['median'] / $floor) : '-',
            is_nan($e['cpu']) ? '-' : ms($e['cpu']),
            $r['note'],
        ];
        $all[] = $line;
        echo implode(' | ', $line), "\n";
    }
}
echo "\n| work | requests ext / plain | connections ext / plain | extension median (min-max) | plain PHP median (min-max) | floor | plain/ext | ext/floor | ext CPU | notes |\n";
echo "|---|---|---|---|---|---|---|---|---|---|\n";
foreach ($all as $line) {
    echo '| ', implode(' | ', $line), " |\n";
}
