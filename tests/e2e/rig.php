<?php
/*
 * End-to-end rig: the Jeedom side of the scenarios, served by Apache from <webroot>/e2e/rig.php (only in the rig's
 * temporary web root, never in the plugin). Each action does what Jeedom itself would do - the core's ajax save of
 * an equipment, the core's save of a plugin configuration key, the core's daemon check, a plugin updating a value
 * with cmd->event() - by calling the fake core and the plugin exactly as the core calls them. Answers JSON.
 */
require_once __DIR__ . '/../core/php/core.inc.php';
class_exists('JeedomConnect'); // Jeedom's autoloader loads the plugin class, which requires its helper classes

header('Content-Type: application/json');
set_time_limit(120);

function rig_answer($_data) {
    echo json_encode($_data, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    exit;
}

function rig_param($_name, $_default = null) {
    $v = init($_name, null);
    return $v === null ? $_default : $v;
}

function rig_json_param($_name, $_default = array()) {
    $v = rig_param($_name, null);
    if ($v === null || $v === '') {
        return $_default;
    }
    $d = json_decode($v, true);
    if (!is_array($d)) {
        throw new Exception("parameter $_name: JSON expected");
    }
    return $d;
}

function rig_plugin_dir() {
    return __DIR__ . '/../plugins/JeedomConnect';
}

/** Jeedom's utils::a2o as the core's eqLogic.ajax.php 'save' applies a page's form to an object. */
function rig_a2o($_object, $_data) {
    foreach ($_data as $key => $value) {
        if ($key === 'id' || $key === 'eqType_name') {
            continue;
        }
        $setter = 'set' . ucfirst($key);
        if (is_array($value) && in_array($key, array('configuration', 'status', 'display'), true)) {
            foreach ($value as $k => $v) {
                $_object->$setter($k, $v);
            }
        } elseif (method_exists($_object, $setter)) {
            $_object->$setter($value);
        }
    }
}

function rig_user() {
    $u = user::byLogin('admin');
    if (!is_object($u)) {
        $u = new user();
        $u->setLogin('admin');
        $u->setPassword(hash('sha512', 'admin'));
        $u->setProfils('admin');
        $u->setEnable(1);
        $u->save();
    }
    return $u;
}

function rig_eq($_id) {
    $eq = eqLogic::byId($_id);
    if (!is_object($eq)) {
        throw new Exception("no equipment $_id");
    }
    return $eq;
}

function rig_eq_view($eq) {
    return array(
        'id' => (string) $eq->getId(),
        'name' => $eq->getName(),
        'apiKey' => $eq->getLogicalId(),
        'isEnable' => (int) $eq->getIsEnable(),
        'configuration' => array_diff_key($eq->getConfiguration(), array('jcConfig' => 1)),
    );
}

/** One JeedomConnect equipment (a phone) in mode ws|http|polling, showing the given Jeedom cmds as widgets. */
function rig_create_eq($_name, $_mode, array $_cmds) {
    $eq = new JeedomConnect();
    $eq->setName($_name);
    $eq->setEqType_name('JeedomConnect');
    $eq->setIsEnable(1);
    $eq->setIsVisible(1);
    $eq->setConfiguration('userId', (string) rig_user()->getId());
    $eq->setConfiguration('useWs', $_mode === 'ws' ? '1' : '0');
    $eq->setConfiguration('polling', $_mode === 'polling' ? '1' : '0');
    $eq->save();
    foreach ($_cmds as $cmdId) {
        JeedomConnectLayout::addCmdWidget($eq, $cmdId);
    }
    $eq->save();
    return $eq;
}

/** Jeedom's plugin::checkDeamon (cron, every 5 min) for one plugin: start it when launchable and not running.
 * (The core also spaces automatic starts by 45 s; the rig does not wait for that.) */
function rig_check_deamon() {
    $info = JeedomConnect::deamon_info();
    $started = false;
    if ($info['launchable'] === 'ok' && $info['state'] !== 'ok') {
        JeedomConnect::deamon_start();
        $started = true;
    }
    return array('before' => $info, 'started' => $started, 'after' => JeedomConnect::deamon_info());
}

function rig_pid() {
    $file = jeedom::getTmpFolder('JeedomConnect') . '/deamon.pid';
    return is_file($file) ? (int) trim((string) file_get_contents($file)) : 0;
}

try {
    $action = init('action');
    switch ($action) {
        case 'ping':
            rig_answer(array('pong' => true, 'php' => PHP_VERSION, 'user' => function_exists('posix_geteuid') ? posix_getpwuid(posix_geteuid())['name'] : ''));

        case 'setup':
            // Jeedom's network settings: internal = this Apache, external = a public name (only used in addresses).
            config::save('internalProtocol', 'http://');
            config::save('internalAddr', '127.0.0.1');
            config::save('internalPort', (string) rig_param('apachePort'));
            config::save('internalComplement', '');
            config::save('externalProtocol', 'https://');
            config::save('externalAddr', 'jeedom.e2e.test');
            config::save('externalPort', '443');
            config::save('log::level::JeedomConnect', array('100' => '1', '200' => '0', '300' => '0', '400' => '0', '1000' => '0', 'default' => '0'));
            $user = rig_user();
            // Plugin activation, as plugin::setIsEnable(1) does: install.php's JeedomConnect_install().
            require_once rig_plugin_dir() . '/plugin_info/install.php';
            if (function_exists('JeedomConnect_install')) {
                JeedomConnect_install();
            }
            // The configuration page: ports; the daemon listens on loopback only in the rig.
            config::save('port', (string) rig_param('wsPort'), 'JeedomConnect');
            config::save('socketport', (string) rig_param('socketPort'), 'JeedomConnect');
            config::save('bind', '127.0.0.1', 'JeedomConnect');
            rig_answer(array('ok' => true, 'userHash' => $user->getHash(), 'userId' => (string) $user->getId()));

        case 'state':
            rig_answer(array(
                'wsPort' => JeedomConnectConfig::port(),
                'socketPort' => JeedomConnectConfig::socketPort(),
                'pid' => rig_pid(),
                'pidFile' => jeedom::getTmpFolder('JeedomConnect') . '/deamon.pid',
                'userHash' => rig_user()->getHash(),
                'info' => JeedomConnect::deamon_info(),
            ));

        case 'create_virtual':
            // A device of another plugin ("virtual"): n info cmds, each with an action cmd that sets it.
            $eq = new eqLogic();
            $eq->setName((string) rig_param('name', 'virtual'));
            $eq->setEqType_name('virtual');
            $eq->setIsEnable(1);
            $eq->save();
            $infos = array();
            $actions = array();
            for ($i = 0; $i < (int) rig_param('n', 1); $i++) {
                $info = new cmd();
                $info->setEqLogic_id($eq->getId());
                $info->setEqType('virtual');
                $info->setLogicalId('info' . $i);
                $info->setName('Info ' . $i);
                $info->setType('info');
                $info->setSubType('string');
                $info->save();
                $act = new cmd();
                $act->setEqLogic_id($eq->getId());
                $act->setEqType('virtual');
                $act->setLogicalId('set' . $i);
                $act->setName('Set ' . $i);
                $act->setType('action');
                $act->setSubType('message');
                $act->setConfiguration('infoId', (string) $info->getId());
                $act->save();
                $infos[] = (string) $info->getId();
                $actions[] = (string) $act->getId();
            }
            rig_answer(array('eqId' => (string) $eq->getId(), 'infos' => $infos, 'actions' => $actions));

        case 'create_eq':
            $eq = rig_create_eq((string) rig_param('name'), (string) rig_param('mode'), rig_json_param('cmds'));
            rig_answer(rig_eq_view($eq));

        case 'create_eqs':
            $r = array();
            for ($i = 0; $i < (int) rig_param('count'); $i++) {
                $eq = rig_create_eq(rig_param('prefix') . $i, (string) rig_param('mode'), rig_json_param('cmds'));
                $r[] = array('id' => (string) $eq->getId(), 'apiKey' => $eq->getLogicalId());
            }
            rig_answer($r);

        case 'eq_get':
            rig_answer(rig_eq_view(rig_eq(rig_param('id'))));

        case 'eq_save':
            // The equipment page's "Sauvegarder": core/ajax/eqLogic.ajax.php action=save (preAjax, a2o, save, postAjax).
            $eq = rig_eq(rig_param('id'));
            $form = rig_json_param('eqLogic');
            if (method_exists($eq, 'preAjax')) {
                $eq->preAjax();
            }
            rig_a2o($eq, $form);
            $eq->save();
            if (method_exists($eq, 'postAjax')) {
                $eq->postAjax();
            }
            rig_answer(rig_eq_view(rig_eq(rig_param('id'))));

        case 'config_save':
            // The plugin configuration page's save: core/ajax/config.ajax.php action=addKey, plugin=JeedomConnect,
            // config::save() of every field of the page (the plugin's pre/postConfig hooks run inside).
            foreach (rig_json_param('values') as $k => $v) {
                config::save($k, $v, 'JeedomConnect');
            }
            $r = array();
            foreach (array_keys(rig_json_param('values')) as $k) {
                $r[$k] = config::byKey($k, 'JeedomConnect');
            }
            rig_answer(array('ok' => true, 'stored' => $r));

        case 'event':
            // A plugin updating a value: cmd->event(), in this PHP process (listeners run inside, like in Jeedom).
            $cmd = cmd::byId(rig_param('cmdId'));
            if (!is_object($cmd)) {
                throw new Exception('no cmd ' . rig_param('cmdId'));
            }
            $t0 = microtime(true);
            $cmd->event((string) rig_param('value'));
            $t1 = microtime(true);
            rig_answer(array('t0' => $t0, 't1' => $t1));

        case 'exec_log':
            rig_answer(cache::byKey('fake::execLog')->getValue(array()));

        case 'cmd_value':
            $cmd = cmd::byId(rig_param('cmdId'));
            rig_answer(array('value' => is_object($cmd) ? $cmd->execCmd() : null));

        case 'deamon_info':
            rig_answer(JeedomConnect::deamon_info());

        case 'deamon_start':
            $started = JeedomConnect::deamon_start();
            $info = JeedomConnect::deamon_info();
            $info['started'] = $started;
            $info['pid'] = rig_pid();
            rig_answer($info);

        case 'deamon_stop':
            JeedomConnect::deamon_stop();
            rig_answer(JeedomConnect::deamon_info());

        case 'check_deamon':
            rig_answer(rig_check_deamon());

        case 'qr':
            $eq = rig_eq(rig_param('id'));
            $png = JeedomConnectQr::path($eq);
            $decoded = null;
            if (is_file($png)) {
                $out = array();
                exec('zbarimg --raw -q ' . escapeshellarg($png) . ' 2>/dev/null', $out);
                $decoded = json_decode(implode("\n", $out), true);
            }
            clearstatcache();
            rig_answer(array('path' => $png, 'exists' => is_file($png), 'mtime' => is_file($png) ? filemtime($png) : 0,
                'content' => $decoded));

        default:
            throw new Exception('unknown action ' . $action);
    }
} catch (Throwable $e) {
    http_response_code(500);
    rig_answer(array('error' => $e->getMessage(), 'at' => $e->getFile() . ':' . $e->getLine()));
}
