--TEST--
No credential appears in anything the extension prints: exceptions and traces, logs, dumps, serialize, phpinfo, php --ri, test_connection, results
--INI--
error_log={TMP}/wu_runcloud_023.log
log_errors=1
zend.exception_ignore_args=0
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
$secrets = [SIM_TOKEN, SIM_KEY, SIM_SECRET, base64_encode(SIM_KEY . ':' . SIM_SECRET)];
$log = sys_get_temp_dir() . '/wu_runcloud_023.log';
@unlink($log);
$out = [];
function wu_log_add($h, $m, $l) { global $out; $out[] = "$h $l $m"; }
function grab(callable $f): string {
    ob_start();
    try {
        $r = $f();
        var_dump($r); print_r($r); var_export($r); echo json_encode($r);
    } catch (Throwable $e) {
        echo get_class($e), $e->getMessage(), $e->getTraceAsString(), (string) $e;
        if ($e instanceof WU_RunCloud_Exception) { var_dump($e->getErrors()); print_r($e); var_dump($e); }
    }
    return ob_get_clean();
}
// Both credential sets defined: v3 is used, v2's must not leak either.
define('WU_RUNCLOUD_API_TOKEN', SIM_TOKEN);
define('WU_RUNCLOUD_API_KEY', SIM_KEY);
define('WU_RUNCLOUD_API_SECRET', SIM_SECRET);
define('WU_RUNCLOUD_SERVER_ID', SIM_SERVER);
define('WU_RUNCLOUD_APP_ID', SIM_APP);
$i = integration();
$cases = 0;
$run = function (callable $f) use (&$out, &$cases) { $out[] = grab($f); $cases++; };
// Success paths.
$run(fn() => $i->test_connection());
$run(fn() => $i->add_domain('leak-test.example.com'));
$run(fn() => $i->find_domain('leak-test.example.com'));
$run(fn() => $i->list_domains());
$run(fn() => $i->redeploy_ssl());
$run(fn() => $i->remove_domain('leak-test.example.com'));
$run(fn() => [$i->on_add_domain('hook.example.com', 1), $i->on_remove_domain('hook.example.com', 1)]);
$run(fn() => $i);
$run(fn() => serialize($i));
$run(fn() => [$i->is_setup(), $i->get_missing_constants()]);
// RunCloud echoes the credential back in its error answers.
foreach ([401, 403, 422, 500, 503] as $status) {
    sim_fault(['status' => $status, 'count' => 20,
        'body' => json_encode(['message' => 'bad token ' . SIM_TOKEN . ' for key ' . SIM_KEY,
                               'errors' => ['auth' => ['secret ' . SIM_SECRET . ' rejected']]])]);
    $run(fn() => $i->add_domain('echo.example.com'));
    $run(fn() => $i->list_domains());
    $run(fn() => $i->on_add_domain('echo.example.com', 2));
    $run(fn() => $i->test_connection());
    sim_call('DELETE', '/__sim/faults');
}
// Transport failures, bad input, bad options.
$down = new WU_RunCloud_Integration(['api_url' => 'http://127.0.0.1:1/api', 'max_retries' => 0]);
$run(fn() => $down->add_domain('x.example.com'));
$run(fn() => $down->test_connection());
$run(fn() => $down->on_remove_domain('x.example.com', 3));
$run(fn() => $i->add_domain('bad name'));
$run(fn() => new WU_RunCloud_Integration(['api_url' => 'https://' . SIM_TOKEN . '@host/api']));
$run(function () { phpinfo(INFO_MODULES); });
$ri = shell_exec(escapeshellarg(PHP_BINARY) . ' -n -d extension=' . escapeshellarg(extension_path()) . ' --ri wu_runcloud');
$out[] = $ri;
$out[] = (string) @file_get_contents($log);
$all = implode("\n", $out);
$leaks = array_filter($secrets, fn($s) => str_contains($all, $s));
echo "$cases cases, ", strlen($all), " bytes of output, ", count($secrets), " secrets looked for\n";
echo 'redacted markers seen: ', substr_count($all, '[redacted]') > 0 ? 'yes' : 'no', "\n";
echo 'leaks: ', count($leaks) ? implode(', ', $leaks) : 'none', "\n";
var_dump(str_contains($all, 'WU_RUNCLOUD_API_TOKEN => defined'));
@unlink($log);
?>
--EXPECTF--
36 cases, %d bytes of output, 4 secrets looked for
redacted markers seen: yes
leaks: none
bool(true)
