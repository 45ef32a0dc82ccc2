<?php
/* Run by the differential tests in upstream's web root, as the web user: one command executed by upstream 1.20.6's
 * own code (its JeedomConnectCmd::execute), as a scenario would.   php upstream-exec.php <web root> <cmd id> <options JSON> */
require_once $argv[1] . '/core/php/core.inc.php';
$cmd = cmd::byId((int) $argv[2]);
if (!is_object($cmd)) {
    fwrite(STDERR, "no cmd " . $argv[2] . "\n");
    exit(1);
}
$cmd->execCmd(json_decode($argv[3], true));
echo get_class($cmd), "\n";
