<?php
/*
 * PHPUnit bootstrap: the tests run inside the rig's REAL Jeedom core (tests/jeedom/up.sh; JC_CORE names its
 * folder), as the web user, with the plugin as installed there (plugins/JeedomConnect). Each test starts from the
 * data the install left (JcTestCase::setUp -> JcRig::reset), not from a new install.
 */
$core = getenv('JC_CORE');
if ($core === false || !is_file($core . '/env')) {
    fwrite(STDERR, "JC_CORE must name a running test core (bash tests/php/run.sh sets one up)\n");
    exit(2);
}
$env = parse_ini_file($core . '/env', false, INI_SCANNER_RAW);

define('JC_CORE', $core);
define('JC_TEST_WEB', $env['JC_WEB']);
define('JC_TEST_PLUGIN', JC_TEST_WEB . '/plugins/JeedomConnect');
define('JC_TEST_BASE', sys_get_temp_dir() . '/jc-phpunit-' . getmypid()); // the web user's own scratch folder
define('JC_CORE_ENV', $env);

require_once JC_TEST_WEB . '/core/php/core.inc.php';
require_once JC_TEST_PLUGIN . '/core/class/JeedomConnect.class.php';
require_once JC_TEST_WEB . '/plugins/jcTestDevice/core/class/jcTestDevice.class.php';
require_once __DIR__ . '/JcRig.php';
require_once __DIR__ . '/JcCoreHttp.php';
require_once __DIR__ . '/JcTestCase.php';

@mkdir(JC_TEST_BASE, 0775, true);
if (getenv('JEEDOMCONNECTD_BIN') === false || getenv('JEEDOMCONNECTD_BIN') === '') {
    putenv('JEEDOMCONNECTD_BIN=' . JC_TEST_PLUGIN . '/resources/bin/jeedomconnectd');
}
// never the machine's Apache: the plugin's default web-server instance gets a folder of the test run
putenv('JEEDOMCONNECT_APACHE_DIR=' . JC_TEST_BASE . '/apache2');
// the tests start and stop daemons themselves: Jeedom's automatic daemon management (jeeCron) stays off meanwhile
config::save('deamonAutoMode', 0, 'JeedomConnect');
JcRig::snapshot();

register_shutdown_function(function () {
    // stop a daemon a failed test may have left running (only the one whose pid file is ours), give the core back
    try {
        JeedomConnectDaemon::stop();
    } catch (Throwable $e) {
    }
    JcRig::reset();
    config::save('deamonAutoMode', 1, 'JeedomConnect');
    if (getenv('JC_KEEP_TMP') !== '1') {
        exec('rm -rf ' . escapeshellarg(JC_TEST_BASE));
    }
});
