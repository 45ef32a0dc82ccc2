<?php
/*
 * PHPUnit bootstrap: lays out a Jeedom web root in a temp folder - the fake core at <web>/core and a copy of the
 * plugin at <web>/plugins/JeedomConnect - so the plugin's "../../../../core/php/core.inc.php" resolves to the fake,
 * points the fake at a fresh SQLite file, and loads the plugin.
 */
$repo = realpath(__DIR__ . '/../..');
$base = sys_get_temp_dir() . '/jc-phpunit-' . getmypid();
$web = $base . '/web';

function jcTestCopy($src, $dst, $skip = array()) {
    if (is_dir($src)) {
        if (in_array(basename($src), $skip, true)) {
            return;
        }
        @mkdir($dst, 0775, true);
        foreach (scandir($src) as $f) {
            if ($f !== '.' && $f !== '..') {
                jcTestCopy($src . '/' . $f, $dst . '/' . $f, $skip);
            }
        }
    } elseif (is_file($src)) {
        copy($src, $dst);
        @chmod($dst, fileperms($src) & 0777);
    }
}

function jcTestRmrf($path) {
    if (is_dir($path) && !is_link($path)) {
        foreach (scandir($path) as $f) {
            if ($f !== '.' && $f !== '..') {
                jcTestRmrf($path . '/' . $f);
            }
        }
        @rmdir($path);
    } elseif (file_exists($path) || is_link($path)) {
        @unlink($path);
    }
}

jcTestRmrf($base);
jcTestCopy($repo . '/tests/fake-jeedom/core', $web . '/core');
foreach (array('core', 'desktop', 'plugin_info', 'resources') as $d) {
    jcTestCopy($repo . '/' . $d, $web . '/plugins/JeedomConnect/' . $d, array('bin'));
}
@mkdir($base . '/root', 0775, true);
@mkdir($web . '/core/config', 0775, true); // not in git: it only ever holds the generated fake.ini
file_put_contents($web . '/core/config/fake.ini', "db=" . $base . "/jeedom.sqlite\nroot=" . $base . "/root\n");
putenv('JEEDOM_FAKE_DB=' . $base . '/jeedom.sqlite');
putenv('JEEDOM_FAKE_ROOT=' . $base . '/root');

$bin = getenv('JEEDOMCONNECTD_BIN');
if ($bin === false || $bin === '') {
    $bin = $repo . '/target/debug/jeedomconnectd';
} elseif ($bin[0] !== '/') {
    $bin = $repo . '/' . $bin;
}
putenv('JEEDOMCONNECTD_BIN=' . $bin);

define('JC_TEST_REPO', $repo);
define('JC_TEST_BASE', $base);
define('JC_TEST_WEB', $web);
define('JC_TEST_PLUGIN', $web . '/plugins/JeedomConnect');

require_once JC_TEST_PLUGIN . '/core/class/JeedomConnect.class.php';
require_once __DIR__ . '/JcTestCase.php';

register_shutdown_function(function () use ($base) {
    // stop a daemon a failed test may have left running (only the one whose pid file is ours)
    try {
        JeedomConnectDaemon::stop();
    } catch (Throwable $e) {
    }
    if (getenv('JC_KEEP_TMP') !== '1') {
        jcTestRmrf($base);
    }
});
