<?php
/* SET_LOG: the app's line written into the plugin's log as upstream 1.20.6 writes it (each web root has its own
 * log folder: the last line of each is compared, its date masked). */
class AppLogTest extends JcDiffTestCase {
    protected function setUp(): void {
        parent::setUp();
        config::save('log::level::JeedomConnect', array('100' => '1', '200' => '0', '300' => '0', '400' => '0', '1000' => '0', 'default' => '0'));
    }

    private static function lastLine($web) {
        $lines = array_values(array_filter(explode("\n", (string) @file_get_contents($web . '/log/JeedomConnect')), function ($l) {
            return strpos($l, '[API]') === false && strpos($l, 'Request') === false && trim($l) !== '';
        }));
        $last = end($lines);
        return preg_replace('/^\[[^\]]*\]/', '[date]', (string) $last);
    }

    public function testLevelsAndDefault() {
        $key = $this->eq('Pixel', $this->user('log', 'user'))->getLogicalId();
        foreach (array(array('level' => 'error', 'text' => 'Crash écran Batteries'), array('level' => 'info', 'text' => 'Thème changé'),
            array('text' => 'sans niveau'), array('level' => 'warning', 'text' => 42)) as $i => $p) {
            $p['text'] = is_string($p['text']) ? $p['text'] . ' #' . $i : $p['text'];
            $this->assertSameAnswer('SET_LOG', $p + array('apiKey' => $key));
            $this->assertSame(self::lastLine(JC_UPSTREAM_ENV['UP_WEB']), self::lastLine(JC_TEST_WEB), json_encode($p));
            $this->assertStringContainsString((string) $p['text'], self::lastLine(JC_TEST_WEB));
        }
    }

    public function testBadLevelIsRefusedWhereUpstreamCrashes() {
        $key = $this->eq('Pixel', $this->user('log', 'user'))->getLogicalId();
        $this->assertUpstreamCrashesOursRefuses('SET_LOG', array('apiKey' => $key, 'level' => 'shutdown', 'text' => 'x'));
        $m = $this->assertOurRefusal('SET_LOG', array('apiKey' => $key, 'level' => 'error', 'text' => array('x')));
        $this->assertStringContainsString('text', $m);
    }

    public function testOneLinePerCall() {
        $key = $this->eq('Pixel', $this->user('log', 'user'))->getLogicalId();
        $this->ours('SET_LOG', array('apiKey' => $key, 'level' => 'error', 'text' => "a\n[2026-01-01 00:00:00][ERROR] : forged"));
        $this->assertStringContainsString('a [2026-01-01 00:00:00][ERROR] : forged', self::lastLine(JC_TEST_WEB));
    }
}
