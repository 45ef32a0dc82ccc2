<?php
/*
 * JeedomConnect - Android quick-settings tiles (docs/api-methods.md, "Quick-settings tiles"): the phone names the
 * info commands it shows in tiles (SET_CMD_SHORTCUT); they are kept in the equipment's configuration
 * `cmdInShortcut` (a comma list, where the previous plugin keeps them) and their current state is answered.
 * A phone only reaches the commands its user may see on Jeedom's desktop.
 */
class JeedomConnectShortcuts {
    /** SET_CMD_SHORTCUT {cmdId: [cmd id]} -> SET_QSTILES_INFO [cmdInfo] of the existing commands, in order. */
    public static function set(JeedomConnectApi $_api) {
        $ids = $_api->param('cmdId');
        if (!is_array($ids) || array_values($ids) !== $ids) {
            throw new Exception('cmdId: a list of command ids is expected');
        }
        foreach ($ids as $id) {
            if (!is_int($id) && !(is_string($id) && ctype_digit($id))) {
                throw new Exception('cmdId: a list of command ids is expected');
            }
        }
        $user = user::byId($_api->eq()->getConfiguration('userId', ''));
        $cmds = array();
        foreach ($ids as $id) {
            $cmd = cmd::byId($id);
            if (!is_object($cmd)) {
                continue;
            }
            if (!is_object($user) || !$cmd->hasRight($user)) {
                throw new Exception('Vous n\'avez pas le droit de voir la commande ' . $cmd->getHumanName());
            }
            $cmds[] = $cmd;
        }
        $eq = $_api->eq();
        $eq->setConfiguration('cmdInShortcut', implode(',', array_filter(array_map('strval', $ids))));
        $eq->save();
        $infos = array();
        foreach ($cmds as $cmd) {
            $infos[] = self::tile($cmd);
        }
        return array('type' => 'SET_QSTILES_INFO', 'payload' => $infos);
    }

    /** A tile's state as the app reads it: the cached value as Jeedom keeps it (number, text), its dates as unix
     * seconds (false when the command never had a value, as upstream sends them), and the history figures. */
    public static function tile($cmd) {
        $state = $cmd->getCache(array('valueDate', 'collectDate', 'value'));
        return array(
            'id' => (string) $cmd->getId(),
            'value' => $state['value'],
            'modified' => self::unixOrFalse($state['valueDate']),
            'collectDate' => self::unixOrFalse($state['collectDate']),
            'history' => self::history($cmd),
        );
    }

    private static function unixOrFalse($_date) {
        return ($_date === null || $_date === '') ? false : strtotime((string) $_date);
    }

    /**
     * A tile's history figures, as upstream computes them for tiles: average, min and max over Jeedom's
     * historyCalculPeriod rounded to one decimal (the current value when the three are 0), and the trend over
     * historyCalculTendance; zeros and no trend for a command that is not historized or is text.
     */
    private static function history($cmd) {
        $h = array('averageValue' => 0, 'minValue' => 0, 'maxValue' => 0, 'tendance' => null);
        if ($cmd->getIsHistorized() != 1 || $cmd->getSubType() === 'string') {
            return $h;
        }
        try {
            $now = date('Y-m-d H:i:s');
            $stat = $cmd->getStatistique(date('Y-m-d H:i:s', strtotime($now . ' -' . config::byKey('historyCalculPeriod') . ' hour')), $now);
            $value = $cmd->execCmd();
            if ($stat['avg'] == 0 && $stat['min'] == 0 && $stat['max'] == 0 && $value != '') {
                $h['averageValue'] = $h['minValue'] = $h['maxValue'] = round((float) $value, 1);
            } else {
                $h['averageValue'] = round((float) $stat['avg'], 1);
                $h['minValue'] = round((float) $stat['min'], 1);
                $h['maxValue'] = round((float) $stat['max'], 1);
            }
            $h['tendance'] = JeedomConnectInfo::tendance($cmd, $now);
        } catch (Throwable $e) {
            log::add('JeedomConnect', 'debug', 'history of cmd ' . $cmd->getId() . ' left out: ' . $e->getMessage());
        }
        return $h;
    }
}
