<?php
/* Telemetry: SET_BATTERY and SET_DEVICE_INFOS write the same values into the same commands (and Jeedom's battery
 * status) as upstream 1.20.6. Each request goes to upstream for one phone and to us for an identical twin. */
class TelemetryTest extends JcDiffTestCase {
    const INFOS = array('battery', 'ipAddress', 'ssid', 'wifiEnabled', 'bluetoothConnected', 'isScreenOn', 'isCharging',
        'nextAlarm', 'nextAlarmPackage', 'volume', 'smsMessage', 'smsNumber');

    /** Two identical phones: one answered by upstream, one by us. */
    private function twins($config = array()) {
        $u = $this->user('tele', 'user');
        return array('upstream' => $this->eq('Up', $u, $config + array('platformOs' => 'android')),
            'ours' => $this->eq('Ours', $u, $config + array('platformOs' => 'android')));
    }

    /** The phone's info values and its Jeedom battery status. */
    private function state($eq) {
        $eq = eqLogic::byId($eq->getId());
        $r = array();
        foreach (self::INFOS as $l) {
            $c = $eq->getCmd('info', $l);
            $r[$l] = is_object($c) ? $c->execCmd() : 'no command';
        }
        $r['status.battery'] = $eq->getStatus('battery', 'none');
        $r['status.batteryDanger'] = $eq->getStatus('batterydanger', 'none');
        return $r;
    }

    private function sendBoth($twins, $method, $params) {
        $answers = array();
        foreach ($twins as $who => $eq) {
            $answers[$who] = $this->$who($method, $params + array('apiKey' => $eq->getLogicalId()));
        }
        $this->assertSame($answers['upstream'], $answers['ours']);
        $this->assertSame($this->state($twins['upstream']), $this->state($twins['ours']), $method . ' ' . json_encode($params));
        return $answers['ours'];
    }

    public function testSetBattery() {
        $twins = $this->twins();
        $e = $this->sendBoth($twins, 'SET_BATTERY', array('level' => 87));
        $this->assertSame('ok', $e['result']);
        $this->assertSame(87, (int) $this->state($twins['ours'])['battery']);
        $this->assertSame(87, (int) $this->state($twins['ours'])['status.battery']);
        $this->sendBoth($twins, 'SET_BATTERY', array('level' => '12'));
        $this->assertSame(12, (int) $this->state($twins['ours'])['status.battery']);
    }

    public function testSetBatteryWithHideBatteryLeavesJeedomsStatus() {
        $twins = $this->twins(array('hideBattery' => 1));
        $this->sendBoth($twins, 'SET_BATTERY', array('level' => 55));
        $this->assertSame(55, (int) $this->state($twins['ours'])['battery']);
        $this->assertSame('none', $this->state($twins['ours'])['status.battery']);
    }

    public function testSetDeviceInfos() {
        $twins = $this->twins();
        $this->sendBoth($twins, 'SET_DEVICE_INFOS', array('batteryLevel' => 64, 'ipAddress' => '192.168.1.42', 'ssid' => 'Maison',
            'wifiEnabled' => true, 'bluetoothConnected' => false, 'isScreenOn' => true, 'isCharging' => false,
            'nextAlarm' => 1796706000123, 'alarmPackage' => 'com.google.android.deskclock', 'alarmFiltered' => false,
            'volumes' => array('alarm' => 80, 'music' => 30, 'ring' => 100), 'smsMessage' => 'Coucou', 'smsNumber' => '+33600000000'));
        $s = $this->state($twins['ours']);
        $this->assertSame(array('192.168.1.42', 'Maison', 1, 0, 1796706000, 'com.google.android.deskclock', '80;-1;30;-1;100;-1;'),
            array($s['ipAddress'], $s['ssid'], (int) $s['wifiEnabled'], (int) $s['bluetoothConnected'], (int) $s['nextAlarm'], $s['nextAlarmPackage'], $s['volume']));
        // without nextAlarm the next alarm becomes -1 (as upstream), other values stay
        $this->sendBoth($twins, 'SET_DEVICE_INFOS', array('ssid' => 'Bureau'));
        $s = $this->state($twins['ours']);
        $this->assertSame(array('Bureau', '192.168.1.42', -1), array($s['ssid'], $s['ipAddress'], (int) $s['nextAlarm']));
    }

    public function testSingleVolumeOption() {
        $twins = $this->twins(array('volume' => 'music'));
        $this->sendBoth($twins, 'SET_DEVICE_INFOS', array('volumes' => array('alarm' => 80, 'music' => 30)));
        $this->assertSame('30', (string) $this->state($twins['ours'])['volume']);
        $this->sendBoth($twins, 'SET_DEVICE_INFOS', array('volumes' => array('alarm' => 80)));
        $this->assertSame('-1', (string) $this->state($twins['ours'])['volume']);
    }

    public function testUnknownApiKey() {
        $this->assertSameAnswer('SET_BATTERY', array('apiKey' => 'not-a-key', 'level' => 50));
        $this->assertSameAnswer('SET_DEVICE_INFOS', array('apiKey' => 'not-a-key', 'ssid' => 'x'));
    }

    public function testBadLevelIsRefusedAndChangesNothing() {
        $twins = $this->twins();
        $this->sendBoth($twins, 'SET_BATTERY', array('level' => 70));
        $before = $this->state($twins['ours']);
        foreach (array(array('SET_BATTERY', array()), array('SET_BATTERY', array('level' => 'full')),
            array('SET_DEVICE_INFOS', array('batteryLevel' => 'full', 'ssid' => 'Ailleurs')),
            array('SET_DEVICE_INFOS', array('ssid' => array('x'), 'ipAddress' => '10.0.0.9'))) as $case) {
            $m = $this->assertOurRefusal($case[0], $case[1] + array('apiKey' => $twins['ours']->getLogicalId()));
            $this->assertSame($before, $this->state($twins['ours']), $m);
        }
    }
}
