<?php
/* Geofences (ADD_GEOFENCE, REMOVE_GEOFENCE, GET_GEOFENCES) and SET_FACE_DETECTED as upstream 1.20.6 does them, for
 * twin phones: one answered by upstream, one by us. */
class GeofencesTest extends JcDiffTestCase {
    protected function setUp(): void {
        parent::setUp();
        config::save('latitude', '45.764043', 'JeedomConnect');
        config::save('longitude', '4.835659', 'JeedomConnect');
    }

    private function twins() {
        $u = $this->user('geo', 'user');
        return array('upstream' => $this->eq('Up', $u, array('platformOs' => 'android')), 'ours' => $this->eq('Ours', $u, array('platformOs' => 'android')));
    }

    /** The geofence commands (name, type, configuration, value) and position/distance of a phone. */
    private function state($eq) {
        $eq = eqLogic::byId($eq->getId());
        $r = array();
        foreach ($eq->getCmd('info') as $c) {
            if (strpos($c->getLogicalId(), 'geofence') === 0) {
                $r[$c->getLogicalId()] = array($c->getName(), $c->getType(), $c->getSubType(), (string) $c->getIsVisible(),
                    self::sorted($c->getConfiguration()), $c->execCmd());
            }
        }
        ksort($r);
        foreach (array('position', 'distance', 'faceDetected') as $l) {
            $r[$l] = $eq->getCmd('info', $l)->execCmd();
        }
        return $r;
    }

    private function sendBoth($twins, $method, $params) {
        $a = array();
        foreach ($twins as $who => $eq) {
            $a[$who] = $this->$who($method, $params + array('apiKey' => $eq->getLogicalId()));
        }
        $this->assertSame($a['upstream'], $a['ours'], $method);
        $this->assertSame($this->state($twins['upstream']), $this->state($twins['ours']), $method . ' ' . json_encode($params));
        return $a['ours'];
    }

    private static function zone($id, $name, $lat, $lng, $radius) {
        return array('identifier' => $id, 'extras' => array('name' => $name), 'latitude' => $lat, 'longitude' => $lng, 'radius' => $radius);
    }

    public function testAddListRemove() {
        $twins = $this->twins();
        $here = array('latitude' => 45.76405, 'longitude' => 4.83566, 'altitude' => 170);
        $this->assertSame('ok', $this->sendBoth($twins, 'ADD_GEOFENCE', array('geofence' => self::zone('home-1', 'Maison', 45.764043, 4.835659, 150), 'coordinates' => $here))['result']);
        $this->sendBoth($twins, 'ADD_GEOFENCE', array('geofence' => self::zone('work-2', 'Bureau', 45.7597, 4.8422, '100'), 'coordinates' => $here));
        // the same identifier again: the zone is updated
        $this->sendBoth($twins, 'ADD_GEOFENCE', array('geofence' => self::zone('work-2', 'Travail', 45.7598, 4.8421, 120), 'coordinates' => $here));
        $s = $this->state($twins['ours']);
        $this->assertSame(array('1', '0', '45.76405,4.83566'), array((string) $s['geofence_home-1'][5], (string) $s['geofence_work-2'][5], $s['position']));
        $e = $this->sendBoth($twins, 'GET_GEOFENCES', array());
        $this->assertSame(array('type' => 'SET_GEOFENCES', 'payload' => array('geofences' => array(
            array('identifier' => 'home-1', 'extras' => array('name' => 'Maison'), 'radius' => 150, 'latitude' => 45.764043, 'longitude' => 4.835659, 'notifyOnEntry' => true, 'notifyOnExit' => true),
            array('identifier' => 'work-2', 'extras' => array('name' => 'Travail'), 'radius' => 120, 'latitude' => 45.7598, 'longitude' => 4.8421, 'notifyOnEntry' => true, 'notifyOnExit' => true)))),
            json_decode(json_encode($e['result']), true));
        $this->sendBoth($twins, 'REMOVE_GEOFENCE', array('geofence' => array('identifier' => 'home-1')));
        $this->sendBoth($twins, 'REMOVE_GEOFENCE', array('geofence' => array('identifier' => 'nowhere')));
        $e = $this->sendBoth($twins, 'GET_GEOFENCES', array());
        $this->assertSame(array('work-2'), array_column($e['result']['payload']['geofences'], 'identifier'));
    }

    public function testFaceDetected() {
        $twins = $this->twins();
        $this->sendBoth($twins, 'SET_FACE_DETECTED', array('value' => 1));
        $this->assertSame('1', (string) $this->state($twins['ours'])['faceDetected']);
        $this->sendBoth($twins, 'SET_FACE_DETECTED', array('value' => 0));
    }

    public function testBadInputIsRefusedAndChangesNothing() {
        $twins = $this->twins();
        $key = $twins['ours']->getLogicalId();
        $before = $this->state($twins['ours']);
        $here = array('latitude' => 45.76405, 'longitude' => 4.83566);
        foreach (array(array('ADD_GEOFENCE', array('coordinates' => $here)),
            array('ADD_GEOFENCE', array('geofence' => self::zone('', 'Vide', 45.7, 4.8, 100), 'coordinates' => $here)),
            array('ADD_GEOFENCE', array('geofence' => self::zone('z', 'Z', 'north', 4.8, 100), 'coordinates' => $here)),
            array('ADD_GEOFENCE', array('geofence' => self::zone('z', 'Z', 45.7, 4.8, 100))),
            array('REMOVE_GEOFENCE', array()), array('SET_FACE_DETECTED', array('value' => array(1)))) as $case) {
            $m = $this->assertOurRefusal($case[0], $case[1] + array('apiKey' => $key));
            $this->assertSame($before, $this->state($twins['ours']), $m);
        }
        $this->assertSameAnswer('GET_GEOFENCES', array('apiKey' => 'not-a-key'));
    }
}
