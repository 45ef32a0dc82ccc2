<?php
/*
 * core/api/upload.api.php over each web root's real Apache: the same multipart upload to upstream 1.20.6 and to
 * ours. Images are stored in the user images folder and the folder listed as upstream lists it; what upstream
 * stores without looking (PHP scripts, .htaccess, text named .png, files over the size limit, uploads with an
 * unknown key) ours refuses with an HTTP error and a clear message, storing nothing of the request.
 */
require_once __DIR__ . '/FilesTestCase.php';

class UploadTest extends FilesTestCase {
    const UPLOAD = '/plugins/JeedomConnect/core/api/upload.api.php';

    /** [HTTP status, content type, raw body] of a multipart POST; $_files: [posted name => local file] */
    private static function upload($_baseUrl, $_apiKey, array $_files) {
        $fields = $_apiKey === null ? array() : array('apiKey' => $_apiKey);
        $i = 0;
        foreach ($_files as $name => $local) {
            $fields['file' . $i++] = new CURLFile($local, 'application/octet-stream', $name);
        }
        $c = curl_init($_baseUrl . self::UPLOAD);
        curl_setopt_array($c, array(CURLOPT_POST => true, CURLOPT_POSTFIELDS => $fields, CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 60));
        $raw = curl_exec($c);
        $r = array(curl_getinfo($c, CURLINFO_HTTP_CODE), (string) curl_getinfo($c, CURLINFO_CONTENT_TYPE), (string) $raw);
        curl_close($c);
        return $r;
    }

    private function both($_apiKey, array $_files) {
        return array('upstream' => self::upload(JC_UPSTREAM_ENV['UP_URL'], $_apiKey, $_files),
            'ours' => self::upload(JC_CORE_ENV['JC_URL'], $_apiKey, $_files));
    }

    /** a real image file of the given type */
    private static function image($_type, $_w = 8, $_h = 6) {
        $im = imagecreatetruecolor($_w, $_h);
        imagefilledrectangle($im, 0, 0, $_w - 1, $_h - 1, imagecolorallocate($im, 200, 30, 90));
        $f = JC_TEST_BASE . '/img-' . $_type . '-' . $_w . '.' . $_type;
        ($_type === 'png') ? imagepng($im, $f) : imagejpeg($im, $f);
        return $f;
    }

    private static function scratch($_name, $_content) {
        $f = JC_TEST_BASE . '/' . $_name;
        file_put_contents($f, $_content);
        return $f;
    }

    /** the names in the user images folder of a web root */
    private static function stored($_who) {
        return array_values(array_diff(scandir(self::webRoots()[$_who] . self::IMAGES), array('.', '..')));
    }

    /** our refusal: the HTTP status, a JSON EXCEPTION naming the problem, nothing stored; returns the message */
    private function assertOursRefused($_answer, $_status, $_pattern) {
        list($code, $type, $raw) = $_answer;
        $this->assertSame($_status, $code, $raw);
        $this->assertStringStartsWith('application/json', $type);
        $j = json_decode($raw, true);
        $this->assertSame('EXCEPTION', $j['type'] ?? null, $raw);
        $this->assertMatchesRegularExpression($_pattern, $j['payload']['message']);
        $this->assertSame(array(), self::stored('ours'), 'nothing stored');
        return $j['payload']['message'];
    }

    public function testImagesAreStoredAndTheFolderListed() {
        $eq = $this->eq('Phone', $this->user('up', 'user'));
        $this->layFiles(self::IMAGES, array('old.png' => 'O'));
        $png = self::image('png');
        $jpg = self::image('jpg');
        $a = $this->both($eq->getLogicalId(), array('photo.png' => $png, 'Été 2024.jpg' => $jpg));
        foreach ($a as $who => $r) {
            $this->assertSame(200, $r[0], $who . ' ' . $r[2]);
            $this->assertSame('multipart/form-data', $r[1], $who);
        }
        $up = self::masked(self::normalised(json_decode($a['upstream'][2], true)), array('payload.files.*.timestamp'));
        $ours = self::masked(self::normalised(json_decode($a['ours'][2], true)), array('payload.files.*.timestamp'));
        $this->assertSame($up, $ours, $a['upstream'][2] . "\n" . $a['ours'][2]);
        $this->assertSame('#root#/plugins/JeedomConnect/core/api/../../../..' . self::IMAGES, $ours['payload']['path']);
        $this->assertSame(array('old.png', 'photo.png', 'Été 2024.jpg'), self::stored('ours'));
        $this->assertSame(file_get_contents($png), file_get_contents(JC_TEST_WEB . self::IMAGES . 'photo.png'));
        // a name with folders: PHP keeps its last part, in the images folder for both
        $a = $this->both($eq->getLogicalId(), array('../../../../../up.png' => $png));
        $this->assertSame(200, $a['ours'][0], $a['ours'][2]);
        $this->assertFileExists(JC_TEST_WEB . self::IMAGES . 'up.png');
        $this->assertFileDoesNotExist(JC_TEST_WEB . '/up.png');
        $this->assertStringNotContainsString($eq->getLogicalId(), (string) @file_get_contents(JC_TEST_WEB . '/log/JeedomConnect'));
    }

    public function testUnknownKeyIsRefused() {
        $png = self::image('png');
        $a = $this->both('not-a-key', array('a.png' => $png));
        $this->assertSame(500, $a['upstream'][0], 'upstream dies on an unknown key: ' . $a['upstream'][2]);
        $this->assertOursRefused($a['ours'], 403, "/Can't find eqLogic/");
        $a = $this->both(null, array('a.png' => $png));
        $this->assertSame(500, $a['upstream'][0]);
        $this->assertOursRefused($a['ours'], 403, "/Can't find eqLogic/");
        $disabled = $this->eq('Off', $this->user('up', 'user'), array(), 0);
        $this->assertOursRefused(self::upload(JC_CORE_ENV['JC_URL'], $disabled->getLogicalId(), array('a.png' => $png)), 403, '/disabled/');
    }

    public function testWhatIsNotAnImageIsRefused() {
        $key = $this->eq('Phone', $this->user('up', 'user'))->getLogicalId();
        $cases = array(
            'evil.php' => array(self::scratch('evil', '<?php echo "pwned";'), 415, '/only images/'),
            'fake.png' => array(self::scratch('fake', 'not an image'), 415, '/not a PNG image/'),
            'jpeg-as.png' => array(self::image('jpg'), 415, '/not a PNG image/'),
            '.htaccess' => array(self::scratch('ht', 'Require all granted'), 400, '/not a plain file name/'),
            'page.svg' => array(self::scratch('svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 415, '/only images/'),
        );
        foreach ($cases as $name => $c) {
            $posted = $name === 'jpeg-as.png' ? 'photo.png' : $name;
            $a = $this->both($key, array($posted => $c[0]));
            $this->assertSame(200, $a['upstream'][0], $name);
            $this->assertContains($posted, self::stored('upstream'), 'upstream stores ' . $name);
            $this->assertOursRefused($a['ours'], $c[1], $c[2]);
        }
        // one bad file among good ones: none stored
        $this->assertOursRefused(self::upload(JC_CORE_ENV['JC_URL'], $key, array('good.png' => self::image('png'), 'evil.php' => $cases['evil.php'][0])), 415, '/evil\.php: only images/');
        // a link of that name in the folder is never written through
        $out = $this->outside();
        symlink($out['ours'] . '/victim.txt', JC_TEST_WEB . self::IMAGES . 'l.png');
        list($code, , $raw) = self::upload(JC_CORE_ENV['JC_URL'], $key, array('l.png' => self::image('png')));
        $this->assertSame(409, $code, $raw);
        $this->assertSame('keep me', file_get_contents($out['ours'] . '/victim.txt'));
    }

    public function testTooLargeIsRefused() {
        $key = $this->eq('Phone', $this->user('up', 'user'))->getLogicalId();
        // over our limit (Jeedom's .htaccess raises PHP's to 1 GB): upstream stores it, ours refuses
        $big = self::scratch('big.png', file_get_contents(self::image('png')) . str_repeat("\0", JeedomConnectUpload::MAX_BYTES));
        $a = $this->both($key, array('big.png' => $big));
        $this->assertSame(200, $a['upstream'][0]);
        $this->assertContains('big.png', self::stored('upstream'));
        $this->assertOursRefused($a['ours'], 413, '/big\.png: too large \(at most 10485760 bytes per image\)/');
        // exactly at the limit: stored
        $fit = self::scratch('fit.png', substr(file_get_contents($big), 0, JeedomConnectUpload::MAX_BYTES));
        list($code, , $raw) = self::upload(JC_CORE_ENV['JC_URL'], $key, array('fit.png' => $fit));
        $this->assertSame(200, $code, $raw);
        $this->assertSame(array('fit.png'), self::stored('ours'));
    }
}
