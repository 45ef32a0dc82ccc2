<?php
/* GET_CONTROL_DEVICES (Android's device controls) as upstream 1.20.6 answers it, for the same phone, layout and
 * values. Both read the phone's assembled layout (upstream from Jeedom's cache, which our assembly writes). */
class DeviceControlsTest extends JcDiffTestCase {
    private $eq;
    private $cmds = array();

    private function room($name) {
        $o = new jeeObject();
        $o->setName($name)->setIsVisible(1)->save();
        return $o;
    }

    private function cmd($name, $type, $subType, $value = null) {
        if (!isset($this->dev)) {
            $this->dev = new jcTestDevice();
            $this->dev->setName('Maison')->setEqType_name('jcTestDevice')->setIsEnable(1)->save();
        }
        $c = new jcTestDeviceCmd();
        $c->setEqLogic_id($this->dev->getId())->setEqType('jcTestDevice')->setName($name)->setType($type)->setSubType($subType)->save();
        if ($value !== null) {
            $c->event($value);
        }
        return $this->cmds[$name] = (string) $c->getId();
    }

    /** A phone whose layout references the given global widgets (ids from 1), assembled (Jeedom's cache written). */
    private function phone(array $widgets) {
        $this->eq = $this->eq('Pixel', $this->user('ctrl', 'user'));
        $this->eq = $this->globalWidgetsLayout($this->eq, $widgets);
        return $this->eq->getLogicalId();
    }

    private function layout() {
        $salon = $this->room('Salon');
        $cuisine = $this->room('cuisine');
        $on = $this->cmd('On', 'action', 'other');
        $off = $this->cmd('Off', 'action', 'other');
        $state = $this->cmd('Etat', 'info', 'binary', 1);
        $bright = $this->cmd('Luminosité', 'info', 'numeric', 40);
        $slider = $this->cmd('Variateur', 'action', 'slider');
        $color = $this->cmd('Couleur', 'info', 'string', '#ff8800');
        $temp = $this->cmd('Temp', 'info', 'numeric', 21.5);
        $mode = $this->cmd('Mode', 'info', 'string', 'Confort chaud');
        $pos = $this->cmd('Position', 'info', 'numeric', 30);
        $room = (int) $salon->getId();
        return array(
            array('type' => 'single-light-switch', 'name' => 'Lampe #room#', 'enable' => true, 'room' => $room, 'allowOnUnlock' => true,
                'onAction' => array('id' => $on, 'confirm' => true), 'offAction' => array('id' => $off, 'pwd' => true), 'statusInfo' => array('id' => $state, 'type' => 'info')),
            array('type' => 'single-light-color', 'name' => 'Ruban', 'enable' => true, 'room' => (int) $cuisine->getId(),
                'onAction' => array('id' => $on), 'offAction' => array('id' => $off), 'brightInfo' => array('id' => $bright, 'minValue' => 0, 'maxValue' => '100', 'unit' => '%'),
                'brightAction' => array('id' => $slider, 'options' => array('slider' => 1)), 'colorInfo' => array('id' => $color)),
            array('type' => 'door', 'name' => 'Porte', 'enable' => false, 'statusInfo' => array('id' => $state, 'invert' => true)),
            array('type' => 'power', 'name' => 'Conso', 'enable' => true, 'room' => 'global', 'statusInfo' => array('id' => $temp, 'unit' => 'W')),
            array('type' => 'thermostat', 'name' => 'Chauffage', 'enable' => true, 'room' => $room, 'setpointInfo' => array('id' => $temp, 'step' => '0.5'),
                'setpointAction' => array('id' => $slider, 'secure' => true), 'modeInfo' => array('id' => $mode),
                'modes' => array(array('id' => $on, 'name' => 'Eco'), array('id' => $off, 'name' => 'Off'), array('id' => $on, 'name' => 'Eco nuit'))),
            array('type' => 'shutter', 'name' => 'Volet', 'enable' => true, 'room' => $room, 'statusInfo' => array('id' => $pos, 'subType' => 'numeric'),
                'upAction' => array('id' => $on), 'downAction' => array('id' => $off), 'positionAction' => array('id' => $slider)),
            array('type' => 'scenario', 'name' => 'Réveil', 'enable' => true, 'scenarioId' => '3', 'options' => array('scenario_id' => '3', 'action' => 'start')),
            array('type' => 'pir', 'name' => 'Mouvement', 'enable' => true, 'hideControlDevice' => true, 'statusInfo' => array('id' => $state)),
            array('type' => 'camera', 'name' => 'Caméra sans image', 'enable' => true),
            array('type' => 'camera', 'name' => 'Caméra', 'enable' => true, 'snapshotUrl' => 'http://cam/snap.jpg'),
            array('type' => 'component', 'component' => 'text', 'name' => 'Texte', 'enable' => true, 'statusInfo' => array('id' => $mode)),
            array('type' => 'history', 'name' => 'Courbe', 'enable' => true, 'statusInfo' => array('id' => $temp)),
            array('type' => 'generic-info-binary', 'name' => 'Fenêtre #' . $state . '#', 'enable' => true, 'text1' => 'Oui', 'statusInfo' => array('id' => $state)),
        );
    }

    public function testEveryControlWithoutValues() {
        $key = $this->phone($this->layout());
        $e = $this->assertSameAnswer('GET_CONTROL_DEVICES', array('apiKey' => $key));
        $d = $e['result']['payload']['devices'];
        $this->assertSame('SET_CONTROL_DEVICES', $e['result']['type']);
        $this->assertSame(array('Caméra', 'Fenêtre 1', 'Porte', 'Réveil', 'Texte', 'Conso', 'Ruban', 'Chauffage', 'Lampe Salon', 'Volet'), array_column($d, 'title'));
        $byTitle = array_column($d, null, 'title');
        $this->assertSame(array('action' => 'execCmd', 'cmdId' => $this->cmds['On'], 'challenge' => 'ACK'), $byTitle['Lampe Salon']['onAction']);
        $this->assertSame('PIN', $byTitle['Lampe Salon']['offAction']['challenge']);
        $this->assertSame(array('TYPE_LIGHT', 'TYPE_TOGGLE', true), array($byTitle['Lampe Salon']['deviceType'], $byTitle['Lampe Salon']['controlTemplate'], $byTitle['Lampe Salon']['allowOnUnlock']));
        $this->assertSame('DISABLED', $byTitle['Porte']['deviceStatus']);
        $this->assertSame('TYPE_THUMBNAIL', $byTitle['Caméra']['controlTemplate']);
        $this->assertGreaterThan(0, (int) eqLogic::byId($this->eq->getId())->getConfiguration('activeControlTime'));
    }

    public function testActiveControlsWithValues() {
        $key = $this->phone($this->layout());
        $e = $this->assertSameAnswer('GET_CONTROL_DEVICES', array('apiKey' => $key, 'activeControlIds' => array('1', 2, '3', '4', '5', '6', '8', '9', '99', '13')));
        $d = $e['result']['payload']['devices'];
        $this->assertSame('1,2,3,4,5,6,8,9,99,13', eqLogic::byId($this->eq->getId())->getConfiguration('activeControlIds'));
        $stubs = array_values(array_filter($d, function ($x) {
            return !isset($x['title']);
        }));
        $this->assertSame(array(array('id' => '8', 'deviceStatus' => 'NOT_FOUND'), array('id' => '9', 'deviceStatus' => 'ERROR'), array('id' => '99', 'deviceStatus' => 'NOT_FOUND')), $stubs);
        $byTitle = array_column($d, null, 'title');
        $this->assertSame(array('on', 'ON', 40, 0, 100, '%', '#80ff8800'), array($byTitle['Ruban']['status'], $byTitle['Ruban']['statusText'], $byTitle['Ruban']['rangeStatus'],
            $byTitle['Ruban']['minValue'], $byTitle['Ruban']['maxValue'], $byTitle['Ruban']['rangeUnit'], $byTitle['Ruban']['colorEnabled']));
        $this->assertSame(array('off', 'Fermé'), array($byTitle['Porte']['status'], $byTitle['Porte']['statusText']));
        $this->assertSame('21.5W', $byTitle['Conso']['statusText']);
        $this->assertSame(array('heat', 'TYPE_TEMPERATURE', 'TYPE_THERMOSTAT', 0.5), array($byTitle['Chauffage']['modeStatus'], $byTitle['Chauffage']['controlTemplate'],
            $byTitle['Chauffage']['deviceType'], $byTitle['Chauffage']['stepValue']));
        $this->assertSame(array('0' => 'eco', '1' => 'off'), $byTitle['Chauffage']['modes']);
        $this->assertSame(array('TYPE_TOGGLE_RANGE', 30, 'on', 'Ouvert'), array($byTitle['Volet']['controlTemplate'], $byTitle['Volet']['rangeStatus'], $byTitle['Volet']['status'], $byTitle['Volet']['statusText']));
        $this->assertSame('Oui', $byTitle['Fenêtre 1']['statusText']);
        // the same list again: nothing to store; an empty list is the full list
        $this->assertSameAnswer('GET_CONTROL_DEVICES', array('apiKey' => $key, 'activeControlIds' => array('1', 2, '3', '4', '5', '6', '8', '9', '99', '13')));
        $this->assertSameAnswer('GET_CONTROL_DEVICES', array('apiKey' => $key, 'activeControlIds' => array()));
    }

    public function testPhoneWithoutWidgetsAndUnknownApiKey() {
        $key = $this->phone(array());
        $e = $this->assertSameAnswer('GET_CONTROL_DEVICES', array('apiKey' => $key, 'activeControlIds' => array('5')));
        $this->assertSame(array('devices' => array(array('id' => '5', 'deviceStatus' => 'NOT_FOUND'))), $e['result']['payload']);
        $this->assertSameAnswer('GET_CONTROL_DEVICES', array('apiKey' => 'not-a-key'));
    }

    public function testBadListIsRefusedWhereUpstreamCrashes() {
        $key = $this->phone($this->layout());
        $this->assertUpstreamCrashesOursRefuses('GET_CONTROL_DEVICES', array('apiKey' => $key, 'activeControlIds' => '1,2'));
        $this->assertOurRefusal('GET_CONTROL_DEVICES', array('apiKey' => $key, 'activeControlIds' => array(array('1'))));
    }

    /** Upstream's shutter always ends as TYPE_TOGGLE_RANGE (an assignment where a comparison was meant): a shutter
     * without position control gets a range it cannot set. Ours keeps the template its commands allow. */
    public function testShutterWithoutPositionIsAToggle() {
        $on = $this->cmd('Up', 'action', 'other');
        $off = $this->cmd('Down', 'action', 'other');
        $state = $this->cmd('Ouvert', 'info', 'binary', 1);
        $key = $this->phone(array(array('type' => 'shutter', 'name' => 'Volet', 'enable' => true, 'statusInfo' => array('id' => $state, 'subType' => 'binary'),
            'upAction' => array('id' => $on), 'downAction' => array('id' => $off))));
        $p = array('apiKey' => $key, 'activeControlIds' => array('1'));
        $up = $this->upstream('GET_CONTROL_DEVICES', $p)['result']['payload']['devices'][0];
        $our = $this->ours('GET_CONTROL_DEVICES', $p)['result']['payload']['devices'][0];
        $this->assertSame('TYPE_TOGGLE_RANGE', $up['controlTemplate']);
        $this->assertSame('TYPE_TOGGLE', $our['controlTemplate']);
        $up['controlTemplate'] = $our['controlTemplate'];
        $this->assertSame(self::sorted($up), self::sorted($our));
    }
}
