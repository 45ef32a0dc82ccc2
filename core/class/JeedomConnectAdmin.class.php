<?php
/*
 * JeedomConnect - the app's administration pages (docs/api-methods.md, "Administration"): reading a Jeedom log
 * (GET_LOG), restarting or stopping a plugin's daemon (DAEMON_PLUGIN_RESTART, DAEMON_PLUGIN_STOP) and updating a
 * plugin (DO_PLUGIN_UPDATE). Jeedom's desktop allows these to admins only: so does the app, judged by the user
 * configured on the phone's equipment (as SC_SET_ACTIVE). Log reads stay inside Jeedom's log folder.
 */
class JeedomConnectAdmin {
    const NOT_ADMIN = 'Vous devez être admin pour cette action';
    const NO_LOG = 'pas de log disponible - fichier introuvable';

    /** The refusal when the phone's configured user is not an admin, null when it is. */
    private static function notAdmin(JeedomConnectApi $_api) {
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

    /** Our own daemon carries this very request when it came through it: stopping it would cut the answer. */
    private static function ownDaemonThroughItself(JeedomConnectApi $_api, $_plugin) {
        return $_plugin->getId() === 'JeedomConnect' && $_api->viaDaemon();
    }

    /** DAEMON_PLUGIN_RESTART {pluginId, userId?} -> SET_DAEMON_PLUGIN_RESTART true. */
    public static function restartDaemon(JeedomConnectApi $_api) {
        if (($no = self::notAdmin($_api)) !== null) {
            return $no;
        }
        $plugin = self::plugin($_api);
        if (self::ownDaemonThroughItself($_api, $plugin)) {
            throw new Exception('the app is connected through this daemon: restart it from Jeedom or over HTTP');
        }
        log::add('JeedomConnect', 'info', 'Redémarrage du démon ' . $plugin->getId() . ' demandé par l\'app (équipement ' . $_api->eq()->getId() . ')');
        $plugin->deamon_start(true);
        return array('type' => 'SET_DAEMON_PLUGIN_RESTART', 'payload' => true);
    }

    /** DAEMON_PLUGIN_STOP {pluginId, userId?} -> SET_DAEMON_PLUGIN_STOP true. */
    public static function stopDaemon(JeedomConnectApi $_api) {
        if (($no = self::notAdmin($_api)) !== null) {
            return $no;
        }
        $plugin = self::plugin($_api);
        if (self::ownDaemonThroughItself($_api, $plugin)) {
            throw new Exception('the app is connected through this daemon: stop it from Jeedom or over HTTP');
        }
        log::add('JeedomConnect', 'info', 'Arrêt du démon ' . $plugin->getId() . ' demandé par l\'app (équipement ' . $_api->eq()->getId() . ')');
        $plugin->deamon_stop();
        return array('type' => 'SET_DAEMON_PLUGIN_STOP', 'payload' => true);
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
}
