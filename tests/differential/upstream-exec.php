<?php
/* Run by JcDiffTestCase::upstreamExec in its own PHP process inside upstream's web root (tests/differential/up.sh):
 * upstream 1.20.6's own code executes one command of the shared database with the given options, as a scenario
 * does.   php upstream-exec.php <upstream web root> <cmd id> <options as JSON>
 * Prints "ok <class of the command>", or the exception and exits 1. */
require_once $argv[1] . '/core/php/core.inc.php';
require_once $argv[1] . '/plugins/JeedomConnect/core/class/JeedomConnect.class.php';
try {
    $cmd = cmd::byId((int) $argv[2]);
    if (!is_object($cmd)) {
        echo 'no cmd ' . $argv[2];
        exit(1);
    }
    $cmd->execCmd(json_decode($argv[3], true));
    echo 'ok ' . get_class($cmd);
} catch (Throwable $e) {
    echo get_class($e) . ': ' . $e->getMessage();
    exit(1);
}
