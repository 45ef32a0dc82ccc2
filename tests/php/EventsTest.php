<?php
/* Listener (EVENTS only for watched cmds, never blocking), device records to the daemon, GET_EVENTS with and
 * without the daemon (the daemon side played by tests/php/fake_control_server.php). */
class EventsTest extends JcTestCase {
    public function testListenerIsInstalledInProcessOnEveryCmd() {
        JeedomConnectListener::install();
        JeedomConnectListener::install();
        $all = listener::byClass('JeedomConnect');
        $this->assertCount(1, $all);
        $this->assertSame(array('#*#'), $all[0]->getEvent());
        $this->assertFalse($all[0]->getOption('background'));
        $this->assertSame('onJeedomEvent', $all[0]->getFunction());
    }

    public function testListenerSendsEventsOnlyForWatchedCmds() {
        JeedomConnectListener::install();
        $watched = $this->infoCmd('Watched', '1');
        $other = $this->infoCmd('Other', '1');
        $this->setLayout($this->eq('P', $this->user()), array($watched->getId()));
        $record = $this->startFakeControl();
        $other->event('2');
        $watched->event('22.5');
        $msgs = $this->ofType($this->received($record, 1), 'EVENTS');
        usleep(200000);
        $msgs = $this->ofType($this->received($record), 'EVENTS');
        $this->assertCount(1, $msgs, 'one EVENTS line, for the watched cmd only');
        $this->assertSame(jeedom::getApiKey('JeedomConnect'), $msgs[0]['jeedomApiKey']);
        $item = $msgs[0]['events'][0];
        $this->assertSame('CMD_INFO', $item['type']);
        $this->assertSame((string) $watched->getId(), $item['payload'][0]['id']);
        $this->assertSame(22.5, $item['payload'][0]['value']);
        $this->assertIsInt($item['payload'][0]['modified']);
        $this->assertSame(array('id', 'value', 'modified', 'collectDate', 'history'), array_keys($item['payload'][0]));
        // a repeated value fires no listener (Jeedom semantics)
        $watched->event('22.5');
        usleep(200000);
        $this->assertCount(1, $this->ofType($this->received($record), 'EVENTS'));
    }

    public function testDisabledDeviceCmdsAreNotWatched() {
        $c = $this->infoCmd('C', '1');
        $eq = $this->setLayout($this->eq('P', $this->user()), array($c->getId()));
        $this->assertArrayHasKey((string) $c->getId(), JeedomConnectDevice::watched());
        $eq->setIsEnable(0)->save();
        $this->assertArrayNotHasKey((string) $c->getId(), JeedomConnectDevice::watched());
    }

    public function testListenerNeverBlocksNorThrowsWhenTheDaemonIsDown() {
        JeedomConnectListener::install();
        $c = $this->infoCmd('C', '0');
        $this->setLayout($this->eq('P', $this->user()), array($c->getId()));
        $start = microtime(true);
        for ($i = 1; $i <= 20; $i++) {
            $c->event((string) $i);
        }
        $elapsed = microtime(true) - $start;
        $this->assertLessThan(2.0, $elapsed, '20 events with the daemon down');
        $this->assertSame('20', (string) cmd::byId($c->getId())->execCmd()); // the core keeps a numeric value as a number
        // unwatched cmds return at once: 200 calls of the handler
        $start = microtime(true);
        for ($i = 0; $i < 200; $i++) {
            JeedomConnect::onJeedomEvent(array('event_id' => '999999', 'value' => '1'));
        }
        $this->assertLessThan(0.2, microtime(true) - $start);
    }

    public function testDevicesSentOnSaveDisableAndRemove() {
        $record = $this->startFakeControl();
        $eq = $this->eq('P', $this->user());
        $key = $eq->getLogicalId();
        $devices = $this->ofType($this->received($record, 1), 'DEVICES');
        $this->assertNotEmpty($devices);
        $last = end($devices);
        $this->assertFalse($last['full']);
        $this->assertSame($key, $last['devices'][0]['apiKey']);
        $this->assertTrue($last['devices'][0]['enabled']);
        $eq->setIsEnable(0)->save();
        $msgs = $this->received($record, count($this->received($record)) + 1);
        // Disabling is said by the record alone (the daemon then sends EQUIPMENT_DISABLE and closes): no
        // CLOSE_DEVICE that could overtake it and close the app without the reason.
        $this->assertSame(array(), $this->ofType($msgs, 'CLOSE_DEVICE'));
        $devices = $this->ofType($msgs, 'DEVICES');
        $this->assertFalse(end($devices)['devices'][0]['enabled']);
        $other = $this->eq('Other', $this->user('bob', 'user'));
        @file_put_contents($record, '');
        eqLogic::byId($eq->getId())->remove();
        $msgs = $this->received($record, 2);
        $this->assertSame(array($key), array_column($this->ofType($msgs, 'CLOSE_DEVICE'), 'eqApiKey'));
        $full = $this->ofType($msgs, 'DEVICES');
        $this->assertTrue(end($full)['full']);
        $this->assertSame(array($other->getLogicalId()), array_column(end($full)['devices'], 'apiKey'));
    }

    public function testPushGoesToTheDaemonOrIsQueuedInPhp() {
        $eq = $this->eq('P', $this->user());
        $toaster = $eq->getCmd('action', 'toaster');
        $toaster->execCmd(array('message' => 'Porte ouverte'));
        // daemon down: queued in PHP, delivered once by GET_EVENTS
        $eq = eqLogic::byId($eq->getId());
        $eq->setConfiguration('appState', 'active')->save();
        $r = $this->result('GET_EVENTS', array('apiKey' => $eq->getLogicalId(), 'lastReadTimestamp' => microtime(true)));
        $this->assertSame(array('type' => 'ACTIONS', 'payload' => array(array('action' => 'toaster', 'message' => 'Porte ouverte'))), $r);
        $this->assertSame('SET_EVENTS', $this->result('GET_EVENTS', array('apiKey' => $eq->getLogicalId(), 'lastReadTimestamp' => microtime(true)))['type']);
        $record = $this->startFakeControl();
        $toaster->execCmd(array('message' => 'Hello'));
        $push = $this->ofType($this->received($record, 1), 'PUSH');
        $this->assertSame($eq->getLogicalId(), $push[0]['eqApiKey']);
        $this->assertSame(array('type' => 'ACTIONS', 'payload' => array(array('action' => 'toaster', 'message' => 'Hello'))), $push[0]['message']);
        $this->assertTrue($push[0]['ack'], 'PHP waits until the daemon has it (journaled when queued)');
    }

    public function testAPushTheDaemonDoesNotAcknowledgeStaysQueuedInPhp() {
        $eq = $this->eq('P', $this->user());
        $this->startFakeControl(array('PUSH' => array('ok' => false, 'error' => 'journal unavailable')));
        $this->assertSame('php', JeedomConnectDevice::queueAction($eq, array('action' => 'toaster', 'message' => 'Gardé')));
        $eq = eqLogic::byId($eq->getId());
        $eq->setConfiguration('appState', 'active')->save();
        $r = $this->result('GET_EVENTS', array('apiKey' => $eq->getLogicalId(), 'lastReadTimestamp' => microtime(true)));
        $this->assertSame(array('type' => 'ACTIONS', 'payload' => array(array('action' => 'toaster', 'message' => 'Gardé'))), $r);
    }

    public function testTheDaemonsNewLayoutRequestTakesNothingElse() {
        $eq = $this->eq('P', $this->user());
        $this->startFakeControl(array('PUSH' => array('ok' => false, 'error' => 'journal unavailable')));
        JeedomConnectDevice::queueAction($eq, array('action' => 'toaster', 'message' => 'Gardé'));
        $eq = eqLogic::byId($eq->getId());
        $eq->setConfiguration('appState', 'active')->save();
        $v = (int) $eq->getConfiguration('configVersion');
        $ask = array('apiKey' => $eq->getLogicalId(), 'lastReadTimestamp' => microtime(true), 'newLayoutOnly' => true);
        $r = $this->result('GET_EVENTS', $ask + array('configVersion' => $v - 1));
        $this->assertSame('CONFIG_AND_INFOS', $r['type']);
        $this->assertSame('ok', $this->result('GET_EVENTS', $ask + array('configVersion' => $v)), 'same version: nothing');
        $r = $this->result('GET_EVENTS', array('apiKey' => $eq->getLogicalId(), 'lastReadTimestamp' => microtime(true)));
        $this->assertSame(array('type' => 'ACTIONS', 'payload' => array(array('action' => 'toaster', 'message' => 'Gardé'))), $r, 'still queued');
    }

    public function testAScenarioSwitchedOrStoppedFromThePhoneReachesTheDaemonOnTheChange() {
        $sc = new scenario();
        $sc->setName('Alarme')->setIsActive(1)->save();
        $eq = $this->eq('P', $this->user('boss', 'admin'));
        $record = $this->startFakeControl();
        // the pump's cursor exists (set at the first cron after install), and what happened before is sent
        JeedomConnectListener::pumpCoreEvents();
        JeedomConnectListener::pumpCoreEvents();
        @file_put_contents($record, '');
        $this->assertSame('ok', $this->result('SC_SET_ACTIVE', array('apiKey' => $eq->getLogicalId(), 'id' => (string) $sc->getId(), 'active' => false)));
        $sent = $this->ofType($this->received($record, 1), 'EVENTS');
        $this->assertCount(1, $sent, 'sent by the request itself');
        $this->assertSame('SC_INFO', $sent[0]['events'][0]['type']);
        $last = end($sent[0]['events'][0]['payload']);
        $this->assertSame(array((string) $sc->getId(), 0), array($last['id'], (int) $last['active']), json_encode($sent));
        $sc->setState('in progress');
        @file_put_contents($record, '');
        $this->assertSame('ok', $this->result('SC_STOP', array('apiKey' => $eq->getLogicalId(), 'id' => (string) $sc->getId())));
        $sent = $this->ofType($this->received($record, 1), 'EVENTS');
        $this->assertCount(1, $sent);
        $this->assertSame('stop', end($sent[0]['events'][0]['payload'])['status'], json_encode($sent));
    }

    public function testDeviceRecordsAskForAnAcknowledgement() {
        $record = $this->startFakeControl();
        $eq = $this->eq('P', $this->user());
        $this->assertTrue(JeedomConnectDevice::sendOne($eq));
        $devices = $this->ofType($this->received($record, 1), 'DEVICES');
        $this->assertTrue(end($devices)['ack']);
        $this->startFakeControl(array('DEVICES' => array('ok' => false, 'error' => 'devices must be a list')));
        $this->assertFalse(JeedomConnectDevice::sendOne($eq), 'a refused record is not reported as sent');
    }

    public function testGetEventsWithoutTheDaemon() {
        $t = $this->infoCmd('Temp', '20');
        $other = $this->infoCmd('Other', '1');
        $eq = $this->setLayout($this->eq('P', $this->user()), array($t->getId()));
        $k = $eq->getLogicalId();
        $this->assertSame('ok', $this->result('GET_EVENTS', array('apiKey' => $k)), 'background app gets nothing');
        $this->result('SET_APPSTATE', array('apiKey' => $k, 'state' => 'active'));
        $before = microtime(true);
        $saved = DB::Prepare('SELECT configuration FROM eqLogic WHERE id = ?', array($eq->getId()), DB::FETCH_TYPE_ROW);
        $r = $this->result('GET_EVENTS', array('apiKey' => $k, 'configVersion' => 1, 'lastReadTimestamp' => $before, 'lastHistoricReadTimestamp' => time()));
        $this->assertSame('SET_EVENTS', $r['type']);
        $this->assertSame(array('DATETIME', 'HIST_DATETIME'), array_column($r['payload'], 'type'));
        $cursor = $r['payload'][0]['payload'];
        $this->assertGreaterThanOrEqual($before, $cursor);
        $this->assertSame($saved, DB::Prepare('SELECT configuration FROM eqLogic WHERE id = ?', array($eq->getId()), DB::FETCH_TYPE_ROW), 'GET_EVENTS does not save the eq');
        $t->event('21');
        $other->event('2');
        $r = $this->result('GET_EVENTS', array('apiKey' => $k, 'configVersion' => 1, 'lastReadTimestamp' => $cursor, 'lastHistoricReadTimestamp' => time()));
        $this->assertSame(array('DATETIME', 'HIST_DATETIME', 'CMD_INFO', 'SC_INFO', 'OBJ_INFO'), array_column($r['payload'], 'type'));
        $this->assertCount(1, $r['payload'][2]['payload'], 'only the watched cmd');
        $this->assertSame(21, $r['payload'][2]['payload'][0]['value']);
        // stale configVersion => CONFIG_AND_INFOS
        $r = $this->result('GET_EVENTS', array('apiKey' => $k, 'configVersion' => 0, 'lastReadTimestamp' => $cursor));
        $this->assertSame('CONFIG_AND_INFOS', $r['type']);
        $this->assertSame(1, $r['payload']['config']['payload']['configVersion']);
        $this->assertSame(array('cmdInfo', 'scInfo', 'objInfo'), array_keys($r['payload']['infos']));
        $this->assertGreaterThan(0, JeedomConnectDevice::lastSeen(eqLogic::byId($eq->getId())));
    }

    public function testGetEventsFullRefreshWhenJeedomsJournalOverflows() {
        $t = $this->infoCmd('Temp', '20');
        $eq = $this->setLayout($this->eq('P', $this->user()), array($t->getId()));
        $this->result('SET_APPSTATE', array('apiKey' => $eq->getLogicalId(), 'state' => 'active'));
        $cursor = microtime(true);
        for ($i = 0; $i < 260; $i++) {
            event::add('fake::noise', array('n' => $i));
        }
        $r = $this->result('GET_EVENTS', array('apiKey' => $eq->getLogicalId(), 'lastReadTimestamp' => $cursor, 'lastHistoricReadTimestamp' => time()));
        $this->assertSame('CMD_INFO', $r['payload'][2]['type']);
        $this->assertSame(20.0, $r['payload'][2]['payload'][0]['value'], 'full snapshot');
        $this->assertSame(250, (int) DB::Prepare('SELECT COUNT(*) AS n FROM event', array(), DB::FETCH_TYPE_ROW)['n'], 'fake journal kept to 250 rows');
    }

    /** A phone whose first widget shows average(#temp#) of its own info cmd, and whose second names max(#other#) of
     * a cmd that is none of its properties (upstream refreshes only the first). */
    private function historicPhone() {
        $t = $this->infoCmd('Temp', 20, 1);
        $other = $this->infoCmd('Other', 5, 1);
        $hum = $this->infoCmd('Hum', 50);
        $eq = $this->eq('P', $this->user());
        $c = JeedomConnectLayout::emptyConfig();
        $c['payload']['widgets'] = array(
            array('type' => 'generic-info', 'id' => 1, 'name' => 'Moyenne average(#' . $t->getId() . '#)', 'statusInfo' => array('id' => (string) $t->getId(), 'type' => 'info')),
            array('type' => 'generic-info', 'id' => 2, 'name' => 'Hum', 'subtitle' => 'max(#' . $other->getId() . '#)', 'statusInfo' => array('id' => (string) $hum->getId(), 'type' => 'info')),
        );
        JeedomConnectLayout::set($eq, $c);
        $eq->save();
        return array(eqLogic::byId($eq->getId()), $t);
    }

    public function testHistoricCmdsAreSentAgainEveryFiveMinutes() {
        list($eq, $t) = $this->historicPhone();
        $record = $this->startFakeControl();
        JeedomConnect::cron5();
        $events = $this->ofType($this->received($record, 1), 'EVENTS');
        $this->assertCount(1, $events);
        $this->assertSame('CMD_INFO', $events[0]['events'][0]['type']);
        $this->assertSame(array((string) $t->getId()), array_column($events[0]['events'][0]['payload'], 'id'));
        $this->assertEquals(20, $events[0]['events'][0]['payload'][0]['history']['averageValue'], 'with its history');
    }

    public function testGetEventsFromTheDaemonAddsTheHistoricCmdsWhenDue() {
        list($eq, $t) = $this->historicPhone();
        $k = $eq->getLogicalId();
        $this->result('SET_APPSTATE', array('apiKey' => $k, 'state' => 'active'));
        $this->startFakeControl(array('EVENTS_SINCE' => array('cursor' => 10.0, 'cmds' => array(), 'scenarios' => array(), 'objects' => array(),
            'pending' => array(), 'overflow' => false)));
        $v = (int) $eq->getConfiguration('configVersion');
        $r = $this->result('GET_EVENTS', array('apiKey' => $k, 'configVersion' => $v, 'lastReadTimestamp' => 5.0, 'lastHistoricReadTimestamp' => time() - 301));
        $this->assertSame(array((string) $t->getId()), array_column($r['payload'][2]['payload'], 'id'), 'due: the historic cmd');
        $this->assertGreaterThanOrEqual(time() - 1, $r['payload'][1]['payload']);
        $r = $this->result('GET_EVENTS', array('apiKey' => $k, 'configVersion' => $v, 'lastReadTimestamp' => 5.0, 'lastHistoricReadTimestamp' => time() - 10));
        $this->assertSame(array(), $r['payload'][2]['payload'], 'not due');
    }

    public function testGetEventsFromTheDaemon() {
        $t = $this->infoCmd('Temp', '20');
        $eq = $this->setLayout($this->eq('P', $this->user()), array($t->getId()));
        $k = $eq->getLogicalId();
        $this->result('SET_APPSTATE', array('apiKey' => $k, 'state' => 'active'));
        $cmdInfo = array('id' => (string) $t->getId(), 'value' => '23', 'modified' => 1, 'collectDate' => 1, 'history' => array());
        $record = $this->startFakeControl(array('EVENTS_SINCE' => array('cursor' => 1234.5, 'cmds' => array($cmdInfo), 'scenarios' => array(),
            'objects' => array(), 'pending' => array(), 'overflow' => false)));
        $r = $this->result('GET_EVENTS', array('apiKey' => $k, 'configVersion' => 1, 'lastReadTimestamp' => 1000.25, 'lastHistoricReadTimestamp' => time()));
        $this->assertSame('SET_EVENTS', $r['type']);
        $this->assertSame(array('type' => 'DATETIME', 'payload' => 1234.5), $r['payload'][0]);
        $this->assertSame(array($cmdInfo), $r['payload'][2]['payload']);
        $asked = $this->ofType($this->received($record, 1), 'EVENTS_SINCE');
        $this->assertSame($k, $asked[0]['eqApiKey']);
        $this->assertEquals(1000.25, $asked[0]['cursor']);
    }

    public function testGetEventsFromTheDaemonPendingAndOverflow() {
        $t = $this->infoCmd('Temp', '20');
        $eq = $this->setLayout($this->eq('P', $this->user()), array($t->getId()));
        $k = $eq->getLogicalId();
        $this->result('SET_APPSTATE', array('apiKey' => $k, 'state' => 'active'));
        $this->startFakeControl(array('EVENTS_SINCE' => array('cursor' => 99.0, 'cmds' => array(), 'scenarios' => array(), 'objects' => array(),
            'pending' => array(array('type' => 'ACTIONS', 'payload' => array(array('action' => 'screenOn'))),
                array('type' => 'ACTIONS', 'payload' => array(array('action' => 'toaster', 'message' => 'x')))), 'overflow' => true)));
        $r = $this->result('GET_EVENTS', array('apiKey' => $k, 'lastReadTimestamp' => 1.0));
        $this->assertSame(array('type' => 'ACTIONS', 'payload' => array(array('action' => 'screenOn'), array('action' => 'toaster', 'message' => 'x'))), $r);
        $this->startFakeControl(array('EVENTS_SINCE' => array('cursor' => 99.0, 'cmds' => array(), 'scenarios' => array(), 'objects' => array(),
            'pending' => array(), 'overflow' => true)));
        $r = $this->result('GET_EVENTS', array('apiKey' => $k, 'lastReadTimestamp' => 1.0));
        $this->assertSame('SET_EVENTS', $r['type']);
        $this->assertSame(20.0, $r['payload'][2]['payload'][0]['value'], 'overflow => full snapshot');
        $this->assertSame('global', $r['payload'][4]['payload'][0]['object_id']);
    }

    public function testDeviceRecordFollowsTheLayout() {
        $a = $this->infoCmd('A', '1');
        $b = $this->infoCmd('B', '1');
        $sc = $this->saved((new scenario())->setName('S'));
        $room = $this->saved((new jeeObject())->setName('R'));
        $eq = $this->eq('P', $this->user());
        $c = JeedomConnectLayout::emptyConfig();
        $c['payload']['widgets'][] = array('type' => 'light', 'id' => 1, 'statusInfo' => array('id' => (string) $a->getId(), 'type' => 'info'),
            'onAction' => array('id' => '9999', 'type' => 'action'), 'visibilityCond' => '#' . $b->getId() . '# == 1 && #424242# == 2');
        $c['payload']['widgets'][] = array('type' => 'scenario', 'id' => 2, 'scenarioId' => $sc->getId());
        $c['payload']['rooms'][] = array('id' => $room->getId(), 'name' => 'R');
        JeedomConnectLayout::set($eq, $c);
        $eq->save();
        $rec = JeedomConnectDevice::record(eqLogic::byId($eq->getId()));
        $this->assertSame(array((string) $a->getId(), (string) $b->getId()), $rec['cmds'], 'unknown cmd #424242# dropped, action not watched');
        $this->assertSame(array((string) $sc->getId()), $rec['scenarios']);
        $this->assertSame(array((string) $room->getId()), $rec['objects']);
        $this->assertSame(1, $rec['configVersion']);
        $this->assertFalse($rec['scAll']);
    }

    public function testAddCmdWidgetImportExport() {
        $t = $this->infoCmd('Temp', '20');
        $eq = $this->eq('P', $this->user());
        $w = JeedomConnectLayout::addCmdWidget($eq, $t->getId());
        $eq->save();
        $this->assertSame((string) $t->getId(), $w['statusInfo']['id']);
        $eq = eqLogic::byId($eq->getId());
        $this->assertSame(array((string) $t->getId()), JeedomConnectDevice::record($eq)['cmds']);
        $json = JeedomConnectLayout::export($eq);
        $other = $this->eq('Q', $this->user('bob'));
        JeedomConnectLayout::import($other, $json);
        $other->save();
        $this->assertSame(array((string) $t->getId()), JeedomConnectDevice::record(eqLogic::byId($other->getId()))['cmds']);
        $this->expectException(Exception::class);
        JeedomConnectLayout::import($other, '{bad');
    }
}
