<?php
/* The app's automations (ADD_AUTOMATION, REMOVE_AUTOMATION, REMOVE_ALL_AUTOMATIONS, GET_AUTOMATIONS) as upstream
 * 1.20.6 serves them, on the same phone: the same answers and the same rows in Jeedom's cron and listener tables,
 * and each plugin reads what the other stored (an update over upstream, a rollback). */
class AutomationsTest extends JcDiffTestCase {
    const MASK = array('result.payload.*.jeedomId');

    protected function setUp(): void {
        parent::setUp();
        $this->clear(); // Jeedom's cron and listener tables are not part of the rig's per-test reset
    }

    protected function tearDown(): void {
        $this->clear(); // nothing left for Jeedom's cron runner
        parent::tearDown();
    }

    private function cronAutomation($id, $cmdId, $extra = array()) {
        $trigger = array('type' => 'cron', 'options' => array('cron' => '30 7 * * 1-5', 'once' => false, 'unique' => false, 'fixedTime' => 1796000000000));
        $action = array('action' => 'cmd', 'options' => array('id' => (string) $cmdId, 'name' => 'Set', 'options' => array('slider' => 42)));
        return array_merge(array('id' => $id, 'name' => 'Réveil', 'triggers' => array($trigger), 'actions' => array($action)), $extra);
    }

    private function eventAutomation($id, $infoId, $expr, $actionId) {
        return array('id' => $id, 'name' => 'Chaud', 'triggers' => array(array('type' => 'event',
            'options' => array('event' => $expr, 'once' => false))),
            'actions' => array(array('action' => 'cmd', 'options' => array('id' => (string) $actionId, 'options' => array('slider' => 1)))));
    }

    /** Jeedom's rows of the phone's automations, ids left out, option decoded. */
    private function rows($eqId) {
        $r = array();
        foreach (cron::searchClassAndFunction('JeedomConnect', 'jobExecutor') as $c) {
            $r[] = array('cron', $c->getSchedule(), (string) $c->getOnce(), (string) $c->getEnable(), (string) $c->getTimeout(), (string) $c->getDeamon(), self::sorted($c->getOption()));
        }
        foreach (listener::searchClassFunctionOption('JeedomConnect', 'jobExecutor') as $l) {
            $r[] = array('listener', $l->getEvent(), self::sorted($l->getOption()));
        }
        return $r;
    }

    private function clear() {
        foreach (cron::searchClassAndFunction('JeedomConnect', 'jobExecutor') as $c) {
            $c->remove();
        }
        foreach (listener::searchClassFunctionOption('JeedomConnect', 'jobExecutor') as $l) {
            $l->remove();
        }
    }

    /** The same requests to upstream then (storage cleared) to ours: answers and rows compared. */
    private function sameSequence($calls) {
        $seen = array();
        foreach (array('upstream', 'ours') as $who) {
            $this->clear();
            foreach ($calls as $call) {
                $seen[$who]['answers'][] = self::masked($this->$who($call[0], $call[1]), self::MASK);
            }
            $seen[$who]['rows'] = $this->rows(0);
        }
        $this->assertSame($seen['upstream']['answers'], $seen['ours']['answers']);
        $this->assertEquals($seen['upstream']['rows'], $seen['ours']['rows']);
        return $seen['ours'];
    }

    public function testCronAutomationsAsUpstream() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $k = $eq->getLogicalId();
        $act = $this->actionCmd($this->infoCmd('Lampe', 0));
        $unique = $this->cronAutomation('a2', $act->getId());
        $unique['triggers'][0]['options'] = array('cron' => '15 8 24 12 4', 'once' => true, 'unique' => true, 'fixedTime' => 1798099200000);
        $seen = $this->sameSequence(array(
            array('GET_AUTOMATIONS', array('apiKey' => $k)),
            array('ADD_AUTOMATION', array('apiKey' => $k, 'automation' => $this->cronAutomation('a1', $act->getId()))),
            array('ADD_AUTOMATION', array('apiKey' => $k, 'automation' => $unique)),
            array('ADD_AUTOMATION', array('apiKey' => $k, 'automation' => $this->cronAutomation('a1', $act->getId(), array('name' => 'Réveil tard', 'disabled' => true)))),
            array('GET_AUTOMATIONS', array('apiKey' => $k)),
            array('REMOVE_AUTOMATION', array('apiKey' => $k, 'automation' => array('id' => 'a2', 'triggers' => array(array('type' => 'cron'))))),
        ));
        $this->assertEquals(array('type' => 'SET_AUTOMATIONS', 'payload' => array()), $seen['answers'][0]['result']);
        $list = $seen['answers'][4]['result']['payload'];
        $this->assertSame(array('a1', 'a2'), array_column($list, 'id'));
        $this->assertSame(array((string) $eq->getId(), (string) $eq->getId()), array_map('strval', array_column($list, 'eqLogicId')));
        $this->assertSame('Réveil tard', $list[0]['name']);
        $rows = $this->rows(0);
        $this->assertCount(1, $rows);
        $this->assertSame('30 7 * * 1-5', $rows[0][1]);
    }

    public function testUniqueCronGetsItsYearAndRunsOnce() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $act = $this->actionCmd($this->infoCmd('Lampe', 0));
        $unique = $this->cronAutomation('u', $act->getId());
        $unique['triggers'][0]['options'] = array('cron' => '15 8 24 12 4', 'once' => true, 'unique' => true, 'fixedTime' => 1798099200000);
        $this->sameSequence(array(array('ADD_AUTOMATION', array('apiKey' => $eq->getLogicalId(), 'automation' => $unique))));
        $rows = $this->rows(0);
        $this->assertSame(array('15 8 24 12 * 2026', '1'), array($rows[0][1], $rows[0][2]));
    }

    public function testEventAutomationsAndTriggerTypeSwitchAsUpstream() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $k = $eq->getLogicalId();
        $temp = $this->infoCmd('Temp', 19);
        $hum = $this->infoCmd('Hum', 50);
        $act = $this->actionCmd($temp);
        $seen = $this->sameSequence(array(
            array('ADD_AUTOMATION', array('apiKey' => $k, 'automation' => $this->cronAutomation('s', $act->getId()))),
            // the same automation becomes an event one: the cron goes
            array('ADD_AUTOMATION', array('apiKey' => $k, 'automation' => $this->eventAutomation('s', $temp->getId(), '#' . $temp->getId() . '# > 25 && #' . $hum->getId() . '# < 60', $act->getId()))),
            array('ADD_AUTOMATION', array('apiKey' => $k, 'automation' => $this->eventAutomation('e2', $temp->getId(), '#' . $temp->getId() . '#', $act->getId()))),
            array('GET_AUTOMATIONS', array('apiKey' => $k)),
            array('REMOVE_AUTOMATION', array('apiKey' => $k, 'automation' => array('id' => 'e2', 'triggers' => array(array('type' => 'event'))))),
        ));
        $this->assertSame(array('s', 'e2'), array_column($seen['answers'][3]['result']['payload'], 'id'));
        $rows = $this->rows(0);
        $this->assertSame(array('listener', '#' . $temp->getId() . '#|#' . $hum->getId() . '#'), array($rows[0][0], is_array($rows[0][1]) ? implode('|', $rows[0][1]) : $rows[0][1]));
    }

    public function testRemoveAllTouchesOnlyThisPhone() {
        $u = $this->user('prog', 'user');
        $eq = $this->eq('Pixel', $u);
        $other = $this->eq('Autre', $u);
        $act = $this->actionCmd($this->infoCmd('Lampe', 0));
        $seen = $this->sameSequence(array(
            array('ADD_AUTOMATION', array('apiKey' => $eq->getLogicalId(), 'automation' => $this->cronAutomation('a', $act->getId()))),
            array('ADD_AUTOMATION', array('apiKey' => $other->getLogicalId(), 'automation' => $this->cronAutomation('a', $act->getId()))),
            array('REMOVE_ALL_AUTOMATIONS', array('apiKey' => $eq->getLogicalId())),
            array('GET_AUTOMATIONS', array('apiKey' => $other->getLogicalId())),
        ));
        $this->assertEquals(array('type' => 'SET_AUTOMATIONS', 'payload' => array()), $seen['answers'][2]['result']);
        $this->assertCount(1, $seen['answers'][3]['result']['payload']);
    }

    /** Stored by one plugin, read and changed by the other: an update over upstream, and a rollback. */
    public function testEachReadsWhatTheOtherStored() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $k = $eq->getLogicalId();
        $act = $this->actionCmd($this->infoCmd('Lampe', 0));
        $this->upstream('ADD_AUTOMATION', array('apiKey' => $k, 'automation' => $this->cronAutomation('a', $act->getId())));
        $ours = $this->assertSameAnswer('GET_AUTOMATIONS', array('apiKey' => $k));
        $this->assertSame('a', $ours['result']['payload'][0]['id']);
        $this->ours('ADD_AUTOMATION', array('apiKey' => $k, 'automation' => $this->cronAutomation('a', $act->getId(), array('name' => 'Renommée'))));
        $up = $this->assertSameAnswer('GET_AUTOMATIONS', array('apiKey' => $k));
        $this->assertSame(array('Renommée'), array_column($up['result']['payload'], 'name'));
        $this->assertSameAnswer('REMOVE_ALL_AUTOMATIONS', array('apiKey' => $k));
        $this->assertSame(array(), $this->rows(0));
    }

    public function testUnknownApiKey() {
        $this->assertSameAnswer('GET_AUTOMATIONS', array('apiKey' => 'not-a-key'));
        $this->assertSameAnswer('ADD_AUTOMATION', array('apiKey' => 'not-a-key', 'automation' => array()));
        $this->assertSameAnswer('REMOVE_AUTOMATION', array('apiKey' => 'not-a-key'));
        $this->assertSameAnswer('REMOVE_ALL_AUTOMATIONS', array('apiKey' => 'not-a-key'));
    }

    public function testMissingAutomationIsRefused() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $k = $eq->getLogicalId();
        $this->assertUpstreamSilentOursRefuses('ADD_AUTOMATION', array('apiKey' => $k), array('type' => 'SET_AUTOMATIONS', 'payload' => array()));
        $this->assertUpstreamSilentOursRefuses('REMOVE_AUTOMATION', array('apiKey' => $k), array('type' => 'SET_AUTOMATIONS', 'payload' => array()));
        $this->assertSame(array(), $this->rows(0));
    }

    public function testBadAutomationsAreRefusedAndNothingIsStored() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $k = $eq->getLogicalId();
        $info = $this->infoCmd('Lampe', 0);
        $act = $this->actionCmd($info);
        $noTrigger = $this->cronAutomation('x', $act->getId());
        $noTrigger['triggers'] = array(array('type' => 'sunrise', 'options' => array()));
        $badCron = $this->cronAutomation('x', $act->getId());
        $badCron['triggers'][0]['options']['cron'] = 'every morning';
        $noCmd = $this->eventAutomation('x', $info->getId(), 'true', $act->getId());
        $unknownCmd = $this->cronAutomation('x', 999999);
        // upstream stores it and runs it through PHP's eval when the command changes
        $php = $this->eventAutomation('x', $info->getId(), '#' . $info->getId() . '# > 1 || system("id")', $act->getId());
        $cases = array('unknown trigger' => $noTrigger, 'bad schedule' => $badCron, 'no command in the event' => $noCmd, 'unknown command' => $unknownCmd,
            'a function in the condition' => $php);
        foreach ($cases as $case => $automation) {
            $msg = $this->assertOurRefusal('ADD_AUTOMATION', array('apiKey' => $k, 'automation' => $automation));
            $this->assertStringContainsString('automation.', $msg, $case);
        }
        $this->assertSame(array(), $this->rows(0));
    }

    public function testANonAdminsPhoneCannotScheduleACommandItsUserMayNotRun() {
        $u = $this->user('restreint', 'restrict');
        $eq = $this->eq('Pixel', $u);
        $act = $this->actionCmd($this->infoCmd('Lampe', 0));
        $msg = $this->assertOurRefusal('ADD_AUTOMATION', array('apiKey' => $eq->getLogicalId(), 'automation' => $this->cronAutomation('a', $act->getId())));
        $this->assertStringContainsString('droit', $msg);
        $this->assertSame(array(), $this->rows(0));
    }
}
