<?php
/*
 * JeedomConnect - the commands every phone's equipment carries (docs/api-methods.md, "Commands of an equipment"):
 * the common list on every full save, plus the list of the phone's platform (android, ios) once platformOs is
 * known (stored at CONNECT). Names, types, options and display are (re)applied on each run, as upstream does, so
 * scenarios, widgets and history made for upstream's commands keep working; visibility, historization, generic
 * type, unit and order are set only when the command is created (the user may change them).
 */
class JeedomConnectCommands {
    /** Labels of the select lists (title field), key => label. */
    private static $labels = array('themeColor' => 'Schéma thème', 'darkMode' => 'Activer mode sombre',
        'tracking' => 'Activer le tracking', 'geofence' => 'Activer le geofence', 'rtspServer' => 'Activer le serveur de streaming',
        'updateData' => 'Recharger les données', 'jcService' => 'Service JC', 'hide' => 'Masquer', 'show' => 'Afficher',
        'silent' => 'Silencieux', 'normal' => 'Normal', 'vibrate' => 'Vibreur', 'dndOn' => 'Activer', 'dndOff' => 'Désactiver',
        'music' => 'Musique', 'call' => 'Appel', 'system' => 'Système', 'ring' => 'Sonnerie', 'alarm' => 'Alarme',
        'notification' => 'Notification');

    /**
     * logicalId => [name, type, subType, visible, order|null, extras]; extras: generic, unit, list (select keys,
     * ';'), display (array), updates (logicalId of the info an action refreshes).
     */
    public static function definitions($_platform) {
        $title = array('title_disable' => '1');
        if ($_platform === 'all') {
            return array(
                'position' => array('Position', 'info', 'string', 1, 1, array('generic' => 'GEOLOCATION')),
                'distance' => array('Distance', 'info', 'numeric', 0, null, array('unit' => 'm')),
                'activity' => array('Activité', 'info', 'string', 1, null, array()),
                'battery' => array('Batterie', 'info', 'numeric', 1, 3, array('generic' => 'BATTERY')),
                'goToPage' => array('Afficher page', 'action', 'message', 1, 5, array('display' => $title + array('message_placeholder' => 'Id page'))),
                'unlink' => array('Détacher', 'action', 'other', 1, 7, array()),
                'toaster' => array('Pop-up', 'action', 'message', 1, 8, array('display' => $title)),
                'notifall' => array('Notifier les appareils JC', 'action', 'message', 0, 7, array()),
                'update_pref_app' => array('Modifier Préférences Appli', 'action', 'message', 0, 10, array(
                    'list' => 'themeColor;darkMode;tracking;geofence;rtspServer;updateData;jcService',
                    'display' => array('title_with_list' => '1', 'title_placeholder' => 'Choix du paramètre', 'title_disable' => '1', 'message_placeholder' => 'Valeur'))),
                'tts' => array('TTS', 'action', 'message', 1, 7, array('display' => array('message_placeholder' => 'Texte à lire', 'title_placeholder' => 'Volume (0-100)', 'title_disable' => 0))),
                'display_menu' => array('Visibilité Menu', 'action', 'message', 0, 11, array('list' => 'hide;show',
                    'display' => array('title_with_list' => '1', 'title_placeholder' => 'Visibilité', 'title_disable' => '1', 'message_placeholder' => 'Id du Menu'))),
                'display_widget' => array('Visibilité Widget', 'action', 'message', 0, 12, array('list' => 'hide;show',
                    'display' => array('title_with_list' => '1', 'title_placeholder' => 'Visibilité', 'title_disable' => '1', 'message_placeholder' => 'widgetId'))),
                'remove_custo' => array('Supprimer la personnalisation', 'action', 'message', 0, 13, array('display' => $title + array('message_placeholder' => 'widgetId'))),
            );
        }
        if ($_platform === 'android') {
            $mode = array('title_with_list' => '1', 'title_disable' => '1', 'message_disable' => '1', 'title_placeholder' => 'Mode');
            return array(
                'isCharging' => array('En charge', 'info', 'binary', 1, 4, array()),
                'faceDetected' => array('Visage présent', 'info', 'binary', 1, 5, array()),
                'launchApp' => array('Lancer App', 'action', 'message', 1, 6, array('display' => $title + array('message_placeholder' => 'Nom de l\'application'))),
                'shellExec' => array('Commande shell', 'action', 'message', 1, 6, array('display' => $title + array('message_placeholder' => 'Commande à exécuter'))),
                'screenOn' => array('Allumer écran', 'action', 'other', 1, 14, array('display' => $title, 'updates' => 'isScreenOn')),
                'screenOff' => array('Eteindre écran', 'action', 'other', 1, 14, array('display' => $title, 'updates' => 'isScreenOn')),
                'isScreenOn' => array('Etat écran', 'info', 'binary', 1, 14, array()),
                'bluetoothConnected' => array('Etat Bluetooth', 'info', 'binary', 1, 14, array()),
                'wifiEnabled' => array('Etat Wifi', 'info', 'binary', 1, 14, array()),
                'ipAddress' => array('Adresse IP', 'info', 'string', 1, 14, array()),
                'ssid' => array('Réseau wifi (SSID)', 'info', 'string', 1, 14, array()),
                'getDeviceInfos' => array('Obtenir infos', 'action', 'other', 1, 14, array('display' => $title)),
                'eraseData' => array('Effacer données', 'action', 'message', 1, 14, array('display' => array('message_placeholder' => 'Remplir avec \'erase\'', 'title_disable' => '1'))),
                'send_sms' => array('Envoyer un SMS', 'action', 'message', 1, 7, array('display' => array('title_placeholder' => 'Numéro/Options'))),
                'smsMessage' => array('Dernier message SMS', 'info', 'string', 1, 14, array()),
                'smsNumber' => array('Dernier numéro SMS', 'info', 'string', 1, 14, array()),
                'play_sound' => array('Jouer un son', 'action', 'message', 1, 7, array('display' => array('message_placeholder' => 'Fichier/URL', 'title_disable' => 1))),
                'nextAlarm' => array('Prochaine Alarme', 'info', 'numeric', 1, 3, array()),
                'nextAlarmPackage' => array('Package Prochaine Alarme', 'info', 'string', 0, 4, array()),
                'ringerMode' => array('Mode sonnerie', 'action', 'message', 1, 8, array('list' => 'silent;normal;vibrate', 'display' => $mode)),
                'dndMode' => array('Ne pas déranger', 'action', 'message', 1, 8, array('list' => 'dndOn;dndOff', 'display' => $mode)),
                'setVolume' => array('Modifier Volume', 'action', 'message', 1, 7, array('list' => 'call;alarm;music;notification;ring;system',
                    'display' => array('message_placeholder' => 'Volume (0-100)', 'title_placeholder' => 'Type Android', 'title_disable' => 1, 'title_with_list' => 1))),
                'volume' => array('Volume actuel', 'info', 'string', 1, 8, array()),
            );
        }
        if ($_platform === 'ios') {
            return array(
                'setVolume' => array('Modifier Volume', 'action', 'message', 1, 7, array('display' => array('message_placeholder' => 'Volume (0-100)', 'title_disable' => 1))),
            );
        }
        return array();
    }

    /** Creates or re-applies the commands of the common list and of the equipment's platform. */
    public static function ensure($_eq) {
        self::apply($_eq, 'all');
        $platform = (string) $_eq->getConfiguration('platformOs', '');
        if ($platform !== '') {
            self::apply($_eq, $platform);
        }
    }

    private static function apply($_eq, $_platform) {
        $updates = array();
        foreach (self::definitions($_platform) as $logicalId => $d) {
            list($name, $type, $subType, $visible, $order, $x) = $d;
            $cmd = $_eq->getCmd(null, $logicalId);
            $before = is_object($cmd) ? self::signature($cmd) : null;
            if (!is_object($cmd)) {
                $cmd = new JeedomConnectCmd();
                $cmd->setLogicalId($logicalId);
                $cmd->setEqLogic_id($_eq->getId());
                $cmd->setIsVisible($visible);
                if (isset($x['generic'])) {
                    $cmd->setGeneric_type($x['generic']);
                }
                if (isset($x['unit'])) {
                    $cmd->setUnite($x['unit']);
                }
                if ($order !== null) {
                    $cmd->setOrder($order);
                }
            }
            $cmd->setName($name);
            $cmd->setType($type);
            $cmd->setSubType($subType);
            if (isset($x['list'])) {
                $cmd->setConfiguration('listValue', implode(';', array_map(function ($k) {
                    return $k . '|' . (isset(self::$labels[$k]) ? self::$labels[$k] : $k);
                }, explode(';', $x['list']))));
            }
            foreach (isset($x['display']) ? $x['display'] : array() as $k => $v) {
                $cmd->setDisplay($k, $v);
            }
            if ($before === null || $before !== self::signature($cmd)) {
                $cmd->save(); // unchanged commands are not written again (a phone's equipment is saved often)
            }
            if (isset($x['updates'])) {
                $updates[$logicalId] = $x['updates'];
            }
        }
        foreach ($updates as $action => $info) {
            $a = $_eq->getCmd(null, $action);
            $i = $_eq->getCmd(null, $info);
            if (is_object($a) && is_object($i) && (string) $a->getValue() !== (string) $i->getId()) {
                $a->setValue($i->getId());
                $a->save();
            }
        }
    }

    /** What apply() sets on an existing command. */
    private static function signature($_cmd) {
        return json_encode(array($_cmd->getName(), $_cmd->getType(), $_cmd->getSubType(), $_cmd->getConfiguration('listValue', null), $_cmd->getDisplay()));
    }
}
