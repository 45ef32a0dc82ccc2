<?php
/* eventServer.php logic when the daemon is down: the stream served from Jeedom's events like the old script. */
class SseTest extends JcTestCase {
    private function decode($frame) {
        $this->assertStringStartsWith('data:', $frame);
        $this->assertStringEndsWith("\r\n\r\n", $frame);
        return json_decode(json_decode(substr($frame, 5, -4), true), true);
    }

    public function testUnknownKey() {
        $out = array();
        $sse = new JeedomConnectSse(function ($d) use (&$out) { $out[] = $d; return true; }, 1, 0.01);
        $this->assertSame('php', $sse->serve('unknown'));
        $this->assertSame("Error with 'SSE' method Can't find eqLogic", $this->decode($out[0])['payload']['message']);
    }

    public function testFallbackStreamSetInfoEventsAndHeartbeat() {
        $t = $this->infoCmd('Temp', '20');
        $eq = $this->setLayout($this->eq('P', $this->user()), array($t->getId()));
        $out = array();
        $changed = false;
        $writer = function ($d) use (&$out, &$changed, $t) {
            $out[] = $d;
            if (!$changed) {
                $changed = true;
                usleep(20000);
                cmd::byId($t->getId())->event('25');
            }
            return true;
        };
        $sse = new JeedomConnectSse($writer, 8, 0.01);
        $this->assertSame('php', $sse->serve($eq->getLogicalId()));
        $first = $this->decode($out[0]);
        $this->assertSame('SET_INFO', $first['type']);
        $this->assertSame(20, $first['payload']['cmdInfo'][0]['value']);
        $second = $this->decode($out[1]);
        $this->assertSame('SET_EVENTS', $second['type']);
        $this->assertSame(array('DATETIME', 'HIST_DATETIME', 'CMD_INFO', 'SC_INFO', 'OBJ_INFO'), array_column($second['payload'], 'type'));
        $this->assertSame(25, $second['payload'][2]['payload'][0]['value']);
        $heartbeats = array_filter($out, function ($f) { return $f === 'data:"{\"event\":\"heartbeat\"}"' . "\r\n\r\n"; });
        $this->assertCount(1, $heartbeats, 'heartbeat after 5 idle loops');
        $fresh = eqLogic::byId($eq->getId());
        $this->assertSame('active', $fresh->getConfiguration('appState'));
        $this->assertNotSame('', $fresh->getConfiguration('sessionId'));
    }

    public function testStreamEndsWhenTheEqSwitchesToWebsocket() {
        $eq = $this->eq('P', $this->user());
        $out = array();
        $writer = function ($d) use (&$out, $eq) {
            $out[] = $d;
            $e = eqLogic::byId($eq->getId());
            $e->setConfiguration('useWs', '1')->save(true);
            return true;
        };
        $sse = new JeedomConnectSse($writer, 50, 0.01);
        $t0 = microtime(true);
        $sse->serveFallback($eq->getLogicalId());
        $this->assertCount(1, $out, 'only SET_INFO, then the loop ended');
        $this->assertLessThan(0.4, microtime(true) - $t0);
    }
}
