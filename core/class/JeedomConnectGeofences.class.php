<?php
/*
 * JeedomConnect - the phone's geofences (docs/api-methods.md, "Geofences"): one info/binary command per zone,
 * `geofence_<identifier>`, its centre and radius in the command's configuration; the app adds, removes and lists
 * them (ADD_GEOFENCE, REMOVE_GEOFENCE, GET_GEOFENCES) and GEOLOC sets them to 1 inside, 0 outside.
 */
class JeedomConnectGeofences {
    /** ADD_GEOFENCE {geofence{identifier, extras{name}, latitude, longitude, radius}, coordinates{latitude, longitude, altitude}} -> null */
    public static function add(JeedomConnectApi $_api) {
        $eq = $_api->eq();
        $g = $_api->param('geofence');
        if (!is_array($g) || !self::isIdentifier(isset($g['identifier']) ? $g['identifier'] : null)) {
            throw new Exception('geofence.identifier: an identifier is expected');
        }
        foreach (array('latitude', 'longitude', 'radius') as $k) {
            if (!isset($g[$k]) || !is_numeric($g[$k])) {
                throw new Exception('geofence.' . $k . ': a number is expected');
            }
        }
        $name = isset($g['extras']['name']) && is_string($g['extras']['name']) && trim($g['extras']['name']) !== '' ? $g['extras']['name'] : null;
        if ($name === null) {
            throw new Exception('geofence.extras.name: a name is expected');
        }
        $c = $_api->param('coordinates');
        if (!is_array($c) || !isset($c['latitude'], $c['longitude']) || !is_numeric($c['latitude']) || !is_numeric($c['longitude'])) {
            throw new Exception('coordinates: {latitude, longitude} expected');
        }
        $cmd = $eq->getCmd('info', 'geofence_' . $g['identifier']);
        if (!is_object($cmd)) {
            $cmd = new JeedomConnectCmd();
            $cmd->setLogicalId('geofence_' . $g['identifier']);
            $cmd->setEqLogic_id($eq->getId());
            $cmd->setType('info');
            $cmd->setSubType('binary');
            $cmd->setIsVisible(1);
        }
        $cmd->setName($name);
        foreach (array('latitude', 'longitude', 'radius') as $k) {
            $cmd->setConfiguration($k, $g[$k]);
        }
        $cmd->save();
        // the phone's current position, as upstream stores it with a new zone (no activity nor battery)
        $alt = isset($c['altitude']) && is_scalar($c['altitude']) ? $c['altitude'] : '';
        JeedomConnectTelemetry::savePosition($eq, $c['latitude'], $c['longitude'], $alt, '', '', date('Y-m-d H:i:s'));
        return null;
    }

    /** REMOVE_GEOFENCE {geofence{identifier}} -> null (an unknown zone: nothing to do) */
    public static function remove(JeedomConnectApi $_api) {
        $g = $_api->param('geofence');
        if (!is_array($g) || !self::isIdentifier(isset($g['identifier']) ? $g['identifier'] : null)) {
            throw new Exception('geofence.identifier: an identifier is expected');
        }
        $cmd = $_api->eq()->getCmd('info', 'geofence_' . $g['identifier']);
        if (is_object($cmd)) {
            $cmd->remove();
        }
        return null;
    }

    /** GET_GEOFENCES -> SET_GEOFENCES {geofences[{identifier, extras{name}, radius, latitude, longitude, notifyOnEntry, notifyOnExit}]} */
    public static function all(JeedomConnectApi $_api) {
        return array('type' => 'SET_GEOFENCES', 'payload' => array('geofences' => self::listOf($_api->eq())));
    }

    /** The phone's geofences (its geofence_<identifier> info cmds): GET_GEOFENCES, WELCOME geofenceInfo. */
    public static function listOf($_eq) {
        $list = array();
        foreach ($_eq->getCmd('info') as $cmd) {
            if (strpos($cmd->getLogicalId(), 'geofence') !== 0) {
                continue;
            }
            $list[] = array('identifier' => (string) substr($cmd->getLogicalId(), 9), 'extras' => array('name' => $cmd->getName()),
                'radius' => (float) $cmd->getConfiguration('radius'), 'latitude' => (float) $cmd->getConfiguration('latitude'),
                'longitude' => (float) $cmd->getConfiguration('longitude'), 'notifyOnEntry' => true, 'notifyOnExit' => true);
        }
        return $list;
    }

    private static function isIdentifier($_id) {
        return (is_string($_id) && $_id !== '' && strlen($_id) <= 100) || is_int($_id);
    }
}
