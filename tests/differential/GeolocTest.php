<?php
/* GEOLOC (apiKey in the JSON-RPC id, as the app's background-geolocation library sends it): position, distance from
 * home, activity, battery and geofences written as upstream 1.20.6 writes them, for twin phones. */
class GeolocTest extends JcDiffTestCase {
    const VALUES = array('position', 'distance', 'activity', 'battery', 'geofence_home', 'geofence_work');

    protected function setUp(): void {
        parent::setUp();
        config::save('latitude', '45.764043', 'JeedomConnect');
        config::save('longitude', '4.835659', 'JeedomConnect');
    }

    private function twins($config = array()) {
        $u = $this->user('geo', 'user');
        $twins = array();
        foreach (array('upstream' => 'Up', 'ours' => 'Ours') as $who => $name) {
            $eq = $this->eq($name, $u, $config + array('platformOs' => 'android'));
            foreach (array('home' => array(45.764043, 4.835659, 200), 'work' => array(45.7597, 4.8422, 100)) as $id => $g) {
                $c = new JeedomConnectCmd();
                $c->setEqLogic_id($eq->getId())->setLogicalId('geofence_' . $id)->setName('Geofence ' . $id)->setType('info')->setSubType('binary');
                $c->setConfiguration('latitude', $g[0])->setConfiguration('longitude', $g[1])->setConfiguration('radius', $g[2]);
                $c->save();
            }
            $twins[$who] = $eq;
        }
        return $twins;
    }

    private function state($eq) {
        $eq = eqLogic::byId($eq->getId());
        $r = array();
        foreach (self::VALUES as $l) {
            $c = $eq->getCmd('info', $l);
            $r[$l] = $c->execCmd();
            if ($l === 'position' || $l === 'battery') {
                $r[$l . '.valueDate'] = $c->getValueDate();
            }
        }
        return $r;
    }

    /** The fix sent to upstream for one twin (id = its apiKey) and to us for the other; same answers, same values. */
    private function sendBoth($twins, $fix) {
        $answers = array();
        foreach ($twins as $who => $eq) {
            $answers[$who] = $this->$who('GEOLOC', $fix, $eq->getLogicalId());
        }
        $this->assertSame(array('jsonrpc' => '2.0', 'id' => $twins['upstream']->getLogicalId(), 'result' => 'ok'), $answers['upstream']);
        $this->assertSame(array('jsonrpc' => '2.0', 'id' => $twins['ours']->getLogicalId(), 'result' => 'ok'), $answers['ours']);
        $this->assertSame($this->state($twins['upstream']), $this->state($twins['ours']), json_encode($fix));
        return $this->state($twins['ours']);
    }

    private static function fix($lat, $lng, $accuracy, $activity, $battery, $ms) {
        return array('coords' => array('latitude' => $lat, 'longitude' => $lng, 'altitude' => 172.5, 'accuracy' => $accuracy),
            'activity' => array('type' => $activity, 'confidence' => 100), 'battery' => array('level' => $battery, 'is_charging' => false),
            'timestampMeta' => array('systemTime' => $ms), 'timestamp' => '2026-12-07T09:00:00.000Z', 'is_moving' => true, 'uuid' => 'u-1');
    }

    public function testPreciseFixAtWorkThenHome() {
        $twins = $this->twins();
        $s = $this->sendBoth($twins, self::fix(45.7598, 4.8421, 12, 'on_foot', 0.81, 1796634000123));
        $this->assertSame(array('45.7598,4.8421', 'on_foot', 81, 0, 1, date('Y-m-d H:i:s', 1796634000)),
            array($s['position'], $s['activity'], (int) $s['battery'], (int) $s['geofence_home'], (int) $s['geofence_work'], $s['position.valueDate']));
        $this->assertGreaterThan(500, (int) $s['distance']);
        $s = $this->sendBoth($twins, self::fix(45.76405, 4.83566, 8, 'still', 0.8, 1796637600000));
        $this->assertSame(array(1, 0, 0), array((int) $s['geofence_home'], (int) $s['geofence_work'], (int) $s['distance']));
    }

    public function testImpreciseFixLeavesThePositionButUpdatesActivityAndBattery() {
        $twins = $this->twins();
        $this->sendBoth($twins, self::fix(45.7598, 4.8421, 12, 'on_foot', 0.81, 1796634000000));
        $s = $this->sendBoth($twins, self::fix(45.9, 4.9, 120, 'running', 0.5, 1796634600000));
        $this->assertSame(array('45.7598,4.8421', 'running', 50), array($s['position'], $s['activity'], (int) $s['battery']));
        // in a vehicle, 120 m is precise enough
        $s = $this->sendBoth($twins, self::fix(45.9, 4.9, 120, 'in_vehicle', 0.5, 1796634900000));
        $this->assertSame('45.9,4.9', $s['position']);
    }

    public function testAltitudeOptionAndIsoTimestamp() {
        $twins = $this->twins(array('addAltitude' => 1));
        $fix = self::fix(45.7598, 4.8421, 12, 'in_vehicle', -1, 0);
        unset($fix['timestampMeta']);
        $s = $this->sendBoth($twins, $fix);
        $this->assertSame('45.7598,4.8421,172.5,in_vehicle,-100', $s['position']);
        $this->assertSame(date('Y-m-d H:i:s', strtotime('2026-12-07T09:00:00.000Z')), $s['position.valueDate']);
    }

    public function testAnApiKeyInParamsIsNotEnough() {
        $twins = $this->twins();
        $this->assertSameAnswer('GEOLOC', self::fix(45.7598, 4.8421, 12, 'on_foot', 0.81, 1796634000000) + array('apiKey' => $twins['ours']->getLogicalId()), array(), '1');
        $this->assertSameAnswer('GEOLOC', self::fix(45.7598, 4.8421, 12, 'on_foot', 0.81, 1796634000000), array(), 'not-a-key');
    }

    public function testOutsideIsNotReemittedAtEachPosition() {
        // documented fix: upstream re-sends geofence 0 at every position (refreshing its collect date each time)
        $twins = $this->twins();
        $this->ours('GEOLOC', self::fix(45.9, 4.9, 12, 'still', 0.8, 1796634000000), $twins['ours']->getLogicalId());
        $this->ours('GEOLOC', self::fix(45.91, 4.91, 12, 'still', 0.8, 1796637600000), $twins['ours']->getLogicalId());
        $home = cmd::byId(eqLogic::byId($twins['ours']->getId())->getCmd('info', 'geofence_home')->getId());
        $this->assertSame('0', (string) $home->execCmd());
        $this->assertSame(date('Y-m-d H:i:s', 1796634000), $home->getCollectDate());
    }

    public function testBadFixIsRefusedAndChangesNothing() {
        $twins = $this->twins();
        $key = $twins['ours']->getLogicalId();
        $before = $this->state($twins['ours']);
        $noTime = self::fix(45.7598, 4.8421, 12, 'on_foot', 0.81, 0);
        unset($noTime['timestampMeta'], $noTime['timestamp']);
        foreach (array(array(), array('coords' => 'here'), array('coords' => array('latitude' => 'north', 'longitude' => 4.8)), $noTime) as $bad) {
            $m = $this->assertOurRefusal('GEOLOC', $bad, $key);
            $this->assertSame($before, $this->state($twins['ours']), $m);
        }
    }
}
