<?php
/* Fake Jeedom core: ajax answers {"state":"ok"|"error","result":...}. */
class ajax {
    public static function init($_allowGetAction = array()) {
        if (!headers_sent()) {
            header('Content-Type: application/json');
        }
    }

    public static function success($_data = '') {
        echo json_encode(array('state' => 'ok', 'result' => $_data));
        exit;
    }

    public static function error($_data = '', $_errorCode = 0) {
        echo json_encode(array('state' => 'error', 'result' => $_data, 'code' => $_errorCode));
        exit;
    }
}
