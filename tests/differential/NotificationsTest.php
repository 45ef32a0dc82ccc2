<?php
/* Notifications: the same notification settings, the same command executed with the same options by upstream
 * 1.20.6's own code and by ours, on the same equipment; the sender program of each side is a stand-in
 * (fake_send_notif.sh at the path each plugin runs) that records its arguments: token, platform, type and payload
 * must be the same (only the send time, the notification id and the attachment URL's cache buster differ).
 * Also the settings methods, TEST_NOTIF, the multi-phone groups and ASK_REPLY's ASK_ALREADY_ANSWERED. */
class NotificationsTest extends JcDiffTestCase {
    private $eq;

    protected function setUp(): void {
        parent::setUp();
        config::save('httpUrl', 'https://jc.example.org', 'JeedomConnect');
        $this->installFakeSenders();
        $this->eq = $this->eq('Pixel', $this->user('diffnotif', 'user'), array('token' => 'fcm-token-pixel', 'platformOs' => 'android'));
    }

    protected function tearDown(): void {
        $this->removeFakeSenders();
        parent::tearDown();
    }

    private function settings() {
        return array('idCounter' => 4, 'channels' => array(array('id' => 'default', 'name' => 'Défaut'), array('id' => 'channel-1', 'name' => 'Alarme')),
            'notifs' => array(
                array('id' => 'defaultNotif', 'name' => 'Notification', 'channel' => 'default', 'index' => 0),
                array('id' => 'notif-2', 'name' => 'Alerte', 'channel' => 'channel-1', 'index' => 1, 'update' => true, 'ongoing' => false,
                    'critical' => true, 'criticalVolume' => 0.4, 'color' => '#ff0000', 'image' => array('source' => 'md', 'name' => 'alarm'),
                    'actions' => array(array('type' => 'cmd', 'id' => '12', 'name' => "J'arrive", 'index' => 0),
                        array('type' => 'scenario', 'id' => '3', 'name' => 'Ignorer', 'index' => 1))),
                array('id' => 'notif-3', 'name' => 'Info', 'channel' => 'default', 'index' => 2, 'critical' => true, 'criticalVolume' => 0)),
            'defaultForAutomation' => 'notif-2');
    }

    /** A phone created after setUp: upstream writes its default settings at its first read (and pushes them, as it
     * does for a new file); ours wrote them at creation. */
    private function phone($_name, $_token, $_os) {
        $eq = $this->eq($_name, $this->user('diffnotif', 'user'), array('token' => $_token, 'platformOs' => $_os));
        $this->upstream('GET_NOTIFS_CONFIG', array('apiKey' => $eq->getLogicalId()));
        $this->captured();
        return $eq;
    }

    private function setBoth($_eq) {
        $this->assertSameAnswer('SET_NOTIFS_CONFIG', array('apiKey' => $_eq->getLogicalId(), 'notifsConfig' => $this->settings()));
        return eqLogic::byId($_eq->getId());
    }

    /** Each side's recorded sends since the last call: [side => [argv, ...]]. */
    private function captured() {
        $out = array();
        foreach ($this->senders as $side => $bin) {
            $f = dirname($bin) . '/capture.jsonl';
            $lines = is_file($f) ? array_filter(explode("\n", file_get_contents($f))) : array();
            $out[$side] = array_map(function ($_l) {
                return json_decode($_l, true);
            }, array_values($lines));
            @unlink($f);
        }
        return $out;
    }

    /** Upstream's code then ours execute the command with the options; returns [upstream sends, our sends]. */
    private function execBoth($_cmd, array $_options) {
        $this->upstreamExec($_cmd->getId(), $_options);
        cmd::byId($_cmd->getId())->execCmd($_options);
        $c = $this->captured();
        return array($c['upstream'], $c['ours']);
    }

    /** The same sends, the volatile values masked; returns our decoded payloads. */
    private function assertSameSends(array $_up, array $_ours, $_what) {
        $this->assertNotEmpty($_up, $_what . ': upstream sent nothing');
        $this->assertSame(count($_up), count($_ours), $_what . ': ' . json_encode(array($_up, $_ours)));
        $payloads = array();
        foreach ($_up as $i => $up) {
            $ours = $_ours[$i];
            $this->assertSame(array_slice($up, 0, 3), array_slice($ours, 0, 3), $_what . ': token, platform and type');
            $this->assertCount(4, $up);
            $this->assertCount(4, $ours);
            $pu = self::volatileMasked(json_decode(substr($up[3], 9), true));
            $po = self::volatileMasked(json_decode(substr($ours[3], 9), true));
            $this->assertSame($pu, $po, $_what . ": payload differs\nupstream: " . $up[3] . "\nours:     " . $ours[3]);
            $this->assertSame(self::encodingOf($up[3]), self::encodingOf($ours[3]), $_what . ': the payload is encoded as upstream encodes it');
            $payloads[] = json_decode(substr($ours[3], 9), true);
        }
        return $payloads;
    }

    /** The raw payload with its volatile numbers blanked: the JSON text itself must be the same. */
    private static function encodingOf($_arg) {
        return preg_replace(array('/"(time|notificationId|timestamp)":\d+/', '/&t=\d+/', '/\\\\"(notificationId)\\\\":\d+/'), array('"$1":0', '&t=0', '\\"$1\\":0'), $_arg);
    }

    private static function volatileMasked($_p) {
        foreach (array('time', 'notificationId') as $k) {
            if (isset($_p[$k])) {
                $_p[$k] = '#masked#';
            }
        }
        if (isset($_p['files'])) {
            $_p['files'] = preg_replace('/&t=\d+$/', '&t=#masked#', $_p['files']);
        }
        if (isset($_p['display_options']['ios']['timestamp'])) {
            $_p['display_options']['ios']['timestamp'] = '#masked#';
        }
        if (isset($_p['display_options']['ios']['attachments'])) {
            foreach ($_p['display_options']['ios']['attachments'] as $i => $a) {
                $_p['display_options']['ios']['attachments'][$i]['url'] = preg_replace('/&t=\d+$/', '&t=#masked#', $a['url']);
            }
        }
        return $_p;
    }

    public function testSettingsAndTheirCommandsAsUpstream() {
        $key = $this->eq->getLogicalId();
        // no settings file yet on either side: both write the defaults and push them to the phone (it has a token)
        unlink(JeedomConnectNotifs::path($key));
        $this->assertSameAnswer('GET_NOTIFS_CONFIG', array('apiKey' => $key));
        $c = $this->captured();
        $p = $this->assertSameSends($c['upstream'], $c['ours'], 'first read')[0];
        $this->assertSame(array(0, 'defaultNotif'), array($p['idCounter'], $p['id']));
        $this->setBoth($this->eq);
        $e = $this->assertSameAnswer('GET_NOTIFS_CONFIG', array('apiKey' => $key));
        $this->assertSame(self::sorted($this->settings()), self::sorted($e['result']['payload']));
        $this->assertSame(array(), $this->captured()['ours'], 'SET_NOTIFS_CONFIG pushes nothing');
        // WELCOME's notifsVersion is the file's idCounter
        $upConfigs = JC_UPSTREAM_ENV['UP_WEB'] . '/plugins/JeedomConnect/data/configs';
        @mkdir($upConfigs, 0775, true);
        copy(JeedomConnectLayout::path($key), $upConfigs . '/' . $key . '.json');
        $connect = array('apiKey' => $key, 'appVersion' => '1.20.0', 'token' => 'fcm-token-pixel', 'platformOs' => 'android',
            'deviceId' => 'd1', 'deviceName' => 'Pixel', 'userHash' => user::byLogin('diffnotif')->getHash());
        $up = $this->upstream('CONNECT', $connect);
        $our = $this->ours('CONNECT', $connect);
        $this->assertSame('WELCOME', $up['result']['type'] ?? null, json_encode($up));
        $this->assertSame('WELCOME', $our['result']['type'] ?? null, json_encode($our));
        $this->assertSame(4, $up['result']['payload']['notifsVersion']);
        $this->assertSame($up['result']['payload']['notifsVersion'], $our['result']['payload']['notifsVersion']);
        // upstream creates the commands on one phone, ours on another: the same commands
        $a = $this->eq('A', $this->user('diffnotif', 'user'));
        $b = $this->eq('B', $this->user('diffnotif', 'user'));
        $this->upstream('SET_NOTIFS_CONFIG', array('apiKey' => $a->getLogicalId(), 'notifsConfig' => $this->settings()));
        $this->ours('SET_NOTIFS_CONFIG', array('apiKey' => $b->getLogicalId(), 'notifsConfig' => $this->settings()));
        $shape = function ($_eq) { // the stored rows of the notification commands
            $cmds = array();
            foreach (DB::Prepare('SELECT * FROM cmd WHERE eqLogic_id = ?', array($_eq->getId()), DB::FETCH_TYPE_ALL) as $row) {
                if (stripos($row['logicalId'], 'notif') !== false && stripos($row['logicalId'], 'notifall') === false) {
                    unset($row['id'], $row['eqLogic_id']);
                    foreach (array('configuration', 'display', 'template', 'alert') as $k) {
                        $row[$k] = $row[$k] === null ? null : self::sorted(json_decode($row[$k], true));
                    }
                    $cmds[$row['logicalId']] = $row;
                }
            }
            ksort($cmds);
            return $cmds;
        };
        $this->assertSame(array('defaultNotif', 'notif-2', 'notif-3'), array_keys($shape($a)));
        $this->assertSame($shape($a), $shape($b));
        // one notification less: both delete its command
        $s = $this->settings();
        array_pop($s['notifs']);
        $this->upstream('SET_NOTIFS_CONFIG', array('apiKey' => $a->getLogicalId(), 'notifsConfig' => $s));
        $this->ours('SET_NOTIFS_CONFIG', array('apiKey' => $b->getLogicalId(), 'notifsConfig' => $s));
        $this->assertSame(array('defaultNotif', 'notif-2'), array_keys($shape($b)));
        $this->assertSame($shape($a), $shape($b));
    }

    public function testAndroidNotificationsAsUpstream() {
        $eq = $this->setBoth($this->eq);
        $img = JC_TEST_BASE . '/camera.jpg';
        $doc = JC_TEST_BASE . '/rapport.pdf';
        file_put_contents($img, 'jpg');
        file_put_contents($doc, 'pdf');
        $cases = array(
            'plain' => array('defaultNotif', array('title' => 'Courrier', 'message' => "Le facteur est passé à 10h, l'enveloppe est \"grande\" / ok")),
            'settings of the notification' => array('notif-2', array('title' => 'Alarme', 'message' => '<b>Intrusion</b> salon')),
            'title options' => array('notif-2', array('title' => 'title=Porte | message="Ouverte depuis 5 min" | gotoPageId=10 | files=' . $img . ',/nowhere/x.png',
                'message' => 'ignored')),
            'files option' => array('defaultNotif', array('title' => 'Docs', 'message' => 'Voir', 'files' => array($doc, $img))),
            'ask' => array('notif-2', array('title' => 'Fermer le portail ?', 'message' => 'Fermer le portail ?', 'answer' => array('Oui', 'Non'),
                'timeout' => 120, 'variable' => 'rep')),
            'ask with free answer' => array('defaultNotif', array('title' => '', 'message' => 'Code ?', 'answer' => array(''), 'timeout' => 300, 'variable' => 'code')),
            'empty: test message' => array('defaultNotif', array('title' => '', 'message' => '')),
            'Jeedom test button' => array('notif-2', array('title' => '[Jeedom] Message de test', 'message' => 'Ceci est un test de message pour la commande X')),
        );
        foreach ($cases as $what => list($logicalId, $options)) {
            list($up, $ours) = $this->execBoth($eq->getCmd(null, $logicalId), $options);
            $this->assertSameSends($up, $ours, $what);
        }
    }

    /** An app automation's notif action (JeedomConnect::jobExecutor, as Jeedom's cron or listener runs it): the
     * same push as upstream's, time trigger and command trigger with another action before it. */
    public function testAutomationNotificationAsUpstream() {
        $eq = $this->setBoth($this->eq);
        $mode = $this->infoCmd('Mode', 'present', 0, 'string');
        $set = $this->actionCmd($this->infoCmd('Lampe', 0));
        $cases = array(
            'time trigger, default notification' => array('id' => 'a1', 'eqLogicId' => $eq->getId(), 'disabled' => false,
                'triggers' => array(array('type' => 'cron', 'options' => array('cron' => '* * * * *'))),
                'actions' => array(array('action' => 'notif', 'options' => array()))),
            'command trigger, a command then the notification' => array('id' => 'a2', 'eqLogicId' => $eq->getId(), 'disabled' => false,
                'event_id' => $mode->getId(), 'value' => 'absent',
                'triggers' => array(array('type' => 'event', 'options' => array('event' => '#' . $mode->getId() . '#', 'once' => false))),
                'actions' => array(array('action' => 'cmd', 'options' => array('id' => (string) $set->getId(), 'options' => array('slider' => 3))),
                    array('action' => 'notif', 'options' => array('id' => 'notif-2')))),
        );
        foreach ($cases as $what => $options) {
            $out = shell_exec('cd ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' && php ' . escapeshellarg(__DIR__ . '/upstream_jobexec.php') . ' '
                . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' ' . escapeshellarg(json_encode($options)) . ' 2>&1');
            $this->assertSame('ok', trim((string) $out), 'upstream\'s execution');
            JeedomConnect::jobExecutor($options);
            $c = $this->captured();
            $p = $this->assertSameSends($c['upstream'], $c['ours'], $what);
            $this->assertSame('Programmation JeedomConnect', $p[0]['title'], $what);
        }
        $this->assertStringContainsString('Action(s) déclenchée(s) : commande ' . $set->getHumanName(), $p[0]['message']);
        $this->assertSame('notif-2', $p[0]['id']);
    }

    public function testIosNotificationsAsUpstream() {
        $eq = $this->eq('iPhone', $this->user('diffnotif', 'user'), array('token' => 'apns-fcm-token', 'platformOs' => 'ios'));
        $c = JeedomConnectLayout::emptyConfig();
        $c['payload']['tabs'][] = array('id' => 10, 'name' => 'Maison', 'index' => 0, 'enable' => true);
        $c['payload']['sections'][] = array('id' => 20, 'name' => 'Etage', 'index' => 0, 'parentId' => 10, 'enable' => true);
        $c['payload']['widgets'][] = array('id' => 1, 'widgetId' => 7, 'parentId' => 20, 'index' => 0);
        config::save('widget::1', json_encode(array('id' => 1, 'type' => 'generic-info', 'name' => 'Salon', 'enable' => true)), 'JeedomConnect');
        JeedomConnectLayout::set($eq, $c);
        // the same stored layout in upstream's own data folder (one format: the file is copied as it is)
        $upConfigs = JC_UPSTREAM_ENV['UP_WEB'] . '/plugins/JeedomConnect/data/configs';
        @mkdir($upConfigs, 0775, true);
        copy(JeedomConnectLayout::path($eq->getLogicalId()), $upConfigs . '/' . $eq->getLogicalId() . '.json');
        $eq = $this->setBoth(eqLogic::byId($eq->getId()));
        $img = JC_TEST_BASE . '/camera.png';
        file_put_contents($img, 'png');
        $cases = array(
            'plain with actions, critical' => array('notif-2', array('title' => 'Alarme', 'message' => '<i>Intrusion</i> &amp; sirène')),
            'critical volume 0' => array('notif-3', array('title' => 'Info', 'message' => 'Info')),
            'page and widget buttons, attachment' => array('defaultNotif', array('title' => 'gotoPageId=20 | gotoWidgetId=7 | files=' . $img, 'message' => 'Regarde')),
            'ask' => array('notif-2', array('title' => 'Fermer ?', 'message' => 'Fermer ?', 'answer' => array('Oui', 'Non'), 'timeout' => 60, 'variable' => 'r')),
            'test message' => array('defaultNotif', array()),
        );
        foreach ($cases as $what => list($logicalId, $options)) {
            list($up, $ours) = $this->execBoth($eq->getCmd(null, $logicalId), $options);
            $p = $this->assertSameSends($up, $ours, $what)[0];
            $this->assertArrayHasKey('display_options', $p, $what);
        }
    }

    public function testTestNotifAndGroupsAsUpstream() {
        $eq = $this->setBoth($this->eq);
        $this->assertSameAnswer('TEST_NOTIF', array('apiKey' => $eq->getLogicalId(), 'notifId' => 'notif-2'));
        $c = $this->captured();
        $p = $this->assertSameSends($c['upstream'], $c['ours'], 'TEST_NOTIF')[0];
        $this->assertStringContainsString('Message test', $p['title']);
        // a group over two phones: each gets it, one notificationId, the other targets listed
        $tab = $this->phone('Tablette', 'fcm-token-tab', 'android');
        $targets = array($eq->getCmd(null, 'notif-2')->getId(), $tab->getCmd(null, 'defaultNotif')->getId());
        config::save('notifAll_Fam01', json_encode(array('name' => 'Famille', 'cmd' => $targets)), 'JeedomConnect');
        config::save('notifAll', json_encode(array('name' => 'Notifier les appareils JC', 'cmd' => array_reverse($targets))), 'JeedomConnect');
        $group = new JeedomConnectCmd();
        $group->setEqLogic_id($tab->getId())->setLogicalId('notifAll_Fam01')->setName('Famille')->setType('action')->setSubType('message')->save();
        foreach (array('notifAll_Fam01' => $group, 'built-in notifall' => $eq->getCmd(null, 'notifall')) as $what => $cmd) {
            list($up, $ours) = $this->execBoth($cmd, array('title' => 'Dîner', 'message' => 'À table', 'answer' => array('Oui', 'Non'), 'timeout' => 60));
            $ps = $this->assertSameSends($up, $ours, $what);
            $this->assertCount(2, $ps);
            $this->assertSame($ps[0]['notificationId'], $ps[1]['notificationId']);
        }
    }

    public function testAskReplyTellsTheOtherPhonesAsUpstream() {
        $eq = $this->setBoth($this->eq);
        $tab = $this->phone('Tablette', 'fcm-token-tab', 'ios');
        $cmd = $eq->getCmd(null, 'notif-2');
        $other = $tab->getCmd(null, 'defaultNotif');
        $params = array('apiKey' => $eq->getLogicalId(), 'cmdId' => $cmd->getId(), 'answer' => 'Oui', 'otherAskCmdId' => array($other->getId()),
            'notificationId' => 17650001234567, 'dateAnswer' => '2026-12-08 03:00:00');
        foreach (array('upstream', 'ours') as $side) {
            cmd::byId($cmd->getId())->setCache(array('ask::variable' => 'rep_' . $side, 'ask::endtime' => time() + 300, 'ask::answer' => array('Oui', 'Non')));
            $e = $this->$side('ASK_REPLY', $params);
            $this->assertSame('ok', $e['result'], $side . ' ' . json_encode($e));
            $this->assertSame('Oui', dataStore::byTypeLinkIdKey('scenario', -1, 'rep_' . $side)->getValue(), $side . ': the scenario got the answer');
        }
        $c = $this->captured();
        $p = $this->assertSameSends($c['upstream'], $c['ours'], 'ASK_ALREADY_ANSWERED')[0];
        $this->assertSame(array('notificationId' => 17650001234567, 'answer' => 'Oui', 'fromEquipement' => 'Pixel', 'dateAnswer' => '2026-12-08 03:00:00'),
            array_intersect_key($p, array_flip(array('notificationId', 'answer', 'fromEquipement', 'dateAnswer'))));
        // an unknown command: both refuse
        $this->assertBothRefuse('ASK_REPLY', array('apiKey' => $eq->getLogicalId(), 'cmdId' => 999999, 'answer' => 'Oui'));
    }

    public function testOurFixesWhereUpstreamIsSilent() {
        // no token: upstream logs an info line and sends nothing; we refuse with the reason (a documented fix)
        $eq = $this->eq('Sans jeton', $this->user('diffnotif', 'user'), array('platformOs' => 'android'));
        $this->upstream('GET_NOTIFS_CONFIG', array('apiKey' => $eq->getLogicalId()));
        $this->assertUpstreamSilentOursRefuses('TEST_NOTIF', array('apiKey' => $eq->getLogicalId(), 'notifId' => 'defaultNotif'), 'ok');
        $this->assertUpstreamSilentOursRefuses('TEST_NOTIF', array('apiKey' => $eq->getLogicalId(), 'notifId' => 'notif-404'), 'ok');
        $this->assertSame(array('upstream' => array(), 'ours' => array()), $this->captured());
    }
}
