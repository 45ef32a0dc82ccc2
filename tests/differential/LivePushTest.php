<?php
/* Live values of the quick-settings tiles (SET_QSTILES_INFO) and of the active device controls (SET_CONTROLS_INFO):
 * the phone asks for them once (SET_CMD_SHORTCUT, GET_CONTROL_DEVICES), then each change of one of their commands is
 * pushed through the notification sender. The same command gets the same value in upstream 1.20.6's web root (its
 * own listener code runs, upstream-event.php) and in ours; the sender program of each side is a stand-in
 * (fake_send_notif.sh) that records its arguments: token, platform, type and payload must be the same (the send
 * time and the value's dates differ). The listener upstream registered is the one ours runs, so an update keeps it. */
class LivePushTest extends JcDiffTestCase {
    /** Longest wait for a listener Jeedom runs in the background (a bound, not a timing assertion). */
    const WAIT_S = 30;
    private $eq;

    protected function setUp(): void {
        parent::setUp();
        $this->installFakeSenders();
        $this->eq = $this->eq('Pixel', $this->user('live', 'user'), array('token' => 'fcm-token-live', 'platformOs' => 'android'));
        config::save('log::level::JeedomConnect', array('100' => '1'));
        JcRig::forgetLogConfig();
        @file_put_contents(log::getPathToLog('JeedomConnect'), '');
        // upstream writes a phone's default notification settings at their first read, and pushes them
        $this->upstream('GET_NOTIFS_CONFIG', array('apiKey' => $this->eq->getLogicalId()));
        $this->assertSame('SET_NOTIFS_CONFIG', substr($this->sends('upstream')[0][2], 6));
    }

    protected function tearDown(): void {
        $this->removeFakeSenders();
        parent::tearDown();
    }

    /** $_side's sends once there are $_count of them (or the bound is reached), the capture then emptied. */
    private function sends($_side, $_count = 1) {
        $f = dirname($this->senders[$_side]) . '/capture.jsonl';
        $lines = array();
        for ($i = 0; $i < self::WAIT_S * 10; $i++) {
            clearstatcache();
            $lines = is_file($f) ? array_values(array_filter(explode("\n", file_get_contents($f)))) : array();
            if (count($lines) >= $_count) {
                break;
            }
            usleep(100000);
        }
        usleep(300000); // a send beyond the expected ones would show here
        clearstatcache();
        $lines = is_file($f) ? array_values(array_filter(explode("\n", file_get_contents($f)))) : array();
        @unlink($f);
        return array_map(function ($_l) {
            return json_decode($_l, true);
        }, $lines);
    }

    /** The value changes in upstream's web root, then in ours; both sides' one send, compared; our payload. */
    private function assertSamePush($_cmdId, $_value, array $_volatile) {
        $cmd = 'cd ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' && ' . escapeshellarg(PHP_BINARY) . ' '
            . escapeshellarg(__DIR__ . '/upstream-event.php') . ' ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' '
            . (int) $_cmdId . ' ' . escapeshellarg((string) $_value) . ' 2>&1';
        exec($cmd, $out, $rc);
        $this->assertSame(array(0, 'ok'), array($rc, end($out)), implode("\n", $out));
        $up = $this->sends('upstream');
        cmd::byId($_cmdId)->event($_value);
        $ours = $this->sends('ours');
        $this->assertCount(1, $up, 'upstream pushes once: ' . json_encode($up));
        $this->assertCount(1, $ours, 'we push once: ' . json_encode($ours) . "\n" . $this->ourLog());
        $this->assertSame(array_slice($up[0], 0, 3), array_slice($ours[0], 0, 3), 'token, platform and type');
        $mask = function ($_arg) use ($_volatile) {
            return preg_replace('/"(' . implode('|', array_merge(array('time'), $_volatile)) . ')":\d+/', '"$1":0', $_arg);
        };
        $this->assertSame($mask($up[0][3]), $mask($ours[0][3]), 'the payload, encoded as upstream encodes it');
        return json_decode(substr($ours[0][3], 9), true);
    }

    private function ourLog() {
        return (string) @file_get_contents(log::getPathToLog('JeedomConnect'));
    }

    /** Each phone's listener for $_function: [events] (sorted), null when there is none. */
    private function listened($_function) {
        $l = listener::searchClassFunctionOption('JeedomConnect', $_function, '"id"');
        $this->assertLessThanOrEqual(1, count($l), 'one listener per phone');
        if ($l === array()) {
            return null;
        }
        $this->assertSame((string) $this->eq->getId(), (string) $l[0]->getOption('id'));
        $e = $l[0]->getEvent();
        sort($e);
        return $e;
    }

    private function repeating(cmd $_cmd) {
        // the same value in both web roots must reach the listeners both times
        $_cmd->setConfiguration('repeatEventManagement', 'always')->save();
        return cmd::byId($_cmd->getId());
    }

    public function testATileValueIsPushedAsUpstreamPushesIt() {
        $key = $this->eq->getLogicalId();
        $temp = $this->repeating($this->infoCmd('Temp', 20.5));
        $door = $this->repeating($this->infoCmd('Porte', 0, 0, 'binary'));
        // upstream registers its listener; ours, fed by the same changes, answers it
        $this->upstream('SET_CMD_SHORTCUT', array('apiKey' => $key, 'cmdId' => array($temp->getId(), $door->getId(), '999999')));
        $upstreamEvents = $this->listened('sendCmdInfoToShortcut');
        $this->assertSame(self::sorted(array('#' . $temp->getId() . '#', '#' . $door->getId() . '#')), $upstreamEvents);
        $p = $this->assertSamePush($temp->getId(), 23.5, array('modified', 'collectDate'));
        $this->assertSame('23.5', (string) $p[0]['value']);
        $this->assertSame((string) $temp->getId(), $p[0]['id']);
        // the same request to ours keeps that one listener, following the same commands
        $this->ours('SET_CMD_SHORTCUT', array('apiKey' => $key, 'cmdId' => array($temp->getId(), $door->getId(), '999999')));
        $this->assertSame($upstreamEvents, $this->listened('sendCmdInfoToShortcut'));
        $p = $this->assertSamePush($door->getId(), 1, array('modified', 'collectDate'));
        $this->assertSame('1', (string) $p[0]['value']);
        // no tile left: no listener (a change is then pushed by neither)
        $this->ours('SET_CMD_SHORTCUT', array('apiKey' => $key, 'cmdId' => array()));
        $this->assertNull($this->listened('sendCmdInfoToShortcut'));
    }

    public function testActiveControlsArePushedWhileShownAsUpstreamPushesThem() {
        $key = $this->eq->getLogicalId();
        $light = $this->repeating($this->infoCmd('Etat', 1, 0, 'binary'));
        $temp = $this->repeating($this->infoCmd('Temp', 21.5));
        $mode = $this->infoCmd('Mode', 'Confort', 0, 'string');
        $widgets = array(
            array('type' => 'single-light-switch', 'name' => 'Lampé', 'enable' => true, 'onAction' => array('id' => '1'), 'offAction' => array('id' => '2'),
                'statusInfo' => array('id' => (string) $light->getId())),
            array('type' => 'power', 'name' => 'Conso', 'enable' => true, 'statusInfo' => array('id' => (string) $temp->getId(), 'unit' => 'W')),
            array('type' => 'thermostat', 'name' => "L'entrée", 'enable' => true, 'setpointInfo' => array('id' => (string) $temp->getId(), 'step' => '0.5'),
                'setpointAction' => array('id' => '3'),                 'modeInfo' => array('id' => (string) $mode->getId()), 'modes' => array(array('id' => '1', 'name' => 'Eco'))),
            array('type' => 'generic-info-numeric', 'name' => 'Pas active', 'enable' => true, 'statusInfo' => array('id' => (string) $temp->getId())),
        );
        $this->globalWidgetsLayout($this->eq, $widgets);

        $active = array('1', '2', '3');
        $this->upstream('GET_CONTROL_DEVICES', array('apiKey' => $key, 'activeControlIds' => $active));
        $upstreamEvents = $this->listened('sendActiveControl');
        $this->assertSame(self::sorted(array('#' . $light->getId() . '#', '#' . $temp->getId() . '#', '#' . $mode->getId() . '#')), $upstreamEvents);
        // the temperature is shown by two active controls (and one that is not active)
        $p = $this->assertSamePush($temp->getId(), 19, array());
        $this->assertSame(array('Conso', "L'entrée"), array_column($p['devices'], 'title'));
        $this->assertSame('19W', $p['devices'][0]['statusText']);
        $this->ours('GET_CONTROL_DEVICES', array('apiKey' => $key, 'activeControlIds' => $active));
        $this->assertSame($upstreamEvents, $this->listened('sendActiveControl'));
        $p = $this->assertSamePush($light->getId(), 0, array());
        $this->assertSame(array(array('Lampé', 'off')), array_map(null, array_column($p['devices'], 'title'), array_column($p['devices'], 'status')));
        // controls not shown for more than 300 s: nothing is pushed, by either
        $eq = eqLogic::byId($this->eq->getId());
        $eq->setConfiguration('activeControlTime', time() - 301)->save();
        $light->event(1);
        $line = 'SET_CONTROLS_INFO -> ' . $eq->getHumanName() . ' : contrôles non affichés depuis';
        for ($i = 0; $i < self::WAIT_S * 10 && strpos($this->ourLog(), $line) === false; $i++) {
            usleep(100000);
        }
        $this->assertStringContainsString($line, $this->ourLog());
        $this->assertSame(array(), $this->sends('ours', 0));
    }
}
