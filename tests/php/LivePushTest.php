<?php
/* Live values of the tiles and active controls (JeedomConnectLivePush): the phone's listeners follow its
 * configuration, and a push that cannot be made is a line in the plugin's log, never silence. (The pushes themselves
 * are compared with upstream's in tests/differential/LivePushTest.php.) */
class LivePushTest extends JcTestCase {
    private $sent = array();

    protected function setUp(): void {
        parent::setUp();
        $this->sent = array();
        JeedomConnectNotifSender::setTransport(function ($_argv) {
            $this->sent[] = $_argv;
            return array(0, 'response: {"SuccessCount":1,"FailureCount":0}');
        });
        @mkdir(dirname(JeedomConnectNotifSender::binaryPath()), 0775, true);
        file_put_contents(JeedomConnectNotifSender::binaryPath(), "#!/bin/sh\n");
        chmod(JeedomConnectNotifSender::binaryPath(), 0755);
        config::save('log::level::JeedomConnect', array('100' => '1'));
        JcRig::forgetLogConfig();
        @file_put_contents(log::getPathToLog('JeedomConnect'), '');
    }

    protected function tearDown(): void {
        JeedomConnectNotifSender::setTransport(null);
        @unlink(JeedomConnectNotifSender::binaryPath());
        parent::tearDown();
    }

    private function tileListener($_eq) {
        $l = listener::searchClassFunctionOption('JeedomConnect', 'sendCmdInfoToShortcut', '"id"');
        $this->assertLessThanOrEqual(1, count($l));
        if ($l === array()) {
            return null;
        }
        $this->assertSame((string) $_eq->getId(), (string) $l[0]->getOption('id'));
        return $l[0]->getEvent();
    }

    public function testTheListenerFollowsTheTilesOfAnEnabledPhone() {
        $temp = $this->infoCmd('Temp', 20);
        $eq = $this->eq('P', $this->user(), array('cmdInShortcut' => $temp->getId() . ',999999,abc'));
        $this->assertSame(array('#' . $temp->getId() . '#'), $this->tileListener($eq), 'existing commands only');
        $eq->setIsEnable(0)->save();
        $this->assertNull($this->tileListener($eq), 'a disabled phone gets nothing');
        $eq->setIsEnable(1)->save();
        $this->assertSame(array('#' . $temp->getId() . '#'), $this->tileListener($eq));
        $eq->remove();
        $this->assertSame(array(), listener::searchClassFunctionOption('JeedomConnect', 'sendCmdInfoToShortcut'), 'removed with the phone');
    }

    public function testAPushThatCannotBeMadeIsLogged() {
        $temp = $this->infoCmd('Temp', 20);
        $eq = $this->eq('P', $this->user(), array('cmdInShortcut' => (string) $temp->getId(), 'platformOs' => 'android'));
        // no token yet: the app has not sent it
        JeedomConnect::sendCmdInfoToShortcut(array('id' => $eq->getId(), 'event_id' => $temp->getId(), 'value' => '20'));
        $this->assertSame(array(), $this->sent);
        $log = (string) file_get_contents(log::getPathToLog('JeedomConnect'));
        $this->assertMatchesRegularExpression('/\]\[ERROR\] Echec de l\'envoi de la notification SET_QSTILES_INFO -> .*P\] \[cmd ' . $temp->getId() . '\] : aucun jeton de notification/m', $log);
        // a phone that no longer exists, a command that no longer exists
        JeedomConnect::sendActiveControl(array('id' => '987654', 'event_id' => $temp->getId()));
        JeedomConnect::sendCmdInfoToShortcut(array('id' => $eq->getId(), 'event_id' => '999999'));
        $log = (string) file_get_contents(log::getPathToLog('JeedomConnect'));
        $this->assertMatchesRegularExpression('/\]\[WARNING\] sendActiveControl : pas d\'équipement "987654", rien n\'est envoyé$/m', $log);
        $this->assertMatchesRegularExpression('/\]\[WARNING\] sendCmdInfoToShortcut -> .*P\] : commande inconnue "999999", rien n\'est envoyé$/m', $log);
        // with a token it is sent
        $eq->setConfiguration('token', 'fcm-token-p')->save();
        JeedomConnect::sendCmdInfoToShortcut(array('id' => $eq->getId(), 'event_id' => $temp->getId(), 'value' => '20'));
        $this->assertCount(1, $this->sent);
        $this->assertSame(array('-token=fcm-token-p', '-os=android', '-type=SET_QSTILES_INFO'), array_slice($this->sent[0], 1, 3));
        $this->assertStringNotContainsString('fcm-token-p', (string) file_get_contents(log::getPathToLog('JeedomConnect')));
    }
}
