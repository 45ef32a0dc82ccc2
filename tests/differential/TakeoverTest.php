<?php
/*
 * Takeover of an existing Jeedom Connect install in place (README "Over an existing Jeedom Connect install"): upstream
 * 1.20.6 is the installed plugin of the differential rig's second web root; its own code (Jeedom's ajax, its admin
 * ajax, its API) creates two phones - one WebSocket, one SSE - with a layout using a room, groups, a customisation,
 * a summary, a password-protected action, notification settings and a geofence; upstream's answers to CONNECT,
 * GET_CONFIG, GET_INFO and GET_EVENTS are recorded. Then the plugin is updated to ours as the market does it (our
 * files moved over upstream's, data/ and resources/ kept, old files purged, the new class's deamon_stop(), the update
 * hook, the dependency install, the daemon started through Jeedom): the same calls with the same apiKeys answer the
 * same layouts and values, each phone gets live values through our daemon in its mode, no process of the old daemon
 * is left, Jeedom's logs have no error line, queued actions and regenerated keys still answer; and moving
 * upstream's files back (rollback) answers the same phones and layouts.
 * Upstream's Python daemon cannot be installed here (its dependency script downloads from GitHub): a process with
 * its command line and pid file stands for it.
 */
class TakeoverTest extends JcDiffTestCase {
    private $plugin;
    private $saved;
    private $oldDaemon = null;

    protected function setUp(): void {
        parent::setUp();
        $this->plugin = JC_UPSTREAM_ENV['UP_WEB'] . '/plugins/JeedomConnect';
        // upstream's files as installed (kept to put them back at the end, whatever happens)
        $this->saved = JC_TEST_BASE . '/upstream-files.tar';
        $this->sh('tar -C ' . escapeshellarg($this->plugin) . ' -cf ' . escapeshellarg($this->saved) . ' .');
        // the daemon's callback: the web root the plugin under test is in
        config::save('internalPort', JC_UPSTREAM_ENV['UP_PORT']);
        config::save('deamonAutoMode', 0, 'JeedomConnect');
        // Jeedom's count of consecutive daemon starts, which the rig's minute cron may have raised between runs
        // (above 3, Jeedom writes an error line at the next start)
        config::save('deamonRestartNumber', 0, 'JeedomConnect');
    }

    protected function tearDown(): void {
        try {
            $this->step('deamon_stop');
        } catch (Throwable $e) {
        }
        if ($this->oldDaemon !== null) {
            $st = proc_get_status($this->oldDaemon);
            if ($st['running']) {
                posix_kill($st['pid'], 9);
            }
            proc_close($this->oldDaemon);
        }
        // upstream's web root as the rig made it, for the other differential tests
        $this->sh('rm -rf ' . escapeshellarg($this->plugin) . ' && mkdir -p ' . escapeshellarg($this->plugin)
            . ' && tar -C ' . escapeshellarg($this->plugin) . ' -xf ' . escapeshellarg($this->saved));
        foreach (cron::searchClassAndFunction('JeedomConnect', 'checkDaemon') as $c) {
            $c->remove();
        }
        foreach (cron::searchClassAndFunction('JeedomConnect', 'removeBackupFiles') as $c) {
            $c->remove();
        }
        parent::tearDown();
    }

    private function sh($_cmd) {
        exec($_cmd . ' 2>&1', $out, $rc);
        $this->assertSame(0, $rc, $_cmd . ': ' . implode("\n", $out));
        return $out;
    }

    /** One step of tests/differential/takeover-step.php in upstream's web root (whichever plugin is there). */
    private function step($_step, $_arg = null) {
        $cmd = 'cd ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' && php ' . escapeshellarg(__DIR__ . '/takeover-step.php') . ' '
            . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' ' . escapeshellarg($_step) . ($_arg === null ? '' : ' ' . escapeshellarg(json_encode($_arg)));
        exec($cmd . ' 2>&1', $out, $rc);
        $last = json_decode((string) end($out), true);
        $this->assertTrue(is_array($last) && array_key_exists('ok', $last), $_step . ': ' . implode("\n", $out));
        return $last['ok'];
    }

    /** A step that may end in an exception: [true, its result] or [false, the exception's message]. */
    private function stepOrError($_step, $_arg = null) {
        $cmd = 'cd ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' && php ' . escapeshellarg(__DIR__ . '/takeover-step.php') . ' '
            . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' ' . escapeshellarg($_step) . ($_arg === null ? '' : ' ' . escapeshellarg(json_encode($_arg)));
        exec($cmd . ' 2>&1', $out, $rc);
        $last = json_decode((string) end($out), true);
        $this->assertTrue(is_array($last) && (array_key_exists('ok', $last) || array_key_exists('error', $last)), $_step . ': ' . implode("\n", $out));
        return array_key_exists('ok', $last) ? array(true, $last['ok']) : array(false, $last['error']);
    }

    /** The upstream web root's API (upstream's plugin, then ours after the update). */
    private function api($_method, $_params) {
        return $this->upstream($_method, $_params);
    }

    private function connectParams($_eq, $_user, $_device) {
        return array('apiKey' => $_eq['apiKey'], 'deviceId' => $_device, 'deviceName' => 'Phone ' . $_device, 'token' => 'token-' . $_device,
            'userHash' => $_user->getHash(), 'appVersion' => '1.20.1', 'pluginRequire' => '1.20.0', 'platformOs' => 'android',
            'osVersion' => '14', 'appTypeVersion' => 'stable', 'buildVersion' => '1');
    }

    /** Jeedom's log files of the web root with their sizes (to read what is appended later). */
    private function logSizes() {
        $r = array();
        foreach ((array) glob(JC_UPSTREAM_ENV['UP_WEB'] . '/log/{,*/}*', GLOB_BRACE) as $f) {
            if (is_file($f)) {
                $r[$f] = filesize($f);
            }
        }
        return $r;
    }

    private function errorLinesSince($_sizes) {
        clearstatcache();
        $errors = array();
        foreach ($this->logSizes() as $f => $size) {
            $from = isset($_sizes[$f]) && $_sizes[$f] <= $size ? $_sizes[$f] : 0;
            foreach (explode("\n", (string) file_get_contents($f, false, null, $from)) as $line) {
                if (preg_match('/\[(ERROR|CRITICAL|ALERT|EMERGENCY)\]|PHP (Fatal|Warning|Parse)/i', $line)) {
                    $errors[] = basename($f) . ': ' . $line;
                }
            }
        }
        return $errors;
    }

    /** Processes of upstream's Python daemon (its module on the command line). */
    private static function oldDaemonProcesses() {
        $r = array();
        foreach ((array) glob('/proc/[0-9]*/cmdline') as $f) {
            $c = (string) @file_get_contents($f);
            if (strpos($c, 'resources.JeedomConnectd.JeedomConnectd') !== false && strpos($c, 'python') !== false) {
                $r[] = str_replace("\0", ' ', $c);
            }
        }
        return $r;
    }

    /** Upstream's daemon as its deamon_start() runs it: the venv's python, its module, its pid file. */
    private function startOldDaemon() {
        $venv = $this->plugin . '/resources/venv';
        @mkdir($venv . '/bin', 0775, true);
        file_put_contents($venv . '/pyvenv.cfg', "home = /usr/bin\ninclude-system-site-packages = false\n");
        @symlink(trim((string) shell_exec('command -v python3')), $venv . '/bin/python3');
        // started from the plugin's folder as upstream starts it (cd <plugin> && python -m ...); its module is
        // replaced by a bounded sleep (the real one needs packages from the network; the saved files keep it)
        $fake = $this->plugin;
        @mkdir($fake . '/resources/JeedomConnectd', 0775, true);
        touch($fake . '/resources/__init__.py');
        touch($fake . '/resources/JeedomConnectd/__init__.py');
        file_put_contents($fake . '/resources/JeedomConnectd/JeedomConnectd.py', "import time\ntime.sleep(120)\n");
        $pidFile = jeedom::getTmpFolder('JeedomConnect') . '/deamon.pid';
        $this->oldDaemon = proc_open(array($venv . '/bin/python3', '-m', 'resources.JeedomConnectd.JeedomConnectd', '--loglevel', 'error',
            '--socketport', (string) config::byKey('socketport', 'JeedomConnect'), '--websocketport', (string) config::byKey('port', 'JeedomConnect'),
            '--pid', $pidFile), array(0 => array('file', '/dev/null', 'r'), 1 => array('file', '/dev/null', 'w'), 2 => array('file', '/dev/null', 'w')), $pipes, $fake);
        $pid = proc_get_status($this->oldDaemon)['pid'];
        file_put_contents($pidFile, (string) $pid);
        $deadline = microtime(true) + 5;
        while (microtime(true) < $deadline && self::oldDaemonProcesses() === array()) {
            usleep(20000);
        }
        $this->assertCount(1, self::oldDaemonProcesses());
        return $pid;
    }

    /** The market's update: our files moved over upstream's (touched), data/ and resources/ kept, then the files
     * older than 7 days removed from the folders the market purges. */
    private function marketMove($_from) {
        $this->sh('tar -C ' . escapeshellarg($_from) . ' --exclude=./data --exclude=./resources/bin/jeedomconnectd -cf - . | tar -m -C '
            . escapeshellarg($this->plugin) . ' -xf -');
        foreach (array('3rdparty', 'desktop', 'mobile', 'core', 'docs', 'install', 'script', 'plugin_info') as $d) {
            if (is_dir($this->plugin . '/' . $d)) {
                $this->sh('find ' . escapeshellarg($this->plugin . '/' . $d) . ' -type f -mtime +7 -delete');
            }
        }
        // opcache (revalidate_freq 2 s) would still run the replaced files for up to 2 s
        sleep(3);
    }

    /** A minimal WebSocket client: handshake, text frames out, frames in (waitFor). */
    private static function wsExchange($_port, $_send) {
        $s = stream_socket_client('tcp://127.0.0.1:' . $_port, $errno, $err, 5);
        if (!$s) {
            throw new Exception('no WebSocket on ' . $_port . ': ' . $err);
        }
        fwrite($s, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
            . base64_encode(random_bytes(16)) . "\r\nSec-WebSocket-Version: 13\r\n\r\n");
        $head = '';
        while (strpos($head, "\r\n\r\n") === false && !feof($s)) {
            $head .= fread($s, 1);
        }
        if (strpos($head, ' 101 ') === false) {
            throw new Exception('WebSocket refused: ' . $head);
        }
        return new class($s, $_send) {
            public $messages = array();
            private $s;
            private $buf = '';

            public function __construct($_s, $_send) {
                $this->s = $_s;
                foreach ($_send as $m) {
                    $this->send($m);
                }
            }

            public function send($_m) {
                $p = json_encode($_m);
                $mask = random_bytes(4);
                $len = strlen($p);
                $h = chr(0x81) . ($len < 126 ? chr(0x80 | $len) : ($len < 65536 ? chr(0x80 | 126) . pack('n', $len) : chr(0x80 | 127) . pack('J', $len)));
                $masked = '';
                for ($i = 0; $i < $len; $i++) {
                    $masked .= $p[$i] ^ $mask[$i % 4];
                }
                fwrite($this->s, $h . $mask . $masked);
            }

            /** Reads frames until $_until(decoded message) is true (returns it) or 10 s pass (null). */
            public function waitFor($_until) {
                $deadline = microtime(true) + 10;
                stream_set_timeout($this->s, 0, 200000);
                while (microtime(true) < $deadline && !feof($this->s)) {
                    $this->buf .= (string) fread($this->s, 65536);
                    while (strlen($this->buf) >= 2) {
                        $len = ord($this->buf[1]) & 0x7f;
                        $off = 2;
                        if ($len === 126) {
                            $len = unpack('n', substr($this->buf, 2, 2))[1];
                            $off = 4;
                        } elseif ($len === 127) {
                            $len = unpack('J', substr($this->buf, 2, 8))[1];
                            $off = 10;
                        }
                        if (strlen($this->buf) < $off + $len) {
                            break;
                        }
                        $op = ord($this->buf[0]) & 0x0f;
                        $payload = substr($this->buf, $off, $len);
                        $this->buf = (string) substr($this->buf, $off + $len);
                        if ($op === 1) {
                            $m = json_decode($payload, true);
                            $this->messages[] = $m;
                            if ($_until($m)) {
                                return $m;
                            }
                        } elseif ($op === 8) {
                            return null;
                        }
                    }
                }
                return null;
            }

            public function close() {
                fclose($this->s);
            }
        };
    }

    /** Reads the daemon's SSE stream of a phone until a data line satisfies $_until or 10 s pass. */
    private static function sseWait($_port, $_apiKey, $_until, $_afterOpen) {
        $s = stream_socket_client('tcp://127.0.0.1:' . $_port, $errno, $err, 5);
        fwrite($s, 'GET /sse?apiKey=' . $_apiKey . " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
        stream_set_timeout($s, 0, 200000);
        $deadline = microtime(true) + 10;
        $buf = '';
        $seen = array();
        $opened = false;
        while (microtime(true) < $deadline && !feof($s)) {
            $buf .= (string) fread($s, 65536);
            while (($p = strpos($buf, "\n")) !== false) {
                $line = rtrim(substr($buf, 0, $p), "\r");
                $buf = substr($buf, $p + 1);
                if (strpos($line, 'data:') !== 0) {
                    continue;
                }
                $d = json_decode(trim(substr($line, 5)), true);
                if (is_string($d)) {
                    $d = json_decode($d, true);
                }
                $seen[] = $d;
                if (!$opened) {
                    $opened = true;
                    $_afterOpen();
                }
                if (is_array($d) && $_until($d)) {
                    fclose($s);
                    return $d;
                }
            }
        }
        fclose($s);
        throw new Exception('SSE: not seen within 10 s; got ' . substr(json_encode($seen), 0, 2000));
    }

    /** [cmd id => value] of the cmdInfo entries of a message (SET_INFO, SET_EVENTS, or a single CMD_INFO). */
    private static function cmdValues($_m) {
        $r = array();
        $walk = function ($v) use (&$walk, &$r) {
            if (!is_array($v)) {
                return;
            }
            if (isset($v['id'], $v['value']) && !is_array($v['value']) && isset($v['type']) === false) {
                $r[(string) $v['id']] = (string) $v['value'];
            }
            foreach ($v as $x) {
                $walk($x);
            }
        };
        $walk($_m);
        return $r;
    }

    /**
     * WELCOME keys where this plugin answers otherwise than upstream on purpose (docs/api-methods.md, "Connection"):
     * masked on both sides here, each one named, so that any other difference fails.
     */
    const DOCUMENTED_DIFFERENCES = array(
        'result.payload.links' => 'upstream\'s documentation links, ours plugin_info/links.json',
        'result.payload.pluginConfig.wsAddress' => 'upstream sends its stored address (default port 8090), ours the daemon\'s port',
        'result.payload.pluginConfig.internalWsAddress' => 'same',
    );

    /** Volatile fields and documented differences masked. */
    private static function comparable($_answer, $_mask) {
        return self::masked($_answer, array_merge($_mask, array_keys(self::DOCUMENTED_DIFFERENCES)));
    }

    private static function sortedList($_l) {
        sort($_l);
        return $_l;
    }

    public function testUpdateOverUpstreamKeepsEveryPhoneAndRollbackFindsItsData() {
        // --- upstream 1.20.6 installed, its data created by its own code
        $t0 = time() - 2;
        $this->step('upstream-install');
        // the install was done long ago: the market purges what is older than 7 days
        $this->sh('find ' . escapeshellarg($this->plugin) . ' -type f -exec touch -d "30 days ago" {} +');
        $this->user('tkadmin', 'admin');
        $web = new JcCoreHttp('tkadmin', 'pw-tkadmin', JC_UPSTREAM_ENV['UP_URL']);
        $owner = $this->user('tkowner', 'admin');
        $room = new jeeObject();
        $room->setName('Salon')->setIsVisible(1)->save();
        $temp = $this->infoCmd('Temp', '21.5', 1);
        $light = $this->infoCmd('Lumière', '1', 0, 'binary');
        $on = $this->actionCmd($light, 'On');
        $off = $this->actionCmd($light, 'Off');
        $eqs = array();
        foreach (array('ws' => array('useWs' => '1', 'polling' => '0'), 'sse' => array('useWs' => '0', 'polling' => '0')) as $mode => $conf) {
            // Jeedom's equipment page: created, then saved with its settings
            $saved = $web->ajax('core/ajax/eqLogic.ajax.php', array('action' => 'save', 'type' => 'JeedomConnect',
                'eqLogic' => json_encode(array(array('name' => 'Phone ' . $mode, 'isEnable' => '1', 'object_id' => $room->getId(),
                    'configuration' => $conf + array('userId' => $owner->getId(), 'type' => 'mobile'))))));
            $id = $saved['id'] ?? ($saved[0]['id'] ?? null);
            $this->assertNotNull($id, json_encode($saved));
            $eq = eqLogic::byId($id);
            $eqs[$mode] = array('id' => (int) $id, 'apiKey' => $eq->getLogicalId());
            $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $eqs[$mode]['apiKey'], 'upstream gave the phone its apiKey');
        }
        // global widgets (upstream's widget editor)
        $wTemp = $web->ajax('plugins/JeedomConnect/core/ajax/jeedomConnect.ajax.php', array('action' => 'saveWidgetConfig', 'eqId' => '',
            'widgetJC' => json_encode(array('type' => 'generic-info-numeric', 'name' => 'Température', 'enable' => true, 'room' => (int) $room->getId(),
                'statusInfo' => array('id' => (string) $temp->getId(), 'type' => 'info', 'subType' => 'numeric', 'humanName' => $temp->getHumanName())))))['id'];
        $wLight = $web->ajax('plugins/JeedomConnect/core/ajax/jeedomConnect.ajax.php', array('action' => 'saveWidgetConfig', 'eqId' => '',
            'widgetJC' => json_encode(array('type' => 'generic-switch', 'name' => 'Plafonnier', 'enable' => true, 'room' => (int) $room->getId(),
                'security' => 'password',
                'statusInfo' => array('id' => (string) $light->getId(), 'type' => 'info', 'subType' => 'binary'),
                'onAction' => array('id' => (string) $on->getId(), 'type' => 'action', 'subType' => 'other'),
                'offAction' => array('id' => (string) $off->getId(), 'type' => 'action', 'subType' => 'other')))))['id'];
        foreach ($eqs as $mode => $eq) {
            // upstream's layout assistant: tab, section, group, room, summary, widget references
            $layout = array('type' => 'JEEDOM_CONFIG', 'formatVersion' => '1.0', 'idCounter' => 5, 'payload' => array('configVersion' => 1,
                'tabs' => array(array('id' => 0, 'index' => 0, 'name' => 'Maison', 'icon' => array('source' => 'md', 'name' => 'home'), 'enable' => true)),
                'sections' => array(array('id' => 1, 'parentId' => 0, 'index' => 0, 'name' => 'Salon', 'enable' => true)),
                'rooms' => array(array('id' => (int) $room->getId(), 'index' => 0, 'name' => 'Salon')),
                'groups' => array(array('id' => 999001, 'parentId' => 1, 'index' => 0, 'name' => 'Lumières', 'expanded' => true, 'enable' => true)),
                'summaries' => array(array('index' => 0, 'enable' => true, 'key' => 'temperature', 'name' => 'Température',
                    'image' => array('source' => 'jeedom', 'name' => 'jeedom-thermometre'))),
                'widgets' => array(array('id' => (int) $wLight, 'widgetId' => 2, 'parentId' => 999001, 'index' => 0),
                    array('id' => (int) $wTemp, 'widgetId' => 3, 'parentId' => 1, 'index' => 1)),
                'background' => new stdClass(), 'weather' => new stdClass()));
            $web->ajax('plugins/JeedomConnect/core/ajax/jeedomConnect.ajax.php', array('action' => 'saveConfig', 'apiKey' => $eq['apiKey'], 'config' => json_encode($layout)));
            // the action password, on the equipment page
            $web->ajax('core/ajax/eqLogic.ajax.php', array('action' => 'save', 'type' => 'JeedomConnect',
                'eqLogic' => json_encode(array(array('id' => $eq['id'], 'configuration' => array('pwdAction' => '4321', 'pwdChanged' => 'true'))))));
            // notification settings (upstream's notification manager): a channel and a critical notification
            $web->ajax('plugins/JeedomConnect/core/ajax/jeedomConnect.ajax.php', array('action' => 'saveNotifs', 'apiKey' => $eq['apiKey'],
                'config' => json_encode(array('idCounter' => 2, 'channels' => array(array('id' => 'default', 'name' => 'Défaut'), array('id' => 'channel-1', 'name' => 'Alarme')),
                    'notifs' => array(array('id' => 'defaultNotif', 'name' => 'Notification', 'channel' => 'default', 'index' => 0),
                        array('id' => 'notif-2', 'name' => 'Alerte', 'channel' => 'channel-1', 'index' => 1, 'critical' => true, 'criticalVolume' => 0.8)),
                    'defaultForAutomation' => 'defaultNotif'))));
        }
        $user = user::byId($owner->getId());
        foreach ($eqs as $mode => $eq) {
            $this->assertSame('WELCOME', $this->api('CONNECT', $this->connectParams($eq, $user, 'dev-' . $mode))['result']['type'] ?? null, $mode);
        }
        // the app's own calls: a customisation and a geofence (upstream's API)
        $this->api('SET_CUSTOM_WIDGETS', array('apiKey' => $eqs['ws']['apiKey'],
            'customWidgetList' => array(array('widgetId' => 3, 'name' => 'Salon (perso)', 'hideName' => true))));
        $this->api('ADD_GEOFENCE', array('apiKey' => $eqs['ws']['apiKey'], 'geofence' => array('identifier' => 'home-1', 'extras' => array('name' => 'Maison'),
            'latitude' => 45.764043, 'longitude' => 4.835659, 'radius' => 150), 'coordinates' => array('latitude' => 45.76405, 'longitude' => 4.83566)));
        // a regenerated apiKey (upstream's admin ajax): the old key hands the new one over once
        $oldKey = $eqs['sse']['apiKey'];
        $eqs['sse']['apiKey'] = $web->ajax('plugins/JeedomConnect/core/ajax/jeedomConnect.ajax.php', array('action' => 'regenerateApiKey',
            'eqId' => $eqs['sse']['id'], 'apiKey' => $oldKey))['newapikey'];
        $this->assertNotSame($oldKey, $eqs['sse']['apiKey']);
        $this->api('CONNECT', $this->connectParams($eqs['sse'], $user, 'dev-sse'));

        // --- what upstream answers
        $calls = function ($eq, $version = null) use ($t0) {
            $e = eqLogic::byId($eq['id']);
            return array(
                'GET_CONFIG' => array('apiKey' => $eq['apiKey']),
                'GET_INFO' => array('apiKey' => $eq['apiKey']),
                'GET_EVENTS' => array('apiKey' => $eq['apiKey'], 'configVersion' => $version === null ? (int) $e->getConfiguration('configVersion') : $version,
                    'lastReadTimestamp' => $t0, 'lastHistoricReadTimestamp' => $t0),
            );
        };
        $recorded = array();
        foreach ($eqs as $mode => $eq) {
            $recorded[$mode]['CONNECT'] = $this->api('CONNECT', $this->connectParams($eq, $user, 'dev-' . $mode));
            foreach ($calls($eq) as $method => $params) {
                $recorded[$mode][$method] = $this->api($method, $params);
            }
        }
        $cfg = $recorded['ws']['GET_CONFIG']['result']['payload']['payload'];
        $this->assertSame('4321', $cfg['password']);
        $this->assertSame(array(999001), array_column($cfg['groups'], 'id'));
        $this->assertSame('Salon (perso)', $cfg['customData']['widgets']['3']['name'] ?? null, json_encode($cfg['customData']));
        $this->assertSame(array('temperature'), array_column($cfg['summaries'], 'key'));
        $this->assertSame('password', $cfg['widgets'][0]['security'] ?? null);
        $geofence = cmd::byEqLogicIdAndLogicalId($eqs['ws']['id'], 'geofence_home-1');
        $this->assertTrue(is_object($geofence), 'upstream created the geofence command');
        // a queued action (upstream's toaster command of the connected phone), waiting for the phone's next GET_EVENTS
        $this->step('exec', array('id' => (int) cmd::byEqLogicIdAndLogicalId($eqs['sse']['id'], 'toaster')->getId(), 'options' => array('message' => 'Bienvenue')));
        $this->assertCount(1, config::searchKey('action::', 'JeedomConnect'), 'upstream queued the action');
        $oldPid = $this->startOldDaemon();
        $cmdsBefore = array();
        foreach ($eqs as $mode => $eq) {
            foreach (cmd::byEqLogicId($eq['id']) as $c) {
                $cmdsBefore[$mode][$c->getLogicalId()] = $c->getId();
            }
        }

        // --- the update, as the market does it
        $logs = $this->logSizes();
        // (error lines are written whatever the log level; a log file created later is read from its start)
        $this->assertNotEmpty($logs, 'Jeedom\'s logs are where this test reads them');
        $this->marketMove(JC_TEST_PLUGIN);
        $this->step('deamon_stop');
        $this->step('update');
        $this->sh('bash ' . escapeshellarg($this->plugin . '/resources/install_daemon.sh') . ' ' . escapeshellarg(JC_TEST_BASE . '/dep-progress'));
        $dep = $this->step('dependancy_info');
        $this->assertSame('ok', $dep['state'], json_encode($dep));

        // no process of the old daemon, nor its environment
        $this->assertFalse(posix_getsid($oldPid) !== false && strpos((string) @file_get_contents('/proc/' . $oldPid . '/cmdline'), 'JeedomConnectd') !== false, 'the old daemon is stopped');
        $this->assertSame(array(), self::oldDaemonProcesses());
        $this->assertDirectoryDoesNotExist($this->plugin . '/resources/venv', 'upstream\'s Python environment is removed');
        // the phones' data kept
        foreach ($eqs as $mode => $eq) {
            $this->assertFileExists($this->plugin . '/data/configs/' . $eq['apiKey'] . '.json');
            $this->assertFileExists($this->plugin . '/data/notifs/' . $eq['apiKey'] . '.json');
            foreach ($cmdsBefore[$mode] as $logicalId => $id) {
                $this->assertTrue(is_object(cmd::byId($id)), $mode . ' command ' . $logicalId . ' kept');
            }
        }

        // the queued action and the regenerated key
        $this->api('CONNECT', $this->connectParams($eqs['sse'], $user, 'dev-sse'));
        $events = $this->api('GET_EVENTS', $calls($eqs['sse'])['GET_EVENTS']);
        $this->assertSame('ACTIONS', $events['result']['type'] ?? null, json_encode($events));
        $this->assertStringContainsString('Bienvenue', json_encode($events), 'the queued action is delivered');
        $this->assertSame(array('type' => 'SET_NEW_APIKEY', 'payload' => array('apiKey' => $eqs['sse']['apiKey'])),
            $this->api('GET_NEW_APIKEY', array('apiKey' => $oldKey))['result']);

        // --- the same calls, the same apiKeys: the same layouts and values (before the daemon starts: through it,
        // GET_EVENTS does not see the events older than its start)
        $mask = array('result.payload.configVersion', 'result.payload.payload.configVersion', 'result.payload.pluginVersion',
            'result.payload.pluginConfig.pluginJeedomVersion', 'result.payload.jeedomVersion',
            'result.payload.*.time', 'result.payload.lastReadTimestamp', 'result.payload.0.payload', 'result.payload.1.payload');
        foreach ($eqs as $mode => $eq) {
            $answers = array('CONNECT' => $this->api('CONNECT', $this->connectParams($eq, $user, 'dev-' . $mode)));
            foreach ($calls($eq) as $method => $params) {
                $answers[$method] = $this->api($method, $params);
            }
            // the phone still has the layout version of before the update: it is told to reload its layout
            $version = (int) $recorded[$mode]['GET_CONFIG']['result']['payload']['payload']['configVersion'];
            $reload = $this->api('GET_EVENTS', $calls($eq, $version)['GET_EVENTS']);
            $this->assertSame('CONFIG_AND_INFOS', $reload['result']['type'] ?? null, $mode . ' ' . json_encode($reload));
            foreach ($answers as $method => $our) {
                $up = $recorded[$mode][$method];
                $this->assertSame(self::comparable($up, $mask), self::comparable($our, $mask),
                    $mode . ' ' . $method . ": ours differs from upstream's answer before the update\nupstream: " . json_encode($up) . "\nours:     " . json_encode($our));
            }
            $this->assertSame((int) $recorded[$mode]['GET_CONFIG']['result']['payload']['payload']['configVersion'] + 1,
                (int) $answers['GET_CONFIG']['result']['payload']['payload']['configVersion'], $mode . ': one bump by the update');
        }

        // --- our daemon, started through Jeedom: the same layouts, and live values for each phone in its mode
        $info = $this->step('deamon_start');
        $this->assertSame('ok', $info['state'], json_encode($info));
        $this->assertSame(array(), self::oldDaemonProcesses());
        foreach ($eqs as $mode => $eq) {
            // (not GET_EVENTS from a read time before the daemon's first start: its journal has nothing that old and
            // answers no change - see README, "Over an existing Jeedom Connect install")
            foreach (array('GET_CONFIG', 'GET_INFO') as $method) {
                $our = $this->api($method, $calls($eq)[$method]);
                $this->assertSame(self::comparable($recorded[$mode][$method], $mask), self::comparable($our, $mask),
                    $mode . ' ' . $method . " with the daemon\nupstream: " . json_encode($recorded[$mode][$method]) . "\nours:     " . json_encode($our));
            }
        }
        $port = (int) config::byKey('port', 'JeedomConnect');
        $ws = self::wsExchange($port, array(array('jsonrpc' => '2.0', 'id' => 'c1', 'method' => 'CONNECT',
            'params' => $this->connectParams($eqs['ws'], $user, 'dev-ws'))));
        $this->assertNotNull($ws->waitFor(function ($m) {
            return ($m['type'] ?? null) === 'WELCOME';
        }), 'WebSocket WELCOME: ' . json_encode($ws->messages));
        $this->step('event', array('id' => (int) $temp->getId(), 'value' => '23.5'));
        $tid = (string) $temp->getId();
        $this->assertNotNull($ws->waitFor(function ($m) use ($tid) {
            return (self::cmdValues($m)[$tid] ?? null) === '23.5';
        }), 'WebSocket frame with the new value: ' . json_encode($ws->messages));
        $ws->close();
        $got = self::sseWait($port, $eqs['sse']['apiKey'], function ($d) use ($tid) {
            return (self::cmdValues($d)[$tid] ?? null) === '24';
        }, function () use ($temp) {
            $this->step('event', array('id' => (int) $temp->getId(), 'value' => '24'));
        });
        $this->assertNotNull($got);

        // every command upstream created either acts or logs a clear error
        $this->assertSame(array(), $this->errorLinesSince($logs), 'Jeedom\'s logs have no error line after the update');

        // --- every action command upstream created on a phone acts (queues its order, changes the phone) or logs a
        // clear error; without the daemon, queued orders are kept in action::<n>
        $this->step('deamon_stop');
        $this->api('SET_CUSTOM_WIDGETS', array('apiKey' => $eqs['sse']['apiKey'], 'customWidgetList' => array(array('widgetId' => 3, 'name' => 'x'))));
        $outcome = array();
        foreach ($cmdsBefore['sse'] as $logicalId => $id) {
            $cmd = cmd::byId($id);
            if ($cmd->getType() !== 'action') {
                continue;
            }
            $before = array(count(config::searchKey('action::', 'JeedomConnect')), json_encode(eqLogic::byId($eqs['sse']['id'])->getConfiguration()));
            $sizes = $this->logSizes();
            list($ran) = $this->stepOrError('exec', array('id' => (int) $id, 'options' => array('title' => $logicalId === 'tts' ? '50' : 'music', 'message' => $logicalId === 'eraseData' ? 'erase' : ($logicalId === 'remove_custo' ? '3' : '1'))));
            $errors = $this->errorLinesSince($sizes);
            $after = array(count(config::searchKey('action::', 'JeedomConnect')), json_encode(eqLogic::byId($eqs['sse']['id'])->getConfiguration()));
            // an error is an exception of the command with its line in the log, or the line alone
            $this->assertTrue($ran || count($errors) > 0, $logicalId . ': an exception without its error line');
            $outcome[$logicalId] = count($errors) > 0 ? 'error' : ($after !== $before ? 'acted' : 'silent');
        }
        $this->assertNotEmpty($outcome);
        $this->assertSame(array(), array_keys($outcome, 'silent', true), 'silent commands: ' . json_encode($outcome));
        // the notifications fail here with their error (the sender program is not on the test machine, it comes
        // from the network: docs/notifications.md); every other command acts
        $this->assertSame(array('defaultNotif', 'notif-2', 'notifall'),
            self::sortedList(array_keys($outcome, 'error', true)), json_encode($outcome));

        // --- rollback: upstream's files moved back; upstream reads what our plugin last wrote (the survey above
        // changed the layouts: menus shown/hidden, a customisation removed)
        $last = array();
        foreach ($eqs as $mode => $eq) {
            $last[$mode] = $this->api('GET_CONFIG', array('apiKey' => $eq['apiKey']));
        }
        $this->sh('rm -rf ' . escapeshellarg(JC_TEST_BASE . '/upstream-again') . ' && mkdir -p ' . escapeshellarg(JC_TEST_BASE . '/upstream-again')
            . ' && tar -C ' . escapeshellarg(JC_TEST_BASE . '/upstream-again') . ' -xf ' . escapeshellarg($this->saved));
        $this->marketMove(JC_TEST_BASE . '/upstream-again');
        foreach ($eqs as $mode => $eq) {
            $up = $this->api('GET_CONFIG', array('apiKey' => $eq['apiKey']));
            $this->assertSame(self::comparable($last[$mode], $mask), self::comparable($up, $mask), $mode . ': upstream again, the same layout');
            $w = $this->api('CONNECT', $this->connectParams($eq, $user, 'dev-' . $mode));
            $this->assertSame('WELCOME', $w['result']['type'] ?? null, json_encode($w));
        }
    }
}
