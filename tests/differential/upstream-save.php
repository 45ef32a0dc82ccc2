<?php
/* Run by the differential tests in upstream's web root, as the web user: a full save of an equipment by upstream
 * 1.20.6's own code (its hooks create and re-apply its commands).   php upstream-save.php <web root> <eqLogic id> */
require_once $argv[1] . '/core/php/core.inc.php';
$eq = eqLogic::byId((int) $argv[2]);
if (!is_object($eq)) {
    fwrite(STDERR, "no eqLogic " . $argv[2] . "\n");
    exit(1);
}
$eq->save();
echo get_class($eq), "\n";
