--TEST--
A name whose customer points DNS late is looked at for as long as it waits (daily after 3 days, weekly after 30), seen in waiting_names(), certified within a day of pointing on day 4, and given up (and logged) only at the horizon, which php.ini's dns_wait_days sets; each request is its own process with the extension's clock moved (wu_runcloud.clock_offset)
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
define_v3();
const DAY = 86400;
$request = <<<'PHP'
require getenv('WU_TEST_DIR') . '/sim.inc';
require getenv('WU_TEST_DIR') . '/wp-stand-in.inc';
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
WU_RunCloud_Integration::register_hooks();
$args = json_decode($argv[1] ?? '[]', true);
if ($args) do_action_ref_array($args[0], array_values(array_slice($args, 1)));
$now = time() + (int) ini_get('wu_runcloud.clock_offset');
// Rounded: under valgrind the real clock moves on by seconds between the processes.
$in = fn(int $d) => $d >= 86000 ? round($d / 86400, 1) . ' days' : ($d >= 3000 ? round($d / 3600, 1) . ' h' : round($d / 60) . ' min');
foreach ((new WU_RunCloud_Integration())->waiting_names() as $w) {
    printf("waiting %s: %d looks, waited %.1f days, next look in %s, given up at day %.1f\n", $w['name'], $w['looks'],
        $w['waited'] / 86400, $in($w['next_look'] - $now), ($w['gives_up_at'] - $w['since']) / 86400);
}
PHP;
/** A queue runner's request, `$days` after the start, as its own process. */
function request(float $days, array $action, array $ini = []): string {
    global $request;
    $ini['wu_runcloud.clock_offset'] = (int) ($days * DAY);
    return in_new_worker('$argv = [0, ' . var_export(json_encode($action), true) . ']; ' . $request, $ini);
}

echo "== day 0: late.com is mapped before its DNS points here\n";
sim_point('late.com', []);
echo request(0, ['wu_add_domain', 'late.com', '12']);

echo "== day 4: not pointing yet; the next request looks at it, and its next look is a day on\n";
sim_point('day4.com', null);
echo request(4, ['wu_add_domain', 'day4.com', '13']);

echo "== day 4.5: the customer points it; the first request after its next look adds it\n";
sim_point('late.com', null);
echo request(4.5, ['wu_add_domain', 'half.com', '14']);
echo 'late.com on the app: ', var_export(in_array('late.com', sim_names(), true), true), "\n";
echo request(5.01, ['wu_add_domain', 'day5.com', '15']);
echo 'late.com on the app: ', var_export(in_array('late.com', sim_names(), true), true), "\n";

echo "== never.com never points: looked at on day 29, given up on day 31\n";
sim_point('never.com', []);
echo request(0, ['wu_add_domain', 'never.com', '16']);
sim_point('day29.com', null);
echo request(29, ['wu_add_domain', 'day29.com', '17']);
sim_point('day31.com', null);
echo request(31, ['wu_add_domain', 'day31.com', '18']);
echo 'never.com on the app: ', var_export(in_array('never.com', sim_names(), true), true), "\n";

echo "== a horizon of 60 days set in php.ini: on day 31 still looked at, weekly\n";
sim_point('slow.com', []);
echo request(0, ['wu_add_domain', 'slow.com', '19'], ['wu_runcloud.dns_wait_days' => 60]);
sim_point('day31b.com', null);
echo request(31, ['wu_add_domain', 'day31b.com', '20'], ['wu_runcloud.dns_wait_days' => 60]);
echo 'refused orders: ', sim_state()['ssl']['refused_orders'], "\n";
?>
--EXPECTF--
== day 0: late.com is mapped before its DNS points here
LOG[warning] wu_add_domain late.com (site 12): waiting for DNS, not on the app: %s
waiting late.com: 0 looks, waited 0.0 days, next look in 2 min, given up at day 30.0
== day 4: not pointing yet; the next request looks at it, and its next look is a day on
LOG[info] wu_add_domain day4.com (site 13): added (with www.day4.com), RunCloud domain %d; SSL queued: %s
LOG[warning] re-check late.com: waiting for DNS, not on the app: %s
waiting late.com: 1 looks, waited 4.0 days, next look in 1 days, given up at day 30.0
LOG[info] SSL of web application 201 on server 101: %s
== day 4.5: the customer points it; the first request after its next look adds it
LOG[info] wu_add_domain half.com (site 14): added (with www.half.com), RunCloud domain %d; SSL queued: %s
waiting late.com: 1 looks, waited 4.5 days, next look in 12 h, given up at day 30.0
LOG[info] SSL of web application 201 on server 101: %s
late.com on the app: false
LOG[info] wu_add_domain day5.com (site 15): added (with www.day5.com), RunCloud domain %d; SSL queued: %s
LOG[info] re-check late.com: added (with www.late.com), RunCloud domain %d; SSL queued: %s
LOG[info] SSL of web application 201 on server 101: %s
late.com on the app: true
== never.com never points: looked at on day 29, given up on day 31
LOG[warning] wu_add_domain never.com (site 16): waiting for DNS, not on the app: %s
waiting never.com: 0 looks, waited 0.0 days, next look in 2 min, given up at day 30.0
LOG[info] wu_add_domain day29.com (site 17): added (with www.day29.com), RunCloud domain %d; SSL queued: %s
LOG[warning] re-check never.com: waiting for DNS, not on the app: %s
waiting never.com: 1 looks, waited 29.0 days, next look in 1 days, given up at day 30.0
LOG[info] SSL of web application 201 on server 101: %s
LOG[info] wu_add_domain day31.com (site 18): added (with www.day31.com), RunCloud domain %d; SSL queued: %s
LOG[error] re-check never.com: gave up waiting for DNS after 31 days (wu_runcloud.dns_wait_days); it is still mapped but not on the certificate: point it at this server, then check it again or map it again
LOG[info] SSL of web application 201 on server 101: %s
never.com on the app: false
== a horizon of 60 days set in php.ini: on day 31 still looked at, weekly
LOG[warning] wu_add_domain slow.com (site 19): waiting for DNS, not on the app: %s
waiting slow.com: 0 looks, waited 0.0 days, next look in 2 min, given up at day 60.0
LOG[info] wu_add_domain day31b.com (site 20): added (with www.day31b.com), RunCloud domain %d; SSL queued: %s
LOG[warning] re-check slow.com: waiting for DNS, not on the app: %s
waiting slow.com: 1 looks, waited 31.0 days, next look in 7 days, given up at day 60.0
LOG[info] SSL of web application 201 on server 101: %s
refused orders: 0
