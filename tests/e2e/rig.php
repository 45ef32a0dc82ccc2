<?php
/*
 * End-to-end rig: the Jeedom side of the scenarios, served by the test core's Apache from <webroot>/e2e/rig.php
 * (only in the rig's temporary web root, never in the plugin), inside the REAL Jeedom core (tests/jeedom/up.sh).
 * Each action does what Jeedom itself does: equipments are created and saved through the core's own
 * core/ajax/eqLogic.ajax.php and the configuration page's save through core/ajax/config.ajax.php (HTTP, logged in
 * as the installer's admin, as the desktop pages post them), values change with the real cmd->event(), the daemon
 * check is plugin::checkDeamon()'s. Other plugins' devices are the fixture plugin jcTestDevice. Answers JSON.
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

/** One call of a core ajax endpoint through this Apache, in the admin's browser session (logged in once through
 * core/ajax/user.ajax.php, as the login page does). Answers the call's result or throws the core's error. */
function rig_core_ajax($_path, $_params) {
    static $jar = null;
    if ($jar === null) {
        $jar = jeedom::getTmpFolder('e2e-rig') . '/cookies';
        rig_core_ajax('core/ajax/user.ajax.php', array('action' => 'login', 'username' => 'admin', 'password' => 'admin'));
    }
    $c = curl_init('http://127.0.0.1:' . config::byKey('internalPort') . '/' . $_path);
    curl_setopt_array($c, array(CURLOPT_POST => true, CURLOPT_POSTFIELDS => http_build_query($_params),
        CURLOPT_RETURNTRANSFER => true, CURLOPT_COOKIEJAR => $jar, CURLOPT_COOKIEFILE => $jar, CURLOPT_TIMEOUT => 60));
    $body = curl_exec($c);
    curl_close($c);
    $r = json_decode((string) $body, true);
    if (!is_array($r) || !isset($r['state']) || $r['state'] !== 'ok') {
        throw new Exception($_path . ' ' . (isset($_params['action']) ? $_params['action'] : '') . ': ' . substr((string) $body, 0, 800));
    }
    return isset($r['result']) ? $r['result'] : null;
}

/** The installer's admin (admin/admin). */
function rig_user() {
    $u = user::byLogin('admin');
    if (!is_object($u)) {
        throw new Exception('no admin user: the core was not installed by tests/jeedom/up.sh');
    }
    return $u;
}

/** The equipment page's "Sauvegarder": jeedom.eqLogic.save() -> core/ajax/eqLogic.ajax.php action=save. */
function rig_eq_ajax_save(array $_form) {
    $r = rig_core_ajax('core/ajax/eqLogic.ajax.php', array('action' => 'save', 'type' => 'JeedomConnect',
        'eqLogic' => json_encode(array($_form))));
    return is_array($r) && isset($r['id']) ? $r['id'] : (is_array($r) && isset($r[0]['id']) ? $r[0]['id'] : null);
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

/** One JeedomConnect equipment (a phone) in mode ws|http|polling, showing the given Jeedom cmds as widgets, for
 * the given user (the installer's admin by default). */
function rig_create_eq($_name, $_mode, array $_cmds, $_user = null) {
    // "Ajouter" (name), then the equipment page's save of its form
    $id = rig_eq_ajax_save(array('name' => $_name));
    if ($id === null) {
        throw new Exception('eqLogic.ajax.php save answered no id');
    }
    rig_eq_ajax_save(array('id' => $id, 'name' => $_name, 'isEnable' => '1', 'isVisible' => '1', 'configuration' => array(
        'userId' => (string) ($_user === null ? rig_user() : $_user)->getId(), 'useWs' => $_mode === 'ws' ? '1' : '0', 'polling' => $_mode === 'polling' ? '1' : '0')));
    $eq = rig_eq($id);
    foreach ($_cmds as $cmdId) {
        JeedomConnectLayout::addCmdWidget($eq, $cmdId);
    }
    $eq->save();
    return $eq;
}

/** Jeedom's daemon check for the plugin: what plugin::checkDeamon() (cron) does for it, i.e.
 * plugin->deamon_start(false, true) - starts it when launchable, not running and in automatic mode. Its 45 s
 * anti-relaunch guard is cleared first (the rig does not wait for it). */
function rig_check_deamon() {
    $info = JeedomConnect::deamon_info();
    config::save('deamonAutoMode', 1, 'JeedomConnect');
    cache::delete('deamonStartJeedomConnectinprogress');
    plugin::byId('JeedomConnect')->deamon_start(false, true);
    $after = JeedomConnect::deamon_info();
    return array('before' => $info, 'started' => $info['state'] !== 'ok' && $after['state'] === 'ok', 'after' => $after);
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
            // The core is installed, its network settings saved and the plugin enabled by tests/jeedom/up.sh. Here:
            // the plugin's log level (debug) and the configuration page's ports; the daemon listens on loopback only.
            config::save('log::level::JeedomConnect', array('100' => '1', '200' => '0', '300' => '0', '400' => '0', '1000' => '0', 'default' => '0'));
            rig_core_ajax('core/ajax/config.ajax.php', array('action' => 'addKey', 'plugin' => 'JeedomConnect', 'value' => json_encode(array(
                'port' => (string) rig_param('wsPort'), 'socketport' => (string) rig_param('socketPort')))));
            config::save('bind', '127.0.0.1', 'JeedomConnect');
            $user = rig_user();
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
            $eq = new jcTestDevice();
            $eq->setName((string) rig_param('name', 'virtual'));
            $eq->setEqType_name('jcTestDevice');
            $eq->setIsEnable(1);
            $eq->save();
            $infos = array();
            $actions = array();
            for ($i = 0; $i < (int) rig_param('n', 1); $i++) {
                $info = new jcTestDeviceCmd();
                $info->setEqLogic_id($eq->getId());
                $info->setEqType('jcTestDevice');
                $info->setLogicalId('info' . $i);
                $info->setName('Info ' . $i);
                $info->setType('info');
                $info->setSubType('string');
                $info->save();
                $act = new jcTestDeviceCmd();
                $act->setEqLogic_id($eq->getId());
                $act->setEqType('jcTestDevice');
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
            $user = rig_param('login', '') === '' ? null : user::byLogin((string) rig_param('login'));
            if ($user === false) {
                throw new Exception('no user ' . rig_param('login'));
            }
            $eq = rig_create_eq((string) rig_param('name'), (string) rig_param('mode'), rig_json_param('cmds'), $user);
            rig_answer(rig_eq_view($eq));

        case 'create_user':
            // a Jeedom user (as the users page creates one) of the given profile
            $u = user::byLogin((string) rig_param('login'));
            if (!is_object($u)) {
                $u = new user();
                $u->setLogin((string) rig_param('login'));
            }
            $u->setPassword(sha512('pw-' . rig_param('login')))->setProfils((string) rig_param('profile', 'user'))->setEnable(1);
            $u->save();
            rig_answer(array('id' => (string) $u->getId(), 'userHash' => $u->getHash()));

        case 'historized':
            // a numeric info cmd of another plugin with a stored history (Jeedom's history table) of n points,
            // one a minute, ending an hour ago
            $eq = new jcTestDevice();
            $eq->setName((string) rig_param('name', 'historized'))->setEqType_name('jcTestDevice')->setIsEnable(1)->save();
            $cmd = new jcTestDeviceCmd();
            $cmd->setEqLogic_id($eq->getId())->setEqType('jcTestDevice')->setLogicalId('temp')->setName('Temp')
                ->setType('info')->setSubType('numeric')->setIsHistorized(1)->save();
            $n = (int) rig_param('n', 10);
            $end = (int) (floor(time() / 60) * 60) - 3600;
            for ($i = 0; $i < $n; $i++) {
                DB::Prepare('INSERT INTO history (cmd_id, datetime, value) VALUES (?, ?, ?)',
                    array($cmd->getId(), date('Y-m-d H:i:s', $end - 60 * ($n - 1 - $i)), 18 + $i / 2), DB::FETCH_TYPE_ROW);
            }
            rig_answer(array('cmdId' => (string) $cmd->getId(), 'from' => $end - 60 * $n, 'to' => $end + 60));

        case 'eq_cmd_value':
            // the value of one of a phone's own commands (battery, position, ...), by its logical id
            $cmd = rig_eq(rig_param('id'))->getCmd('info', (string) rig_param('logicalId'));
            rig_answer(array('value' => is_object($cmd) ? $cmd->execCmd() : null));

        case 'create_eqs':
            $r = array();
            for ($i = 0; $i < (int) rig_param('count'); $i++) {
                $eq = rig_create_eq(rig_param('prefix') . $i, (string) rig_param('mode'), rig_json_param('cmds'));
                $r[] = array('id' => (string) $eq->getId(), 'apiKey' => $eq->getLogicalId());
            }
            rig_answer($r);

        case 'eq_get':
            rig_answer(rig_eq_view(rig_eq(rig_param('id'))));

        case 'add_widget':
            // a layout change: one more widget (a Jeedom command) on the phone's layout, saved (new config version)
            $eq = rig_eq(rig_param('id'));
            JeedomConnectLayout::addCmdWidget($eq, (string) rig_param('cmdId'));
            $eq->save();
            rig_answer(array('configVersion' => (int) rig_eq(rig_param('id'))->getConfiguration('configVersion')));

        case 'eq_save':
            // The equipment page's "Sauvegarder": core/ajax/eqLogic.ajax.php action=save (preAjax, a2o, save, postAjax).
            $form = rig_json_param('eqLogic');
            $form['id'] = rig_param('id');
            rig_eq_ajax_save($form);
            rig_answer(rig_eq_view(rig_eq(rig_param('id'))));

        case 'config_save':
            // The plugin configuration page's save: core/ajax/config.ajax.php action=addKey, plugin=JeedomConnect,
            // through HTTP: config::save() of every field of the page, the plugin's pre/postConfig hooks inside.
            rig_core_ajax('core/ajax/config.ajax.php', array('action' => 'addKey', 'plugin' => 'JeedomConnect',
                'value' => json_encode(rig_json_param('values'))));
            $r = array();
            foreach (array_keys(rig_json_param('values')) as $k) {
                $r[$k] = config::byKey($k, 'JeedomConnect', '', true);
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
            rig_answer(cache::byKey('jcTestDevice::execLog')->getValue(array()));

        case 'cmd_value':
            $cmd = cmd::byId(rig_param('cmdId'));
            rig_answer(array('value' => is_object($cmd) ? $cmd->execCmd() : null));

        case 'page_ajax':
            // an ajax call of one of the plugin's pages, in the logged-in admin's session (as the page makes it)
            rig_answer(array('state' => 'ok', 'result' => rig_core_ajax((string) rig_param('path'), rig_json_param('params'))));

        case 'deamon_info':
            rig_answer(JeedomConnect::deamon_info());

        case 'deamon_auto':
            // the plugin page's "Gestion automatique" of the daemon (Jeedom's checks and the plugin's minute cron)
            config::save('deamonAutoMode', rig_param('on') === '1' ? 1 : 0, 'JeedomConnect');
            rig_answer(array('auto' => (int) config::byKey('deamonAutoMode', 'JeedomConnect', '', true)));

        case 'deamon_start':
            config::save('deamonAutoMode', 1, 'JeedomConnect');
            $started = JeedomConnect::deamon_start();
            $info = JeedomConnect::deamon_info();
            $info['started'] = $started;
            $info['pid'] = rig_pid();
            rig_answer($info);

        case 'deamon_stop':
            // stopped on purpose: automatic management off, as a user does before stopping it from the plugin page
            // (else Jeedom's checks - and the plugin's minute cron - would start it again)
            config::save('deamonAutoMode', 0, 'JeedomConnect');
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
