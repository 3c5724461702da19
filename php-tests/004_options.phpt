--TEST--
Constructor options and INI values are validated with a clear message
--INI--
wu_runcloud.timeout=7
--FILE--
<?php
require __DIR__ . '/sim.inc';
foreach ([
    ['colour' => 'red'],
    [0 => 'x'],
    ['timeout' => 0],
    ['timeout' => 'soon'],
    ['connect_timeout' => 1000],
    ['max_retries' => 11],
    ['www' => 'sometimes'],
    ['ssl' => 'maybe'],
    ['ca_file' => '/no/such/ca.pem'],
    ['api_url' => 'ftp://example.com'],
    ['api_url' => 'http://example.com/api'],
    ['api_url' => 'https://manage.runcloud.io/api/v3'],
    ['public_suffixes' => ['co uk']],
] as $opts) {
    show_throw(fn() => new WU_RunCloud_Integration($opts));
}
$ok = new WU_RunCloud_Integration(['timeout' => 2.5, 'www' => 'NEVER', 'ssl' => 'off', 'max_retries' => 0, 'public_suffixes' => ['sites.example.net']]);
echo get_class($ok), "\n";
var_dump(ini_get('wu_runcloud.timeout'));
ini_set('wu_runcloud.www', 'often');
define_v3();
show_throw(fn() => integration()->add_domain('shop.example.com'));
?>
--EXPECT--
InvalidArgumentException: Unknown option "colour"; known options: api_url, timeout, connect_timeout, max_retries, www, ssl, ca_file, public_suffixes, log, circuit_break, ssl_batch, dns_check, resolver, probe_port, state_dir, dns_wait_days, certificate_names
InvalidArgumentException: Option keys must be names such as "timeout", got the index 0
InvalidArgumentException: option "timeout" must be a number of seconds between 0.1 and 300, got 0
InvalidArgumentException: option "timeout" must be a number of seconds between 0.1 and 300, got "soon"
InvalidArgumentException: option "connect_timeout" must be a number of seconds between 0.1 and 300, got 1000
InvalidArgumentException: option "max_retries" must be a whole number from 0 to 10, got 11
InvalidArgumentException: option "www" must be one of main_only, always, never, got "sometimes"
InvalidArgumentException: option "ssl" must be one of auto, basic, advanced, off, got "maybe"
InvalidArgumentException: option "ca_file": "/no/such/ca.pem" is not a readable file
InvalidArgumentException: option "api_url" must be a URL such as https://manage.runcloud.io/api, without credentials, query or fragment, got "ftp://example.com"
InvalidArgumentException: option "api_url" must be an https:// URL: plain http would send the credentials in clear text (http:// is accepted only for a loopback address: 127.0.0.0/8, ::1, localhost), got "http://example.com/api"
InvalidArgumentException: option "api_url" must be the API root without version (such as https://manage.runcloud.io/api): /v2 or /v3 follows from the credentials, got "https://manage.runcloud.io/api/v3"
InvalidArgumentException: option "public_suffixes": public_suffixes: "co uk" is not a domain suffix such as co.uk
WU_RunCloud_Integration
string(1) "7"
WU_RunCloud_Exception [0]: INI wu_runcloud.www must be one of main_only, always, never, got "often"
