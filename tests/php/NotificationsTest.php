<?php
/* Notifications inside the real core: the settings file and its commands, what a notification command sends
 * (captured at the transport), failures that reach Jeedom's log and the caller, the sender program's own
 * transport (a stand-in program at its path), and a scenario's ask answered through ASK_REPLY. */
class NotificationsTest extends JcTestCase {
    /** @var array[] argv of each send */
    private $sent = array();
    private $reply = array(0, 'response: {"SuccessCount":1,"FailureCount":0,"Responses":[{"Success":true}]}');

    protected function setUp(): void {
        parent::setUp();
        $this->sent = array();
        JeedomConnectNotifSender::setTransport(function ($argv) {
            $this->sent[] = $argv;
            return $this->reply;
        });
        @mkdir(dirname(JeedomConnectNotifSender::binaryPath()), 0775, true);
        file_put_contents(JeedomConnectNotifSender::binaryPath(), "#!/bin/sh\necho 'response: {\"SuccessCount\":1,\"FailureCount\":0}'\n");
        chmod(JeedomConnectNotifSender::binaryPath(), 0755);
        config::save('httpUrl', 'https://jc.example.org', 'JeedomConnect');
        // the plugin's log at debug: what a send writes there is checked for secrets
        config::save('log::level::JeedomConnect', array('100' => '1'));
        JcRig::forgetLogConfig();
        @unlink(JC_TEST_BASE . '/fake-send.log');
    }

    protected function tearDown(): void {
        JeedomConnectNotifSender::setTransport(null);
        @unlink(JeedomConnectNotifSender::binaryPath());
        parent::tearDown();
    }

    private function phone($os = 'android', $token = 'fcm-token-abc') {
        return $this->eq('Pixel', $this->user('notifuser', 'user'), array('token' => $token, 'platformOs' => $os));
    }

    private function settings() {
        return array('idCounter' => 3, 'channels' => array(array('id' => 'default', 'name' => 'Défaut'), array('id' => 'channel-1', 'name' => 'Alarme')),
            'notifs' => array(
                array('id' => 'defaultNotif', 'name' => 'Notification', 'channel' => 'default', 'index' => 0),
                array('id' => 'notif-2', 'name' => 'Alerte', 'channel' => 'channel-1', 'index' => 1, 'update' => true, 'critical' => true,
                    'criticalVolume' => 0.5, 'color' => '#ff0000', 'image' => array('source' => 'md', 'name' => 'alarm'),
                    'actions' => array(array('type' => 'cmd', 'id' => '12', 'name' => "J'arrive", 'index' => 0)))));
    }

    /** [token, os, type, decoded payload] of send #$i */
    private function sentAt($i) {
        $this->assertArrayHasKey($i, $this->sent, 'sends: ' . json_encode($this->sent));
        $a = $this->sent[$i];
        $this->assertSame(JeedomConnectNotifSender::binaryPath(), $a[0]);
        $this->assertCount(5, $a);
        $this->assertStringStartsWith('-payload=', $a[4]);
        $this->assertStringNotContainsString("'", $a[4], 'apostrophes are escaped as upstream\'s shell quoting needs');
        return array(substr($a[1], 7), substr($a[2], 4), substr($a[3], 6), json_decode(substr($a[4], 9), true));
    }

    public function testNewPhoneGetsDefaultSettingsAndCommand() {
        $eq = $this->eq('Pixel', $this->user('notifuser', 'user'));
        $path = JeedomConnectNotifs::path($eq->getLogicalId());
        $this->assertSame('{"idCounter":0,"channels":[{"id":"default","name":"D\u00e9faut"}],"notifs":[{"id":"defaultNotif","name":"Notification","channel":"default","index":0}]}', file_get_contents($path));
        $cmd = $eq->getCmd(null, 'defaultNotif');
        $this->assertIsObject($cmd);
        $this->assertSame(array('action', 'message', 'Notification', 'Titre/Options'),
            array($cmd->getType(), $cmd->getSubType(), $cmd->getName(), $cmd->getDisplay('title_placeholder')));
        $this->assertSame(array('type' => 'SET_NOTIFS_CONFIG', 'payload' => JeedomConnectNotifs::defaults()), $this->result('GET_NOTIFS_CONFIG', array('apiKey' => $eq->getLogicalId())));
        $eq->remove();
        $this->assertFileDoesNotExist($path);
    }

    public function testSetConfigMakesCommandsFollowAndWelcomeCarriesVersion() {
        $eq = $this->phone();
        $key = $eq->getLogicalId();
        $this->assertSame('ok', $this->result('SET_NOTIFS_CONFIG', array('apiKey' => $key, 'notifsConfig' => $this->settings())));
        $this->assertSame(array(), $this->sent, 'SET_NOTIFS_CONFIG from the app is not pushed back');
        $this->assertSame('Alerte', $eq->getCmd(null, 'notif-2')->getName());
        $this->assertSame($this->settings(), $this->result('GET_NOTIFS_CONFIG', array('apiKey' => $key))['payload']);
        $w = $this->result('CONNECT', array('apiKey' => $key, 'appVersion' => '1.20.0', 'token' => 'fcm-token-abc', 'platformOs' => 'android',
            'deviceId' => 'd1', 'deviceName' => 'Pixel'));
        $this->assertSame('WELCOME', $w['type'], json_encode($w));
        $this->assertSame(3, $w['payload']['notifsVersion']);
        // a notification removed: its command goes, the group commands stay
        $notifAll = $eq->getCmd(null, 'notifall');
        $this->assertIsObject($notifAll);
        $s = $this->settings();
        array_pop($s['notifs']);
        $this->result('SET_NOTIFS_CONFIG', array('apiKey' => $key, 'notifsConfig' => $s));
        $this->assertFalse(is_object(eqLogic::byId($eq->getId())->getCmd(null, 'notif-2')));
        $this->assertIsObject(cmd::byId($notifAll->getId()));
        // bad settings are refused and the file is kept
        foreach (array(array('notifs' => 'x'), array('notifs' => array(array('id' => 'notif-9'))), array('notifs' => array(array('id' => 'x', 'name' => 'X'))),
            array('notifs' => array(array('id' => 'notif-1', 'name' => 'A'), array('id' => 'notif-1', 'name' => 'B')))) as $bad) {
            $r = $this->result('SET_NOTIFS_CONFIG', array('apiKey' => $key, 'notifsConfig' => $bad));
            $this->assertSame('EXCEPTION', $r['type'], json_encode($bad));
            $this->assertStringContainsString('notifsConfig', $r['payload']['message']);
        }
        $this->assertSame($s, json_decode(file_get_contents(JeedomConnectNotifs::path($key)), true));
    }

    public function testNotificationCommandSendsDisplayNotif() {
        $eq = $this->phone();
        JeedomConnectNotifs::save($eq, $this->settings(), false);
        $img = JC_TEST_BASE . '/snap.jpg';
        file_put_contents($img, 'x');
        $cmd = $eq->getCmd(null, 'notif-2');
        $before = time();
        $cmd->execCmd(array('title' => 'title=Porte | message="Ouverte" | gotoPageId=10 | files=' . $img . ',/nowhere/x.png', 'message' => 'ignored'));
        list($token, $os, $type, $p) = $this->sentAt(0);
        $this->assertSame(array('fcm-token-abc', 'android', 'DISPLAY_NOTIF'), array($token, $os, $type));
        $this->assertSame(array('cmdId', 'title', 'message', 'answer', 'timeout', 'notificationId', 'otherAskCmdId', 'options', 'files',
            'id', 'channel', 'index', 'update', 'critical', 'criticalVolume', 'color', 'image', 'actions', 'time'), array_keys($p));
        $this->assertSame((string) $cmd->getId(), (string) $p['cmdId']);
        $this->assertSame(array('Porte', 'Ouverte', null, null, null), array($p['title'], $p['message'], $p['answer'], $p['timeout'], $p['otherAskCmdId']));
        $this->assertSame(array('message' => 'Ouverte', 'gotoPageId' => '10'), $p['options'], 'the options keep message (upstream does)');
        $hash = user::byLogin('notifuser')->getHash();
        $this->assertCount(1, $p['files']);
        $this->assertMatchesRegularExpression('#^https://jc\.example\.org/core/php/downloadFile\.php\?apikey=' . $hash . '&pathfile=' . preg_quote(realpath($img), '#') . '&t=\d+$#', $p['files'][0]);
        $this->assertSame('J&#039;arrive', $p['actions'][0]['name']);
        $this->assertSame(array('notif-2', 'channel-1', '#ff0000'), array($p['id'], $p['channel'], $p['color']));
        $this->assertGreaterThanOrEqual($before, $p['time']);
        $log = (string) @file_get_contents(log::getPathToLog('JeedomConnect'));
        $this->assertStringContainsString('fichier introuvable, non joint : /nowhere/x.png', $log);
        $this->assertStringNotContainsString($hash, $log, 'the user hash of attachment URLs never reaches the log');
        $this->assertStringNotContainsString('fcm-token-abc', $log);
        // a plain title; an empty one is the test notification
        $eq->getCmd(null, 'defaultNotif')->execCmd(array('title' => 'Courrier', 'message' => 'Le facteur est passé'));
        $p = $this->sentAt(1)[3];
        $this->assertSame(array('Courrier', 'Le facteur est passé', array(), array(), 'defaultNotif'), array($p['title'], $p['message'], $p['options'], $p['files'], $p['id']));
        $this->assertArrayNotHasKey('display_options', $p);
        $this->assertSame('ok', $this->result('TEST_NOTIF', array('apiKey' => $eq->getLogicalId(), 'notifId' => 'defaultNotif')));
        $p = $this->sentAt(2)[3];
        $this->assertStringContainsString('Message test', $p['title']);
        $this->assertSame(array(array('name' => 'Yeah !', 'id' => 'test', 'type' => 'cancel')), $p['actions']);
        $this->assertSame(array('source' => 'jc', 'name' => 'favorites.webp'), $p['image']);
        $r = $this->result('TEST_NOTIF', array('apiKey' => $eq->getLogicalId(), 'notifId' => 'notif-77'));
        $this->assertSame("Error with 'TEST_NOTIF' method [API] - Can't find command [logicalId=notif-77]", $r['payload']['message']);
    }

    public function testIosQuestionCarriesItsDisplayBlock() {
        $eq = $this->phone('ios');
        JeedomConnectNotifs::save($eq, $this->settings(), false);
        $c = JeedomConnectLayout::emptyConfig();
        $c['payload']['tabs'][] = array('id' => 10, 'name' => 'Maison', 'index' => 0);
        JeedomConnectLayout::set($eq, $c);
        $cmd = $eq->getCmd(null, 'notif-2');
        $cmd->execCmd(array('title' => 'Alarme ?', 'message' => 'Alarme ?', 'answer' => array('Oui', 'Non'), 'timeout' => 120, 'variable' => 'rep'));
        $p = $this->sentAt(0)[3];
        $this->assertSame('ios', $this->sentAt(0)[1]);
        $this->assertSame('Question de ' . config::byKey('name', 'core', 'Jeedom'), $p['title'], 'an ask\'s question is shown once');
        $this->assertSame(array('Oui', 'Non'), $p['answer']);
        $this->assertSame('120', $p['timeout'], 'Jeedom hands options over as text');
        $this->assertSame(array(array('id' => 'notif-2', 'actions' => array(
            array('title' => 'Répondre', 'id' => $p['cmdId'], 'input' => true, 'type' => 'askReply'),
            array('id' => 'Oui', 'title' => 'Oui', 'type' => 'askReply'), array('id' => 'Non', 'title' => 'Non', 'type' => 'askReply')))), $p['category']);
        $d = $p['display_options'];
        $this->assertSame(array('Question de ' . config::byKey('name', 'core', 'Jeedom'), 'Alarme ?'), array($d['title'], $d['body']));
        $this->assertSame(array('categoryId' => 'notif-2', 'timestamp' => $p['time'] * 1000, 'sound' => 'default', 'critical' => true, 'criticalVolume' => 0.5), $d['ios']);
        $this->assertSame(array('actions' => $p['category'][0]['actions'], 'notificationId' => 'notif-2', 'otherAskCmdId' => null, 'options' => array()),
            json_decode($d['data']['extraData'], true));
        // a page to go to gets its button
        $eq->getCmd(null, 'defaultNotif')->execCmd(array('title' => 'gotoPageId=10', 'message' => '<b>Bonjour</b> &amp; bienvenue'));
        $p = $this->sentAt(1)[3];
        $this->assertSame(array(array('id' => 'gotoPageId', 'title' => 'Page Maison', 'foreground' => true)), $p['category'][0]['actions']);
        $this->assertSame('Bonjour & bienvenue', $p['display_options']['body']);
    }

    public function testMissingSettingsAreWrittenAndPushedAtFirstRead() {
        $eq = $this->phone();
        $path = JeedomConnectNotifs::path($eq->getLogicalId());
        unlink($path);
        $this->assertSame(array('type' => 'SET_NOTIFS_CONFIG', 'payload' => JeedomConnectNotifs::defaults()), $this->result('GET_NOTIFS_CONFIG', array('apiKey' => $eq->getLogicalId())));
        list(, , $type, $p) = $this->sentAt(0);
        $this->assertSame(array('SET_NOTIFS_CONFIG', 0, 'defaultNotif'), array($type, $p['idCounter'], $p['id']));
        // a failed push is logged and does not stop the read; an unreadable file is an error and stays as it is
        unlink($path);
        $this->reply = array(1, 'push service unreachable');
        $this->assertSame(JeedomConnectNotifs::defaults(), $this->result('GET_NOTIFS_CONFIG', array('apiKey' => $eq->getLogicalId()))['payload']);
        $this->assertStringContainsString('push service unreachable', file_get_contents(log::getPathToLog('JeedomConnect')));
        file_put_contents($path, '{"notifs": broken');
        $r = $this->result('GET_NOTIFS_CONFIG', array('apiKey' => $eq->getLogicalId()));
        $this->assertStringContainsString('Réglages des notifications illisibles', $r['payload']['message']);
        $this->assertSame('{"notifs": broken', file_get_contents($path));
        $w = $this->result('CONNECT', array('apiKey' => $eq->getLogicalId(), 'appVersion' => '1.20.0', 'token' => 'fcm-token-abc',
            'platformOs' => 'android', 'deviceId' => 'd1', 'deviceName' => 'Pixel', 'userHash' => user::byLogin('notifuser')->getHash()));
        $this->assertSame(array('WELCOME', 0), array($w['type'], $w['payload']['notifsVersion'] ?? null), 'the phone still connects');
    }

    public function testFailuresAreErrorsNeverSilence() {
        $eq = $this->phone('android', '');
        $cmd = $eq->getCmd(null, 'defaultNotif');
        $this->expectFailure($cmd, 'aucun jeton de notification');
        $this->assertSame(array(), $this->sent);
        $eq->setConfiguration('token', 'fcm-token-abc')->save();
        $cmd = cmd::byId($cmd->getId());
        $this->reply = array(0, 'response: {"SuccessCount":0,"FailureCount":1,"Responses":[{"Success":false,"Error":"registration-token-not-registered"}]}');
        $this->expectFailure($cmd, 'registration-token-not-registered');
        $this->reply = array(1, 'dial tcp: lookup fcm.googleapis.com: no such host');
        $this->expectFailure($cmd, 'no such host');
        $this->reply = array(0, '');
        $this->expectFailure($cmd, 'le programme d\'envoi a échoué');
        // a group without targets, a target that does not exist
        $this->expectFailure($eq->getCmd(null, 'notifall'), 'aucun appareil dans ce groupe');
        $this->reply = array(0, 'response: {"SuccessCount":1,"FailureCount":0}');
        $this->sent = array();
        config::save('notifAll', json_encode(array('name' => 'Tous', 'cmd' => array($cmd->getId(), 999999))), 'JeedomConnect');
        $this->expectFailure(cmd::byId($eq->getCmd(null, 'notifall')->getId()), '1/2 envoi(s) en échec');
        $this->assertCount(1, $this->sent, 'the existing target still got it');
        // the program missing
        JeedomConnectNotifSender::setTransport(null);
        unlink(JeedomConnectNotifSender::binaryPath());
        $this->expectFailure($cmd, 'programme d\'envoi des notifications absent');
        $this->expectFailure($cmd, 'l\'installation des dépendances du plugin le télécharge : relancez-la');
        $log = file_get_contents(log::getPathToLog('JeedomConnect'));
        $this->assertStringNotContainsString('fcm-token-abc', $log);
    }

    private function expectFailure($_cmd, $_text) {
        $mark = 'mark-' . uniqid();
        log::add('JeedomConnect', 'error', $mark);
        try {
            $_cmd->execCmd(array('title' => 'T', 'message' => 'M'));
            $this->fail('no exception for ' . $_text);
        } catch (Exception $e) {
            $this->assertStringContainsString($_text, $e->getMessage());
        }
        $log = file_get_contents(log::getPathToLog('JeedomConnect'));
        $after = substr($log, strrpos($log, $mark));
        $this->assertMatchesRegularExpression('/\[ERROR\].*' . preg_quote($_text, '/') . '/u', $after, 'an error in the plugin\'s log');
    }

    public function testTheSenderProgramTransport() {
        JeedomConnectNotifSender::setTransport(null);
        $eq = $this->phone();
        $capture = JC_TEST_BASE . '/fake-send.log';
        file_put_contents(JeedomConnectNotifSender::binaryPath(), "#!/bin/sh\nfor a in \"\$@\"; do printf '%s\\n' \"\$a\" >> " . escapeshellarg($capture)
            . "; done\necho 'sending...'\necho 'response: {\"SuccessCount\":1,\"FailureCount\":0,\"Responses\":[]}'\n");
        $eq->getCmd(null, 'defaultNotif')->execCmd(array('title' => "L'alarme", 'message' => 'a "b" $(touch /tmp/x) ; c'));
        $args = explode("\n", trim(file_get_contents($capture)));
        $this->assertSame(array('-token=fcm-token-abc', '-os=android', '-type=DISPLAY_NOTIF'), array_slice($args, 0, 3));
        $p = json_decode(substr($args[3], 9), true);
        $this->assertSame(array("L'alarme", 'a "b" $(touch /tmp/x) ; c'), array($p['title'], $p['message']));
        $this->assertStringContainsString('\u0027', $args[3]);
        // a failing program: exit code and its output reach the caller
        file_put_contents(JeedomConnectNotifSender::binaryPath(), "#!/bin/sh\necho 'error: could not reach the push service' >&2\nexit 3\n");
        try {
            $eq->getCmd(null, 'defaultNotif')->execCmd(array('title' => 'T', 'message' => 'M'));
            $this->fail('no exception');
        } catch (Exception $e) {
            $this->assertStringContainsString('(code 3) : error: could not reach the push service', $e->getMessage());
        }
    }

    public function testScenarioAskAnsweredFromTheApp() {
        $eq = $this->phone();
        $other = $this->eq('Tablette', $this->user('notifuser', 'user'), array('token' => 'fcm-token-tab', 'platformOs' => 'android'));
        $cmd = $eq->getCmd(null, 'defaultNotif');
        $otherCmd = $other->getCmd(null, 'defaultNotif');
        // what Jeedom's scenario "ask" does before executing the command (scenarioExpression), then the app answers
        $cmd->setCache(array('ask::variable' => 'reponse', 'ask::endtime' => time() + 300, 'ask::answer' => array('Oui', 'Non')));
        $r = $this->result('ASK_REPLY', array('apiKey' => $eq->getLogicalId(), 'cmdId' => $cmd->getId(), 'answer' => 'Oui',
            'otherAskCmdId' => array($otherCmd->getId()), 'notificationId' => 1234, 'dateAnswer' => '2026-12-08 03:00:00'));
        $this->assertSame('ok', $r, json_encode($r));
        $this->assertSame('Oui', dataStore::byTypeLinkIdKey('scenario', -1, 'reponse')->getValue());
        list($token, , $type, $p) = $this->sentAt(0);
        $this->assertSame(array('fcm-token-tab', 'ASK_ALREADY_ANSWERED'), array($token, $type));
        $this->assertSame(array('notificationId' => 1234, 'answer' => 'Oui', 'fromEquipement' => 'Pixel', 'dateAnswer' => '2026-12-08 03:00:00',
            'id' => 'defaultNotif', 'channel' => 'default', 'index' => 0), array_diff_key($p, array('time' => 1)));
        // a second answer is not taken (no question pending any more), a command of another plugin is refused
        $this->result('ASK_REPLY', array('apiKey' => $eq->getLogicalId(), 'cmdId' => $cmd->getId(), 'answer' => 'Non'));
        $this->assertSame('Oui', dataStore::byTypeLinkIdKey('scenario', -1, 'reponse')->getValue());
        $foreign = $this->infoCmd('Temp', 20);
        $r = $this->result('ASK_REPLY', array('apiKey' => $eq->getLogicalId(), 'cmdId' => $foreign->getId(), 'answer' => 'Oui'));
        $this->assertSame("Error with 'ASK_REPLY' method [API] - Can't find command [id=" . $foreign->getId() . ']', $r['payload']['message']);
    }

    /** Jeedom's own scenario "ask" (in its own process, as a scenario runs) on a notification command: the question
     * reaches the sender, the phone's ASK_REPLY answers it, and the scenario's variable gets the answer. */
    public function testJeedomsScenarioAskEndToEnd() {
        JeedomConnectNotifSender::setTransport(null);
        $eq = $this->phone();
        $cmd = $eq->getCmd(null, 'defaultNotif');
        $capture = JC_TEST_BASE . '/ask-send.log';
        file_put_contents(JeedomConnectNotifSender::binaryPath(), "#!/bin/sh\nprintf '%s\\n' \"\$4\" >> " . escapeshellarg($capture)
            . "\necho 'response: {\"SuccessCount\":1,\"FailureCount\":0}'\n");
        $proc = proc_open(array(PHP_BINARY, __DIR__ . '/scenario_ask.php', (string) $cmd->getId(), 'portail', 'Oui;Non', '60'),
            array(1 => array('pipe', 'w'), 2 => array('pipe', 'w')), $pipes, JC_TEST_WEB);
        $payload = null;
        for ($i = 0; $i < 300 && $payload === null; $i++) { // the question sent (at most 30 s)
            usleep(100000);
            if (is_file($capture)) {
                $payload = json_decode(substr(trim(file_get_contents($capture)), strlen('-payload=')), true);
            }
        }
        if (!is_array($payload)) { // (the process's output is read only once it ended)
            proc_terminate($proc);
            $this->fail('the question was not sent: ' . stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]));
        }
        $this->assertSame(array('Oui', 'Non'), $payload['answer']);
        $this->assertSame('Question de ' . config::byKey('name', 'core', 'Jeedom'), $payload['title']);
        $this->assertSame('Fermer le portail ?', $payload['message']);
        // a wrong answer is not taken; the right one ends the ask
        $this->assertSame('ok', $this->result('ASK_REPLY', array('apiKey' => $eq->getLogicalId(), 'cmdId' => $payload['cmdId'], 'answer' => 'Peut-être',
            'notificationId' => $payload['notificationId'], 'dateAnswer' => '2026-12-08 03:00:00')));
        $this->assertSame('ok', $this->result('ASK_REPLY', array('apiKey' => $eq->getLogicalId(), 'cmdId' => $payload['cmdId'], 'answer' => 'Non',
            'notificationId' => $payload['notificationId'], 'dateAnswer' => '2026-12-08 03:00:00')));
        $out = stream_get_contents($pipes[1]); // the scenario's process ends once it read the answer
        $err = stream_get_contents($pipes[2]);
        proc_close($proc);
        $this->assertSame('Non', trim($out), $err);
    }

    public function testGroupSendsOneNotificationIdToEveryTarget() {
        $a = $this->phone();
        $b = $this->eq('Tablette', $this->user('notifuser', 'user'), array('token' => 'fcm-token-tab', 'platformOs' => 'android'));
        $ca = $a->getCmd(null, 'defaultNotif');
        $cb = $b->getCmd(null, 'defaultNotif');
        config::save('notifAll_ab12C', json_encode(array('name' => 'Famille', 'cmd' => array($ca->getId(), $cb->getId()))), 'JeedomConnect');
        $group = new JeedomConnectCmd();
        $group->setEqLogic_id($a->getId())->setLogicalId('notifAll_ab12C')->setName('Famille')->setType('action')->setSubType('message');
        $group->save();
        cmd::byId($group->getId())->execCmd(array('title' => 'Dîner', 'message' => 'À table'));
        $pa = $this->sentAt(0)[3];
        $pb = $this->sentAt(1)[3];
        $this->assertSame(array('fcm-token-abc', 'fcm-token-tab'), array($this->sentAt(0)[0], $this->sentAt(1)[0]));
        $this->assertSame($pa['notificationId'], $pb['notificationId']);
        $this->assertSame(array((string) $group->getId(), (string) $group->getId()), array((string) $pa['cmdId'], (string) $pb['cmdId']));
        $this->assertSame(array(array($cb->getId()), array($ca->getId())), array($pa['otherAskCmdId'], $pb['otherAskCmdId']));
    }
}
