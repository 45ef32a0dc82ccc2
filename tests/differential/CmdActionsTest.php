<?php
/* The equipment's action commands other than notifications, executed by upstream 1.20.6's own code and by ours on the
 * same phone: the same action frames for the phone (compared where both queue them for GET_EVENTS: `action::<n>`,
 * the phone connected, our daemon down), the same layout changes, nothing sent on bad options. */
class CmdActionsTest extends JcDiffTestCase {
    /** [stored layout, configVersion] every layout command starts from */
    private $start;

    /** The queued action payloads of every phone, taken (removed) in store order. */
    private function takeQueued() {
        $r = array();
        foreach (config::searchKey('action::', 'JeedomConnect') as $row) {
            $v = is_array($row['value']) ? $row['value'] : json_decode($row['value'], true);
            $r[] = $v;
            config::remove($row['key'], 'JeedomConnect');
        }
        return $r;
    }

    private function phone($platform) {
        return $this->eq('Pixel', $this->user('acts', 'user'), array('platformOs' => $platform, 'useWs' => '1', 'appState' => 'active'));
    }

    public function deliveries() {
        $file = realpath(__FILE__);
        return array(
            'toaster' => array('android', 'toaster', array('message' => 'Bonjour'), array('action' => 'toaster', 'message' => 'Bonjour')),
            'toaster without message' => array('android', 'toaster', array('message' => ''), null),
            'goToPage' => array('android', 'goToPage', array('message' => '3'), array('action' => 'goToPage', 'pageId' => '3')),
            'goToPage without page' => array('android', 'goToPage', array('message' => ''), null),
            'launchApp' => array('android', 'launchApp', array('message' => 'com.example'), array('action' => 'launchApp', 'packageName' => 'com.example')),
            'shellExec' => array('android', 'shellExec', array('message' => 'input keyevent 26'), array('action' => 'shellExec', 'cmd' => 'input keyevent 26')),
            'screenOn' => array('android', 'screenOn', array(), array('action' => 'screenOn')),
            'screenOff' => array('android', 'screenOff', array(), array('action' => 'screenOff')),
            'play_sound' => array('android', 'play_sound', array('message' => 'ding.mp3'), array('action' => 'playSound', 'sound' => 'ding.mp3')),
            'ringerMode' => array('android', 'ringerMode', array('title' => 'silent'), array('action' => 'ringerMode', 'mode' => 'silent')),
            'ringerMode without mode' => array('android', 'ringerMode', array('title' => ''), null),
            'dndMode' => array('android', 'dndMode', array('title' => 'dndOn'), array('action' => 'dndMode', 'mode' => 'dndOn')),
            'setVolume android' => array('android', 'setVolume', array('title' => 'music', 'message' => '40'), array('action' => 'setVolume', 'volume' => 40, 'type' => 'music')),
            'setVolume android without type' => array('android', 'setVolume', array('title' => '', 'message' => '40'), null),
            'setVolume ios' => array('ios', 'setVolume', array('title' => '', 'message' => '25'), array('action' => 'setVolume', 'volume' => 25, 'type' => '')),
            'setVolume without volume' => array('ios', 'setVolume', array('title' => '', 'message' => ''), null),
            'tts' => array('android', 'tts', array('title' => '50', 'message' => 'Salut'), array('action' => 'tts', 'message' => 'Salut', 'volume' => '50')),
            'tts default volume' => array('ios', 'tts', array('title' => '', 'message' => 'Salut'), array('action' => 'tts', 'message' => 'Salut', 'volume' => '')),
            'tts bad volume' => array('android', 'tts', array('title' => '150', 'message' => 'Salut'), null),
            'tts without text' => array('android', 'tts', array('title' => '10', 'message' => ''), null),
            'update_pref_app on' => array('android', 'update_pref_app', array('title' => 'darkMode', 'message' => 'marche'), array('action' => 'darkMode', 'arg' => 'ON')),
            'update_pref_app 0' => array('android', 'update_pref_app', array('title' => 'tracking', 'message' => '0'), array('action' => 'tracking', 'arg' => 'OFF')),
            'update_pref_app value' => array('ios', 'update_pref_app', array('title' => 'themeColor', 'message' => '#ff0000'), array('action' => 'themeColor', 'arg' => '#ff0000')),
            'update_pref_app none' => array('android', 'update_pref_app', array('title' => 'none', 'message' => '1'), null),
            'update_pref_app without value' => array('android', 'update_pref_app', array('title' => 'darkMode', 'message' => ''), null),
            'send_sms' => array('android', 'send_sms', array('title' => '0600000000', 'message' => 'Coucou'),
                array('action' => 'send_sms', 'numero' => '0600000000', 'message' => 'Coucou', 'simId' => null, 'files' => null)),
            'send_sms options' => array('android', 'send_sms', array('title' => 'numero=0611|sim=2|files=' . $file . ',/no/such/file', 'message' => 'Photo'),
                array('action' => 'send_sms', 'numero' => '0611', 'message' => 'Photo', 'simId' => '2', 'files' => array($file))),
            'send_sms without number' => array('android', 'send_sms', array('title' => 'sim=2', 'message' => 'Coucou'), null),
        );
    }

    /** @dataProvider deliveries */
    public function testActionFramesAsUpstream($platform, $logicalId, $options, $expected) {
        $eq = $this->phone($platform);
        $cmd = $eq->getCmd('action', $logicalId);
        $this->assertTrue(is_object($cmd), $logicalId . ' exists');
        $this->takeQueued();
        $this->upstreamExec($cmd->getId(), $options);
        $upstream = $this->takeQueued();
        $logBefore = (string) @file_get_contents(JC_TEST_WEB . '/log/JeedomConnect');
        cmd::byId($cmd->getId())->execCmd($options);
        $ours = $this->takeQueued();
        $this->assertSame($upstream, $ours);
        $this->assertSame($expected === null ? array() : array(array('apiKey' => $eq->getLogicalId(), 'payload' => $expected)), $ours);
        if ($expected === null) {
            $newLog = substr((string) @file_get_contents(JC_TEST_WEB . '/log/JeedomConnect'), strlen($logBefore));
            $this->assertMatchesRegularExpression('/\[ERROR\].*(Empty field|has to contain|select an action|No numero)/', $newLog, 'a clear error in the log');
        }
    }

    /** The layout file of a phone in upstream's web root (upstream reads its own data folder). */
    private function upstreamLayoutPath($eq) {
        return JC_UPSTREAM_ENV['UP_WEB'] . '/plugins/JeedomConnect/data/configs/' . $eq->getLogicalId() . '.json';
    }

    private function layoutWithMenus($eq) {
        $c = JeedomConnectLayout::emptyConfig();
        $c['payload']['tabs'] = array(array('id' => 1, 'name' => 'Haut', 'enable' => true, 'index' => 0), array('id' => 2, 'name' => 'Autre', 'enable' => true, 'index' => 1));
        $c['payload']['sections'] = array(array('id' => 3, 'name' => 'Bas', 'enable' => true, 'index' => 0));
        JeedomConnectLayout::set($eq, $c);
        $eq->save();
        $eq = eqLogic::byId($eq->getId());
        $this->start = array(json_decode(file_get_contents(JeedomConnectLayout::path($eq->getLogicalId())), true), $eq->getConfiguration('configVersion'));
        return $eq;
    }

    /** Runs the command by upstream then by ours from the state layoutWithMenus() left; returns both resulting states. */
    private function bothFrom($eq, $logicalId, $options, $customData) {
        list($stored, $version) = $this->start;
        $states = array();
        foreach (array('upstream', 'ours') as $who) {
            // the same starting point for each
            JeedomConnectLayout::write($eq->getLogicalId(), $stored);
            @mkdir(dirname($this->upstreamLayoutPath($eq)), 0775, true);
            file_put_contents($this->upstreamLayoutPath($eq), json_encode($stored, JSON_PRETTY_PRINT));
            $fresh = eqLogic::byId($eq->getId());
            $fresh->setConfiguration('configVersion', $version);
            $fresh->save(true);
            foreach (config::searchKey('customData::' . $eq->getLogicalId() . '::', 'JeedomConnect') as $row) {
                config::remove($row['key'], 'JeedomConnect');
            }
            foreach ($customData as $wid => $v) {
                config::save('customData::' . $eq->getLogicalId() . '::' . $wid, json_encode($v), 'JeedomConnect');
            }
            $cmdId = $fresh->getCmd('action', $logicalId)->getId();
            if ($who === 'upstream') {
                $this->upstreamExec($cmdId, $options);
                $layout = json_decode(file_get_contents($this->upstreamLayoutPath($eq)), true);
            } else {
                cmd::byId($cmdId)->execCmd($options);
                $layout = json_decode(file_get_contents(JeedomConnectLayout::path($eq->getLogicalId())), true);
            }
            $custom = array();
            foreach (config::searchKey('customData::' . $eq->getLogicalId() . '::', 'JeedomConnect') as $row) {
                $custom[$row['key']] = is_array($row['value']) ? $row['value'] : json_decode($row['value'], true);
            }
            ksort($custom);
            $states[$who] = array('layout' => self::sorted($layout), 'custom' => $custom,
                'configVersion' => (int) eqLogic::byId($eq->getId())->getConfiguration('configVersion'));
        }
        return $states;
    }

    public function testDisplayMenuAsUpstream() {
        $eq = $this->layoutWithMenus($this->phone('android'));
        $v = (int) $eq->getConfiguration('configVersion');
        $s = $this->bothFrom($eq, 'display_menu', array('title' => 'hide', 'message' => '2,3'), array());
        $this->assertEquals($s['upstream'], $s['ours']);
        $this->assertSame(array(true, false), array_column($s['ours']['layout']['payload']['tabs'], 'enable'));
        $this->assertSame(array(false), array_column($s['ours']['layout']['payload']['sections'], 'enable'));
        $this->assertSame($v + 1, $s['ours']['configVersion']);
        $this->assertSame($v + 1, $s['ours']['layout']['payload']['configVersion']);
        // an id that is no menu: nothing changes
        $s = $this->bothFrom($eq, 'display_menu', array('title' => 'show', 'message' => '9'), array());
        $this->assertEquals($s['upstream'], $s['ours']);
        $this->assertSame($v, $s['ours']['configVersion']);
    }

    public function testDisplayWidgetAsUpstream() {
        $eq = $this->layoutWithMenus($this->phone('android'));
        $v = (int) $eq->getConfiguration('configVersion');
        $custom = array('5' => array('visibilityCond' => '#12# > 3', 'name' => 'Salon'), '6' => array('visibilityCond' => "'enable' == #auto#"));
        foreach (array('hide' => array('title' => 'hide', 'message' => '5,7'), 'show' => array('title' => 'show', 'message' => '6,5')) as $case => $options) {
            $s = $this->bothFrom($eq, 'display_widget', $options, $custom);
            $this->assertEquals($s['upstream'], $s['ours'], $case);
            $this->assertSame($v + 1, $s['ours']['configVersion'], $case);
        }
        $s = $this->bothFrom($eq, 'display_widget', array('title' => 'hide', 'message' => '5,7'), $custom);
        $k = 'customData::' . $eq->getLogicalId() . '::';
        $this->assertSame("#12# > 3 && 'enable' == #auto#", $s['ours']['custom'][$k . '5']['visibilityCond']);
        $this->assertSame(array('visibilityCond' => "'enable' == #auto#"), $s['ours']['custom'][$k . '7']);
        $s = $this->bothFrom($eq, 'display_widget', array('title' => 'show', 'message' => '6'), $custom);
        $this->assertArrayNotHasKey($k . '6', $s['ours']['custom'], 'an empty customisation is removed');
    }

    public function testRemoveCustoAsUpstream() {
        $eq = $this->layoutWithMenus($this->phone('android'));
        $v = (int) $eq->getConfiguration('configVersion');
        $s = $this->bothFrom($eq, 'remove_custo', array('message' => '5'), array('5' => array('name' => 'Salon'), '6' => array('name' => 'Cuisine')));
        $this->assertEquals($s['upstream'], $s['ours']);
        $this->assertSame(array('customData::' . $eq->getLogicalId() . '::6'), array_keys($s['ours']['custom']));
        $this->assertSame($v + 1, $s['ours']['configVersion']);
    }

    public function testLayoutCommandsWithoutOptionsChangeNothing() {
        $eq = $this->layoutWithMenus($this->phone('android'));
        $v = (int) $eq->getConfiguration('configVersion');
        foreach (array(array('display_menu', array('title' => '', 'message' => '1')), array('display_widget', array('title' => 'hide', 'message' => '')),
            array('remove_custo', array('message' => ''))) as $case) {
            $s = $this->bothFrom($eq, $case[0], $case[1], array('5' => array('name' => 'Salon')));
            $this->assertEquals($s['upstream'], $s['ours'], $case[0]);
            $this->assertSame($v, $s['ours']['configVersion'], $case[0]);
        }
    }
}
