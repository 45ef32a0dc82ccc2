<?php
/* Fake Jeedom core: the event journal of core >= 4.4.10: table kept to 250 rows, deduplicated per cmd / scenario /
 * object summary; changes($datetime) returns rows with datetime >= $datetime (null cursor => nothing) and
 * datetime = now. */
class event {
    const MAX = 250;

    public static function add($_event, $_option = array()) {
        DB::query('INSERT INTO event (datetime, name, option) VALUES (?, ?, ?)',
            array(getmicrotime(), $_event, json_encode($_option, JSON_UNESCAPED_UNICODE)));
        self::cleanEvent($_event, $_option);
    }

    public static function adds($_event, $_values = array()) {
        foreach ($_values as $v) {
            self::add($_event, $v);
        }
    }

    private static function dedupKey($name, $option) {
        if ($name === 'cmd::update' && isset($option['cmd_id'])) {
            return $name . '#' . $option['cmd_id'];
        }
        if ($name === 'eqLogic::update' && isset($option['eqLogic_id'])) {
            return $name . '#' . $option['eqLogic_id'];
        }
        if ($name === 'scenario::update' && isset($option['scenario_id'])) {
            return $name . '#' . $option['scenario_id'];
        }
        if ($name === 'jeeObject::summary::update' && isset($option['object_id'])) {
            $keys = isset($option['keys']) && is_array($option['keys']) ? implode(',', array_keys($option['keys'])) : '';
            return $name . '#' . $option['object_id'] . '#' . $keys;
        }
        return null;
    }

    private static function cleanEvent($name, $option) {
        $key = self::dedupKey($name, $option);
        if ($key !== null) {
            $last = DB::row('SELECT MAX(id) AS id FROM event');
            foreach (DB::all('SELECT id, name, option FROM event WHERE name = ? AND id < ?', array($name, $last['id'])) as $row) {
                if (self::dedupKey($row['name'], json_decode($row['option'], true)) === $key) {
                    DB::query('DELETE FROM event WHERE id = ?', array($row['id']));
                }
            }
        }
        DB::query('DELETE FROM event WHERE id NOT IN (SELECT id FROM event ORDER BY datetime DESC, id DESC LIMIT ' . self::MAX . ')');
        DB::query('DELETE FROM event WHERE datetime > ?', array(getmicrotime() + 300));
    }

    public static function changes($_datetime, $_longPolling = null, $_filter = null) {
        $result = array();
        if ($_datetime !== null && $_datetime !== '') {
            foreach (DB::all('SELECT datetime, name, option FROM event WHERE datetime >= ? ORDER BY datetime, id', array((float) $_datetime)) as $row) {
                $result[] = array('datetime' => (float) $row['datetime'], 'name' => $row['name'], 'option' => json_decode($row['option'], true));
            }
        }
        return array('datetime' => getmicrotime(), 'result' => $result);
    }
}
