<?php
/* DETACH_EQUIPEMENT as upstream 1.20.6 does it: the named equipment forgets its phone. */
class PairingTest extends JcDiffTestCase {
    private function bound($name, $u) {
        return $this->eq($name, $u, array('deviceId' => 'dev-' . $name, 'deviceName' => 'Pixel ' . $name, 'platformOs' => 'android'));
    }

    private function device($eq) {
        $eq = eqLogic::byId($eq->getId());
        return array($eq->getConfiguration('deviceId'), $eq->getConfiguration('deviceName'), $eq->getConfiguration('platformOs'));
    }

    public function testDetachAnotherEquipment() {
        $u = $this->user('pair', 'user');
        $caller = $this->bound('caller', $u);
        foreach (array('upstream', 'ours') as $who) {
            $target = $this->bound('t' . $who, $u);
            $this->assertSame(array('jsonrpc' => '2.0', 'id' => '1', 'result' => 'ok'),
                $this->$who('DETACH_EQUIPEMENT', array('apiKey' => $caller->getLogicalId(), 'eqId' => $target->getLogicalId())), $who);
            $this->assertSame(array('', '', ''), $this->device($target), $who);
            $this->assertSame(array('dev-caller', 'Pixel caller', 'android'), $this->device($caller), $who);
        }
        // an equipment that does not exist (any more): nothing to do, as upstream
        $this->assertSameAnswer('DETACH_EQUIPEMENT', array('apiKey' => $caller->getLogicalId(), 'eqId' => 'gone-key'));
    }

    public function testMissingEqIdIsRefused() {
        $caller = $this->bound('caller', $this->user('pair', 'user'));
        $this->assertOurRefusal('DETACH_EQUIPEMENT', array('apiKey' => $caller->getLogicalId()));
        $this->assertOurRefusal('DETACH_EQUIPEMENT', array('apiKey' => $caller->getLogicalId(), 'eqId' => array('x')));
        $this->assertSame(array('dev-caller', 'Pixel caller', 'android'), $this->device($caller));
        $this->assertSameAnswer('DETACH_EQUIPEMENT', array('apiKey' => 'not-a-key', 'eqId' => $caller->getLogicalId()));
    }

    public function testNewApiKey() {
        $eq = $this->bound('phone', $this->user('pair', 'user'));
        // a live key: nothing to hand over. Documented fix: upstream means to answer its EXCEPTION, but Jeedom's
        // config::byKey() gives '' for a missing key, so it answers an EMPTY new apiKey (the app would drop its key)
        $m = $this->assertUpstreamSilentOursRefuses('GET_NEW_APIKEY', array('apiKey' => $eq->getLogicalId()),
            array('type' => 'SET_NEW_APIKEY', 'payload' => array('apiKey' => '')));
        $this->assertSame("Error with 'GET_NEW_APIKEY' method [API] - No equipment found - no apikey regen", $m);
        // an old key of a regenerated equipment: the new one, once
        foreach (array('upstream', 'ours') as $who) {
            config::save('newApiKey::old-key', $eq->getLogicalId(), 'JeedomConnect');
            $this->assertSame(array('type' => 'SET_NEW_APIKEY', 'payload' => array('apiKey' => $eq->getLogicalId())),
                $this->$who('GET_NEW_APIKEY', array('apiKey' => 'old-key'))['result'], $who);
            $this->assertSame('', (string) config::byKey('newApiKey::old-key', 'JeedomConnect'), $who);
        }
        $this->assertSameAnswer('GET_NEW_APIKEY', array('apiKey' => 'old-key'));
    }
}
