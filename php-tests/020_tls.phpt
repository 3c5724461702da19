--TEST--
TLS is verified: a private CA gives a clear error until ca_file names it; there is no option to switch verification off
--FILE--
<?php
require __DIR__ . '/sim.inc';
$dir = sys_get_temp_dir() . '/wu_runcloud_tls_' . getmypid();
$sim = sim_start(['--tls-generate', $dir]);
define_v3();
$r = (new WU_RunCloud_Integration(['api_url' => $sim[0] . '/api', 'max_retries' => 0]))->test_connection();
var_dump($r['ok']);
echo preg_replace('#127\.0\.0\.1:\d+#', '127.0.0.1:PORT', $r['message']), "\n";
show_throw(fn() => (new WU_RunCloud_Integration(['api_url' => $sim[0] . '/api', 'max_retries' => 0]))->list_domains());
$i = new WU_RunCloud_Integration(['api_url' => $sim[0] . '/api', 'ca_file' => "$dir/ca.pem"]);
var_dump($i->test_connection()['ok']);
var_dump($i->add_domain('secure.example.com')['created']);
// The certificate redeploy the add queued runs over the same verified connection.
echo WU_RunCloud_Integration::flush_ssl()[0]['status'], "\n";
show_throw(fn() => new WU_RunCloud_Integration(['verify' => false]));
sim_stop($sim);
array_map('unlink', glob("$dir/*"));
rmdir($dir);
?>
--EXPECT--
bool(false)
Could not reach RunCloud at https://127.0.0.1:PORT/api: checking the API credentials: the TLS certificate of the API could not be verified (set wu_runcloud.ca_file for a private CA): invalid peer certificate: UnknownIssuer
WU_RunCloud_Exception [0]: listing the domains of web application 201 (page 1): the TLS certificate of the API could not be verified (set wu_runcloud.ca_file for a private CA): invalid peer certificate: UnknownIssuer
bool(true)
bool(true)
redeployed
InvalidArgumentException: Unknown option "verify"; known options: api_url, timeout, connect_timeout, max_retries, www, ssl, ca_file, public_suffixes, log, circuit_break, ssl_batch, dns_check, resolver, probe_port, state_dir, dns_wait_days, certificate_names
