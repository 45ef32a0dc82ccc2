<?php
/* The phone's action commands (docs/phone-commands.md): each one queues its order for the phone with the options
 * checked as the previous plugin checks them, or writes a clear error in the plugin's log - never a silent no-op. */
class PhoneActionsTest extends JcTestCase {
    private function phone() {
        $eq = $this->eq('Phone', $this->user('pa', 'user'), array('platformOs' => 'android'));
        JeedomConnectCommands::ensure($eq, 'android');
        return eqLogic::byId($eq->getId());
    }

    private function logSize() {
        clearstatcache();
        $f = log::getPathToLog('JeedomConnect');
        return is_file($f) ? filesize($f) : 0;
    }

    private function errorsSince($_from) {
        clearstatcache();
        $f = log::getPathToLog('JeedomConnect');
        $text = is_file($f) ? (string) file_get_contents($f, false, null, $_from) : '';
        return array_values(array_filter(explode("\n", $text), function ($l) {
            return strpos($l, '[ERROR]') !== false;
        }));
    }

    /** Runs the command; [queued payloads, error lines]. */
    private function runCmd($_eq, $_logicalId, $_options) {
        $cmd = $_eq->getCmd('action', $_logicalId);
        $this->assertTrue(is_object($cmd), $_logicalId);
        $from = $this->logSize();
        $cmd->execCmd($_options);
        return array(JeedomConnectDevice::takeQueuedActions($_eq), $this->errorsSince($from));
    }

    public function testEachOrderIsQueuedAsTheAppExpectsIt() {
        $eq = $this->phone();
        $cases = array(
            array('launchApp', array('message' => 'com.spotify.music'), array('action' => 'launchApp', 'packageName' => 'com.spotify.music')),
            array('shellExec', array('message' => 'ls'), array('action' => 'shellExec', 'cmd' => 'ls')),
            array('screenOn', array(), array('action' => 'screenOn')),
            array('screenOff', array(), array('action' => 'screenOff')),
            array('getDeviceInfos', array(), array('action' => 'getDeviceInfos')),
            array('eraseData', array('message' => 'ERASE'), array('action' => 'eraseData')),
            array('play_sound', array('message' => 'bip.mp3'), array('action' => 'playSound', 'sound' => 'bip.mp3')),
            array('ringerMode', array('title' => 'silent'), array('action' => 'ringerMode', 'mode' => 'silent')),
            array('dndMode', array('title' => 'dndOn'), array('action' => 'dndMode', 'mode' => 'dndOn')),
            array('setVolume', array('title' => 'music', 'message' => '40'), array('action' => 'setVolume', 'volume' => 40, 'type' => 'music')),
            array('update_pref_app', array('title' => 'darkMode', 'message' => 'marche'), array('action' => 'darkMode', 'arg' => 'ON')),
            array('update_pref_app', array('title' => 'tracking', 'message' => '0'), array('action' => 'tracking', 'arg' => 'OFF')),
            array('update_pref_app', array('title' => 'themeColor', 'message' => '#ff0000'), array('action' => 'themeColor', 'arg' => '#ff0000')),
            array('send_sms', array('title' => '0601020304', 'message' => 'Hello'), array('action' => 'send_sms', 'numero' => '0601020304', 'message' => 'Hello', 'simId' => null, 'files' => null)),
            array('send_sms', array('title' => 'numero=0601020304|sim=2|files=' . __FILE__ . ',/nonexistent', 'message' => 'Hi'),
                array('action' => 'send_sms', 'numero' => '0601020304', 'message' => 'Hi', 'simId' => '2', 'files' => array(realpath(__FILE__)))),
        );
        foreach ($cases as $c) {
            list($queued, $errors) = $this->runCmd($eq, $c[0], $c[1]);
            $this->assertSame(array($c[2]), $queued, $c[0] . ' ' . json_encode($c[1]));
            $this->assertSame(array(), $errors, $c[0]);
        }
    }

    public function testBadOptionsLogAClearErrorAndSendNothing() {
        $eq = $this->phone();
        foreach (array(array('launchApp', array('message' => '')), array('shellExec', array()), array('eraseData', array('message' => 'yes')),
            array('play_sound', array('message' => ' ')), array('ringerMode', array('title' => '')), array('setVolume', array('title' => 'music', 'message' => 'loud')),
            array('setVolume', array('message' => '30')), array('update_pref_app', array('title' => 'none', 'message' => '1')),
            array('update_pref_app', array('title' => 'darkMode', 'message' => '')), array('send_sms', array('title' => '', 'message' => 'x')),
            array('send_sms', array('title' => 'sim=1', 'message' => 'x')), array('remove_custo', array('message' => ''))) as $c) {
            list($queued, $errors) = $this->runCmd($eq, $c[0], $c[1]);
            $this->assertSame(array(), $queued, $c[0] . ' ' . json_encode($c[1]));
            $this->assertCount(1, $errors, $c[0] . ' ' . json_encode($c[1]));
            $this->assertStringContainsString('(' . $c[0] . ')', $errors[0]);
        }
    }

    public function testACommandThisPluginDoesNotCarryOutSaysSo() {
        $eq = $this->phone();
        $cmd = new JeedomConnectCmd();
        $cmd->setEqLogic_id($eq->getId())->setEqType('JeedomConnect')->setLogicalId('oldOrder')->setName('Ancienne')->setType('action')->setSubType('other')->save();
        list($queued, $errors) = $this->runCmd(eqLogic::byId($eq->getId()), 'oldOrder', array());
        $this->assertSame(array(), $queued);
        $this->assertCount(1, $errors);
        $this->assertStringContainsString('pas prise en charge', $errors[0]);
    }

    public function testRemoveCustomisationBumpsTheLayout() {
        $eq = $this->phone();
        $before = (int) $eq->getConfiguration('configVersion');
        config::save('customData::' . $eq->getLogicalId() . '::7', json_encode(array('widgetId' => 7, 'name' => 'x')), 'JeedomConnect');
        list($queued, $errors) = $this->runCmd($eq, 'remove_custo', array('message' => '7'));
        $this->assertSame(array(array(), array()), array($queued, $errors));
        $this->assertSame('', (string) config::byKey('customData::' . $eq->getLogicalId() . '::7', 'JeedomConnect'));
        $this->assertSame($before + 1, (int) eqLogic::byId($eq->getId())->getConfiguration('configVersion'));
    }
}
