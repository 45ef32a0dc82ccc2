<?php
/*
 * JeedomConnect - the Apache configuration that forwards <prefix>/plugins/JeedomConnect/ws (WebSocket) and
 * <prefix>/plugins/JeedomConnect/sse (SSE) to the jeedomconnectd daemon on 127.0.0.1:<websocket port>, so the app
 * reaches the daemon through Jeedom's own web server (HTTPS, Jeedom DNS, no port forwarding).
 *
 * Rendered from resources/apache/jeedomconnect.conf.tmpl into <apacheDir>/conf-available/jeedomconnect.conf, enabled
 * with a2enconf (after a2enmod proxy proxy_http proxy_wstunnel headers), checked with `apache2ctl configtest` (on
 * failure it is disabled and deleted again, so a bad file never reaches the running server) and applied with a
 * graceful reload. Removal: a2disconf, delete, configtest, graceful reload; modules stay enabled (other sites may use
 * them). Nothing else of the site is touched.
 *
 * Paths, commands and the command runner are injectable (constructor options) so PHPUnit and the end-to-end rig can
 * use a private Apache tree without root. Defaults: /etc/apache2, `apache2ctl configtest` / `apache2ctl graceful`,
 * every command prefixed with system::getCmdSudo() (the web UI runs as www-data, which has sudo on Jeedom). The
 * environment variables JEEDOMCONNECT_APACHE_DIR, JEEDOMCONNECT_APACHE_CONFIGTEST and JEEDOMCONNECT_APACHE_RELOAD
 * override the defaults (a non-default dir is passed to the Debian tools as APACHE_CONFDIR).
 * No secret ever goes into this file or its commands.
 */
class JeedomConnectWebServer {
    const CONF_NAME = 'jeedomconnect';
    const PATH_BASE = '/plugins/JeedomConnect';
    const WS_PATH = '/plugins/JeedomConnect/ws';
    const SSE_PATH = '/plugins/JeedomConnect/sse';
    /** proxy idle time-out (s): longer than the daemon's 30 s ping interval */
    const PROXY_TIMEOUT = 120;
    const DEFAULT_APACHE_DIR = '/etc/apache2';

    public static $modules = array('proxy', 'proxy_http', 'proxy_wstunnel', 'headers');

    /** @var JeedomConnectWebServer|null */
    private static $instance = null;

    private $apacheDir;
    private $template;
    private $runner;
    private $sudo;
    private $configtest;
    private $reload;
    private $tmpDir;

    /**
     * Options: apacheDir, template, runner (callable(string $cmd): array(int $rc, string $output)), sudo (prefix),
     * configtest, reload (commands), tmpDir (where the rendered file is staged before `install`).
     */
    public function __construct(array $_options = array()) {
        $env = function ($name, $default) {
            $v = getenv($name);
            return ($v === false || $v === '') ? $default : $v;
        };
        $this->apacheDir = rtrim(isset($_options['apacheDir']) ? $_options['apacheDir'] : $env('JEEDOMCONNECT_APACHE_DIR', self::DEFAULT_APACHE_DIR), '/');
        $this->template = isset($_options['template']) ? $_options['template'] : __DIR__ . '/../../resources/apache/jeedomconnect.conf.tmpl';
        $this->runner = isset($_options['runner']) ? $_options['runner'] : array(__CLASS__, 'execRunner');
        if (isset($_options['sudo'])) {
            $this->sudo = (string) $_options['sudo'];
        } else {
            $this->sudo = (class_exists('system') && method_exists('system', 'getCmdSudo')) ? (string) system::getCmdSudo() : '';
        }
        if ($this->sudo !== '' && substr($this->sudo, -1) !== ' ') {
            $this->sudo .= ' ';
        }
        $this->configtest = isset($_options['configtest']) ? $_options['configtest'] : $env('JEEDOMCONNECT_APACHE_CONFIGTEST', 'apache2ctl configtest');
        $this->reload = isset($_options['reload']) ? $_options['reload'] : $env('JEEDOMCONNECT_APACHE_RELOAD', 'apache2ctl graceful');
        if (isset($_options['tmpDir'])) {
            $this->tmpDir = $_options['tmpDir'];
        } elseif (class_exists('jeedom') && method_exists('jeedom', 'getTmpFolder')) {
            $this->tmpDir = jeedom::getTmpFolder('JeedomConnect');
        } else {
            $this->tmpDir = sys_get_temp_dir();
        }
    }

    /** The instance the plugin uses (tests replace it with setInstance). */
    public static function instance() {
        if (self::$instance === null) {
            self::$instance = new self();
        }
        return self::$instance;
    }

    public static function setInstance($_instance) {
        self::$instance = $_instance;
    }

    /** Default runner: the command through the shell, stderr merged. */
    public static function execRunner($_cmd) {
        $out = array();
        $rc = 0;
        exec($_cmd . ' 2>&1', $out, $rc);
        return array($rc, implode("\n", $out));
    }

    public function apacheDir() {
        return $this->apacheDir;
    }

    public function confAvailablePath() {
        return $this->apacheDir . '/conf-available/' . self::CONF_NAME . '.conf';
    }

    public function confEnabledPath() {
        return $this->apacheDir . '/conf-enabled/' . self::CONF_NAME . '.conf';
    }

    /** Apache (Debian layout) present? nginx users get nothing installed (docs/reverse-proxy.md has their snippet). */
    public function isApache() {
        return is_dir($this->apacheDir . '/conf-available');
    }

    /** '' or '/jeedom' (a clean URL path prefix; anything else is ignored rather than written into Apache's config). */
    public static function normalizePrefix($_prefix) {
        $p = trim((string) $_prefix, " \t/");
        if ($p === '' || !preg_match('#^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$#', $p)) {
            return '';
        }
        return '/' . $p;
    }

    /** URL path prefix of Jeedom on this web server: Jeedom's internal complement (usually empty). */
    public static function configuredPrefix() {
        return class_exists('config') ? self::normalizePrefix(config::byKey('internalComplement')) : '';
    }

    /** The configuration text for the daemon's websocket port. */
    public function render($_port, $_prefix = '') {
        $port = (int) $_port;
        if ($port < 1 || $port > 65535) {
            throw new Exception('JeedomConnect: invalid websocket port for the web server configuration: ' . $_port);
        }
        $tmpl = @file_get_contents($this->template);
        if ($tmpl === false) {
            throw new Exception('JeedomConnect: web server template not found: ' . $this->template);
        }
        return strtr($tmpl, array(
            '#BASE#' => self::normalizePrefix($_prefix) . self::PATH_BASE,
            '#PORT#' => (string) $port,
            '#TIMEOUT#' => (string) self::PROXY_TIMEOUT,
        ));
    }

    private function envPrefix() {
        return $this->apacheDir === self::DEFAULT_APACHE_DIR ? '' : 'APACHE_CONFDIR=' . escapeshellarg($this->apacheDir) . ' ';
    }

    private function run($_cmd, &$_log) {
        $r = call_user_func($this->runner, $_cmd);
        $rc = is_array($r) ? (int) $r[0] : (int) $r;
        $out = (is_array($r) && isset($r[1])) ? trim((string) $r[1]) : '';
        $_log[] = array('cmd' => $_cmd, 'rc' => $rc, 'output' => $out);
        return $rc === 0;
    }

    private function a2($_tool, $_args) {
        return $this->sudo . $this->envPrefix() . $_tool . ' -q ' . $_args;
    }

    private function ctl($_cmd) {
        return $this->sudo . $this->envPrefix() . $_cmd;
    }

    /** Installed, enabled and (when $_port is given) identical to what would be rendered now. */
    public function isInstalled($_port = null, $_prefix = '') {
        if (!is_file($this->confAvailablePath()) || !file_exists($this->confEnabledPath())) {
            return false;
        }
        return $_port === null || @file_get_contents($this->confAvailablePath()) === $this->render($_port, $_prefix);
    }

    /**
     * Writes, enables, checks and applies the configuration. Returns array('state' => ok|unchanged|skipped|error,
     * 'message' => ..., 'commands' => [{cmd, rc, output}]).
     */
    public function install($_port, $_prefix = '') {
        $log = array();
        if (!$this->isApache()) {
            return array('state' => 'skipped', 'message' => 'no Apache configuration folder in ' . $this->apacheDir, 'commands' => $log);
        }
        $conf = $this->render($_port, $_prefix);
        if ($this->isInstalled($_port, $_prefix)) {
            return array('state' => 'unchanged', 'message' => 'already installed', 'commands' => $log);
        }
        if (!is_dir($this->tmpDir)) {
            @mkdir($this->tmpDir, 0775, true);
        }
        $staged = $this->tmpDir . '/' . self::CONF_NAME . '.conf.' . getmypid();
        if (@file_put_contents($staged, $conf) === false) {
            return array('state' => 'error', 'message' => 'cannot write ' . $staged, 'commands' => $log);
        }
        $target = $this->confAvailablePath();
        $ok = $this->run($this->sudo . 'install -m 0644 ' . escapeshellarg($staged) . ' ' . escapeshellarg($target), $log);
        @unlink($staged);
        if (!$ok) {
            return array('state' => 'error', 'message' => 'cannot install ' . $target, 'commands' => $log);
        }
        if (!$this->run($this->a2('a2enmod', implode(' ', self::$modules)), $log)) {
            $this->rollback($log);
            return array('state' => 'error', 'message' => 'a2enmod failed', 'commands' => $log);
        }
        if (!$this->run($this->a2('a2enconf', self::CONF_NAME), $log)) {
            $this->rollback($log);
            return array('state' => 'error', 'message' => 'a2enconf failed', 'commands' => $log);
        }
        if (!$this->run($this->ctl($this->configtest), $log)) {
            // never reload a configuration Apache refuses: the running server keeps its current one
            $this->rollback($log);
            return array('state' => 'error', 'message' => 'apache configtest failed, configuration removed', 'commands' => $log);
        }
        if (!$this->run($this->ctl($this->reload), $log)) {
            return array('state' => 'error', 'message' => 'apache reload failed', 'commands' => $log);
        }
        return array('state' => 'ok', 'message' => 'installed', 'commands' => $log);
    }

    private function rollback(&$_log) {
        $this->run($this->a2('a2disconf', self::CONF_NAME), $_log);
        $this->run($this->sudo . 'rm -f ' . escapeshellarg($this->confAvailablePath()), $_log);
    }

    /** Disables and deletes the configuration, then reloads Apache if it still accepts its configuration. */
    public function remove() {
        $log = array();
        if (!is_file($this->confAvailablePath()) && !file_exists($this->confEnabledPath()) && !is_link($this->confEnabledPath())) {
            return array('state' => 'unchanged', 'message' => 'not installed', 'commands' => $log);
        }
        $this->run($this->a2('a2disconf', self::CONF_NAME), $log);
        $this->run($this->sudo . 'rm -f ' . escapeshellarg($this->confAvailablePath()), $log);
        if (!$this->run($this->ctl($this->configtest), $log)) {
            return array('state' => 'error', 'message' => 'apache configtest failed after removal: not reloaded', 'commands' => $log);
        }
        if (!$this->run($this->ctl($this->reload), $log)) {
            return array('state' => 'error', 'message' => 'apache reload failed', 'commands' => $log);
        }
        return array('state' => 'ok', 'message' => 'removed', 'commands' => $log);
    }

    /** For the configuration page: 'none' (no Apache), 'installed', 'outdated' (other port/prefix) or 'missing'. */
    public function status($_port, $_prefix = '') {
        if (!$this->isApache()) {
            return 'none';
        }
        if ($this->isInstalled($_port, $_prefix)) {
            return 'installed';
        }
        return $this->isInstalled() ? 'outdated' : 'missing';
    }

    /* ---- plugin entry points (install/update hook, port change, option switched on) */

    /** Installs/updates the configuration for the configured port; logs the outcome (never throws). */
    public static function applyConfigured() {
        try {
            $r = self::instance()->install(JeedomConnectConfig::port(), self::configuredPrefix());
        } catch (Throwable $e) {
            $r = array('state' => 'error', 'message' => $e->getMessage(), 'commands' => array());
        }
        self::logResult('install', $r);
        return $r;
    }

    /** Removes the configuration (plugin removal); logs the outcome (never throws). */
    public static function removeConfigured() {
        try {
            $r = self::instance()->remove();
        } catch (Throwable $e) {
            $r = array('state' => 'error', 'message' => $e->getMessage(), 'commands' => array());
        }
        self::logResult('remove', $r);
        return $r;
    }

    private static function logResult($_what, $_r) {
        if (!class_exists('log')) {
            return;
        }
        $level = $_r['state'] === 'error' ? 'error' : ($_r['state'] === 'ok' ? 'info' : 'debug');
        $msg = 'Configuration Apache (' . $_what . ') : ' . $_r['state'] . ' - ' . $_r['message'];
        foreach ($_r['commands'] as $c) {
            if ($c['rc'] !== 0 || $level === 'error') {
                $msg .= ' | ' . $c['cmd'] . ' => ' . $c['rc'] . ($c['output'] !== '' ? ' : ' . $c['output'] : '');
            }
        }
        log::add('JeedomConnect', $level, $msg);
    }
}
