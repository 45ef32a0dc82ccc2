<?php
/* CONNECT (WELCOME), GET_CONFIG, GET_INFO and GET_EVENTS as upstream 1.20.6 answers them, for a phone created and
 * laid out by upstream's own code (its equipment hooks and its layout methods), its storage then read as it is by
 * our plugin (the data files copied as the market's update keeps them). */
class ConnectionTest extends JcDiffTestCase {
    /** Upstream's answer, then ours: equal once masked, upstream's false for a date that never was (a cmd never set,
     * a scenario never launched) read as our 0 (a documented difference, docs/api-methods.md). Returns ours. */
    private function assertSameAnswerDates($method, $params, $mask = array()) {
        $up = self::falseDatesAsZero($this->upstream($method, $params));
        $our = $this->ours($method, $params);
        $this->assertSame(self::masked($up, $mask), self::masked($our, $mask),
            $method . ": ours differs from upstream 1.20.6\nupstream: " . json_encode($up) . "\nours:     " . json_encode($our));
        return $our;
    }

    private static function falseDatesAsZero($v) {
        if (!is_array($v)) {
            return $v;
        }
        foreach ($v as $k => $x) {
            $v[$k] = in_array($k, array('modified', 'collectDate', 'lastLaunch'), true) && $x === false ? 0 : self::falseDatesAsZero($x);
        }
        return $v;
    }

    /** [eq, apiKey]: a phone created by upstream's code, its data files copied to our plugin's folder. */
    private function upstreamPhone($name, $user, $config = array()) {
        $out = $this->runUpstream(array($name, (string) $user->getId(), json_encode((object) $config)));
        list($id, $apiKey) = explode(' ', trim(end($out)));
        $eq = eqLogic::byId((int) $id);
        $this->assertSame($apiKey, $eq->getLogicalId());
        return array($eq, $apiKey);
    }

    private function runUpstream(array $args) {
        $cmd = 'cd ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' && ' . escapeshellarg(PHP_BINARY) . ' '
            . escapeshellarg(__DIR__ . '/upstream-phone.php') . ' ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' '
            . escapeshellarg(JC_TEST_PLUGIN) . ' ' . implode(' ', array_map('escapeshellarg', $args)) . ' 2>&1';
        exec($cmd, $out, $rc);
        $this->assertSame(0, $rc, implode("\n", $out));
        return $out;
    }

    /** Upstream's layout methods, then its files copied over ours again (as after the update). */
    private function upstreamEdit($apiKey, $calls) {
        $results = array();
        foreach ($calls as $c) {
            $e = $this->upstream($c[0], array_merge(array('apiKey' => $apiKey), $c[1]));
            $this->assertArrayHasKey('result', $e, json_encode($e));
            $this->assertNotSame('EXCEPTION', $e['result']['type'] ?? null, $c[0] . ': ' . json_encode($e));
            $results[] = $e['result'];
        }
        $this->runUpstream(array('copy', $apiKey));
        return $results;
    }

    private function room($name, $summary = array()) {
        $o = new jeeObject();
        $o->setName($name)->setIsVisible(1);
        if ($summary) {
            $o->setConfiguration('summary', $summary);
        }
        $o->save();
        return $o;
    }

    /** A phone with a layout using groups, customisations, summaries, conditions, a password and a geofence. */
    private function laidOutPhone($profil = 'admin', $config = array()) {
        $u = $this->user('conn', $profil);
        list($eq, $key) = $this->upstreamPhone('Pixel', $u, array_merge(array('pwdAction' => '1234'), $config));
        $temp = $this->infoCmd('Temp', 21.46, 1);
        $hum = $this->infoCmd('Hum', 55, 0);
        $txt = $this->infoCmd('Texte', 'bonjour', 0, 'string');
        $never = $this->infoCmd('Jamais', null, 0, 'binary');
        $bin = $this->infoCmd('Porte', 1, 0, 'binary');
        $set = $this->actionCmd($temp, 'Consigne');
        $salon = $this->room('Salon', array('temperature' => array(array('cmd' => '#' . $temp->getId() . '#'))));
        $this->room('Cuisine');
        $sc = new scenario();
        $sc->setName('Réveil')->setGroup('Matin')->setDisplay('icon', '<i class="fas fa-sun"></i>')->save();
        $sc2 = new scenario();
        $sc2->setName('Nuit')->save();
        $w = $this->upstreamEdit($key, array(array('ADD_GLOBAL_WIDGETS', array('widgets' => array(
            array('type' => 'generic-info', 'enable' => true, 'name' => 'Temp moy average(#' . $temp->getId() . '#)', 'room' => (int) $salon->getId(),
                'statusInfo' => array('id' => (string) $temp->getId(), 'type' => 'info', 'subType' => 'numeric', 'humanName' => '#[Salon][Dev Temp][Temp]#'),
                'moreInfos' => array(array('type' => 'cmd', 'id' => (string) $hum->getId(), 'name' => 'hum', 'unit' => '%')),
                'visibilityCond' => '#' . $bin->getId() . '# == 1'),
            array('type' => 'generic-slider', 'enable' => true, 'name' => 'Consigne',
                'statusInfo' => array('id' => (string) $temp->getId(), 'type' => 'info', 'subType' => 'numeric'),
                'setCommand' => array('id' => (string) $set->getId(), 'type' => 'action', 'subType' => 'slider'), 'security' => 'pwd'),
            array('type' => 'scenario', 'enable' => true, 'name' => 'Réveil', 'scenarioId' => (string) $sc->getId()),
            array('type' => 'generic-info', 'enable' => true, 'name' => 'Texte', 'subtitle' => 'max(#' . $never->getId() . '#)',
                'statusInfo' => array('id' => (string) $txt->getId(), 'type' => 'info', 'subType' => 'string')),
        )))))[0]['payload'];
        $ids = array_column($w, 'id');
        $this->upstreamEdit($key, array(
            array('SET_BOTTOM_TABS', array('tabs' => array(array('id' => 0, 'index' => 0, 'name' => 'Maison', 'enable' => true,
                'icon' => array('source' => 'md', 'name' => 'home')), array('id' => 1, 'index' => 1, 'name' => 'Cachée', 'enable' => true,
                'icon' => array('source' => 'md', 'name' => 'eye'), 'visibilityCond' => '#' . $hum->getId() . '# > 50')), 'migrate' => false, 'idCounter' => 2)),
            array('ADD_GROUP', array('group' => array('parentId' => 0, 'index' => 0, 'name' => 'Lumières', 'expanded' => true, 'enable' => true))),
            array('ADD_WIDGETS', array('widgets' => array(array('id' => $ids[0]), array('id' => $ids[1])), 'parentId' => 999000, 'index' => -1)),
            array('ADD_WIDGETS', array('widgets' => array(array('id' => $ids[2]), array('id' => $ids[3])), 'parentId' => 0, 'index' => 0)),
            array('SET_CUSTOM_WIDGETS', array('customWidgetList' => array(array('widgetId' => 2, 'name' => 'Ma temp',
                'moreInfos' => array(array('type' => 'cmd', 'id' => (string) $bin->getId(), 'name' => 'porte')))))),
            array('SET_ROOMS', array('rooms' => array(array('id' => (int) $salon->getId(), 'index' => 0, 'name' => 'Salon')))),
            array('SET_SUMMARIES', array('summaries' => array(array('index' => 0, 'enable' => true, 'key' => 'temperature', 'name' => 'Température',
                'image' => array('source' => 'jeedom', 'name' => ' jeedom-thermometre '))))),
            array('SET_BACKGROUNDS', array('backgrounds' => array('background' => array('type' => 'image', 'options' => array('source' => 'md', 'name' => 'sky')),
                'condBackgrounds' => array(array('index' => 0, 'condition' => '#' . $never->getId() . '# == 0 && #999999# == 1', 'background' => array('type' => 'color', 'options' => array('color' => '#000'))))))),
            array('ADD_GEOFENCE', array('geofence' => array('identifier' => 'maison', 'extras' => array('name' => 'Maison'), 'radius' => 150,
                'latitude' => 48.85, 'longitude' => 2.35), 'coordinates' => array('latitude' => 48.8501, 'longitude' => 2.3501, 'altitude' => 35))),
        ));
        return array(eqLogic::byId($eq->getId()), $key, $u);
    }

    private function connectParams($key, $user) {
        return array('apiKey' => $key, 'deviceId' => 'dev-1', 'deviceName' => 'Pixel 8', 'token' => 'tok', 'userHash' => $user->getHash(),
            'appVersion' => '1.20.1', 'pluginRequire' => '1.0.0', 'platformOs' => 'android', 'osVersion' => '14', 'appTypeVersion' => 'stable',
            'buildVersion' => '42');
    }

    public function testGetConfigOfUpstreamStorage() {
        list($eq, $key) = $this->laidOutPhone();
        $e = $this->assertSameAnswer('GET_CONFIG', array('apiKey' => $key));
        $p = $e['result']['payload']['payload'];
        $this->assertSame('1234', $p['password']);
        $this->assertSame(array('Lumières'), array_column($p['groups'], 'name'));
        $this->assertSame('Ma temp', $p['customData']['widgets']['2']['name']);
    }

    public function testGetInfo() {
        list($eq, $key) = $this->laidOutPhone();
        $p = $this->assertSameAnswerDates('GET_INFO', array('apiKey' => $key))['result']['payload'];
        $cmds = array_column($p['cmdInfo'], null, 'id');
        $byName = function ($n) {
            return (string) cmd::byString('#[Aucun][Dev ' . $n . '][' . $n . ']#')->getId();
        };
        // the order of upstream's list: widget infos and moreInfos, then conditions (widgets', background's, tabs')
        $this->assertSame(array_map($byName, array('Temp', 'Hum', 'Texte', 'Porte', 'Jamais')), array_column($p['cmdInfo'], 'id'));
        // values as Jeedom keeps them, history rounded to one decimal
        $this->assertSame(21.46, $cmds[$byName('Temp')]['value']);
        $this->assertSame(array('averageValue' => 21.5, 'minValue' => 21.5, 'maxValue' => 21.5, 'tendance' => 'stable'), $cmds[$byName('Temp')]['history']);
        $this->assertSame(55, $cmds[$byName('Hum')]['value']);
        $this->assertSame('bonjour', $cmds[$byName('Texte')]['value']);
        $this->assertSame(array('', 0, 0), array($cmds[$byName('Jamais')]['value'], $cmds[$byName('Jamais')]['modified'], $cmds[$byName('Jamais')]['collectDate']));
        // the room's summaries with their cmds, every global summary key
        $this->assertSame(array(array('cmd' => '#' . $byName('Temp') . '#')), $p['objInfo'][0]['keys'][0]['temperature']['cmds']);
        $this->assertSame(array_keys(config::byKey('object:summary')), array_map('key', end($p['objInfo'])['keys']));
    }

    public function testHistoryFallsBackToTheCurrentValue() {
        list($eq, $key) = $this->laidOutPhone();
        $temp = cmd::byString('#[Aucun][Dev Temp][Temp]#');
        $temp->event(18.26);
        DB::Prepare('DELETE FROM history', array(), DB::FETCH_TYPE_ROW);
        $p = $this->assertSameAnswerDates('GET_CMD_INFO', array('apiKey' => $key))['result']['payload'];
        $this->assertSame(array(18.3, 18.3, 18.3), array($p[0]['history']['averageValue'], $p[0]['history']['minValue'], $p[0]['history']['maxValue']));
    }

    public function testGetEvents() {
        list($eq, $key) = $this->laidOutPhone();
        $this->upstream('SET_APPSTATE', array('apiKey' => $key, 'state' => 'active'));
        $e = $this->assertSameAnswerDates('GET_EVENTS', array('apiKey' => $key, 'configVersion' => 0, 'lastReadTimestamp' => time(), 'lastHistoricReadTimestamp' => 0));
        $this->assertSame('CONFIG_AND_INFOS', $e['result']['type']);
        $v = (int) eqLogic::byId($eq->getId())->getConfiguration('configVersion');
        $e = $this->assertSameAnswerDates('GET_EVENTS', array('apiKey' => $key, 'configVersion' => $v, 'lastReadTimestamp' => time() + 5, 'lastHistoricReadTimestamp' => 0),
            array('result.payload.0.payload', 'result.payload.1.payload'));
        $this->assertSame('SET_EVENTS', $e['result']['type']);
    }

    /** What differs on purpose: the plugin's version, and its links (ours are our own plugin_info/links.json, not
     * the previous plugin's documentation and donation pages). */
    const WELCOME_MASK = array('result.payload.pluginVersion', 'result.payload.pluginConfig.pluginJeedomVersion', 'result.payload.links');

    private function assertSameWelcome($key, $user) {
        // both default WebSocket addresses then name the same port (upstream's is always 8090, ours the configured one)
        config::save('port', 8090, 'JeedomConnect');
        $e = $this->assertSameAnswerDates('CONNECT', $this->connectParams($key, $user), self::WELCOME_MASK);
        $this->assertSame('WELCOME', $e['result']['type']);
        $this->assertSame(array(), $e['result']['payload']['links']);
        return $e['result']['payload'];
    }

    public function testConnect() {
        list($eq, $key, $u) = $this->laidOutPhone();
        $p = $this->assertSameWelcome($key, $u);
        $this->assertSame(array('maison'), array_column($p['geofenceInfo']['geofences'], 'identifier'));
        $this->assertSame('Principal', $p['timelineFolders']['main']);
        $this->assertSame(array(true, true), array($p['editEnabled'], $p['scenariosEnabled']));
    }

    public function testConnectDefaultsOfAUserPhone() {
        list($eq, $key, $u) = $this->laidOutPhone('user', array('timelineEnabled' => '0', 'scenariosEnabled' => '0', 'webviewEnabled' => '0'));
        $p = $this->assertSameWelcome($key, $u);
        $this->assertSame(array(null, false, false, false), array($p['timelineFolders'], $p['editEnabled'], $p['scenariosEnabled'], $p['webviewEnabled']));
    }
}
