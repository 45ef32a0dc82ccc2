<?php
/*
 * JeedomConnect - the plugin's eqLogic (one equipment per phone/tablet) and Jeedom entry points:
 * equipment hooks (apiKey at creation, exclusive flags, QR code, device record to the daemon), the daemon contract
 * (deamon_info/deamon_start/deamon_stop, dependency check), the listener handler and the configuration-page hooks.
 * The work is done by one class per concern, required below.
 */
require_once __DIR__ . '/../../../../core/php/core.inc.php';
require_once __DIR__ . '/JeedomConnectConfig.class.php';
require_once __DIR__ . '/JeedomConnectControl.class.php';
require_once __DIR__ . '/JeedomConnectDaemon.class.php';
require_once __DIR__ . '/JeedomConnectLayoutAssembler.class.php';
require_once __DIR__ . '/JeedomConnectLayoutJeedomSources.class.php';
require_once __DIR__ . '/JeedomConnectLayout.class.php';
require_once __DIR__ . '/JeedomConnectDevice.class.php';
require_once __DIR__ . '/JeedomConnectInfo.class.php';
require_once __DIR__ . '/JeedomConnectQr.class.php';
require_once __DIR__ . '/JeedomConnectListener.class.php';
require_once __DIR__ . '/JeedomConnectHistory.class.php';
require_once __DIR__ . '/JeedomConnectScenarios.class.php';
require_once __DIR__ . '/JeedomConnectActions.class.php';
require_once __DIR__ . '/JeedomConnectAutomations.class.php';
require_once __DIR__ . '/JeedomConnectCommands.class.php';
require_once __DIR__ . '/JeedomConnectCmdActions.class.php';
require_once __DIR__ . '/JeedomConnectNotifSender.class.php';
require_once __DIR__ . '/JeedomConnectNotifs.class.php';
require_once __DIR__ . '/JeedomConnectTelemetry.class.php';
require_once __DIR__ . '/JeedomConnectGeofences.class.php';
require_once __DIR__ . '/JeedomConnectMessages.class.php';
require_once __DIR__ . '/JeedomConnectData.class.php';
require_once __DIR__ . '/JeedomConnectBatteries.class.php';
require_once __DIR__ . '/JeedomConnectTimeline.class.php';
require_once __DIR__ . '/JeedomConnectAppPrefs.class.php';
require_once __DIR__ . '/JeedomConnectPairing.class.php';
require_once __DIR__ . '/JeedomConnectAppLog.class.php';
require_once __DIR__ . '/JeedomConnectLogin.class.php';
require_once __DIR__ . '/JeedomConnectAdmin.class.php';
require_once __DIR__ . '/JeedomConnectHealth.class.php';
require_once __DIR__ . '/JeedomConnectWidgetLibrary.class.php';
require_once __DIR__ . '/JeedomConnectShortcuts.class.php';
require_once __DIR__ . '/JeedomConnectDeviceControls.class.php';
require_once __DIR__ . '/JeedomConnectLivePush.class.php';
require_once __DIR__ . '/JeedomConnectApi.class.php';
require_once __DIR__ . '/JeedomConnectSse.class.php';
require_once __DIR__ . '/JeedomConnectWebServer.class.php';
require_once __DIR__ . '/JeedomConnectFiles.class.php';
require_once __DIR__ . '/JeedomConnectAppBackups.class.php';
require_once __DIR__ . '/JeedomConnectUpload.class.php';
require_once __DIR__ . '/JeedomConnectSnapshot.class.php';

class JeedomConnect extends eqLogic {
    /** apiKey of the equipment being removed, from preRemove to postRemove (not a column: Jeedom saves every
     * property whose name does not start with "_" as one). */
    private $_removedApiKey = null;

    /* ---------------- daemon (Jeedom contract) ---------------- */

    public static function deamon_info() {
        return JeedomConnectDaemon::info();
    }

    public static function deamon_start() {
        return JeedomConnectDaemon::start();
    }

    public static function deamon_stop() {
        return JeedomConnectDaemon::stop();
    }

    /** packages.json installs qrencode and runs resources/install_daemon.sh; this adds "binary present and
     * `--version` matches the plugin version" to Jeedom's dependency state. */
    public static function additionnalDependancyCheck() {
        return array('state' => JeedomConnectDaemon::dependencyOk() ? 'ok' : 'nok');
    }

    public static function backupExclude() {
        return array('resources/bin', 'resources/sendNotif');
    }

    /* ---------------- listener / cron ---------------- */

    public static function onJeedomEvent($_option) {
        return JeedomConnectListener::onEvent($_option);
    }

    /** Jeedom's minute cron: the core events pump, and the daemon watchdog (back within a minute after a crash,
     * where Jeedom's own check runs every 5 minutes). */
    public static function cron() {
        JeedomConnectListener::pumpCoreEvents();
        JeedomConnectDaemon::watchdog();
    }

    /** Jeedom's daily cron: the app preference backups trimmed to the `bkpCount` newest per phone. */
    public static function cronDaily() {
        JeedomConnectAppBackups::trim();
    }

    /** Jeedom's 5-minute cron: the history statistics of the cmds the phones show as average/min/max/collect/
     * tendance(#id#) move with time: they are sent again (docs/protocol.md, "Events"). */
    public static function cron5() {
        JeedomConnectInfo::refreshHistoric();
    }

    /* ---------------- scheduled methods of the previous plugin ----------------
     * Jeedom calls crons and listeners by class and method name: those the previous plugin (same id) registered
     * still exist after an update until the update hook removes them (plugin_info/install.php; the two listeners of
     * the tiles and the controls stay and work), and an automation's own cron or listener stays (and runs,
     * jobExecutor). They answer here instead of making Jeedom log an unknown method. */

    public static function checkDaemon() {
    }

    public static function removeBackupFiles() {
        JeedomConnectAppBackups::trim();
    }

    /** Listeners of the tiles and the active controls (JeedomConnectLivePush; the previous plugin's keep working). */
    public static function sendCmdInfoToShortcut($_option = array()) {
        JeedomConnectLivePush::tileChanged($_option);
    }

    public static function sendActiveControl($_option = array()) {
        JeedomConnectLivePush::controlChanged($_option);
    }

    /** An app automation (cron or listener, docs/api-methods.md "Automations"). */
    public static function jobExecutor($_option = array()) {
        JeedomConnectAutomations::run($_option);
    }

    /* ---------------- configuration page hooks ---------------- */

    public static function preConfig_port($_v) { return JeedomConnectConfig::beforeSave('port', $_v); }
    public static function postConfig_port($_v) { JeedomConnectConfig::afterSave('port', $_v); }
    public static function preConfig_socketport($_v) { return JeedomConnectConfig::beforeSave('socketport', $_v); }
    public static function postConfig_socketport($_v) { JeedomConnectConfig::afterSave('socketport', $_v); }
    public static function preConfig_httpUrl($_v) { return JeedomConnectConfig::beforeSave('httpUrl', $_v); }
    public static function postConfig_httpUrl($_v) { JeedomConnectConfig::afterSave('httpUrl', $_v); }
    public static function preConfig_internHttpUrl($_v) { return JeedomConnectConfig::beforeSave('internHttpUrl', $_v); }
    public static function postConfig_internHttpUrl($_v) { JeedomConnectConfig::afterSave('internHttpUrl', $_v); }
    public static function preConfig_wsAddress($_v) { return JeedomConnectConfig::beforeSave('wsAddress', $_v); }
    public static function postConfig_wsAddress($_v) { JeedomConnectConfig::afterSave('wsAddress', $_v); }
    public static function preConfig_internWsAddress($_v) { return JeedomConnectConfig::beforeSave('internWsAddress', $_v); }
    public static function postConfig_internWsAddress($_v) { JeedomConnectConfig::afterSave('internWsAddress', $_v); }
    public static function preConfig_daemonLog($_v) { return JeedomConnectConfig::beforeSave('daemonLog', $_v); }
    public static function postConfig_daemonLog($_v) { JeedomConnectConfig::afterSave('daemonLog', $_v); }
    public static function preConfig_wsThroughJeedom($_v) { return JeedomConnectConfig::beforeSave('wsThroughJeedom', $_v); }
    public static function postConfig_wsThroughJeedom($_v) { JeedomConnectConfig::afterSave('wsThroughJeedom', $_v); }
    public static function preConfig_wsLoopbackOnly($_v) { return JeedomConnectConfig::beforeSave('wsLoopbackOnly', $_v); }
    public static function postConfig_wsLoopbackOnly($_v) { JeedomConnectConfig::afterSave('wsLoopbackOnly', $_v); }

    /* ---------------- equipment hooks ---------------- */

    public function preInsert() {
        if ($this->getLogicalId() === '') {
            $this->setLogicalId(JeedomConnectDevice::newApiKey());
        }
        $this->setEqType_name('JeedomConnect');
        if ($this->getConfiguration('configVersion', null) === null) {
            $this->setConfiguration('configVersion', 0);
        }
        foreach (array('useWs' => '0', 'polling' => '0', 'appState' => 'background', 'connected' => 0, 'scAll' => 0) as $k => $v) {
            if ($this->getConfiguration($k, null) === null) {
                $this->setConfiguration($k, $v);
            }
        }
    }

    public function preSave() {
        if ($this->getLogicalId() === '') {
            $this->setLogicalId(JeedomConnectDevice::newApiKey());
        }
        if (JeedomConnectDevice::isSpecial($this)) {
            return;
        }
        $this->setConfiguration('apiKey', $this->getLogicalId());
        JeedomConnectDevice::normalizeFlags($this);
        // the action password is part of the layout the app receives: a new one is a new layout version (the
        // previous plugin's equipment page flagged it with pwdChanged)
        if ($this->getId() !== null && $this->getId() !== '') {
            $stored = eqLogic::byId($this->getId());
            if (is_object($stored) && (string) $stored->getConfiguration('pwdAction', '') !== (string) $this->getConfiguration('pwdAction', '')) {
                JeedomConnectLayout::bump($this);
            }
        }
        if ($this->getConfiguration('pwdChanged', null) !== null) {
            $this->setConfiguration('pwdChanged', 'false');
        }
    }

    public function postInsert() {
        if (!JeedomConnectDevice::isPhone($this)) {
            return;
        }
        JeedomConnectLayout::create($this);
        JeedomConnectNotifs::create($this);
    }

    public function postSave() {
        if (!JeedomConnectDevice::isPhone($this)) {
            return;
        }
        $force = JeedomConnectDevice::isTrue($this->getConfiguration('qrRefresh', 0));
        if ($force) {
            $this->setConfiguration('qrRefresh', 0);
        }
        if ($force ? JeedomConnectQr::generate($this) : JeedomConnectQr::refreshIfChanged($this)) {
            $this->save(true);
        } elseif ($force) {
            $this->save(true);
        }
        JeedomConnectCommands::ensure($this);
        JeedomConnectLivePush::sync($this);
        JeedomConnectDevice::recomputeWatched();
        // A disabled equipment travels in its record: the daemon sends EQUIPMENT_DISABLE, then closes. A separate
        // CLOSE_DEVICE would race it on another connection and could close the app without telling it why.
        JeedomConnectDevice::sendOne($this);
    }

    public function preRemove() {
        $this->_removedApiKey = JeedomConnectDevice::isPhone($this) ? $this->getLogicalId() : null;
        JeedomConnectLivePush::forget($this->getId());
    }

    public function postRemove() {
        if ($this->_removedApiKey === null) {
            return;
        }
        JeedomConnectLayout::remove($this->_removedApiKey);
        JeedomConnectNotifs::remove($this->_removedApiKey);
        JeedomConnectControl::closeDevice($this->_removedApiKey, 'removed');
        JeedomConnectQr::remove($this->_removedApiKey);
        JeedomConnectDevice::recomputeWatched();
        JeedomConnectDevice::sendAll();
    }

    /* ---------------- admin actions ---------------- */

    /** New apiKey: the old one answers SET_NEW_APIKEY once, its live connections are closed. */
    public function regenerateApiKey() {
        $old = $this->getLogicalId();
        $new = JeedomConnectDevice::newApiKey();
        config::save('newApiKey::' . $old, $new, 'JeedomConnect');
        $this->setLogicalId($new);
        $this->setConfiguration('qrRefresh', 1);
        JeedomConnectLayout::move($old, $new);
        JeedomConnectNotifs::copy($old, $new);
        $this->save();
        JeedomConnectControl::closeDevice($old, 'apiKey regenerated');
        JeedomConnectQr::remove($old);
        JeedomConnectDevice::sendAll();
        return $new;
    }

    /** Unbinds the phone (deviceId/deviceName/platformOs). */
    public function detach() {
        foreach (array('deviceId', 'deviceName', 'platformOs') as $k) {
            $this->setConfiguration($k, '');
        }
        $this->save();
    }
}

class JeedomConnectCmd extends cmd {
    public function dontRemoveCmd() {
        return true;
    }

    public function execute($_options = array()) {
        $eq = $this->getEqLogic();
        if (!is_object($eq)) {
            return null;
        }
        if ($this->getType() !== 'action') {
            return null;
        }
        if (JeedomConnectNotifs::isNotifCommand($this)) {
            return JeedomConnectNotifs::execute($this, $_options);
        }
        JeedomConnectCmdActions::execute($this, $eq, is_array($_options) ? $_options : array());
        return null;
    }
}
