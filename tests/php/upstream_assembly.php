<?php
/* Run by LayoutStorageTest in its own PHP process: the previous plugin's (upstream 1.20.6) own layout assembly for
 * one equipment, on the same storage. argv: <upstream plugin folder> <eq id> <data/configs folder>. */
require_once $argv[1] . '/core/class/JeedomConnect.class.php';
JeedomConnect::$_config_dir = rtrim($argv[3], '/') . '/';
$eq = eqLogic::byId($argv[2]);
echo json_encode($eq->getConfig(true, false));
