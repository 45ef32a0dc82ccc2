<?php
/* The app's Batteries page: GET_BATTERIES and RESET_BATERY answered as upstream 1.20.6 answers them, from the same
 * equipments of any plugin. */
class BatteriesTest extends JcDiffTestCase {
    private $apiKey;

    protected function setUp(): void {
        parent::setUp();
        $this->apiKey = $this->eq('Pixel', $this->user('bat', 'user'))->getLogicalId();
    }

    private function device($name, $pct, $config = array(), $room = null, $enable = 1) {
        $eq = new jcTestDevice();
        $eq->setName($name)->setEqType_name('jcTestDevice')->setIsEnable($enable);
        foreach ($config as $k => $v) {
            $eq->setConfiguration($k, $v);
        }
        if ($room !== null) {
            $eq->setObject_id($room->getId());
        }
        $eq->save();
        if ($pct !== null) {
            $eq->batteryStatus($pct, '2026-12-07 08:15:00');
        }
        return $eq;
    }

    public function testBatteriesOfEveryPlugin() {
        $room = new jeeObject();
        $room->setName('Garage')->save();
        $this->device('Capteur porte', 85, array('battery_type' => '1x CR2032', 'batterytime' => '2026-11-27 10:00:00'), $room);
        $this->device('Détecteur', 15);
        $this->device('Sirène', 4, array('battery_danger_threshold' => 3, 'battery_warning_threshold' => 5));
        $this->device('Prise', null);
        $this->device('Éteint', 50, array(), null, 0);
        $e = $this->assertSameAnswer('GET_BATTERIES', array('apiKey' => $this->apiKey));
        $this->assertSame('SET_BATTERIES', $e['result']['type']);
        $b = array_column($e['result']['payload'], null, 'eqName');
        $names = array_keys($b);
        sort($names);
        $this->assertSame(array('Capteur porte', 'Détecteur', 'Sirène'), $names);
        $this->assertSame(array('good', 'Garage', 'JcTestDevice', '1x CR2032', '07/12/2026 08:15:00'),
            array($b['Capteur porte']['level'], $b['Capteur porte']['roomName'], $b['Capteur porte']['plugin'], $b['Capteur porte']['batteryType'], $b['Capteur porte']['lastUpdate']));
        $this->assertSame(array('warning', 'Aucun', null, ''), array($b['Détecteur']['level'], $b['Détecteur']['roomName'], $b['Détecteur']['roomId'], $b['Détecteur']['lastReplace']));
        $this->assertSame('warning', $b['Sirène']['level']);
    }

    public function testResetBattery() {
        $eq = $this->device('Capteur porte', 85);
        $e = $this->assertSameAnswer('RESET_BATERY', array('apiKey' => $this->apiKey, 'eqId' => $eq->getId()));
        $this->assertSame(0, (int) $e['result']['payload'][0]['lastReplace']);
        $this->assertSame(date('Y-m-d'), substr(eqLogic::byId($eq->getId())->getConfiguration('batterytime'), 0, 10));
    }

    public function testResetUnknownEquipmentIsRefusedWhereUpstreamAnswersTheList() {
        $this->device('Capteur porte', 85);
        $list = $this->ours('GET_BATTERIES', array('apiKey' => $this->apiKey))['result'];
        $m = $this->assertUpstreamSilentOursRefuses('RESET_BATERY', array('apiKey' => $this->apiKey, 'eqId' => 987654), $list);
        $this->assertStringContainsString('987654', $m);
        $this->assertOurRefusal('RESET_BATERY', array('apiKey' => $this->apiKey));
        $this->assertSameAnswer('GET_BATTERIES', array('apiKey' => 'not-a-key'));
    }
}
