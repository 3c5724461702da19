--TEST--
register_hooks() adds the four Ultimate Multisite actions with two arguments; false without WordPress
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
var_dump(WU_RunCloud_Integration::register_hooks());
$hooks = [];
// Declared at run time, after the first call: a plain top-level function would exist from the start.
if (true) {
    function add_action($hook, $callback, $priority = 10, $accepted_args = 1) {
        global $hooks;
        $hooks[$hook] = [$callback, $priority, $accepted_args];
        return true;
    }
}
function do_action($hook, ...$args) {
    global $hooks;
    [$cb, , $n] = $hooks[$hook];
    return call_user_func_array($cb, array_slice($args, 0, $n));
}
function wu_log_add($h, $m, $l) { echo "LOG $m\n"; }
var_dump(WU_RunCloud_Integration::register_hooks(20));
foreach ($hooks as $name => [$cb, $prio, $n]) {
    echo $name, ' -> ', get_class($cb[0]), '::', $cb[1], " priority=$prio args=$n\n";
}
define_v3();
ini_set('wu_runcloud.api_url', sim_api());
var_dump(do_action('wu_add_domain', 'hooked.example.com', 9));
var_dump(do_action('wu_remove_domain', 'hooked.example.com', 9));
?>
--EXPECTF--
bool(false)
bool(true)
wu_add_domain -> WU_RunCloud_Integration::on_add_domain priority=20 args=2
wu_remove_domain -> WU_RunCloud_Integration::on_remove_domain priority=20 args=2
wu_add_subdomain -> WU_RunCloud_Integration::on_add_subdomain priority=20 args=2
wu_remove_subdomain -> WU_RunCloud_Integration::on_remove_subdomain priority=20 args=2
LOG wu_add_domain hooked.example.com (site 9): added, RunCloud domain %d; SSL queued: %s
bool(true)
LOG wu_remove_domain hooked.example.com (site 9): removed from RunCloud web application 201
bool(true)
