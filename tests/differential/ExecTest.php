<?php
/*
 * The app's actions as upstream 1.20.6 runs and answers them, on the same Jeedom data: CMD_EXEC, CMDLIST_EXEC
 * (a light group), SC_EXEC, SC_STOP. The fixture plugin's actions (jcTestDevice) record the options they are run
 * with and set their info command.
 */
class ExecTest extends JcDiffTestCase {
    const OK = array('jsonrpc' => '2.0', 'id' => '1', 'result' => 'ok');

    /** What the fixture's actions were run with since the last call (ids and options), then forgets it. */
    private function runs() {
        $log = cache::byKey('jcTestDevice::execLog')->getValue(array());
        cache::set('jcTestDevice::execLog', array());
        return $log;
    }

    /** A user of profile 'restrict' who may run the commands of the given equipments only (Jeedom's rights). */
    private function restricted($_login, $_allowedCmds) {
        $u = $this->user($_login, 'restrict', array(), 1);
        foreach ($_allowedCmds as $c) {
            $u->setRights('eqLogic' . $c->getEqLogic_id(), 'rx');
        }
        return $u;
    }

    private function scenario($name) {
        $sc = new scenario();
        $sc->setName($name)->setIsActive(1);
        $sc->save();
        return $sc;
    }

    public function testCmdExecRunsTheAction() {
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $info = $this->infoCmd('Level', 0);
        $action = $this->actionCmd($info);
        $this->runs();
        $runs = array();
        foreach (array('upstream' => 40, 'ours' => 60) as $who => $level) {
            $this->assertSame(self::OK, $this->$who('CMD_EXEC', array('apiKey' => $eq->getLogicalId(), 'id' => $action->getId(), 'options' => array('slider' => $level))), $who);
            $this->assertEquals($level, cmd::byId($info->getId())->execCmd(), $who);
            $runs[$who] = $this->runs();
        }
        $this->assertSame(array(array('id' => (string) $action->getId(), 'options' => array('slider' => '40', 'comingFrom' => 'JeedomConnect'))), $runs['upstream']);
        $this->assertSame(array(array('id' => (string) $action->getId(), 'options' => array('slider' => '60', 'comingFrom' => 'JeedomConnect'))), $runs['ours']);
        // no options at all: the same run
        foreach (array('upstream', 'ours') as $who) {
            $this->assertSame(self::OK, $this->$who('CMD_EXEC', array('apiKey' => $eq->getLogicalId(), 'id' => (string) $action->getId())), $who);
            $runs[$who] = $this->runs();
        }
        $this->assertSame($runs['upstream'], $runs['ours']);
    }

    public function testCmdExecChecksTheUsersRight() {
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $allowed = $this->actionCmd($this->infoCmd('Level', 0), 'Allowed');
        $denied = $this->actionCmd($this->infoCmd('Other', 0), 'Denied');
        $guest = $this->restricted('guest', array($allowed));
        $this->saved($guest);
        $this->runs();
        $e = $this->assertSameAnswer('CMD_EXEC', array('apiKey' => $eq->getLogicalId(), 'id' => $allowed->getId(), 'options' => array('user_id' => $guest->getId())));
        $this->assertSame(self::OK, $e);
        $this->assertCount(2, $this->runs());
        $e = $this->assertSameAnswer('CMD_EXEC', array('apiKey' => $eq->getLogicalId(), 'id' => $denied->getId(), 'options' => array('user_id' => $guest->getId())));
        $this->assertSame("Vous n'avez pas le droit d'exécuter cette commande " . cmd::byId($denied->getId())->getHumanName(), $e['result']['payload']['message']);
        $this->assertSame(array(), $this->runs());
    }

    public function testAUserIdThatIsNoUserIsRefused() {
        // upstream checks the right of "no user" (Jeedom: no session, no right) then logs that user's login: a PHP
        // fatal error for a command; for a scenario it skips the check and launches it. We refuse both.
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $action = $this->actionCmd($this->infoCmd('Level', 0));
        $this->runs();
        // (our refusal is upstream's refusal of a user without the right)
        $p = array('apiKey' => $eq->getLogicalId(), 'id' => $action->getId(), 'options' => array('user_id' => 987654));
        list($code, $decoded, $raw) = self::exchange(JC_UPSTREAM_ENV['UP_URL'], self::request('CMD_EXEC', $p));
        $this->assertSame(array(500, null), array($code, $decoded), $raw);
        $this->assertSame(array('type' => 'EXCEPTION', 'payload' => array('message' => "Vous n'avez pas le droit d'exécuter cette commande "
            . cmd::byId($action->getId())->getHumanName())), $this->ours('CMD_EXEC', $p)['result']);
        $this->assertSame(array(), $this->runs());
        $sc = $this->scenario('Alarme');
        $p = array('apiKey' => $eq->getLogicalId(), 'id' => $sc->getId(), 'options' => array('user_id' => 987654));
        $this->assertSame(self::OK, $this->upstream('SC_EXEC', $p));
        $this->assertSame(array('type' => 'EXCEPTION', 'payload' => array('message' => "Vous n'avez pas le droit d'exécuter ce scenario "
            . $sc->getHumanName())), $this->ours('SC_EXEC', $p)['result']);
    }

    public function testCmdExecOfAnUnknownCommand() {
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $e = $this->assertSameAnswer('CMD_EXEC', array('apiKey' => $eq->getLogicalId(), 'id' => 987654));
        $this->assertSame(array('type' => 'EXCEPTION', 'payload' => array('message' => "Can't find command [id=987654]")), $e['result']);
        $this->assertSameAnswer('CMD_EXEC', array('apiKey' => 'not-a-key', 'id' => 987654));
        $this->assertSame(array(), $this->runs());
    }

    public function testCmdListExecRunsEachAction() {
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $a = $this->actionCmd($this->infoCmd('L1', 0), 'On1');
        $b = $this->actionCmd($this->infoCmd('L2', 0), 'On2');
        $this->runs();
        $list = array(array('id' => $a->getId(), 'options' => array('slider' => 10)), array('id' => (string) $b->getId()));
        $runs = array();
        foreach (array('upstream', 'ours') as $who) {
            $this->assertSame(self::OK, $this->$who('CMDLIST_EXEC', array('apiKey' => $eq->getLogicalId(), 'cmdList' => $list)), $who);
            $runs[$who] = array_map(function ($r) {
                unset($r['options']['withLog']); // upstream's own flag for its log, passed on to the device
                return $r;
            }, $this->runs());
        }
        $this->assertSame($runs['upstream'], $runs['ours']);
        $this->assertSame(array((string) $a->getId(), (string) $b->getId()), array_column($runs['ours'], 'id'));
    }

    public function testCmdListExecNamesTheCommandsThatFailed() {
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $ok = $this->actionCmd($this->infoCmd('L1', 0), 'On');
        $denied = $this->actionCmd($this->infoCmd('L2', 0), 'Off');
        $guest = $this->restricted('guest', array($ok));
        $this->saved($guest);
        $this->runs();
        // one the user may not run, one unknown, one good: the good one runs, the others are named
        $list = array(array('id' => $denied->getId(), 'options' => array('user_id' => $guest->getId())), array('id' => 987654),
            array('id' => $ok->getId(), 'options' => array('user_id' => $guest->getId())));
        $e = $this->assertSameAnswer('CMDLIST_EXEC', array('apiKey' => $eq->getLogicalId(), 'cmdList' => $list));
        $this->assertSame('EXCEPTION', $e['result']['type']);
        // (upstream names only the commands that exist: the unknown one leaves a blank, kept as upstream's)
        $this->assertSame("Vous n'avez pas le droit d'exécuter la commande " . cmd::byId($denied->getId())->getHumanName() . '. '
            . "La commande  n'a pas pu être exécutée. ", $e['result']['payload']['message']);
        $this->assertEquals(array($denied->getId(), 987654), $e['result']['payload']['details']['cmd_ids']);
        $this->assertSame(array((string) $ok->getId(), (string) $ok->getId()), array_column($this->runs(), 'id'));
        // two that fail to run
        $e = $this->assertSameAnswer('CMDLIST_EXEC', array('apiKey' => $eq->getLogicalId(), 'cmdList' => array(array('id' => 987654), array('id' => $denied->getId(),
            'options' => array('user_id' => $guest->getId())), array('id' => '987655'))));
        $this->assertSame(array($denied->getId(), 987654, '987655'), $e['result']['payload']['details']['cmd_ids']);
        $this->assertStringEndsWith("Les commandes  n'ont pas pu être exécutées. ", $e['result']['payload']['message']);
    }

    public function testCmdListExecWithoutAList() {
        // upstream iterates over whatever comes: without a list nothing runs and it answers ok; we refuse it
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $m = $this->assertUpstreamSilentOursRefuses('CMDLIST_EXEC', array('apiKey' => $eq->getLogicalId()), 'ok');
        $this->assertSame("Error with 'CMDLIST_EXEC' method [API] - cmdList: a list of commands expected", $m);
        $this->assertOurRefusal('CMDLIST_EXEC', array('apiKey' => $eq->getLogicalId(), 'cmdList' => 'x'));
        // an item that is not a command: upstream dies (no answer); we refuse the list before running any of it
        $a = $this->actionCmd($this->infoCmd('L1', 0), 'On');
        $this->assertUpstreamCrashesOursRefuses('CMDLIST_EXEC', array('apiKey' => $eq->getLogicalId(), 'cmdList' => array('x', array('id' => $a->getId()))));
        $this->assertSame(array(), $this->runs());
        $this->assertOurRefusal('CMDLIST_EXEC', array('apiKey' => $eq->getLogicalId(), 'cmdList' => array(array('id' => $a->getId()), array('options' => array()))));
        $this->assertSame(array(), $this->runs());
    }

    public function testScExecLaunchesTheScenario() {
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $sc = $this->scenario('Réveil');
        $this->assertSame(self::OK, $this->assertSameAnswer('SC_EXEC', array('apiKey' => $eq->getLogicalId(), 'id' => $sc->getId())));
        $this->assertSame(self::OK, $this->assertSameAnswer('SC_EXEC', array('apiKey' => $eq->getLogicalId(), 'id' => (string) $sc->getId(),
            'options' => array('tags' => 'room=salon', 'user_id' => user::byLogin('admin')->getId()))));
    }

    public function testScExecChecksTheUsersRight() {
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $sc = $this->scenario('Alarme');
        $guest = $this->saved($this->restricted('guest', array()));
        $e = $this->assertSameAnswer('SC_EXEC', array('apiKey' => $eq->getLogicalId(), 'id' => $sc->getId(), 'options' => array('user_id' => $guest->getId())));
        $this->assertSame('EXCEPTION', $e['result']['type']);
    }

    public function testScExecOfAnUnknownScenario() {
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $e = $this->assertSameAnswer('SC_EXEC', array('apiKey' => $eq->getLogicalId(), 'id' => 987654));
        $this->assertSame(array('type' => 'EXCEPTION', 'payload' => array('message' => "Le scenario 987654 n'existe pas")), $e['result']);
    }

    public function testScStop() {
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $sc = $this->scenario('Long');
        $this->assertSame(self::OK, $this->assertSameAnswer('SC_STOP', array('apiKey' => $eq->getLogicalId(), 'id' => $sc->getId())));
    }

    public function testScStopOfAnUnknownScenario() {
        $eq = $this->eq('Pixel', $this->user('ex', 'user'));
        $m = $this->assertUpstreamCrashesOursRefuses('SC_STOP', array('apiKey' => $eq->getLogicalId(), 'id' => 987654));
        $this->assertSame("Error with 'SC_STOP' method [API] - Le scenario 987654 n'existe pas", $m);
    }
}
