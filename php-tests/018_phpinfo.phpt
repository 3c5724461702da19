--TEST--
phpinfo() shows the version, API base, which constants are defined (never their values) and the INI entries
--INI--
wu_runcloud.ssl=basic
--FILE--
<?php
define('WU_RUNCLOUD_API_TOKEN', 'tok-SECRET-abcdef123456');
define('WU_RUNCLOUD_SERVER_ID', 101);
ob_start();
phpinfo(INFO_MODULES);
$out = ob_get_clean();
$start = strpos($out, "\nwu_runcloud\n");
$section = substr($out, $start, strpos($out, 'wu_runcloud.www', $start) - $start);
echo trim($section), "\n";
var_dump(str_contains($out, 'tok-SECRET'));
?>
--EXPECTF--
wu_runcloud

RunCloud integration => enabled
Version => %d.%d.%d
API base => https://manage.runcloud.io/api
API version in use => none (not set up)
WU_RUNCLOUD_API_TOKEN => defined
WU_RUNCLOUD_API_KEY => not defined
WU_RUNCLOUD_API_SECRET => not defined
WU_RUNCLOUD_SERVER_ID => defined
WU_RUNCLOUD_APP_ID => not defined

Directive => Local Value => Master Value
wu_runcloud.api_url => no value => no value
wu_runcloud.ca_file => no value => no value
wu_runcloud.certificate_names => 100 => 100
wu_runcloud.circuit_break => 30 => 30
wu_runcloud.clock_offset => 0 => 0
wu_runcloud.connect_timeout => 5 => 5
wu_runcloud.dns_check => on => on
wu_runcloud.dns_wait_days => 30 => 30
wu_runcloud.log => on => on
wu_runcloud.log_file => no value => no value
wu_runcloud.max_retries => 3 => 3
wu_runcloud.probe_port => 0 => 0
wu_runcloud.public_suffixes => no value => no value
wu_runcloud.resolver => %s => %s
wu_runcloud.ssl => basic => basic
wu_runcloud.ssl_batch => on => on
wu_runcloud.state_dir => %s => %s
wu_runcloud.timeout => 20 => 20
bool(false)
