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
    private static function tile($cmd) {
        $state = $cmd->getCache(array('valueDate', 'collectDate', 'value'));
        $info = JeedomConnectInfo::cmdInfo($cmd);
        return array(
            'id' => (string) $cmd->getId(),
            'value' => $state['value'],
            'modified' => self::unixOrFalse($state['valueDate']),
            'collectDate' => self::unixOrFalse($state['collectDate']),
            'history' => $info['history'],
        );
    }

    private static function unixOrFalse($_date) {
        return ($_date === null || $_date === '') ? false : strtotime((string) $_date);
    }
}
