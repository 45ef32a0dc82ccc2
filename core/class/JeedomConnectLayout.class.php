<?php
/*
 * JeedomConnect - the app's layout (JEEDOM_CONFIG format) stored per equipment (configuration 'jcConfig'):
 * read/write/import/export, "add a Jeedom command as a widget", and what the device may see (its info cmds,
 * scenario widgets and rooms - docs/protocol.md, "Events"), which becomes the device filter sent to the daemon.
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

    /** The stored layout; null when it is missing/unreadable (=> EMPTY_CONFIG_FILE). */
    public static function stored($eq) {
        $c = $eq->getConfiguration('jcConfig', null);
        if (is_string($c)) {
            $c = json_decode($c, true);
        }
        return is_array($c) ? $c : null;
    }

    /** The layout as sent to the app (GET_CONFIG, WELCOME/CONFIG_AND_INFOS): payload.configVersion = the eq's. */
    public static function generated($eq) {
        $c = self::stored($eq);
        if ($c === null) {
            return null;
        }
        if (!isset($c['payload']) || !is_array($c['payload'])) {
            $c['payload'] = array();
        }
        $c['payload']['configVersion'] = (int) $eq->getConfiguration('configVersion', 0);
        if (!isset($c['payload']['customData'])) {
            $c['payload']['customData'] = array('widgets' => new stdClass());
        }
        return $c;
    }

    /** Replaces the layout (caller saves the eq); bumps configVersion so apps reload it. */
    public static function set($eq, $config) {
        if (!is_array($config) || !isset($config['payload']) || !is_array($config['payload'])) {
            throw new Exception(__('Configuration invalide : objet JEEDOM_CONFIG avec un payload attendu', __FILE__));
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
        $version = (int) $eq->getConfiguration('configVersion', 0) + 1;
        $config['payload']['configVersion'] = $version;
        $eq->setConfiguration('configVersion', $version);
        $eq->setConfiguration('jcConfig', $config);
        return $config;
    }

    public static function import($eq, $_json) {
        $config = json_decode((string) $_json, true);
        if (!is_array($config)) {
            throw new Exception(__('Le fichier importé n\'est pas un JSON valide', __FILE__));
        }
        return self::set($eq, $config);
    }

    public static function export($eq) {
        return json_encode(self::generated($eq), JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    }

    /** Adds one widget showing (info) or triggering (action) a Jeedom command. Returns the widget. */
    public static function addCmdWidget($eq, $_cmdId) {
        $cmd = cmd::byId($_cmdId);
        if (!is_object($cmd)) {
            throw new Exception(__('Commande introuvable', __FILE__) . ' [id=' . $_cmdId . ']');
        }
        $config = self::stored($eq);
        if ($config === null) {
            $config = self::emptyConfig();
        }
        $id = (int) (isset($config['idCounter']) ? $config['idCounter'] : 0) + 1;
        $config['idCounter'] = $id;
        $ref = array('id' => (string) $cmd->getId(), 'type' => $cmd->getType(), 'subType' => $cmd->getSubType(),
            'name' => $cmd->getName(), 'unit' => $cmd->getUnite());
        $widget = array('type' => $cmd->getType() === 'info' ? 'generic-info' : 'generic-action-other', 'id' => $id,
            'widgetId' => $id, 'name' => $cmd->getName(), 'enable' => true, 'index' => count($config['payload']['widgets']));
        $eqCmd = $cmd->getEqLogic();
        if (is_object($eqCmd) && $eqCmd->getObject_id() !== null) {
            $widget['room'] = (int) $eqCmd->getObject_id();
        }
        if ($cmd->getType() === 'info') {
            $widget['statusInfo'] = $ref;
        } else {
            $widget['actions'] = array($ref);
        }
        $config['payload']['widgets'][] = $widget;
        self::set($eq, $config);
        return $widget;
    }

    /* ---- what the device may see */

    private static function widgets($config) {
        $w = isset($config['payload']['widgets']) && is_array($config['payload']['widgets']) ? $config['payload']['widgets'] : array();
        return array_values(array_filter($w, 'is_array'));
    }

    /** Every array inside $node that looks like {"type":"info","id":…}, and every moreInfos[].id. */
    private static function collectInfoRefs($node, &$ids) {
        if (!is_array($node)) {
            return;
        }
        if (isset($node['type']) && $node['type'] === 'info' && isset($node['id']) && is_scalar($node['id']) && $node['id'] !== '') {
            $ids[(string) $node['id']] = true;
        }
        if (isset($node['moreInfos']) && is_array($node['moreInfos'])) {
            foreach ($node['moreInfos'] as $mi) {
                if (is_array($mi) && isset($mi['id']) && is_scalar($mi['id']) && $mi['id'] !== '') {
                    $ids[(string) $mi['id']] = true;
                }
            }
        }
        foreach ($node as $k => $child) {
            if (is_array($child) && $k !== 'moreInfos') {
                self::collectInfoRefs($child, $ids);
            }
        }
    }

    private static function collectCondRefs($node, &$ids) {
        if (!is_array($node)) {
            return;
        }
        $conds = array();
        if (isset($node['visibilityCond']) && is_string($node['visibilityCond'])) {
            $conds[] = $node['visibilityCond'];
        }
        if (isset($node['background']['condBackgrounds']) && is_array($node['background']['condBackgrounds'])) {
            foreach ($node['background']['condBackgrounds'] as $cb) {
                if (is_array($cb) && isset($cb['condition']) && is_string($cb['condition'])) {
                    $conds[] = $cb['condition'];
                }
            }
        }
        foreach ($conds as $cond) {
            if (preg_match_all('/#(\d+)#/', $cond, $m)) {
                foreach ($m[1] as $id) {
                    if (is_object(cmd::byId($id))) {
                        $ids[(string) $id] = true;
                    }
                }
            }
        }
    }

    /** getInfoCmdList (docs/protocol.md, "Events"): ids as strings, sorted numerically. */
    public static function infoCmdIds($config) {
        $ids = array();
        if (!is_array($config)) {
            return array();
        }
        foreach (self::widgets($config) as $w) {
            self::collectInfoRefs($w, $ids);
            self::collectCondRefs($w, $ids);
        }
        foreach (array('tabs', 'sections') as $k) {
            if (isset($config['payload'][$k]) && is_array($config['payload'][$k])) {
                foreach ($config['payload'][$k] as $node) {
                    self::collectCondRefs($node, $ids);
                }
            }
        }
        if (isset($config['payload']['weather']) && is_array($config['payload']['weather'])) {
            foreach (array('condition', 'condition_id', 'sunrise', 'sunset', 'temperature', 'temperature_min', 'temperature_max') as $k) {
                if (isset($config['payload']['weather'][$k]) && is_scalar($config['payload']['weather'][$k]) && $config['payload']['weather'][$k] !== '') {
                    $ids[(string) $config['payload']['weather'][$k]] = true;
                }
            }
        }
        if (isset($config['payload']['customData']['widgets']) && is_array($config['payload']['customData']['widgets'])) {
            foreach ($config['payload']['customData']['widgets'] as $cw) {
                if (is_array($cw) && isset($cw['moreInfos']) && is_array($cw['moreInfos'])) {
                    foreach ($cw['moreInfos'] as $mi) {
                        if (is_array($mi) && isset($mi['id']) && is_scalar($mi['id']) && $mi['id'] !== '') {
                            $ids[(string) $mi['id']] = true;
                        }
                    }
                }
            }
        }
        $list = array_map('strval', array_keys($ids));
        sort($list, SORT_NUMERIC);
        return $list;
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

    /** Info cmds used by average(#id#), min(#id#)… in widget names/subtitles (5-minute historic refresh). */
    public static function historicCmdIds($config) {
        $ids = array();
        foreach (self::widgets($config) as $w) {
            foreach (array('name', 'subtitle') as $k) {
                if (isset($w[$k]) && is_string($w[$k]) && preg_match_all('/(?:' . self::HISTORIC_FUNCTIONS . ')\(#(\d+)#/', $w[$k], $m)) {
                    foreach ($m[1] as $id) {
                        $ids[(string) $id] = true;
                    }
                }
            }
        }
        return array_map('strval', array_keys($ids));
    }
}
