<?php
/* The equipment page's connection status: the daemon is asked about one device by its full apiKey (its STATUS list
 * masks keys to 4 characters, so two phones whose keys start alike would get each other's status). */

class DeviceStatusTest extends JcTestCase {
    public function testAsksTheDaemonByTheFullKey() {
        $line = array('apiKey' => 'abcd…', 'enabled' => true, 'mode' => 'ws', 'connected' => true, 'since' => 1, 'address' => '192.0.2.7');
        $record = $this->startFakeControl(array('STATUS' => array('version' => '2.0.0', 'devices' => array(), 'device' => $line)));
        $eq = $this->eq('P', $this->user());
        $key = $eq->getLogicalId();
        $status = JeedomConnectControl::deviceStatus($key);
        $this->assertTrue($status['daemon']);
        $this->assertSame($line, $status['device']);
        $asked = $this->ofType($this->received($record, 1), 'STATUS');
        $this->assertCount(1, $asked);
        $this->assertSame($key, $asked[0]['eqApiKey'], 'the full key, not a prefix');
    }

    public function testDaemonDown() {
        config::save('socketport', self::freePort(), 'JeedomConnect');
        $this->assertSame(array('daemon' => false, 'device' => null), JeedomConnectControl::deviceStatus('k'));
    }
}
