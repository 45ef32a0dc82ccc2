<?php
/*
 * JeedomConnect - plugin configuration: keys, defaults derived from Jeedom's network settings and the configured
 * port, the PLUGIN_CONFIG payload, the plugin version, and what happens when the configuration page saves
 * (changed address/port => every QR code regenerated, running daemon restarted once at the end of the request).
 */
class JeedomConnectConfig {
    const PLUGIN = 'JeedomConnect';
    const DEFAULT_PORT = 8090;
    const DEFAULT_SOCKETPORT = 58090;

    /** keys whose change must regenerate the QR codes */
    private static $qrKeys = array('httpUrl', 'internHttpUrl', 'wsAddress', 'internWsAddress', 'port', 'wsThroughJeedom');
    /** keys whose change must restart a running daemon */
    private static $daemonKeys = array('port', 'socketport', 'daemonLog', 'httpUrl', 'internHttpUrl', 'wsAddress', 'internWsAddress',
        'wsThroughJeedom', 'wsLoopbackOnly');
    /** keys stored as checkboxes ('1'/'0') */
    private static $boolKeys = array('wsThroughJeedom', 'wsLoopbackOnly');

    private static $pendingRestart = false;
    private static $shutdownRegistered = false;
    private static $before = array();

    /** The plugin's key, or $_default when empty. The default is applied here, not given to config::byKey(): Jeedom
     * caches a default given there as the key's value for the rest of the process, which would freeze the
     * derived defaults (addresses following the port and the network settings). */
    public static function get($_key, $_default = '') {
        $v = config::byKey($_key, self::PLUGIN);
        return ($v === '' || $v === null) ? $_default : $v;
    }

    public static function set($_key, $_value) {
        config::save($_key, $_value, self::PLUGIN);
    }

    public static function port() {
        $p = (int) self::get('port', self::DEFAULT_PORT);
        return ($p > 0 && $p < 65536) ? $p : self::DEFAULT_PORT;
    }

    public static function socketPort() {
        $p = (int) self::get('socketport', self::DEFAULT_SOCKETPORT);
        return ($p > 0 && $p < 65536) ? $p : self::DEFAULT_SOCKETPORT;
    }

    /* ---- defaults (used when the stored value is empty, so they follow Jeedom's network settings and the port) */

    public static function defaultHttpUrl() {
        return (string) network::getNetworkAccess('external');
    }

    public static function defaultInternHttpUrl() {
        return (string) network::getNetworkAccess('internal');
    }

    /* ---- WebSocket through Jeedom's web server (docs/reverse-proxy.md): Apache forwards /plugins/JeedomConnect/ws to the daemon */

    /** Option "WebSocket through Jeedom's web server (no port forwarding)". */
    public static function throughJeedom() {
        return self::isOn(self::get('wsThroughJeedom', '0'));
    }

    /** Option "daemon on loopback only" (only meaningful, and only applied, with throughJeedom). */
    public static function loopbackOnly() {
        return self::throughJeedom() && self::isOn(self::get('wsLoopbackOnly', '0'));
    }

    /** Address the daemon listens on ('' = its default, every interface): the hidden `bind` key wins, else 127.0.0.1
     * when the app goes through the web server and the loopback-only box is ticked. */
    public static function bindAddress() {
        $bind = trim((string) self::get('bind', ''));
        if ($bind !== '') {
            return $bind;
        }
        return self::loopbackOnly() ? '127.0.0.1' : '';
    }

    /** http(s)://host[:port][/prefix] => ws(s)://host[:port][/prefix]/plugins/JeedomConnect/ws ('' stays ''). */
    public static function wsUrlThroughWebServer($_httpBase) {
        $base = rtrim(trim((string) $_httpBase), '/');
        if ($base === '' || preg_match('#^[a-z]+:/*$#i', $base)) {
            return ''; // Jeedom answers 'https://' for an external access without address: no URL, not 'wss:///...'
        }
        if (preg_match('#^https://#i', $base)) {
            $base = 'wss://' . substr($base, 8);
        } elseif (preg_match('#^http://#i', $base)) {
            $base = 'ws://' . substr($base, 7);
        } elseif (!preg_match('#^wss?://#i', $base)) {
            $base = 'ws://' . $base;
        }
        return $base . JeedomConnectWebServer::WS_PATH;
    }

    /** The external address is served by the Jeedom DNS service (*.jeedom.com, *.jeedom.link), which only carries
     * the web port: a WebSocket on the daemon's own port cannot work there, through the web server it can. */
    public static function hasDNSConnexion() {
        foreach (array(self::httpUrl(), (string) network::getNetworkAccess('external')) as $url) {
            $host = (string) parse_url(strpos($url, '://') === false ? 'http://' . $url : $url, PHP_URL_HOST);
            if ($host !== '' && preg_match('/(^|\.)jeedom\.(com|link)$/i', $host)) {
                return true;
            }
        }
        return false;
    }

    /** The equipment page disables the WebSocket checkbox (polling advised) only for Jeedom DNS users who did not
     * switch the option on. */
    public static function dnsBlocksWebsocket() {
        return self::hasDNSConnexion() && !self::throughJeedom();
    }

    private static function isOn($_v) {
        return $_v === true || $_v === 1 || $_v === '1' || $_v === 'true' || $_v === 'on';
    }

    /** $_through: null = the saved option; true/false = as if it were on/off (placeholders of the configuration page). */
    public static function defaultWsAddress($_through = null) {
        if ($_through === null ? self::throughJeedom() : $_through) {
            $ws = self::wsUrlThroughWebServer(self::httpUrl());
            return $ws !== '' ? $ws : self::defaultInternWsAddress(true);
        }
        $host = (string) config::byKey('externalAddr');
        if ($host === '') {
            // no external address configured: better the internal one than 'ws://:8090' (docs/protocol.md, "Addresses")
            return self::defaultInternWsAddress(false);
        }
        return 'ws://' . $host . ':' . self::port();
    }

    public static function defaultInternWsAddress($_through = null) {
        if ($_through === null ? self::throughJeedom() : $_through) {
            $ws = self::wsUrlThroughWebServer(self::internHttpUrl());
            if ($ws !== '') {
                return $ws;
            }
        }
        $host = (string) config::byKey('internalAddr');
        return 'ws://' . ($host === '' ? 'localhost' : $host) . ':' . self::port();
    }

    public static function httpUrl() {
        return (string) self::get('httpUrl', self::defaultHttpUrl());
    }

    public static function internHttpUrl() {
        return (string) self::get('internHttpUrl', self::defaultInternHttpUrl());
    }

    public static function wsAddress() {
        return (string) self::get('wsAddress', self::defaultWsAddress());
    }

    public static function internWsAddress() {
        return (string) self::get('internWsAddress', self::defaultInternWsAddress());
    }

    /** Callback URL given to the daemon: Jeedom's internal access (protocol, port, path prefix) on loopback, on every
     * hardware. Jeedom's own 'proto:127.0.0.1:port:comp' form answers the LAN address on Docker boxes, where the
     * web server may not listen (docs/jeedom-core.md). */
    public static function callbackUrl() {
        $proto = strtolower(trim((string) config::byKey('internalProtocol'), ':/ '));
        $proto = $proto === 'https' ? 'https' : 'http';
        $port = trim((string) config::byKey('internalPort'));
        if (!is_numeric($port) || (int) $port < 1 || (int) $port > 65535) {
            $port = $proto === 'https' ? '443' : '80';
        }
        $base = trim($proto . '://127.0.0.1:' . (int) $port . '/' . trim((string) config::byKey('internalComplement'), '/'), '/');
        return $base . '/plugins/JeedomConnect/core/api/JeedomConnect.api.php';
    }

    /** Daemon log level name, from plugin config daemonLog ('parent' = the plugin's Jeedom log level). */
    public static function daemonLogLevel() {
        $level = self::get('daemonLog', 'parent');
        if ($level === 'parent' || !is_numeric($level)) {
            $level = self::pluginLogLevel();
        }
        return log::convertLogLevel((int) $level);
    }

    /** The plugin's Jeedom log level (log::level::JeedomConnect, 'default' = Jeedom's global log::level), read from
     * the database: log::getLogLevel() keeps the levels of the first read for the whole process, so a level saved
     * or restored since (same request) would not reach the daemon's command line. */
    public static function pluginLogLevel() {
        $specific = config::byKey('log::level::' . self::PLUGIN, 'core', '', true);
        if (is_array($specific) && (!isset($specific['default']) || (string) $specific['default'] !== '1')) {
            foreach ($specific as $k => $v) {
                if (is_numeric($k) && (string) $v === '1') {
                    return (int) $k;
                }
            }
        }
        $global = config::byKey('log::level', 'core', 400, true);
        return is_numeric($global) ? (int) $global : 400;
    }

    /** Jeedom's plugin::setIsEnable(1) calls the install hook, then resets log::level::<id> to "default" on a first
     * activation: the install hook keeps the level the user had chosen, and this puts it back once, before the daemon
     * starts (docs/jeedom-core.md). A choice made after the activation is never overwritten. */
    public static function keepLogLevelAcrossActivation() {
        $level = config::byKey('log::level::' . self::PLUGIN, 'core', '', true);
        if (is_array($level) && (!isset($level['default']) || (string) $level['default'] !== '1')) {
            self::set('logLevelBeforeActivation', $level);
        }
    }

    public static function restoreLogLevelAfterActivation() {
        $kept = self::get('logLevelBeforeActivation', '');
        if (!is_array($kept)) {
            return false;
        }
        config::remove('logLevelBeforeActivation', self::PLUGIN);
        $now = config::byKey('log::level::' . self::PLUGIN, 'core', '', true);
        if (is_array($now) && isset($now['default']) && (string) $now['default'] === '1') {
            config::save('log::level::' . self::PLUGIN, $kept);
            return true;
        }
        return false;
    }

    /* ---- version */

    public static function versionInfo() {
        $file = __DIR__ . '/../../plugin_info/version.json';
        $info = is_file($file) ? json_decode((string) file_get_contents($file), true) : null;
        if (!is_array($info)) {
            $info = array();
        }
        return array_merge(array('version' => '0.0.0', 'require' => '1.7.1'), $info);
    }

    public static function pluginVersion() {
        $v = self::versionInfo();
        return (string) $v['version'];
    }

    /** 'beta' when Jeedom's update record of the plugin is not on stable. */
    public static function channel() {
        if (class_exists('update')) {
            $u = update::byLogicalId(self::PLUGIN);
            if (is_object($u) && $u->getConfiguration('version', 'stable') !== 'stable') {
                return 'beta';
            }
        }
        return 'stable';
    }

    /** APP_VERSION_ERROR payload (docs/protocol.md, "Connecting"). */
    public static function pluginInfo() {
        $v = self::versionInfo();
        return array(
            'version' => $v['version'],
            'require' => $v['require'],
            'tag_notifBin_beta' => 'vNotif_2',
            'tag_notifBin_stable' => 'vNotif_2',
            'typeVersion' => self::channel(),
            'enrollment' => 'https://jared-94.github.io/JeedomConnectDoc/fr_FR/beta',
        );
    }

    /** PLUGIN_CONFIG payload; $eq may be null (flags 0 then). */
    public static function pluginConfig($eq = null) {
        $flags = $eq ? JeedomConnectDevice::flags($eq) : array('useWs' => 0, 'polling' => 0);
        return array(
            'useWs' => $flags['useWs'],
            'polling' => $flags['polling'],
            'httpUrl' => self::httpUrl(),
            'internalHttpUrl' => self::internHttpUrl(),
            'wsAddress' => self::wsAddress(),
            'internalWsAddress' => self::internWsAddress(),
            'pluginJeedomVersion' => 'v' . self::pluginVersion() . (self::channel() === 'beta' ? ' (beta)' : ''),
        );
    }

    /* ---- configuration page save hooks (called by JeedomConnect::preConfig_<key>/postConfig_<key>) */

    /** Before a key is saved: normalise (a value equal to the derived default is stored empty, so it keeps following
     * the network settings and the port) and remember the old effective value. */
    public static function beforeSave($_key, $_value) {
        self::$before[$_key] = self::effective($_key);
        $value = is_string($_value) ? trim($_value) : $_value;
        $defaults = array(
            'httpUrl' => 'defaultHttpUrl', 'internHttpUrl' => 'defaultInternHttpUrl',
            'wsAddress' => 'defaultWsAddress', 'internWsAddress' => 'defaultInternWsAddress',
        );
        if (isset($defaults[$_key]) && $value === call_user_func(array(__CLASS__, $defaults[$_key]))) {
            return '';
        }
        if (in_array($_key, self::$boolKeys, true)) {
            return self::isOn($value) ? '1' : '0';
        }
        if (($_key === 'port' || $_key === 'socketport') && $value !== '' && (!is_numeric($value) || (int) $value < 1 || (int) $value > 65535)) {
            throw new Exception(__('Port invalide', __FILE__) . ' : ' . $_key);
        }
        return $value;
    }

    /** After a key is saved: if its effective value changed, regenerate the QR codes now and restart a running daemon
     * once, at the end of the request (a page save writes every key). */
    public static function afterSave($_key, $_value) {
        $old = isset(self::$before[$_key]) ? self::$before[$_key] : null;
        unset(self::$before[$_key]);
        // Jeedom's config::save() drops its per-process cache of the key BEFORE calling preConfig_<key>, whose
        // beforeSave() read cached the old value again: refresh the cache (an empty value is removed instead, as
        // config::byKey() does not cache an empty value) so this check and every later read see the saved value.
        if ($_value === '' || $_value === null) {
            config::remove($_key, self::PLUGIN);
        } else {
            config::byKey($_key, self::PLUGIN, '', true);
        }
        if ($old === self::effective($_key)) {
            return false;
        }
        if ($_key === 'port' || ($_key === 'wsThroughJeedom' && self::throughJeedom())) {
            // the web server forwards to the daemon's port: rewrite its configuration (idempotent)
            JeedomConnectWebServer::applyConfigured();
        }
        if (in_array($_key, self::$qrKeys, true)) {
            JeedomConnectQr::regenerateAll();
        }
        if (in_array($_key, self::$daemonKeys, true)) {
            self::$pendingRestart = true;
            if (!self::$shutdownRegistered) {
                self::$shutdownRegistered = true;
                register_shutdown_function(array(__CLASS__, 'applyPendingRestart'));
            }
        }
        return true;
    }

    public static function hasPendingRestart() {
        return self::$pendingRestart;
    }

    /** Restarts the daemon if a daemon-relevant key changed and the daemon is running. */
    public static function applyPendingRestart() {
        if (!self::$pendingRestart) {
            return false;
        }
        self::$pendingRestart = false;
        try {
            $info = JeedomConnectDaemon::info();
            if ($info['state'] === 'ok') {
                JeedomConnectDaemon::start();
                return true;
            }
        } catch (Throwable $e) {
            log::add(self::PLUGIN, 'error', 'restart after configuration change: ' . $e->getMessage());
        }
        return false;
    }

    private static function effective($_key) {
        switch ($_key) {
            case 'httpUrl': return self::httpUrl();
            case 'internHttpUrl': return self::internHttpUrl();
            case 'wsAddress': return self::wsAddress();
            case 'internWsAddress': return self::internWsAddress();
            case 'port': return (string) self::port();
            case 'socketport': return (string) self::socketPort();
            case 'wsThroughJeedom': return self::throughJeedom() ? '1' : '0';
            case 'wsLoopbackOnly': return self::isOn(self::get('wsLoopbackOnly', '0')) ? '1' : '0';
            default: return json_encode(self::get($_key));
        }
    }
}
