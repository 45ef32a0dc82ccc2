<?php
/*
 * The app's administration methods as upstream 1.20.6 answers them, for a phone whose configured user is an admin:
 * GET_LOG, DAEMON_PLUGIN_RESTART, DAEMON_PLUGIN_STOP, DO_PLUGIN_UPDATE. Jeedom's desktop refuses these to other
 * users: so do we (upstream does not check), and GET_LOG stays inside Jeedom's log folder (upstream concatenates).
 */
class AdminTest extends JcDiffTestCase {
    /** Both web roots have their own copy of the core tree, so each its own log folder: the same file in both. */
    private function putLog($name, $text) {
        foreach (array(JC_CORE_ENV['JC_WEB'], JC_UPSTREAM_ENV['UP_WEB']) as $web) {
            $f = $web . '/log/' . $name;
            @mkdir(dirname($f), 0775, true);
            file_put_contents($f, $text);
        }
    }

    private function phone($profil) {
        return $this->eq('phone-' . $profil, $this->user('adm-' . $profil, $profil))->getLogicalId();
    }

    public function testGetLogForAnAdminsPhone() {
        $key = $this->phone('admin');
        $this->putLog('jcAdminTest', "line one\nligne deux é\n");
        $this->putLog('scenarioLog/scenario4242.log', "[2026] scenario start\n");
        $r = $this->assertSameAnswer('GET_LOG', array('apiKey' => $key, 'type' => 'plugin', 'id' => 'jcAdminTest'));
        $this->assertSame(array('type' => 'SET_LOG', 'payload' => json_encode("line one\nligne deux é\n")), $r['result']);
        $r = $this->assertSameAnswer('GET_LOG', array('apiKey' => $key, 'type' => 'scenario', 'id' => '4242'));
        $this->assertSame(json_encode("[2026] scenario start\n"), $r['result']['payload']);
        $r = $this->assertSameAnswer('GET_LOG', array('apiKey' => $key, 'type' => 'scenario', 'id' => 4242));
        $this->assertSame(json_encode("[2026] scenario start\n"), $r['result']['payload']);
        // no such log: the same text as upstream
        $r = $this->assertSameAnswer('GET_LOG', array('apiKey' => $key, 'type' => 'plugin', 'id' => 'jcAdminTest-none'));
        $this->assertSame(json_encode('pas de log disponible - fichier introuvable'), $r['result']['payload']);
        $this->assertSameAnswer('GET_LOG', array('apiKey' => $key, 'type' => 'scenario', 'id' => '999999'));
    }

    public function testGetLogStaysInJeedomsLogFolder() {
        $key = $this->phone('admin');
        // upstream reads any file the web user can: here the core's database password
        $p = array('apiKey' => $key, 'type' => 'plugin', 'id' => '../core/config/common.config.php');
        $up = $this->upstream('GET_LOG', $p);
        $this->assertStringContainsString('password', json_decode($up['result']['payload'], true));
        $this->assertSame("Error with 'GET_LOG' method [API] - id: the name of a log of Jeedom's log folder is expected", $this->assertOurRefusal('GET_LOG', $p));
        foreach (array('/etc/passwd', 'scenarioLog/../../core/config/common.config.php', '', array('x'), null) as $bad) {
            $this->assertOurRefusal('GET_LOG', array('apiKey' => $key, 'type' => 'plugin', 'id' => $bad));
        }
        $this->assertSame("Error with 'GET_LOG' method [API] - id: a scenario id is expected",
            $this->assertOurRefusal('GET_LOG', array('apiKey' => $key, 'type' => 'scenario', 'id' => '1/../../x')));
        // a link in the log folder that leads out of it
        @unlink(JC_CORE_ENV['JC_WEB'] . '/log/jcAdminLink');
        symlink(JC_CORE_ENV['JC_WEB'] . '/core/config/common.config.php', JC_CORE_ENV['JC_WEB'] . '/log/jcAdminLink');
        try {
            $this->assertOurRefusal('GET_LOG', array('apiKey' => $key, 'type' => 'plugin', 'id' => 'jcAdminLink'));
        } finally {
            unlink(JC_CORE_ENV['JC_WEB'] . '/log/jcAdminLink');
        }
    }

    /** Upstream serves a non-admin's phone; the desktop would refuse that user: we refuse. */
    private function refusedToANonAdmin($method, $params, $upstreamResult) {
        foreach (array('user', 'restrict') as $profil) {
            $p = array_merge(array('apiKey' => $this->phone($profil)), $params);
            $up = $this->upstream($method, $p);
            $this->assertSame($upstreamResult, $up['result'], $profil . ' ' . json_encode($up));
            $our = $this->ours($method, $p);
            $this->assertSame(array('type' => 'EXCEPTION', 'payload' => array('message' => 'Vous devez être admin pour cette action')), $our['result'], $profil);
        }
    }

    public function testNonAdminsPhoneIsRefused() {
        $this->putLog('jcAdminTest', "secret line\n");
        $this->refusedToANonAdmin('GET_LOG', array('type' => 'plugin', 'id' => 'jcAdminTest'), array('type' => 'SET_LOG', 'payload' => json_encode("secret line\n")));
        $this->refusedToANonAdmin('DAEMON_PLUGIN_RESTART', array('userId' => '1', 'pluginId' => 'jcTestDevice'), array('type' => 'SET_DAEMON_PLUGIN_RESTART', 'payload' => true));
        $this->refusedToANonAdmin('DAEMON_PLUGIN_STOP', array('userId' => '1', 'pluginId' => 'jcTestDevice'), array('type' => 'SET_DAEMON_PLUGIN_STOP', 'payload' => true));
        $this->refusedToANonAdmin('DO_PLUGIN_UPDATE', array('pluginId' => 'jcAdminNoSuchPlugin'), array('type' => 'SET_PLUGIN_UPDATE', 'payload' => false));
    }

    public function testDaemonRestartAndStop() {
        $key = $this->phone('admin');
        foreach (array('DAEMON_PLUGIN_RESTART', 'DAEMON_PLUGIN_STOP') as $m) {
            $type = $m === 'DAEMON_PLUGIN_RESTART' ? 'SET_DAEMON_PLUGIN_RESTART' : 'SET_DAEMON_PLUGIN_STOP';
            // a plugin without a daemon of its own: Jeedom has nothing to do, both answer true
            $this->assertSame(array('type' => $type, 'payload' => true),
                $this->assertSameAnswer($m, array('apiKey' => $key, 'userId' => '1', 'pluginId' => 'jcTestDevice'))['result']);
            // a plugin Jeedom does not have: Jeedom's own error, as upstream
            list($up, $our) = $this->assertBothRefuse($m, array('apiKey' => $key, 'userId' => '1', 'pluginId' => 'jcAdminNoSuchPlugin'));
            $this->assertSame("Error with '" . $m . "' method [API] - Plugin introuvable : jcAdminNoSuchPlugin", $up);
            $this->assertSame($up, $our);
            // not a plugin id (upstream would take a path: plugin::byId() accepts one)
            $this->assertOurRefusal($m, array('apiKey' => $key, 'pluginId' => '../../etc'));
            $this->assertOurRefusal($m, array('apiKey' => $key));
        }
    }

    public function testOurOwnDaemonIsNotCutByARequestItCarries() {
        // a request relayed by our daemon (WebSocket, /rpc): stopping or restarting that daemon would cut its own
        // answer and the phone's connection: refused, with the way to do it
        $key = $this->phone('admin');
        $url = JC_CORE_ENV['JC_URL'] . self::API . '?apikey=' . urlencode(jeedom::getApiKey('JeedomConnect'));
        foreach (array('DAEMON_PLUGIN_RESTART', 'DAEMON_PLUGIN_STOP') as $m) {
            $c = curl_init($url);
            curl_setopt_array($c, array(CURLOPT_POST => true, CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 60,
                CURLOPT_HTTPHEADER => array('Content-Type: application/json'),
                CURLOPT_POSTFIELDS => self::request($m, array('apiKey' => $key, 'pluginId' => 'JeedomConnect', 'connexionFrom' => 'WS'))));
            $e = json_decode((string) curl_exec($c), true);
            curl_close($c);
            $this->assertSame('EXCEPTION', $e['result']['type'] ?? null, json_encode($e));
            $this->assertStringStartsWith("Error with '" . $m . "' method [WS] - the app is connected through this daemon", $e['result']['payload']['message']);
        }
    }

    public function testDoPluginUpdateOfAnUnknownPlugin() {
        $key = $this->phone('admin');
        $this->assertSame(array('type' => 'SET_PLUGIN_UPDATE', 'payload' => false),
            $this->assertSameAnswer('DO_PLUGIN_UPDATE', array('apiKey' => $key, 'pluginId' => 'jcAdminNoSuchPlugin'))['result']);
        $this->assertOurRefusal('DO_PLUGIN_UPDATE', array('apiKey' => $key));
        $this->assertOurRefusal('DO_PLUGIN_UPDATE', array('apiKey' => $key, 'pluginId' => array('x')));
    }

    /** [category, tags, body lines] of a community topic URL. */
    private static function topic($url) {
        $prefix = 'https://community.jeedom.com/new-topic?';
        self::assertStringStartsWith($prefix, $url);
        parse_str(substr($url, strlen($prefix)), $q);
        return array($q['category'], $q['tags'], explode("\n", $q['body']));
    }

    public function testInstallDetails() {
        $key = $this->phone('admin');
        $this->eq('Tablette', $this->user('adm-local', 'user', array('localOnly' => 1)),
            array('platformOs' => 'android', 'appVersion' => '2.3.1', 'buildVersion' => '231', 'osVersion' => '14', 'useWs' => '1', 'polling' => '1'));
        $this->eq('Sans user', null, array('platformOs' => 'ios'));
        $up = self::topic($this->upstream('GET_INSTALL_DETAILS', array('apiKey' => $key))['result']['payload']);
        $r = $this->ours('GET_INSTALL_DETAILS', array('apiKey' => $key))['result'];
        $this->assertSame('SET_INSTALL_DETAILS', $r['type']);
        $our = self::topic($r['payload']);
        // the same topic, the same details of Jeedom, the system and each phone; what belongs to each plugin's own
        // daemon differs (state, last launch, dependencies), and we have no notification binary ("Bin" line)
        $own = function ($lines) {
            $kept = array();
            foreach ($lines as $l) {
                if (strpos($l, 'Bin : ') === 0) {
                    continue;
                }
                $kept[] = preg_replace('/^(Statut Démon|Dépendances) : .*$/', '$1 : #masked#', $l);
            }
            return $kept;
        };
        $this->assertSame(array($up[0], $up[1], $own($up[2])), array($our[0], $our[1], $own($our[2])));
        // (useWs wins over polling on save: one mode per phone)
        $this->assertContains('  Tablette : v2.3.1 (231)  sur android [os : 14] (ws) - PUL', $our[2]);
        $this->assertContains('  Sans user :  sur ios - NA', $our[2]);
        $this->assertContains('  phone-admin : non enregistré - PA', $our[2]);
        // a non-admin's phone: refused (the details name every phone and its user's rights)
        foreach (array('user', 'restrict') as $profil) {
            $p = array('apiKey' => $this->phone($profil));
            $this->assertSame('SET_INSTALL_DETAILS', $this->upstream('GET_INSTALL_DETAILS', $p)['result']['type'], $profil);
            $this->assertSame(array('type' => 'EXCEPTION', 'payload' => array('message' => 'Vous devez être admin pour cette action')),
                $this->ours('GET_INSTALL_DETAILS', $p)['result'], $profil);
        }
    }
}
