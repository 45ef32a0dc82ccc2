<?php
/*
 * JeedomConnect - the app's image upload: POST multipart/form-data, field apiKey (the phone's key) and image files.
 * Answers the user images folder's listing (SET_FILES, plain JSON, no JSON-RPC envelope) or a clear refusal
 * (EXCEPTION with an HTTP error status). The work is done by JeedomConnectUpload (core/class).
 */
require_once dirname(__FILE__) . '/../../../../core/php/core.inc.php';
require_once dirname(__FILE__) . '/../class/JeedomConnect.class.php';

ini_set('display_errors', '0');
list($jcStatus, $jcAnswer) = JeedomConnectUpload::handle($_POST, $_FILES);
http_response_code($jcStatus);
// the content type upstream 1.20.6 sends with its answer (the app reads the body as JSON)
header('Content-Type: ' . ($jcStatus === 200 ? 'multipart/form-data' : 'application/json'));
echo json_encode($jcAnswer, JSON_UNESCAPED_UNICODE);
