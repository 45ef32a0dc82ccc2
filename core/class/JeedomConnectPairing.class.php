<?php
/*
 * JeedomConnect - pairing a phone with an equipment (docs/api-methods.md, "Pairing"): DETACH_EQUIPEMENT frees an
 * equipment bound to another phone (the app offers it when the user picks an equipment already in use), so that
 * the next CONNECT can bind it. The equipment's apiKey names it: knowing it is the right to detach it.
 * GET_NEW_APIKEY hands over, once, the new apiKey of an equipment whose key was regenerated (the API answers it
 * itself for an unknown old key, before any method runs; with a live key there is nothing to hand over).
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

    /** GET_NEW_APIKEY -> SET_NEW_APIKEY {apiKey}, once; EXCEPTION when there is none (always, for a live key). */
    public static function newApiKey(JeedomConnectApi $_api) {
        $old = $_api->eq()->getLogicalId();
        $new = config::byKey('newApiKey::' . $old, 'JeedomConnect', null);
        if (!is_string($new) || $new === '') {
            throw new Exception('No equipment found - no apikey regen');
        }
        config::remove('newApiKey::' . $old, 'JeedomConnect');
        return array('type' => 'SET_NEW_APIKEY', 'payload' => array('apiKey' => $new));
    }
}
