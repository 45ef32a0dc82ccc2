<?php
/*
 * JeedomConnect - what the phone reports about itself (docs/api-methods.md, "Telemetry"): its battery
 * (SET_BATTERY, also Jeedom's battery status of the equipment unless hideBattery) and the Android service's device
 * information (SET_DEVICE_INFOS) and its location (GEOLOC: position, distance from home, activity, battery,
 * geofences), written into the equipment's info commands (JeedomConnectCommands) with Jeedom's
 * checkAndUpdateCmd (an unchanged value only refreshes the collect date).
 */
class JeedomConnectTelemetry {
    /** Order of the volumes in the `volume` command when the equipment's option `volume` is `all`. */
    private static $volumes = array('alarm', 'call', 'music', 'notification', 'ring', 'system');

    /** SET_BATTERY {level} -> null */
    public static function battery(JeedomConnectApi $_api) {
        self::saveBattery($_api->eq(), self::level($_api->param('level'), 'level'));
        return null;
    }

    /** SET_DEVICE_INFOS {batteryLevel?, ipAddress?, ssid?, wifiEnabled?, ...} -> null */
    public static function deviceInfos(JeedomConnectApi $_api) {
        $eq = $_api->eq();
        $p = function ($_k) use ($_api) {
            return $_api->param($_k);
        };
        // check everything first: a bad field changes nothing
        $level = $p('batteryLevel') === null ? null : self::level($p('batteryLevel'), 'batteryLevel');
        foreach (array('ipAddress', 'ssid', 'smsMessage', 'smsNumber', 'alarmPackage') as $k) {
            if ($p($k) !== null && !is_scalar($p($k))) {
                throw new Exception($k . ': a text is expected');
            }
        }
        foreach (array('wifiEnabled', 'bluetoothConnected', 'isScreenOn', 'isCharging') as $k) {
            if ($p($k) !== null && !is_scalar($p($k))) {
                throw new Exception($k . ': true or false expected');
            }
        }
        if ($p('volumes') !== null && !is_array($p('volumes'))) {
            throw new Exception('volumes: an object is expected');
        }
        if ($level !== null) {
            self::saveBattery($eq, $level);
        }
        foreach (array('ipAddress', 'ssid') as $k) {
            if ($p($k) !== null) {
                $eq->checkAndUpdateCmd($k, $p($k));
            }
        }
        foreach (array('wifiEnabled', 'bluetoothConnected', 'isScreenOn', 'isCharging') as $k) {
            if ($p($k) !== null) {
                $eq->checkAndUpdateCmd($k, $p($k) ? 1 : 0);
            }
        }
        // as upstream: without a numeric nextAlarm (ms) the next alarm is -1; its package is always written
        $next = $p('nextAlarm');
        $eq->checkAndUpdateCmd('nextAlarm', is_numeric($next) ? floor(intval($next / 1000)) : -1);
        $eq->checkAndUpdateCmd('nextAlarmPackage', $p('alarmPackage'));
        if ($p('alarmFiltered')) {
            log::add('JeedomConnect', 'debug', 'Prochaine alarme émise par une application non retenue : ignorée');
        }
        if ($p('volumes') !== null) {
            self::saveVolumes($eq, $p('volumes'));
        }
        foreach (array('smsMessage', 'smsNumber') as $k) {
            if ($p($k) !== null) {
                $eq->checkAndUpdateCmd($k, $p($k));
            }
        }
        return null;
    }

    /** SET_FACE_DETECTED {value} -> null: the Android app's face detection into `faceDetected`. */
    public static function face(JeedomConnectApi $_api) {
        $v = $_api->param('value');
        if (!is_scalar($v)) {
            throw new Exception('value: true or false expected');
        }
        $_api->eq()->checkAndUpdateCmd('faceDetected', $v);
        return null;
    }

    private static function level($_v, $_name) {
        if (!is_numeric($_v)) {
            throw new Exception($_name . ': a battery level (0-100) is expected');
        }
        return $_v;
    }

    private static function saveBattery($_eq, $_level) {
        $_eq->checkAndUpdateCmd('battery', $_level);
        if (!$_eq->getConfiguration('hideBattery')) {
            $_eq->batteryStatus($_level);
        }
    }

    private static function saveVolumes($_eq, array $_volumes) {
        $cmd = $_eq->getCmd('info', 'volume');
        if (!is_object($cmd)) {
            return;
        }
        $which = $_eq->getConfiguration('volume', 'all');
        if ($which === 'all') {
            $value = '';
            foreach (self::$volumes as $k) {
                $value .= (isset($_volumes[$k]) && is_scalar($_volumes[$k]) ? $_volumes[$k] : '-1') . ';';
            }
        } else {
            $value = isset($_volumes[$which]) && is_scalar($_volumes[$which]) ? $_volumes[$which] : '-1';
        }
        $cmd->event($value);
    }

    /**
     * GEOLOC: one record of the app's background-geolocation library, apiKey in the JSON-RPC id -> null.
     * {coords{latitude, longitude, altitude?, accuracy}, activity{type}, battery?{level 0..1}, timestamp (ISO) or
     * timestampMeta{systemTime (ms)}}
     */
    public static function location(JeedomConnectApi $_api) {
        $eq = $_api->eq();
        $coords = $_api->param('coords');
        if (!is_array($coords) || !isset($coords['latitude'], $coords['longitude']) || !is_numeric($coords['latitude']) || !is_numeric($coords['longitude'])) {
            throw new Exception('coords: {latitude, longitude, accuracy} expected');
        }
        $accuracy = isset($coords['accuracy']) && is_numeric($coords['accuracy']) ? (float) $coords['accuracy'] : null;
        $activity = $_api->param('activity');
        $activity = is_array($activity) && isset($activity['type']) && is_string($activity['type']) ? $activity['type'] : '';
        $meta = $_api->param('timestampMeta');
        if (is_array($meta) && isset($meta['systemTime']) && is_numeric($meta['systemTime'])) {
            $ts = (int) floor($meta['systemTime'] / 1000);
        } else {
            $ts = is_string($_api->param('timestamp')) ? strtotime($_api->param('timestamp')) : false;
            if ($ts === false) {
                throw new Exception('timestamp: an ISO date or timestampMeta.systemTime (ms) expected');
            }
        }
        $battery = $_api->param('battery');
        $level = is_array($battery) && isset($battery['level']) && is_numeric($battery['level']) ? $battery['level'] * 100 : null;
        $date = date('Y-m-d H:i:s', $ts);
        // a fix is kept when precise enough: under 50 m, or under 400 m in a vehicle (no accuracy: kept, as upstream)
        if ($accuracy === null || $accuracy < 50 || ($activity === 'in_vehicle' && $accuracy > 0 && $accuracy < 400)) {
            $alt = isset($coords['altitude']) && is_scalar($coords['altitude']) ? $coords['altitude'] : '';
            self::savePosition($eq, $coords['latitude'], $coords['longitude'], $alt, $activity, $level === null ? '' : $level, $date);
        } else {
            log::add('JeedomConnect', 'debug', '[GEOLOC] position trop imprécise, non enregistrée');
        }
        $cmd = $eq->getCmd('info', 'activity');
        if (is_object($cmd)) {
            $cmd->event($activity);
        }
        if ($level !== null && $level > -100) {
            $cmd = $eq->getCmd('info', 'battery');
            if (is_object($cmd)) {
                $cmd->event($level, $date);
            }
        }
        return null;
    }

    /** position (lat,lng[,alt,activity,battery] with the option addAltitude), geofences, distance from home. */
    public static function savePosition($_eq, $_lat, $_lng, $_alt, $_activity, $_battery, $_date) {
        $value = $_lat . ',' . $_lng;
        if ($_eq->getConfiguration('addAltitude', false)) {
            $value .= ',' . $_alt . ',' . $_activity . ',' . $_battery;
        }
        $cmd = $_eq->getCmd('info', 'position');
        if (is_object($cmd)) {
            $cmd->event($value, $_date);
        }
        foreach ($_eq->getCmd('info') as $fence) {
            if (stripos($fence->getLogicalId(), 'geofence') === false) {
                continue;
            }
            $inside = self::distance($_lat, $_lng, $fence->getConfiguration('latitude'), $fence->getConfiguration('longitude')) < $fence->getConfiguration('radius') ? 1 : 0;
            // only a change is an event (upstream re-sends "outside" at each position, triggering scenarios each time)
            $current = $fence->execCmd();
            if ($current === null || $current === '' || (int) $current !== $inside) {
                $fence->event($inside, $_date);
            }
        }
        $cmd = $_eq->getCmd('info', 'distance');
        if (is_object($cmd)) {
            list($homeLat, $homeLng) = self::home();
            $cmd->event(self::distance($_lat, $_lng, $homeLat, $homeLng));
        }
    }

    /** Home: the plugin's latitude/longitude, else Jeedom's, else Paris (as upstream). */
    private static function home() {
        $lat = config::byKey('latitude', 'JeedomConnect', config::byKey('info::latitude', 'core', 48.852969));
        $lng = config::byKey('longitude', 'JeedomConnect', config::byKey('info::longitude', 'core', 2.349903));
        return array($lat, $lng);
    }

    /** Metres between two points, rounded down: the great-circle angle (spherical law of cosines), 1 degree of arc
     * = 60 nautical miles counted as 60 x 1.1515 statute miles of 1609.344 m (upstream's figures, for equal values). */
    public static function distance($_lat1, $_lng1, $_lat2, $_lng2) {
        $p1 = deg2rad((float) $_lat1);
        $p2 = deg2rad((float) $_lat2);
        $cos = sin($p1) * sin($p2) + cos($p1) * cos($p2) * cos(deg2rad((float) $_lng1 - (float) $_lng2));
        $arcDegrees = rad2deg(acos(max(-1.0, min(1.0, $cos))));
        return floor($arcDegrees * 60 * 1.1515 * 1609.344);
    }
}
