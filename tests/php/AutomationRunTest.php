<?php
/* App automations run when their trigger fires, in the real core: a cron automation through Jeedom's own cron runner
 * (jeeCron.php), an event automation through Jeedom's listener, conditions evaluated by Jeedom's evaluator, once and
 * disabled automations, scenario actions, and the rows an install of the previous plugin left (same storage). */
class AutomationRunTest extends JcTestCase {
    protected function setUp(): void {
        parent::setUp();
        self::removeAutomations();
        cache::set('jcTestDevice::execLog', array());
    }

    /** Jeedom's cron and listener tables are not part of the rig's per-test reset: no automation is left for
     * Jeedom's cron runner of the later tests. */
    protected function tearDown(): void {
        self::removeAutomations();
        parent::tearDown();
    }

    private static function removeAutomations() {
        foreach (cron::searchClassAndFunction('JeedomConnect', 'jobExecutor') as $c) {
            $c->remove();
        }
        foreach (listener::searchClassFunctionOption('JeedomConnect', 'jobExecutor') as $l) {
            $l->remove();
        }
    }

    private function automation($id, $trigger, $actions) {
        return array('id' => $id, 'name' => 'Test ' . $id, 'triggers' => array($trigger), 'actions' => $actions);
    }

    private function setAction($cmd, $value) {
        return array('action' => 'cmd', 'options' => array('id' => (string) $cmd->getId(), 'options' => array('slider' => $value)));
    }

    private function add($eq, $automation) {
        $r = $this->result('ADD_AUTOMATION', array('apiKey' => $eq->getLogicalId(), 'automation' => $automation));
        $this->assertSame('SET_AUTOMATIONS', $r['type'], json_encode($r));
        return $r['payload'];
    }

    /** Waits (bounded) until the info command has the value; returns its value. */
    private function waitValue($cmd, $value, $timeout = 15.0) {
        $deadline = microtime(true) + $timeout;
        do {
            $v = cmd::byId($cmd->getId())->execCmd();
            if ((string) $v === (string) $value) {
                break;
            }
            usleep(100000);
        } while (microtime(true) < $deadline);
        return $v;
    }

    private function executions() {
        return cache::byKey('jcTestDevice::execLog')->getValue(array());
    }

    public function testCronAutomationRunsThroughJeedomsCronRunner() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $target = $this->infoCmd('Lampe', 0);
        $list = $this->add($eq, $this->automation('c1', array('type' => 'cron', 'options' => array('cron' => '0 7 * * *', 'once' => false, 'unique' => false, 'fixedTime' => 0)),
            array($this->setAction($this->actionCmd($target), 42))));
        $cronId = $list[0]['jeedomId'];
        $this->assertSame('0 7 * * *', cron::byId($cronId)->getSchedule());
        // what Jeedom's cron daemon does when the schedule is due
        exec(escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg(JC_TEST_WEB . '/core/php/jeeCron.php') . ' cron_id=' . (int) $cronId . ' 2>&1', $out, $rc);
        $this->assertSame(0, $rc, implode("\n", $out));
        $this->assertSame('42', (string) cmd::byId($target->getId())->execCmd());
        $exec = $this->executions();
        $this->assertSame('JeedomConnect', $exec[0]['options']['comingFrom']);
    }

    public function testEventAutomationRunsWhenItsConditionHolds() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $temp = $this->infoCmd('Temp', 19);
        $target = $this->infoCmd('Clim', 0);
        $automation = $this->automation('e1', array('type' => 'event', 'options' => array('event' => '#' . $temp->getId() . '# > 25', 'once' => false)),
            array($this->setAction($this->actionCmd($target), 1)));
        $this->add($eq, $automation);
        $listeners = listener::searchClassFunctionOption('JeedomConnect', 'jobExecutor');
        $this->assertCount(1, $listeners);
        // false condition: Jeedom hands the automation to jobExecutor, nothing runs
        $stored = $listeners[0]->getOption();
        JeedomConnect::jobExecutor(array_merge($stored, array('event_id' => $temp->getId(), 'value' => 20)));
        $this->assertSame(array(), $this->executions());
        // a real event: Jeedom's listener runs it (a background jeeListener.php process)
        $temp->event(30);
        $this->assertSame('1', (string) $this->waitValue($target, 1));
        $this->assertCount(1, listener::searchClassFunctionOption('JeedomConnect', 'jobExecutor'), 'not a once automation: it stays');
    }

    public function testAnyChangeOfACommandAndOnce() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $door = $this->infoCmd('Porte', 0, 0, 'binary');
        $target = $this->infoCmd('Alarme', 0);
        $this->add($eq, $this->automation('o1', array('type' => 'event', 'options' => array('event' => '#' . $door->getId() . '#', 'once' => true)),
            array($this->setAction($this->actionCmd($target), 7))));
        $stored = listener::searchClassFunctionOption('JeedomConnect', 'jobExecutor')[0]->getOption();
        JeedomConnect::jobExecutor(array_merge($stored, array('event_id' => $door->getId(), 'value' => 1)));
        $this->assertSame('7', (string) cmd::byId($target->getId())->execCmd());
        $this->assertSame(array(), listener::searchClassFunctionOption('JeedomConnect', 'jobExecutor'), 'a once automation removes itself');
    }

    public function testDisabledAutomationDoesNotRun() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $target = $this->infoCmd('Lampe', 0);
        $a = $this->automation('d', array('type' => 'cron', 'options' => array('cron' => '* * * * *', 'once' => false, 'unique' => false, 'fixedTime' => 0)),
            array($this->setAction($this->actionCmd($target), 5)));
        $a['disabled'] = true;
        $list = $this->add($eq, $a);
        JeedomConnect::jobExecutor(cron::byId($list[0]['jeedomId'])->getOption());
        $this->assertSame('0', (string) cmd::byId($target->getId())->execCmd());
    }

    public function testScenarioActionLaunchesWithThePhonesTag() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $sc = new scenario();
        $sc->setName('Matin ' . uniqid())->setIsActive(1)->setMode('provoke');
        $sc->save();
        $list = $this->add($eq, $this->automation('s', array('type' => 'cron', 'options' => array('cron' => '0 6 * * *', 'once' => false, 'unique' => false, 'fixedTime' => 0)),
            array(array('action' => 'scenario', 'options' => array('scenario_id' => (string) $sc->getId(), 'name' => 'Matin', 'tags' => 'mode=doux')))));
        JeedomConnect::jobExecutor(cron::byId($list[0]['jeedomId'])->getOption());
        // the scenario runs in its own process: wait (bounded) for its log
        $logFile = JC_TEST_WEB . '/log/scenarioLog/scenario' . $sc->getId() . '.log';
        $deadline = microtime(true) + 15;
        while (microtime(true) < $deadline && strpos((string) @file_get_contents($logFile), 'Lancement du scénario') === false) {
            usleep(100000);
        }
        $this->assertStringContainsString('Lancement du scénario', (string) @file_get_contents($logFile), 'the scenario was launched');
        $this->assertNotSame('', (string) scenario::byId($sc->getId())->getLastLaunch());
    }

    /** The rows the previous plugin stored (the same shape, tests/differential/AutomationsTest.php) run here. */
    public function testAnAutomationOfThePreviousPluginRuns() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $target = $this->infoCmd('Lampe', 0);
        $act = $this->actionCmd($target);
        $cron = new cron();
        $cron->setClass('JeedomConnect')->setFunction('jobExecutor')->setSchedule('30 6 * * *')->setEnable(1)->setTimeout(5)->setOnce(0)->setDeamon(0);
        $cron->setOption(array('id' => 'old', 'triggers' => array(array('type' => 'cron', 'options' => array('cron' => '30 6 * * *', 'once' => false, 'unique' => false, 'fixedTime' => 0))),
            'actions' => array($this->setAction($act, 9)), 'eqLogicId' => $eq->getId()));
        $cron->save();
        $this->assertSame(array('old'), array_column($this->result('GET_AUTOMATIONS', array('apiKey' => $eq->getLogicalId()))['payload'], 'id'));
        exec(escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg(JC_TEST_WEB . '/core/php/jeeCron.php') . ' cron_id=' . (int) $cron->getId() . ' 2>&1', $out, $rc);
        $this->assertSame('9', (string) cmd::byId($target->getId())->execCmd());
    }

    /** Upstream evaluates the condition with PHP's eval (any PHP a phone sends runs on the box). Here a condition
     * naming a function is refused when added, and not evaluated when one stored earlier (by the previous plugin)
     * fires; commands' string values are compared as strings. */
    public function testConditionIsNeverRunAsPhp() {
        $eq = $this->eq('Pixel', $this->user('prog', 'user'));
        $mode = $this->infoCmd('Mode', 'absent', 0, 'string');
        $target = $this->infoCmd('Alarme', 0);
        $act = $this->actionCmd($target);
        $marker = JC_TEST_BASE . '/automation-php-' . uniqid();
        $evil = '#' . $mode->getId() . '# == "absent" || touch("' . $marker . '")';
        $r = $this->result('ADD_AUTOMATION', array('apiKey' => $eq->getLogicalId(), 'automation' => $this->automation('p',
            array('type' => 'event', 'options' => array('event' => $evil, 'once' => false)), array($this->setAction($act, 3)))));
        $this->assertSame('EXCEPTION', $r['type']);
        $this->assertSame(array(), listener::searchClassFunctionOption('JeedomConnect', 'jobExecutor'));
        $this->add($eq, $this->automation('p', array('type' => 'event', 'options' => array('event' => '#' . $mode->getId() . '# == "absent"', 'once' => false)),
            array($this->setAction($act, 3))));
        $stored = listener::searchClassFunctionOption('JeedomConnect', 'jobExecutor')[0]->getOption();
        JeedomConnect::jobExecutor(array_merge($stored, array('event_id' => $mode->getId(), 'value' => 'absent')));
        $this->assertSame('3', (string) cmd::byId($target->getId())->execCmd(), 'a string value compared as a string');
        // false: nothing runs
        cmd::byId($target->getId())->event(0);
        $stored['triggers'][0]['options']['event'] = '#' . $mode->getId() . '# == "present"';
        JeedomConnect::jobExecutor(array_merge($stored, array('event_id' => $mode->getId(), 'value' => 'absent')));
        $this->assertSame('0', (string) cmd::byId($target->getId())->execCmd());
        // Jeedom's word operators and parentheses are conditions, not calls
        $stored['triggers'][0]['options']['event'] = '#' . $mode->getId() . '# == "absent" and (#' . $target->getId() . '# < 1 ou #' . $target->getId() . '# > 5)';
        JeedomConnect::jobExecutor(array_merge($stored, array('event_id' => $mode->getId(), 'value' => 'absent')));
        $this->assertSame('3', (string) cmd::byId($target->getId())->execCmd());
        cmd::byId($target->getId())->event(0);
        // a stored row naming a function: not evaluated, an error line
        $stored['triggers'][0]['options']['event'] = $evil;
        $before = strlen((string) @file_get_contents(JC_TEST_WEB . '/log/JeedomConnect'));
        JeedomConnect::jobExecutor(array_merge($stored, array('event_id' => $mode->getId(), 'value' => 'absent')));
        $this->assertFileDoesNotExist($marker);
        $this->assertSame('0', (string) cmd::byId($target->getId())->execCmd());
        $this->assertStringContainsString('condition refusée', substr((string) @file_get_contents(JC_TEST_WEB . '/log/JeedomConnect'), $before));
    }

    /** The notification action sends what upstream's jobExecutor sends (DISPLAY_NOTIF "Programmation JeedomConnect",
     * the chosen notification's settings) through the notifications' sender, captured at its transport. */
    public function testNotificationActionSendsThroughTheNotificationSender() {
        $sent = array();
        JeedomConnectNotifSender::setTransport(function ($argv) use (&$sent) {
            $sent[] = $argv;
            return array(0, 'response: {"SuccessCount":1,"FailureCount":0}');
        });
        $bin = JeedomConnectNotifSender::binaryPath();
        $hadBin = is_file($bin);
        if (!$hadBin) {
            @mkdir(dirname($bin), 0775, true);
            file_put_contents($bin, "#!/bin/sh\nexit 9\n");
            chmod($bin, 0755);
        }
        try {
            $eq = $this->eq('Pixel', $this->user('prog', 'user'), array('token' => 'fcm-token-prog', 'platformOs' => 'android'));
            $settings = JeedomConnectNotifs::read($eq);
            $settings['notifs'][] = array('id' => 'notif-5', 'name' => 'Alarme', 'channel' => 'default', 'index' => 1, 'color' => '#ff0000');
            JeedomConnectNotifs::save($eq, $settings, false);
            $target = $this->infoCmd('Lampe', 0);
            $set = $this->actionCmd($target);
            $mode = $this->infoCmd('Mode', 'present');
            $before = time();
            JeedomConnect::jobExecutor(array('id' => 'n', 'eqLogicId' => $eq->getId(), 'event_id' => $mode->getId(),
                'triggers' => array(array('type' => 'event', 'options' => array('event' => '#' . $mode->getId() . '#'))),
                'actions' => array($this->setAction($set, 7), array('action' => 'notif', 'options' => array('id' => 'notif-5')))));
            $this->assertCount(1, $sent, 'one push');
            $this->assertSame(array($bin, '-token=fcm-token-prog', '-os=android', '-type=DISPLAY_NOTIF'), array_slice($sent[0], 0, 4));
            $p = json_decode(substr($sent[0][4], strlen('-payload=')), true);
            $this->assertSame(array('title', 'message', 'notificationId', 'id', 'channel', 'index', 'color', 'time'), array_keys($p));
            $this->assertSame('Programmation JeedomConnect', $p['title']);
            $this->assertSame('La commande ' . $mode->getHumanName() . ' a changé d\'état.<br><br>Action(s) déclenchée(s) : commande '
                . $set->getHumanName(), $p['message']);
            $this->assertSame(array('notif-5', '#ff0000'), array($p['id'], $p['color']));
            $this->assertGreaterThanOrEqual($before, $p['time']);
            $this->assertGreaterThan($before * 10000 - 1, $p['notificationId']);
            // no action id: the phone's default notification; a phone without token: an error in the log, nothing sent
            JeedomConnect::jobExecutor(array('id' => 'n', 'eqLogicId' => $eq->getId(), 'triggers' => array(array('type' => 'cron', 'options' => array('cron' => '* * * * *'))),
                'actions' => array(array('action' => 'notif', 'options' => array()))));
            $p = json_decode(substr($sent[1][4], strlen('-payload=')), true);
            $this->assertSame(array('L\'heure de la programmation est arrivée.', 'defaultNotif'), array($p['message'], $p['id']));
            $eq->setConfiguration('token', '')->save();
            $logBefore = strlen((string) @file_get_contents(JC_TEST_WEB . '/log/JeedomConnect'));
            JeedomConnect::jobExecutor(array('id' => 'n', 'eqLogicId' => $eq->getId(), 'triggers' => array(array('type' => 'cron', 'options' => array('cron' => '* * * * *'))),
                'actions' => array(array('action' => 'notif', 'options' => array()))));
            $this->assertCount(2, $sent, 'nothing sent without a token');
            $log = substr((string) @file_get_contents(JC_TEST_WEB . '/log/JeedomConnect'), $logBefore);
            $this->assertMatchesRegularExpression('/\[ERROR\].*Echec de l\'envoi de la notification DISPLAY_NOTIF.*aucun jeton de notification/', $log);
        } finally {
            JeedomConnectNotifSender::setTransport(null);
            if (!$hadBin) {
                @unlink($bin);
            }
        }
    }
}
