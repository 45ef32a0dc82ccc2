<?php
/*
 * JeedomConnect - graphs: the history of info commands as the app's charts read it (docs/api-methods.md,
 * GET_HISTORY / GET_HISTORIES). Points come from Jeedom's own history tables (history + historyArch) through
 * history::all(); each point is {time: unix seconds, value: the stored value}. Without options (or with empty
 * options) the whole history is sent; with options, the window startTime..endTime (unix seconds; a missing bound
 * is "now", as upstream reads it).
 */
class JeedomConnectHistory {
    /** GET_HISTORY {id, options?} -> SET_HISTORY {id, data[]} */
    public static function one(JeedomConnectApi $_api) {
        $id = $_api->param('id');
        return array('type' => 'SET_HISTORY', 'payload' => array('id' => $id, 'data' => self::points($id, $_api->param('options'))));
    }

    /** GET_HISTORIES {ids[], options?} -> SET_HISTORIES [{id, data[]}] */
    public static function many(JeedomConnectApi $_api) {
        $ids = $_api->param('ids');
        if (!is_array($ids)) {
            throw new Exception('ids: a list of command ids is expected');
        }
        $options = $_api->param('options');
        $list = array();
        foreach ($ids as $id) {
            $list[] = array('id' => $id, 'data' => self::points($id, $options));
        }
        return array('type' => 'SET_HISTORIES', 'payload' => $list);
    }

    /** The points of one command, oldest first. */
    private static function points($_id, $_options) {
        if (!is_int($_id) && !(is_string($_id) && ctype_digit($_id))) {
            throw new Exception('id: a command id is expected');
        }
        if (empty($_options)) {
            $rows = history::all($_id);
        } else {
            if (!is_array($_options)) {
                throw new Exception('options: {startTime, endTime} expected');
            }
            $rows = history::all($_id, self::dateOf($_options, 'startTime'), self::dateOf($_options, 'endTime'));
        }
        $points = array();
        foreach ((array) $rows as $h) {
            $points[] = array('time' => strtotime($h->getDateTime()), 'value' => $h->getValue());
        }
        return $points;
    }

    private static function dateOf(array $_options, $_key) {
        $t = isset($_options[$_key]) ? $_options[$_key] : null;
        if ($t === null) {
            return date('Y-m-d H:i:s');
        }
        if (!is_int($t) && !(is_string($t) && ctype_digit($t)) && !(is_float($t) && is_finite($t))) {
            throw new Exception('options.' . $_key . ': unix seconds expected');
        }
        return date('Y-m-d H:i:s', (int) $t);
    }
}
