<?php
/* The listener is the only path that pushes Jeedom values to the daemon: when it fails it must say so in the
 * plugin's log (and still never break the process that changed the value). */
class ListenerLogTest extends JcTestCase {
    public function testAFailureToBuildTheValueIsLoggedAsAWarning() {
        $watched = $this->infoCmd('Watched', '1');
        $this->setLayout($this->eq('P', $this->user()), array($watched->getId()));
        $this->startFakeControl();
        $broken = new class {
            public function __call($_name, $_args) {
                throw new Exception('cmd unreadable');
            }
        };
        JeedomConnectDevice::forgetWatchedMemo();
        $this->assertArrayHasKey((string) $watched->getId(), JeedomConnectDevice::watched(), 'a phone shows the cmd');
        config::save('log::level::JeedomConnect', array('300' => '1'));
        JcRig::forgetLogConfig();
        $this->assertSame(300, log::getLogLevel('JeedomConnect'), 'the plugin log takes warnings');
        $log = log::getPathToLog('JeedomConnect');
        @file_put_contents($log, '');
        $sent = JeedomConnectListener::onEvent(array('event_id' => $watched->getId(), 'value' => '3', 'object' => $broken));
        $this->assertFalse($sent);
        $text = (string) @file_get_contents($log);
        // the line as Jeedom 4.5's default formatter writes it: "[date][WARNING] message"
        $this->assertMatchesRegularExpression('/\]\[WARNING\] listener: value of cmd ' . $watched->getId() . ' not sent to the daemon: cmd unreadable$/m', $text);
    }
}
