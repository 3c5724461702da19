<?php
// Installs WordPress from Debian's package into the e2e docroot, then turns it into a
// subdomain multisite for network.test: what an admin does in the installer and in
// Tools > Network Setup, done with WordPress's own functions (WP-CLI is not packaged).
// Run with WU_E2E_INSTALLING=1, so wp-config.php does not yet declare the network.
$_SERVER['HTTP_HOST'] = 'network.test';
$_SERVER['SERVER_NAME'] = 'network.test';
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);
require $argv[1] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/network.php';
$r = wp_install('E2E Network', 'admin', 'admin@network.test', false, '', 'e2e-password-' . bin2hex(random_bytes(6)));
update_option('siteurl', 'http://network.test');
update_option('home', 'http://network.test');
// As wp-admin/network.php does: the network tables' names, before they exist.
foreach ($wpdb->tables('ms_global') as $table => $prefixed) {
    $wpdb->$table = $prefixed;
}
install_network();
$n = populate_network(1, 'network.test', 'admin@network.test', 'E2E Network', '/', true);
// WordPress cannot look up a wildcard DNS record here (no network); that is only a warning.
if (is_wp_error($n) && $n->get_error_code() !== 'no_wildcard_dns') {
    fwrite(STDERR, 'populate_network: ' . $n->get_error_message() . "\n");
    exit(1);
}
echo "installed WordPress ", get_bloginfo('version'), " as a subdomain network for network.test\n";
