<?php
/*
 * JeedomConnect - the equipment QR code: JSON with exactly the keys of docs/protocol.md, "QR code", encoded by Debian's
 * `qrencode` (declared in plugin_info/packages.json) into data/qrcodes/<apiKey>.png. The content (it holds the apiKey
 * and the user hash) goes to qrencode on stdin, never on its command line.
 */
class JeedomConnectQr {
    public static function folder() {
        $dir = realpath(__DIR__ . '/../..') . '/data/qrcodes';
        if (!is_dir($dir)) {
            @mkdir($dir, 0775, true);
        }
        return $dir;
    }

    public static function path($eq) {
        return self::folder() . '/' . $eq->getLogicalId() . '.png';
    }

    public static function content($eq) {
        $user = user::byId($eq->getConfiguration('userId', ''));
        $flags = JeedomConnectDevice::flags($eq);
        return array(
            'useWs' => JeedomConnectDevice::isTrue($flags['useWs']) ? '1' : '0',
            'polling' => JeedomConnectDevice::isTrue($flags['polling']) ? '1' : '0',
            'eqName' => $eq->getName(),
            'userName' => is_object($user) ? $user->getLogin() : null,
            'httpUrl' => JeedomConnectConfig::httpUrl(),
            'internalHttpUrl' => JeedomConnectConfig::internHttpUrl(),
            'wsAddress' => JeedomConnectConfig::wsAddress(),
            'internalWsAddress' => JeedomConnectConfig::internWsAddress(),
            'apiKey' => $eq->getLogicalId(),
            'userHash' => is_object($user) ? $user->getHash() : null,
        );
    }

    public static function text($eq) {
        return json_encode(self::content($eq));
    }

    /** Writes the PNG; returns true on success. Does not save the eq. */
    public static function generate($eq) {
        if (!JeedomConnectDevice::isPhone($eq)) {
            return false;
        }
        $file = self::path($eq);
        $tmp = $file . '.tmp.png';
        $proc = @proc_open(array('qrencode', '-t', 'PNG', '-l', 'M', '-s', '6', '-m', '2', '-o', $tmp),
            array(0 => array('pipe', 'r'), 1 => array('file', '/dev/null', 'w'), 2 => array('pipe', 'w')), $pipes);
        if (!is_resource($proc)) {
            log::add('JeedomConnect', 'error', 'QR code : qrencode introuvable (dépendances)');
            return false;
        }
        fwrite($pipes[0], self::text($eq));
        fclose($pipes[0]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[2]);
        $rc = proc_close($proc);
        if ($rc !== 0 || !is_file($tmp)) {
            @unlink($tmp);
            log::add('JeedomConnect', 'error', 'QR code : échec de qrencode (' . trim((string) $err) . ')');
            return false;
        }
        rename($tmp, $file);
        $eq->setConfiguration('qrHash', sha1(self::text($eq)));
        return true;
    }

    /** Regenerates when the content changed since the last PNG (or the PNG is missing). */
    public static function refreshIfChanged($eq) {
        if ($eq->getConfiguration('qrHash', '') === sha1(self::text($eq)) && is_file(self::path($eq))) {
            return false;
        }
        return self::generate($eq);
    }

    public static function regenerateAll() {
        $n = 0;
        foreach (JeedomConnectDevice::all() as $eq) {
            if (self::generate($eq)) {
                $eq->save(true);
                $n++;
            }
        }
        return $n;
    }

    public static function remove($_apiKey) {
        if (is_string($_apiKey) && preg_match('/^[0-9a-f]+$/i', $_apiKey)) {
            @unlink(self::folder() . '/' . $_apiKey . '.png');
        }
    }
}
