<?php
/*
 * JeedomConnect - the action commands of a phone equipment that send the app an order (launch an app, ring mode,
 * volume, SMS, app preferences...): the options Jeedom passes (title, message) are checked as the previous plugin
 * (1.20.x) checks them, and the order is queued for the phone as an ACTIONS entry (docs/phone-commands.md). A
 * command whose options are wrong, or that this plugin does not carry out, writes a clear error in the plugin's log:
 * never a silent no-op.
 */
class JeedomConnectPhoneActions {
    /** logicalId => method building the action payload from the options (null when they are refused). */
    const ORDERS = array(
        'launchApp' => 'launchApp',
        'shellExec' => 'shellExec',
        'screenOn' => 'plain',
        'screenOff' => 'plain',
        'getDeviceInfos' => 'plain',
        'eraseData' => 'eraseData',
        'play_sound' => 'playSound',
        'ringerMode' => 'mode',
        'dndMode' => 'mode',
        'setVolume' => 'setVolume',
        'update_pref_app' => 'preference',
        'send_sms' => 'sms',
    );

    /** Carries out the command $_logicalId of the phone $_eq; true when the order was queued or done. */
    public static function execute($_eq, $_cmd, $_logicalId, $_options) {
        $title = isset($_options['title']) ? trim((string) $_options['title']) : '';
        $message = isset($_options['message']) ? trim((string) $_options['message']) : '';
        if ($_logicalId === 'remove_custo') {
            return self::removeCustomisation($_eq, $_cmd, $message);
        }
        if (!isset(self::ORDERS[$_logicalId])) {
            self::refuse($_eq, $_cmd, __('cette commande n\'est pas prise en charge par cette version du plugin', __FILE__));
            return false;
        }
        $method = self::ORDERS[$_logicalId];
        $payload = self::$method($_eq, $_cmd, $_logicalId, $title, $message);
        if ($payload === null) {
            return false;
        }
        JeedomConnectDevice::queueAction($_eq, $payload);
        return true;
    }

    private static function refuse($_eq, $_cmd, $_why) {
        log::add('JeedomConnect', 'error', $_eq->getHumanName() . ' ' . $_cmd->getName() . ' (' . $_cmd->getLogicalId() . ') : ' . $_why);
    }

    private static function need($_eq, $_cmd, $_value, $_what) {
        if ($_value === '') {
            self::refuse($_eq, $_cmd, sprintf(__('%s vide, rien n\'est envoyé', __FILE__), $_what));
            return false;
        }
        return true;
    }

    private static function plain($_eq, $_cmd, $_logicalId) {
        return array('action' => $_logicalId);
    }

    private static function launchApp($_eq, $_cmd, $_logicalId, $_title, $_message) {
        return self::need($_eq, $_cmd, $_message, 'message (package)') ? array('action' => 'launchApp', 'packageName' => $_message) : null;
    }

    private static function shellExec($_eq, $_cmd, $_logicalId, $_title, $_message) {
        return self::need($_eq, $_cmd, $_message, 'message (commande)') ? array('action' => 'shellExec', 'cmd' => $_message) : null;
    }

    private static function eraseData($_eq, $_cmd, $_logicalId, $_title, $_message) {
        if (strtolower($_message) !== 'erase') {
            self::refuse($_eq, $_cmd, __('le message doit être "erase" pour effacer les données', __FILE__));
            return null;
        }
        return array('action' => 'eraseData');
    }

    private static function playSound($_eq, $_cmd, $_logicalId, $_title, $_message) {
        return self::need($_eq, $_cmd, $_message, 'message (son)') ? array('action' => 'playSound', 'sound' => $_message) : null;
    }

    private static function mode($_eq, $_cmd, $_logicalId, $_title) {
        return self::need($_eq, $_cmd, $_title, 'titre (mode)') ? array('action' => $_logicalId, 'mode' => $_title) : null;
    }

    private static function setVolume($_eq, $_cmd, $_logicalId, $_title, $_message) {
        if (!self::need($_eq, $_cmd, $_message, 'message (volume)')) {
            return null;
        }
        if (!is_numeric($_message)) {
            self::refuse($_eq, $_cmd, sprintf(__('volume "%s" : un nombre est attendu', __FILE__), $_message));
            return null;
        }
        if ($_eq->getConfiguration('platformOs') === 'android' && !self::need($_eq, $_cmd, $_title, 'titre (type de volume)')) {
            return null;
        }
        return array('action' => 'setVolume', 'volume' => (int) $_message, 'type' => $_title);
    }

    private static function preference($_eq, $_cmd, $_logicalId, $_title, $_message) {
        if ($_title === '' || $_title === 'none') {
            self::refuse($_eq, $_cmd, __('titre (préférence) vide, rien n\'est envoyé', __FILE__));
            return null;
        }
        if ($_message === '') {
            self::refuse($_eq, $_cmd, __('message (valeur) vide, rien n\'est envoyé', __FILE__));
            return null;
        }
        $upper = strtoupper($_message);
        if (in_array($upper, array('START', 'RUN', 'MARCHE', 'ON', '1'), true)) {
            $arg = 'ON';
        } elseif (in_array($upper, array('STOP', 'ARRET', 'OFF', '0'), true)) {
            $arg = 'OFF';
        } else {
            $arg = $_message;
        }
        return array('action' => $_title, 'arg' => $arg);
    }

    /** Title: a number, or "numero=…|sim=…|files=a,b" (files kept when they exist, made absolute). */
    private static function sms($_eq, $_cmd, $_logicalId, $_title, $_message) {
        if (!self::need($_eq, $_cmd, $_title, 'titre (numéro)') || !self::need($_eq, $_cmd, $_message, 'message')) {
            return null;
        }
        $numero = $_title;
        $sim = null;
        $files = array();
        if (strpos($_title, '=') !== false) {
            $numero = '';
            foreach (explode('|', $_title) as $part) {
                $kv = explode('=', $part, 2);
                $k = strtolower(trim($kv[0]));
                $v = isset($kv[1]) ? trim($kv[1]) : '';
                if ($k === 'numero') {
                    $numero = $v;
                } elseif ($k === 'sim') {
                    $sim = $v;
                } elseif ($k === 'files') {
                    foreach (explode(',', $v) as $f) {
                        $real = realpath(trim($f));
                        if ($real !== false && is_file($real)) {
                            $files[] = $real;
                        }
                    }
                }
            }
            if (!self::need($_eq, $_cmd, $numero, 'numero')) {
                return null;
            }
        }
        return array('action' => 'send_sms', 'numero' => $numero, 'message' => $_message, 'simId' => $sim, 'files' => count($files) > 0 ? $files : null);
    }

    /** The phone's customisation of one widget removed; a new config version when there was one. */
    private static function removeCustomisation($_eq, $_cmd, $_widgetId) {
        if (!self::need($_eq, $_cmd, $_widgetId, 'message (widgetId)')) {
            return false;
        }
        $key = 'customData::' . $_eq->getLogicalId() . '::' . $_widgetId;
        if (config::byKey($key, 'JeedomConnect', null) === null) {
            log::add('JeedomConnect', 'info', $_eq->getHumanName() . ' : aucune personnalisation du widget ' . $_widgetId);
            return true;
        }
        config::remove($key, 'JeedomConnect');
        JeedomConnectLayout::bump($_eq);
        $_eq->save(true);
        return true;
    }
}
