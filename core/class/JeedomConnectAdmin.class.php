<?php
/*
 * JeedomConnect - the app's administration pages (docs/api-methods.md, "Administration"): reading a Jeedom log
 * (GET_LOG), restarting or stopping a plugin's daemon (DAEMON_PLUGIN_RESTART, DAEMON_PLUGIN_STOP), updating a
 * plugin (DO_PLUGIN_UPDATE) and the "ask the community" link with this install's details (GET_INSTALL_DETAILS). Jeedom's desktop allows these to admins only: so does the app, judged by the user
 * configured on the phone's equipment (as SC_SET_ACTIVE). Log reads stay inside Jeedom's log folder.
 */
class JeedomConnectAdmin {
    const NOT_ADMIN = 'Vous devez être admin pour cette action';
    const NO_LOG = 'pas de log disponible - fichier introuvable';

    /** The refusal when the phone's configured user is not an admin, null when it is. */
    public static function notAdmin(JeedomConnectApi $_api) {
        $user = user::byId($_api->eq()->getConfiguration('userId', ''));
        if (!is_object($user) || $user->getProfils() !== 'admin') {
            return JeedomConnectApi::exception(self::NOT_ADMIN);
        }
        return null;
    }

    /** GET_LOG {type, id} -> SET_LOG, payload the JSON-encoded text of the log (or of NO_LOG). */
    public static function log(JeedomConnectApi $_api) {
        if (($no = self::notAdmin($_api)) !== null) {
            return $no;
        }
        $type = $_api->param('type');
        $id = $_api->param('id');
        if ($type === 'scenario') {
            if (!(is_int($id) || (is_string($id) && ctype_digit($id)))) {
                throw new Exception('id: a scenario id is expected');
            }
            $name = 'scenarioLog/scenario' . $id . '.log';
        } else {
            if (!is_string($id) || $id === '' || !preg_match('#^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$#', $id) || preg_match('#(^|/)\.\.?(/|$)#', $id)) {
                throw new Exception('id: the name of a log of Jeedom\'s log folder is expected');
            }
            $name = $id;
        }
        $root = realpath(log::getPathToLog(''));
        $path = realpath($root . '/' . $name);
        if ($root === false || $path === false || !is_file($path)) {
            log::add('JeedomConnect', 'warning', 'GET_LOG : ' . $name . ' introuvable');
            $text = self::NO_LOG;
        } elseif (strpos($path, $root . '/') !== 0) {
            throw new Exception('id: the name of a log of Jeedom\'s log folder is expected'); // a link out of it
        } else {
            $text = (string) file_get_contents($path);
        }
        return array('type' => 'SET_LOG', 'payload' => json_encode($text));
    }

    /** The plugin named by pluginId (Jeedom's EXCEPTION "Plugin introuvable : <id>" when it has none, as upstream). */
    private static function plugin(JeedomConnectApi $_api) {
        $id = $_api->param('pluginId');
        if (!is_string($id) || !preg_match('/^[A-Za-z0-9_\-]+$/', $id)) {
            throw new Exception('pluginId: a plugin id is expected');
        }
        return plugin::byId($id);
    }

    /** DAEMON_PLUGIN_RESTART {pluginId, userId?} -> SET_DAEMON_PLUGIN_RESTART true. */
    public static function restartDaemon(JeedomConnectApi $_api) {
        return self::daemon($_api, 'SET_DAEMON_PLUGIN_RESTART', 'restart', 'Redémarrage');
    }

    /** DAEMON_PLUGIN_STOP {pluginId, userId?} -> SET_DAEMON_PLUGIN_STOP true. */
    public static function stopDaemon(JeedomConnectApi $_api) {
        return self::daemon($_api, 'SET_DAEMON_PLUGIN_STOP', 'stop', 'Arrêt');
    }

    /** Restarts ('restart') or stops ('stop') the daemon of the plugin named by pluginId, through Jeedom. */
    private static function daemon(JeedomConnectApi $_api, $_type, $_verb, $_logWord) {
        if (($no = self::notAdmin($_api)) !== null) {
            return $no;
        }
        $plugin = self::plugin($_api);
        // our own daemon carries this very request when it came through it: stopping it would cut the answer
        if ($plugin->getId() === 'JeedomConnect' && $_api->viaDaemon()) {
            throw new Exception('the app is connected through this daemon: ' . $_verb . ' it from Jeedom or over HTTP');
        }
        log::add('JeedomConnect', 'info', $_logWord . ' du démon ' . $plugin->getId() . ' demandé par l\'app (équipement ' . $_api->eq()->getId() . ')');
        if ($_verb === 'restart') {
            $plugin->deamon_start(true);
        } else {
            $plugin->deamon_stop();
        }
        return array('type' => $_type, 'payload' => true);
    }

    /** DO_PLUGIN_UPDATE {pluginId} -> SET_PLUGIN_UPDATE bool (false: Jeedom knows no update of that id). */
    public static function update(JeedomConnectApi $_api) {
        if (($no = self::notAdmin($_api)) !== null) {
            return $no;
        }
        $id = $_api->param('pluginId');
        if (!is_string($id) || !preg_match('/^[A-Za-z0-9_\-]+$/', $id)) {
            throw new Exception('pluginId: a plugin id is expected');
        }
        $update = update::byLogicalId($id);
        if (!is_object($update)) {
            log::add('JeedomConnect', 'warning', 'DO_PLUGIN_UPDATE : aucune mise à jour connue pour ' . $id);
            return array('type' => 'SET_PLUGIN_UPDATE', 'payload' => false);
        }
        log::add('JeedomConnect', 'info', 'Mise à jour de ' . $id . ' demandée par l\'app (équipement ' . $_api->eq()->getId() . ')');
        $update->doUpdate();
        return array('type' => 'SET_PLUGIN_UPDATE', 'payload' => true);
    }

    const COMMUNITY = 'https://community.jeedom.com/new-topic?';

    /** GET_INSTALL_DETAILS -> SET_INSTALL_DETAILS, payload the URL of a new community topic with this install's details. */
    public static function installDetails(JeedomConnectApi $_api) {
        if (($no = self::notAdmin($_api)) !== null) {
            return $no;
        }
        $plugin = plugin::byId('JeedomConnect');
        return array('type' => 'SET_INSTALL_DETAILS', 'payload' => self::COMMUNITY . http_build_query(array(
            'category' => 'plugins/' . $plugin->getCategory(),
            'tags' => 'plugin-' . $plugin->getId(),
            'body' => self::installText($plugin),
        )));
    }

    /** The body of the community topic: the user's question goes above, the install's details below (plain text). */
    private static function installText($_plugin) {
        $update = $_plugin->getUpdate();
        $channel = (is_object($update) && $update->getConfiguration('version') && $update->getConfiguration('version') != 'stable') ? 'beta' : 'stable';
        $url = (string) config::byKey('httpUrl', 'JeedomConnect', network::getNetworkAccess('external'));
        $dns = strpos($url, 'jeedom.com') !== false || strpos($url, 'eu.jeedom.link') !== false;
        $daemon = JeedomConnect::deamon_info();
        $dep = $_plugin->dependancy_info();
        $lines = array(
            'Jeedom Core : ' . config::byKey('version', 'core', '#NA#') . ' (' . config::byKey('core::branch') . ')',
            'DNS Jeedom : ' . ($dns ? 'oui ' : 'non'),
            '',
            'Statut Démon : ' . (($daemon['state'] ?? '') == 'ok' ? 'Démarré ' : 'Stoppé') . ' (' . ($daemon['last_launch'] ?? 'NA') . ')',
            'Version JC : ' . config::byKey('version', 'JeedomConnect', '#NA#') . ' ' . $channel,
            'Version OS : ' . system::getDistrib() . ' ' . system::getOsVersion(),
            'Version PHP : ' . phpversion(),
            'Dépendances : ' . ($dep['state'] ?? 'N/A'),
            '',
            'Equipements : ',
        );
        foreach (JeedomConnectDevice::all() as $eq) {
            $lines[] = '  ' . $eq->getName() . ' : ' . self::phoneText($eq, $channel) . ' - ' . self::userText($eq->getConfiguration('userId'));
        }
        return "< Ajoutez un titre puis rédigez votre question/problème ici, sans effacer les infos de config indiquées ci-dessous >\n\n\n\n--- \n"
            . "**Mes infos de config** : \n```\n" . implode("\n", $lines) . "\n```";
    }

    /** "v<app> (<build>) <channel> sur <os> [os : <version>] (ws/polling)", or "non enregistré" before any CONNECT. */
    private static function phoneText($_eq, $_channel) {
        $os = (string) $_eq->getConfiguration('platformOs');
        $app = (string) $_eq->getConfiguration('appVersion');
        if ($os === '' && $app === '') {
            return 'non enregistré';
        }
        $appType = (string) $_eq->getConfiguration('appTypeVersion');
        $build = (string) $_eq->getConfiguration('buildVersion');
        $version = $app === '' ? '' : 'v' . $app . ($build !== '' ? ' (' . $build . ')' : '') . ' ' . $appType
            . (($appType !== '' && $appType !== $_channel) ? ' (!) ' : '');
        $modes = array_filter(array($_eq->getConfiguration('useWs') == '1' ? 'ws' : '', $_eq->getConfiguration('polling') == '1' ? 'polling' : ''));
        $osVersion = (string) $_eq->getConfiguration('osVersion');
        return $version . ' ' . ($os !== '' ? 'sur ' . $os : '') . ($osVersion !== '' ? ' [os : ' . $osVersion . ']' : '')
            . ($modes ? ' (' . implode('/', $modes) . ')' : '');
    }

    /** PA / PU / PR (admin, user, restricted), L when local only; NA without a user. */
    private static function userText($_userId) {
        $user = user::byId($_userId);
        if (!is_object($user)) {
            return 'NA';
        }
        $p = $user->getProfils();
        return ($p == 'admin' ? 'PA' : ($p == 'restrict' ? 'PR' : 'PU')) . ($user->getOptions('localOnly') ? 'L' : '');
    }

    /**
     * GET_PLUGINS_UPDATE -> SET_PLUGINS_UPDATE {nbUpdate, pluginsToUpdate[], otherPlugins[]}, after Jeedom's check of
     * every update (slow: it asks the market and each source).
     */
    public static function pluginsUpdate(JeedomConnectApi $_api) {
        if (($no = self::notAdmin($_api)) !== null) {
            return $no;
        }
        update::checkAllUpdate();
        $count = update::nbNeedUpdate();
        $toUpdate = array();
        $listed = array();
        if ($count != 0) {
            foreach (update::all() as $update) {
                if (strtolower((string) $update->getStatus()) !== 'update') {
                    continue;
                }
                try {
                    if ($update->getType() === 'core') {
                        $toUpdate[] = array(
                            'pluginId' => $update->getLogicalId(),
                            'message' => 'La mise à jour du core n\'est pas possible depuis l\'application',
                            'doNotUpdate' => true,
                            'name' => 'Jeedom Core',
                            'changelogLink' => 'https://doc.jeedom.com/' . config::byKey('language', 'core', 'fr_FR') . '/core/' . substr(jeedom::version(), 0, 3) . '/changelog',
                            'currentVersion' => $update->getLocalVersion(),
                            'updateVersion' => $update->getRemoteVersion(),
                        );
                    } else {
                        $item = self::pluginItem(plugin::byId($update->getLogicalId()));
                        $listed[] = $item['pluginId'];
                        $toUpdate[] = $item;
                    }
                } catch (Exception $e) {
                    log::add('JeedomConnect', 'warning', 'GET_PLUGINS_UPDATE : ' . $update->getLogicalId() . ' illisible (' . $e->getMessage() . ')');
                    $toUpdate[] = array('message' => 'Une erreur est survenue. Merci de regarder les logs.');
                }
            }
        }
        $others = array();
        foreach (plugin::listPlugin() as $plugin) {
            if (!in_array($plugin->getId(), $listed, true)) {
                $others[] = self::pluginItem($plugin);
            }
        }
        return array('type' => 'SET_PLUGINS_UPDATE', 'payload' => array('nbUpdate' => $count, 'pluginsToUpdate' => $toUpdate, 'otherPlugins' => $others));
    }

    /** A plugin as the updates page shows it (a plugin Jeedom has no update entry for: no versions). */
    private static function pluginItem($_plugin) {
        $update = update::byLogicalId($_plugin->getId());
        $has = is_object($update);
        return array(
            'pluginId' => $has ? $update->getLogicalId() : $_plugin->getId(),
            'name' => $_plugin->getName(),
            'img' => $_plugin->getPathImgIcon(),
            'changelogLink' => $_plugin->getChangelog(),
            'docLink' => $_plugin->getDocumentation(),
            'doNotUpdate' => $has && $update->getConfiguration('doNotUpdate') == 1,
            'pluginType' => $has ? $update->getConfiguration('version') : null,
            'currentVersion' => $has ? $update->getLocalVersion() : null,
            'updateVersion' => $has ? $update->getRemoteVersion() : null,
            'isActive' => $_plugin->isActive() == '1',
            'logFiles' => $_plugin->getLogList(),
        );
    }
}
