<?php
/* deamon_info / deamon_start / deamon_stop against the real jeedomconnectd binary (JEEDOMCONNECTD_BIN). */
class DaemonTest extends JcTestCase {
    private function useFreePorts() {
        config::save('port', self::freePort(), 'JeedomConnect');
        config::save('socketport', self::freePort(), 'JeedomConnect');
        config::save('bind', '127.0.0.1', 'JeedomConnect');
        config::save('daemonLog', '100', 'JeedomConnect');
    }

    protected function tearDown(): void {
        JeedomConnectDaemon::stop();
        parent::tearDown();
    }

    public function testInfoWithoutBinary() {
        $saved = getenv('JEEDOMCONNECTD_BIN');
        putenv('JEEDOMCONNECTD_BIN=' . JC_TEST_BASE . '/nope/jeedomconnectd');
        try {
            $info = JeedomConnect::deamon_info();
            $this->assertSame('nok', $info['state']);
            $this->assertSame('nok', $info['launchable']);
            $this->assertNotEmpty($info['launchable_message']);
            $this->assertSame('JeedomConnect', $info['log']);
            $this->assertSame('nok', JeedomConnect::additionnalDependancyCheck()['state']);
            $this->expectException(Exception::class);
            JeedomConnect::deamon_start();
        } finally {
            putenv('JEEDOMCONNECTD_BIN=' . $saved);
        }
    }

    public function testBinaryThatDoesNotRunIsNotLaunchable() {
        $saved = getenv('JEEDOMCONNECTD_BIN');
        $fake = JC_TEST_BASE . '/broken-jeedomconnectd';
        file_put_contents($fake, "#!/bin/sh\nexit 3\n");
        chmod($fake, 0755);
        putenv('JEEDOMCONNECTD_BIN=' . $fake);
        try {
            $info = JeedomConnect::deamon_info();
            $this->assertSame('nok', $info['launchable']);
            $this->assertStringContainsString('--version', $info['launchable_message']);
        } finally {
            putenv('JEEDOMCONNECTD_BIN=' . $saved);
        }
    }

    public function testDataDirIsNotServedByTheWebServer() {
        $dir = JeedomConnectDaemon::dataDir();
        @unlink($dir . '/.htaccess');
        $this->assertSame($dir, JeedomConnectDaemon::dataDir());
        $this->assertStringContainsString('Require all denied', (string) @file_get_contents($dir . '/.htaccess'));
        $this->assertStringContainsString('Require all denied', (string) file_get_contents(JC_TEST_PLUGIN . '/resources/.htaccess'));
    }

    public function testStalePidFileIsRemoved() {
        file_put_contents(JeedomConnectDaemon::pidFile(), "999999\n");
        $this->assertSame('nok', JeedomConnect::deamon_info()['state']);
        $this->assertFileDoesNotExist(JeedomConnectDaemon::pidFile());
    }

    public function testCommandLineHasNoSecret() {
        $this->useFreePorts();
        $cmd = JeedomConnectDaemon::commandLine();
        $this->assertStringNotContainsString(jeedom::getApiKey('JeedomConnect'), $cmd);
        $this->assertStringNotContainsString('--apikey', $cmd);
        foreach (array('--loglevel', '--socketport', '--websocketport', '--callback', '--pid', '--data-dir', '--bind') as $arg) {
            $this->assertStringContainsString($arg, $cmd);
        }
        $this->assertStringContainsString("'--loglevel' 'debug'", $cmd);
        $this->assertStringContainsString("'http://127.0.0.1:80/plugins/JeedomConnect/core/api/JeedomConnect.api.php'", $cmd);
    }

    public function testCallbackReachesThePluginApiOnLoopbackOnEveryHardware() {
        // Jeedom's internal access as a box has it: its LAN address, the web server's port (the rig's Apache)
        config::save('internalAddr', '192.168.1.10');
        config::save('internalPort', JC_CORE_ENV['JC_PORT']);
        foreach (array('docker', 'diy', 'rpi', 'smart', 'Luna', 'Atlas', 'freebox_delta') as $hardware) {
            config::save('hardware_name', $hardware);
            $this->assertSame($hardware, jeedom::getHardwareName());
            $url = JeedomConnectConfig::callbackUrl();
            $this->assertStringStartsWith('http://127.0.0.1:' . JC_CORE_ENV['JC_PORT'] . '/', $url, $hardware);
            $c = curl_init($url);
            curl_setopt_array($c, array(CURLOPT_POST => true, CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 10,
                CURLOPT_HTTPHEADER => array('Content-Type: application/json'),
                CURLOPT_POSTFIELDS => json_encode(array('jsonrpc' => '2.0', 'id' => 1, 'method' => 'PING'))));
            $answer = json_decode((string) curl_exec($c), true);
            curl_close($c);
            $this->assertSame('ok', is_array($answer) && isset($answer['result']) ? $answer['result'] : null, $hardware . ': ' . $url);
        }
    }

    public function testStartInfoStopWithTheRealDaemon() {
        $bin = getenv('JEEDOMCONNECTD_BIN');
        $this->assertFileExists($bin, 'build the daemon first (cargo build)');
        $this->assertSame('ok', JeedomConnect::deamon_info()['launchable']);
        $this->assertSame('ok', JeedomConnect::additionnalDependancyCheck()['state'], '--version matches plugin_info/version.json');
        $this->useFreePorts();
        $this->eq('P', $this->user());
        $t0 = microtime(true);
        $this->assertTrue(JeedomConnect::deamon_start(), file_get_contents(log::getPathToLog('JeedomConnect_daemon')));
        $this->assertLessThan(10, microtime(true) - $t0);
        $info = JeedomConnect::deamon_info();
        $this->assertSame('ok', $info['state']);
        $pid = JeedomConnectDaemon::readPid();
        $this->assertGreaterThan(0, $pid);
        $this->assertFileExists(JeedomConnectDaemon::pidFile());
        // the plugin key is in the environment, not on the command line
        $cmdline = str_replace("\0", ' ', (string) file_get_contents('/proc/' . $pid . '/cmdline'));
        $this->assertStringContainsString('--socketport', $cmdline);
        $this->assertStringNotContainsString(jeedom::getApiKey('JeedomConnect'), $cmdline);
        $this->assertStringContainsString('JEEDOMCONNECTD_APIKEY=' . jeedom::getApiKey('JeedomConnect'), (string) file_get_contents('/proc/' . $pid . '/environ'));
        // the control socket answers STATUS
        $status = JeedomConnectControl::status();
        $this->assertIsArray($status, 'STATUS reply');
        $this->assertSame('2.0.0', $status['version']);
        $t0 = microtime(true);
        JeedomConnect::deamon_stop();
        $this->assertLessThan(5, microtime(true) - $t0, 'stopped within seconds');
        $this->assertFalse(JeedomConnectDaemon::processAlive($pid));
        $this->assertSame('nok', JeedomConnect::deamon_info()['state']);
        $this->assertFileDoesNotExist(JeedomConnectDaemon::pidFile());
        $this->assertStringNotContainsString(jeedom::getApiKey('JeedomConnect'), (string) @file_get_contents(log::getPathToLog('JeedomConnect_daemon')), 'no key in the daemon log');
        $this->assertStringNotContainsString(jeedom::getApiKey('JeedomConnect'), (string) @file_get_contents(log::getPathToLog('JeedomConnect')), 'no key in the plugin log');
    }

    public function testStartTwiceRestartsAndListenerReachesTheRealDaemon() {
        $this->useFreePorts();
        JeedomConnectListener::install();
        $c = $this->infoCmd('C', '1');
        $this->setLayout($this->eq('P', $this->user()), array($c->getId()));
        $this->assertTrue(JeedomConnect::deamon_start());
        $first = JeedomConnectDaemon::readPid();
        $this->assertTrue(JeedomConnect::deamon_start());
        $second = JeedomConnectDaemon::readPid();
        $this->assertNotSame($first, $second);
        $this->assertFalse(JeedomConnectDaemon::processAlive($first), 'old daemon stopped by the restart');
        $ack = JeedomConnectControl::events(array(array('type' => 'CMD_INFO', 'payload' => array(JeedomConnectInfo::cmdInfo(cmd::byId($c->getId()))))), true);
        $this->assertIsArray($ack);
        $this->assertTrue($ack['ok']);
    }

    /** Waits (bounded) for the next run of the core's plugin::cron by the rig's jeeCron to finish after $_since. */
    private function waitPluginCronRun($_since, $_seconds = 90) {
        $cron = cron::byClassAndFunction('plugin', 'cron');
        $deadline = time() + $_seconds;
        while (time() < $deadline) {
            $cron = cron::byId($cron->getId());
            if (strtotime($cron->getLastRun()) >= $_since && $cron->getState() !== 'run') {
                return true;
            }
            usleep(500000);
        }
        return false;
    }

    public function testKilledDaemonIsRestartedByTheMinuteCronRespectingTheGuard() {
        // Jeedom's 5-minute daemon check is switched off here: only the plugin's own minute cron can restart it
        $check = cron::byClassAndFunction('plugin', 'checkDeamon');
        $check->setEnable(0);
        $check->save();
        try {
            config::save('deamonAutoMode', 1, 'JeedomConnect');
            $this->assertTrue(JeedomConnectDaemon::start());
            $pid = JeedomConnectDaemon::readPid();
            // started long enough ago for Jeedom's 45 s anti-relaunch guard (cache deamonStart<id>inprogress)
            cache::set('deamonStartJeedomConnectinprogress', array('datetime' => time() - 120));
            $killedAt = time();
            posix_kill($pid, 9);
            $this->assertTrue($this->waitPluginCronRun($killedAt + 1), 'jeeCron ran plugin::cron');
            $newPid = JeedomConnectDaemon::readPid();
            $this->assertNotSame($pid, $newPid);
            $this->assertTrue(JeedomConnectDaemon::processAlive($newPid), 'the minute cron restarted the killed daemon');
            $guard = cache::byKey('deamonStartJeedomConnectinprogress')->getValue(array());
            $this->assertGreaterThanOrEqual($killedAt, $guard['datetime'], 'through the core\'s guarded deamon_start');
            // killed again, just after a start by someone else (the guard set < 45 s before the next cron run):
            // the run leaves it down
            posix_kill($newPid, 9);
            for ($i = 0; $i < 130 && (int) date('s') < 50; $i++) {
                usleep(500000);
            }
            $guardAt = time();
            cache::set('deamonStartJeedomConnectinprogress', array('datetime' => $guardAt));
            $this->assertTrue($this->waitPluginCronRun($guardAt + 1), 'jeeCron ran plugin::cron again');
            $this->assertLessThan(45, time() - $guardAt, 'the check happened inside the guard\'s 45 s');
            $this->assertSame('nok', JeedomConnectDaemon::info()['state'], 'not restarted inside the anti-relaunch guard');
        } finally {
            $check = cron::byId($check->getId());
            $check->setEnable(1);
            $check->save();
            config::save('deamonAutoMode', 0, 'JeedomConnect');
        }
    }

    public function testDaemonRunsAtTheUsersLogLevelAfterThePluginIsEnabledAgain() {
        $debug = array('100' => '1', '200' => '0', '300' => '0', '400' => '0', '1000' => '0', 'default' => '0');
        config::save('log::level::JeedomConnect', $debug); // the plugin page's log configuration: Debug
        $plugin = plugin::byId('JeedomConnect');
        $plugin->setIsEnable(0);
        $plugin->setIsEnable(1); // Jeedom resets the plugin's log level to "default" here
        $this->assertTrue(JeedomConnectDaemon::start());
        $cmdline = str_replace("\0", ' ', (string) file_get_contents('/proc/' . JeedomConnectDaemon::readPid() . '/cmdline'));
        $this->assertStringContainsString('--loglevel debug', $cmdline);
        $this->assertEquals($debug, config::byKey('log::level::JeedomConnect', 'core', '', true), 'the user\'s choice is back');
        // a choice made after the activation stays
        $info = array('100' => '0', '200' => '1', '300' => '0', '400' => '0', '1000' => '0', 'default' => '0');
        config::save('log::level::JeedomConnect', $info);
        $this->assertTrue(JeedomConnectDaemon::start());
        $cmdline = str_replace("\0", ' ', (string) file_get_contents('/proc/' . JeedomConnectDaemon::readPid() . '/cmdline'));
        $this->assertStringContainsString('--loglevel info', $cmdline);
    }
}
