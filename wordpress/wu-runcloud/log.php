<?php
/**
 * Log lines and the failures Site Health shows.
 */

defined('ABSPATH') || exit;

/**
 * One log line where the extension's own lines go (Ultimate Multisite's log, else
 * wu_runcloud.log_file, else error_log() for problems), so every line is in one place.
 */
function wu_runcloud_log(string $level, string $message): void {
    if (extension_loaded('wu_runcloud') && method_exists('WU_RunCloud_Integration', 'log')) {
        WU_RunCloud_Integration::log($level, $message);
        return;
    }
    if (function_exists('wu_log_add')) {
        wu_log_add('integration-runcloud', $message, $level);
        return;
    }
    if ($level !== 'info') {
        error_log("wu_runcloud: [$level] $message");
    }
}

/**
 * Remembers a failure for Site Health, newest first, one entry per name (or 'certificate'): a
 * name that was wanted and is not in step stays listed until it is (wu_runcloud_forget_failures()),
 * however many other failures come after it. Bounded at 2,000 names.
 */
function wu_runcloud_remember_failure(string $hook, string $domain, string $message, bool $final): void {
    $list = get_site_option(WU_RUNCLOUD_FAILURES_OPTION, []);
    $list = is_array($list) ? $list : [];
    $list = array_values(array_filter($list, static fn($f) => ($f['domain'] ?? '') !== $domain));
    array_unshift($list, [
        'time'    => time(),
        'hook'    => $hook,
        'domain'  => $domain,
        'message' => $message,
        'final'   => $final,
    ]);
    update_site_option(WU_RUNCLOUD_FAILURES_OPTION, array_slice($list, 0, 2000));
    update_site_option('wu_runcloud_failure_count', (int) get_site_option('wu_runcloud_failure_count', 0) + 1);
}

/** A name that is in step again: its failures are history, no longer shown as current. */
function wu_runcloud_forget_failures(string $name): void {
    $list = get_site_option(WU_RUNCLOUD_FAILURES_OPTION, []);
    if (!is_array($list) || $list === []) {
        return;
    }
    $kept = array_values(array_filter($list, static fn($f) => ($f['domain'] ?? '') !== $name));
    if (count($kept) !== count($list)) {
        update_site_option(WU_RUNCLOUD_FAILURES_OPTION, $kept);
    }
}
