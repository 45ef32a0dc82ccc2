<?php
/*
 * JeedomConnect - the camera widget's snapshot: GET snapshot.php?apiKey=<phone>&id=<widget>&compress=&resize=.
 * Answers the camera's image (image/jpeg) or a clear refusal (EXCEPTION as JSON, HTTP error status).
 * The work is done by JeedomConnectSnapshot (core/class).
 */
require_once dirname(__FILE__) . '/../../../../core/php/core.inc.php';
require_once dirname(__FILE__) . '/../class/JeedomConnect.class.php';

ini_set('display_errors', '0');
list($jcStatus, $jcType, $jcBody) = JeedomConnectSnapshot::handle($_GET);
while (ob_get_level() > 0) {
    ob_end_clean();
}
http_response_code($jcStatus);
header('Content-Type: ' . $jcType);
echo $jcBody;
