<?php
/* Update over the previous plugin of the same id (1.20.x): its Python daemon is stopped (pid file, then command
 * line) and only it, its maintenance crons and device listeners are removed while automations stay, the methods
 * Jeedom may still call answer, and every phone's configVersion is bumped. */
class UpgradeTest extends JcTestCase {
    private $spawned = array();

    protected function tearDown(): void {
        foreach ($this->spawned as $p) {
            $st = proc_get_status($p);
            if ($st['running']) {
                posix_kill($st['pid'], 9);
            }
            proc_close($p);
        }
        $this->spawned = array();
        exec('rm -rf ' . escapeshellarg(JC_TEST_PLUGIN . '/resources/JeedomConnectd'));
        parent::tearDown();
    }

    /** A process with the given command line, started in a folder laid out as the previous plugin's: by default
     * this plugin's own folder, as the previous plugin started its daemon (bounded: 60 s). */
    private function spawn(array $_cmd, $_dir = JC_TEST_PLUGIN) {
        $dir = $_dir;
        @mkdir($dir . '/resources/JeedomConnectd', 0775, true);
        foreach (array('JeedomConnectd.py', 'JeedomConnectd.py.bak') as $f) {
            file_put_contents($dir . '/resources/JeedomConnectd/' . $f, "import time\ntime.sleep(60)\n");
        }
        $p = proc_open($_cmd, array(0 => array('file', '/dev/null', 'r'), 1 => array('file', '/dev/null', 'w'), 2 => array('file', '/dev/null', 'w')), $pipes, $dir);
        $this->assertTrue(is_resource($p));
        $this->spawned[] = $p;
        $pid = proc_get_status($p)['pid'];
        $deadline = microtime(true) + 5;
        while (microtime(true) < $deadline && strpos((string) @file_get_contents('/proc/' . $pid . '/cmdline'), 'JeedomConnectd') === false) {
            usleep(20000);
        }
        return $pid;
    }

    private function running($_pid) {
        foreach ($this->spawned as $p) {
            $st = proc_get_status($p);
            if ($st['pid'] === $_pid) {
                return $st['running'];
            }
        }
        return false;
    }

    private function python() {
        $py = trim((string) shell_exec('command -v python3'));
        if ($py === '') {
            $this->markTestSkipped('python3 not installed');
        }
        return $py;
    }

    public function testStopEndsThePreviousPythonDaemonAndNothingElse() {
        $py = $this->python();
        $byPidFile = $this->spawn(array($py, '-m', 'resources.JeedomConnectd.JeedomConnectd', '--socketport', '58090', '--pid', JeedomConnectDaemon::pidFile()));
        $byCmdline = $this->spawn(array($py, '-m', 'resources.JeedomConnectd.JeedomConnectd', '--websocketport', '8090'));
        $oldScript = $this->spawn(array($py, 'resources/JeedomConnectd/JeedomConnectd.py'));
        $decoy = $this->spawn(array($py, 'resources/JeedomConnectd/JeedomConnectd.py.bak', 'resources.JeedomConnectd.JeedomConnectd', '-m'));
        $decoy2 = $this->spawn(array('/bin/sh', '-c', 'sleep 60', 'resources.JeedomConnectd.JeedomConnectd'));
        // the same daemon of another Jeedom on the machine (another folder): not this plugin's to stop
        $otherModule = $this->spawn(array($py, '-m', 'resources.JeedomConnectd.JeedomConnectd', '--websocketport', '8090'), JC_TEST_BASE . '/upstream');
        $otherScript = $this->spawn(array($py, 'resources/JeedomConnectd/JeedomConnectd.py'), JC_TEST_BASE . '/upstream');
        file_put_contents(JeedomConnectDaemon::pidFile(), (string) $byPidFile);
        $this->assertTrue(JeedomConnectDaemon::isUpstreamProcess($byPidFile));
        $this->assertFalse(JeedomConnectDaemon::isUpstreamProcess($decoy2));
        $this->assertTrue(JeedomConnect::deamon_stop());
        $this->assertFalse($this->running($byPidFile), 'the pid file\'s process');
        $this->assertFalse($this->running($byCmdline), 'found by its command line');
        $this->assertFalse($this->running($oldScript), 'the script form of older versions');
        $this->assertTrue($this->running($decoy), 'a python process that only mentions the names');
        $this->assertTrue($this->running($decoy2), 'a non-python process');
        $this->assertTrue($this->running($otherModule), 'the module run from another folder');
        $this->assertTrue($this->running($otherScript), 'the script of another folder');
        $this->assertFileDoesNotExist(JeedomConnectDaemon::pidFile());
    }

    public function testDaemonInfoIsNotFooledByThePreviousDaemonsPidFile() {
        $py = $this->python();
        $old = $this->spawn(array($py, '-m', 'resources.JeedomConnectd.JeedomConnectd', '--pid', JeedomConnectDaemon::pidFile()));
        file_put_contents(JeedomConnectDaemon::pidFile(), (string) $old);
        $info = JeedomConnect::deamon_info();
        $this->assertSame('nok', $info['state'], 'the previous plugin\'s daemon is not ours');
        $this->assertFileExists(JeedomConnectDaemon::pidFile(), 'kept for deamon_stop()');
        // another live process under a recycled pid
        $other = $this->spawn(array('/bin/sh', '-c', 'sleep 60'));
        file_put_contents(JeedomConnectDaemon::pidFile(), (string) $other);
        $this->assertSame('nok', JeedomConnect::deamon_info()['state']);
        // deamon_stop() (the first step of Jeedom's start) ends the previous daemon by the pid file
        file_put_contents(JeedomConnectDaemon::pidFile(), (string) $old);
        $this->assertTrue(JeedomConnect::deamon_stop());
        $this->assertFalse($this->running($old));
        $this->assertTrue($this->running($other), 'not a daemon: left alone');
        // a pid file left by a process that is gone
        file_put_contents(JeedomConnectDaemon::pidFile(), (string) $old);
        $this->assertSame('nok', JeedomConnect::deamon_info()['state']);
        $this->assertFileDoesNotExist(JeedomConnectDaemon::pidFile());
    }

    public function testUpdateHookRemovesThePreviousPythonEnvironment() {
        require_once JC_TEST_PLUGIN . '/plugin_info/install.php';
        $res = JC_TEST_PLUGIN . '/resources';
        @mkdir($res . '/venv/bin', 0775, true);
        @mkdir($res . '/venv/lib/python3.11/site-packages/websocket_server', 0775, true);
        file_put_contents($res . '/venv/lib/python3.11/site-packages/websocket_server/__init__.py', '');
        $outside = JC_TEST_BASE . '/outside';
        @mkdir($outside, 0775, true);
        file_put_contents($outside . '/keep', 'x');
        symlink($outside, $res . '/venv/bin/link-to-outside');
        @mkdir($res . '/JeedomConnectd', 0775, true);
        file_put_contents($res . '/JeedomConnectd/JeedomConnectd.py', "pass\n");
        JeedomConnect_update();
        $this->assertFileDoesNotExist($res . '/venv');
        $this->assertFileDoesNotExist($res . '/JeedomConnectd');
        $this->assertFileExists($outside . '/keep', 'a link is removed, never followed');
        $this->assertFileExists($res . '/install_daemon.sh');
    }

    public function testUpdateHookReplacesThePreviousPluginsSchedulesAndBumpsEveryPhone() {
        $py = $this->python();
        require_once JC_TEST_PLUGIN . '/plugin_info/install.php';
        $eq = $this->eq('P', $this->user());
        $layout = JeedomConnectLayout::emptyConfig();
        $layout['payload']['configVersion'] = 3;
        JeedomConnectLayout::write($eq->getLogicalId(), $layout);
        $eq->setConfiguration('configVersion', 3)->save();
        foreach (array('checkDaemon' => '0 0 * * 1', 'removeBackupFiles' => '0 23 * * *', 'jobExecutor' => '*/5 * * * *') as $function => $schedule) {
            $cron = new cron();
            $cron->setClass('JeedomConnect')->setFunction($function)->setSchedule($schedule)->setEnable(1)->setTimeout(5);
            if ($function === 'jobExecutor') {
                $cron->setOption(array('id' => 'auto-1', 'eqLogicId' => $eq->getId()));
            }
            $cron->save();
        }
        // the previous plugin's tile listener follows a command of cmdInShortcut; its control listener follows
        // nothing any more (no active control)
        $tile = cmd::byEqLogicIdAndLogicalId($eq->getId(), 'battery');
        $eq->setConfiguration('cmdInShortcut', (string) $tile->getId())->save(true);
        foreach (array('sendCmdInfoToShortcut', 'sendActiveControl', 'jobExecutor') as $function) {
            $l = new listener();
            $l->setClass('JeedomConnect')->setFunction($function)->setOption(array('id' => $eq->getId()))
                ->addEvent($function === 'sendCmdInfoToShortcut' ? '#' . $tile->getId() . '#' : '#1#')->save();
        }
        $old = $this->spawn(array($py, '-m', 'resources.JeedomConnectd.JeedomConnectd', '--pid', JeedomConnectDaemon::pidFile()));
        file_put_contents(JeedomConnectDaemon::pidFile(), (string) $old);

        JeedomConnect_update();

        $this->assertFalse($this->running($old), 'the previous daemon is stopped');
        $this->assertFalse(is_object(cron::byClassAndFunction('JeedomConnect', 'checkDaemon')));
        $this->assertFalse(is_object(cron::byClassAndFunction('JeedomConnect', 'removeBackupFiles')));
        $this->assertTrue(is_object(cron::byClassAndFunction('JeedomConnect', 'jobExecutor')), 'an automation stays');
        $tiles = listener::searchClassFunctionOption('JeedomConnect', 'sendCmdInfoToShortcut');
        $this->assertCount(1, $tiles, 'the tile listener stays (it works here)');
        $this->assertSame(array('#' . $tile->getId() . '#'), $tiles[0]->getEvent());
        $this->assertSame(array(), listener::searchClassFunctionOption('JeedomConnect', 'sendActiveControl'), 'nothing to follow');
        $this->assertCount(1, listener::searchClassFunctionOption('JeedomConnect', 'jobExecutor'));
        $eq = eqLogic::byId($eq->getId());
        $this->assertSame(4, (int) $eq->getConfiguration('configVersion'));
        $this->assertSame(4, JeedomConnectLayout::stored($eq)['payload']['configVersion']);
        // what Jeedom may still call answers (no unknown method)
        foreach (array('checkDaemon', 'removeBackupFiles', 'sendCmdInfoToShortcut', 'sendActiveControl', 'jobExecutor') as $function) {
            $this->assertTrue(method_exists('JeedomConnect', $function), $function);
            call_user_func(array('JeedomConnect', $function), array('id' => $eq->getId(), 'eqLogicId' => $eq->getId()));
        }
    }
}
