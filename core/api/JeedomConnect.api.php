<?php
/*
 * JeedomConnect - JSON-RPC entry point of the app (HTTP and polling modes) and of the daemon's relay
 * (?apikey=<plugin key>, connexionFrom WS/SSE). The answer is always a JSON-RPC envelope in the HTTP body.
 * The work is done by JeedomConnectApi (core/class/JeedomConnectApi.class.php).
 */
require_once dirname(__FILE__) . '/../../../../core/php/core.inc.php';
if (isset($jsonrpc) && is_object($jsonrpc)) {
    // included by Jeedom's core/api/jeeApi.php for params.plugin=JeedomConnect: nothing to add to the core methods
    return;
}
require_once dirname(__FILE__) . '/../class/JeedomConnect.class.php';

ini_set('display_errors', '0');
header('Content-Type: application/json');
$jcAnswer = JeedomConnectApi::handle((string) file_get_contents('php://input'), $_GET, $_SERVER);
echo json_encode($jcAnswer, JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR);
