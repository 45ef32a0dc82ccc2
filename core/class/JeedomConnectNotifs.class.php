<?php
/*
 * JeedomConnect - a phone's notifications (docs/notifications.md): their settings in data/notifs/<apiKey>.json
 * (channels, notifications, idCounter = WELCOME notifsVersion), the format the previous plugin wrote and reads;
 * one action command per notification (logicalId = the notification's id); what those commands do when a scenario,
 * an ask or the dashboard runs them (a DISPLAY_NOTIF through JeedomConnectNotifSender), the multi-phone groups
 * (notifall / notifAll_<x>, plugin config keys), and the app's methods GET_NOTIFS_CONFIG, SET_NOTIFS_CONFIG,
 * TEST_NOTIF and ASK_REPLY (the answer to a scenario's ask).
 */
class JeedomConnectNotifs {
    const PLUGIN = 'JeedomConnect';

    /** A new phone's settings: one channel, one notification (its command: defaultNotif). */
    public static function defaults() {
        return array(
            'idCounter' => 0,
            'channels' => array(array('id' => 'default', 'name' => 'Défaut')),
            'notifs' => array(array('id' => 'defaultNotif', 'name' => 'Notification', 'channel' => 'default', 'index' => 0)),
        );
    }

    public static function path($_apiKey) {
        $dir = realpath(__DIR__ . '/../..') . '/data/notifs';
        if (!is_dir($dir)) {
            @mkdir($dir, 0775, true);
        }
        return $dir . '/' . $_apiKey . '.json';
    }

    /** The phone's settings; a phone without any gets the defaults (written, with their command). */
    public static function read($_eq) {
        $path = self::path($_eq->getLogicalId());
        if (!is_file($path)) {
            self::save($_eq, self::defaults(), false);
            if ((string) $_eq->getConfiguration('token', '') !== '') {
                try { // as upstream, a phone that has a token is sent its new settings; a failed push is logged by the sender
                    JeedomConnectNotifSender::send($_eq, 'defaultNotif', array('type' => 'SET_NOTIFS_CONFIG', 'payload' => self::defaults()));
                } catch (Exception $e) {
                }
            }
        }
        $config = json_decode((string) @file_get_contents($path), true);
        if (!is_array($config) || !isset($config['notifs']) || !is_array($config['notifs'])) {
            throw new Exception(__('Réglages des notifications illisibles', __FILE__) . ' : ' . $path);
        }
        return $config;
    }

    /** WELCOME notifsVersion (an unreadable file is logged and does not stop the phone from connecting). */
    public static function version($_eq) {
        try {
            $c = self::read($_eq);
        } catch (Exception $e) {
            log::add(self::PLUGIN, 'error', $_eq->getHumanName() . ' : ' . $e->getMessage());
            return 0;
        }
        return isset($c['idCounter']) ? $c['idCounter'] : 0;
    }

    /** A new phone's equipment: default settings and command, unless it already has settings. */
    public static function create($_eq) {
        if (!is_file(self::path($_eq->getLogicalId()))) {
            self::save($_eq, self::defaults(), false);
        }
    }

    /**
     * Writes the settings, then makes the commands follow (one per notification; a command of a removed
     * notification is deleted), then ($_push) sends them to the phone when it has a token.
     */
    public static function save($_eq, $_config, $_push) {
        self::validate($_config);
        if (@file_put_contents(self::path($_eq->getLogicalId()), json_encode($_config)) === false) {
            throw new Exception(__('Impossible d\'écrire les réglages des notifications', __FILE__) . ' : ' . self::path($_eq->getLogicalId()));
        }
        self::syncCommands($_eq, $_config['notifs']);
        if ($_push && (string) $_eq->getConfiguration('token', '') !== '') {
            JeedomConnectNotifSender::send($_eq, 'defaultNotif', array('type' => 'SET_NOTIFS_CONFIG', 'payload' => $_config));
        }
    }

    private static function validate($_config) {
        if (!is_array($_config) || !isset($_config['notifs']) || !is_array($_config['notifs']) || array_values($_config['notifs']) !== $_config['notifs']) {
            throw new Exception(__('notifsConfig : un objet avec une liste "notifs" est attendu', __FILE__));
        }
        if (isset($_config['channels']) && (!is_array($_config['channels']) || array_values($_config['channels']) !== $_config['channels'])) {
            throw new Exception(__('notifsConfig : "channels" doit être une liste', __FILE__));
        }
        $seen = array();
        foreach ($_config['notifs'] as $n) {
            if (!is_array($n) || !isset($n['id']) || !is_string($n['id']) || !preg_match('/^[A-Za-z0-9_-]{1,100}$/', $n['id'])
                || stripos($n['id'], 'notif') === false || stripos($n['id'], 'notifall') !== false) {
                throw new Exception(__('notifsConfig : chaque notification a un id du type "notif-<n>" ou "defaultNotif"', __FILE__) . ' (' . json_encode(is_array($n) && isset($n['id']) ? $n['id'] : null) . ')');
            }
            if (!isset($n['name']) || !is_scalar($n['name']) || trim((string) $n['name']) === '') {
                throw new Exception(__('notifsConfig : la notification', __FILE__) . ' ' . $n['id'] . ' ' . __('n\'a pas de nom', __FILE__));
            }
            if (isset($seen[$n['id']])) {
                throw new Exception(__('notifsConfig : id de notification en double', __FILE__) . ' ' . $n['id']);
            }
            $seen[$n['id']] = true;
        }
    }

    private static function syncCommands($_eq, array $_notifs) {
        $ids = array();
        foreach ($_notifs as $n) {
            $ids[] = $n['id'];
            $cmd = $_eq->getCmd(null, $n['id']);
            if (!is_object($cmd)) {
                $cmd = new JeedomConnectCmd();
                $cmd->setLogicalId($n['id']);
                $cmd->setEqLogic_id($_eq->getId());
            }
            $cmd->setName((string) $n['name']);
            $cmd->setOrder(0);
            $cmd->setType('action');
            $cmd->setSubType('message');
            $cmd->setIsVisible(1);
            $cmd->setDisplay('generic_type', 'GENERIC_ACTION');
            $cmd->setDisplay('title_placeholder', 'Titre/Options');
            $cmd->save();
        }
        foreach (cmd::byEqLogicId($_eq->getId()) as $cmd) {
            $id = (string) $cmd->getLogicalId();
            if (stripos($id, 'notif') !== false && stripos($id, 'notifall') === false && !in_array($id, $ids, true)) {
                log::add(self::PLUGIN, 'info', 'Commande de notification supprimée : ' . $cmd->getHumanName());
                $cmd->remove();
            }
        }
    }

    /** New apiKey: the settings follow (the old file stays, as the previous plugin left it). */
    public static function copy($_old, $_new) {
        if (is_file(self::path($_old)) && !@copy(self::path($_old), self::path($_new))) {
            throw new Exception(__('Impossible de copier les réglages des notifications', __FILE__));
        }
    }

    public static function remove($_apiKey) {
        if (is_string($_apiKey) && preg_match('/^[A-Za-z0-9]+$/', $_apiKey)) {
            @unlink(self::path($_apiKey));
        }
    }

    /* ---------------- the commands ---------------- */

    /** Notification commands: a logicalId containing "notif" (any case), groups "notifall"/"notifAll_<x>". */
    public static function isNotifCommand($_cmd) {
        return stripos((string) $_cmd->getLogicalId(), 'notif') !== false;
    }

    public static function execute($_cmd, $_options) {
        $options = is_array($_options) ? $_options : array();
        if (stripos((string) $_cmd->getLogicalId(), 'notifall') !== false) {
            self::executeGroup($_cmd, $options);
        } else {
            self::notify($_cmd, $options);
        }
        return null;
    }

    /** Title field options: "key=value | key=value" (title, message, files, gotoPageId, ...) or a plain title. */
    public static function parseTitle($_title) {
        $pairs = array();
        if ($_title !== null && $_title !== '') {
            foreach (explode('|', (string) $_title) as $item) {
                $kv = explode('=', trim($item), 2);
                if (count($kv) === 2) {
                    $pairs[trim($kv[0])] = trim(trim($kv[1]), '"');
                }
            }
        }
        if ($pairs === array()) {
            return array('title' => $_title ? $_title : '', 'args' => array(), 'files' => array());
        }
        $title = isset($pairs['title']) ? $pairs['title'] : '';
        unset($pairs['title']);
        $files = array();
        if (isset($pairs['files'])) {
            $files = explode(',', $pairs['files']);
            unset($pairs['files']);
        }
        return array('title' => $title, 'args' => $pairs, 'files' => $files);
    }

    /** DISPLAY_NOTIF of one notification command (options: title, message, files, and for an ask answer,
     * timeout; from a group orignalCmdId, notificationId, otherAskCmdId). */
    private static function notify($_cmd, array $o) {
        $eq = $_cmd->getEqLogic();
        $t = self::parseTitle(isset($o['title']) ? $o['title'] : null);
        $message = isset($o['message']) ? $o['message'] : null;
        $title = $t['title'];
        if (array_key_exists('answer', $o) && $title == $message) {
            $title = null; // an ask's question comes as both title and message: shown once
        }
        $payload = array(
            'cmdId' => isset($o['orignalCmdId']) ? $o['orignalCmdId'] : $_cmd->getId(),
            'title' => $title,
            'message' => isset($t['args']['message']) ? $t['args']['message'] : $message,
            'answer' => isset($o['answer']) ? $o['answer'] : null,
            'timeout' => isset($o['timeout']) ? $o['timeout'] : null,
            'notificationId' => isset($o['notificationId']) ? $o['notificationId'] : round(microtime(true) * 10000),
            'otherAskCmdId' => isset($o['otherAskCmdId']) ? $o['otherAskCmdId'] : null,
            'options' => $t['args'],
        );
        $given = isset($o['files']) ? (is_array($o['files']) ? $o['files'] : explode(',', (string) $o['files'])) : array();
        $payload['files'] = array();
        foreach (array_merge($given, $t['files']) as $file) {
            $real = is_string($file) && $file !== '' ? realpath($file) : false;
            if ($real === false) {
                log::add(self::PLUGIN, 'warning', 'Notification ' . $_cmd->getHumanName() . ' : fichier introuvable, non joint : ' . (is_scalar($file) ? $file : json_encode($file)));
                continue;
            }
            $payload['files'][] = $real;
        }
        JeedomConnectNotifSender::send($eq, $_cmd->getLogicalId(), array('type' => 'DISPLAY_NOTIF', 'payload' => $payload), $_cmd->getId());
    }

    /** A group: the plugin config key named like the command ("notifAll" for the built-in notifall), value
     * {name, cmd:[notification command ids]}: each target gets the notification, with one notificationId. */
    private static function executeGroup($_cmd, array $o) {
        $key = strtolower((string) $_cmd->getLogicalId()) === 'notifall' ? 'notifAll' : (string) $_cmd->getLogicalId();
        $group = config::byKey($key, self::PLUGIN, array());
        if (is_string($group)) {
            $group = json_decode($group, true);
        }
        $targets = is_array($group) && isset($group['cmd']) && is_array($group['cmd']) ? array_values($group['cmd']) : array();
        if ($targets === array()) {
            throw new Exception($_cmd->getHumanName() . ' : ' . __('aucun appareil dans ce groupe de notification', __FILE__) . ' (' . $key . ')');
        }
        $o['orignalCmdId'] = $_cmd->getId();
        $o['notificationId'] = round(microtime(true) * 10000);
        $errors = array();
        foreach ($targets as $id) {
            $others = array_values(array_diff($targets, array($id)));
            $o['otherAskCmdId'] = count($others) > 0 ? $others : null;
            $target = cmd::byId($id);
            if (!is_object($target) || $target->getEqType_name() !== self::PLUGIN || !self::isNotifCommand($target)) {
                $errors[] = __('commande de notification introuvable', __FILE__) . ' ' . json_encode($id);
                log::add(self::PLUGIN, 'error', $_cmd->getHumanName() . ' : ' . end($errors));
                continue;
            }
            try {
                self::notify($target, $o);
            } catch (Exception $e) {
                $errors[] = $e->getMessage();
            }
        }
        if ($errors !== array()) {
            throw new Exception(count($errors) . '/' . count($targets) . ' ' . __('envoi(s) en échec', __FILE__) . ' : ' . implode(' ; ', $errors));
        }
    }

    /* ---------------- the app's methods ---------------- */

    /** GET_NOTIFS_CONFIG -> SET_NOTIFS_CONFIG {idCounter, channels, notifs, ...} */
    public static function get(JeedomConnectApi $_api) {
        return array('type' => 'SET_NOTIFS_CONFIG', 'payload' => self::read($_api->eq()));
    }

    /** SET_NOTIFS_CONFIG {notifsConfig} -> null (file written, commands follow; no push back to the phone). */
    public static function set(JeedomConnectApi $_api) {
        self::save($_api->eq(), $_api->param('notifsConfig'), false);
        return null;
    }

    /** TEST_NOTIF {notifId} -> null once the test notification was handed to the push service. */
    public static function test(JeedomConnectApi $_api) {
        $id = $_api->param('notifId');
        $cmd = is_string($id) && $id !== '' ? $_api->eq()->getCmd(null, $id) : null;
        if (!is_object($cmd) || !self::isNotifCommand($cmd)) {
            throw new Exception("Can't find command [logicalId=" . (is_scalar($id) ? $id : json_encode($id)) . ']');
        }
        $cmd->execCmd(array());
        return null;
    }

    /**
     * ASK_REPLY {cmdId, answer, otherAskCmdId?, notificationId, dateAnswer} -> null: Jeedom's ask on that command
     * gets the answer; the other phones the question went to are told it was answered (ASK_ALREADY_ANSWERED).
     */
    public static function askReply(JeedomConnectApi $_api) {
        $id = $_api->param('cmdId');
        $cmd = (is_int($id) || (is_string($id) && ctype_digit($id))) ? cmd::byId($id) : null;
        if (!is_object($cmd) || $cmd->getEqType_name() !== self::PLUGIN) {
            throw new Exception("Can't find command [id=" . (is_scalar($id) ? $id : json_encode($id)) . ']');
        }
        $answer = $_api->param('answer');
        if (!is_scalar($answer)) {
            throw new Exception('answer: a text is expected');
        }
        if (!$cmd->askResponse((string) $answer)) {
            log::add(self::PLUGIN, 'warning', 'Réponse de ' . $_api->eq()->getHumanName() . ' à ' . $cmd->getHumanName()
                . ' non prise en compte : pas de question en attente sur cette commande, délai dépassé, ou réponse non proposée');
        }
        $others = $_api->param('otherAskCmdId');
        if (empty($others)) {
            return null;
        }
        if (!is_array($others)) {
            throw new Exception('otherAskCmdId: a list of command ids is expected');
        }
        $errors = array();
        foreach ($others as $otherId) {
            $other = is_scalar($otherId) ? cmd::byId($otherId) : null;
            if (!is_object($other) || $other->getEqType_name() !== self::PLUGIN) {
                continue;
            }
            try {
                JeedomConnectNotifSender::send($other->getEqLogic(), $other->getLogicalId(), array('type' => 'ASK_ALREADY_ANSWERED', 'payload' => array(
                    'notificationId' => $_api->param('notificationId'), 'answer' => $answer,
                    'fromEquipement' => $_api->eq()->getName(), 'dateAnswer' => $_api->param('dateAnswer'))), $other->getId());
            } catch (Exception $e) {
                $errors[] = $e->getMessage();
            }
        }
        if ($errors !== array()) {
            throw new Exception(__('réponse enregistrée, mais les autres appareils n\'ont pas pu être prévenus', __FILE__) . ' : ' . implode(' ; ', $errors));
        }
        return null;
    }
}
