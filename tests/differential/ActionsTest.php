<?php
/* Actions and the Scénarios page: GET_PWD, SET_EVENT, GET_ALL_SC, UNSUBSCRIBE_SC, SC_SET_ACTIVE answered and acting
 * as upstream 1.20.6 does, on the same Jeedom data. */
class ActionsTest extends JcDiffTestCase {
    private function scenario($name, $group = '', $active = 1, $lastLaunch = null) {
        $sc = new scenario();
        $sc->setName($name)->setGroup($group)->setIsActive($active);
        $sc->save();
        if ($lastLaunch !== null) {
            $sc->setLastLaunch($lastLaunch);
        }
        return $sc;
    }

    private function eqConfig($eq, $key) {
        DB::Prepare('SELECT 1', array(), DB::FETCH_TYPE_ROW);
        $fresh = DB::Prepare('SELECT configuration FROM eqLogic WHERE id = ?', array($eq->getId()), DB::FETCH_TYPE_ROW);
        $c = json_decode($fresh['configuration'], true);
        return isset($c[$key]) ? $c[$key] : null;
    }

    private function isActive($sc) {
        $r = DB::Prepare('SELECT isActive FROM scenario WHERE id = ?', array($sc->getId()), DB::FETCH_TYPE_ROW);
        return (int) $r['isActive'];
    }

    public function testGetPwd() {
        $eq = $this->eq('Pixel', $this->user('pwd', 'user'));
        $e = $this->assertSameAnswer('GET_PWD', array('apiKey' => $eq->getLogicalId()));
        $this->assertSame(array('type' => 'SET_PWD', 'payload' => null), $e['result']);
        $eq->setConfiguration('pwdAction', '4321');
        $eq->save();
        $e = $this->assertSameAnswer('GET_PWD', array('apiKey' => $eq->getLogicalId()));
        $this->assertSame(array('type' => 'SET_PWD', 'payload' => '4321'), $e['result']);
    }

    public function testSetEventUpdatesTheInfoCommand() {
        $eq = $this->eq('Pixel', $this->user('ev', 'user'));
        $cmd = $this->infoCmd('Presence', 0, 0, 'string');
        $this->assertSame(array('jsonrpc' => '2.0', 'id' => '1', 'result' => 'ok'),
            $this->upstream('SET_EVENT', array('apiKey' => $eq->getLogicalId(), 'commandId' => $cmd->getId(), 'message' => 'upstream')));
        $this->assertSame('upstream', cmd::byId($cmd->getId())->execCmd());
        $this->assertSame(array('jsonrpc' => '2.0', 'id' => '1', 'result' => 'ok'),
            $this->ours('SET_EVENT', array('apiKey' => $eq->getLogicalId(), 'commandId' => (string) $cmd->getId(), 'message' => 'ours')));
        $this->assertSame('ours', cmd::byId($cmd->getId())->execCmd());
    }

    public function testSetEventOnAnUnknownCommand() {
        $eq = $this->eq('Pixel', $this->user('ev', 'user'));
        $e = $this->assertSameAnswer('SET_EVENT', array('apiKey' => $eq->getLogicalId(), 'commandId' => 987654, 'message' => 'x'));
        $this->assertSame('EXCEPTION', $e['result']['type']);
        $this->assertStringContainsString('987654 is not a valid command', $e['result']['payload']['message']);
    }

    public function testAllScenariosThenUnsubscribe() {
        $eq = $this->eq('Pixel', $this->user('sc', 'user'));
        $this->scenario('Réveil', 'Matin', 1, '2026-12-07 06:30:00');
        $this->scenario('Nuit', '', 0, '2026-12-06 23:00:00');
        foreach (array('upstream', 'ours') as $who) {
            $eq->setConfiguration('scAll', 0);
            $eq->save();
            $e = $this->$who('GET_ALL_SC', array('apiKey' => $eq->getLogicalId()));
            $this->assertSame('1', (string) $this->eqConfig($eq, 'scAll'), $who);
            $answers[$who] = $e;
            $this->assertSame(array('jsonrpc' => '2.0', 'id' => '1', 'result' => 'ok'), $this->$who('UNSUBSCRIBE_SC', array('apiKey' => $eq->getLogicalId())));
            $this->assertSame('0', (string) $this->eqConfig($eq, 'scAll'), $who);
        }
        $this->assertSame(self::sorted($answers['upstream']), self::sorted($answers['ours']), json_encode($answers));
        $this->assertSame('SET_ALL_SC', $answers['ours']['result']['type']);
        $this->assertSame(array('Nuit', 'Réveil'), array_column($answers['ours']['result']['payload'], 'name'));
        $this->assertSame(strtotime('2026-12-07 06:30:00'), $answers['ours']['result']['payload'][1]['lastLaunch']);
    }

    public function testNeverLaunchedScenarioHasLastLaunchZero() {
        // documented difference: upstream sends false (strtotime('')), we send 0 as every other scInfo (an int)
        $eq = $this->eq('Pixel', $this->user('sc', 'user'));
        $this->scenario('Jamais');
        $up = $this->upstream('GET_ALL_SC', array('apiKey' => $eq->getLogicalId()));
        $this->assertFalse($up['result']['payload'][0]['lastLaunch']);
        $our = $this->ours('GET_ALL_SC', array('apiKey' => $eq->getLogicalId()));
        $this->assertSame(0, $our['result']['payload'][0]['lastLaunch']);
        $up['result']['payload'][0]['lastLaunch'] = 0;
        $this->assertSame(self::sorted($up), self::sorted($our));
    }

    public function testScSetActiveForAnAdminsPhone() {
        $eq = $this->eq('Pixel', $this->user('boss', 'admin'));
        $sc = $this->scenario('Alarme');
        foreach (array('upstream', 'ours') as $who) {
            $this->assertSame(array('jsonrpc' => '2.0', 'id' => '1', 'result' => 'ok'),
                $this->$who('SC_SET_ACTIVE', array('apiKey' => $eq->getLogicalId(), 'id' => (string) $sc->getId(), 'active' => 0)), $who);
            $this->assertSame(0, $this->isActive($sc), $who);
            $this->$who('SC_SET_ACTIVE', array('apiKey' => $eq->getLogicalId(), 'id' => $sc->getId(), 'active' => true));
            $this->assertSame(1, $this->isActive($sc), $who);
        }
    }

    public function testScSetActiveFalseDeactivatesWhereUpstreamSilentlyDoesNothing() {
        // documented fix: upstream stores PHP false into the int column, the save fails and is only logged
        $eq = $this->eq('Pixel', $this->user('boss', 'admin'));
        $sc = $this->scenario('Alarme');
        $params = array('apiKey' => $eq->getLogicalId(), 'id' => $sc->getId(), 'active' => false);
        $this->assertSame('ok', $this->upstream('SC_SET_ACTIVE', $params)['result']);
        $this->assertSame(1, $this->isActive($sc));
        $this->assertSame('ok', $this->ours('SC_SET_ACTIVE', $params)['result']);
        $this->assertSame(0, $this->isActive($sc));
    }

    public function testScSetActiveWithoutAValidActiveIsRefused() {
        $eq = $this->eq('Pixel', $this->user('boss', 'admin'));
        $sc = $this->scenario('Alarme');
        $m = $this->assertOurRefusal('SC_SET_ACTIVE', array('apiKey' => $eq->getLogicalId(), 'id' => $sc->getId(), 'active' => 'maybe'));
        $this->assertStringContainsString('active', $m);
        $this->assertSame(1, $this->isActive($sc));
    }

    public function testScSetActiveRefusedToANonAdminsPhone() {
        $eq = $this->eq('Pixel', $this->user('kid', 'user'));
        $sc = $this->scenario('Alarme');
        $e = $this->assertSameAnswer('SC_SET_ACTIVE', array('apiKey' => $eq->getLogicalId(), 'id' => $sc->getId(), 'active' => false));
        $this->assertSame('EXCEPTION', $e['result']['type']);
        $this->assertSame(1, $this->isActive($sc));
        // a phone without a user is refused too
        $eq2 = $this->eq('Orphan');
        $this->assertSameAnswer('SC_SET_ACTIVE', array('apiKey' => $eq2->getLogicalId(), 'id' => $sc->getId(), 'active' => false));
        $this->assertSame(1, $this->isActive($sc));
    }

    public function testScSetActiveOnAnUnknownScenario() {
        $eq = $this->eq('Pixel', $this->user('boss', 'admin'));
        $m = $this->assertUpstreamCrashesOursRefuses('SC_SET_ACTIVE', array('apiKey' => $eq->getLogicalId(), 'id' => 987654, 'active' => true));
        $this->assertStringContainsString('987654', $m);
    }

    public function testUnknownApiKeyIsRefusedAsUpstreamRefusesIt() {
        foreach (array('GET_PWD', 'SET_EVENT', 'GET_ALL_SC', 'UNSUBSCRIBE_SC', 'SC_SET_ACTIVE') as $method) {
            $e = $this->assertSameAnswer($method, array('apiKey' => 'not-a-key', 'commandId' => 1, 'message' => 'x', 'id' => 1, 'active' => 1));
            $this->assertSame('EXCEPTION', $e['result']['type'], $method);
        }
    }
}
