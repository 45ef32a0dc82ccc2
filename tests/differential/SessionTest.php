<?php
/*
 * The session methods the app calls at login and around a connection, as upstream 1.20.6 answers them on the same
 * Jeedom data: PING, GET_PLUGIN_CONFIG, CHECK_AUTHENT, CHECK_USER (without 2FA: LoginTest has the 2FA steps),
 * GET_AVAILABLE_EQUIPEMENT, DISCONNECT, SET_APPSTATE, SET_WEBSOCKET, SET_POLLING.
 */
class SessionTest extends JcDiffTestCase {
    const OUTSIDE = 'X-Forwarded-For: 8.8.8.8';
    /** our version is ours (upstream's names 1.20.6) */
    const VERSION = array('result.payload.pluginJeedomVersion');

    /** The decoded answer of $_who to $_method sent with extra HTTP headers (the client's address). */
    private function from($_who, $_method, $_params, $_headers) {
        $c = curl_init(($_who === 'upstream' ? JC_UPSTREAM_ENV['UP_URL'] : JC_CORE_ENV['JC_URL']) . self::API);
        curl_setopt_array($c, array(CURLOPT_POST => true, CURLOPT_POSTFIELDS => self::request($_method, $_params),
            CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 60,
            CURLOPT_HTTPHEADER => array_merge(array('Content-Type: application/json'), $_headers)));
        $raw = curl_exec($c);
        curl_close($c);
        return json_decode((string) $raw, true);
    }

    /** The equipment's stored configuration value, read from the database (not a cached object). */
    private function stored($_eq, $_key) {
        $row = DB::Prepare('SELECT configuration FROM eqLogic WHERE id = ?', array($_eq->getId()), DB::FETCH_TYPE_ROW);
        $c = json_decode($row['configuration'], true);
        return isset($c[$_key]) ? $c[$_key] : null;
    }

    private function setStored($_eq, $_values) {
        $eq = eqLogic::byId($_eq->getId());
        foreach ($_values as $k => $v) {
            $eq->setConfiguration($k, $v);
        }
        $eq->save();
    }

    /** upstream's refusal of an unknown user (CHECK_AUTHENT, CHECK_USER): no method prefix */
    const AUTH_FAILED = array('type' => 'EXCEPTION', 'payload' => array('message' => "Echec lors de l'authentification"));

    const OK = array('jsonrpc' => '2.0', 'id' => '1', 'result' => 'ok');

    public function testPingActivatesTheEquipment() {
        $eq = $this->eq('Pixel', $this->user('ping', 'user'));
        foreach (array('upstream', 'ours') as $who) {
            $this->setStored($eq, array('appState' => 'background'));
            $this->assertSame(self::OK, $this->$who('PING', array('apiKey' => $eq->getLogicalId())), $who);
            $this->assertSame('active', $this->stored($eq, 'appState'), $who);
        }
        // without an equipment (or an unknown key) PING is a plain keep-alive for both
        $this->assertSame(self::OK, $this->assertSameAnswer('PING', array()));
        $this->assertSame(self::OK, $this->assertSameAnswer('PING', array('apiKey' => 'not-a-key')));
    }

    public function testPingOfADisabledEquipment() {
        $eq = $this->eq('Pixel', $this->user('ping', 'user'), array('appState' => 'background'), 0);
        $e = $this->assertSameAnswer('PING', array('apiKey' => $eq->getLogicalId()));
        $this->assertSame(array('type' => 'EQUIPMENT_DISABLE'), $e['result']);
        $this->assertSame('background', $this->stored($eq, 'appState'));
    }

    public function testPluginConfig() {
        $u = $this->user('conf', 'user');
        $ws = $this->eq('Ws', $u, array('useWs' => '1', 'polling' => '0'));
        $poll = $this->eq('Poll', $u, array('useWs' => '0', 'polling' => '1'));
        config::save('port', 8090, 'JeedomConnect');
        foreach (array(array(), array('apiKey' => $ws->getLogicalId()), array('apiKey' => $poll->getLogicalId())) as $p) {
            $e = $this->assertSameAnswer('GET_PLUGIN_CONFIG', $p, self::VERSION);
            $this->assertSame('PLUGIN_CONFIG', $e['result']['type']);
        }
        $this->assertSame(array('1', '0'), array($e['result']['payload']['polling'], $e['result']['payload']['useWs']));
        // the addresses saved on the configuration page win over the network settings, for both
        config::save('httpUrl', 'https://box.example.net/', 'JeedomConnect');
        config::save('wsAddress', 'wss://box.example.net/ws', 'JeedomConnect');
        $e = $this->assertSameAnswer('GET_PLUGIN_CONFIG', array('apiKey' => $ws->getLogicalId()), self::VERSION);
        $this->assertSame('https://box.example.net/', $e['result']['payload']['httpUrl']);
        $this->assertSame('wss://box.example.net/ws', $e['result']['payload']['wsAddress']);
    }

    public function testPluginConfigOfAnUnknownOrMalformedKey() {
        // bad input: an unknown key or a key that is not a string gives the plugin's addresses without flags
        config::save('port', 8090, 'JeedomConnect');
        $e = $this->assertSameAnswer('GET_PLUGIN_CONFIG', array('apiKey' => 'not-a-key'), self::VERSION);
        $this->assertSame(array(0, 0), array($e['result']['payload']['useWs'], $e['result']['payload']['polling']));
        $this->assertSameAnswer('GET_PLUGIN_CONFIG', array('apiKey' => array('x')), self::VERSION);
    }

    public function testPluginConfigFollowsTheDaemonsPort() {
        // upstream's default WebSocket addresses always name port 8090, even when its daemon listens on another
        // port (configuration page); ours name the daemon's port (a documented fix)
        config::save('port', 8091, 'JeedomConnect');
        $up = $this->upstream('GET_PLUGIN_CONFIG', array())['result']['payload'];
        $our = $this->ours('GET_PLUGIN_CONFIG', array())['result']['payload'];
        $this->assertSame(array('ws://jc.example.org:8090', 'ws://192.168.1.10:8090'), array($up['wsAddress'], $up['internalWsAddress']));
        $this->assertSame(array('ws://jc.example.org:8091', 'ws://192.168.1.10:8091'), array($our['wsAddress'], $our['internalWsAddress']));
    }

    public function testCheckAuthent() {
        $u = $this->user('alice', 'user');
        $e = $this->assertSameAnswer('CHECK_AUTHENT', array('login' => 'alice', 'password' => 'pw-alice'));
        $this->assertSame(array('type' => 'SET_AUTHENT', 'payload' => array('userHash' => user::byLogin('alice')->getHash(), 'userProfil' => 'user')), $e['result']);
        $e = $this->assertSameAnswer('CHECK_AUTHENT', array('login' => 'admin', 'password' => 'admin'));
        $this->assertSame(array('userHash' => user::byLogin('admin')->getHash(), 'userProfil' => 'admin'), $e['result']['payload']);
    }

    public function testCheckAuthentRefusesBadCredentials() {
        $this->user('alice', 'user');
        foreach (array(array('login' => 'alice', 'password' => 'wrong'), array('login' => 'nobody', 'password' => 'x'),
            array('login' => 'alice'), array('login' => '', 'password' => ''), array()) as $p) {
            $e = $this->assertSameAnswer('CHECK_AUTHENT', $p);
            $this->assertSame('EXCEPTION', $e['result']['type'], json_encode($p));
            $this->assertArrayNotHasKey('userHash', $e['result']['payload']);
        }
        // a disabled user's password is checked as Jeedom's user::connect() checks it (it does not look at the
        // account's state), for both; CHECK_USER, which the app calls next, refuses him
        $bob = $this->user('bob', 'user', array(), 0);
        $this->assertSame('SET_AUTHENT', $this->assertSameAnswer('CHECK_AUTHENT', array('login' => 'bob', 'password' => 'pw-bob'))['result']['type']);
        $this->assertSame("L'utilisateur n'est pas actif", $this->assertSameAnswer('CHECK_USER', array('userHash' => $bob->getHash()))['result']['payload']['message']);
    }

    public function testCheckUserWithoutTwoFactor() {
        $u = $this->user('alice', 'user');
        $local = $this->user('homebody', 'user', array('localOnly' => 1));
        $no2fa = array('type' => 'SET_CHECK_USER', 'payload' => array('twoFactorAuthentificationRequired' => false));
        $this->assertSame($no2fa, $this->assertSameAnswer('CHECK_USER', array('userHash' => $u->getHash()))['result']);
        $this->assertSame($no2fa, $this->assertSameAnswer('CHECK_USER', array('userHash' => $local->getHash()))['result']);
        // from outside: the same for a user allowed outside; a local-only user is refused by both
        $answers = array();
        foreach (array('upstream', 'ours') as $who) {
            $answers[$who] = array($this->from($who, 'CHECK_USER', array('userHash' => $u->getHash()), array(self::OUTSIDE)),
                $this->from($who, 'CHECK_USER', array('userHash' => $local->getHash()), array(self::OUTSIDE)));
        }
        $this->assertSame($answers['upstream'], $answers['ours']);
        $this->assertSame($no2fa, $answers['ours'][0]['result']);
        $this->assertSame('Connexion distante interdite', $answers['ours'][1]['result']['payload']['message']);
    }

    public function testCheckUserRefusesAnUnknownOrDisabledUser() {
        $off = $this->user('bob', 'user', array(), 0);
        foreach (array(array('userHash' => 'unknown-hash'), array('userHash' => $off->getHash()), array()) as $p) {
            $this->assertSame('EXCEPTION', $this->assertSameAnswer('CHECK_USER', $p)['result']['type'], json_encode($p));
        }
    }

    public function testAvailableEquipments() {
        $alice = $this->user('alice', 'user');
        $bob = $this->user('bob', 'user');
        $admin = $this->user('boss', 'admin');
        $this->eq('A1', $alice, array('useWs' => '1', 'deviceName' => 'Pixel 8', 'deviceId' => 'dev-a1'));
        $this->eq('A2', $alice, array('polling' => '1'), 0);
        $this->eq('B1', $bob);
        foreach (array('alice' => array('A1', 'A2'), 'bob' => array('B1'), 'boss' => array('A1', 'A2', 'B1')) as $login => $names) {
            $e = $this->assertSameAnswer('GET_AVAILABLE_EQUIPEMENT', array('userHash' => user::byLogin($login)->getHash()));
            $this->assertSame('AVAILABLE_EQUIPEMENT', $e['result']['type']);
            $got = array_column($e['result']['payload'], 'name');
            sort($got);
            $this->assertSame($names, $got, $login);
        }
    }

    public function testAvailableEquipmentsAreNotListedWithoutAValidUser() {
        // upstream compares the caller's hash with the hash of each equipment's user: for an equipment without a
        // user (or whose user was deleted) that is null, equal to a missing or empty hash in PHP, so a caller
        // without a hash is handed those equipments' apiKeys (a documented fix: we refuse a caller who is not a
        // valid user)
        $orphan = $this->eq('Orphan');
        $this->eq('A1', $this->user('alice', 'user'));
        $off = $this->user('bob', 'user', array(), 0);
        $this->eq('B1', $off);
        foreach (array(array('userHash' => ''), array('userHash' => 'unknown-hash'), array()) as $p) {
            $up = $this->upstream('GET_AVAILABLE_EQUIPEMENT', $p);
            $this->assertSame(isset($p['userHash']) && $p['userHash'] !== '' ? array() : array($orphan->getLogicalId()),
                array_column($up['result']['payload'], 'logicalId'), json_encode($p));
            $this->assertSame(self::AUTH_FAILED, $this->ours('GET_AVAILABLE_EQUIPEMENT', $p)['result'], json_encode($p));
        }
        // a disabled user: upstream lists his phones, we refuse him as CHECK_USER does
        $this->assertSame(array('B1'), array_column($this->upstream('GET_AVAILABLE_EQUIPEMENT', array('userHash' => $off->getHash()))['result']['payload'], 'name'));
        $this->assertSame(self::AUTH_FAILED, $this->ours('GET_AVAILABLE_EQUIPEMENT', array('userHash' => $off->getHash()))['result']);
    }

    public function testDisconnect() {
        $eq = $this->eq('Pixel', $this->user('dis', 'user'));
        foreach (array('upstream', 'ours') as $who) {
            $this->setStored($eq, array('connected' => 1, 'appState' => 'active'));
            $this->assertSame(self::OK, $this->$who('DISCONNECT', array('apiKey' => $eq->getLogicalId())), $who);
            $this->assertSame(array(0, 'background'), array($this->stored($eq, 'connected'), $this->stored($eq, 'appState')), $who);
        }
    }

    public function testDisconnectOfAnUnknownEquipment() {
        $e = $this->assertSameAnswer('DISCONNECT', array('apiKey' => 'not-a-key'));
        $this->assertSame("Error with 'DISCONNECT' method Can't find eqLogic", $e['result']['payload']['message']);
        $this->assertSameAnswer('DISCONNECT', array());
    }

    public function testSetAppState() {
        $eq = $this->eq('Pixel', $this->user('st', 'user'));
        foreach (array('active', 'background', 'active') as $state) {
            foreach (array('upstream', 'ours') as $who) {
                $this->setStored($eq, array('appState' => $state === 'active' ? 'background' : 'active'));
                $this->assertSame(self::OK, $this->$who('SET_APPSTATE', array('apiKey' => $eq->getLogicalId(), 'state' => $state)), $who);
                $this->assertSame($state, $this->stored($eq, 'appState'), $who . ' ' . $state);
            }
        }
    }

    public function testSetAppStateWithoutAStateIsRefused() {
        // upstream stores whatever comes (null when state is missing: the phone is then neither active nor in the
        // background); we refuse a missing or non-text state and keep the stored one (a documented fix)
        $eq = $this->eq('Pixel', $this->user('st', 'user'), array('appState' => 'active'));
        foreach (array(array(), array('state' => array('active')), array('state' => 5)) as $p) {
            $this->assertSame(self::OK, $this->upstream('SET_APPSTATE', array('apiKey' => $eq->getLogicalId()) + $p));
            $this->setStored($eq, array('appState' => 'active'));
            $m = $this->assertOurRefusal('SET_APPSTATE', array('apiKey' => $eq->getLogicalId()) + $p);
            $this->assertSame("Error with 'SET_APPSTATE' method [API] - state: 'active' or 'background' expected", $m);
            $this->assertSame('active', $this->stored($eq, 'appState'));
        }
        $this->assertSameAnswer('SET_APPSTATE', array('apiKey' => 'not-a-key', 'state' => 'active'));
    }

    public function testSetPolling() {
        $eq = $this->eq('Pixel', $this->user('poll', 'user'), array('useWs' => '0'));
        foreach (array(true, false, 1, 0) as $value) {
            $answers = array();
            foreach (array('upstream', 'ours') as $who) {
                $this->setStored($eq, array('polling' => $value ? '0' : '1'));
                $answers[$who] = $this->$who('SET_POLLING', array('apiKey' => $eq->getLogicalId(), 'value' => $value));
                $this->assertSame($value ? '1' : '0', $this->stored($eq, 'polling'), $who);
            }
            $this->assertSame($answers['upstream'], $answers['ours']);
            $this->assertSame(array('type' => 'GET_POLLING', 'payload' => array('polling' => $value ? '1' : '0')), $answers['ours']['result']);
        }
    }

    public function testSetWebsocketOff() {
        $eq = $this->eq('Pixel', $this->user('ws', 'user'), array('useWs' => '1'));
        $answers = array();
        foreach (array('upstream', 'ours') as $who) {
            $this->setStored($eq, array('useWs' => '1'));
            $answers[$who] = $this->$who('SET_WEBSOCKET', array('apiKey' => $eq->getLogicalId(), 'value' => false));
            $this->assertSame('0', $this->stored($eq, 'useWs'), $who);
        }
        $this->assertSame($answers['upstream'], $answers['ours']);
        $this->assertSame(array('type' => 'GET_WEBSOCKET', 'payload' => array('useWs' => '0')), $answers['ours']['result']);
    }

    public function testSetWebsocketOnStartsOurDaemon() {
        // upstream stores the flag then starts its own (Python) daemon, which the rig does not install: its answer
        // is that daemon's error. Ours stores the same flag and starts our daemon; polling goes off, as useWs wins
        // over polling (docs/protocol.md)
        $eq = $this->eq('Pixel', $this->user('ws', 'user'), array('useWs' => '0', 'polling' => '1'));
        $up = $this->upstream('SET_WEBSOCKET', array('apiKey' => $eq->getLogicalId(), 'value' => true));
        $this->assertSame('EXCEPTION', $up['result']['type'], json_encode($up));
        $this->assertSame('1', $this->stored($eq, 'useWs'));
        $this->setStored($eq, array('useWs' => '0', 'polling' => '1'));
        $our = $this->ours('SET_WEBSOCKET', array('apiKey' => $eq->getLogicalId(), 'value' => true));
        $this->assertSame(array('type' => 'GET_WEBSOCKET', 'payload' => array('useWs' => '1')), $our['result']);
        $this->assertSame(array('1', '0'), array($this->stored($eq, 'useWs'), $this->stored($eq, 'polling')));
        $this->assertSame('ok', JeedomConnectDaemon::info()['state']);
    }

    public function testSetWebsocketAndPollingOfAnUnknownEquipment() {
        foreach (array('SET_WEBSOCKET', 'SET_POLLING') as $m) {
            $e = $this->assertSameAnswer($m, array('apiKey' => 'not-a-key', 'value' => true));
            $this->assertSame('EXCEPTION', $e['result']['type']);
        }
    }
}
