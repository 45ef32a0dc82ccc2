<?php
/* Run by LivePushTest in its own PHP process inside upstream's web root (tests/differential/up.sh): a command of the
 * shared database gets a new value there, so Jeedom runs the listeners on it with upstream 1.20.6's own code
 * (jeeListener.php of that web root, in the background).   php upstream-event.php <upstream web root> <cmd id> <value>
 * Prints "ok", or the exception and exits 1. */
require_once $argv[1] . '/core/php/core.inc.php';
try {
    $cmd = cmd::byId((int) $argv[2]);
    if (!is_object($cmd)) {
        echo 'no cmd ' . $argv[2];
        exit(1);
    }
    $cmd->event($argv[3]);
    echo 'ok';
} catch (Throwable $e) {
    echo get_class($e) . ': ' . $e->getMessage();
    exit(1);
}
