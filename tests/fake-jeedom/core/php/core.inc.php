<?php
/*
 * Fake Jeedom core bootstrap (tests only).
 *
 * Lays out like the real core: <webroot>/core/php/core.inc.php, plugins in <webroot>/plugins/<id>/.
 * Storage is one SQLite file. Where things live is configurable, in this order:
 *   - environment (or Apache SetEnv): JEEDOM_FAKE_DB (SQLite file), JEEDOM_FAKE_ROOT (log/, tmp/, cache)
 *   - a file <webroot>/core/config/fake.ini with keys db= and root=
 *   - defaults: <system tmp>/fake-jeedom/{jeedom.sqlite,...}
 */
if (defined('JEEDOM_FAKE_CORE')) {
    return;
}
define('JEEDOM_FAKE_CORE', 1);
date_default_timezone_set('Europe/Paris');

require_once __DIR__ . '/utils.inc.php';
foreach (array('DB', 'config', 'cache', 'log', 'jeedom', 'network', 'system', 'message', 'event', 'listener',
    'user', 'jeeObject', 'scenario', 'eqLogic', 'cmd', 'jsonrpc', 'plugin', 'update', 'ajax', 'history') as $fakeClass) {
    require_once __DIR__ . '/../class/' . $fakeClass . '.class.php';
}
unset($fakeClass);

/* Jeedom's autoloader: class <id> / <id>Cmd -> plugins/<id>/core/class/<id>.class.php */
spl_autoload_register(function ($class) {
    $id = str_replace(array('Cmd', 'Real'), '', $class);
    $file = FakeJeedom::webroot() . '/plugins/' . $id . '/core/class/' . $id . '.class.php';
    if ($id !== '' && preg_match('/^[A-Za-z0-9_]+$/', $id) && file_exists($file)) {
        require_once $file;
    }
});

/* The fake Jeedom has no system web server of its own: unless told otherwise, the plugin's Apache configuration
 * (JeedomConnectWebServer) goes to <root>/apache2, which does not exist (=> "no Apache", nothing run). A rig that
 * wants it installed points JEEDOMCONNECT_APACHE_DIR at its own Apache tree (with a conf-available/ folder). */
if (getenv('JEEDOMCONNECT_APACHE_DIR') === false || getenv('JEEDOMCONNECT_APACHE_DIR') === '') {
    putenv('JEEDOMCONNECT_APACHE_DIR=' . FakeJeedom::root() . '/apache2');
}
