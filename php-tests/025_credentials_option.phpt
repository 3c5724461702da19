--TEST--
Credentials saved in Ultimate Multisite's wizard (the credentials option) work where no constant is defined; a wp-config.php constant wins; they are redacted like the constants
--INI--
error_log=/dev/null
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
$wizard = ['WU_RUNCLOUD_API_TOKEN' => SIM_TOKEN, 'WU_RUNCLOUD_SERVER_ID' => '101', 'WU_RUNCLOUD_APP_ID' => 201];
$i = integration(['credentials' => $wizard]);
var_dump($i->is_setup(), $i->get_missing_constants());
echo $i->add_domain('wizard-shop.com')['name'], "\n";
var_dump(integration(['credentials' => ['WU_RUNCLOUD_API_TOKEN' => '']])->get_missing_constants());
// A wrong token from the wizard, echoed back by RunCloud, is never shown.
$secret = 'wizard-token-that-is-wrong-42';
sim_fault(['status' => 401, 'body' => json_encode(['message' => "bad token $secret"]), 'count' => 1]);
$bad = integration(['credentials' => ['WU_RUNCLOUD_API_TOKEN' => $secret] + $wizard, 'max_retries' => 0]);
try { $bad->list_domains(); } catch (WU_RunCloud_Exception $e) {
    echo $e->getStatusCode(), ' ', str_contains($e->getMessage(), $secret) ? 'LEAKED' : 'redacted', "\n";
}
var_dump($bad->on_add_domain('leak-check.com', 1));
echo str_contains(json_encode($bad->last_error()), $secret) ? 'LEAKED' : 'redacted', "\n";
// wp-config.php wins over the wizard.
define('WU_RUNCLOUD_API_TOKEN', SIM_TOKEN);
define('WU_RUNCLOUD_SERVER_ID', 101);
define('WU_RUNCLOUD_APP_ID', 201);
$mixed = integration(['credentials' => ['WU_RUNCLOUD_API_TOKEN' => 'not-the-token-0000', 'WU_RUNCLOUD_APP_ID' => 999]]);
echo count($mixed->list_domains()) > 0 ? "constants won\n" : "wizard won\n";
foreach ([['WU_RUNCLOUD_PASSWORD' => 'hunter2-secret'], 'token', ['WU_RUNCLOUD_API_TOKEN' => ['x']]] as $c) {
    try { integration(['credentials' => $c]); } catch (InvalidArgumentException $e) {
        echo str_contains($e->getMessage(), 'hunter2') ? 'LEAKED' : $e->getMessage(), "\n";
    }
}
?>
--EXPECT--
bool(true)
array(0) {
}
wizard-shop.com
array(3) {
  [0]=>
  string(21) "WU_RUNCLOUD_API_TOKEN"
  [1]=>
  string(21) "WU_RUNCLOUD_SERVER_ID"
  [2]=>
  string(18) "WU_RUNCLOUD_APP_ID"
}
401 redacted
bool(false)
redacted
constants won
Option "credentials": unknown key "WU_RUNCLOUD_PASSWORD"; known keys: WU_RUNCLOUD_API_TOKEN, WU_RUNCLOUD_API_KEY, WU_RUNCLOUD_API_SECRET, WU_RUNCLOUD_SERVER_ID, WU_RUNCLOUD_APP_ID
Option "credentials" must be an array such as ['WU_RUNCLOUD_API_TOKEN' => '...']
Option "credentials": WU_RUNCLOUD_API_TOKEN must be a string or an integer
