<?php
/* The plugin as the real core shows and runs it: its icon in the plugin list, its daemon's log in Jeedom's time
 * zone. */
class PluginInCoreTest extends JcTestCase {
    public function testThePluginListShowsThePluginsOwnIcon() {
        $icon = plugin::byId('JeedomConnect')->getPathImgIcon();
        $this->assertSame('plugins/JeedomConnect/plugin_info/JeedomConnect_icon.png', $icon, 'not the generic icon');
        $png = $this->browser()->get($icon);
        $size = getimagesizefromstring($png);
        $this->assertIsArray($size, 'served by Jeedom\'s Apache as an image');
        $this->assertSame(IMAGETYPE_PNG, $size[2]);
        $this->assertSame($size[0], $size[1], 'square');
        $this->assertGreaterThanOrEqual(128, $size[0]);
    }

    public function testDaemonLogLinesAreStampedInJeedomsTimeZone() {
        // a zone far from the machine's (UTC here): a UTC stamp would be 13 hours off
        config::save('timezone', 'Pacific/Auckland');
        config::save('log::level::JeedomConnect', array('100' => '0', '200' => '1', '300' => '0', '400' => '0', '1000' => '0', 'default' => '0'));
        $log = log::getPathToLog(JeedomConnectDaemon::LOG);
        @unlink($log);
        $this->assertTrue(JeedomConnectDaemon::start());
        $first = '';
        for ($i = 0; $i < 50 && $first === ''; $i++) {
            $first = trim((string) strtok((string) @file_get_contents($log), "\n"));
            usleep(100000);
        }
        $this->assertMatchesRegularExpression('/^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\]/', $first);
        preg_match('/^\[([^\]]+)\]/', $first, $m);
        $stamp = DateTime::createFromFormat('Y-m-d H:i:s', $m[1], new DateTimeZone('Pacific/Auckland'));
        $this->assertLessThan(300, abs($stamp->getTimestamp() - time()), 'stamped in Jeedom\'s time zone: ' . $first);
    }
}
