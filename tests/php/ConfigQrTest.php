<?php
/* Plugin configuration defaults (following the port), QR code content and its regeneration. */
class ConfigQrTest extends JcTestCase {
    private function decodeQr($file) {
        $out = shell_exec('zbarimg --raw -q ' . escapeshellarg($file) . ' 2>/dev/null');
        return $out === null ? null : rtrim($out, "\n");
    }

    public function testDefaultWsAddressesFollowThePort() {
        config::remove('port', 'JeedomConnect');
        $this->assertSame('ws://jc.example.org:8090', JeedomConnectConfig::wsAddress());
        $this->assertSame('ws://192.168.1.10:8090', JeedomConnectConfig::internWsAddress());
        config::save('port', '9123', 'JeedomConnect');
        $this->assertSame('ws://jc.example.org:9123', JeedomConnectConfig::wsAddress());
        $this->assertSame('ws://192.168.1.10:9123', JeedomConnectConfig::internWsAddress());
        config::save('externalAddr', '');
        $this->assertSame('ws://192.168.1.10:9123', JeedomConnectConfig::wsAddress(), 'never ws://:port');
        config::save('wsAddress', 'ws://websocketJC.ddns.net:12365', 'JeedomConnect');
        $this->assertSame('ws://websocketJC.ddns.net:12365', JeedomConnectConfig::wsAddress());
        config::save('wsAddress', '', 'JeedomConnect');
        $this->assertSame('ws://192.168.1.10:9123', JeedomConnectConfig::wsAddress(), "'' falls back to the default");
        // saving the shown default keeps it derived
        config::save('internWsAddress', 'ws://192.168.1.10:9123', 'JeedomConnect');
        config::save('port', '9124', 'JeedomConnect');
        $this->assertSame('ws://192.168.1.10:9124', JeedomConnectConfig::internWsAddress());
    }

    public function testConfigByKeyFallsBackOnEmpty() {
        config::save('k', '', 'JeedomConnect');
        $this->assertSame('d', config::byKey('k', 'JeedomConnect', 'd'));
        config::save('k', '0', 'JeedomConnect');
        $this->assertSame('0', config::byKey('k', 'JeedomConnect', 'd'));
    }

    public function testInvalidPortRefused() {
        $this->expectException(Exception::class);
        config::save('port', '70000', 'JeedomConnect');
    }

    public function testQrContentHasExactlyTheProtocolKeys() {
        config::remove('port', 'JeedomConnect');
        $u = $this->user('admin');
        $eq = $this->eq('Pixel', $u, array('polling' => '1'));
        $c = JeedomConnectQr::content($eq);
        $this->assertSame(array('useWs', 'polling', 'eqName', 'userName', 'httpUrl', 'internalHttpUrl', 'wsAddress', 'internalWsAddress', 'apiKey', 'userHash'), array_keys($c));
        $this->assertSame('0', $c['useWs']);
        $this->assertSame('1', $c['polling']);
        $this->assertSame('Pixel', $c['eqName']);
        $this->assertSame('admin', $c['userName']);
        $this->assertSame($u->getHash(), $c['userHash']);
        $this->assertSame($eq->getLogicalId(), $c['apiKey']);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $c['apiKey']);
        $this->assertStringContainsString('"wsAddress":"ws:\\/\\/jc.example.org:', JeedomConnectQr::text($eq), 'json_encode escapes slashes like the old plugin');
        $noUser = JeedomConnectQr::content($this->eq('NoUser'));
        $this->assertNull($noUser['userName']);
        $this->assertNull($noUser['userHash']);
    }

    public function testQrPngGeneratedAtCreationAndDecodesToTheContent() {
        $eq = $this->eq('Pixel', $this->user());
        $png = JeedomConnectQr::path($eq);
        $this->assertFileExists($png);
        $this->assertSame("\x89PNG", substr(file_get_contents($png), 0, 4));
        $this->assertStringEndsWith('/data/qrcodes/' . $eq->getLogicalId() . '.png', $png);
        if (trim((string) shell_exec('command -v zbarimg')) === '') {
            $this->markTestSkipped('zbarimg (zbar-tools) not installed');
        }
        $this->assertSame(JeedomConnectQr::text($eq), $this->decodeQr($png));
    }

    public function testQrRegeneratedOnPortChangeAndModeChange() {
        $eq = $this->eq('Pixel', $this->user());
        $png = JeedomConnectQr::path($eq);
        $hasZbar = trim((string) shell_exec('command -v zbarimg')) !== '';
        $before = file_get_contents($png);
        config::save('port', '9555', 'JeedomConnect');
        $this->assertNotSame($before, file_get_contents($png), 'QR regenerated when the port changed');
        if ($hasZbar) {
            $decoded = json_decode($this->decodeQr($png), true);
            $this->assertSame('ws://jc.example.org:9555', $decoded['wsAddress']);
            $this->assertSame('ws://192.168.1.10:9555', $decoded['internalWsAddress']);
        }
        $this->assertTrue(JeedomConnectConfig::hasPendingRestart(), 'a running daemon would be restarted');
        $this->assertFalse(JeedomConnectConfig::applyPendingRestart(), 'daemon not running: nothing restarted');
        $same = file_get_contents($png);
        config::save('port', '9555', 'JeedomConnect');
        $this->assertSame($same, file_get_contents($png), 'unchanged value: no regeneration');
        $this->result('SET_WEBSOCKET', array('apiKey' => $eq->getLogicalId(), 'value' => true));
        $this->assertNotSame($same, file_get_contents($png), 'QR regenerated by SET_WEBSOCKET');
        if ($hasZbar) {
            $this->assertSame('1', json_decode($this->decodeQr($png), true)['useWs']);
        }
        $old = $eq->getLogicalId();
        $new = eqLogic::byId($eq->getId())->regenerateApiKey();
        $this->assertFileDoesNotExist($png);
        $this->assertFileExists(JeedomConnectQr::folder() . '/' . $new . '.png');
        $this->assertNotSame($old, $new);
    }

    public function testQrTextNeverOnACommandLine() {
        $src = file_get_contents(JC_TEST_PLUGIN . '/core/class/JeedomConnectQr.class.php');
        $this->assertStringContainsString("array('qrencode'", $src);
        // the proc_open argv of qrencode: no content argument, content written to stdin
        $this->assertDoesNotMatchRegularExpression('/qrencode[^;]*self::text/', $src);
    }
}
