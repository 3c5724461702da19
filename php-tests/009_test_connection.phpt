--TEST--
test_connection() names the problem: wrong credentials, server ID, app ID, unreachable API; SSL state when fine
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();

// Constants belong to one request, so each case runs in a PHP process of its own.
function check(string $constants, string $url): void {
    $code = $constants . sprintf('echo json_encode((new WU_RunCloud_Integration(["api_url" => %s, "timeout" => 5, "max_retries" => 0]))->test_connection());', var_export($url, true));
    $out = shell_exec(escapeshellarg(PHP_BINARY) . ' -n -d extension=' . escapeshellarg(extension_path()) . ' -r ' . escapeshellarg($code));
    $r = json_decode(trim((string) $out), true);
    if (!$r) { echo "BAD OUTPUT: $out\n"; return; }
    echo ($r['ok'] ? 'OK ' : 'FAIL ') . $r['api_version'] . ' [' . implode(',', array_map(fn($c) => $c['name'] . ($c['ok'] ? '+' : '-'), $r['checks'])) . "]\n";
    echo '  ', $r['message'], "\n";
    if ($r['ok']) {
        $last = array_column($r['checks'], 'message', 'name');
        echo '  ', $last['ssl'], "\n  ", $last['state'], "\n";
    }
}
function v3(string $token, int $server, int $app): string {
    return sprintf('define("WU_RUNCLOUD_API_TOKEN", %s); define("WU_RUNCLOUD_SERVER_ID", %d); define("WU_RUNCLOUD_APP_ID", %d);', var_export($token, true), $server, $app);
}
check(v3(SIM_TOKEN, 101, 201), sim_api());
check(v3('wrong-token-123', 101, 201), sim_api());
check('define("WU_RUNCLOUD_API_KEY", "wrong-key-1234"); define("WU_RUNCLOUD_API_SECRET", "wrong-secret-1234"); define("WU_RUNCLOUD_SERVER_ID", 101); define("WU_RUNCLOUD_APP_ID", 201);', sim_api());
check(v3(SIM_TOKEN, 999, 201), sim_api());
check(v3(SIM_TOKEN, 101, 999), sim_api());
check(v3(SIM_TOKEN, 101, 201), 'http://127.0.0.1:1/api');
sim_app(['ssl' => 'none']);
check(v3(SIM_TOKEN, 101, 201), sim_api());
sim_app(['ssl' => 'advanced']);
check(v3(SIM_TOKEN, 101, 201), sim_api());
?>
--EXPECTF--
OK v3 [constants+,credentials+,server+,webapp+,ssl+,state+]
  Connected to RunCloud (API v3): the server and the web application were found
  Basic SSL: certificate #%d (letsencrypt, valid until 2027-02-01 00:00:00) is redeployed when a domain is added
  Owed certificate redeploys and names waiting for DNS are kept in %s, which only %s can use%A
FAIL v3 [constants+,credentials-]
  RunCloud rejected the credentials (HTTP 401). Check WU_RUNCLOUD_API_TOKEN: an API v3 token is made in RunCloud under Workspace > Settings > API Management (it is shown once), and that this server's IP address is on the API allow-list if one is set
FAIL v2 [constants+,credentials-]
  RunCloud rejected the credentials (HTTP 401). Check WU_RUNCLOUD_API_KEY and WU_RUNCLOUD_API_SECRET: API v2 keys are under Settings > API Key in RunCloud, where API access must be enabled, and that this server's IP address is on the API allow-list if one is set
FAIL v3 [constants+,credentials+,server-]
  Server 999 was not found in this RunCloud account (HTTP 404). Check WU_RUNCLOUD_SERVER_ID: it is the number after /servers/ in the server's address in RunCloud's dashboard
FAIL v3 [constants+,credentials+,server+,webapp-]
  Web application 999 was not found on server 101 (HTTP 404). Check WU_RUNCLOUD_APP_ID: it is the number after /webapplications/ in the web application's address in RunCloud's dashboard
FAIL v3 [constants+,credentials-]
  Could not reach RunCloud at http://127.0.0.1:1/api: checking the API credentials: could not connect to RunCloud: %s
OK v3 [constants+,credentials+,server+,webapp+,ssl+,state+]
  Connected to RunCloud (API v3): the server and the web application were found
  no SSL certificate is installed on the web application; install one in RunCloud (SSL/TLS tab) to serve HTTPS
  Owed certificate redeploys and names waiting for DNS are kept in %s, which only %s can use%A
OK v3 [constants+,credentials+,server+,webapp+,ssl+,state+]
  Connected to RunCloud (API v3): the server and the web application were found
  Advanced SSL: each domain gets its own Let's Encrypt certificate
  Owed certificate redeploys and names waiting for DNS are kept in %s, which only %s can use%A
