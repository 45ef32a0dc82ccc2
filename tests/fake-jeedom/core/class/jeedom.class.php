<?php
/* Fake Jeedom core: per-plugin API keys (64 chars, config key "api" of the plugin), tmp folders, version. */
class jeedom {
    public static function getApiKey($_plugin = 'core') {
        $key = config::byKey('api', $_plugin);
        if ($key === '' || !is_string($key)) {
            $key = '';
            $chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
            for ($i = 0; $i < 64; $i++) {
                $key .= $chars[random_int(0, strlen($chars) - 1)];
            }
            config::save('api', $key, $_plugin);
        }
        return $key;
    }

    public static function apiAccess($_apikey = '', $_plugin = 'core') {
        if (!is_string($_apikey) || strlen($_apikey) < 16) {
            return false;
        }
        return hash_equals(self::getApiKey($_plugin), $_apikey) || hash_equals(self::getApiKey('core'), $_apikey);
    }

    public static function getTmpFolder($_plugin = '') {
        $dir = FakeJeedom::root() . '/tmp/jeedom' . ($_plugin !== '' ? '/' . $_plugin : '');
        if (!is_dir($dir)) {
            @mkdir($dir, 0774, true);
        }
        return $dir;
    }

    public static function version() {
        return '4.5.3';
    }

    public static function getHardwareName() {
        return 'diy';
    }

    public static function isStarted() {
        return true;
    }
}
