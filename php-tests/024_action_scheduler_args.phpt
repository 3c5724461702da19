--TEST--
Hooks called as Action Scheduler calls them (do_action_ref_array of array_values, ids as strings) do their work; odd site ids never throw; register_hooks() twice adds each action once
--FILE--
<?php
require __DIR__ . '/sim.inc';
require __DIR__ . '/wp-stand-in.inc';
sim_reset();
function wu_log_add($h, $m, $l) { echo "LOG[$l] $m\n"; }
define_v3();
ini_set('wu_runcloud.api_url', sim_api());
var_dump(WU_RunCloud_Integration::register_hooks());
var_dump(WU_RunCloud_Integration::register_hooks('10'));
foreach (['wu_add_domain', 'wu_remove_domain', 'wu_add_subdomain', 'wu_remove_subdomain'] as $h) {
    echo $h, ': ', count_callbacks($h), " callback\n";
}
// What Ultimate Multisite queues: WP_Site::$blog_id is a string.
$site = (object) ['domain' => 'alice.network.test', 'blog_id' => '2'];
as_enqueue_async_action('wu_add_subdomain', ['subdomain' => $site->domain, 'site_id' => $site->blog_id]);
as_enqueue_async_action('wu_add_domain', ['domain' => 'Shop.Example.com', 'site_id' => '12']);
as_enqueue_async_action('wu_add_domain', ['domain' => 'null-id.example.org', 'site_id' => null]);
as_enqueue_async_action('wu_add_domain', ['domain' => 'float-id.example.org', 'site_id' => 7.0]);
as_enqueue_async_action('wu_add_domain', ['domain' => 'empty-id.example.org', 'site_id' => '']);
as_enqueue_async_action('wu_add_domain', ['domain' => 'array-id.example.org', 'site_id' => [3]]);
as_enqueue_async_action('wu_add_domain', ['domain' => ['not', 'a', 'name'], 'site_id' => '4']);
as_enqueue_async_action('wu_add_domain', ['domain' => 12345, 'site_id' => '5']);
as_enqueue_async_action('wu_remove_domain', ['domain' => 'shop.example.com', 'site_id' => '12']);
as_enqueue_async_action('wu_remove_subdomain', ['subdomain' => $site->domain, 'site_id' => $site->blog_id]);
as_run_queue();
do_action('wu_add_domain');
echo implode(' ', sim_names()), "\n";
?>
--EXPECTF--
bool(true)
bool(true)
wu_add_domain: 1 callback
wu_remove_domain: 1 callback
wu_add_subdomain: 1 callback
wu_remove_subdomain: 1 callback
LOG[info] wu_add_subdomain alice.network.test (site 2): added, RunCloud domain %d; SSL %s
LOG[info] wu_add_domain shop.example.com (site 12): added, RunCloud domain %d; SSL %s
LOG[info] wu_add_domain null-id.example.org: added, RunCloud domain %d; SSL %s
LOG[info] wu_add_domain float-id.example.org (site 7): added, RunCloud domain %d; SSL %s
LOG[error] wu_add_domain empty-id.example.org: not done: argument #2 ($site_id) must be of type ?int, string given
LOG[error] wu_add_domain array-id.example.org: not done: argument #2 ($site_id) must be of type ?int, array given
LOG[error] wu_add_domain "" (site 4): not done: argument #1 ($domain) must be of type string, array given
LOG[error] wu_add_domain "12345" (site 5): failed: Invalid domain name "12345": %s
LOG[info] wu_remove_domain shop.example.com (site 12): removed from RunCloud web application 201
LOG[info] wu_remove_subdomain alice.network.test (site 2): removed from RunCloud web application 201
LOG[error] wu_add_domain "": failed: Invalid domain name "": it is empty
network.test null-id.example.org float-id.example.org
LOG[info] SSL of web application 201 on server 101: the app's certificate (#%d) was redeployed once for 2 name(s) added in this request: null-id.example.org, float-id.example.org
