<?php
/* A browser's session on the rig's real core: logs in through core/ajax/user.ajax.php and calls the core's ajax
 * endpoints (POST, as the desktop pages' jeedom.*.js do) through its Apache. */
class JcCoreHttp {
    private $jar;
    private $base;

    /** $_baseUrl: another web root of the same core (the differential rig's), else the rig's own. */
    public function __construct($_login, $_password, $_baseUrl = null) {
        $this->base = $_baseUrl === null ? JC_CORE_ENV['JC_URL'] : $_baseUrl;
        $this->jar = tempnam(JC_TEST_BASE, 'cookies');
        $this->ajax('core/ajax/user.ajax.php', array('action' => 'login', 'username' => $_login, 'password' => $_password));
    }

    /** POST to a page of the core; answers the raw body. */
    public function post($_path, $_params) {
        $c = curl_init($this->base . '/' . $_path);
        curl_setopt_array($c, array(CURLOPT_POST => true, CURLOPT_POSTFIELDS => http_build_query($_params),
            CURLOPT_RETURNTRANSFER => true, CURLOPT_COOKIEJAR => $this->jar, CURLOPT_COOKIEFILE => $this->jar,
            CURLOPT_TIMEOUT => 60, CURLOPT_HTTPHEADER => array('X-Requested-With: XMLHttpRequest')));
        $body = curl_exec($c);
        curl_close($c);
        if ($body === false) {
            throw new Exception('no answer from ' . $_path);
        }
        return $body;
    }

    public function get($_path) {
        $c = curl_init($this->base . '/' . $_path);
        curl_setopt_array($c, array(CURLOPT_RETURNTRANSFER => true, CURLOPT_COOKIEJAR => $this->jar, CURLOPT_COOKIEFILE => $this->jar,
            CURLOPT_TIMEOUT => 60));
        $body = curl_exec($c);
        curl_close($c);
        return (string) $body;
    }

    /** One call of a core ajax endpoint: its result, or an exception with the core's error message. */
    public function ajax($_path, $_params) {
        $body = $this->post($_path, $_params);
        $r = json_decode($body, true);
        if (!is_array($r) || !isset($r['state'])) {
            throw new Exception($_path . ': not an ajax answer: ' . substr($body, 0, 500));
        }
        if ($r['state'] !== 'ok') {
            throw new Exception($_path . ' ' . json_encode($_params) . ': ' . (isset($r['result']) ? json_encode($r['result']) : $body));
        }
        return $r['result'];
    }
}
