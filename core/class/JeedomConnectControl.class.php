<?php
/*
 * JeedomConnect - client of the daemon's control socket (TCP 127.0.0.1:socketport, one JSON object per line, each
 * carrying the plugin key). A stopped daemon never blocks nor throws into the caller: short connect timeout, every
 * failure is a false/null return. The key is never logged.
 */
class JeedomConnectControl {
    const CONNECT_TIMEOUT = 0.3;

    private static function open($_timeout) {
        $errno = 0;
        $errstr = '';
        $fp = @stream_socket_client('tcp://127.0.0.1:' . JeedomConnectConfig::socketPort(), $errno, $errstr, $_timeout);
        return $fp === false ? null : $fp;
    }

    private static function line(array $_msg) {
        $_msg['jeedomApiKey'] = jeedom::getApiKey('JeedomConnect');
        return json_encode($_msg, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES) . "\n";
    }

    /** Sends a no-reply message. Returns true when it was written. */
    public static function send(array $_msg) {
        try {
            $fp = self::open(self::CONNECT_TIMEOUT);
            if ($fp === null) {
                return false;
            }
            stream_set_timeout($fp, 1);
            $data = self::line($_msg);
            $written = @fwrite($fp, $data);
            @fclose($fp);
            return $written === strlen($data);
        } catch (Throwable $e) {
            log::add('JeedomConnect', 'debug', 'control socket: ' . (isset($_msg['type']) ? $_msg['type'] : 'message') . ' not sent: ' . $e->getMessage());
            return false;
        }
    }

    /** Sends a message that gets one line back; returns the decoded reply or null. */
    public static function request(array $_msg, $_timeout = 3.0) {
        try {
            $fp = self::open(self::CONNECT_TIMEOUT);
            if ($fp === null) {
                return null;
            }
            $sec = (int) floor($_timeout);
            stream_set_timeout($fp, $sec, (int) (($_timeout - $sec) * 1000000));
            $data = self::line($_msg);
            if (@fwrite($fp, $data) !== strlen($data)) {
                @fclose($fp);
                return null;
            }
            $reply = @fgets($fp, 64 * 1024 * 1024);
            @fclose($fp);
            if ($reply === false) {
                return null;
            }
            $decoded = json_decode($reply, true);
            return is_array($decoded) ? $decoded : null;
        } catch (Throwable $e) {
            log::add('JeedomConnect', 'debug', 'control socket: ' . (isset($_msg['type']) ? $_msg['type'] : 'request') . ' failed: ' . $e->getMessage());
            return null;
        }
    }

    public static function status() {
        $r = self::request(array('type' => 'STATUS'), 2.0);
        return (is_array($r) && !(isset($r['ok']) && $r['ok'] === false)) ? $r : null;
    }

    /**
     * The daemon's status line of one device, found by its full apiKey (the daemon's list masks keys, so two phones
     * whose keys start alike cannot be told apart there). Returns array('daemon' => bool, 'device' => array|null).
     */
    public static function deviceStatus($_apiKey) {
        $r = self::request(array('type' => 'STATUS', 'eqApiKey' => (string) $_apiKey), 2.0);
        $up = is_array($r) && !(isset($r['ok']) && $r['ok'] === false);
        return array('daemon' => $up, 'device' => ($up && isset($r['device']) && is_array($r['device'])) ? $r['device'] : null);
    }

    public static function events(array $_events, $_ack = false) {
        $msg = array('type' => 'EVENTS', 'events' => $_events);
        if ($_ack) {
            $msg['ack'] = true;
            return self::request($msg, 2.0);
        }
        return self::send($msg);
    }

    /**
     * Sends a message asking for an acknowledgement: true only once the daemon answered that it took it (what it
     * keeps is then committed to its journal, so a crash right after cannot lose it); false when it is down, did
     * not answer in time, or refused it.
     */
    private static function acknowledged(array $_msg, $_timeout) {
        $_msg['ack'] = true;
        $r = self::request($_msg, $_timeout);
        if (is_array($r) && isset($r['ok']) && $r['ok'] === true) {
            return true;
        }
        if (is_array($r)) {
            log::add('JeedomConnect', 'warning', 'control socket: ' . $_msg['type'] . ' refused by the daemon: ' . (isset($r['error']) ? (string) $r['error'] : json_encode($r)));
        }
        return false;
    }

    public static function devices(array $_records, $_full) {
        return self::acknowledged(array('type' => 'DEVICES', 'devices' => array_values($_records), 'full' => (bool) $_full), 3.0);
    }

    /** A message for one device: true once the daemon delivered it or queued it durably; false, and the caller
     * keeps it, otherwise. */
    public static function push($_eqApiKey, array $_message) {
        return self::acknowledged(array('type' => 'PUSH', 'eqApiKey' => $_eqApiKey, 'message' => $_message), 3.0);
    }

    public static function closeDevice($_eqApiKey, $_reason) {
        return self::send(array('type' => 'CLOSE_DEVICE', 'eqApiKey' => $_eqApiKey, 'reason' => $_reason));
    }

    /** EVENTS_SINCE; null when the daemon does not answer (or answers an error). */
    public static function eventsSince($_eqApiKey, $_cursor) {
        $cursor = ($_cursor === null || $_cursor === '') ? null : (float) $_cursor;
        $r = self::request(array('type' => 'EVENTS_SINCE', 'eqApiKey' => $_eqApiKey, 'cursor' => $cursor), 3.0);
        if (!is_array($r) || (isset($r['ok']) && $r['ok'] === false) || !array_key_exists('cursor', $r)) {
            return null;
        }
        return $r;
    }
}
