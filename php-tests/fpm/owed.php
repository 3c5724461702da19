<?php
// The PHP-FPM test's durable-state request: a pool of Debian's stock user (www-data, whose home
// belongs to root) with no wu_runcloud.state_dir set. An add in basic mode whose redeploy is left
// to a queued job (ssl_batch=queue) must be owed on disk, where a restarted worker finds it.
define('WU_RUNCLOUD_API_TOKEN', 'sim-token-0123456789');
define('WU_RUNCLOUD_SERVER_ID', 101);
define('WU_RUNCLOUD_APP_ID', 201);
$out = [];
try {
    $i = new WU_RunCloud_Integration(['ssl_batch' => 'queue']);
    $name = $_SERVER['ADD_NAME'] ?? getenv('ADD_NAME') ?: '';
    if ($name !== '') {
        $out['ssl'] = $i->add_domain($name)['ssl'];
    }
    $out['owed'] = array_merge(...array_map(fn($a) => $a['names'], $i->owed_ssl()));
} catch (Throwable $e) {
    $out['error'] = $e->getMessage();
}
echo json_encode($out), "\n";
