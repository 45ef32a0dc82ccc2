<?php
/* Run by NotificationsTest in its own PHP process inside upstream's web root (tests/differential/up.sh): upstream
 * 1.20.6's own code runs one app automation (JeedomConnect::jobExecutor, as Jeedom's cron or listener calls it).
 * argv: <upstream web root> <options as JSON>. Prints "ok" or the exception's message. */
require_once $argv[1] . '/core/php/core.inc.php';
require_once $argv[1] . '/plugins/JeedomConnect/core/class/JeedomConnect.class.php';
try {
    JeedomConnect::jobExecutor(json_decode($argv[2], true));
    echo 'ok';
} catch (Throwable $e) {
    echo get_class($e) . ': ' . $e->getMessage();
}
