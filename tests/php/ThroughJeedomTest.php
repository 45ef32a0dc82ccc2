<?php
/* Plugin side of the option "WebSocket through Jeedom's web server" - default addresses (https, port, path
 * prefix), QR content and regeneration, daemon bind on loopback, Jeedom DNS users. */
class ThroughJeedomTest extends JcTestCase {
    private function on() {
        config::save('wsThroughJeedom', '1', 'JeedomConnect');
    }

    public function testOffKeepsTheDaemonPortAddresses() {
        config::save('port', '9123', 'JeedomConnect');
        $this->assertFalse(JeedomConnectConfig::throughJeedom());
        $this->assertSame('ws://jc.example.org:9123', JeedomConnectConfig::wsAddress());
        $this->assertSame('ws://192.168.1.10:9123', JeedomConnectConfig::internWsAddress());
    }

    public function testOnUsesJeedomWebAddresses() {
        config::save('port', '9123', 'JeedomConnect');
        $this->on();
        $this->assertTrue(JeedomConnectConfig::throughJeedom());
        // the tests' network settings (JcTestCase): external https://jc.example.org (443 omitted), internal http://192.168.1.10 (80 omitted)
        $this->assertSame('wss://jc.example.org/plugins/JeedomConnect/ws', JeedomConnectConfig::wsAddress());
        $this->assertSame('ws://192.168.1.10/plugins/JeedomConnect/ws', JeedomConnectConfig::internWsAddress());
        config::save('wsThroughJeedom', '0', 'JeedomConnect');
        $this->assertSame('ws://jc.example.org:9123', JeedomConnectConfig::wsAddress(), 'switching off restores the port addresses');
    }

    public function testOnFollowsProtocolPortAndPathPrefix() {
        $this->on();
        config::save('externalProtocol', 'https://');
        config::save('externalPort', '8443');
        config::save('externalComplement', '/jeedom/');
        config::save('internalProtocol', 'http://');
        config::save('internalPort', '8080');
        config::save('internalComplement', 'jeedom');
        $this->assertSame('wss://jc.example.org:8443/jeedom/plugins/JeedomConnect/ws', JeedomConnectConfig::wsAddress());
        $this->assertSame('ws://192.168.1.10:8080/jeedom/plugins/JeedomConnect/ws', JeedomConnectConfig::internWsAddress());
        config::save('externalProtocol', 'http://');
        config::save('externalPort', '80');
        config::save('externalComplement', '');
        config::save('internalProtocol', 'https://');
        config::save('internalPort', '443');
        config::save('internalComplement', '');
        $this->assertSame('ws://jc.example.org/plugins/JeedomConnect/ws', JeedomConnectConfig::wsAddress());
        $this->assertSame('wss://192.168.1.10/plugins/JeedomConnect/ws', JeedomConnectConfig::internWsAddress());
    }

    public function testExplicitAddressesWinAndPluginHttpUrlIsFollowed() {
        $this->on();
        config::save('httpUrl', 'https://home.example.net:4443/jc', 'JeedomConnect');
        $this->assertSame('wss://home.example.net:4443/jc/plugins/JeedomConnect/ws', JeedomConnectConfig::wsAddress(),
            'the plugin\'s own external HTTP address (default: Jeedom\'s) is the web server the app reaches');
        config::save('wsAddress', 'wss://ws.example.net', 'JeedomConnect');
        $this->assertSame('wss://ws.example.net', JeedomConnectConfig::wsAddress());
        // saving the shown default keeps it derived (stored empty)
        config::save('internWsAddress', 'ws://192.168.1.10/plugins/JeedomConnect/ws', 'JeedomConnect');
        $this->assertSame('', (string) config::byKey('internWsAddress', 'JeedomConnect'));
    }

    public function testNoExternalAddressFallsBackToInternal() {
        $this->on();
        config::save('externalAddr', '');
        $this->assertSame('ws://192.168.1.10/plugins/JeedomConnect/ws', JeedomConnectConfig::wsAddress(), 'never wss:///plugins/...');
    }

    public function testQrCarriesTheAddressesAndIsRegeneratedWhenTheOptionChanges() {
        $eq = $this->eq('Pixel', $this->user());
        $png = JeedomConnectQr::path($eq);
        $before = file_get_contents($png);
        $this->on();
        $this->assertNotSame($before, file_get_contents($png), 'QR regenerated when the option changed');
        $eq = eqLogic::byId($eq->getId());
        $c = JeedomConnectQr::content($eq);
        $this->assertSame('wss://jc.example.org/plugins/JeedomConnect/ws', $c['wsAddress']);
        $this->assertSame('ws://192.168.1.10/plugins/JeedomConnect/ws', $c['internalWsAddress']);
        $this->assertSame(sha1(JeedomConnectQr::text($eq)), $eq->getConfiguration('qrHash'), 'PNG made from this content');
        if (trim((string) shell_exec('command -v zbarimg')) !== '') {
            $decoded = json_decode(rtrim((string) shell_exec('zbarimg --raw -q ' . escapeshellarg($png) . ' 2>/dev/null'), "\n"), true);
            $this->assertSame('wss://jc.example.org/plugins/JeedomConnect/ws', $decoded['wsAddress']);
        }
        $pc = JeedomConnectConfig::pluginConfig($eq);
        $this->assertSame($c['wsAddress'], $pc['wsAddress'], 'PLUGIN_CONFIG agrees with the QR code');
        $this->assertTrue(JeedomConnectConfig::hasPendingRestart());
        $same = file_get_contents($png);
        $this->on();
        $this->assertSame($same, file_get_contents($png), 'unchanged option: no regeneration');
    }

    public function testDaemonOnLoopbackOnlyWhenAsked() {
        config::remove('bind', 'JeedomConnect');
        $this->assertStringNotContainsString('--bind', JeedomConnectDaemon::commandLine());
        config::save('wsLoopbackOnly', '1', 'JeedomConnect');
        $this->assertSame('', JeedomConnectConfig::bindAddress(), 'the box only counts with the option on');
        $this->on();
        $this->assertSame('127.0.0.1', JeedomConnectConfig::bindAddress());
        $this->assertStringContainsString("'--bind' '127.0.0.1'", JeedomConnectDaemon::commandLine());
        config::save('wsLoopbackOnly', '0', 'JeedomConnect');
        $this->assertStringNotContainsString('--bind', JeedomConnectDaemon::commandLine());
        config::save('bind', '127.0.0.1', 'JeedomConnect');
        $this->assertStringContainsString("'--bind' '127.0.0.1'", JeedomConnectDaemon::commandLine(), 'the hidden key still wins');
    }

    public function testCheckboxValuesNormalised() {
        config::save('wsThroughJeedom', 'on', 'JeedomConnect');
        $this->assertTrue(JeedomConnectConfig::throughJeedom());
        config::save('wsThroughJeedom', '', 'JeedomConnect');
        $this->assertFalse(JeedomConnectConfig::throughJeedom());
    }

    public function testJeedomDnsUsersAreOfferedTheWebServerInsteadOfPolling() {
        config::save('market::allowDNS', 1);
        config::save('dns::token', 'rig-token'); // with these, Jeedom really serves the external address by its DNS
        config::save('network::disableMangement', '0');
        config::save('jeedom::url', 'https://abcd1234.eu.jeedom.link');
        $this->assertSame('https://abcd1234.eu.jeedom.link', JeedomConnectConfig::httpUrl());
        $this->assertTrue(JeedomConnectConfig::hasDNSConnexion());
        $this->assertTrue(JeedomConnectConfig::dnsBlocksWebsocket(), 'option off: WebSocket on the daemon port cannot work');
        $this->on();
        $this->assertFalse(JeedomConnectConfig::dnsBlocksWebsocket(), 'option on: the equipment page allows WebSocket');
        $this->assertSame('wss://abcd1234.eu.jeedom.link/plugins/JeedomConnect/ws', JeedomConnectConfig::wsAddress());
        $eq = $this->eq('Pixel', $this->user(), array('useWs' => '1'));
        $c = JeedomConnectQr::content($eq);
        $this->assertSame('1', $c['useWs']);
        $this->assertSame('wss://abcd1234.eu.jeedom.link/plugins/JeedomConnect/ws', $c['wsAddress']);
    }

    public function testDnsDetection() {
        $this->assertFalse(JeedomConnectConfig::hasDNSConnexion());
        config::save('httpUrl', 'https://old.jeedom.com', 'JeedomConnect');
        $this->assertTrue(JeedomConnectConfig::hasDNSConnexion());
        config::save('httpUrl', 'https://jeedom.com.example.org', 'JeedomConnect');
        $this->assertFalse(JeedomConnectConfig::hasDNSConnexion());
        config::save('externalAddr', 'x.eu.jeedom.link');
        $this->assertTrue(JeedomConnectConfig::hasDNSConnexion());
    }

    public function testWsUrlConversion() {
        $this->assertSame('wss://h:8443/p/plugins/JeedomConnect/ws', JeedomConnectConfig::wsUrlThroughWebServer('HTTPS://h:8443/p/'));
        $this->assertSame('ws://h/plugins/JeedomConnect/ws', JeedomConnectConfig::wsUrlThroughWebServer('h'));
        $this->assertSame('', JeedomConnectConfig::wsUrlThroughWebServer(''));
    }

    /** The configuration page as Jeedom's plugin page loads it (index.php?v=d&plugin=<id>&configure=1). */
    private function renderConfigPage() {
        return $this->browser()->get('index.php?v=d&plugin=JeedomConnect&configure=1');
    }

    public function testConfigurationPageOffersTheOptionAndBothDefaults() {
        $html = $this->renderConfigPage();
        $this->assertStringContainsString('data-l1key="wsThroughJeedom"', $html);
        $this->assertStringContainsString('data-l1key="wsLoopbackOnly"', $html);
        $this->assertStringContainsString('"wsAddress":"wss:\\/\\/jc.example.org\\/plugins\\/JeedomConnect\\/ws"', $html, 'placeholder when ticked');
        $this->assertStringContainsString('placeholder="ws://jc.example.org:', $html, 'placeholder as saved (off)');
        $this->assertStringNotContainsString('jcDnsHint', $html);
        config::save('market::allowDNS', 1);
        config::save('dns::token', 'rig-token'); // with these, Jeedom really serves the external address by its DNS
        config::save('network::disableMangement', '0');
        config::save('jeedom::url', 'https://abcd1234.eu.jeedom.link');
        $this->assertStringContainsString('jcDnsHint', $this->renderConfigPage(), 'Jeedom DNS users are pointed at the option');
    }

    public function testPageStringsAreTranslated() {
        foreach (array('plugin_info/configuration.php', 'desktop/php/JeedomConnect.php') as $file) {
            preg_match_all('/\{\{(.+?)\}\}/s', file_get_contents(JC_TEST_PLUGIN . '/' . $file), $m);
            foreach (array('fr_FR', 'en_US') as $lang) {
                $i18n = json_decode(file_get_contents(JC_TEST_PLUGIN . '/core/i18n/' . $lang . '.json'), true);
                $keys = $i18n['plugins/JeedomConnect/' . $file];
                foreach ($m[1] as $s) {
                    if (strpos($s, 'Jeedom') !== false || strpos($s, 'Apache') !== false || strpos($s, '127.0.0.1') !== false) {
                        $this->assertArrayHasKey(str_replace("\\'", "'", $s), $keys, $lang . ' ' . $file);
                    }
                }
            }
        }
    }
}
