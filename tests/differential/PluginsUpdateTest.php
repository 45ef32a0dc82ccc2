<?php
/*
 * GET_PLUGINS_UPDATE as upstream 1.20.6 answers it, for an admin's phone (Jeedom's update page is for admins only).
 * The rig reaches no market: the tests point Jeedom's update sources at none ('default': nothing to ask), and the pending
 * updates are written into Jeedom's update table as a check would leave them.
 */
class PluginsUpdateTest extends JcDiffTestCase {
    protected function setUp(): void {
        parent::setUp();
        config::save('core::repo::provider', 'default');
        config::save('market::enable', 0);
        self::nothingPending();
    }

    protected function tearDown(): void {
        self::nothingPending();
        parent::tearDown();
    }

    /** Jeedom's update table outlives the per-test reset: nothing of ours pending before and after each test. */
    private static function nothingPending() {
        $u = update::byLogicalId('jcTestDevice');
        if (is_object($u)) {
            $u->setStatus('ok')->save();
        }
    }

    private function phone($profil) {
        return $this->eq('phone-' . $profil, $this->user('upd-' . $profil, $profil))->getLogicalId();
    }

    /** Jeedom's update entry of $_logicalId (created by the check when missing), with a newer version pending. */
    private function pending($_logicalId, $_type) {
        update::checkAllUpdate('', true);
        $u = update::byLogicalId($_logicalId);
        if (!is_object($u)) {
            $u = new update();
            $u->setLogicalId($_logicalId)->setType($_type)->setSource('default');
        }
        $u->setLocalVersion($_type === 'core' ? jeedom::version() : '2026-01-01 00:00:00');
        $u->setRemoteVersion('2026-12-01 00:00:00')->setStatus('update')->setConfiguration('version', 'stable');
        $u->save();
    }

    /**
     * Both answers, equal but for our own plugin's documentation and changelog links (its info.json points at this
     * project's docs, upstream's at JC-Team's); returns ours.
     */
    private function sameUpdates($_key) {
        $links = function ($e) {
            foreach (array('pluginsToUpdate', 'otherPlugins') as $list) {
                foreach ($e['result']['payload'][$list] ?? array() as $i => $item) {
                    if (($item['pluginId'] ?? '') === 'JeedomConnect') {
                        $e['result']['payload'][$list][$i]['changelogLink'] = $e['result']['payload'][$list][$i]['docLink'] = '#masked#';
                    }
                }
            }
            return self::sorted($e);
        };
        $up = $this->upstream('GET_PLUGINS_UPDATE', array('apiKey' => $_key));
        $our = $this->ours('GET_PLUGINS_UPDATE', array('apiKey' => $_key));
        $this->assertSame($links($up), $links($our), "upstream: " . json_encode($up) . "\nours:     " . json_encode($our));
        return $our;
    }

    public function testNothingToUpdate() {
        $r = $this->sameUpdates($this->phone('admin'));
        $this->assertSame('SET_PLUGINS_UPDATE', $r['result']['type']);
        // (the rig's core may itself have a pending entry: what is pending is listed, and counted)
        $this->assertSame((int) $r['result']['payload']['nbUpdate'], count($r['result']['payload']['pluginsToUpdate']));
        $this->assertNotContains('jcTestDevice', array_column($r['result']['payload']['pluginsToUpdate'], 'pluginId'));
        $this->assertContains('jcTestDevice', array_column($r['result']['payload']['otherPlugins'], 'pluginId'));
    }

    public function testAPluginToUpdate() {
        $key = $this->phone('admin');
        $this->pending('jcTestDevice', 'plugin');
        $p = $this->sameUpdates($key)['result']['payload'];
        $this->assertSame(1, (int) $p['nbUpdate']);
        $this->assertSame(array('jcTestDevice'), array_column($p['pluginsToUpdate'], 'pluginId'));
        $this->assertNotContains('jcTestDevice', array_column($p['otherPlugins'], 'pluginId'));
        $this->assertSame('2026-12-01 00:00:00', $p['pluginsToUpdate'][0]['updateVersion']);
        $this->assertSame('2026-01-01 00:00:00', $p['pluginsToUpdate'][0]['currentVersion']);
        $this->assertFalse($p['pluginsToUpdate'][0]['doNotUpdate']);
    }

    public function testUnreachableMarketIsAClearError() {
        // Jeedom cannot check (the market unreachable): Jeedom's error, as upstream
        config::save('market::enable', 1);
        config::save('core::repo::provider', 'market');
        list($up, $our) = $this->assertBothRefuse('GET_PLUGINS_UPDATE', array('apiKey' => $this->phone('admin')));
        $this->assertSame($up, $our);
    }

    public function testNonAdminsPhoneIsRefused() {
        foreach (array('user', 'restrict') as $profil) {
            $p = array('apiKey' => $this->phone($profil));
            $this->assertSame('SET_PLUGINS_UPDATE', $this->upstream('GET_PLUGINS_UPDATE', $p)['result']['type'], $profil);
            $this->assertSame(array('type' => 'EXCEPTION', 'payload' => array('message' => 'Vous devez être admin pour cette action')),
                $this->ours('GET_PLUGINS_UPDATE', $p)['result'], $profil);
        }
    }
}
