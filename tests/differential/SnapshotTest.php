<?php
/*
 * core/php/snapshot.php over each web root's real Apache: the same camera widget (global widget in the shared
 * database), the same request to upstream 1.20.6 and to ours, the same image bytes back (passed through, or
 * re-encoded at a quality and a size). The camera is a script of the rig's own Apache (basic authentication, or
 * the credentials in its URL). What upstream fetches beyond a camera (file:// URLs) ours refuses; errors are HTTP
 * errors with a clear message where upstream dies or answers an empty image.
 */
class SnapshotTest extends JcDiffTestCase {
    const SNAPSHOT = '/plugins/JeedomConnect/core/php/snapshot.php';
    const CAM_DIR = '/jc-test-camera';
    const WIDGET = 910;
    const PASSWORD = 'p@ss:w0rd/Secret';

    private $frame;

    protected function setUp(): void {
        parent::setUp();
        $dir = JC_TEST_WEB . self::CAM_DIR;
        @mkdir($dir, 0775, true);
        $im = imagecreatetruecolor(40, 20);
        imagefilledrectangle($im, 0, 0, 19, 19, imagecolorallocate($im, 250, 10, 10));
        imagefilledrectangle($im, 20, 0, 39, 19, imagecolorallocate($im, 10, 10, 250));
        imagepng($im, $dir . '/frame.png');
        $this->frame = file_get_contents($dir . '/frame.png');
        file_put_contents($dir . '/cam.php', '<?php
$mode = $_GET["mode"] ?? "";
$ok = $mode === "basic" ? (($_SERVER["PHP_AUTH_USER"] ?? null) === "cam" && ($_SERVER["PHP_AUTH_PW"] ?? null) === ' . var_export(self::PASSWORD, true) . ')
    : ($mode === "query" ? (($_GET["u"] ?? null) === "cam" && ($_GET["p"] ?? null) === ' . var_export(self::PASSWORD, true) . ') : true);
if (!$ok) { http_response_code(401); header("WWW-Authenticate: Basic realm=\"cam\""); echo "denied"; exit; }
header("Content-Type: image/png");
readfile(__DIR__ . "/frame.png");
');
    }

    protected function tearDown(): void {
        foreach (array('cam.php', 'frame.png') as $f) {
            @unlink(JC_TEST_WEB . self::CAM_DIR . '/' . $f);
        }
        @rmdir(JC_TEST_WEB . self::CAM_DIR);
        parent::tearDown();
    }

    private function widget(array $_conf) {
        config::save('widget::' . self::WIDGET, json_encode(array_merge(array('type' => 'camera', 'id' => self::WIDGET, 'name' => 'Cam'), $_conf)), 'JeedomConnect');
    }

    private static function camUrl($_query) {
        return JC_CORE_ENV['JC_URL'] . self::CAM_DIR . '/cam.php?' . $_query;
    }

    /** [HTTP status, content type, body] */
    private static function get($_baseUrl, array $_query) {
        $c = curl_init($_baseUrl . self::SNAPSHOT . '?' . http_build_query($_query));
        curl_setopt_array($c, array(CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 30));
        $raw = curl_exec($c);
        $r = array(curl_getinfo($c, CURLINFO_HTTP_CODE), (string) curl_getinfo($c, CURLINFO_CONTENT_TYPE), (string) $raw);
        curl_close($c);
        return $r;
    }

    private function both(array $_query) {
        return array('upstream' => self::get(JC_UPSTREAM_ENV['UP_URL'], $_query), 'ours' => self::get(JC_CORE_ENV['JC_URL'], $_query));
    }

    /** both answer the same image; returns it */
    private function assertSameImage(array $_query) {
        $a = $this->both($_query);
        $this->assertSame(200, $a['upstream'][0], 'upstream: ' . substr($a['upstream'][2], 0, 300));
        $this->assertSame(array(200, 'image/jpeg'), array($a['ours'][0], $a['ours'][1]), 'ours: ' . substr($a['ours'][2], 0, 300));
        $this->assertSame($a['upstream'][1], $a['ours'][1]);
        $this->assertSame(md5($a['upstream'][2]), md5($a['ours'][2]), 'the same bytes');
        return $a['ours'][2];
    }

    private function assertOursRefused(array $_answer, $_status, $_pattern) {
        $this->assertSame($_status, $_answer[0], $_answer[2]);
        $this->assertStringStartsWith('application/json', $_answer[1]);
        $j = json_decode($_answer[2], true);
        $this->assertSame('EXCEPTION', $j['type'] ?? null, $_answer[2]);
        $this->assertMatchesRegularExpression($_pattern, $j['payload']['message']);
    }

    public function testTheCameraImageAsUpstreamServesIt() {
        $key = $this->eq('Phone', $this->user('cam', 'user'))->getLogicalId();
        // basic authentication (the default), digest asked (curl negotiates), credentials in the URL
        foreach (array(array('snapshotUrl' => self::camUrl('mode=basic'), 'username' => 'cam', 'password' => self::PASSWORD),
            array('snapshotUrl' => self::camUrl('mode=basic'), 'username' => 'cam', 'password' => self::PASSWORD, 'authent' => 'digest'),
            array('snapshotUrl' => self::camUrl('mode=query&u=#username#&p=#password#'), 'username' => 'cam', 'password' => self::PASSWORD, 'authent' => 'none'),
        ) as $conf) {
            $this->widget($conf);
            $img = $this->assertSameImage(array('apiKey' => $key, 'id' => (string) self::WIDGET));
            $this->assertSame($this->frame, $img, 'passed through unchanged: ' . json_encode($conf));
        }
        // re-encoded: a JPEG at the quality asked, scaled
        $this->widget(array('snapshotUrl' => self::camUrl('')));
        $img = $this->assertSameImage(array('apiKey' => $key, 'id' => (string) self::WIDGET, 'compress' => '40', 'resize' => '50'));
        $this->assertSame(array(20, 10, IMAGETYPE_JPEG), array_slice(getimagesizefromstring($img), 0, 3));
        $img = $this->assertSameImage(array('apiKey' => $key, 'id' => (string) self::WIDGET, 'compress' => '60'));
        $this->assertSame(array(40, 20, IMAGETYPE_JPEG), array_slice(getimagesizefromstring($img), 0, 3));
        // the URL from an info command's value
        $cmd = $this->infoCmd('Url', null, 0, 'string');
        $cmd->event(self::camUrl(''));
        $this->widget(array('snapshotUrl' => 'http://127.0.0.1:9/unused', 'snapshotUrlInfo' => array('id' => $cmd->getId())));
        $this->assertSame($this->frame, $this->assertSameImage(array('apiKey' => $key, 'id' => (string) self::WIDGET)));
        // wrong credentials: the camera's answer passed through, as upstream does
        $this->widget(array('snapshotUrl' => self::camUrl('mode=basic'), 'username' => 'cam', 'password' => 'wrong'));
        $this->assertSame('denied', $this->assertSameImage(array('apiKey' => $key, 'id' => (string) self::WIDGET)));
        $log = (string) @file_get_contents(JC_TEST_WEB . '/log/JeedomConnect');
        $this->assertStringNotContainsString($key, $log);
        $this->assertStringNotContainsString('p@ss', $log);
    }

    public function testBadRequestsAreRefusedClearly() {
        $key = $this->eq('Phone', $this->user('cam', 'user'))->getLogicalId();
        $this->widget(array('snapshotUrl' => self::camUrl('')));
        $a = $this->both(array('apiKey' => 'not-a-key', 'id' => (string) self::WIDGET));
        $this->assertSame(500, $a['upstream'][0], 'upstream dies on an unknown key');
        $this->assertOursRefused($a['ours'], 403, "/Can't find eqLogic/");
        $disabled = $this->eq('Off', $this->user('cam', 'user'), array(), 0);
        $this->assertOursRefused(self::get(JC_CORE_ENV['JC_URL'], array('apiKey' => $disabled->getLogicalId(), 'id' => (string) self::WIDGET)), 403, '/disabled/');
        // no such widget (upstream: an empty image), or one without a URL
        $a = $this->both(array('apiKey' => $key, 'id' => '999999'));
        $this->assertSame(array(200, ''), array($a['upstream'][0], $a['upstream'][2]));
        foreach (array('999999', 'abc', '') as $id) {
            $this->assertOursRefused(self::get(JC_CORE_ENV['JC_URL'], array('apiKey' => $key, 'id' => $id)), 404, "/Can't find snapshot url/");
        }
        $this->widget(array('snapshotUrl' => array('x')));
        $a = $this->both(array('apiKey' => $key, 'id' => (string) self::WIDGET));
        $this->assertSame(500, $a['upstream'][0], 'upstream dies on a URL that is not a text');
        $this->assertOursRefused($a['ours'], 404, "/Can't find snapshot url/");
        // compress / resize out of 1..100
        $this->widget(array('snapshotUrl' => self::camUrl('')));
        foreach (array(array('compress' => 'abc'), array('resize' => '0'), array('compress' => '101'), array('resize' => '-5')) as $q) {
            $this->assertOursRefused(self::get(JC_CORE_ENV['JC_URL'], array_merge(array('apiKey' => $key, 'id' => (string) self::WIDGET), $q)), 400, '/from 1 to 100/');
        }
        // a camera that does not answer: upstream sends an empty image, ours says so
        $this->widget(array('snapshotUrl' => 'http://127.0.0.1:' . self::freePort() . '/snap.jpg', 'username' => 'u', 'password' => self::PASSWORD));
        $a = $this->both(array('apiKey' => $key, 'id' => (string) self::WIDGET));
        $this->assertSame(array(200, ''), array($a['upstream'][0], $a['upstream'][2]));
        $this->assertOursRefused($a['ours'], 502, '/camera not reachable/');
        $this->assertStringNotContainsString('p@ss', $a['ours'][2]);
    }

    public function testOnlyHttpUrlsAreFetched() {
        $key = $this->eq('Phone', $this->user('cam', 'user'))->getLogicalId();
        $secret = JC_TEST_BASE . '/secret.txt';
        file_put_contents($secret, 'db password: hunter2');
        // upstream fetches any curl URL: a widget pointing at a local file hands it to every phone
        foreach (array('file://' . $secret, 'FILE://' . $secret) as $url) {
            $this->widget(array('snapshotUrl' => $url));
            $a = $this->both(array('apiKey' => $key, 'id' => (string) self::WIDGET));
            $this->assertSame(array(200, 'db password: hunter2'), array($a['upstream'][0], $a['upstream'][2]), $url);
            $this->assertOursRefused($a['ours'], 400, '/only http and https/');
            $this->assertStringNotContainsString('hunter2', $a['ours'][2]);
        }
        // nor through a redirect from an http URL
        file_put_contents(JC_TEST_WEB . self::CAM_DIR . '/redirect.php', '<?php header("Location: file://' . $secret . '"); http_response_code(302);');
        $this->widget(array('snapshotUrl' => JC_CORE_ENV['JC_URL'] . self::CAM_DIR . '/redirect.php'));
        $ours = self::get(JC_CORE_ENV['JC_URL'], array('apiKey' => $key, 'id' => (string) self::WIDGET));
        $this->assertStringNotContainsString('hunter2', $ours[2]);
        @unlink(JC_TEST_WEB . self::CAM_DIR . '/redirect.php');
    }
}
