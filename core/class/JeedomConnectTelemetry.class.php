<?php
/*
 * JeedomConnect - what the phone reports about itself (docs/api-methods.md, "Telemetry"): its battery
 * (SET_BATTERY, also Jeedom's battery status of the equipment unless hideBattery) and the Android service's device
 * information (SET_DEVICE_INFOS), written into the equipment's info commands (JeedomConnectCommands) with Jeedom's
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
}
