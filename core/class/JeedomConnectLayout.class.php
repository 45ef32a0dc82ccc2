<?php
/*
 * JeedomConnect - the app's layout (JEEDOM_CONFIG format), stored as the upstream plugin stores it
 * (docs/layout-storage.md): per equipment the file data/configs/<apiKey>.json holding references to global widget
 * definitions (plugin config widget::<id>), per-device customisations customData::<apiKey>::<widgetId>; the layout
 * the app receives is assembled by JeedomConnectLayoutAssembler and kept in the cache key jcConfig<apiKey> and
 * data/configs/<apiKey>.json.generated. Also read/write/import/export, "add a Jeedom command as a widget", and what
 * the device may see (its info cmds, scenario widgets and rooms - docs/protocol.md, "Events"), which becomes the
 * device filter sent to the daemon.
 */
class JeedomConnectLayout {
    const HISTORIC_FUNCTIONS = 'average|min|max|collect|tendance';

    public static function emptyConfig() {
        return array(
            'type' => 'JEEDOM_CONFIG',
            'formatVersion' => '1.0',
            'idCounter' => 0,
            'payload' => array('configVersion' => 0, 'tabs' => array(), 'sections' => array(), 'rooms' => array(),
                'groups' => array(), 'summaries' => array(), 'widgets' => array()),
        );
    }

    /** Key under which earlier versions of this plugin kept the whole layout in the equipment; read once into
     * the layout file when that file is missing. */
    const LEGACY_KEY = 'jcConfig';
    const PLUGIN = 'JeedomConnect';

    private static function dataDir($_sub) {
        $dir = realpath(__DIR__ . '/../..') . '/data/' . $_sub;
        if (!is_dir($dir)) {
            @mkdir($dir, 0775, true);
        }
        return $dir;
    }

    /** data/configs/<apiKey>.json: the stored layout (references to global widgets). */
    public static function path($_apiKey) {
        return self::dataDir('configs') . '/' . $_apiKey . '.json';
    }

    /** data/backups/<apiKey>/config-<apiKey>.json: {type: JC_EXPORT_EQLOGIC_CONFIG, payload: <stored layout>}. */
    public static function backupPath($_apiKey) {
        return realpath(__DIR__ . '/../..') . '/data/backups/' . $_apiKey . '/config-' . $_apiKey . '.json';
    }

    /** Jeedom cache key of the assembled layout. */
    public static function cacheKey($_apiKey) {
        return 'jcConfig' . $_apiKey;
    }

    /** The stored layout (references only); null when missing/unreadable or when the equipment is not a phone. */
    public static function stored($eq) {
        if (!JeedomConnectDevice::isPhone($eq)) {
            return null;
        }
        $file = self::path($eq->getLogicalId());
        if (!is_file($file)) {
            self::migrateLegacy($eq);
        }
        if (!is_file($file)) {
            return null;
        }
        $c = json_decode((string) @file_get_contents($file), true);
        return is_array($c) ? $c : null;
    }

    /** The layout as sent to the app (CONNECT/WELCOME, GET_CONFIG, CONFIG_AND_INFOS), assembled from its sources at
     * every read; the cache key and the .generated file are rewritten whenever the result differs from them. */
    public static function generated($eq) {
        $raw = self::stored($eq);
        if ($raw === null) {
            return null;
        }
        $config = JeedomConnectLayoutAssembler::assemble($raw, new JeedomConnectLayoutJeedomSources($eq));
        self::saveGenerated($eq->getLogicalId(), $config);
        $fp = self::fingerprint($eq);
        self::$_memo[$eq->getLogicalId()] = array($fp, $config);
        if ((string) cache::byKey(self::fingerprintKey($eq->getLogicalId()))->getValue('') !== (string) $fp) {
            cache::set(self::fingerprintKey($eq->getLogicalId()), (string) $fp);
        }
        return $config;
    }

    /** apiKey => [fingerprint, assembled layout] of this process (see forFilter). */
    private static $_memo = array();

    private static function fingerprint($eq) {
        $file = self::path($eq->getLogicalId());
        clearstatcache(true, $file);
        $stat = @stat($file);
        return $stat === false ? null : $stat['ino'] . '/' . $stat['mtime'] . '/' . $stat['size'] . '/' . $eq->getConfiguration('configVersion', '');
    }

    /** The assembled layout for the device filters (watched cmds, device records): the one assembled last in this
     * process while the stored file and the eq's configVersion are unchanged (a change of the layout, its widgets or
     * custom data comes with a new config version), else a fresh one. Saving one phone recomputes the filters of
     * all: without this, each save would assemble every phone's layout again. */
    public static function forFilter($eq) {
        if (!JeedomConnectDevice::isPhone($eq)) {
            return null;
        }
        $key = $eq->getLogicalId();
        $fp = self::fingerprint($eq);
        if ($fp !== null && isset(self::$_memo[$key]) && self::$_memo[$key][0] === $fp) {
            return self::$_memo[$key][1];
        }
        // another process assembled it for the same file and version: its cached copy
        if ($fp !== null && (string) cache::byKey(self::fingerprintKey($key))->getValue('') === $fp) {
            $cached = json_decode((string) cache::byKey(self::cacheKey($key))->getValue(''), true);
            if (is_array($cached)) {
                self::$_memo[$key] = array($fp, $cached);
                return $cached;
            }
        }
        return self::generated($eq);
    }

    /** Jeedom cache key of the fingerprint (stored file + configVersion) the cached assembled layout was built from. */
    private static function fingerprintKey($_apiKey) {
        return 'JeedomConnect::layoutFingerprint::' . $_apiKey;
    }

    private static function saveGenerated($_apiKey, array $_config) {
        $json = json_encode($_config);
        $file = self::path($_apiKey) . '.generated';
        if ((string) cache::byKey(self::cacheKey($_apiKey))->getValue('') === $json && is_file($file)) {
            return;
        }
        cache::set(self::cacheKey($_apiKey), $json);
        if (@file_put_contents($file, json_encode($_config, JSON_PRETTY_PRINT)) === false) {
            log::add(self::PLUGIN, 'warning', 'Layout: cannot write ' . basename($file));
        }
    }

    /** Writes the stored layout file (pretty JSON, replaced atomically). */
    public static function write($_apiKey, array $_config) {
        $file = self::path($_apiKey);
        $tmp = $file . '.tmp' . getmypid();
        $json = json_encode($_config, JSON_PRETTY_PRINT);
        if ($json === false || @file_put_contents($tmp, $json) === false || !@rename($tmp, $file)) {
            @unlink($tmp);
            throw new Exception(__('Impossible d\'écrire la configuration de l\'équipement', __FILE__) . ' (' . basename($file) . ')');
        }
    }

    /** New equipment: an empty layout file (kept when a file is already there; the eq's configVersion starts at 0). */
    public static function create($eq) {
        if (!JeedomConnectDevice::isPhone($eq) || is_file(self::path($eq->getLogicalId()))) {
            return;
        }
        if (self::migrateLegacy($eq)) {
            return;
        }
        self::write($eq->getLogicalId(), self::emptyConfig());
    }

    /** Replaces the layout (caller saves the eq); bumps configVersion so apps reload it. Full widget objects found
     * in payload.widgets become global widget definitions referenced by the layout. */
    public static function set($eq, $config) {
        if (!is_array($config) || !isset($config['payload']) || !is_array($config['payload'])) {
            throw new Exception(__('Configuration invalide : objet JEEDOM_CONFIG avec un payload attendu', __FILE__));
        }
        if (!JeedomConnectDevice::isPhone($eq)) {
            throw new Exception(__('Cet équipement n\'est pas un appareil', __FILE__));
        }
        $config['type'] = 'JEEDOM_CONFIG';
        if (!isset($config['formatVersion'])) {
            $config['formatVersion'] = '1.0';
        }
        foreach (array('tabs', 'sections', 'rooms', 'groups', 'summaries', 'widgets') as $k) {
            if (!isset($config['payload'][$k]) || !is_array($config['payload'][$k])) {
                $config['payload'][$k] = array();
            }
        }
        $config = self::referencesOnly($config);
        $old = self::stored($eq);
        $version = max((int) $eq->getConfiguration('configVersion', 0), $old !== null && isset($old['payload']['configVersion']) ? (int) $old['payload']['configVersion'] : 0) + 1;
        $config['payload']['configVersion'] = $version;
        self::write($eq->getLogicalId(), $config);
        $eq->setConfiguration('configVersion', $version);
        self::generated($eq);
        return $config;
    }

    /** New config version (the stored one + 1, mirrored in the eq's configVersion; caller saves the eq). */
    public static function bump($eq) {
        $config = self::stored($eq);
        if ($config === null) {
            return null;
        }
        $version = (isset($config['payload']['configVersion']) ? (int) $config['payload']['configVersion'] : 0) + 1;
        $config['payload']['configVersion'] = $version;
        self::write($eq->getLogicalId(), $config);
        $eq->setConfiguration('configVersion', $version);
        self::generated($eq);
        return $version;
    }

    /** Layout missing or without formatVersion: puts back the last backup's layout if there is one. */
    public static function restoreFromBackup($eq) {
        if (!JeedomConnectDevice::isPhone($eq)) {
            return false;
        }
        $file = self::backupPath($eq->getLogicalId());
        if (!is_file($file)) {
            return false;
        }
        $bkp = json_decode((string) @file_get_contents($file), true);
        if (!is_array($bkp) || !isset($bkp['payload']) || !is_array($bkp['payload'])) {
            log::add(self::PLUGIN, 'warning', 'Layout: unreadable backup ' . basename($file) . ', not restored');
            return false;
        }
        self::write($eq->getLogicalId(), $bkp['payload']);
        log::add(self::PLUGIN, 'info', 'Layout of ' . $eq->getHumanName() . ' restored from its backup');
        self::generated($eq);
        return true;
    }

    /** Everything stored for the device's layout: file, assembled copies, custom data. */
    public static function remove($_apiKey) {
        if (!is_string($_apiKey) || !preg_match('/^[A-Za-z0-9]+$/', $_apiKey)) {
            return;
        }
        @unlink(self::path($_apiKey));
        @unlink(self::path($_apiKey) . '.generated');
        cache::delete(self::cacheKey($_apiKey));
        cache::delete(self::fingerprintKey($_apiKey));
        foreach (config::searchKey('customData::' . $_apiKey . '::', self::PLUGIN) as $row) {
            if (strpos($row['key'], 'customData::' . $_apiKey . '::') === 0) {
                config::remove($row['key'], self::PLUGIN);
            }
        }
    }

    /** New apiKey: the layout file and the custom data follow it. */
    public static function move($_old, $_new) {
        if (is_file(self::path($_old)) && !@rename(self::path($_old), self::path($_new))) {
            throw new Exception(__('Impossible de déplacer la configuration de l\'équipement', __FILE__));
        }
        $prefix = 'customData::' . $_old . '::';
        foreach (config::searchKey($prefix, self::PLUGIN) as $row) {
            if (strpos($row['key'], $prefix) === 0) {
                $v = is_array($row['value']) ? json_encode($row['value'], JSON_UNESCAPED_UNICODE) : $row['value'];
                config::save('customData::' . $_new . '::' . substr($row['key'], strlen($prefix)), $v, self::PLUGIN);
            }
        }
        self::remove($_old);
    }

    private static function migrateLegacy($eq) {
        $c = $eq->getConfiguration(self::LEGACY_KEY, null);
        if (is_string($c)) {
            $c = json_decode($c, true);
        }
        if (!is_array($c) || !isset($c['payload']) || !is_array($c['payload'])) {
            return false;
        }
        $c = self::referencesOnly($c);
        $c['payload']['configVersion'] = (int) $eq->getConfiguration('configVersion', 0);
        self::write($eq->getLogicalId(), $c);
        log::add(self::PLUGIN, 'info', 'Layout of ' . $eq->getHumanName() . ' moved to ' . basename(self::path($eq->getLogicalId())));
        return true;
    }

    /** Full widget objects in payload.widgets become global definitions `widget::<id>`; every reference gets a
     * widgetId (from idCounter) when it has none. */
    private static function referencesOnly(array $_config) {
        $counter = isset($_config['idCounter']) ? (int) $_config['idCounter'] : 0;
        foreach (array('tabs', 'sections', 'widgets') as $k) {
            foreach (isset($_config['payload'][$k]) && is_array($_config['payload'][$k]) ? $_config['payload'][$k] : array() as $node) {
                foreach (array('id', 'widgetId') as $idKey) {
                    if ($k !== 'widgets' || $idKey === 'widgetId') {
                        if (is_array($node) && isset($node[$idKey]) && is_numeric($node[$idKey]) && (int) $node[$idKey] < 999000) {
                            $counter = max($counter, (int) $node[$idKey] + 1);
                        }
                    }
                }
            }
        }
        $refs = array();
        foreach ($_config['payload']['widgets'] as $w) {
            if (!is_array($w)) {
                continue;
            }
            if (!isset($w['widgetId']) || !is_numeric($w['widgetId'])) {
                $w['widgetId'] = $counter++;
            }
            if (isset($w['type'])) {
                $def = $w;
                unset($def['widgetId'], $def['parentId'], $def['index']);
                $def['id'] = self::newWidgetId();
                self::saveWidget($def);
                $ref = array('id' => $def['id'], 'widgetId' => (int) $w['widgetId']);
                if (isset($w['parentId'])) {
                    $ref['parentId'] = $w['parentId'];
                }
                $ref['index'] = isset($w['index']) ? $w['index'] : count($refs);
                $w = $ref;
            }
            $refs[] = $w;
        }
        $_config['payload']['widgets'] = $refs;
        $_config['idCounter'] = $counter;
        return $_config;
    }

    /** Next global widget id (`index::max` + 1, skipping ids already taken), under a lock shared by PHP processes. */
    public static function newWidgetId() {
        $lockFile = jeedom::getTmpFolder(self::PLUGIN) . '/Widget_incrementIndex.lockfile';
        $fh = @fopen($lockFile, 'c');
        if ($fh !== false) {
            flock($fh, LOCK_EX);
        }
        try {
            $next = (int) config::byKey('index::max', self::PLUGIN, '0') + 1;
            while (config::byKey('widget::' . $next, self::PLUGIN, '') !== '') {
                $next++;
            }
            config::save('index::max', (string) $next, self::PLUGIN);
            return $next;
        } finally {
            if ($fh !== false) {
                flock($fh, LOCK_UN);
                fclose($fh);
            }
        }
    }

    public static function saveWidget(array $_widget) {
        config::save('widget::' . $_widget['id'], json_encode($_widget, JSON_UNESCAPED_UNICODE), self::PLUGIN);
    }

    /** Accepts a JEEDOM_CONFIG layout or its export wrapper JC_EXPORT_EQLOGIC_CONFIG. */
    public static function import($eq, $_json) {
        $config = json_decode((string) $_json, true);
        if (!is_array($config)) {
            throw new Exception(__('Le fichier importé n\'est pas un JSON valide', __FILE__));
        }
        if (isset($config['type']) && $config['type'] === 'JC_EXPORT_EQLOGIC_CONFIG' && isset($config['payload']) && is_array($config['payload'])) {
            $config = $config['payload'];
        }
        return self::set($eq, $config);
    }

    /** The assembled layout, pretty-printed (desktop view and download). */
    public static function export($eq) {
        return json_encode(self::generated($eq), JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    }

    /** Adds one widget showing (info) or triggering (action) a Jeedom command: a global widget definition and a
     * reference to it at the end of the layout. Returns the widget as the app receives it. */
    public static function addCmdWidget($eq, $_cmdId) {
        $cmd = cmd::byId($_cmdId);
        if (!is_object($cmd)) {
            throw new Exception(__('Commande introuvable', __FILE__) . ' [id=' . $_cmdId . ']');
        }
        $config = self::stored($eq);
        if ($config === null) {
            $config = self::emptyConfig();
        }
        $ref = array('id' => (string) $cmd->getId(), 'type' => $cmd->getType(), 'subType' => $cmd->getSubType(),
            'name' => $cmd->getName(), 'unit' => $cmd->getUnite());
        $widget = array('type' => $cmd->getType() === 'info' ? 'generic-info' : 'generic-action-other', 'id' => self::newWidgetId(),
            'name' => $cmd->getName(), 'enable' => true);
        $eqCmd = $cmd->getEqLogic();
        if (is_object($eqCmd) && $eqCmd->getObject_id() !== null) {
            $widget['room'] = (int) $eqCmd->getObject_id();
        }
        if ($cmd->getType() === 'info') {
            $widget['statusInfo'] = $ref;
        } else {
            $widget['actions'] = array($ref);
        }
        self::saveWidget($widget);
        $config['payload']['widgets'][] = array('id' => $widget['id'], 'index' => count($config['payload']['widgets']));
        $config = self::set($eq, $config);
        $ref = end($config['payload']['widgets']);
        return array_merge($ref, $widget, array('widgetId' => (int) $ref['widgetId']));
    }

    /* ---- what the device may see */

    private static function widgets($config) {
        $w = isset($config['payload']['widgets']) && is_array($config['payload']['widgets']) ? $config['payload']['widgets'] : array();
        return array_values(array_filter($w, 'is_array'));
    }

    /** The info cmds of the layout (getInfoCmdList, docs/protocol.md "Events"), as strings, in the previous plugin's
     * order: each widget's info properties and moreInfos, the cmds (that exist) of the widgets' visibility
     * conditions, then of the global background conditions, the tabs' and the sections' ones, the weather block,
     * the custom data's moreInfos; each id once. */
    public static function infoCmdIds($config) {
        if (!is_array($config) || !isset($config['payload']) || !is_array($config['payload'])) {
            return array();
        }
        $p = $config['payload'];
        $ids = array();
        $conds = array();
        foreach (self::widgets($config) as $w) {
            foreach ($w as $k => $v) {
                if (is_array($v)) {
                    if (isset($v['type']) && $v['type'] === 'info') {
                        self::addId($ids, $v['id'] ?? null);
                    }
                    if ($k === 'moreInfos') {
                        foreach ($v as $mi) {
                            self::addId($ids, is_array($mi) ? ($mi['id'] ?? null) : null);
                        }
                    }
                }
                if ($k === 'visibilityCond') {
                    $conds[] = $v;
                }
            }
        }
        foreach (isset($p['background']['condBackgrounds']) && is_array($p['background']['condBackgrounds']) ? $p['background']['condBackgrounds'] : array() as $cb) {
            if (is_array($cb) && isset($cb['condition'])) {
                $conds[] = $cb['condition'];
            }
        }
        foreach (array('tabs', 'sections') as $menu) {
            foreach (isset($p[$menu]) && is_array($p[$menu]) ? $p[$menu] : array() as $node) {
                if (is_array($node) && isset($node['visibilityCond'])) {
                    $conds[] = $node['visibilityCond'];
                }
            }
        }
        foreach ($conds as $cond) {
            if (is_string($cond) && preg_match_all('/#([a-zA-Z0-9]*)#/', $cond, $m)) {
                foreach (array_unique($m[1]) as $id) {
                    if ($id !== '' && is_object(cmd::byId($id))) {
                        self::addId($ids, $id);
                    }
                }
            }
        }
        if (isset($p['weather']) && is_array($p['weather']) && count($p['weather']) > 0) {
            foreach (array('condition', 'condition_id', 'sunrise', 'sunset', 'temperature', 'temperature_min', 'temperature_max') as $k) {
                self::addId($ids, $p['weather'][$k] ?? null);
            }
        }
        if (isset($p['customData']['widgets']) && is_array($p['customData']['widgets'])) {
            foreach ($p['customData']['widgets'] as $cw) {
                if (is_array($cw) && isset($cw['moreInfos']) && is_array($cw['moreInfos'])) {
                    foreach ($cw['moreInfos'] as $mi) {
                        self::addId($ids, is_array($mi) ? ($mi['id'] ?? null) : null);
                    }
                }
            }
        }
        return array_map('strval', array_keys($ids));
    }

    private static function addId(array &$_ids, $_id) {
        if (is_scalar($_id) && $_id !== '' && !is_bool($_id)) {
            $_ids[(string) $_id] = true;
        }
    }

    public static function scenarioIds($config) {
        $ids = array();
        foreach (self::widgets($config) as $w) {
            if (isset($w['type']) && $w['type'] === 'scenario' && isset($w['scenarioId']) && is_scalar($w['scenarioId']) && $w['scenarioId'] !== '') {
                $ids[(string) $w['scenarioId']] = true;
            }
        }
        return array_map('strval', array_keys($ids));
    }

    public static function roomIds($config) {
        $ids = array();
        if (isset($config['payload']['rooms']) && is_array($config['payload']['rooms'])) {
            foreach ($config['payload']['rooms'] as $r) {
                if (is_array($r) && isset($r['id']) && is_scalar($r['id']) && $r['id'] !== '') {
                    $ids[(string) $r['id']] = true;
                }
            }
        }
        return array_map('strval', array_keys($ids));
    }

    /** Info cmds refreshed every 5 minutes (their history statistics move with time), as the previous plugin picks
     * them: a widget's info property or moreInfos cmd that the widget's name or subtitle uses as average(#id#),
     * min(#id#), max(#id#), collect(#id#) or tendance(#id#); in layout order, each once. */
    public static function historicCmdIds($config) {
        $ids = array();
        foreach (self::widgets($config) as $w) {
            $text = (isset($w['name']) && is_string($w['name']) ? $w['name'] : '') . "\n" . (isset($w['subtitle']) && is_string($w['subtitle']) ? $w['subtitle'] : '');
            $used = function ($_id) use ($text) {
                foreach (explode('|', self::HISTORIC_FUNCTIONS) as $f) {
                    if (is_scalar($_id) && strpos($text, $f . '(#' . $_id . '#)') !== false) {
                        return true;
                    }
                }
                return false;
            };
            foreach ($w as $k => $v) {
                if (!is_array($v)) {
                    continue;
                }
                if (isset($v['type']) && $v['type'] === 'info' && $used($v['id'] ?? null)) {
                    self::addId($ids, $v['id']);
                }
                if ($k === 'moreInfos') {
                    foreach ($v as $mi) {
                        if (is_array($mi) && $used($mi['id'] ?? null)) {
                            self::addId($ids, $mi['id']);
                        }
                    }
                }
            }
        }
        return array_map('strval', array_keys($ids));
    }
}
