<?php
// Network-activates a plugin in the e2e docroot, as an admin does under Network Admin > Plugins
// (its activation hook runs, and it joins active_sitewide_plugins). A plugin whose header asks
// for a newer WordPress than Debian's package (Action Scheduler 3.8 says 6.4; Debian 12 has 6.1)
// is still made network-active, as Ultimate Multisite loads Action Scheduler: bundled as a
// library, where no such check applies. It says so.
$_SERVER['HTTP_HOST'] = 'network.test';
$_SERVER['SERVER_NAME'] = 'network.test';
$_SERVER['REQUEST_URI'] = '/';
require $argv[1] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
$plugin = $argv[2];
$r = activate_plugin($plugin, '', true);
if (is_wp_error($r) && in_array($r->get_error_code(), ['plugin_wp_incompatible', 'plugin_wp_php_incompatible'], true)) {
    echo "note: ", wp_strip_all_tags($r->get_error_message()), " Loaded as a library bundled in a plugin is: network-active without that check.\n";
    $active = (array) get_site_option('active_sitewide_plugins', []);
    $active[$plugin] = time();
    update_site_option('active_sitewide_plugins', $active);
    $r = null;
}
if (is_wp_error($r)) {
    fwrite(STDERR, 'activate_plugin: ' . $r->get_error_message() . "\n");
    exit(1);
}
echo "network-active: $plugin\n";
