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
}
