<?php
/* The equipment's action commands (other than notifications) executed in the real core: what reaches the daemon's
 * control socket (PUSH, the ACTIONS frame the phone gets: upstream 1.20.6's payloads, compared with upstream's own
 * execution in tests/differential/CmdActionsTest.php), what changes in the layout, and the error line when an option
 * is missing. */
class ActionCommandsTest extends JcTestCase {
    private function phone($platform = 'android') {
        return $this->eq('Pixel', $this->user('acts', 'user'), array('platformOs' => $platform, 'useWs' => '1', 'appState' => 'active'));
    }

    private function log() {
        return (string) @file_get_contents(JC_TEST_WEB . '/log/JeedomConnect');
    }

    public function frames() {
        return array(
            array('toaster', array('message' => 'Bonjour'), array('action' => 'toaster', 'message' => 'Bonjour')),
            array('goToPage', array('message' => '4'), array('action' => 'goToPage', 'pageId' => '4')),
            array('tts', array('title' => '80', 'message' => 'Le café est prêt'), array('action' => 'tts', 'message' => 'Le café est prêt', 'volume' => '80')),
            array('update_pref_app', array('title' => 'geofence', 'message' => 'stop'), array('action' => 'geofence', 'arg' => 'OFF')),
            array('update_pref_app', array('title' => 'updateData', 'message' => '1'), array('action' => 'updateData', 'arg' => 'ON')),
            array('launchApp', array('message' => 'org.videolan.vlc'), array('action' => 'launchApp', 'packageName' => 'org.videolan.vlc')),
            array('shellExec', array('message' => 'input keyevent 3'), array('action' => 'shellExec', 'cmd' => 'input keyevent 3')),
            array('screenOn', array(), array('action' => 'screenOn')),
            array('screenOff', array(), array('action' => 'screenOff')),
            array('getDeviceInfos', array(), array('action' => 'getDeviceInfos')),
            array('eraseData', array('message' => 'ERASE'), array('action' => 'eraseData')),
            array('play_sound', array('message' => 'https://example.org/ding.mp3'), array('action' => 'playSound', 'sound' => 'https://example.org/ding.mp3')),
            array('ringerMode', array('title' => 'vibrate'), array('action' => 'ringerMode', 'mode' => 'vibrate')),
            array('dndMode', array('title' => 'dndOff'), array('action' => 'dndMode', 'mode' => 'dndOff')),
            array('setVolume', array('title' => 'alarm', 'message' => '70'), array('action' => 'setVolume', 'volume' => 70, 'type' => 'alarm')),
            array('send_sms', array('title' => '0612345678', 'message' => 'En route'),
                array('action' => 'send_sms', 'numero' => '0612345678', 'message' => 'En route', 'simId' => null, 'files' => null)),
        );
    }

    /** @dataProvider frames */
    public function testEachCommandPushesUpstreamsFrame($logicalId, $options, $payload) {
        $eq = $this->phone();
        $record = $this->startFakeControl();
        $eq->getCmd('action', $logicalId)->execCmd($options);
        $push = $this->ofType($this->received($record, 1), 'PUSH');
        $this->assertCount(1, $push);
        $this->assertSame($eq->getLogicalId(), $push[0]['eqApiKey']);
        $this->assertSame(array('type' => 'ACTIONS', 'payload' => array($payload)), $push[0]['message']);
    }

    public function badOptions() {
        return array(
            array('toaster', array('message' => ''), 'Empty field'),
            array('tts', array('title' => 'fort', 'message' => 'x'), 'has to contain integer between 0 to 100'),
            array('update_pref_app', array('title' => 'none', 'message' => '1'), 'Please select an action'),
            array('eraseData', array('message' => 'oui'), 'has to be filled with "erase"'),
            array('ringerMode', array('title' => ''), 'Empty field "Mode"'),
            array('send_sms', array('title' => 'sim=1', 'message' => 'x'), 'No numero found'),
            array('display_menu', array('title' => 'hide', 'message' => ''), 'Empty field "Id du Menu"'),
        );
    }

    /** @dataProvider badOptions */
    public function testBadOptionsAreAnErrorAndNothingIsSent($logicalId, $options, $error) {
        $eq = $this->phone();
        $record = $this->startFakeControl();
        $before = strlen($this->log());
        $eq->getCmd('action', $logicalId)->execCmd($options);
        $this->assertSame(array(), $this->ofType($this->received($record, 1, 0.5), 'PUSH'));
        $this->assertStringContainsString($error, substr($this->log(), $before));
        $this->assertStringContainsString('[ERROR]', substr($this->log(), $before));
    }

    public function testLayoutCommandsBumpTheVersionAndTellTheDaemon() {
        $eq = $this->phone();
        $c = JeedomConnectLayout::emptyConfig();
        $c['payload']['tabs'] = array(array('id' => 1, 'name' => 'Haut', 'enable' => true, 'index' => 0));
        JeedomConnectLayout::set($eq, $c);
        $eq->save();
        $v = (int) eqLogic::byId($eq->getId())->getConfiguration('configVersion');
        $record = $this->startFakeControl();
        $eq->getCmd('action', 'display_menu')->execCmd(array('title' => 'hide', 'message' => '1'));
        $eq = eqLogic::byId($eq->getId());
        $this->assertSame($v + 1, (int) $eq->getConfiguration('configVersion'));
        $this->assertFalse(JeedomConnectLayout::generated($eq)['payload']['tabs'][0]['enable']);
        $devices = $this->ofType($this->received($record, 1), 'DEVICES');
        $this->assertSame($v + 1, end($devices)['devices'][0]['configVersion'], 'the daemon learns the new version (CONFIG_AND_INFOS to the phone)');

        $eq->getCmd('action', 'display_widget')->execCmd(array('title' => 'hide', 'message' => '8'));
        $this->assertSame(array('visibilityCond' => "'enable' == #auto#"), config::byKey('customData::' . $eq->getLogicalId() . '::8', 'JeedomConnect'));
        $this->assertSame($v + 2, (int) eqLogic::byId($eq->getId())->getConfiguration('configVersion'));
        $eq->getCmd('action', 'remove_custo')->execCmd(array('message' => '8'));
        $this->assertSame('', config::byKey('customData::' . $eq->getLogicalId() . '::8', 'JeedomConnect'));
        $this->assertSame($v + 3, (int) eqLogic::byId($eq->getId())->getConfiguration('configVersion'));
    }

    public function testUnlinkDetachesThePhone() {
        $eq = $this->eq('Pixel', $this->user('acts', 'user'), array('platformOs' => 'android', 'deviceId' => 'd-1', 'deviceName' => 'Pixel 8'));
        $eq->getCmd('action', 'unlink')->execCmd();
        $eq = eqLogic::byId($eq->getId());
        $this->assertSame(array('', '', ''), array($eq->getConfiguration('deviceId'), $eq->getConfiguration('deviceName'), $eq->getConfiguration('platformOs')));
    }
}
