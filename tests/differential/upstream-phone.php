<?php
/* Run by the differential tests in upstream's web root, as the web user: a phone's equipment created by upstream
 * 1.20.6's own code (its hooks write its layout file, its notification file and its commands), then the market's
 * update to our plugin as far as storage goes: upstream's data files of that phone are copied into our plugin's
 * data folder (the market keeps data/).
 *   php upstream-phone.php <upstream web root> <our plugin folder> <name> <user id> [<configuration JSON>]
 * Prints the new equipment's id and apiKey. With "copy <apiKey>" instead of a name: only the copy of the files. */
require_once $argv[1] . '/core/php/core.inc.php';
function copyData($_from, $_to, $_apiKey) {
    foreach (array('configs/' . $_apiKey . '.json', 'notifs/' . $_apiKey . '.json') as $f) {
        if (is_file($_from . '/data/' . $f)) {
            @mkdir(dirname($_to . '/data/' . $f), 0775, true);
            copy($_from . '/data/' . $f, $_to . '/data/' . $f);
        }
    }
}
$upstreamPlugin = $argv[1] . '/plugins/JeedomConnect';
if ($argv[3] === 'copy') {
    copyData($upstreamPlugin, $argv[2], $argv[4]);
    exit(0);
}
$eq = new JeedomConnect();
$eq->setName($argv[3])->setEqType_name('JeedomConnect')->setIsEnable(1);
$eq->setConfiguration('userId', $argv[4]);
foreach (json_decode($argv[5] ?? '{}', true) as $k => $v) {
    $eq->setConfiguration($k, $v);
}
$eq->save();
// the desktop's second save (postUpdate): upstream creates the equipment's commands there
$eq = eqLogic::byId($eq->getId());
$eq->save();
$eq = eqLogic::byId($eq->getId());
copyData($upstreamPlugin, $argv[2], $eq->getLogicalId());
echo $eq->getId(), ' ', $eq->getLogicalId(), "\n";
