<?php
/*
 * JeedomConnect - one equipment = one phone. Connection flags (useWs wins over polling, on the server), the device
 * record sent to the daemon (DEVICES / jcd), the set of cmds any device watches (read by the listener), app actions
 * (PUSH to the daemon, or queued in PHP when it is down), and the cheap "last seen" stamp of polling apps.
 */
class JeedomConnectDevice {
    const WATCHED_KEY = 'watchedCmds';

    private static $watchedMemo = null;
    private static $watchedMemoAt = 0.0;

    public static function newApiKey() {
        return bin2hex(random_bytes(16));
    }

    public static function isTrue($_v) {
        return $_v === true || $_v === 1 || $_v === '1' || $_v === 'true';
    }

    /** Exclusive flags as the app receives them ('0'/'1', or int 0 when never set); useWs wins. */
    public static function flags($eq) {
        $useWs = $eq->getConfiguration('useWs', 0);
        $polling = $eq->getConfiguration('polling', 0);
        if (self::isTrue($useWs)) {
            $polling = '0';
        }
        return array('useWs' => $useWs, 'polling' => $polling);
    }

    /** Applies the exclusion on the stored flags (useWs wins). */
    public static function normalizeFlags($eq) {
        foreach (array('useWs', 'polling') as $k) {
            $v = $eq->getConfiguration($k, null);
            if ($v !== null) {
                $eq->setConfiguration($k, self::isTrue($v) ? '1' : '0');
            }
        }
        if (self::isTrue($eq->getConfiguration('useWs', 0)) && self::isTrue($eq->getConfiguration('polling', 0))) {
            $eq->setConfiguration('polling', '0');
        }
    }

    /** Device record for the daemon (DEVICES items and the API's jcd). */
    public static function record($eq) {
        $config = JeedomConnectLayout::forFilter($eq);
        $useWs = self::isTrue($eq->getConfiguration('useWs', 0));
        return array(
            'apiKey' => (string) $eq->getLogicalId(),
            'enabled' => $eq->getIsEnable() == 1,
            'useWs' => $useWs,
            'polling' => !$useWs && self::isTrue($eq->getConfiguration('polling', 0)),
            'appState' => $eq->getConfiguration('appState', 'background') === 'active' ? 'active' : 'background',
            'configVersion' => (int) $eq->getConfiguration('configVersion', 0),
            'cmds' => JeedomConnectLayout::infoCmdIds($config),
            'scenarios' => JeedomConnectLayout::scenarioIds($config),
            'scAll' => self::isTrue($eq->getConfiguration('scAll', 0)),
            'objects' => JeedomConnectLayout::roomIds($config),
        );
    }

    /** logicalId of the upstream plugin's map pseudo-equipment (dashboard map, no apiKey): never a phone. */
    const MAP_LOGICAL_ID = 'jcmapwidget';

    /** True for an equipment that is not a phone whatever its apiKey: the map pseudo-equipment or any other
     * equipment kind (configuration jceqtype set). */
    public static function isSpecial($eq) {
        return $eq->getLogicalId() === self::MAP_LOGICAL_ID || (string) $eq->getConfiguration('jceqtype', '') !== '';
    }

    /** A phone: a JeedomConnect equipment whose logicalId is its apiKey (configuration apiKey), and not special.
     * The only kind of equipment an app apiKey may designate. */
    public static function isPhone($eq) {
        if (!is_object($eq) || !($eq instanceof eqLogic) || $eq->getEqType_name() !== 'JeedomConnect') {
            return false;
        }
        $key = (string) $eq->getLogicalId();
        return $key !== '' && !self::isSpecial($eq) && (string) $eq->getConfiguration('apiKey', '') === $key;
    }

    /** @return JeedomConnect[] every phone */
    public static function all() {
        return array_values(array_filter(eqLogic::byType('JeedomConnect'), array(__CLASS__, 'isPhone')));
    }

    /** The phone an app apiKey designates; null for anything else (unknown key, map or other equipment). Every
     * path that takes an apiKey from outside (API, SSE, uploads) looks the equipment up here. */
    public static function byApiKey($_apiKey) {
        if (!is_string($_apiKey) || $_apiKey === '') {
            return null;
        }
        $eq = eqLogic::byLogicalId($_apiKey, 'JeedomConnect');
        return self::isPhone($eq) ? $eq : null;
    }

    public static function sendOne($eq) {
        return JeedomConnectControl::devices(array(self::record($eq)), false);
    }

    public static function sendAll() {
        $records = array();
        foreach (self::all() as $eq) {
            $records[] = self::record($eq);
        }
        return JeedomConnectControl::devices($records, true);
    }

    /* ---- watched cmds (what the listener forwards) */

    /** Recomputes the union of the info cmds of enabled devices; called when an eq is saved or removed. */
    public static function recomputeWatched() {
        $set = array();
        foreach (self::all() as $eq) {
            if ($eq->getIsEnable() != 1) {
                continue;
            }
            foreach (JeedomConnectLayout::infoCmdIds(JeedomConnectLayout::forFilter($eq)) as $id) {
                $set[$id] = 1;
            }
        }
        ksort($set);
        config::save(self::WATCHED_KEY, json_encode($set), 'JeedomConnect');
        self::$watchedMemo = $set;
        self::$watchedMemoAt = microtime(true);
        return $set;
    }

    /** id => 1 map; memoised for one second in long-running processes. */
    public static function watched() {
        $now = microtime(true);
        if (self::$watchedMemo !== null && $now - self::$watchedMemoAt < 1.0) {
            return self::$watchedMemo;
        }
        $v = config::byKey(self::WATCHED_KEY, 'JeedomConnect', array());
        if (is_string($v)) {
            $v = json_decode($v, true);
        }
        self::$watchedMemo = is_array($v) ? $v : array();
        self::$watchedMemoAt = $now;
        return self::$watchedMemo;
    }

    public static function forgetWatchedMemo() {
        self::$watchedMemo = null;
    }

    /* ---- app actions */

    /** Sends {"type":"ACTIONS","payload":[$payload]} to the device: through the daemon (delivered now or queued
     * durably there), or queued in PHP (config action::<n>) for GET_EVENTS/SSE when the daemon is down. */
    public static function queueAction($eq, array $_payload) {
        if (JeedomConnectControl::push($eq->getLogicalId(), array('type' => 'ACTIONS', 'payload' => array($_payload)))) {
            return 'daemon';
        }
        $n = (int) config::byKey('actionIndex::max', 'JeedomConnect', 0) + 1;
        config::save('actionIndex::max', $n, 'JeedomConnect');
        config::save('action::' . $n, json_encode(array('apiKey' => $eq->getLogicalId(), 'payload' => $_payload)), 'JeedomConnect');
        return 'php';
    }

    /** Queued PHP-side actions of this device, removed as they are returned. */
    public static function takeQueuedActions($eq) {
        $payloads = array();
        foreach (config::searchKey('action::', 'JeedomConnect') as $row) {
            $v = is_array($row['value']) ? $row['value'] : json_decode((string) $row['value'], true);
            if (is_array($v) && isset($v['apiKey']) && $v['apiKey'] === $eq->getLogicalId()) {
                $payloads[] = isset($v['payload']) ? $v['payload'] : null;
                config::remove($row['key'], 'JeedomConnect');
            }
        }
        return $payloads;
    }

    /* ---- presence */

    public static function touchLastSeen($eq) {
        cache::set('JeedomConnect::lastSeen::' . $eq->getId(), time());
    }

    public static function lastSeen($eq) {
        return (int) cache::byKey('JeedomConnect::lastSeen::' . $eq->getId())->getValue(0);
    }

    /** isConnected() (docs/protocol.md, "Pushed actions"): a polling app is connected if seen < 3 s ago, otherwise appState. */
    public static function isConnected($eq) {
        $f = self::flags($eq);
        if (!self::isTrue($f['useWs']) && self::isTrue($f['polling'])) {
            return time() - self::lastSeen($eq) < 3;
        }
        return $eq->getConfiguration('appState', '') === 'active';
    }
}
