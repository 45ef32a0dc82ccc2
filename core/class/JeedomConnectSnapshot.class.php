<?php
/*
 * JeedomConnect - the camera widget's snapshot proxy (core/php/snapshot.php; docs/api-methods.md, "Camera
 * snapshot"): GET ?apiKey=<phone>&id=<global widget id>&compress=<1..100>&resize=<1..100>. Fetches the widget's
 * snapshotUrl (or the value of its snapshotUrlInfo command) with the widget's credentials as upstream 1.20.6 does
 * (#username#/#password# in the URL, basic or digest authentication, 2 s to connect, certificates of cameras not
 * verified) and answers the image, re-encoded as JPEG when compress or resize is below 100. Only http(s) URLs are
 * fetched (never file:// or other curl protocols), at most MAX_BYTES, within TIMEOUT seconds. Credentials, URL and
 * apiKey are never logged.
 */
class JeedomConnectSnapshot {
    const CONNECT_TIMEOUT = 2;
    const TIMEOUT = 15;
    const MAX_BYTES = 20971520;

    /**
     * @param array $_get the query ($_GET)
     * @return array [HTTP status, content type, body]
     */
    public static function handle(array $_get) {
        $eq = JeedomConnectDevice::byApiKey(isset($_get['apiKey']) && is_string($_get['apiKey']) ? $_get['apiKey'] : '');
        if ($eq === null) {
            return self::refuse(403, "Can't find eqLogic");
        }
        if ($eq->getIsEnable() != 1) {
            return self::refuse(403, 'equipment disabled');
        }
        $compress = self::percent($_get, 'compress');
        $resize = self::percent($_get, 'resize');
        if ($compress === null || $resize === null) {
            return self::refuse(400, 'compress and resize: a whole number from 1 to 100 is expected');
        }
        $id = isset($_get['id']) && is_string($_get['id']) ? $_get['id'] : '';
        $widget = preg_match('/^[0-9]{1,12}$/', $id) ? config::byKey('widget::' . $id, 'JeedomConnect', '') : null;
        if (is_string($widget)) {
            $widget = json_decode($widget, true); // Jeedom decodes JSON values itself, older rows may be text
        }
        $url = is_array($widget) ? self::url($widget) : null;
        if (!is_string($url) || $url === '') {
            return self::refuse(404, "Can't find snapshot url");
        }
        $user = self::nonEmpty($widget, 'username');
        $pwd = self::nonEmpty($widget, 'password');
        $url = str_replace(array('#username#', '#password#'), array(urlencode((string) $user), urlencode((string) $pwd)), $url);
        $scheme = strtolower((string) parse_url($url, PHP_URL_SCHEME));
        if ($scheme !== 'http' && $scheme !== 'https') {
            return self::refuse(400, 'only http and https snapshot urls are fetched');
        }
        list($data, $error) = self::fetch($url, $user, $pwd, self::nonEmpty($widget, 'authent'));
        if ($error !== null) {
            log::add('JeedomConnect', 'warning', '[SNAPSHOT] widget ' . $id . ' : ' . $error);
            return self::refuse(502, 'snapshot: ' . $error);
        }
        return array(200, 'image/jpeg', self::reencode($data, $compress, $resize));
    }

    private static function url(array $_widget) {
        $url = isset($_widget['snapshotUrl']) ? $_widget['snapshotUrl'] : '';
        if (isset($_widget['snapshotUrlInfo']['id'])) {
            $cmd = cmd::byId($_widget['snapshotUrlInfo']['id']);
            if (is_object($cmd)) {
                $url = $cmd->execCmd();
            }
        }
        return $url;
    }

    private static function nonEmpty(array $_widget, $_key) {
        return (isset($_widget[$_key]) && $_widget[$_key] !== '' && is_scalar($_widget[$_key])) ? (string) $_widget[$_key] : null;
    }

    private static function percent(array $_get, $_key) {
        if (!isset($_get[$_key]) || $_get[$_key] === '') {
            return 100;
        }
        $v = $_get[$_key];
        if (!is_string($v) || !preg_match('/^[0-9]{1,3}$/', $v) || (int) $v < 1 || (int) $v > 100) {
            return null;
        }
        return (int) $v;
    }

    /** [body, null] or [null, error] */
    private static function fetch($_url, $_user, $_pwd, $_authent) {
        $ch = curl_init();
        $opts = array(CURLOPT_URL => $_url, CURLOPT_RETURNTRANSFER => true, CURLOPT_CONNECTTIMEOUT => self::CONNECT_TIMEOUT,
            CURLOPT_TIMEOUT => self::TIMEOUT, CURLOPT_SSL_VERIFYPEER => false, CURLOPT_SSL_VERIFYHOST => false,
            CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS, CURLOPT_REDIR_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
            CURLOPT_MAXFILESIZE => self::MAX_BYTES, CURLOPT_HTTPAUTH => CURLAUTH_ANY, CURLOPT_NOPROGRESS => false,
            CURLOPT_PROGRESSFUNCTION => function ($_c, $_dlTotal, $_dl) {
                return $_dl > self::MAX_BYTES ? 1 : 0;
            });
        if ($_user !== null && $_pwd !== null) {
            if ($_authent === null || $_authent === 'basic') {
                $opts[CURLOPT_USERPWD] = $_user . ':' . $_pwd;
                $opts[CURLOPT_HTTPHEADER] = array('Content-Type:application/json', 'Authorization: Basic ' . base64_encode($_user . ':' . $_pwd));
            } elseif ($_authent === 'digest') {
                // curl negotiates the method (upstream ends with "any" whatever it set before)
                $opts[CURLOPT_USERPWD] = $_user . ':' . $_pwd;
            }
        }
        curl_setopt_array($ch, $opts);
        $data = curl_exec($ch);
        $errno = curl_errno($ch);
        $code = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        if ($errno !== 0 || !is_string($data)) {
            return array(null, $errno === CURLE_ABORTED_BY_CALLBACK || $errno === CURLE_FILESIZE_EXCEEDED
                ? 'image larger than ' . self::MAX_BYTES . ' bytes' : 'camera not reachable (curl error ' . $errno . ')');
        }
        return array($data, null);
    }

    /** The image as upstream answers it: unchanged at 100/100 or when not decodable, else JPEG at quality
     * $_compress, scaled to $_resize %. */
    private static function reencode($_data, $_compress, $_resize) {
        if (($_compress >= 100 && $_resize >= 100) || $_data === '' || !function_exists('imagecreatefromstring')) {
            return $_data;
        }
        $src = @imagecreatefromstring($_data);
        if ($src === false) {
            return $_data;
        }
        if ($_resize < 100) {
            $w = imagesx($src);
            $h = imagesy($src);
            $dst = imagecreatetruecolor(max(1, (int) round($w * $_resize / 100)), max(1, (int) round($h * $_resize / 100)));
            imagecopyresized($dst, $src, 0, 0, 0, 0, imagesx($dst), imagesy($dst), $w, $h);
            $src = $dst;
        }
        ob_start();
        imagejpeg($src, null, $_compress);
        return (string) ob_get_clean();
    }

    private static function refuse($_status, $_message) {
        return array($_status, 'application/json', json_encode(array('type' => 'EXCEPTION', 'payload' => array('message' => $_message)), JSON_UNESCAPED_UNICODE));
    }
}
