<?php
/*
 * JeedomConnect - pairing a phone with an equipment (docs/api-methods.md, "Pairing"): DETACH_EQUIPEMENT frees an
 * equipment bound to another phone (the app offers it when the user picks an equipment already in use), so that
 * the next CONNECT can bind it. The equipment's apiKey names it: knowing it is the right to detach it.
 */
class JeedomConnectPairing {
    /** DETACH_EQUIPEMENT {eqId: the apiKey of the equipment to free} -> null (an unknown key: nothing to do) */
    public static function detach(JeedomConnectApi $_api) {
        $key = $_api->param('eqId');
        if (!is_string($key) || $key === '') {
            throw new Exception('eqId: the apiKey of an equipment is expected');
        }
        $eq = JeedomConnectDevice::byApiKey($key);
        if (is_object($eq)) {
            $eq->detach(); // a full save: the daemon learns the device is gone
        }
        return null;
    }
}
