<?php
/* The layout storage of the upstream plugin (docs/layout-storage.md) read and written in place: layout file of
 * references, global widget definitions, per-device custom data, assembled cache, backups; and the rule that only a
 * phone's apiKey designates an equipment. */
class LayoutStorageTest extends JcTestCase {
    private function connectParams($eq) {
        return array('apiKey' => $eq->getLogicalId(), 'deviceId' => 'dev-1', 'deviceName' => 'Pixel 8', 'appVersion' => '1.20.1',
            'pluginRequire' => '1.20.0', 'platformOs' => 'android', 'appTypeVersion' => 'stable');
    }

    /** Storage as upstream 1.20.6 leaves it: a layout of references, two global widgets (one a select), a group
     * child, custom data, a password and a Jeedom summary. Returns [eq, info cmd, select cmd]. */
    private function upstreamPhone() {
        $temp = $this->infoCmd('Temp', '21');
        $mode = new jcTestDeviceCmd();
        $mode->setEqLogic_id($temp->getEqLogic_id())->setEqType('jcTestDevice')->setName('Mode')->setType('action')->setSubType('select')
            ->setConfiguration('listValue', 'eco|Eco;confort|Confort');
        $mode->save();
        $eq = $this->eq('P', $this->user(), array('pwdAction' => '4321'));
        $eq->setConfiguration('configVersion', 12)->save();
        JeedomConnectLayout::write($eq->getLogicalId(), array('type' => 'JEEDOM_CONFIG', 'formatVersion' => '1.0', 'idCounter' => 5,
            'payload' => array('configVersion' => 12,
                'tabs' => array(array('id' => 0, 'index' => 0, 'name' => 'Maison', 'icon' => array('source' => 'md', 'name' => 'home'), 'enable' => true)),
                'sections' => array(), 'rooms' => array(), 'groups' => array(array('id' => 999001, 'parentId' => 0, 'index' => 0, 'name' => 'G', 'expanded' => true, 'enable' => true)),
                'summaries' => array(array('index' => 0, 'enable' => true, 'key' => 'temperature', 'name' => 'T', 'image' => array('source' => 'jeedom', 'name' => 'x '))),
                'widgets' => array(array('id' => 42, 'widgetId' => 2, 'parentId' => 999001, 'index' => 0), array('id' => 43, 'widgetId' => 3, 'parentId' => 0, 'index' => 1)))));
        config::save('widget::42', json_encode(array('id' => 42, 'type' => 'generic-info', 'name' => 'Température', 'enable' => true,
            'statusInfo' => array('id' => (string) $temp->getId(), 'type' => 'info', 'subType' => 'numeric'))), 'JeedomConnect');
        config::save('widget::43', json_encode(array('id' => 43, 'type' => 'mode', 'name' => 'Mode', 'enable' => true,
            'modeAction' => array('id' => (string) $mode->getId(), 'type' => 'action', 'subType' => 'select'), 'moreWidgets' => array(array('id' => 42)))), 'JeedomConnect');
        config::save('widget::44', json_encode(array('id' => 44, 'type' => 'generic-info', 'name' => 'Child')), 'JeedomConnect');
        config::save('customData::' . $eq->getLogicalId() . '::2', json_encode(array('widgetId' => 2, 'name' => 'Ma temp', 'moreWidgets' => array(array('id' => 44)))), 'JeedomConnect');
        config::save('object:summary', json_encode(array('temperature' => array('calcul' => 'avg', 'unit' => '°C', 'count' => '', 'allowDisplayZero' => 0, 'ignoreIfCmdOlderThan' => ''))));
        // what upstream's cache held (stale: an older assembly)
        cache::set(JeedomConnectLayout::cacheKey($eq->getLogicalId()), '{"stale":true}');
        file_put_contents(JeedomConnectLayout::path($eq->getLogicalId()) . '.generated', '{"stale":true}');
        return array(eqLogic::byId($eq->getId()), $temp, $mode);
    }

    public function testUpstreamStorageIsAssembledForConnectGetConfigAndConfigAndInfos() {
        list($eq, $temp, $mode) = $this->upstreamPhone();
        $welcome = $this->result('CONNECT', $this->connectParams($eq));
        $this->assertSame('WELCOME', $welcome['type'], json_encode($welcome));
        $this->assertSame(12, $welcome['payload']['configVersion']);
        $this->assertSame(array((string) $temp->getId()), array_map(function ($c) {
            return (string) $c['id'];
        }, $welcome['payload']['cmdInfo']), 'the info cmd of a global widget is known to the phone');

        $config = $this->result('GET_CONFIG', array('apiKey' => $eq->getLogicalId()));
        $this->assertSame('SET_CONFIG', $config['type']);
        $c = $config['payload'];
        $this->assertSame(12, $c['payload']['configVersion']);
        $this->assertSame(array(42, 43, 44), array_column($c['payload']['widgets'], 'id'));
        $this->assertSame(array('id' => 42, 'widgetId' => 2, 'parentId' => 999001, 'index' => 0, 'type' => 'generic-info', 'name' => 'Température',
            'enable' => true, 'statusInfo' => array('id' => (string) $temp->getId(), 'type' => 'info', 'subType' => 'numeric')), $c['payload']['widgets'][0]);
        $this->assertSame(array(array('id' => 'eco', 'value' => 'Eco'), array('id' => 'confort', 'value' => 'Confort')), $c['payload']['widgets'][1]['modeAction']['choices']);
        $this->assertSame(300044, $c['payload']['widgets'][2]['widgetId'], 'custom data moreWidgets child of widgetId 2');
        $this->assertSame('4321', $c['payload']['password']);
        $this->assertSame('avg', $c['payload']['summaries'][0]['calcul']);
        $this->assertSame('x', $c['payload']['summaries'][0]['image']['name']);
        $this->assertSame('Ma temp', $c['payload']['customData']['widgets'][2]['name']);
        $this->assertSame(json_encode($c), cache::byKey(JeedomConnectLayout::cacheKey($eq->getLogicalId()))->getValue(), 'stale cache replaced');
        $this->assertSame($c, json_decode(file_get_contents(JeedomConnectLayout::path($eq->getLogicalId()) . '.generated'), true));

        $r = $this->result('GET_EVENTS', array('apiKey' => $eq->getLogicalId(), 'configVersion' => 11));
        $this->assertSame('CONFIG_AND_INFOS', $r['type']);
        $this->assertSame($c, $r['payload']['config']);
    }

    /** The previous plugin's own code, run on the same storage, assembles the same layout. */
    public function testSameAssemblyAsThePreviousPluginsOwnCode() {
        $fixture = JC_TEST_WEB . '/plugins/jcUpstreamFixture';
        if (!is_file($fixture . '/core/class/JeedomConnect.class.php')) {
            $this->markTestSkipped('upstream 1.20.6 archive not beside the clone (../shared/real-jeedom)');
        }
        list($eq) = $this->upstreamPhone();
        $upstream = function ($eq) use ($fixture) {
            $out = shell_exec('cd ' . escapeshellarg(JC_TEST_WEB) . ' && php ' . escapeshellarg(__DIR__ . '/upstream_assembly.php') . ' '
                . escapeshellarg($fixture) . ' ' . (int) $eq->getId() . ' ' . escapeshellarg(dirname(JeedomConnectLayout::path('x'))) . ' 2>&1');
            $theirs = json_decode((string) $out, true);
            $this->assertIsArray($theirs, 'upstream\'s assembly: ' . $out);
            return json_encode($theirs);
        };
        $this->assertSame($upstream($eq), json_encode(JeedomConnectLayout::generated($eq)));
        // no custom data, no password, a group whose children have children (and one that points back)
        config::remove('customData::' . $eq->getLogicalId() . '::2', 'JeedomConnect');
        $eq->setConfiguration('pwdAction', '')->save();
        config::save('widget::42', json_encode(array('id' => 42, 'type' => 'widgets-list', 'name' => 'Groupe', 'widgets' => array(array('id' => 45), array('id' => 46)))), 'JeedomConnect');
        config::save('widget::45', json_encode(array('id' => 45, 'type' => 'widgets-list', 'widgets' => array(array('id' => 47), array('id' => 42)))), 'JeedomConnect');
        config::save('widget::46', json_encode(array('id' => 46, 'type' => 'generic-info', 'name' => 'B')), 'JeedomConnect');
        config::save('widget::47', json_encode(array('id' => 47, 'type' => 'generic-info', 'name' => 'C')), 'JeedomConnect');
        $eq = eqLogic::byId($eq->getId());
        $ours = JeedomConnectLayout::generated($eq);
        $this->assertSame('{"widgets":[]}', json_encode($ours['payload']['customData']));
        $this->assertSame(array(42, 43, 45, 46, 47), array_column($ours['payload']['widgets'], 'id'));
        $this->assertSame($upstream($eq), json_encode($ours));
    }

    public function testAnySourceChangeRebuildsTheAssembledLayout() {
        list($eq) = $this->upstreamPhone();
        $this->result('GET_CONFIG', array('apiKey' => $eq->getLogicalId()));
        config::save('widget::42', json_encode(array('id' => 42, 'type' => 'generic-info', 'name' => 'Renamed')), 'JeedomConnect');
        config::remove('customData::' . $eq->getLogicalId() . '::2', 'JeedomConnect');
        $c = $this->result('GET_CONFIG', array('apiKey' => $eq->getLogicalId()))['payload'];
        $this->assertSame('Renamed', $c['payload']['widgets'][0]['name']);
        $this->assertSame('{"widgets":[]}', json_encode($c['payload']['customData']));
        $this->assertSame(json_encode($c), cache::byKey(JeedomConnectLayout::cacheKey($eq->getLogicalId()))->getValue());
    }

    public function testDeviceFilterFollowsEveryNewConfigVersion() {
        $x = $this->infoCmd('X', '1');
        $y = $this->infoCmd('Y', '2');
        $eq = $this->eq('P', $this->user());
        $w = JeedomConnectLayout::addCmdWidget($eq, $x->getId());
        $eq->save();
        $eq = eqLogic::byId($eq->getId());
        $this->assertSame(array((string) $x->getId()), JeedomConnectDevice::record($eq)['cmds']);
        // the widget definition now shows Y: a new config version (as every widget change brings) reaches the filter
        $def = array('id' => $w['id'], 'type' => 'generic-info', 'statusInfo' => array('id' => (string) $y->getId(), 'type' => 'info'));
        config::save('widget::' . $w['id'], json_encode($def), 'JeedomConnect');
        JeedomConnectLayout::bump($eq);
        $eq->save();
        $eq = eqLogic::byId($eq->getId());
        $this->assertSame(array((string) $y->getId()), JeedomConnectDevice::record($eq)['cmds']);
        $this->assertArrayHasKey((string) $y->getId(), JeedomConnectDevice::recomputeWatched());
        $this->assertArrayNotHasKey((string) $x->getId(), JeedomConnectDevice::recomputeWatched());
    }

    public function testMissingLayoutIsRestoredFromTheBackupAtConnect() {
        list($eq) = $this->upstreamPhone();
        $key = $eq->getLogicalId();
        $layout = json_decode(file_get_contents(JeedomConnectLayout::path($key)), true);
        @mkdir(dirname(JeedomConnectLayout::backupPath($key)), 0775, true);
        file_put_contents(JeedomConnectLayout::backupPath($key), json_encode(array('type' => 'JC_EXPORT_EQLOGIC_CONFIG', 'payload' => $layout)));
        unlink(JeedomConnectLayout::path($key));
        $this->assertSame('WELCOME', $this->result('CONNECT', $this->connectParams($eq))['type']);
        $this->assertSame($layout, json_decode(file_get_contents(JeedomConnectLayout::path($key)), true));
        // without backup: EMPTY_CONFIG_FILE
        unlink(JeedomConnectLayout::path($key));
        unlink(JeedomConnectLayout::backupPath($key));
        $this->assertSame(array('type' => 'EMPTY_CONFIG_FILE'), $this->result('CONNECT', $this->connectParams($eq)));
    }

    public function testNewEquipmentIsStoredInTheSameFormatAndBumpsLikeUpstream() {
        $t = $this->infoCmd('Temp', '20');
        $eq = $this->eq('P', $this->user());
        $key = $eq->getLogicalId();
        $this->assertSame(JeedomConnectLayout::emptyConfig(), json_decode(file_get_contents(JeedomConnectLayout::path($key)), true));
        $this->assertSame(0, (int) $eq->getConfiguration('configVersion'));
        config::save('index::max', '41', 'JeedomConnect');
        $w = JeedomConnectLayout::addCmdWidget($eq, $t->getId());
        $eq->save();
        $this->assertSame(42, $w['id']);
        $this->assertSame('42', config::byKey('index::max', 'JeedomConnect'));
        $def = config::byKey('widget::42', 'JeedomConnect');
        $def = is_array($def) ? $def : json_decode($def, true);
        $this->assertSame('generic-info', $def['type']);
        $this->assertSame((string) $t->getId(), $def['statusInfo']['id']);
        $raw = json_decode(file_get_contents(JeedomConnectLayout::path($key)), true);
        $this->assertSame(array(array('id' => 42, 'index' => 0, 'widgetId' => 0)), $raw['payload']['widgets'], 'a reference only');
        $this->assertSame(1, $raw['idCounter']);
        $this->assertSame(1, $raw['payload']['configVersion']);
        $eq = eqLogic::byId($eq->getId());
        $this->assertSame(1, (int) $eq->getConfiguration('configVersion'));
        $this->assertSame(2, JeedomConnectLayout::bump($eq));
        $eq->save();
        $this->assertSame(2, json_decode(file_get_contents(JeedomConnectLayout::path($key)), true)['payload']['configVersion']);
        $this->assertSame(2, (int) eqLogic::byId($eq->getId())->getConfiguration('configVersion'));
        $this->assertSame(2, $this->result('GET_CONFIG', array('apiKey' => $key))['payload']['payload']['configVersion']);
        // removing the equipment removes its layout and custom data
        config::save('customData::' . $key . '::0', json_encode(array('widgetId' => 0)), 'JeedomConnect');
        $eq->remove();
        $this->assertFileDoesNotExist(JeedomConnectLayout::path($key));
        $this->assertSame(array(), config::searchKey('customData::' . $key, 'JeedomConnect'));
    }

    public function testLayoutKeptInTheEquipmentByEarlierVersionsIsMovedToTheFile() {
        $t = $this->infoCmd('Temp', '20');
        $eq = $this->eq('P', $this->user());
        unlink(JeedomConnectLayout::path($eq->getLogicalId()));
        $legacy = JeedomConnectLayout::emptyConfig();
        $legacy['payload']['widgets'][] = array('type' => 'generic-info', 'id' => 1, 'widgetId' => 1, 'index' => 0, 'statusInfo' => array('id' => (string) $t->getId(), 'type' => 'info'));
        $eq->setConfiguration('jcConfig', $legacy)->setConfiguration('configVersion', 7)->save();
        $c = JeedomConnectLayout::generated(eqLogic::byId($eq->getId()));
        $this->assertSame(7, $c['payload']['configVersion']);
        $this->assertSame('generic-info', $c['payload']['widgets'][0]['type']);
        $this->assertSame(1, $c['payload']['widgets'][0]['widgetId']);
        $raw = JeedomConnectLayout::stored(eqLogic::byId($eq->getId()));
        $this->assertArrayNotHasKey('type', $raw['payload']['widgets'][0], 'stored as a reference to a global widget');
    }

    public function testOnlyAPhoneApiKeyDesignatesAnEquipment() {
        $target = $this->actionCmd($this->infoCmd('Temp', '20'));
        $map = new JeedomConnect();
        $map->setName('Localisation')->setEqType_name('JeedomConnect')->setLogicalId('jcmapwidget')->setIsEnable(1)->setConfiguration('jceqtype', 'map');
        $map->save();
        $map = eqLogic::byId($map->getId());
        $this->assertSame('', (string) $map->getConfiguration('apiKey', ''), 'the map equipment gets no apiKey');
        $this->assertFileDoesNotExist(JeedomConnectLayout::path('jcmapwidget'));
        $other = $this->eq('Other', $this->user(), array('jceqtype' => 'watch'));
        $phone = $this->eq('P', $this->user('bob'));
        foreach (array('jcmapwidget', $other->getLogicalId(), '') as $key) {
            foreach (array('CMD_EXEC' => array('id' => $target->getId()), 'CONNECT' => array(), 'GET_CONFIG' => array(), 'GET_EVENTS' => array(), 'SC_EXEC' => array('id' => 1)) as $method => $params) {
                $r = $this->result($method, array_merge($params, array('apiKey' => $key)));
                $this->assertSame('EXCEPTION', $r['type'], $method . ' with ' . $key);
                $this->assertStringContainsString("Can't find eqLogic", $r['payload']['message']);
            }
            $this->assertNull(JeedomConnectDevice::byApiKey($key));
        }
        $r = $this->call('CONNECT', array('apiKey' => 'jcmapwidget', 'connexionFrom' => 'WS'), $this->daemonQuery());
        $this->assertArrayNotHasKey('jcd', $r, 'no device record for the map');
        $this->assertSame(array($phone->getId()), array_map(function ($e) {
            return $e->getId();
        }, JeedomConnectDevice::all()), 'device records, QR codes and listeners loop over phones only');
        $this->assertFalse(JeedomConnectQr::generate($map));
        $this->assertNull(JeedomConnectLayout::generated($map));
        $this->assertSame('ok', $this->result('CMD_EXEC', array('apiKey' => $phone->getLogicalId(), 'id' => $target->getId())), 'a phone still runs it');
    }

    public function testANewActionPasswordIsANewLayoutVersion() {
        $eq = $this->setLayout($this->eq('Pwd', $this->user()), array());
        $v = (int) $eq->getConfiguration('configVersion');
        $eq->setConfiguration('pwdAction', '9999');
        $eq->save();
        $eq = eqLogic::byId($eq->getId());
        $this->assertSame($v + 1, (int) $eq->getConfiguration('configVersion'));
        $this->assertSame('9999', JeedomConnectLayout::generated($eq)['payload']['password']);
        $this->assertSame($v + 1, JeedomConnectLayout::stored($eq)['payload']['configVersion']);
        $eq->setConfiguration('appState', 'active');
        $eq->save();
        $this->assertSame($v + 1, (int) eqLogic::byId($eq->getId())->getConfiguration('configVersion'), 'same password: same version');
    }
}
