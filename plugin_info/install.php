<?php
/*
 * JeedomConnect - install / update / remove hooks (run by Jeedom in a CLI process).
 * Defaults, the '#*#' listener, the Apache configuration forwarding /plugins/JeedomConnect/ws and /sse to the daemon
 * (installed/updated here, removed with the plugin), and a daemon restart on update when it was running.
 * Update over the previous plugin of the same id (docs/layout-storage.md): its Python daemon stopped and its Python
 * environment removed, its maintenance crons removed (its tile and control listeners kept: they work here), every
 * phone's configVersion bumped.
 */
require_once dirname(__FILE__) . '/../../../core/php/core.inc.php';
require_once dirname(__FILE__) . '/../core/class/JeedomConnect.class.php';

function JeedomConnect_setDefaults() {
    $defaults = array('port' => 8090, 'socketport' => 58090, 'daemonLog' => 'parent', 'ctrl::appTypeVersion' => '1',
        'userImgPath' => 'plugins/JeedomConnect/data/img/user_files/');
    foreach ($defaults as $key => $value) {
        if (config::byKey($key, 'JeedomConnect', '') === '') {
            config::save($key, $value, 'JeedomConnect');
        }
    }
    jeedom::getApiKey('JeedomConnect');
}

function JeedomConnect_install() {
    // Jeedom resets the plugin's log level to "default" right after this hook: keep the user's choice
    JeedomConnectConfig::keepLogLevelAcrossActivation();
    JeedomConnect_setDefaults();
    JeedomConnectListener::install();
    // Apache forwards /plugins/JeedomConnect/ws and /sse to the daemon (JeedomConnectWebServer; never throws)
    JeedomConnectWebServer::applyConfigured();
    JeedomConnectDevice::recomputeWatched();
}

/** The previous plugin's (same id) maintenance crons: their work is not done this way here. Its two listeners of the
 * tiles and the device controls stay: they call the same methods here (JeedomConnectLivePush), and every phone's
 * save below brings them up to date. Automations (crons/listeners calling jobExecutor) are user data and stay. */
function JeedomConnect_removeUpstreamSchedules() {
    foreach (array('checkDaemon', 'removeBackupFiles') as $function) {
        $cron = cron::byClassAndFunction('JeedomConnect', $function);
        if (is_object($cron)) {
            $cron->remove();
        }
    }
}

/** The previous plugin's Python daemon and its environment (resources/venv, resources/JeedomConnectd): never used
 * here. What the web user cannot remove (created as root) goes at the dependency install (install_daemon.sh). */
function JeedomConnect_removeUpstreamPython() {
    foreach (array('venv', 'JeedomConnectd') as $name) {
        $path = dirname(__FILE__) . '/../resources/' . $name;
        if (!file_exists($path) && !is_link($path)) {
            continue;
        }
        if (JeedomConnectDaemon::removeTree($path)) {
            log::add('JeedomConnect', 'info', 'update: resources/' . $name . ' of the previous plugin removed');
        } else {
            log::add('JeedomConnect', 'warning', 'update: resources/' . $name . ' of the previous plugin could not be removed now; the dependency install removes it');
        }
    }
}

function JeedomConnect_update() {
    $wasRunning = false;
    try {
        // the previous plugin's Python daemon holds the ports: stopped, ours starts in its place
        $wasRunning = JeedomConnectDaemon::stopUpstream() > 0;
        $info = JeedomConnectDaemon::info();
        $wasRunning = $wasRunning || ($info['state'] === 'ok');
    } catch (Throwable $e) {
        log::add('JeedomConnect', 'warning', 'update: daemon state unknown (' . $e->getMessage() . '), it is not restarted');
    }
    JeedomConnect_setDefaults();
    JeedomConnect_removeUpstreamSchedules();
    JeedomConnect_removeUpstreamPython();
    JeedomConnectListener::install();
    JeedomConnectWebServer::applyConfigured();
    foreach (JeedomConnectDevice::all() as $eq) {
        // a new config version: every phone reloads the layout assembled by this version of the plugin
        try {
            JeedomConnectLayout::bump($eq);
        } catch (Throwable $e) {
            log::add('JeedomConnect', 'error', 'update: layout of ' . $eq->getHumanName() . ': ' . $e->getMessage());
        }
        $eq->save();
    }
    JeedomConnectDevice::recomputeWatched();
    if ($wasRunning) {
        JeedomConnectDaemon::start();
    }
}

function JeedomConnect_remove() {
    JeedomConnectDaemon::stop();
    JeedomConnectListener::uninstall();
    JeedomConnectWebServer::removeConfigured();
}
