<?php
/*
 * JeedomConnect - the app's JSON-RPC API (docs/protocol.md), behind core/api/JeedomConnect.api.php.
 * handle() parses the request, checks daemon-marked calls (connexionFrom != API) against the plugin key, finds the
 * equipment, and runs the handler of the method from the dispatch table below. It always returns a JSON-RPC success
 * envelope (errors travel as result.type EXCEPTION, an empty result becomes "ok"); for daemon calls about an existing
 * equipment the envelope carries the device record as top-level "jcd".
 */
class JeedomConnectApi {
    /** method => handler: an instance method of this class, or 'Class::method' of a concern class, called with
     * this request (param(), eq()) */
    private static $dispatch = array(
        'PING' => 'ping',
        'GET_PLUGIN_CONFIG' => 'getPluginConfig',
        'CHECK_AUTHENT' => 'checkAuthent',
        'CHECK_USER' => 'checkUser',
        'GET_AVAILABLE_EQUIPEMENT' => 'getAvailableEquipement',
        'CONNECT' => 'connect',
        'DISCONNECT' => 'disconnect',
        'SET_APPSTATE' => 'setAppState',
        'GET_EVENTS' => 'getEvents',
        'GET_CONFIG' => 'getConfig',
        'GET_INFO' => 'getInfo',
        'GET_CMD_INFO' => 'getCmdInfo',
        'GET_SC_INFO' => 'getScInfo',
        'GET_OBJ_INFO' => 'getObjInfo',
        'CMD_EXEC' => 'cmdExec',
        'CMDLIST_EXEC' => 'cmdListExec',
        'SC_EXEC' => 'scExec',
        'SC_STOP' => 'scStop',
        'SET_WEBSOCKET' => 'setWebsocket',
        'SET_POLLING' => 'setPolling',
        'GET_HISTORY' => 'JeedomConnectHistory::one',
        'GET_HISTORIES' => 'JeedomConnectHistory::many',
        'GET_ALL_SC' => 'JeedomConnectScenarios::all',
        'UNSUBSCRIBE_SC' => 'JeedomConnectScenarios::unsubscribe',
        'SC_SET_ACTIVE' => 'JeedomConnectScenarios::setActive',
        'GET_PWD' => 'JeedomConnectActions::password',
        'SET_EVENT' => 'JeedomConnectActions::event',
        'QUERY_INTERACT' => 'JeedomConnectActions::interact',
        'SET_BATTERY' => 'JeedomConnectTelemetry::battery',
        'SET_DEVICE_INFOS' => 'JeedomConnectTelemetry::deviceInfos',
        'GEOLOC' => 'JeedomConnectTelemetry::location',
        'SET_FACE_DETECTED' => 'JeedomConnectTelemetry::face',
        'ADD_GEOFENCE' => 'JeedomConnectGeofences::add',
        'REMOVE_GEOFENCE' => 'JeedomConnectGeofences::remove',
        'GET_GEOFENCES' => 'JeedomConnectGeofences::all',
        'GET_JEEDOM_DATA' => 'JeedomConnectData::all',
        'GET_BATTERIES' => 'JeedomConnectBatteries::all',
        'RESET_BATERY' => 'JeedomConnectBatteries::reset',
        'GET_JEEDOM_MESSAGES' => 'JeedomConnectMessages::get',
        'GET_TIMELINE_FOLDERS' => 'JeedomConnectTimeline::folders',
        'GET_PICOKEY' => 'JeedomConnectAppPrefs::picoKey',
        'SET_LOG' => 'JeedomConnectAppLog::write',
        'DETACH_EQUIPEMENT' => 'JeedomConnectPairing::detach',
        'GET_NEW_APIKEY' => 'JeedomConnectPairing::newApiKey',
        'SET_PICOKEY' => 'JeedomConnectAppPrefs::setPicoKey',
        'GET_TIMELINE_EVENTS' => 'JeedomConnectTimeline::events',
        'REMOVE_JEEDOM_MESSAGE' => 'JeedomConnectMessages::remove',
        'VERIF_2FA' => 'JeedomConnectLogin::verify',
        'REGISTER_DEVICE' => 'JeedomConnectLogin::register',
        'GET_LOG' => 'JeedomConnectAdmin::log',
        'DAEMON_PLUGIN_RESTART' => 'JeedomConnectAdmin::restartDaemon',
        'DAEMON_PLUGIN_STOP' => 'JeedomConnectAdmin::stopDaemon',
        'DO_PLUGIN_UPDATE' => 'JeedomConnectAdmin::update',
        'GET_INSTALL_DETAILS' => 'JeedomConnectAdmin::installDetails',
        'GET_PLUGINS_UPDATE' => 'JeedomConnectAdmin::pluginsUpdate',
        'GET_JEEDOM_GLOBAL_HEALTH' => 'JeedomConnectHealth::all',
    );

    /** methods that work without an equipment */
    private static $noEq = array('GET_PLUGIN_CONFIG', 'GET_AVAILABLE_EQUIPEMENT', 'PING', 'CHECK_AUTHENT', 'CHECK_USER', 'VERIF_2FA');

    /** CONNECT answers after which the daemon closes the socket */
    public static $connectErrors = array('BAD_DEVICE', 'EQUIPMENT_DISABLE', 'APP_VERSION_ERROR', 'PLUGIN_VERSION_ERROR',
        'EMPTY_CONFIG_FILE', 'FORMAT_VERSION_ERROR', 'BAD_TYPE_VERSION');

    /** @var string API, WS or SSE */
    private $from = 'API';
    private $method = '';
    private $params = array();
    /** @var JeedomConnect|null */
    private $eq = null;
    private $clientIp = '';
    /** the trusted-device key the phone presented (Jeedom's registerDevice cookie), '' when none */
    private $deviceKey = '';
    private $daemonCall = false;

    public static function exception($_message, $_method = null, $_details = null) {
        $msg = ($_method === null) ? $_message : "Error with '" . $_method . "' method " . $_message;
        log::add('JeedomConnect', 'error', $msg);
        $r = array('type' => 'EXCEPTION', 'payload' => array('message' => $msg));
        if ($_details !== null) {
            $r['payload']['details'] = $_details;
        }
        return $r;
    }

    private static function envelope($_id, $_result, $_jcd = null) {
        $e = array('jsonrpc' => '2.0', 'id' => $_id, 'result' => empty($_result) ? 'ok' : $_result);
        if ($_jcd !== null) {
            $e['jcd'] = $_jcd;
        }
        return $e;
    }

    /**
     * @param string $_body raw request body
     * @param array $_query query string ($_GET): the daemon puts the plugin key in 'apikey'
     * @param array $_server $_SERVER (client address headers)
     * @return array the JSON-RPC envelope to send back
     */
    public static function handle($_body, array $_query = array(), array $_server = array()) {
        $id = 99999;
        $method = '';
        try {
            $req = json_decode((string) $_body, true);
            if (!is_array($req)) {
                return self::envelope($id, self::exception('[API] - invalid JSON request', 'UNKNOWN'));
            }
            if (isset($req['id']) && (is_scalar($req['id']))) {
                $id = $req['id'];
            }
            $method = (isset($req['method']) && is_string($req['method'])) ? $req['method'] : '';
            if (!isset($req['jsonrpc']) || $req['jsonrpc'] !== '2.0') {
                return self::envelope($id, self::exception('[API] - invalid JSON-RPC version (2.0 expected)', $method));
            }
            $params = isset($req['params']) ? $req['params'] : array();
            if (is_string($params)) {
                $params = json_decode($params, true);
            }
            if (!is_array($params)) {
                $params = array();
            }
            $api = new self();
            $api->method = $method;
            $api->params = $params;
            $from = (isset($params['connexionFrom']) && is_string($params['connexionFrom']) && $params['connexionFrom'] !== '') ? $params['connexionFrom'] : 'API';
            $api->from = preg_match('/^[A-Za-z]{1,8}$/', $from) ? strtoupper($from) : 'DAEMON';
            $api->daemonCall = ($from !== 'API');
            if ($api->daemonCall) {
                $key = isset($_query['apikey']) && is_string($_query['apikey']) ? $_query['apikey'] : '';
                if ($key === '' || !hash_equals(jeedom::getApiKey('JeedomConnect'), $key)) {
                    log::add('JeedomConnect', 'warning', 'Appel marqué ' . $api->from . ' refusé : clé du plugin absente ou fausse');
                    return self::envelope($id, self::exception('[' . $api->from . '] - unauthorized (plugin key required)', $method));
                }
                $api->clientIp = isset($_server['HTTP_X_REAL_IP']) ? trim((string) $_server['HTTP_X_REAL_IP']) : '';
            } else {
                $api->clientIp = self::clientIpFrom($_server);
                $api->deviceKey = self::cookieFrom($_server, JeedomConnectLogin::COOKIE);
            }
            return $api->run($id);
        } catch (Throwable $e) {
            return self::envelope($id, self::exception('[API] - ' . $e->getMessage(), $method === '' ? 'UNKNOWN' : $method));
        }
    }

    private function run($_id) {
        // the app's background-geolocation library sends the apiKey as the JSON-RPC id of GEOLOC
        $apiKey = $this->method === 'GEOLOC' ? (is_string($_id) ? $_id : '')
            : (isset($this->params['apiKey']) && is_string($this->params['apiKey']) ? $this->params['apiKey'] : '');
        $this->eq = JeedomConnectDevice::byApiKey($apiKey);
        log::add('JeedomConnect', 'debug', '[' . $this->from . '] ' . $this->method . ($this->eq ? ' eq=' . $this->eq->getId() : '')
            . ' from ' . ($this->clientIp === '' ? '?' : $this->clientIp));
        if ($this->eq === null && !in_array($this->method, self::$noEq, true)) {
            if ($apiKey !== '') {
                $new = config::byKey('newApiKey::' . $apiKey, 'JeedomConnect');
                if (is_string($new) && $new !== '') {
                    config::remove('newApiKey::' . $apiKey, 'JeedomConnect');
                    return self::envelope($_id, array('type' => 'SET_NEW_APIKEY', 'payload' => array('apiKey' => $new)));
                }
            }
            return self::envelope($_id, self::exception("Can't find eqLogic", $this->method));
        }
        $result = $this->dispatch();
        $jcd = null;
        if ($this->daemonCall && $this->eq !== null) {
            $fresh = eqLogic::byId($this->eq->getId());
            if (is_object($fresh)) {
                $jcd = JeedomConnectDevice::record($fresh);
            }
        }
        return self::envelope($_id, $result, $jcd);
    }

    private function dispatch() {
        if ($this->eq !== null && $this->eq->getIsEnable() != 1) {
            return array('type' => 'EQUIPMENT_DISABLE');
        }
        if (!isset(self::$dispatch[$this->method])) {
            return self::exception('[' . $this->from . '] - method not defined', $this->method);
        }
        try {
            $handler = self::$dispatch[$this->method];
            if (strpos($handler, '::') !== false) {
                return call_user_func(explode('::', $handler, 2), $this);
            }
            return call_user_func(array($this, $handler));
        } catch (Throwable $e) {
            return self::exception('[' . $this->from . '] - ' . $e->getMessage(), $this->method);
        }
    }

    /** The equipment of this request (null for the methods that need none). */
    public function eq() {
        return $this->eq;
    }

    public function param($_key, $_default = null) {
        return array_key_exists($_key, $this->params) ? $this->params[$_key] : $_default;
    }

    /** Whether the request came through the plugin's daemon (WebSocket, SSE, /rpc). */
    public function viaDaemon() {
        return $this->daemonCall;
    }

    /** The address the request came from ('' when unknown). */
    public function clientIp() {
        return $this->clientIp;
    }

    /* ---------------- client location ---------------- */

    private static function cookieFrom(array $_server, $_name) {
        $header = isset($_server['HTTP_COOKIE']) && is_string($_server['HTTP_COOKIE']) ? $_server['HTTP_COOKIE'] : '';
        foreach (explode(';', $header) as $pair) {
            $kv = explode('=', trim($pair), 2);
            if (count($kv) === 2 && $kv[0] === $_name) {
                return urldecode($kv[1]);
            }
        }
        return '';
    }

    private static function clientIpFrom(array $_server) {
        foreach (array('HTTP_X_FORWARDED_FOR', 'HTTP_X_REAL_IP', 'HTTP_CLIENT_IP', 'REMOTE_ADDR') as $h) {
            if (isset($_server[$h]) && is_string($_server[$h]) && trim($_server[$h]) !== '') {
                return trim(explode(',', $_server[$h])[0]);
            }
        }
        return '';
    }

    /** Jeedom's rule: network::localip masks, or the /24 of Jeedom's internal address. A daemon call without
     * X-Real-IP is external (the daemon always knows the peer). A direct call without any address (CLI) is internal. */
    public function isInternalRequest() {
        $ip = $this->clientIp;
        if ($ip === '') {
            return !$this->daemonCall;
        }
        foreach (explode(';', (string) config::byKey('network::localip')) as $mask) {
            $mask = trim($mask);
            if ($mask !== '' && fnmatch($mask, $ip)) {
                return true;
            }
        }
        $internal = (string) config::byKey('internalAddr');
        if (filter_var($internal, FILTER_VALIDATE_IP, FILTER_FLAG_IPV4) && filter_var($ip, FILTER_VALIDATE_IP, FILTER_FLAG_IPV4)) {
            return implode('.', array_slice(explode('.', $internal), 0, 3)) === implode('.', array_slice(explode('.', $ip), 0, 3));
        }
        return false;
    }

    /* ---------------- methods without equipment ---------------- */

    private function ping() {
        if ($this->eq !== null && $this->eq->getConfiguration('appState', '') !== 'active') {
            $this->eq->setConfiguration('appState', 'active');
            $this->eq->save();
        }
        return null;
    }

    private function getPluginConfig() {
        return array('type' => 'PLUGIN_CONFIG', 'payload' => JeedomConnectConfig::pluginConfig($this->eq));
    }

    private function checkAuthent() {
        $login = (string) $this->param('login', '');
        $password = (string) $this->param('password', '');
        if ($login === '' || $password === '') {
            return self::exception('L\'identifiant ou le mot de passe ne peuvent pas être vide');
        }
        $user = user::connect($login, $password);
        if (!is_object($user)) {
            return self::exception('Echec lors de l\'authentification');
        }
        return array('type' => 'SET_AUTHENT', 'payload' => array('userHash' => $user->getHash(), 'userProfil' => $user->getProfils()));
    }

    /** CHECK_USER: EXCEPTION or SET_CHECK_USER. */
    private function checkUserHash($_hash) {
        $user = user::byHash(is_string($_hash) ? $_hash : '');
        if (!is_object($user)) {
            return self::exception('Echec lors de l\'authentification');
        }
        if ($user->getEnable() != 1) {
            return self::exception('L\'utilisateur n\'est pas actif');
        }
        $internal = $this->isInternalRequest();
        if ($user->getOptions('localOnly', 0) == 1 && !$internal) {
            return self::exception('Connexion distante interdite');
        }
        $twoFa = !$internal && $user->getOptions('twoFactorAuthentification', 0) == 1 && $user->getOptions('twoFactorAuthentificationSecret', '') !== ''
            && !JeedomConnectLogin::trustedDevice($user, $this->deviceKey);
        return array('type' => 'SET_CHECK_USER', 'payload' => array('twoFactorAuthentificationRequired' => $twoFa));
    }

    private function checkUser() {
        return $this->checkUserHash($this->param('userHash', ''));
    }

    private function getAvailableEquipement() {
        $user = user::byHash((string) $this->param('userHash', ''));
        if (!is_object($user) || $user->getEnable() != 1) {
            return self::exception('Echec lors de l\'authentification');
        }
        $list = array();
        foreach (JeedomConnectDevice::all() as $eq) {
            if ($user->getProfils() !== 'admin' && (string) $eq->getConfiguration('userId', '') !== (string) $user->getId()) {
                continue;
            }
            $flags = JeedomConnectDevice::flags($eq);
            $list[] = array(
                'logicalId' => $eq->getLogicalId(),
                'name' => $eq->getName(),
                'enable' => $eq->getIsEnable() == 1 ? '1' : '0',
                'useWs' => $flags['useWs'],
                'polling' => $flags['polling'],
                'deviceName' => $eq->getConfiguration('deviceName', ''),
                'deviceId' => $eq->getConfiguration('deviceId', ''),
            );
        }
        return array('type' => 'AVAILABLE_EQUIPEMENT', 'payload' => $list);
    }

    /* ---------------- connection ---------------- */

    private function connect() {
        $eq = $this->eq;
        $deviceId = (string) $this->param('deviceId', '');
        $storedDevice = (string) $eq->getConfiguration('deviceId', '');
        if ($storedDevice !== '' && $storedDevice !== $deviceId) {
            return array('type' => 'BAD_DEVICE');
        }
        if ($eq->getIsEnable() != 1) {
            return array('type' => 'EQUIPMENT_DISABLE');
        }
        $appType = $this->param('appTypeVersion', null);
        if (JeedomConnectDevice::isTrue(JeedomConnectConfig::get('ctrl::appTypeVersion', '1')) && is_string($appType) && $appType !== ''
            && $appType !== JeedomConnectConfig::channel()) {
            return array('type' => 'BAD_TYPE_VERSION');
        }
        $versions = JeedomConnectConfig::versionInfo();
        if (version_compare((string) $this->param('appVersion', ''), (string) $versions['require'], '<')) {
            return array('type' => 'APP_VERSION_ERROR', 'payload' => JeedomConnectConfig::pluginInfo());
        }
        if (version_compare((string) $versions['version'], (string) $this->param('pluginRequire', ''), '<')) {
            return array('type' => 'PLUGIN_VERSION_ERROR');
        }
        $deviceName = (string) $this->param('deviceName', '');
        if ($storedDevice !== $deviceId || (string) $eq->getConfiguration('deviceName', '') !== $deviceName) {
            $eq->setConfiguration('deviceId', $deviceId);
            $eq->setConfiguration('deviceName', $deviceName);
        }
        if ($this->param('token', null) !== null) {
            $eq->setConfiguration('token', (string) $this->param('token'));
        }
        $eqUser = user::byId($eq->getConfiguration('userId', ''));
        if (!is_object($eqUser)) {
            return self::exception('Aucun utilisateur configuré sur l\'appareil');
        }
        $hash = (string) $this->param('userHash', '');
        $check = $this->checkUserHash($hash !== '' ? $hash : $eqUser->getHash());
        if ($check['type'] === 'EXCEPTION') {
            return $check;
        }
        $user = $hash !== '' ? user::byHash($hash) : $eqUser;
        $stored = JeedomConnectLayout::stored($eq);
        if ($stored === null || !isset($stored['formatVersion'])) {
            JeedomConnectLayout::restoreFromBackup($eq);
        }
        $config = JeedomConnectLayout::generated($eq);
        if ($config === null) {
            return array('type' => 'EMPTY_CONFIG_FILE');
        }
        if (!isset($config['formatVersion'])) {
            return array('type' => 'FORMAT_VERSION_ERROR');
        }
        foreach (array('platformOs', 'appTypeVersion', 'buildVersion', 'osVersion') as $k) {
            if ($this->param($k, null) !== null) {
                $eq->setConfiguration($k, (string) $this->param($k));
            }
        }
        $eq->setConfiguration('appVersion', (string) $this->param('appVersion', '#NA#'));
        $eq->setConfiguration('connected', 1);
        $eq->setConfiguration('scAll', 0);
        $eq->setConfiguration('appState', 'active');
        $eq->setConfiguration('sessionId', $this->param('sessionId', null) !== null ? (string) $this->param('sessionId') : '');
        $eq->save();
        return array('type' => 'WELCOME', 'payload' => $this->welcome($eq, $user, $config));
    }

    private function welcome($eq, $user, $config) {
        $flags = JeedomConnectDevice::flags($eq);
        $infos = JeedomConnectInfo::all($eq);
        $notifs = $eq->getConfiguration('notifsConfig', array());
        $links = @json_decode((string) @file_get_contents(__DIR__ . '/../../plugin_info/links.json'), true);
        $geofences = $eq->getConfiguration('geofences', array());
        $admin = $user->getProfils() === 'admin';
        return array(
            'pluginVersion' => JeedomConnectConfig::pluginVersion(),
            'jeedomName' => config::byKey('name', 'core', 'Jeedom'),
            'serverId' => config::byKey('register::id'),
            'eqName' => $eq->getName(),
            'useWs' => $flags['useWs'],
            'polling' => $flags['polling'],
            'userHash' => $user->getHash(),
            'userId' => (string) $user->getId(),
            'userName' => $user->getLogin(),
            'userProfil' => $user->getProfils(),
            'userImgPath' => JeedomConnectConfig::get('userImgPath', 'plugins/JeedomConnect/data/img/user_files/'),
            'configVersion' => (int) $eq->getConfiguration('configVersion', 0),
            'notifsVersion' => (is_array($notifs) && isset($notifs['idCounter'])) ? (int) $notifs['idCounter'] : 0,
            'scenariosEnabled' => $eq->getConfiguration('scenariosEnabled', '0') == '1',
            'webviewEnabled' => $eq->getConfiguration('webviewEnabled', '0') == '1',
            'automationsEnabled' => $eq->getConfiguration('automationsEnabled', '0') == '1',
            'editEnabled' => $admin,
            'getLogAllowed' => $admin,
            'pluginConfig' => JeedomConnectConfig::pluginConfig($eq),
            'cmdInfo' => $infos['cmdInfo'],
            'scInfo' => $infos['scInfo'],
            'objInfo' => $infos['objInfo'],
            'geofenceInfo' => array('geofences' => is_array($geofences) ? array_values($geofences) : array()),
            'links' => is_array($links) ? $links : array(),
            'timezone' => date_default_timezone_get(),
            'timelineFolders' => $eq->getConfiguration('timelineEnabled', '0') == '1' ? array('main' => 'Principal', 'custom' => array()) : null,
        );
    }

    /** A daemon session that is not the device's current one must not touch its state. */
    private function isStaleSession() {
        $sid = $this->param('sessionId', null);
        if ($sid === null || $sid === '') {
            return false;
        }
        return (string) $sid !== (string) $this->eq->getConfiguration('sessionId', '');
    }

    private function disconnect() {
        if ($this->isStaleSession()) {
            log::add('JeedomConnect', 'debug', 'DISCONNECT ignoré : session périmée');
            return null;
        }
        $this->eq->setConfiguration('connected', 0);
        $this->eq->setConfiguration('appState', 'background');
        $this->eq->save();
        return null;
    }

    private function setAppState() {
        $state = $this->param('state', '') === 'active' ? 'active' : 'background';
        $sid = $this->param('sessionId', null);
        if ($state === 'active') {
            if ($sid !== null && $sid !== '') {
                $this->eq->setConfiguration('sessionId', (string) $sid);
            }
        } elseif ($this->isStaleSession()) {
            return null;
        }
        $this->eq->setConfiguration('appState', $state);
        $this->eq->save();
        return null;
    }

    /* ---------------- events ---------------- */

    private function getEvents() {
        $eq = $this->eq;
        JeedomConnectDevice::touchLastSeen($eq);
        if ($eq->getConfiguration('appState', '') !== 'active') {
            return null;
        }
        $configVersion = $this->param('configVersion', null);
        if ($configVersion !== null && $configVersion != $eq->getConfiguration('configVersion', 0)) {
            return array('type' => 'CONFIG_AND_INFOS', 'payload' => array('config' => JeedomConnectLayout::generated($eq), 'infos' => JeedomConnectInfo::all($eq)));
        }
        $lastRead = $this->param('lastReadTimestamp', null);
        $lastHist = $this->param('lastHistoricReadTimestamp', null);
        $actions = JeedomConnectDevice::takeQueuedActions($eq);
        $since = JeedomConnectControl::eventsSince($eq->getLogicalId(), $lastRead);
        if ($since !== null && isset($since['pending']) && is_array($since['pending'])) {
            foreach ($since['pending'] as $msg) {
                if (is_array($msg) && isset($msg['payload'])) {
                    foreach ((array) $msg['payload'] as $p) {
                        $actions[] = $p;
                    }
                }
            }
        }
        if (count($actions) > 0) {
            return array('type' => 'ACTIONS', 'payload' => $actions);
        }
        if ($since === null) {
            return array('type' => 'SET_EVENTS', 'payload' => JeedomConnectInfo::eventsFromCore($eq, $lastRead, $lastHist));
        }
        $hist = ($lastHist === null || $lastHist === '') ? 0 : (float) $lastHist;
        if (time() - $hist > JeedomConnectInfo::HIST_PERIOD) {
            $hist = time();
        }
        $payload = array(
            array('type' => 'DATETIME', 'payload' => (float) $since['cursor']),
            array('type' => 'HIST_DATETIME', 'payload' => $hist),
        );
        if (!empty($since['overflow'])) {
            $all = JeedomConnectInfo::all($eq);
            $lists = array($all['cmdInfo'], $all['scInfo'], $all['objInfo']);
        } else {
            $lists = array(
                isset($since['cmds']) && is_array($since['cmds']) ? $since['cmds'] : array(),
                isset($since['scenarios']) && is_array($since['scenarios']) ? $since['scenarios'] : array(),
                isset($since['objects']) && is_array($since['objects']) ? $since['objects'] : array(),
            );
        }
        $payload[] = array('type' => 'CMD_INFO', 'payload' => $lists[0]);
        $payload[] = array('type' => 'SC_INFO', 'payload' => $lists[1]);
        $payload[] = array('type' => 'OBJ_INFO', 'payload' => $lists[2]);
        return array('type' => 'SET_EVENTS', 'payload' => $payload);
    }

    private function getConfig() {
        $config = JeedomConnectLayout::generated($this->eq);
        if ($config === null) {
            return array('type' => 'EMPTY_CONFIG_FILE');
        }
        return array('type' => 'SET_CONFIG', 'payload' => $config);
    }

    private function getInfo() {
        return array('type' => 'SET_INFO', 'payload' => JeedomConnectInfo::all($this->eq));
    }

    private function getCmdInfo() {
        return array('type' => 'SET_CMD_INFO', 'payload' => JeedomConnectInfo::cmdInfos(JeedomConnectLayout::infoCmdIds(JeedomConnectLayout::generated($this->eq))));
    }

    private function getScInfo() {
        return array('type' => 'SET_SC_INFO', 'payload' => JeedomConnectInfo::scInfos($this->eq));
    }

    private function getObjInfo() {
        return array('type' => 'SET_OBJ_INFO', 'payload' => JeedomConnectInfo::objInfos($this->eq));
    }

    /* ---------------- actions ---------------- */

    /** Runs one cmd; returns null or an error message. */
    private function execOne($_id, $_options) {
        $cmd = cmd::byId($_id);
        if (!is_object($cmd)) {
            return 'Can\'t find command [id=' . $_id . ']';
        }
        $options = is_array($_options) ? $_options : array();
        $options['comingFrom'] = 'JeedomConnect';
        if (isset($options['user_id']) && $options['user_id'] !== '') {
            $user = user::byId($options['user_id']);
            if (!is_object($user) || !$cmd->hasRight($user)) {
                return 'Vous n\'avez pas le droit d\'exécuter cette commande ' . $cmd->getHumanName();
            }
        }
        $cmd->execCmd($options);
        return null;
    }

    private function cmdExec() {
        try {
            $err = $this->execOne($this->param('id', ''), $this->param('options', array()));
        } catch (Throwable $e) {
            $err = $e->getMessage();
        }
        return $err === null ? null : self::exception($err);
    }

    private function cmdListExec() {
        $failed = array();
        $list = $this->param('cmdList', array());
        foreach (is_array($list) ? $list : array() as $item) {
            if (!is_array($item) || !isset($item['id'])) {
                continue;
            }
            try {
                $err = $this->execOne($item['id'], isset($item['options']) ? $item['options'] : array());
            } catch (Throwable $e) {
                $err = $e->getMessage();
            }
            if ($err !== null) {
                $failed[] = (string) $item['id'];
            }
        }
        if (count($failed) > 0) {
            return self::exception('Erreur lors de l\'exécution de certaines commandes', null, array('cmd_ids' => $failed));
        }
        return null;
    }

    private function scExec() {
        $id = $this->param('id', '');
        $sc = scenario::byId($id);
        if (!is_object($sc)) {
            return self::exception('Le scenario ' . (is_scalar($id) ? $id : '') . ' n\'existe pas');
        }
        $options = $this->param('options', array());
        $options = is_array($options) ? $options : array();
        if (isset($options['user_id']) && $options['user_id'] !== '') {
            $user = user::byId($options['user_id']);
            if (!is_object($user) || !$sc->hasRight('x', $user)) {
                return self::exception('Vous n\'avez pas le droit d\'exécuter ce scénario ' . $sc->getName());
            }
        }
        if (isset($user) && is_object($user) && !isset($options['user_login'])) {
            $options['user_login'] = $user->getLogin();
        }
        $tags = array();
        $tagString = (isset($options['tags']) && is_string($options['tags']) ? $options['tags'] : '') . ' eqId=' . $this->eq->getId();
        foreach (arg2array(trim($tagString)) as $k => $v) {
            // values go through Jeedom's tag expansion, as a scenario's own "tag" action does
            $tags['#' . trim(trim($k), '#') . '#'] = scenarioExpression::setTags(trim((string) $v), $sc);
        }
        $by = '';
        if (isset($options['user_login']) && (string) $options['user_login'] !== '') {
            $tags['#userJC#'] = (string) $options['user_login'];
            $by = ' par l\'utilisateur ' . $options['user_login'];
        }
        $sc->setTags($tags);
        $message = 'Lancement du scénario ' . $sc->getHumanName() . ' (' . $sc->getId() . ')' . $by;
        if (version_compare(jeedom::version(), '4.5', '>=')) {
            // Jeedom 4.5: launch($_forceSyncMode) - trigger and message are tags; the scenario runs in its own
            // process (jeeScenario.php), so a long scenario never holds this phone's requests
            $sc->addTag('trigger', 'JeedomConnect');
            $sc->addTag('trigger_message', $message);
            $return = $sc->launch();
        } else {
            $return = $sc->launch('JeedomConnect', $message); // Jeedom 4.4: launch($_trigger, $_message, $_forceSyncMode)
        }
        if (is_string($return) && $return !== '') {
            JeedomConnectDevice::queueAction($this->eq, array('action' => 'toaster', 'message' => $return));
        }
        return null;
    }

    private function scStop() {
        $sc = scenario::byId($this->param('id', ''));
        if (!is_object($sc)) {
            return self::exception('Le scenario ' . (is_scalar($this->param('id')) ? $this->param('id') : '') . ' n\'existe pas');
        }
        $sc->stop();
        return null;
    }

    /* ---------------- connection mode ---------------- */

    private function setWebsocket() {
        $on = JeedomConnectDevice::isTrue($this->param('value', false));
        $this->eq->setConfiguration('useWs', $on ? '1' : '0');
        if ($on) {
            $this->eq->setConfiguration('polling', '0');
        }
        $this->eq->save();
        if ($on) {
            try {
                $info = JeedomConnectDaemon::info();
                if ($info['launchable'] === 'ok' && $info['state'] !== 'ok') {
                    JeedomConnectDaemon::start();
                }
            } catch (Throwable $e) {
                log::add('JeedomConnect', 'error', 'SET_WEBSOCKET : démarrage du démon : ' . $e->getMessage());
            }
        }
        return array('type' => 'GET_WEBSOCKET', 'payload' => array('useWs' => (string) $this->eq->getConfiguration('useWs', '0')));
    }

    private function setPolling() {
        $on = JeedomConnectDevice::isTrue($this->param('value', false));
        $this->eq->setConfiguration('polling', $on ? '1' : '0');
        $this->eq->save();
        $flags = JeedomConnectDevice::flags($this->eq);
        return array('type' => 'GET_POLLING', 'payload' => array('polling' => (string) $flags['polling']));
    }
}
