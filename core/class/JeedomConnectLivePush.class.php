<?php
/*
 * JeedomConnect - live values of Android's quick-settings tiles and device controls (docs/api-methods.md,
 * "Quick-settings tiles" and "Device controls"): when a command a tile shows (cmdInShortcut) or an active control
 * uses (activeControlIds) changes, its new state is pushed to the phone through the notification sender
 * (SET_QSTILES_INFO, SET_CONTROLS_INFO), so the app need not be open.
 * The changes arrive through two Jeedom listeners per phone, the ones the previous plugin (same id) registers:
 * class JeedomConnect, function sendCmdInfoToShortcut / sendActiveControl, option {id: <equipment id>}, their events
 * the commands' ids. They are kept up to date at every save of the phone, so those the previous plugin left keep
 * working after an update. Every push that cannot be made is a line in the plugin's log.
 */
class JeedomConnectLivePush {
    const TILES = 'sendCmdInfoToShortcut';
    const CONTROLS = 'sendActiveControl';
    /** Controls are pushed only while the phone showed them less than this long ago (activeControlTime). */
    const CONTROLS_ACTIVE_S = 300;

    /** The two listeners of a phone, as its configuration says (none when disabled or nothing to follow). */
    public static function sync($_eq) {
        $tiles = array_filter(explode(',', (string) $_eq->getConfiguration('cmdInShortcut', '')), 'strlen');
        $controls = array_filter(explode(',', (string) $_eq->getConfiguration('activeControlIds', '')), 'strlen');
        self::listen($_eq, self::TILES, $tiles);
        self::listen($_eq, self::CONTROLS, $controls === array() ? array() : JeedomConnectDeviceControls::infoCmdIdsOf($_eq, $controls));
    }

    /** A removed phone's listeners. */
    public static function forget($_eqId) {
        foreach (array(self::TILES, self::CONTROLS) as $function) {
            foreach (self::listeners($_eqId, $function) as $l) {
                $l->remove();
            }
        }
    }

    /** The listeners of a phone for $_function (the option's id may be stored as a number or a text: matched by value). */
    private static function listeners($_eqId, $_function) {
        return array_values(array_filter(listener::searchClassFunctionOption('JeedomConnect', $_function, '"id"'), function ($_l) use ($_eqId) {
            return (string) $_l->getOption('id') === (string) $_eqId;
        }));
    }

    /** The phone's listener for $_function follows the existing commands among $_cmdIds; removed when none. */
    private static function listen($_eq, $_function, array $_cmdIds) {
        $listener = null;
        foreach (self::listeners($_eq->getId(), $_function) as $l) {
            if ($listener === null) {
                $listener = $l;
            } else {
                $l->remove();
            }
        }
        $events = array();
        if ($_eq->getIsEnable() == 1) {
            foreach (array_unique($_cmdIds) as $id) {
                if (is_numeric($id) && is_object(cmd::byId($id))) {
                    $events[] = '#' . intval($id) . '#';
                }
            }
        }
        if ($events === array()) {
            if (is_object($listener)) {
                $listener->remove();
            }
            return;
        }
        if (!is_object($listener)) {
            $listener = new listener();
            $listener->setClass('JeedomConnect')->setFunction($_function)->setOption(array('id' => $_eq->getId()));
        }
        $current = $listener->getEvent();
        sort($current);
        $wanted = $events;
        sort($wanted);
        if ($listener->getId() != '' && $current == $wanted) {
            return;
        }
        $listener->emptyEvent();
        foreach ($events as $event) {
            $listener->addEvent($event);
        }
        $listener->save();
    }

    /** The phone a listener call is for, and the command that changed; null (logged) when unusable. */
    private static function target($_function, $_option) {
        $id = is_array($_option) && isset($_option['id']) ? $_option['id'] : null;
        $eq = $id === null ? null : eqLogic::byId($id);
        if (!is_object($eq) || $eq->getEqType_name() !== 'JeedomConnect') {
            log::add('JeedomConnect', 'warning', $_function . ' : ' . __('pas d\'équipement', __FILE__) . ' ' . json_encode($id) . ', ' . __('rien n\'est envoyé', __FILE__));
            return null;
        }
        $cmd = isset($_option['event_id']) ? cmd::byId(str_replace('#', '', (string) $_option['event_id'])) : null;
        if (!is_object($cmd)) {
            log::add('JeedomConnect', 'warning', $_function . ' -> ' . $eq->getHumanName() . ' : ' . __('commande inconnue', __FILE__) . ' '
                . json_encode(isset($_option['event_id']) ? $_option['event_id'] : null) . ', ' . __('rien n\'est envoyé', __FILE__));
            return null;
        }
        return array($eq, $cmd);
    }

    /** Listener: a tile's command changed -> SET_QSTILES_INFO [its state]. */
    public static function tileChanged($_option) {
        $t = self::target(self::TILES, $_option);
        if ($t === null) {
            return;
        }
        list($eq, $cmd) = $t;
        $user = user::byId($eq->getConfiguration('userId', ''));
        if (!is_object($user) || !$cmd->hasRight($user)) {
            log::add('JeedomConnect', 'warning', 'SET_QSTILES_INFO -> ' . $eq->getHumanName() . ' : ' . __('l\'utilisateur de l\'équipement n\'a pas le droit de voir la commande', __FILE__)
                . ' ' . $cmd->getId() . ', ' . __('rien n\'est envoyé', __FILE__));
            return;
        }
        self::send($eq, array('type' => 'SET_QSTILES_INFO', 'payload' => array(JeedomConnectShortcuts::tile($cmd))), $cmd->getId());
    }

    /** Listener: a command of an active control changed -> SET_CONTROLS_INFO {devices} of the controls using it,
     * only while the phone shows its controls (GET_CONTROL_DEVICES less than CONTROLS_ACTIVE_S ago). */
    public static function controlChanged($_option) {
        $t = self::target(self::CONTROLS, $_option);
        if ($t === null) {
            return;
        }
        list($eq, $cmd) = $t;
        $age = time() - (int) $eq->getConfiguration('activeControlTime', 0);
        if ($age > self::CONTROLS_ACTIVE_S) {
            log::add('JeedomConnect', 'debug', 'SET_CONTROLS_INFO -> ' . $eq->getHumanName() . ' : ' . __('contrôles non affichés depuis', __FILE__) . ' ' . $age . ' s, ' . __('rien n\'est envoyé', __FILE__));
            return;
        }
        $ids = array_filter(explode(',', (string) $eq->getConfiguration('activeControlIds', '')), 'strlen');
        $devices = JeedomConnectDeviceControls::devicesUsing($eq, $ids, $cmd->getId());
        if ($devices === array()) {
            log::add('JeedomConnect', 'debug', 'SET_CONTROLS_INFO -> ' . $eq->getHumanName() . ' : ' . __('aucun contrôle actif n\'utilise la commande', __FILE__) . ' ' . $cmd->getId());
            return;
        }
        self::send($eq, array('type' => 'SET_CONTROLS_INFO', 'payload' => array('devices' => $devices)), $cmd->getId());
    }

    /** The sender logs its own failures as errors (no token, no sender program, refused...): nothing more to do. */
    private static function send($_eq, array $_data, $_cmdId) {
        try {
            JeedomConnectNotifSender::send($_eq, $_eq->getLogicalId(), $_data, $_cmdId);
        } catch (Exception $e) {
        }
    }
}
