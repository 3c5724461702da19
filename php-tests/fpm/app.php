<?php
// One FastCGI request of the PHP-FPM test: constants as wp-config.php defines them,
// then the calls a network's hooks make. Prints one JSON line.
define('WU_RUNCLOUD_API_TOKEN', 'sim-token-0123456789');
define('WU_RUNCLOUD_SERVER_ID', 101);
define('WU_RUNCLOUD_APP_ID', 201);
$n = (int) ($_SERVER['REQUEST_N'] ?? getenv('REQUEST_N') ?: 0);
$ok = true;
try {
    $i = new WU_RunCloud_Integration();
    $ok = $i->find_domain('network.test') !== null;
    if ($n % 10 === 0) {
        $name = "fpm-$n.example.com";
        $ok = $ok && $i->add_domain($name)['created'] && $i->remove_domain($name);
    } elseif ($n % 10 === 5) {
        // As Action Scheduler runs Ultimate Multisite's queued actions: the stored
        // arguments through array_values(), WP_Site::$blog_id as a string.
        $args = ['subdomain' => "site-$n.network.test", 'site_id' => (string) $n];
        $ok = $ok && call_user_func_array([$i, 'on_add_subdomain'], array_values($args))
            && $i->find_domain("site-$n.network.test") !== null
            && call_user_func_array([$i, 'on_remove_subdomain'], array_values($args))
            && $i->find_domain("site-$n.network.test") === null;
    }
} catch (Throwable $e) {
    $ok = false;
}
echo json_encode(['ok' => $ok, 'pid' => getmypid(), 'mem' => memory_get_usage()]), "\n";
