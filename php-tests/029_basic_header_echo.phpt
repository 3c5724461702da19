--TEST--
A 401 whose body echoes the Authorization header back (v2 key and secret as base64) shows no form of the credentials: not the key, not the secret, not the base64 pair
--INI--
error_log=/dev/null
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
$key = 'wrong-key-ABCDEFGHIJ';
$secret = 'wrong-secret-KLMNOPQRST';
$forms = [$key, $secret, base64_encode("$key:$secret")];
define('WU_RUNCLOUD_API_KEY', $key);
define('WU_RUNCLOUD_API_SECRET', $secret);
define('WU_RUNCLOUD_SERVER_ID', SIM_SERVER);
define('WU_RUNCLOUD_APP_ID', SIM_APP);
$i = integration(['max_retries' => 0]);
$seen = [];
try { $i->list_domains(); } catch (WU_RunCloud_Exception $e) {
    $seen[] = $e->getMessage() . json_encode($e->getErrors()) . (string) $e;
    echo $e->getStatusCode(), ': ', str_contains($e->getMessage(), 'Received Authorization: Basic [redacted]') ? 'the echo was redacted' : $e->getMessage(), "\n";
}
var_dump($i->on_add_domain('echo-shop.com', 1));
$seen[] = json_encode($i->last_error());
$seen[] = json_encode($i->test_connection());
$leaks = 0;
foreach ($seen as $text) foreach ($forms as $f) $leaks += substr_count($text, $f);
echo "texts: ", count($seen), ", leaks: $leaks\n";
?>
--EXPECT--
401: the echo was redacted
bool(false)
texts: 3, leaks: 0
