<?php
/* GET_JEEDOM_GLOBAL_HEALTH as upstream 1.20.6 answers it, for an admin's phone (Jeedom shows its health to admins only). */
class HealthTest extends JcDiffTestCase {
    private function phone($profil) {
        return $this->eq('phone-' . $profil, $this->user('health-' . $profil, $profil))->getLogicalId();
    }

    /** The answer without what differs by nature: our own plugin's item (its daemon is ours) and Jeedom's measures
     * (load, disk, ... may change between the two calls). */
    private static function comparable($e) {
        $p = $e['result']['payload'];
        $p['plugins'] = array_values(array_filter($p['plugins'], function ($i) {
            return $i['id'] !== 'JeedomConnect';
        }));
        $e['result']['payload'] = $p;
        return self::masked($e, array('result.payload.jeedom.*.result', 'result.payload.jeedom.*.comment', 'result.payload.jeedom.*.state'));
    }

    public function testHealthForAnAdminsPhone() {
        $p = array('apiKey' => $this->phone('admin'));
        $up = $this->upstream('GET_JEEDOM_GLOBAL_HEALTH', $p);
        $our = $this->ours('GET_JEEDOM_GLOBAL_HEALTH', $p);
        $this->assertSame(self::comparable($up), self::comparable($our), json_encode($our));
        $r = $our['result'];
        $this->assertSame('SET_JEEDOM_GLOBAL_HEALTH', $r['type']);
        $this->assertNotEmpty($r['payload']['jeedom']);
        foreach ($r['payload']['jeedom'] as $item) {
            $this->assertContains($item['state'], array('OK', 'warning', 'KO'), json_encode($item));
        }
        // our plugin's item describes our daemon
        $ours = array_values(array_filter($r['payload']['plugins'], function ($i) {
            return $i['id'] === 'JeedomConnect';
        }));
        $this->assertCount(1, $ours);
        $this->assertSame(array('id', 'name', 'img', 'versionDate', 'versionType', 'error', 'pending', 'portInfo', 'dependencyInfo', 'daemonData', 'healthData'), array_keys($ours[0]));
        $this->assertContains($ours[0]['daemonData']['state'] ?? null, array('OK', 'KO', 'Désactivé'));
    }

    public function testSendHealthOffSendsOnlyTheUpdateCount() {
        config::save('sendHealth', 'false', 'JeedomConnect');
        try {
            $r = $this->assertSameAnswer('GET_JEEDOM_GLOBAL_HEALTH', array('apiKey' => $this->phone('admin')));
            $this->assertSame(array(), $r['result']['payload']['plugins']);
            $this->assertSame(array(), $r['result']['payload']['jeedom']);
        } finally {
            config::remove('sendHealth', 'JeedomConnect');
        }
    }

    public function testNonAdminsPhoneIsRefused() {
        foreach (array('user', 'restrict') as $profil) {
            $p = array('apiKey' => $this->phone($profil));
            $this->assertSame('SET_JEEDOM_GLOBAL_HEALTH', $this->upstream('GET_JEEDOM_GLOBAL_HEALTH', $p)['result']['type'], $profil);
            $this->assertSame(array('type' => 'EXCEPTION', 'payload' => array('message' => 'Vous devez être admin pour cette action')),
                $this->ours('GET_JEEDOM_GLOBAL_HEALTH', $p)['result'], $profil);
        }
        $this->assertSameAnswer('GET_JEEDOM_GLOBAL_HEALTH', array('apiKey' => 'not-a-key'));
    }
}
