<?php
/* Run by NotificationsTest in its own PHP process inside upstream's web root (tests/differential/up.sh): upstream
 * 1.20.6's own code executes one command of the shared database with the given options, as a scenario does.
 * argv: <upstream web root> <cmd id> <options as JSON>. Prints "ok" or the exception's message. */
require_once $argv[1] . '/core/php/core.inc.php';
require_once $argv[1] . '/plugins/JeedomConnect/core/class/JeedomConnect.class.php';
try {
    cmd::byId($argv[2])->execCmd(json_decode($argv[3], true));
    echo 'ok';
} catch (Throwable $e) {
    echo get_class($e) . ': ' . $e->getMessage();
}
