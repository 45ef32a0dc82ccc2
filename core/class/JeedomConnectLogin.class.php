<?php
/*
 * JeedomConnect - the two-factor steps of the app's login (docs/api-methods.md, "Two-factor login"): VERIF_2FA checks
 * the user's one-time code with Jeedom's own check, REGISTER_DEVICE makes the phone a trusted device of the user
 * (Jeedom's `registerDevice` user option, the same store as the desktop's "trust this device"), and CHECK_USER asks
 * trustedDevice() whether the phone presented the key of such a device (then no second factor is asked, as Jeedom's
 * own login does).
 */
class JeedomConnectLogin {
    /** the cookie Jeedom's login and REGISTER_DEVICE use for a trusted device: "<userHash>-<device key>" */
    const COOKIE = 'registerDevice';
    const COOKIE_LIFETIME = 31536000; // one year, as Jeedom

    /** VERIF_2FA {userHash, password2FA} -> SET_2FA {authorized}; EXCEPTION when Jeedom cannot check codes. */
    public static function verify(JeedomConnectApi $_api) {
        $hash = $_api->param('userHash', '');
        $code = $_api->param('password2FA', '');
        $user = is_string($hash) && $hash !== '' ? user::byHash($hash) : null;
        $authorized = false;
        if (is_object($user) && is_scalar($code) && trim((string) $code) !== '') {
            try {
                $authorized = (bool) $user->validateTwoFactorCode(trim((string) $code));
            } catch (Throwable $e) {
                // Jeedom's 2FA library missing or broken: say so, never "authorized" nor a crash
                log::add('JeedomConnect', 'error', 'VERIF_2FA : vérification impossible (' . $e->getMessage() . ')');
                throw new Exception('two-factor check unavailable on this Jeedom (its 2FA library failed)');
            }
        }
        return array('type' => 'SET_2FA', 'payload' => array('authorized' => $authorized));
    }

    /** REGISTER_DEVICE {userHash, rdk?} -> REGISTERED {rdk}: the phone becomes a trusted device of that user. */
    public static function register(JeedomConnectApi $_api) {
        $hash = $_api->param('userHash');
        $user = is_string($hash) && $hash !== '' ? user::byHash($hash) : null;
        if (!is_object($user)) {
            throw new Exception('User not valid');
        }
        $rdk = $_api->param('rdk');
        $eq = $_api->eq();
        $eq->setConfiguration('userHash', $hash);
        $eq->save(true);
        $devices = $user->getOptions('registerDevice', array());
        if (!is_array($devices)) {
            $devices = array();
        }
        // a key the user does not trust yet is never taken from the phone: a fresh one is made
        if (!is_string($rdk) || $rdk === '' || !isset($devices[sha512($rdk)])) {
            $rdk = config::genKey();
        }
        $devices[sha512($rdk)] = array('datetime' => date('Y-m-d H:i:s'), 'ip' => $_api->clientIp(), 'session_id' => session_id());
        $user->setOptions('registerDevice', $devices);
        $user->save();
        if (!headers_sent()) {
            setcookie(self::COOKIE, $hash . '-' . $rdk, array('expires' => time() + self::COOKIE_LIFETIME, 'samesite' => 'Strict',
                'httponly' => true, 'path' => '/', 'secure' => (($_SERVER['HTTP_X_FORWARDED_PROTO'] ?? '') === 'https')));
        }
        return array('type' => 'REGISTERED', 'payload' => array('rdk' => $rdk));
    }

    /**
     * Whether $_key ("<userHash or its sha512>-<device key>", the cookie REGISTER_DEVICE sets) names a device $_user
     * trusts: then CHECK_USER asks no second factor, as Jeedom's own login by trusted device.
     */
    public static function trustedDevice($_user, $_key) {
        if (!is_string($_key) || strpos($_key, '-') === false) {
            return false;
        }
        list($hash, $rdk) = explode('-', $_key, 2);
        $own = (string) $_user->getHash();
        if ($rdk === '' || $own === '' || !(hash_equals($own, $hash) || hash_equals(sha512($own), $hash))) {
            return false;
        }
        $devices = $_user->getOptions('registerDevice', array());
        return is_array($devices) && isset($devices[sha512($rdk)]);
    }
}
