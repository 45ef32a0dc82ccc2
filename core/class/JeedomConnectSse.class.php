<?php
/*
 * JeedomConnect - the SSE stream of HTTP mode (core/php/eventServer.php, docs/protocol.md, "SSE").
 * When the daemon runs, its /sse stream for the apiKey is relayed byte for byte (Last-Event-ID forwarded).
 * Otherwise PHP serves the stream itself like the old script: first event SET_INFO, then GET_EVENTS every second,
 * heartbeat after 5 idle loops, end when the eq switches to WS/polling or another SSE client takes over.
 * Output goes through a writer callable (echo + flush by default) so the loop can be tested.
 */
class JeedomConnectSse {
    private $writer;
    private $maxLoops;
    private $sleep;

    public function __construct($_writer = null, $_maxLoops = 0, $_sleepSeconds = 1.0) {
        $this->writer = $_writer !== null ? $_writer : array(__CLASS__, 'echoAndFlush');
        $this->maxLoops = (int) $_maxLoops;
        $this->sleep = (float) $_sleepSeconds;
    }

    public static function echoAndFlush($_data) {
        echo $_data;
        if (ob_get_level() > 0) {
            @ob_flush();
        }
        flush();
        return !connection_aborted();
    }

    public static function sendHeaders() {
        if (!headers_sent()) {
            header('Content-Type: text/event-stream');
            header('Cache-Control: no-cache');
            header('X-Accel-Buffering: no');
        }
    }

    /** data: + double JSON encoding + CRLF CRLF */
    public static function frame($_obj) {
        return 'data:' . json_encode(json_encode($_obj)) . "\r\n\r\n";
    }

    private function write($_data) {
        return call_user_func($this->writer, $_data) !== false;
    }

    /** Relays the daemon's stream; false if the daemon could not be reached (nothing was written then). */
    public function relay($_apiKey, $_lastEventId = '') {
        if (!function_exists('curl_init')) {
            return false;
        }
        $url = 'http://127.0.0.1:' . JeedomConnectConfig::port() . '/sse?apiKey=' . rawurlencode($_apiKey);
        $status = 0;
        $wrote = false;
        $self = $this;
        $ch = curl_init($url);
        $headers = array('Accept: text/event-stream');
        if ($_lastEventId !== '' && $_lastEventId !== null) {
            $headers[] = 'Last-Event-ID: ' . preg_replace('/[\r\n]/', '', (string) $_lastEventId);
        }
        curl_setopt_array($ch, array(
            CURLOPT_CONNECTTIMEOUT_MS => 500,
            CURLOPT_TIMEOUT => 0,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_HEADERFUNCTION => function ($ch, $line) use (&$status) {
                if (preg_match('#^HTTP/\S+\s+(\d{3})#', $line, $m)) {
                    $status = (int) $m[1];
                }
                return strlen($line);
            },
            CURLOPT_WRITEFUNCTION => function ($ch, $data) use (&$status, &$wrote, $self) {
                if ($status !== 200) {
                    return strlen($data);
                }
                $wrote = true;
                return $self->writeRaw($data) ? strlen($data) : 0;
            },
        ));
        curl_exec($ch);
        curl_close($ch);
        return $wrote || $status === 200;
    }

    public function writeRaw($_data) {
        return $this->write($_data);
    }

    /** PHP-served stream (daemon down). */
    public function serveFallback($_apiKey) {
        $eq = JeedomConnectDevice::byApiKey($_apiKey);
        if ($eq === null) {
            $this->write(self::frame(JeedomConnectApi::exception("Can't find eqLogic", 'SSE')));
            return;
        }
        if ($eq->getIsEnable() != 1) {
            $this->write(self::frame(array('type' => 'EQUIPMENT_DISABLE')));
            return;
        }
        $sessionId = bin2hex(random_bytes(8));
        $config = JeedomConnectLayout::generated($eq);
        $lastRead = microtime(true);
        $lastHist = time();
        $this->write(self::frame(array('type' => 'SET_INFO', 'payload' => JeedomConnectInfo::all($eq))));
        $eq = eqLogic::byId($eq->getId());
        if (!is_object($eq)) {
            return;
        }
        $eq->setConfiguration('sessionId', $sessionId);
        $eq->setConfiguration('connected', 1);
        $eq->setConfiguration('scAll', 0);
        $eq->setConfiguration('appState', 'active');
        $eq->save();
        $step = 0;
        $loops = 0;
        while (true) {
            if ($this->maxLoops > 0 && $loops++ >= $this->maxLoops) {
                return;
            }
            usleep((int) ($this->sleep * 1000000));
            $eq = eqLogic::byId($eq->getId());
            if (!is_object($eq)) {
                $this->write(self::frame(JeedomConnectApi::exception('[SSE] EqLogic not found anymore', 'SSE')));
                return;
            }
            $flags = JeedomConnectDevice::flags($eq);
            if (JeedomConnectDevice::isTrue($flags['useWs']) || JeedomConnectDevice::isTrue($flags['polling'])
                || (string) $eq->getConfiguration('sessionId', '') !== $sessionId) {
                return;
            }
            if (connection_aborted()) {
                $eq->setConfiguration('connected', 0);
                $eq->setConfiguration('appState', 'background');
                $eq->save();
                return;
            }
            $res = JeedomConnectApi::handle(json_encode(array('jsonrpc' => '2.0', 'id' => 'sse', 'method' => 'GET_EVENTS', 'params' => array(
                'apiKey' => $eq->getLogicalId(),
                'configVersion' => isset($config['payload']['configVersion']) ? $config['payload']['configVersion'] : null,
                'lastReadTimestamp' => $lastRead, 'lastHistoricReadTimestamp' => $lastHist))));
            $result = $res['result'];
            $sent = false;
            if (is_array($result) && isset($result['type'])) {
                if ($result['type'] === 'SET_EVENTS') {
                    foreach ($result['payload'] as $item) {
                        if ($item['type'] === 'DATETIME') {
                            $lastRead = floatval($item['payload']);
                        } elseif ($item['type'] === 'HIST_DATETIME') {
                            $lastHist = floatval($item['payload']);
                        } elseif (!empty($item['payload'])) {
                            $sent = true;
                        }
                    }
                    if ($sent && !$this->write(self::frame($result))) {
                        return;
                    }
                } else {
                    if ($result['type'] === 'CONFIG_AND_INFOS') {
                        $config = $result['payload']['config'];
                    }
                    $sent = true;
                    if (!$this->write(self::frame($result))) {
                        return;
                    }
                    if ($result['type'] === 'EQUIPMENT_DISABLE' || $result['type'] === 'EXCEPTION') {
                        return;
                    }
                }
            }
            if (!$sent && ++$step >= 5) {
                $step = 0;
                if (!$this->write(self::frame(array('event' => 'heartbeat')))) {
                    return;
                }
            }
        }
    }

    public function serve($_apiKey, $_lastEventId = '') {
        $info = JeedomConnectDaemon::info();
        if ($info['state'] === 'ok' && $this->relay((string) $_apiKey, $_lastEventId)) {
            return 'relay';
        }
        $this->serveFallback((string) $_apiKey);
        return 'php';
    }
}
