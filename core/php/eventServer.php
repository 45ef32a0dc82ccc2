<?php
/*
 * JeedomConnect - SSE URL of HTTP mode: GET eventServer.php?apiKey=<eq apiKey>.
 * Relays the daemon's /sse stream, or serves it from Jeedom's events when the daemon is not running.
 */
require_once dirname(__FILE__) . '/../../../../core/php/core.inc.php';
require_once dirname(__FILE__) . '/../class/JeedomConnect.class.php';

ini_set('display_errors', '0');
while (ob_get_level() > 0) {
    ob_end_clean();
}
ignore_user_abort(true);
JeedomConnectSse::sendHeaders();
$lastEventId = isset($_SERVER['HTTP_LAST_EVENT_ID']) ? (string) $_SERVER['HTTP_LAST_EVENT_ID'] : '';
$sse = new JeedomConnectSse();
$sse->serve((string) init('apiKey'), $lastEventId);
