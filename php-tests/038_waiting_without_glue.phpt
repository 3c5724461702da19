--TEST--
The one-line set-up (register_hooks() alone, no glue): a name mapped before its DNS points is kept by the extension and added, then certified, by a later request in another worker once it points; at most one DNS look per interval; a removed name is not looked at again
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
define_v3();
ini_set('wu_runcloud.api_url', sim_api());
$request = <<<'PHP'
require getenv('WU_TEST_DIR') . '/sim.inc';
require getenv('WU_TEST_DIR') . '/wp-stand-in.inc';
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
WU_RunCloud_Integration::register_hooks();
$args = json_decode($argv[1] ?? '[]', true);
if ($args) do_action_ref_array($args[0], array_values(array_slice($args, 1)));
PHP;
function request(array $action = []): string {
    global $request;
    // A queue runner's request: the hook fires as Action Scheduler runs it.
    return in_new_worker('$argv = [0, ' . var_export(json_encode($action), true) . ']; ' . $request);
}

// A customer maps late.com before pointing it here; UM queues wu_add_domain once.
sim_point('late.com', []);
echo request(['wu_add_domain', 'late.com', '12']);
echo 'on the app: ', var_export(in_array('late.com', sim_names()), true), "\n";

// DNS still does not point: another event's request does not ask again before the interval.
sim_point('other.com', null);
echo request(['wu_add_domain', 'other.com', '13']);

// Hours later DNS points here; UM's own checks stopped long ago, so no UM action comes.
sim_point('late.com', null);
echo 'due: ', waiting_due_now(), "\n";
sim_clear_requests();
echo request(['wu_add_domain', 'third.com', '14']);
echo 'on the app: ', var_export(in_array('late.com', sim_names()), true), "\n";
echo 'certificate redeploys: ', count(array_filter(sim_calls(), fn($c) => str_starts_with($c, 'PUT'))), "\n";
echo 'refused orders: ', sim_state()['ssl']['refused_orders'], "\n";
// Nothing waits any more: the next due moment asks nothing.
echo 'due: ', waiting_due_now(), "\n";

// A name that waits and is then unmapped is never looked at (nor added) again.
sim_point('gone.com', []);
echo request(['wu_add_domain', 'gone.com', '15']);
echo request(['wu_remove_domain', 'gone.com', '15']);
sim_point('gone.com', null);
echo 'due: ', waiting_due_now(), "\n";
echo request(['wu_add_domain', 'fourth.com', '16']);
echo 'gone.com on the app: ', var_export(in_array('gone.com', sim_names()), true), "\n";
?>
--EXPECTF--
LOG[warning] wu_add_domain late.com (site 12): waiting for DNS, not on the app: %s
on the app: false
LOG[info] wu_add_domain other.com (site 13): added (with www.other.com), RunCloud domain %d; SSL queued: %s
LOG[info] SSL of web application 201 on server 101: %s
due: 1
LOG[info] wu_add_domain third.com (site 14): added (with www.third.com), RunCloud domain %d; SSL queued: %s
LOG[info] re-check late.com: added (with www.late.com), RunCloud domain %d; SSL queued: %s
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 2 name(s) added in this request: third.com, late.com
on the app: true
certificate redeploys: 1
refused orders: 0
due: 0
LOG[warning] wu_add_domain gone.com (site 15): waiting for DNS, not on the app: %s
LOG[info] wu_remove_domain gone.com (site 15): not on RunCloud web application 201; nothing to remove
due: 0
LOG[info] wu_add_domain fourth.com (site 16): added (with www.fourth.com), RunCloud domain %d; SSL queued: %s
LOG[info] SSL of web application 201 on server 101: %s
gone.com on the app: false
