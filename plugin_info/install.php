<?php
/*
 * JeedomConnect - install / update / remove hooks (run by Jeedom in a CLI process).
 * Defaults, the '#*#' listener, the Apache configuration forwarding /plugins/JeedomConnect/ws and /sse to the daemon
 * (installed/updated here, removed with the plugin), and a daemon restart on update when it was running.
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
    JeedomConnect_setDefaults();
    JeedomConnectListener::install();
    // Apache forwards /plugins/JeedomConnect/ws and /sse to the daemon (JeedomConnectWebServer; never throws)
    JeedomConnectWebServer::applyConfigured();
    JeedomConnectDevice::recomputeWatched();
}

function JeedomConnect_update() {
    $wasRunning = false;
    try {
        $info = JeedomConnectDaemon::info();
        $wasRunning = ($info['state'] === 'ok');
    } catch (Throwable $e) {
        log::add('JeedomConnect', 'warning', 'update: daemon state unknown (' . $e->getMessage() . '), it is not restarted');
    }
    JeedomConnect_setDefaults();
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
