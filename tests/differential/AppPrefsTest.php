<?php
/* GET_PICOKEY / SET_PICOKEY as upstream 1.20.6 does them, on twin phones. */
class AppPrefsTest extends JcDiffTestCase {
    public function testPicoKey() {
        $u = $this->user('pico', 'user');
        $twins = array('upstream' => $this->eq('Up', $u), 'ours' => $this->eq('Ours', $u));
        $answers = array();
        foreach ($twins as $who => $eq) {
            $answers[$who][] = $this->$who('GET_PICOKEY', array('apiKey' => $eq->getLogicalId()));
            $answers[$who][] = $this->$who('SET_PICOKEY', array('apiKey' => $eq->getLogicalId(), 'value' => 'pv-Secret=='));
            $answers[$who][] = $this->$who('GET_PICOKEY', array('apiKey' => $eq->getLogicalId()));
            $this->assertSame('pv-Secret==', eqLogic::byId($eq->getId())->getConfiguration('picovoiceKey'), $who);
        }
        $this->assertSame($answers['upstream'], $answers['ours']);
        $this->assertSame(array('type' => 'SET_PICOKEY', 'payload' => array('picovoiceKey' => null)), $answers['ours'][0]['result']);
        $this->assertSame(array('type' => 'SET_PICOKEY', 'payload' => array('picovoiceKey' => 'pv-Secret==')), $answers['ours'][2]['result']);
        $log = (string) @file_get_contents(JC_TEST_WEB . '/log/JeedomConnect');
        $this->assertStringNotContainsString('pv-Secret', $log);
    }

    public function testBadKeyIsRefused() {
        $eq = $this->eq('Ours', $this->user('pico', 'user'), array('picovoiceKey' => 'kept'));
        $this->assertOurRefusal('SET_PICOKEY', array('apiKey' => $eq->getLogicalId(), 'value' => array('x')));
        $this->assertSame('kept', eqLogic::byId($eq->getId())->getConfiguration('picovoiceKey'));
        $this->assertSameAnswer('GET_PICOKEY', array('apiKey' => 'not-a-key'));
    }
}
