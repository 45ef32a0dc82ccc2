<?php
/*
 * JeedomConnect - the app's own preferences kept on the phone's equipment (docs/api-methods.md, "App
 * preferences"): the Picovoice access key of the wake-word feature (GET_PICOKEY / SET_PICOKEY). It is a secret of
 * the user: never logged.
 */
class JeedomConnectAppPrefs {
    /** GET_PICOKEY -> SET_PICOKEY {picovoiceKey (null when none)} */
    public static function picoKey(JeedomConnectApi $_api) {
        return array('type' => 'SET_PICOKEY', 'payload' => array('picovoiceKey' => $_api->eq()->getConfiguration('picovoiceKey', null)));
    }

    /** SET_PICOKEY {value} -> null */
    public static function setPicoKey(JeedomConnectApi $_api) {
        $v = $_api->param('value');
        if ($v !== null && !is_string($v)) {
            throw new Exception('value: a key (text) is expected');
        }
        $eq = $_api->eq();
        $eq->setConfiguration('picovoiceKey', $v);
        $eq->save(true);
        return null;
    }
}
