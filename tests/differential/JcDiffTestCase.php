<?php
/*
 * Base of the differential tests: one JSON-RPC request sent over HTTP to our plugin (the rig's web root) and to
 * upstream Jeedom Connect 1.20.6 (the second web root of the same core, tests/differential/up.sh), both reading and
 * writing the same Jeedom database; the two answers are compared after masking the fields that legitimately differ
 * from one call to the next (maskPaths).
 */
abstract class JcDiffTestCase extends JcTestCase {
    const API = '/plugins/JeedomConnect/core/api/JeedomConnect.api.php';

    /** The decoded JSON-RPC envelope a web root answers to $body. */
    protected static function post($_baseUrl, $_body) {
        list($code, $decoded, $raw) = self::exchange($_baseUrl, $_body);
        if (!is_array($decoded)) {
            throw new Exception('not a JSON answer from ' . $_baseUrl . ' (HTTP ' . $code . '): ' . substr((string) $raw, 0, 600));
        }
        return $decoded;
    }

    /** [HTTP status, decoded body or null, raw body] */
    protected static function exchange($_baseUrl, $_body) {
        $c = curl_init($_baseUrl . self::API);
        curl_setopt_array($c, array(CURLOPT_POST => true, CURLOPT_POSTFIELDS => $_body, CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT => 60, CURLOPT_HTTPHEADER => array('Content-Type: application/json')));
        $raw = curl_exec($c);
        $code = curl_getinfo($c, CURLINFO_HTTP_CODE);
        curl_close($c);
        $decoded = is_string($raw) ? json_decode($raw, true) : null;
        return array($code, is_array($decoded) ? $decoded : null, $raw);
    }

    protected static function request($_method, $_params, $_id = '1') {
        return json_encode(array('jsonrpc' => '2.0', 'id' => $_id, 'method' => $_method, 'params' => $_params));
    }

    /** [upstream|ours => path] of the stand-ins of Jeedom Connect's sender program (installFakeSenders). */
    protected $senders = array();

    /** fake_send_notif.sh put at the path where each plugin runs the sender program: it records its arguments in
     * capture.jsonl beside it. */
    protected function installFakeSenders() {
        JeedomConnectNotifSender::setTransport(null);
        $this->senders = array(
            'upstream' => JC_UPSTREAM_ENV['UP_WEB'] . '/plugins/JeedomConnect/resources/sendNotif/vNotif_2_sendNotif_x64',
            'ours' => JeedomConnectNotifSender::binaryPath(),
        );
        foreach ($this->senders as $bin) {
            @mkdir(dirname($bin), 0775, true);
            copy(__DIR__ . '/fake_send_notif.sh', $bin);
            chmod($bin, 0755);
            @unlink(dirname($bin) . '/capture.jsonl');
        }
    }

    protected function removeFakeSenders() {
        foreach ($this->senders as $bin) {
            @unlink($bin);
            @unlink(dirname($bin) . '/capture.jsonl');
        }
        $this->senders = array();
    }

    /** The phone's layout: the given global widgets (`widget::<n>`, ids from 1), referenced in order; saved and
     * assembled (Jeedom's cache written). Returns the phone as stored. */
    protected function globalWidgetsLayout($_eq, array $_widgets) {
        $refs = array();
        foreach ($_widgets as $i => $w) {
            config::save('widget::' . ($i + 1), json_encode($w + array('id' => $i + 1)), 'JeedomConnect');
            $refs[] = array('id' => $i + 1, 'widgetId' => $i + 10, 'index' => $i);
        }
        $c = JeedomConnectLayout::emptyConfig();
        $c['payload']['widgets'] = $refs;
        $c['idCounter'] = 100;
        JeedomConnectLayout::set($_eq, $c);
        $_eq->save();
        $eq = eqLogic::byId($_eq->getId());
        JeedomConnectLayout::generated($eq);
        return $eq;
    }

    /** Our plugin's answer. */
    protected function ours($_method, $_params, $_id = '1') {
        return self::post(JC_CORE_ENV['JC_URL'], self::request($_method, $_params, $_id));
    }

    /** Upstream 1.20.6's answer to the same request. */
    protected function upstream($_method, $_params, $_id = '1') {
        return self::post(JC_UPSTREAM_ENV['UP_URL'], self::request($_method, $_params, $_id));
    }

    /**
     * Sends the request to upstream then to ours, asserts the two envelopes are equal once the fields at $_mask
     * (paths like 'result.payload.*.time'; '*' = every key) are replaced by a marker, and returns our envelope.
     */
    /** Upstream's own code executes the command with the options (upstream-exec.php, in upstream's web root). */
    protected function upstreamExec($_cmdId, array $_options) {
        $cmd = 'cd ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' && ' . escapeshellarg(PHP_BINARY) . ' '
            . escapeshellarg(__DIR__ . '/upstream-exec.php') . ' ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' '
            . (int) $_cmdId . ' ' . escapeshellarg(json_encode($_options)) . ' 2>&1';
        exec($cmd, $out, $rc);
        $this->assertSame(0, $rc, 'upstream\'s execution: ' . implode("\n", $out));
        $this->assertSame('ok JeedomConnectCmd', end($out), 'upstream\'s execution: ' . implode("\n", $out));
    }

    protected function assertSameAnswer($_method, $_params, $_mask = array(), $_id = '1') {
        $up = $this->upstream($_method, $_params, $_id);
        $our = $this->ours($_method, $_params, $_id);
        $this->assertSame(self::masked($up, $_mask), self::masked($our, $_mask),
            $_method . ' ' . json_encode($_params) . ": ours differs from upstream 1.20.6\nupstream: " . json_encode($up) . "\nours:     " . json_encode($our));
        return $our;
    }

    /**
     * Both answer an EXCEPTION for the method (upstream's error shape: {type: EXCEPTION, payload: {message:
     * "Error with '<METHOD>' method ..."}}); the text after the prefix may differ (ours says what is wrong).
     * Returns [upstream message, our message].
     */
    protected function assertBothRefuse($_method, $_params, $_id = '1') {
        $up = $this->upstream($_method, $_params, $_id);
        $our = $this->ours($_method, $_params, $_id);
        $msgs = array();
        foreach (array('upstream' => $up, 'ours' => $our) as $who => $e) {
            $this->assertSame('2.0', $e['jsonrpc'], $who);
            $this->assertSame($_id, $e['id'], $who);
            $this->assertSame('EXCEPTION', $e['result']['type'] ?? null, $who . ' ' . json_encode($e));
            $this->assertSame(array('message'), array_keys($e['result']['payload']), $who . ' ' . json_encode($e));
            $this->assertStringStartsWith("Error with '" . $_method . "' method ", $e['result']['payload']['message'], $who);
            $msgs[] = $e['result']['payload']['message'];
        }
        return $msgs;
    }

    /** Our refusal of bad input: upstream's shape for an exception inside a method. Returns the message. */
    protected function assertOurRefusal($_method, $_params, $_id = '1') {
        $e = $this->ours($_method, $_params, $_id);
        $this->assertSame(array('id' => $_id, 'jsonrpc' => '2.0'), array('id' => $e['id'], 'jsonrpc' => $e['jsonrpc']));
        $this->assertSame('EXCEPTION', $e['result']['type'] ?? null, json_encode($e));
        $this->assertSame(array('message'), array_keys($e['result']['payload']), json_encode($e));
        $this->assertStringStartsWith("Error with '" . $_method . "' method [API] - ", $e['result']['payload']['message']);
        return $e['result']['payload']['message'];
    }

    /**
     * Bad input that upstream does not survive (a PHP fatal error: HTTP 500, no JSON-RPC answer, the app waits for
     * nothing): we answer a clear EXCEPTION instead (a documented fix, docs/api-methods.md). Returns our message.
     */
    protected function assertUpstreamCrashesOursRefuses($_method, $_params, $_id = '1') {
        list($code, $decoded, $raw) = self::exchange(JC_UPSTREAM_ENV['UP_URL'], self::request($_method, $_params, $_id));
        $this->assertSame(500, $code, 'upstream survived: ' . $raw);
        $this->assertNull($decoded, 'upstream answered: ' . $raw);
        return $this->assertOurRefusal($_method, $_params, $_id);
    }

    /**
     * Bad input that upstream answers as if it were good ($_upstreamResult: an empty graph, ...): we refuse it
     * with a clear EXCEPTION instead (a documented fix, docs/api-methods.md). Returns our message.
     */
    protected function assertUpstreamSilentOursRefuses($_method, $_params, $_upstreamResult, $_id = '1') {
        $up = $this->upstream($_method, $_params, $_id);
        $this->assertSame(self::sorted($_upstreamResult), self::sorted($up['result']), json_encode($up));
        return $this->assertOurRefusal($_method, $_params, $_id);
    }

    public static function masked($_value, $_paths) {
        foreach ($_paths as $p) {
            $_value = self::maskPath($_value, explode('.', $p));
        }
        return self::sorted($_value);
    }

    private static function maskPath($_v, $_parts) {
        if ($_parts === array()) {
            return '#masked#';
        }
        if (!is_array($_v)) {
            return $_v;
        }
        $k = array_shift($_parts);
        foreach (array_keys($_v) as $key) {
            if ($k === '*' || (string) $key === $k) {
                $_v[$key] = self::maskPath($_v[$key], $_parts);
            }
        }
        return $_v;
    }

    /** Object keys in a stable order (JSON objects are unordered); lists keep their order. */
    protected static function sorted($_v) {
        if (!is_array($_v)) {
            return $_v;
        }
        foreach ($_v as $k => $x) {
            $_v[$k] = self::sorted($x);
        }
        if (array_keys($_v) !== range(0, count($_v) - 1)) {
            ksort($_v);
        }
        return $_v;
    }
}
