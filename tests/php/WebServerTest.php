<?php
/* Web server side of WebSocket through Jeedom's web server: the Apache configuration (rendering,
 * install/update/remove command sequences with a recording runner on a private Apache tree, rollback when Apache
 * refuses it, `apache2 -t` on the real thing), and the plugin's hooks that drive it (install.php, port change,
 * option switched on). */
class WebServerTest extends JcTestCase {
    /** @var string */
    private $dir;
    /** @var array commands seen by the recording runner */
    private $cmds = array();
    /** @var string|null a command prefix that fails */
    private $failOn = null;

    protected function setUp(): void {
        parent::setUp();
        $this->dir = JC_TEST_BASE . '/apache-' . uniqid();
        @mkdir($this->dir . '/conf-available', 0775, true);
        @mkdir($this->dir . '/conf-enabled', 0775, true);
        $this->cmds = array();
        $this->failOn = null;
    }

    /** A web server on the private tree whose runner records the commands and simulates them (install, rm,
     * a2enconf/a2disconf as the symlink they manage); configtest/reload/a2enmod just succeed. */
    private function ws($sudo = 'sudo ') {
        $dir = $this->dir;
        $self = $this;
        return new JeedomConnectWebServer(array('apacheDir' => $dir, 'sudo' => $sudo, 'tmpDir' => JC_TEST_BASE . '/stage',
            'runner' => function ($cmd) use ($self, $dir) {
                return $self->simulate($cmd, $dir);
            }));
    }

    public function simulate($cmd, $dir) {
        $this->cmds[] = $cmd;
        if ($this->failOn !== null && strpos($cmd, $this->failOn) !== false) {
            return array(1, 'simulated failure');
        }
        $plain = preg_replace('/^sudo /', '', $cmd);
        $plain = preg_replace("/^APACHE_CONFDIR='[^']*' /", '', $plain);
        if (preg_match("/^install -m 0644 '([^']+)' '([^']+)'$/", $plain, $m)) {
            return array(copy($m[1], $m[2]) ? 0 : 1, '');
        }
        if (preg_match("/^rm -f '([^']+)'$/", $plain, $m)) {
            @unlink($m[1]);
            return array(0, '');
        }
        if ($plain === 'a2enconf -q jeedomconnect') {
            @symlink('../conf-available/jeedomconnect.conf', $dir . '/conf-enabled/jeedomconnect.conf');
            return array(0, '');
        }
        if ($plain === 'a2disconf -q jeedomconnect') {
            @unlink($dir . '/conf-enabled/jeedomconnect.conf');
            return array(0, '');
        }
        return array(0, '');
    }

    private function env() {
        return "APACHE_CONFDIR='" . $this->dir . "' ";
    }

    public function testRenderForwardsBothPathsToTheConfiguredPortOnLoopback() {
        $conf = $this->ws()->render(9123);
        $this->assertStringContainsString('ProxyPass "/plugins/JeedomConnect/ws" "ws://127.0.0.1:9123/ws" timeout=120', $conf);
        $this->assertStringContainsString('ProxyPass "/plugins/JeedomConnect/sse" "http://127.0.0.1:9123/sse" timeout=120 flushpackets=on', $conf);
        $this->assertStringContainsString('<Location "/plugins/JeedomConnect/sse">', $conf);
        $this->assertStringContainsString('SetEnv no-gzip 1', $conf);
        $this->assertStringContainsString('RequestHeader set X-Real-IP "expr=%{REMOTE_ADDR}"', $conf);
        $this->assertStringNotContainsString('#', preg_replace('/^\s*#.*$/m', '', $conf), 'every placeholder replaced');
        preg_match_all('#(?:ws|http)://([0-9.]+):(\d+)/#', $conf, $m);
        $this->assertSame(array('127.0.0.1', '127.0.0.1'), $m[1], 'only loopback targets');
        $this->assertSame(array('9123', '9123'), $m[2]);
        $this->assertGreaterThan(30, JeedomConnectWebServer::PROXY_TIMEOUT, 'longer than the daemon ping interval');
        // no other path of the site is forwarded
        preg_match_all('/^\s*ProxyPass\S*\s+"([^"]+)"/m', $conf, $paths);
        $this->assertSame(array('/plugins/JeedomConnect/ws', '/plugins/JeedomConnect/sse'), $paths[1]);
    }

    public function testRenderWithJeedomPathPrefixAndBadInput() {
        $conf = $this->ws()->render(8090, '/jeedom/');
        $this->assertStringContainsString('ProxyPass "/jeedom/plugins/JeedomConnect/ws" "ws://127.0.0.1:8090/ws"', $conf);
        $this->assertStringContainsString('<Location "/jeedom/plugins/JeedomConnect/sse">', $conf);
        $this->assertSame('', JeedomConnectWebServer::normalizePrefix('a" b'), 'never copied into Apache syntax');
        $this->assertSame('/a/b', JeedomConnectWebServer::normalizePrefix('a/b'));
        config::save('internalComplement', 'jeedom');
        $this->assertSame('/jeedom', JeedomConnectWebServer::configuredPrefix());
        $this->expectException(Exception::class);
        $this->ws()->render(70000);
    }

    public function testInstallSequenceThenIdempotentThenPortChange() {
        $ws = $this->ws();
        $r = $ws->install(9001);
        $this->assertSame('ok', $r['state'], $r['message']);
        $target = $this->dir . '/conf-available/jeedomconnect.conf';
        $this->assertSame(1, preg_match("/^sudo install -m 0644 '[^']+' '" . preg_quote($target, '/') . "'$/", $this->cmds[0]));
        $this->assertSame(array(
            'sudo ' . $this->env() . 'a2enmod -q proxy proxy_http proxy_wstunnel headers',
            'sudo ' . $this->env() . 'a2enconf -q jeedomconnect',
            'sudo ' . $this->env() . 'apache2ctl configtest',
            'sudo ' . $this->env() . 'apache2ctl graceful',
        ), array_slice($this->cmds, 1));
        $this->assertStringEqualsFile($target, $ws->render(9001));
        $this->assertTrue($ws->isInstalled(9001));
        $this->assertSame('installed', $ws->status(9001));
        $this->assertSame(array(), glob(JC_TEST_BASE . '/stage/*'), 'staged copy cleaned up');

        $this->cmds = array();
        $this->assertSame('unchanged', $ws->install(9001)['state']);
        $this->assertSame(array(), $this->cmds, 'nothing run, no reload, when already up to date');

        $this->assertSame('outdated', $ws->status(9002));
        $this->assertSame('ok', $ws->install(9002)['state']);
        $this->assertStringContainsString('ws://127.0.0.1:9002/ws', file_get_contents($target));
        $this->assertStringEndsWith('apache2ctl graceful', end($this->cmds));
    }

    public function testDefaultTreeHasNoConfdirAndNoSudoWhenRoot() {
        $ws = new JeedomConnectWebServer(array('apacheDir' => '/etc/apache2', 'sudo' => '', 'runner' => function ($c) {
            throw new Exception('not run');
        }));
        $this->assertSame('/etc/apache2/conf-available/jeedomconnect.conf', $ws->confAvailablePath());
        $this->assertSame('/etc/apache2/conf-enabled/jeedomconnect.conf', $ws->confEnabledPath());
        // command shapes on a real Jeedom: plain Debian tools, sudo prefix from system::getCmdSudo()
        $m = new ReflectionMethod('JeedomConnectWebServer', 'a2');
        $m->setAccessible(true);
        $this->assertSame('a2enconf -q jeedomconnect', $m->invoke($ws, 'a2enconf', 'jeedomconnect'));
        $sudo = new JeedomConnectWebServer(array('apacheDir' => '/etc/apache2', 'sudo' => 'sudo'));
        $this->assertSame('sudo a2disconf -q jeedomconnect', $m->invoke($sudo, 'a2disconf', 'jeedomconnect'));
    }

    public function testRefusedConfigurationIsRolledBackAndNeverReloaded() {
        $this->failOn = 'configtest';
        $r = $this->ws()->install(9001);
        $this->assertSame('error', $r['state']);
        $this->assertSame(array(
            'sudo ' . $this->env() . 'a2enmod -q proxy proxy_http proxy_wstunnel headers',
            'sudo ' . $this->env() . 'a2enconf -q jeedomconnect',
            'sudo ' . $this->env() . 'apache2ctl configtest',
            'sudo ' . $this->env() . 'a2disconf -q jeedomconnect',
            "sudo rm -f '" . $this->dir . "/conf-available/jeedomconnect.conf'",
        ), array_slice($this->cmds, 1));
        $this->assertFileDoesNotExist($this->dir . '/conf-available/jeedomconnect.conf');
        $this->assertFalse(is_link($this->dir . '/conf-enabled/jeedomconnect.conf'));
    }

    public function testRemoveSequenceLeavesTheRestOfTheSite() {
        file_put_contents($this->dir . '/conf-available/security.conf', "ServerTokens Prod\n");
        symlink('../conf-available/security.conf', $this->dir . '/conf-enabled/security.conf');
        $ws = $this->ws();
        $ws->install(9001);
        $this->cmds = array();
        $r = $ws->remove();
        $this->assertSame('ok', $r['state'], $r['message']);
        $this->assertSame(array(
            'sudo ' . $this->env() . 'a2disconf -q jeedomconnect',
            "sudo rm -f '" . $this->dir . "/conf-available/jeedomconnect.conf'",
            'sudo ' . $this->env() . 'apache2ctl configtest',
            'sudo ' . $this->env() . 'apache2ctl graceful',
        ), $this->cmds);
        $this->assertFalse($ws->isInstalled());
        $this->assertSame(array('security.conf'), array_values(array_diff(scandir($this->dir . '/conf-available'), array('.', '..'))));
        $this->assertTrue(is_link($this->dir . '/conf-enabled/security.conf'));
        $this->cmds = array();
        $this->assertSame('unchanged', $ws->remove()['state']);
        $this->assertSame(array(), $this->cmds, 'not installed: nothing run');
    }

    public function testNoApacheMeansNothingRun() {
        $ws = new JeedomConnectWebServer(array('apacheDir' => JC_TEST_BASE . '/nginx-box', 'runner' => function ($c) {
            throw new Exception('must not run ' . $c);
        }));
        $this->assertSame('skipped', $ws->install(8090)['state']);
        $this->assertSame('unchanged', $ws->remove()['state']);
        $this->assertSame('none', $ws->status(8090));
        // the test bootstrap points the default instance away from the machine's /etc/apache2
        $this->assertStringStartsWith(JC_TEST_BASE, getenv('JEEDOMCONNECT_APACHE_DIR'));
    }

    public function testPluginHooksInstallOnInstallPortChangeAndRemoveOnRemoval() {
        JeedomConnectWebServer::setInstance($this->ws());
        require_once JC_TEST_PLUGIN . '/plugin_info/install.php';
        config::save('port', '9100', 'JeedomConnect');
        $target = $this->dir . '/conf-available/jeedomconnect.conf';
        $this->assertStringContainsString('ws://127.0.0.1:9100/ws', (string) @file_get_contents($target), 'port change rewrites the configuration');
        @unlink($target);
        @unlink($this->dir . '/conf-enabled/jeedomconnect.conf');
        JeedomConnect_install();
        $this->assertStringContainsString('ws://127.0.0.1:9100/ws', (string) @file_get_contents($target), 'installed by JeedomConnect_install');
        $this->assertTrue(is_link($this->dir . '/conf-enabled/jeedomconnect.conf'));
        config::save('port', '9101', 'JeedomConnect');
        $this->assertStringContainsString('ws://127.0.0.1:9101/ws', file_get_contents($target));
        $this->cmds = array();
        JeedomConnect_update();
        $this->assertSame(array(), $this->cmds, 'update with nothing changed: no reload');
        JeedomConnect_remove();
        $this->assertFileDoesNotExist($target);
        $this->assertFalse(is_link($this->dir . '/conf-enabled/jeedomconnect.conf'));
        $this->assertSame('unchanged', JeedomConnectWebServer::removeConfigured()['state'], 'already removed');
    }

    public function testSwitchingTheOptionOnEnsuresTheConfiguration() {
        JeedomConnectWebServer::setInstance($this->ws());
        config::save('wsThroughJeedom', '1', 'JeedomConnect');
        $this->assertTrue(JeedomConnectWebServer::instance()->isInstalled(JeedomConnectConfig::port()));
    }

    public function testApacheAcceptsTheRenderedConfiguration() {
        $apache = trim((string) shell_exec('command -v apache2 || ls /usr/sbin/apache2 2>/dev/null'));
        if ($apache === '') {
            $this->markTestSkipped('apache2 not installed (bash tests/install-deps.sh)');
        }
        $conf = $this->dir . '/jeedomconnect.conf';
        file_put_contents($conf, $this->ws()->render(8090, '/jeedom'));
        $main = $this->minimalApache($conf, self::freePort());
        exec(escapeshellarg($apache) . ' -t -f ' . escapeshellarg($main) . ' 2>&1', $out, $rc);
        $this->assertSame(0, $rc, implode("\n", $out));
        $this->assertStringContainsString('Syntax OK', implode("\n", $out));
        // and the modules really are needed: without mod_proxy the same file is refused
        $bare = $this->minimalApache($conf, self::freePort(), array('proxy', 'proxy_http', 'proxy_wstunnel'));
        exec(escapeshellarg($apache) . ' -t -f ' . escapeshellarg($bare) . ' 2>&1', $out2, $rc2);
        $this->assertNotSame(0, $rc2);
    }

    /** A minimal Apache main configuration on loopback that Includes $include, with the LoadModule lines it needs. */
    private function minimalApache($include, $port, $without = array()) {
        $root = $this->dir . '/server-' . uniqid();
        @mkdir($root . '/run', 0775, true);
        @mkdir($root . '/htdocs', 0775, true);
        $mods = array('mpm_prefork', 'authz_core', 'env', 'headers', 'proxy', 'proxy_http', 'proxy_wstunnel');
        $lines = array('ServerRoot "' . $root . '"', 'ServerName 127.0.0.1', 'Listen 127.0.0.1:' . $port, 'PidFile "' . $root . '/httpd.pid"',
            'DefaultRuntimeDir "' . $root . '/run"', 'Mutex file:' . $root . '/run default', 'ErrorLog "' . $root . '/error.log"',
            'LogLevel warn', 'DocumentRoot "' . $root . '/htdocs"');
        if (posix_geteuid() === 0) {
            $lines[] = 'User www-data';
            $lines[] = 'Group www-data';
        }
        foreach ($mods as $m) {
            if (!in_array($m, $without, true)) {
                $lines[] = 'LoadModule ' . $m . '_module /usr/lib/apache2/modules/mod_' . $m . '.so';
            }
        }
        $lines[] = 'Include "' . $include . '"';
        $file = $root . '/httpd.conf';
        file_put_contents($file, implode("\n", $lines) . "\n");
        return $file;
    }
}
