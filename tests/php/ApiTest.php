<?php
/* The JSON-RPC API: envelope, every method, CONNECT checks in order, daemon-marked calls. */
class ApiTest extends JcTestCase {
    private function connectParams($eq, $extra = array()) {
        return array_merge(array('apiKey' => $eq->getLogicalId(), 'deviceId' => 'dev-1', 'deviceName' => 'Pixel 8',
            'token' => 'tok', 'appVersion' => '1.20.1', 'pluginRequire' => '1.20.0', 'platformOs' => 'android',
            'osVersion' => '14', 'appTypeVersion' => 'stable', 'buildVersion' => '42'), $extra);
    }

    public function testInvalidJsonAndVersionGiveJsonRpcAnswers() {
        $r = JeedomConnectApi::handle('{not json', array(), array());
        $this->assertSame('2.0', $r['jsonrpc']);
        $this->assertSame(99999, $r['id']);
        $this->assertSame('EXCEPTION', $r['result']['type']);
        $r = JeedomConnectApi::handle(json_encode(array('jsonrpc' => '1.0', 'id' => 'x', 'method' => 'PING')));
        $this->assertSame('x', $r['id']);
        $this->assertSame('EXCEPTION', $r['result']['type']);
        $this->assertStringContainsString("Error with 'PING' method", $r['result']['payload']['message']);
        $r = JeedomConnectApi::handle(json_encode(array('jsonrpc' => '2.0', 'method' => 'PING', 'params' => 'garbage')));
        $this->assertSame('ok', $r['result']);
        $this->assertSame(99999, $r['id']);
    }

    public function testPingIsOkAndActivatesTheEq() {
        $eq = $this->eq('P', $this->user());
        $this->assertSame('ok', $this->result('PING'));
        $this->assertSame('ok', $this->result('PING', array('apiKey' => $eq->getLogicalId())));
        $this->assertSame('active', eqLogic::byId($eq->getId())->getConfiguration('appState'));
    }

    public function testParamsAsJsonString() {
        $eq = $this->eq('P', $this->user());
        $r = JeedomConnectApi::handle(json_encode(array('jsonrpc' => '2.0', 'id' => 3, 'method' => 'GET_PLUGIN_CONFIG',
            'params' => json_encode(array('apiKey' => $eq->getLogicalId(), 'x' => 1)))));
        $this->assertSame('PLUGIN_CONFIG', $r['result']['type']);
        $this->assertSame(3, $r['id']);
    }

    public function testUnknownMethodIsTheStandardException() {
        $eq = $this->eq('P', $this->user());
        $r = $this->result('FOO', array('apiKey' => $eq->getLogicalId()));
        $this->assertSame(array('type' => 'EXCEPTION', 'payload' => array('message' => "Error with 'FOO' method [API] - method not defined")), $r);
    }

    public function testUnknownApiKeyAndRegeneratedKey() {
        $r = $this->result('GET_EVENTS', array('apiKey' => 'nope'));
        $this->assertSame("Error with 'GET_EVENTS' method Can't find eqLogic", $r['payload']['message']);
        $eq = $this->eq('P', $this->user());
        $old = $eq->getLogicalId();
        $new = $eq->regenerateApiKey();
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $new);
        $this->assertSame(array('type' => 'SET_NEW_APIKEY', 'payload' => array('apiKey' => $new)), $this->result('GET_CONFIG', array('apiKey' => $old)));
        $this->assertSame('EXCEPTION', $this->result('GET_CONFIG', array('apiKey' => $old))['type'], 'answered once only');
        $this->assertSame('SET_CONFIG', $this->result('GET_CONFIG', array('apiKey' => $new))['type']);
    }

    public function testDisabledEqAnswersEquipmentDisableForEveryMethod() {
        $eq = $this->eq('P', $this->user(), array(), 0);
        foreach (array('PING', 'GET_CONFIG', 'CONNECT', 'GET_EVENTS', 'FOO') as $m) {
            $this->assertSame(array('type' => 'EQUIPMENT_DISABLE'), $this->result($m, array('apiKey' => $eq->getLogicalId())), $m);
        }
    }

    public function testGetPluginConfig() {
        $eq = $this->eq('P', $this->user(), array('useWs' => '1', 'polling' => '1'));
        $p = $this->result('GET_PLUGIN_CONFIG', array('apiKey' => $eq->getLogicalId()))['payload'];
        $this->assertSame(array('useWs', 'polling', 'httpUrl', 'internalHttpUrl', 'wsAddress', 'internalWsAddress', 'pluginJeedomVersion'), array_keys($p));
        $this->assertSame('1', $p['useWs']);
        $this->assertSame('0', $p['polling'], 'useWs wins');
        $port = JeedomConnectConfig::port();
        $this->assertSame('ws://jc.example.org:' . $port, $p['wsAddress']);
        $this->assertSame('ws://192.168.1.10:' . $port, $p['internalWsAddress']);
        $this->assertSame('http://192.168.1.10', $p['internalHttpUrl']);
        $this->assertSame('https://jc.example.org', $p['httpUrl']);
        $this->assertSame('v2.0.0', $p['pluginJeedomVersion']);
        $noEq = $this->result('GET_PLUGIN_CONFIG')['payload'];
        $this->assertSame(0, $noEq['useWs']);
        $this->assertSame(0, $noEq['polling']);
    }

    public function testCheckAuthent() {
        $u = $this->user('bob', 'user');
        $this->assertSame("L'identifiant ou le mot de passe ne peuvent pas être vide", $this->result('CHECK_AUTHENT', array('login' => 'bob'))['payload']['message']);
        $this->assertSame("Echec lors de l'authentification", $this->result('CHECK_AUTHENT', array('login' => 'bob', 'password' => 'bad'))['payload']['message']);
        $r = $this->result('CHECK_AUTHENT', array('login' => 'bob', 'password' => 'pw-bob'));
        // the core gives a user its hash at the first getHash() and saves it: read it back as the API saw it
        $this->assertSame(array('type' => 'SET_AUTHENT', 'payload' => array('userHash' => user::byId($u->getId())->getHash(), 'userProfil' => 'user')), $r);
    }

    public function testCheckUser() {
        $u = $this->user('bob', 'user');
        $this->assertSame("Echec lors de l'authentification", $this->result('CHECK_USER', array('userHash' => 'zz'))['payload']['message']);
        $this->assertSame(array('type' => 'SET_CHECK_USER', 'payload' => array('twoFactorAuthentificationRequired' => false)),
            $this->result('CHECK_USER', array('userHash' => $u->getHash())));
        $off = $this->user('off', 'user', array(), 0);
        $this->assertSame("L'utilisateur n'est pas actif", $this->result('CHECK_USER', array('userHash' => $off->getHash()))['payload']['message']);
        $local = $this->user('local', 'user', array('localOnly' => 1));
        $ext = array('REMOTE_ADDR' => '8.8.8.8');
        $this->assertSame('Connexion distante interdite', $this->result('CHECK_USER', array('userHash' => $local->getHash()), array(), $ext)['payload']['message']);
        $this->assertSame('SET_CHECK_USER', $this->result('CHECK_USER', array('userHash' => $local->getHash()), array(), array('REMOTE_ADDR' => '192.168.1.50'))['type']);
        $tfa = $this->user('tfa', 'user', array('twoFactorAuthentification' => 1, 'twoFactorAuthentificationSecret' => 'S'));
        $this->assertTrue($this->result('CHECK_USER', array('userHash' => $tfa->getHash()), array(), $ext)['payload']['twoFactorAuthentificationRequired']);
        $this->assertFalse($this->result('CHECK_USER', array('userHash' => $tfa->getHash()), array(), array('REMOTE_ADDR' => '10.0.0.3'))['payload']['twoFactorAuthentificationRequired']);
    }

    public function testDaemonCallUsesXRealIpForLocation() {
        $local = $this->user('local', 'user', array('localOnly' => 1));
        $q = $this->daemonQuery();
        $p = array('userHash' => $local->getHash(), 'connexionFrom' => 'WS', 'sessionId' => '5');
        // the daemon calls from 127.0.0.1: X-Real-IP decides
        $this->assertSame('Connexion distante interdite', $this->result('CHECK_USER', $p, $q, array('REMOTE_ADDR' => '127.0.0.1', 'HTTP_X_REAL_IP' => '8.8.4.4'))['payload']['message']);
        $this->assertSame('SET_CHECK_USER', $this->result('CHECK_USER', $p, $q, array('REMOTE_ADDR' => '127.0.0.1', 'HTTP_X_REAL_IP' => '192.168.1.7'))['type']);
        $this->assertSame('Connexion distante interdite', $this->result('CHECK_USER', $p, $q, array('REMOTE_ADDR' => '127.0.0.1'))['payload']['message'], 'no X-Real-IP from the daemon is not "local"');
    }

    public function testGetAvailableEquipementWithoutTheKeyLeak() {
        $admin = $this->user('admin', 'admin');
        $bob = $this->user('bob', 'user');
        $a = $this->eq('A', $bob);
        $b = $this->eq('B', $admin);
        $this->eq('NoUser');
        foreach (array(array(), array('userHash' => ''), array('userHash' => 'unknown')) as $p) {
            $r = $this->result('GET_AVAILABLE_EQUIPEMENT', $p);
            $this->assertSame('EXCEPTION', $r['type']);
            $this->assertStringNotContainsString($a->getLogicalId(), json_encode($r));
        }
        $r = $this->result('GET_AVAILABLE_EQUIPEMENT', array('userHash' => $bob->getHash()));
        $this->assertSame('AVAILABLE_EQUIPEMENT', $r['type']);
        $this->assertCount(1, $r['payload']);
        $this->assertSame(array('logicalId', 'name', 'enable', 'useWs', 'polling', 'deviceName', 'deviceId'), array_keys($r['payload'][0]));
        $this->assertSame($a->getLogicalId(), $r['payload'][0]['logicalId']);
        $this->assertSame('1', $r['payload'][0]['enable']);
        $this->assertCount(3, $this->result('GET_AVAILABLE_EQUIPEMENT', array('userHash' => $admin->getHash()))['payload']);
        $this->assertNotNull($b);
    }

    public function testConnectWelcomeHasEveryKey() {
        $u = $this->user();
        $t = $this->infoCmd('Temp', '21.5');
        $eq = $this->setLayout($this->eq('Pixel', $u), array($t->getId()));
        $r = $this->result('CONNECT', $this->connectParams($eq, array('userHash' => $u->getHash())));
        $this->assertSame('WELCOME', $r['type']);
        $keys = array('pluginVersion', 'jeedomName', 'serverId', 'eqName', 'useWs', 'polling', 'userHash', 'userId', 'userName', 'userProfil',
            'userImgPath', 'configVersion', 'notifsVersion', 'scenariosEnabled', 'webviewEnabled', 'automationsEnabled', 'editEnabled', 'getLogAllowed',
            'pluginConfig', 'cmdInfo', 'scInfo', 'objInfo', 'geofenceInfo', 'links', 'timezone', 'timelineFolders');
        foreach ($keys as $k) {
            $this->assertArrayHasKey($k, $r['payload'], $k);
        }
        $p = $r['payload'];
        $this->assertSame('2.0.0', $p['pluginVersion']);
        $this->assertSame('Pixel', $p['eqName']);
        $this->assertSame((string) $u->getId(), $p['userId']);
        $this->assertSame('admin', $p['userName']);
        $this->assertSame(1, $p['configVersion']);
        $this->assertTrue($p['editEnabled']);
        $this->assertSame(21.5, $p['cmdInfo'][0]['value'], 'the value as Jeedom keeps it (a number), as upstream sends it');
        $this->assertSame((string) $t->getId(), $p['cmdInfo'][0]['id']);
        $this->assertSame(array('id', 'value', 'modified', 'collectDate', 'history'), array_keys($p['cmdInfo'][0]));
        $this->assertSame('global', end($p['objInfo'])['object_id']);
        $this->assertSame(array('geofences' => array()), $p['geofenceInfo']);
        $fresh = eqLogic::byId($eq->getId());
        $this->assertSame('dev-1', $fresh->getConfiguration('deviceId'));
        $this->assertSame('Pixel 8', $fresh->getConfiguration('deviceName'));
        $this->assertSame('active', $fresh->getConfiguration('appState'));
        $this->assertSame(1, $fresh->getConfiguration('connected'));
        $this->assertSame('tok', $fresh->getConfiguration('token'));
    }

    public function testConnectErrorsInOrder() {
        $u = $this->user();
        $eq = $this->eq('P', $u);
        // bound to another device
        $eq->setConfiguration('deviceId', 'other')->save();
        $this->assertSame(array('type' => 'BAD_DEVICE'), $this->result('CONNECT', $this->connectParams($eq, array('appVersion' => '0.1'))));
        $eq->detach();
        // channel mismatch comes before the app version check
        $this->assertSame(array('type' => 'BAD_TYPE_VERSION'), $this->result('CONNECT', $this->connectParams($eq, array('appTypeVersion' => 'beta', 'appVersion' => '0.1'))));
        config::save('ctrl::appTypeVersion', '0', 'JeedomConnect');
        $this->assertSame('WELCOME', $this->result('CONNECT', $this->connectParams($eq, array('appTypeVersion' => 'beta')))['type'], 'check can be switched off');
        config::save('ctrl::appTypeVersion', '1', 'JeedomConnect');
        $eq = eqLogic::byId($eq->getId());
        $eq->detach();
        $r = $this->result('CONNECT', $this->connectParams($eq, array('appVersion' => '1.0.0', 'pluginRequire' => '9.9.9')));
        $this->assertSame('APP_VERSION_ERROR', $r['type']);
        $this->assertSame(array('version', 'require', 'tag_notifBin_beta', 'tag_notifBin_stable', 'typeVersion', 'enrollment'), array_keys($r['payload']));
        $this->assertSame('1.7.1', $r['payload']['require']);
        $noVersion = $this->connectParams($eq);
        unset($noVersion['appVersion']);
        $this->assertSame('APP_VERSION_ERROR', $this->result('CONNECT', $noVersion)['type']);
        $this->assertSame(array('type' => 'PLUGIN_VERSION_ERROR'), $this->result('CONNECT', $this->connectParams($eq, array('pluginRequire' => '9.9.9'))));
        // no user on the eq
        $eq2 = $this->eq('NoUser');
        $this->assertSame("Aucun utilisateur configuré sur l'appareil", $this->result('CONNECT', $this->connectParams($eq2))['payload']['message']);
        // CHECK_USER failures are returned as is
        $this->assertSame("Echec lors de l'authentification", $this->result('CONNECT', $this->connectParams($eq, array('userHash' => 'bad')))['payload']['message']);
        $off = $this->user('off', 'user', array(), 0);
        $eq3 = $this->eq('Off', $off);
        $this->assertSame("L'utilisateur n'est pas actif", $this->result('CONNECT', $this->connectParams($eq3))['payload']['message']);
        // empty / old-format layout
        $eq = eqLogic::byId($eq->getId());
        file_put_contents(JeedomConnectLayout::path($eq->getLogicalId()), 'broken');
        $this->assertSame(array('type' => 'EMPTY_CONFIG_FILE'), $this->result('CONNECT', $this->connectParams($eq)));
        unlink(JeedomConnectLayout::path($eq->getLogicalId()));
        $this->assertSame(array('type' => 'EMPTY_CONFIG_FILE'), $this->result('CONNECT', $this->connectParams($eq)));
        JeedomConnectLayout::write($eq->getLogicalId(), array('payload' => array('widgets' => array())));
        $this->assertSame(array('type' => 'FORMAT_VERSION_ERROR'), $this->result('CONNECT', $this->connectParams($eq)));
        // disabled
        JeedomConnectLayout::write($eq->getLogicalId(), JeedomConnectLayout::emptyConfig());
        $eq->setIsEnable(0)->save();
        $this->assertSame(array('type' => 'EQUIPMENT_DISABLE'), $this->result('CONNECT', $this->connectParams($eq)));
    }

    public function testConnectStoresSessionIdAndDisconnectIgnoresStaleSessions() {
        $u = $this->user();
        $eq = $this->eq('P', $u);
        $q = $this->daemonQuery();
        $r = $this->call('CONNECT', $this->connectParams($eq, array('connexionFrom' => 'WS', 'sessionId' => '11')), $q);
        $this->assertSame('WELCOME', $r['result']['type']);
        $this->assertSame($eq->getLogicalId(), $r['jcd']['apiKey']);
        $this->assertSame('11', eqLogic::byId($eq->getId())->getConfiguration('sessionId'));
        $this->call('DISCONNECT', array('apiKey' => $eq->getLogicalId(), 'connexionFrom' => 'WS', 'sessionId' => '10'), $q);
        $this->assertSame('active', eqLogic::byId($eq->getId())->getConfiguration('appState'), 'old session ignored');
        $r = $this->call('DISCONNECT', array('apiKey' => $eq->getLogicalId(), 'connexionFrom' => 'WS', 'sessionId' => '11'), $q);
        $this->assertSame('ok', $r['result']);
        $this->assertSame('background', $r['jcd']['appState']);
        $fresh = eqLogic::byId($eq->getId());
        $this->assertSame('background', $fresh->getConfiguration('appState'));
        $this->assertSame(0, $fresh->getConfiguration('connected'));
    }

    public function testSetAppState() {
        $eq = $this->eq('P', $this->user());
        $k = $eq->getLogicalId();
        $this->assertSame('ok', $this->result('SET_APPSTATE', array('apiKey' => $k, 'state' => 'active')));
        $this->assertSame('active', eqLogic::byId($eq->getId())->getConfiguration('appState'));
        $q = $this->daemonQuery();
        $this->call('SET_APPSTATE', array('apiKey' => $k, 'state' => 'active', 'sessionId' => 's2', 'connexionFrom' => 'SSE'), $q);
        $this->assertSame('s2', eqLogic::byId($eq->getId())->getConfiguration('sessionId'));
        $this->call('SET_APPSTATE', array('apiKey' => $k, 'state' => 'background', 'sessionId' => 's1', 'connexionFrom' => 'SSE'), $q);
        $this->assertSame('active', eqLogic::byId($eq->getId())->getConfiguration('appState'), 'background of an old session ignored');
        $this->call('SET_APPSTATE', array('apiKey' => $k, 'state' => 'background', 'sessionId' => 's2', 'connexionFrom' => 'SSE'), $q);
        $this->assertSame('background', eqLogic::byId($eq->getId())->getConfiguration('appState'));
    }

    public function testDaemonMarkedCallsNeedThePluginKey() {
        $eq = $this->eq('P', $this->user());
        foreach (array(array(), array('apikey' => 'wrong-key-wrong-key'), array('apikey' => '')) as $q) {
            $r = $this->call('GET_CONFIG', array('apiKey' => $eq->getLogicalId(), 'connexionFrom' => 'WS'), $q);
            $this->assertSame('EXCEPTION', $r['result']['type']);
            $this->assertArrayNotHasKey('jcd', $r);
        }
        $r = $this->call('SET_WEBSOCKET', array('apiKey' => $eq->getLogicalId(), 'connexionFrom' => 'WS', 'value' => true), array('apikey' => 'x'));
        $this->assertSame('EXCEPTION', $r['result']['type']);
        $this->assertSame('0', eqLogic::byId($eq->getId())->getConfiguration('useWs'), 'refused call had no effect');
        $r = $this->call('GET_CONFIG', array('apiKey' => $eq->getLogicalId(), 'connexionFrom' => 'WS'), $this->daemonQuery());
        $this->assertSame('SET_CONFIG', $r['result']['type']);
        $this->assertSame(array('apiKey', 'enabled', 'useWs', 'polling', 'appState', 'configVersion', 'cmds', 'scenarios', 'scAll', 'objects'), array_keys($r['jcd']));
        $plain = $this->call('GET_CONFIG', array('apiKey' => $eq->getLogicalId()));
        $this->assertArrayNotHasKey('jcd', $plain);
    }

    public function testGetConfigAndInfoGetters() {
        $t = $this->infoCmd('Temp', '19');
        $t2 = $this->infoCmd('Temp2', '20');
        // a room whose temperature summary is made of two cmds, as Jeedom's object page configures it
        $o = (new jeeObject())->setName('Salon');
        $o->setConfiguration('summary', array('temperature' => array(
            array('enable' => '1', 'cmd' => '#' . $t->getId() . '#', 'invert' => '0'),
            array('enable' => '1', 'cmd' => '#' . $t2->getId() . '#', 'invert' => '0'))));
        $o = $this->saved($o);
        $sc = $this->saved((new scenario())->setName('Wake')->setGroup('Morning'));
        $eq = $this->setLayout($this->eq('P', $this->user()), array($t->getId()), array($sc->getId()), array($o->getId()));
        $k = $eq->getLogicalId();
        $c = $this->result('GET_CONFIG', array('apiKey' => $k));
        $this->assertSame('SET_CONFIG', $c['type']);
        $this->assertSame('JEEDOM_CONFIG', $c['payload']['type']);
        $this->assertSame(1, $c['payload']['payload']['configVersion']);
        $info = $this->result('GET_INFO', array('apiKey' => $k));
        $this->assertSame('SET_INFO', $info['type']);
        $this->assertSame(array('cmdInfo', 'scInfo', 'objInfo'), array_keys($info['payload']));
        $cmds = $this->result('GET_CMD_INFO', array('apiKey' => $k));
        $this->assertSame('SET_CMD_INFO', $cmds['type']);
        $this->assertSame(19.0, $cmds['payload'][0]['value']);
        $scs = $this->result('GET_SC_INFO', array('apiKey' => $k));
        $this->assertSame('SET_SC_INFO', $scs['type']);
        $this->assertSame(array('id' => (string) $sc->getId(), 'name' => 'Wake', 'object' => 'Aucun', 'group' => 'Morning', 'status' => 'stop',
            'lastLaunch' => 0, 'active' => 1, 'icon' => null), $scs['payload'][0]);
        $objs = $this->result('GET_OBJ_INFO', array('apiKey' => $k));
        $this->assertSame('SET_OBJ_INFO', $objs['type']);
        // the room's summary keys with their value and the room's configured cmds for it (as upstream sends them)
        $this->assertSame(array('object_id' => (string) $o->getId(), 'keys' => array(array('temperature' => array('value' => 19.5,
            'cmds' => $o->getConfiguration('summary')['temperature'])))), $objs['payload'][0]);
        $this->assertSame('global', $objs['payload'][1]['object_id']);
    }

    public function testCmdExecAndCmdListExec() {
        $t = $this->infoCmd('Level', '0');
        $a = $this->actionCmd($t);
        $eq = $this->eq('P', $this->user());
        $k = $eq->getLogicalId();
        $this->assertSame('ok', $this->result('CMD_EXEC', array('apiKey' => $k, 'id' => (string) $a->getId(), 'options' => array('slider' => 42))));
        $this->assertSame('42', (string) cmd::byId($t->getId())->execCmd());
        $log = cache::byKey('jcTestDevice::execLog')->getValue(array());
        $this->assertSame('JeedomConnect', $log[0]['options']['comingFrom']);
        $this->assertSame("Can't find command [id=999]", $this->result('CMD_EXEC', array('apiKey' => $k, 'id' => '999'))['payload']['message']);
        // Jeedom's rights: a 'restrict' user acts only on the equipments his rights list (none here)
        $bob = $this->user('bob', 'restrict');
        $r = $this->result('CMD_EXEC', array('apiKey' => $k, 'id' => (string) $a->getId(), 'options' => array('user_id' => $bob->getId(), 'slider' => 1)));
        $this->assertStringStartsWith("Vous n'avez pas le droit", $r['payload']['message']);
        $this->assertSame('42', (string) cmd::byId($t->getId())->execCmd());
        $this->assertSame('ok', $this->result('CMDLIST_EXEC', array('apiKey' => $k, 'cmdList' => array(array('id' => (string) $a->getId(), 'options' => array('slider' => 7))))));
        $this->assertSame('7', (string) cmd::byId($t->getId())->execCmd());
        $r = $this->result('CMDLIST_EXEC', array('apiKey' => $k, 'cmdList' => array(array('id' => (string) $a->getId(), 'options' => array('slider' => 8)), array('id' => '998'))));
        $this->assertSame('EXCEPTION', $r['type']);
        $this->assertSame(array('cmd_ids' => array('998')), $r['payload']['details']);
        $this->assertSame('8', (string) cmd::byId($t->getId())->execCmd());
    }

    /** A scenario made of one code block (Jeedom's scenario editor "Code" block). */
    private function codeScenario($_name, $_php) {
        $sc = (new scenario())->setName($_name)->setIsActive(1)->setMode('provoke');
        $sc->save();
        $el = new scenarioElement();
        $el->setName('code')->setType('code');
        $el->save();
        $sub = new scenarioSubElement();
        $sub->setScenarioElement_id($el->getId())->setName('code')->setType('code')->setSubtype('action');
        $sub->save();
        $ex = new scenarioExpression();
        $ex->setScenarioSubElement_id($sub->getId())->setType('code')->setExpression($_php);
        $ex->save();
        $sc->setScenarioElement(array($el->getId()));
        $sc->save();
        return scenario::byId($sc->getId());
    }

    public function testScExecStartsTheScenarioInItsOwnProcessWithTriggerAndTags() {
        $dir = JC_TEST_BASE . '/sc-' . uniqid();
        mkdir($dir);
        // the scenario waits (bounded) for the test's "go", then records its process and tags
        $sc = $this->codeScenario('Night', 'for ($i = 0; $i < 100 && !file_exists(' . var_export($dir . '/go', true) . '); $i++) { usleep(100000); }'
            . ' file_put_contents(' . var_export($dir . '/ran.json', true) . ', json_encode(array("pid" => getmypid(), "go" => file_exists('
            . var_export($dir . '/go', true) . '), "tags" => $scenario->getTags())));');
        $eq = $this->eq('P', $this->user());
        $k = $eq->getLogicalId();
        $this->assertSame('ok', $this->result('SC_EXEC', array('apiKey' => $k, 'id' => (string) $sc->getId(),
            'options' => array('tags' => 'room=kitchen', 'user_login' => 'admin'))));
        $this->assertFileDoesNotExist($dir . '/ran.json', 'SC_EXEC answered while the scenario still runs (not inside the API request)');
        touch($dir . '/go');
        for ($i = 0; $i < 150 && !is_file($dir . '/ran.json'); $i++) {
            usleep(100000);
        }
        $ran = json_decode((string) @file_get_contents($dir . '/ran.json'), true);
        $this->assertIsArray($ran, 'the scenario ran');
        $this->assertTrue($ran['go']);
        $this->assertNotSame(getmypid(), $ran['pid'], 'in its own process (jeeScenario.php)');
        $tags = $ran['tags'];
        $this->assertSame('JeedomConnect', $tags['#trigger#']);
        $this->assertSame('Lancement du scénario ' . $sc->getHumanName() . ' (' . $sc->getId() . ") par l'utilisateur admin", $tags['#trigger_message#']);
        $this->assertSame('kitchen', $tags['#room#']);
        $this->assertSame((string) $eq->getId(), (string) $tags['#eqId#']);
        $this->assertSame('admin', $tags['#userJC#']);
        $this->assertSame("Le scenario 77 n'existe pas", $this->result('SC_EXEC', array('apiKey' => $k, 'id' => '77'))['payload']['message']);
    }

    public function testScExecChecksTheUsersRightAndScStop() {
        $sc = $this->codeScenario('Noop', '');
        $eq = $this->eq('P', $this->user());
        $k = $eq->getLogicalId();
        $bob = $this->user('bob', 'restrict');
        $r = $this->result('SC_EXEC', array('apiKey' => $k, 'id' => (string) $sc->getId(), 'options' => array('user_id' => $bob->getId())));
        $this->assertStringStartsWith("Vous n'avez pas le droit d'exécuter ce sc", $r['payload']['message']);
        $this->assertSame('ok', $this->result('SC_STOP', array('apiKey' => $k, 'id' => (string) $sc->getId())));
        $this->assertSame('EXCEPTION', $this->result('SC_STOP', array('apiKey' => $k, 'id' => '77'))['type']);
    }

    public function testSetWebsocketAndSetPollingAreExclusive() {
        $eq = $this->eq('P', $this->user());
        $k = $eq->getLogicalId();
        $this->assertSame(array('type' => 'GET_POLLING', 'payload' => array('polling' => '1')), $this->result('SET_POLLING', array('apiKey' => $k, 'value' => true)));
        $this->assertSame(array('type' => 'GET_WEBSOCKET', 'payload' => array('useWs' => '1')), $this->result('SET_WEBSOCKET', array('apiKey' => $k, 'value' => true)));
        $fresh = eqLogic::byId($eq->getId());
        $this->assertSame('1', $fresh->getConfiguration('useWs'));
        $this->assertSame('0', $fresh->getConfiguration('polling'), 'websocket clears polling');
        $this->assertSame(array('type' => 'GET_POLLING', 'payload' => array('polling' => '0')), $this->result('SET_POLLING', array('apiKey' => $k, 'value' => true)), 'useWs wins');
        $this->assertSame('0', eqLogic::byId($eq->getId())->getConfiguration('polling'));
        $this->result('SET_WEBSOCKET', array('apiKey' => $k, 'value' => false));
        $this->assertSame('1', $this->result('SET_POLLING', array('apiKey' => $k, 'value' => true))['payload']['polling']);
        // the model itself enforces it (admin page save with both ticked)
        $eq = eqLogic::byId($eq->getId());
        $eq->setConfiguration('useWs', '1')->setConfiguration('polling', '1')->save();
        $eq = eqLogic::byId($eq->getId());
        $this->assertSame('0', $eq->getConfiguration('polling'));
        $this->assertFalse(JeedomConnectDevice::record($eq)['polling']);
        $this->assertTrue(JeedomConnectDevice::record($eq)['useWs']);
    }

    public function testApiEntryPointNeverFatals() {
        // through the real entry file, as a CLI process with an empty body: still a JSON-RPC answer
        $out = shell_exec(escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg(JC_TEST_PLUGIN . '/core/api/JeedomConnect.api.php') . ' 2>&1');
        $r = json_decode((string) $out, true);
        $this->assertIsArray($r, (string) $out);
        $this->assertSame('EXCEPTION', $r['result']['type']);
    }
}
