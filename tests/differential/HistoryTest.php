<?php
/* Graphs: GET_HISTORY and GET_HISTORIES answered as upstream 1.20.6 answers them, from the same history. */
class HistoryTest extends JcDiffTestCase {
    private $apiKey;
    private $temp;
    private $hum;

    protected function setUp(): void {
        parent::setUp();
        $this->apiKey = $this->eq('Pixel', $this->user('histo', 'user'))->getLogicalId();
        $this->temp = $this->infoCmd('Temp', null, 1);
        $this->hum = $this->infoCmd('Hum', null, 1);
        // recent points in history, older ones already archived (historyArch): both tables are read
        foreach (array(array('historyArch', $this->temp, '2026-01-10 08:00:00', '17.5'), array('historyArch', $this->temp, '2026-01-10 09:00:00', '18'),
            array('history', $this->temp, '2026-12-07 10:00:00', '20.25'), array('history', $this->temp, '2026-12-07 11:30:00', '21'),
            array('history', $this->hum, '2026-12-07 10:00:00', '55')) as $p) {
            DB::Prepare('INSERT INTO `' . $p[0] . '` (cmd_id, datetime, value) VALUES (?, ?, ?)', array($p[1]->getId(), $p[2], $p[3]), DB::FETCH_TYPE_ROW);
        }
    }

    public function testWholeHistoryOfOneCommand() {
        $e = $this->assertSameAnswer('GET_HISTORY', array('apiKey' => $this->apiKey, 'id' => $this->temp->getId()));
        $this->assertSame('SET_HISTORY', $e['result']['type']);
        $this->assertSame(array(strtotime('2026-01-10 08:00:00'), strtotime('2026-01-10 09:00:00'), strtotime('2026-12-07 10:00:00'), strtotime('2026-12-07 11:30:00')),
            array_column($e['result']['payload']['data'], 'time'));
        $this->assertSame(array('17.5', '18', '20.25', '21'), array_column($e['result']['payload']['data'], 'value'));
    }

    public function testWindowAndIdAsTheAppSendsIt() {
        // the app sends the id as a string and the window in unix seconds
        $opts = array('startTime' => strtotime('2026-12-07 09:00:00'), 'endTime' => strtotime('2026-12-07 12:00:00'));
        $e = $this->assertSameAnswer('GET_HISTORY', array('apiKey' => $this->apiKey, 'id' => (string) $this->temp->getId(), 'options' => $opts));
        $this->assertSame((string) $this->temp->getId(), $e['result']['payload']['id']);
        $this->assertSame(array('20.25', '21'), array_column($e['result']['payload']['data'], 'value'));
        $this->assertSameAnswer('GET_HISTORY', array('apiKey' => $this->apiKey, 'id' => $this->temp->getId(), 'options' => array()));
    }

    public function testUnknownCommandHasNoPoints() {
        $e = $this->assertSameAnswer('GET_HISTORY', array('apiKey' => $this->apiKey, 'id' => 987654));
        $this->assertSame(array(), $e['result']['payload']['data']);
    }

    public function testSeveralCommands() {
        $ids = array($this->temp->getId(), (string) $this->hum->getId(), 987654);
        $e = $this->assertSameAnswer('GET_HISTORIES', array('apiKey' => $this->apiKey, 'ids' => $ids));
        $this->assertSame('SET_HISTORIES', $e['result']['type']);
        $this->assertSame(array(4, 1, 0), array_map(function ($h) {
            return count($h['data']);
        }, $e['result']['payload']));
        $opts = array('startTime' => strtotime('2026-12-07 10:30:00'), 'endTime' => strtotime('2026-12-07 12:00:00'));
        $e = $this->assertSameAnswer('GET_HISTORIES', array('apiKey' => $this->apiKey, 'ids' => $ids, 'options' => $opts));
        $this->assertSame(array(array('21'), array(), array()), array_map(function ($h) {
            return array_column($h['data'], 'value');
        }, $e['result']['payload']));
    }

    public function testUnknownApiKey() {
        $this->assertSameAnswer('GET_HISTORY', array('apiKey' => 'not-a-key', 'id' => $this->temp->getId()));
        $this->assertSameAnswer('GET_HISTORIES', array('apiKey' => 'not-a-key', 'ids' => array($this->temp->getId())));
    }

    public function testBadWindowIsRefusedWhereUpstreamCrashes() {
        $m = $this->assertUpstreamCrashesOursRefuses('GET_HISTORY', array('apiKey' => $this->apiKey, 'id' => $this->temp->getId(),
            'options' => array('startTime' => 'yesterday', 'endTime' => 'now')));
        $this->assertStringContainsString('options.startTime', $m);
        $this->assertUpstreamCrashesOursRefuses('GET_HISTORIES', array('apiKey' => $this->apiKey, 'ids' => array($this->temp->getId()),
            'options' => array('startTime' => strtotime('2026-12-07 09:00:00'), 'endTime' => '12h')));
        $this->assertUpstreamCrashesOursRefuses('GET_HISTORY', array('apiKey' => $this->apiKey, 'id' => $this->temp->getId(), 'options' => 'today'));
    }

    public function testMissingOrMalformedIdsAreRefusedWhereUpstreamAnswersAnEmptyGraph() {
        $m = $this->assertUpstreamSilentOursRefuses('GET_HISTORY', array('apiKey' => $this->apiKey),
            array('type' => 'SET_HISTORY', 'payload' => array('id' => null, 'data' => array())));
        $this->assertStringContainsString('id', $m);
        $this->assertUpstreamSilentOursRefuses('GET_HISTORY', array('apiKey' => $this->apiKey, 'id' => 'Temp'),
            array('type' => 'SET_HISTORY', 'payload' => array('id' => 'Temp', 'data' => array())));
        $this->assertUpstreamSilentOursRefuses('GET_HISTORIES', array('apiKey' => $this->apiKey, 'ids' => (string) $this->temp->getId()),
            array('type' => 'SET_HISTORIES', 'payload' => array()));
        $this->assertUpstreamSilentOursRefuses('GET_HISTORIES', array('apiKey' => $this->apiKey, 'ids' => array(987654, array(1))),
            array('type' => 'SET_HISTORIES', 'payload' => array(array('id' => 987654, 'data' => array()), array('id' => array(1), 'data' => array()))));
    }

    public function testTheDaemonsRelayGetsTheSameAnswer() {
        // WebSocket and /rpc requests reach the same PHP API through the daemon (connexionFrom + the plugin key)
        $params = array('apiKey' => $this->apiKey, 'id' => $this->temp->getId());
        $http = $this->ours('GET_HISTORY', $params);
        $relayed = $this->call('GET_HISTORY', $params + array('connexionFrom' => 'WS'), $this->daemonQuery());
        $this->assertSame($http['result'], $relayed['result']);
        $this->assertArrayHasKey('jcd', $relayed);
        $refused = $this->call('GET_HISTORY', $params + array('connexionFrom' => 'WS'));
        $this->assertSame('EXCEPTION', $refused['result']['type']);
    }
}
