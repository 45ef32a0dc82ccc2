<?php
/* Fake Jeedom core: network::getNetworkAccess (internal/external, protocol variants incl. the daemon loopback form
 * 'proto:127.0.0.1:port:comp', the Jeedom DNS URL as external address) and getUserLocation (client IP vs
 * network::localip). */
class network {
    public static function getNetworkAccess($_mode = 'auto', $_protocol = '', $_default = '', $_test = false) {
        if ($_mode === 'auto') {
            $_mode = self::getUserLocation() === 'internal' ? 'internal' : 'external';
        }
        $p = $_mode === 'internal' ? 'internal' : 'external';
        // Jeedom DNS (market::allowDNS + jeedom::url, e.g. https://xxxx.eu.jeedom.link): the external address is its URL
        if ($p === 'external' && $_protocol === '' && config::byKey('market::allowDNS') == 1 && (string) config::byKey('jeedom::url') !== '') {
            return rtrim((string) config::byKey('jeedom::url'), '/');
        }
        $proto = config::byKey($p . 'Protocol');
        $addr = config::byKey($p . 'Addr');
        $port = (string) config::byKey($p . 'Port');
        $comp = trim((string) config::byKey($p . 'Complement'), '/');
        $comp = $comp === '' ? '' : '/' . $comp;
        if ($addr === '' || $addr === null) {
            return $_default;
        }
        $portPart = (($proto === 'http://' && $port == '80') || ($proto === 'https://' && $port == '443') || $port === '') ? '' : ':' . $port;
        switch ($_protocol) {
            case 'ip':
            case 'dns':
                return $addr;
            case 'ip:port':
                return $addr . ':' . $port;
            case 'proto:ip':
                return $proto . $addr;
            case 'proto:ip:port':
                return $proto . $addr . ':' . $port;
            case 'proto:127.0.0.1:port:comp':
                return $proto . '127.0.0.1' . ($port !== '' ? ':' . $port : '') . $comp;
            case 'http:127.0.0.1:port:comp':
                return 'http://127.0.0.1' . ($port !== '' ? ':' . $port : '') . $comp;
            default:
                return $proto . $addr . $portPart . $comp;
        }
    }

    public static function getClientIp() {
        foreach (array('HTTP_X_FORWARDED_FOR', 'HTTP_X_REAL_IP', 'HTTP_CLIENT_IP', 'REMOTE_ADDR') as $h) {
            if (isset($_SERVER[$h]) && $_SERVER[$h] !== '') {
                return trim(explode(',', $_SERVER[$h])[0]);
            }
        }
        return '';
    }

    public static function getUserLocation() {
        $ip = self::getClientIp();
        if ($ip === '') {
            return 'internal';
        }
        foreach (explode(';', (string) config::byKey('network::localip')) as $mask) {
            $mask = trim($mask);
            if ($mask !== '' && fnmatch($mask, $ip)) {
                return 'internal';
            }
        }
        return 'external';
    }
}
