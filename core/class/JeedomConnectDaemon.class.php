<?php
/*
 * JeedomConnect - management of the native daemon jeedomconnectd (Jeedom's deamon_info/start/stop contract).
 * The binary is resources/bin/jeedomconnectd (env JEEDOMCONNECTD_BIN overrides it, for tests). The plugin key goes
 * to the daemon in the environment (JEEDOMCONNECTD_APIKEY), never on the command line. The daemon writes and removes
 * its pid file itself; PHP reads it, checks the process with posix_getsid, stops it with SIGTERM then SIGKILL, and
 * never kills by process name.
 */
class JeedomConnectDaemon {
    const LOG = 'JeedomConnect_daemon';
    const START_TIMEOUT = 10.0;
    const STOP_TIMEOUT = 5.0;

    private static $versionMemo = array();

    public static function binaryPath() {
        $env = getenv('JEEDOMCONNECTD_BIN');
        if ($env !== false && $env !== '') {
            return $env;
        }
        return realpath(__DIR__ . '/../..') . '/resources/bin/jeedomconnectd';
    }

    public static function pidFile() {
        return jeedom::getTmpFolder('JeedomConnect') . '/deamon.pid';
    }

    public static function dataDir() {
        $dir = realpath(__DIR__ . '/../..') . '/data/daemon';
        if (!is_dir($dir)) {
            @mkdir($dir, 0770, true);
        }
        // The journal (and its -wal/-shm files) holds the phones' apiKeys: never served by the web server.
        if (!is_file($dir . '/.htaccess')) {
            @file_put_contents($dir . '/.htaccess', "Require all denied\n");
        }
        return $dir;
    }

    /** 'jeedomconnectd <semver>' => '<semver>'; null when the binary is missing or does not run. */
    public static function binaryVersion($_path = null) {
        $path = $_path === null ? self::binaryPath() : $_path;
        if (!is_file($path) || !is_executable($path)) {
            return null;
        }
        clearstatcache(true, $path);
        $memoKey = $path . '|' . filemtime($path) . '|' . filesize($path);
        if (array_key_exists($memoKey, self::$versionMemo)) {
            return self::$versionMemo[$memoKey];
        }
        $version = null;
        $proc = @proc_open(array($path, '--version'), array(0 => array('file', '/dev/null', 'r'), 1 => array('pipe', 'w'), 2 => array('file', '/dev/null', 'w')), $pipes);
        if (is_resource($proc)) {
            $out = stream_get_contents($pipes[1]);
            fclose($pipes[1]);
            $rc = proc_close($proc);
            if ($rc === 0 && preg_match('/^jeedomconnectd\s+(\S+)/m', (string) $out, $m)) {
                $version = $m[1];
            }
        }
        self::$versionMemo[$memoKey] = $version;
        return $version;
    }

    public static function readPid() {
        $file = self::pidFile();
        if (!is_file($file)) {
            return 0;
        }
        return (int) trim((string) @file_get_contents($file));
    }

    public static function processAlive($_pid) {
        if ($_pid <= 0 || @posix_getsid($_pid) === false) {
            return false;
        }
        $stat = @file_get_contents('/proc/' . $_pid . '/stat');
        if ($stat !== false && preg_match('/\)\s+([A-Za-z])/', $stat, $m) && ($m[1] === 'Z' || $m[1] === 'X')) {
            return false;
        }
        return true;
    }

    /** The pid really is our daemon (guards against a recycled pid); true when /proc cannot tell. */
    private static function isOurProcess($_pid) {
        $cmdline = @file_get_contents('/proc/' . $_pid . '/cmdline');
        if ($cmdline === false || $cmdline === '') {
            return true;
        }
        return strpos($cmdline, 'jeedomconnectd') !== false || strpos($cmdline, basename(self::binaryPath())) !== false;
    }

    public static function info() {
        $return = array('log' => 'JeedomConnect', 'state' => 'nok', 'launchable' => 'nok');
        $pid = self::readPid();
        if ($pid > 0 && self::processAlive($pid)) {
            // the same pid file as the previous plugin's Python daemon (same plugin id), or a recycled pid: only our
            // daemon is "ok"; the file stays for stop(), which ends the previous daemon by it
            if (self::isOurProcess($pid) && !self::isUpstreamProcess($pid)) {
                $return['state'] = 'ok';
            }
        } elseif (is_file(self::pidFile())) {
            @unlink(self::pidFile());
        }
        $bin = self::binaryPath();
        // resources/install_daemon.sh leaves the reason of its last failure beside the binary.
        $installError = is_file($bin . '.install-error') ? trim((string) @file_get_contents($bin . '.install-error')) : '';
        if ($installError !== '') {
            $return['launchable_message'] = __('Installation du démon impossible', __FILE__) . ' : ' . $installError;
        } elseif (!is_file($bin)) {
            $return['launchable_message'] = __('Le démon n\'est pas installé, relancez les dépendances', __FILE__);
        } elseif (!is_executable($bin)) {
            $return['launchable_message'] = __('Le démon n\'est pas exécutable, relancez les dépendances', __FILE__);
        } elseif (self::binaryVersion($bin) === null) {
            $return['launchable_message'] = __('Le démon ne démarre pas (--version), relancez les dépendances', __FILE__);
        } else {
            $return['launchable'] = 'ok';
        }
        return $return;
    }

    /** Command line (no secret in it). */
    public static function commandLine() {
        $args = array(
            self::binaryPath(),
            '--loglevel', JeedomConnectConfig::daemonLogLevel(),
            '--socketport', (string) JeedomConnectConfig::socketPort(),
            '--websocketport', (string) JeedomConnectConfig::port(),
            '--callback', JeedomConnectConfig::callbackUrl(),
            '--pid', self::pidFile(),
            '--data-dir', self::dataDir(),
        );
        $bind = JeedomConnectConfig::bindAddress();
        if ($bind !== '') {
            $args[] = '--bind';
            $args[] = $bind;
        }
        return implode(' ', array_map('escapeshellarg', $args));
    }

    public static function start() {
        self::stop();
        $info = self::info();
        if ($info['launchable'] !== 'ok') {
            throw new Exception(__('Veuillez vérifier la configuration', __FILE__) . ' : ' . (isset($info['launchable_message']) ? $info['launchable_message'] : ''));
        }
        JeedomConnectConfig::restoreLogLevelAfterActivation();
        $cmd = self::commandLine();
        log::add('JeedomConnect', 'info', 'Lancement du démon : ' . $cmd);
        $env = getenv();
        if (!is_array($env)) {
            $env = array();
        }
        $env['JEEDOMCONNECTD_APIKEY'] = jeedom::getApiKey('JeedomConnect');
        // the daemon stamps its log lines in local time: Jeedom's time zone, as Jeedom's own logs (not the machine's)
        $tz = (string) config::byKey('timezone');
        $env['TZ'] = $tz !== '' && in_array($tz, timezone_identifiers_list(), true) ? $tz : date_default_timezone_get();
        $descriptors = array(0 => array('file', '/dev/null', 'r'), 1 => array('file', '/dev/null', 'w'), 2 => array('file', '/dev/null', 'w'));
        $proc = proc_open($cmd . ' >> ' . escapeshellarg(log::getPathToLog(self::LOG)) . ' 2>&1 &', $descriptors, $pipes, null, $env);
        if (is_resource($proc)) {
            proc_close($proc);
        }
        $deadline = microtime(true) + self::START_TIMEOUT;
        while (microtime(true) < $deadline) {
            $info = self::info();
            if ($info['state'] === 'ok') {
                break;
            }
            usleep(100000);
        }
        if ($info['state'] !== 'ok') {
            log::add('JeedomConnect', 'error', __('Impossible de lancer le démon, vérifiez le log', __FILE__), 'unableStartDeamon');
            return false;
        }
        message::removeAll('JeedomConnect', 'unableStartDeamon');
        // the control socket may open a moment after the pid file: give it up to 3 s for the full device set
        $deadline = microtime(true) + 3.0;
        do {
            if (JeedomConnectDevice::sendAll()) {
                break;
            }
            usleep(100000);
        } while (microtime(true) < $deadline);
        return true;
    }

    /** The Python daemon of the plugin this one replaces (same plugin id, so same pid file): its command line runs
     * the module resources.JeedomConnectd.JeedomConnectd (python -m) from this plugin's folder (its working
     * directory), or the script resources/JeedomConnectd/JeedomConnectd.py of this plugin's folder. A process of
     * the same shape belonging to another Jeedom on the machine (another folder) is not ours to stop. */
    public static function isUpstreamProcess($_pid) {
        $cmdline = @file_get_contents('/proc/' . (int) $_pid . '/cmdline');
        if (!is_string($cmdline) || $cmdline === '') {
            return false;
        }
        $args = explode("\0", rtrim($cmdline, "\0"));
        if (count($args) < 2 || !preg_match('#(^|/)python[0-9.]*$#', $args[0])) {
            return false;
        }
        $cwd = @readlink('/proc/' . (int) $_pid . '/cwd');
        $plugin = realpath(__DIR__ . '/../..');
        if (!is_string($cwd) || $cwd === '' || $plugin === false) {
            return false;
        }
        // an update that replaced the plugin's folder leaves the old process in the removed one
        $cwd = preg_replace('# \(deleted\)$#', '', $cwd);
        foreach ($args as $i => $a) {
            if ($a === '-m' && isset($args[$i + 1]) && $args[$i + 1] === 'resources.JeedomConnectd.JeedomConnectd') {
                return $cwd === $plugin;
            }
            if ($i === 1 && preg_match('#(^|/)JeedomConnectd\.py$#', $a)) {
                $script = $a[0] === '/' ? $a : $cwd . '/' . $a;
                $real = realpath($script);
                return ($real !== false ? $real : $script) === $plugin . '/resources/JeedomConnectd/JeedomConnectd.py';
            }
        }
        return false;
    }

    /** SIGTERM, then SIGKILL after STOP_TIMEOUT. */
    private static function terminate($_pid) {
        @posix_kill($_pid, 15);
        $deadline = microtime(true) + self::STOP_TIMEOUT;
        while (microtime(true) < $deadline && self::processAlive($_pid)) {
            usleep(50000);
        }
        if (self::processAlive($_pid)) {
            log::add('JeedomConnect', 'warning', 'Le démon ne s\'arrête pas (SIGTERM), envoi de SIGKILL');
            @posix_kill($_pid, 9);
            $deadline = microtime(true) + 2.0;
            while (microtime(true) < $deadline && self::processAlive($_pid)) {
                usleep(50000);
            }
        }
    }

    /** Removes a file or a folder and everything under it; a symbolic link is removed, never followed. */
    public static function removeTree($_path) {
        if (is_link($_path) || !is_dir($_path)) {
            return @unlink($_path);
        }
        $names = @scandir($_path);
        if ($names === false) {
            return false;
        }
        $ok = true;
        foreach ($names as $name) {
            if ($name !== '.' && $name !== '..') {
                $ok = self::removeTree($_path . '/' . $name) && $ok;
            }
        }
        return @rmdir($_path) && $ok;
    }

    /** Stops every process of the previous plugin's Python daemon (after an update it still holds the ports). */
    public static function stopUpstream() {
        $stopped = 0;
        foreach ((array) glob('/proc/[0-9]*', GLOB_ONLYDIR) as $dir) {
            $pid = (int) basename($dir);
            if ($pid !== getmypid() && self::isUpstreamProcess($pid) && self::processAlive($pid)) {
                log::add('JeedomConnect', 'info', 'Arrêt de l\'ancien démon Python (pid ' . $pid . ')');
                self::terminate($pid);
                $stopped++;
            }
        }
        return $stopped;
    }

    public static function stop() {
        $pid = self::readPid();
        if ($pid > 0 && self::processAlive($pid) && (self::isOurProcess($pid) || self::isUpstreamProcess($pid))) {
            self::terminate($pid);
        }
        self::stopUpstream();
        if (is_file(self::pidFile()) && !self::processAlive(self::readPid())) {
            @unlink(self::pidFile());
        }
        return true;
    }

    /** Minute cron: restarts a daemon that is down while Jeedom manages it automatically ("Gestion automatique"),
     * through the core's own plugin->deamon_start(false, true) - the path of Jeedom's 5-minute daemon check, with its
     * checks (automatic mode, launchable, not running) and its 45 s anti-relaunch guard. Returns true when it asked
     * for a start. */
    public static function watchdog() {
        if ((int) config::byKey('deamonAutoMode', 'JeedomConnect', 1) !== 1) {
            return false;
        }
        $info = self::info();
        if ($info['state'] === 'ok' || $info['launchable'] !== 'ok') {
            return false;
        }
        log::add('JeedomConnect', 'warning', __('Le démon ne tourne pas : relance par la tâche de surveillance', __FILE__));
        plugin::byId('JeedomConnect')->deamon_start(false, true);
        return true;
    }

    /** Binary present and its --version equals the plugin version (dependency check). */
    public static function dependencyOk() {
        $v = self::binaryVersion();
        return $v !== null && $v === JeedomConnectConfig::pluginVersion();
    }
}
