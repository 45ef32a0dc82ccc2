<?php
/* Fake Jeedom core: global helper functions (subset of core/php/utils.inc.php) and the FakeJeedom locator. */

class FakeJeedom {
    private static $settings = null;

    public static function webroot() {
        return dirname(__DIR__, 2);
    }

    private static function setting($env, $iniKey, $default) {
        $v = getenv($env);
        if (($v === false || $v === '') && isset($_SERVER[$env])) {
            $v = $_SERVER[$env];
        }
        if ($v !== false && $v !== '' && $v !== null) {
            return $v;
        }
        if (self::$settings === null) {
            $ini = __DIR__ . '/../config/fake.ini';
            self::$settings = file_exists($ini) ? (array) parse_ini_file($ini) : array();
        }
        return isset(self::$settings[$iniKey]) && self::$settings[$iniKey] !== '' ? self::$settings[$iniKey] : $default;
    }

    /** Folder holding log/, tmp/ (and anything runtime). */
    public static function root() {
        $root = self::setting('JEEDOM_FAKE_ROOT', 'root', sys_get_temp_dir() . '/fake-jeedom');
        if (!is_dir($root)) {
            @mkdir($root, 0775, true);
        }
        return $root;
    }

    public static function dbFile() {
        return self::setting('JEEDOM_FAKE_DB', 'db', self::root() . '/jeedom.sqlite');
    }

    /** Test helper: empty every table. */
    public static function reset() {
        DB::reset();
        config::clearStatic();
    }
}

function init($_name, $_default = '') {
    if (isset($_GET[$_name])) {
        return $_GET[$_name];
    }
    if (isset($_POST[$_name])) {
        return $_POST[$_name];
    }
    if (isset($_REQUEST[$_name])) {
        return $_REQUEST[$_name];
    }
    return $_default;
}

function __($_content, $_name = '') {
    return $_content;
}

function getmicrotime() {
    return microtime(true);
}

function is_json($_string, $_default = false) {
    if (!is_string($_string)) {
        return $_default;
    }
    $r = json_decode($_string, true);
    return (json_last_error() === JSON_ERROR_NONE && is_array($r)) ? $r : $_default;
}

/* "a=1 b=2" -> array('a' => '1', 'b' => '2') (core arg2array) */
function arg2array($_string) {
    $return = array();
    if (!is_string($_string) || trim($_string) === '') {
        return $return;
    }
    preg_match_all('/(\w+)=("[^"]*"|\'[^\']*\'|\S+)/', $_string, $m, PREG_SET_ORDER);
    foreach ($m as $pair) {
        $return[$pair[1]] = trim($pair[2], '"\'');
    }
    return $return;
}

function isConnect($_right = '') {
    $v = getenv('JEEDOM_FAKE_NOT_CONNECTED');
    return !($v === '1');
}

function include_file($_folder, $_fn, $_type, $_plugin = '') {
    $path = FakeJeedom::webroot() . '/' . ($_plugin !== '' ? 'plugins/' . $_plugin . '/' : '') . $_folder . '/' . $_fn;
    if ($_type === 'php') {
        $path .= '.php';
        if (file_exists($path)) {
            include $path;
        }
        return;
    }
    if ($_type === 'js') {
        echo '<script src="' . htmlspecialchars(str_replace(FakeJeedom::webroot() . '/', '', $path) . '.js') . '"></script>';
        return;
    }
    if ($_type === 'css') {
        echo '<link rel="stylesheet" href="' . htmlspecialchars(str_replace(FakeJeedom::webroot() . '/', '', $path) . '.css') . '">';
    }
}

function sendVarToJS($_varName, $_value = '') {
    echo '<script>var ' . $_varName . ' = ' . json_encode($_value) . ';</script>';
}

function displayException($e) {
    return $e->getMessage();
}

/* Jeedom's utils::getJsonAttr / setJsonAttr: the key-value fields of eqLogic, cmd and scenario (configuration,
 * display, status) all read and write through these. $_emptyIsDefault: a stored '' reads as the default (Jeedom's
 * configuration semantics). */
class utils {
    public static function getJsonAttr($_attr, $_key = '', $_default = '', $_emptyIsDefault = false) {
        if ($_key === '') {
            return $_attr;
        }
        if (!isset($_attr[$_key]) || ($_emptyIsDefault && $_attr[$_key] === '')) {
            return $_default;
        }
        return $_attr[$_key];
    }

    public static function setJsonAttr(&$_attr, $_key, $_value) {
        if (!is_array($_attr)) {
            $_attr = array();
        }
        $_attr[$_key] = $_value;
    }
}
