<?php
/*
 * JeedomConnect - the state objects the app receives (docs/protocol.md, "Events"): cmdInfo, scInfo and objInfo, full and
 * incremental, and the "daemon is down" event path: SET_EVENTS built from Jeedom's own event::changes like the old
 * plugin's getEventsFull (incremental up to 248 events, full snapshot from 249).
 */
class JeedomConnectInfo {
    const FULL_REFRESH_AT = 249;
    const HIST_PERIOD = 300;

    /* ---- cmds */

    /** {averageValue, minValue, maxValue, tendance} over Jeedom's history periods, as the previous plugin computed
     * them: rounded to one decimal; a historized cmd whose statistics are all zero (no history in the period) gets
     * its current value; zeros and null for a cmd that is not historized, or a string. */
    private static function history($cmd) {
        $h = array('averageValue' => 0, 'minValue' => 0, 'maxValue' => 0, 'tendance' => null);
        if ($cmd->getIsHistorized() != 1 || $cmd->getSubType() === 'string') {
            return $h;
        }
        try {
            $end = date('Y-m-d H:i:s');
            $start = date('Y-m-d H:i:s', strtotime($end . ' -' . config::byKey('historyCalculPeriod') . ' hour'));
            $stat = $cmd->getStatistique($start, $end);
            $val = $cmd->execCmd();
            if (($stat['avg'] ?? null) == 0 && ($stat['min'] ?? null) == 0 && ($stat['max'] ?? null) == 0 && $val != '') {
                $r = array(self::round1($val), self::round1($val), self::round1($val));
            } else {
                $r = array(self::round1($stat['avg'] ?? null), self::round1($stat['min'] ?? null), self::round1($stat['max'] ?? null));
            }
            list($h['averageValue'], $h['minValue'], $h['maxValue']) = $r;
            $h['tendance'] = self::tendance($cmd, $end);
        } catch (Throwable $e) {
            // history is decoration: never fail the event for it (what was computed before the error stays)
            log::add('JeedomConnect', 'debug', 'history of cmd ' . $cmd->getId() . ' left out: ' . $e->getMessage());
        }
        return $h;
    }

    /** up, down or stable: the command's trend over Jeedom's trend period before $_end, against its thresholds. */
    public static function tendance($_cmd, $_end) {
        $t = $_cmd->getTendance(date('Y-m-d H:i:s', strtotime($_end . ' -' . config::byKey('historyCalculTendance') . ' hour')), $_end);
        if ($t > config::byKey('historyCalculTendanceThresholddMax')) {
            return 'up';
        }
        if ($t < config::byKey('historyCalculTendanceThresholddMin')) {
            return 'down';
        }
        return 'stable';
    }

    private static function round1($_v) {
        if ($_v !== null && !is_numeric($_v)) {
            throw new Exception('not a number: ' . json_encode($_v));
        }
        return round((float) $_v, 1);
    }

    /** Unix time of a Jeedom date; 0 when there is none (upstream sends false there: docs/api-methods.md). */
    private static function ts($_date) {
        if ($_date === null || $_date === '') {
            return 0;
        }
        $t = strtotime((string) $_date);
        return $t === false ? 0 : $t;
    }

    /** cmdInfo: the value as Jeedom keeps it (number, string; '' when the cmd never had one), its dates and history. */
    public static function cmdInfo($cmd, $_value = null, $_valueDate = null, $_collectDate = null) {
        $cache = $cmd->getCache(array('valueDate', 'collectDate', 'value'));
        $value = $_value !== null ? $_value : $cache['value'];
        return array(
            'id' => (string) $cmd->getId(),
            'value' => $value,
            'modified' => self::ts($_valueDate !== null ? $_valueDate : $cache['valueDate']),
            'collectDate' => self::ts($_collectDate !== null ? $_collectDate : $cache['collectDate']),
            'history' => self::history($cmd),
        );
    }

    public static function cmdInfos(array $_ids) {
        $r = array();
        foreach ($_ids as $id) {
            $cmd = cmd::byId($id);
            if (is_object($cmd) && $cmd->getType() === 'info') {
                $r[] = self::cmdInfo($cmd);
            }
        }
        return $r;
    }

    /* ---- scenarios */

    public static function scInfoFull($sc) {
        $object = $sc->getObject();
        $state = $sc->getCache(array('state', 'lastLaunch'));
        $icon = $sc->getDisplay('icon');
        return array(
            'id' => (string) $sc->getId(),
            'name' => $sc->getName(),
            'object' => is_object($object) ? $object->getName() : 'Aucun',
            'group' => $sc->getGroup() == '' ? 'Aucun' : $sc->getGroup(),
            'status' => $state['state'],
            'lastLaunch' => self::ts($state['lastLaunch']),
            'active' => $sc->getIsActive() ? 1 : 0,
            // the classes of an <i> icon
            'icon' => is_string($icon) && strpos($icon, '<i') === 0 ? trim(str_replace(array('<i', 'class=', '"', '/>', '></i>'), '', $icon)) : null,
        );
    }

    /** $_config: the eq's assembled layout when the caller has it already (assembling writes the cache again). */
    public static function scenarioIdsOf($eq, $_config = null) {
        if (JeedomConnectDevice::isTrue($eq->getConfiguration('scAll', 0))) {
            return array_map(function ($sc) {
                return (string) $sc->getId();
            }, scenario::all());
        }
        return JeedomConnectLayout::scenarioIds($_config !== null ? $_config : JeedomConnectLayout::generated($eq));
    }

    /** scInfo of the scenarios of the layout's scenario widgets, or of every scenario ($_all: GET_ALL_SC), in
     * Jeedom's order of scenarios. */
    public static function scInfos($eq, $_config = null, $_all = false) {
        $ids = $_all ? array() : array_flip(JeedomConnectLayout::scenarioIds($_config !== null ? $_config : JeedomConnectLayout::generated($eq)));
        $r = array();
        foreach (scenario::all() as $sc) {
            if ($_all || isset($ids[(string) $sc->getId()])) {
                $r[] = self::scInfoFull($sc);
            }
        }
        return $r;
    }

    public static function scInfoFromEvent($option) {
        $r = array('id' => (string) $option['scenario_id'],
            'status' => isset($option['state']) ? $option['state'] : null,
            'lastLaunch' => self::ts($option['lastLaunch'] ?? null));
        if (array_key_exists('isActive', $option)) {
            $r['active'] = $option['isActive'];
        }
        return $r;
    }

    /* ---- objects (rooms) */

    private static function summaryKeys() {
        $def = config::byKey('object:summary', 'core', array());
        if (is_array($def) && count($def) > 0) {
            return array_keys($def);
        }
        return array('security', 'motion', 'door', 'windows', 'shutter', 'light', 'outlet', 'temperature', 'humidity', 'luminosity', 'power');
    }

    /** The device's rooms (in Jeedom's order) with each summary the room defines - its value, even when empty, and
     * its definition (cmds) - then the global summary of every key, as upstream sends them. */
    public static function objInfos($eq, $_config = null) {
        $rooms = array_flip(JeedomConnectLayout::roomIds($_config !== null ? $_config : JeedomConnectLayout::generated($eq)));
        $r = array();
        foreach (jeeObject::all() as $o) {
            if (!isset($rooms[(string) $o->getId()])) {
                continue;
            }
            $list = array();
            $summary = $o->getConfiguration('summary');
            foreach (is_array($summary) ? $summary : array() as $k => $cmds) {
                $list[] = array($k => array('value' => $o->getSummary($k), 'cmds' => $cmds));
            }
            $r[] = array('object_id' => (string) $o->getId(), 'keys' => $list);
        }
        $global = array();
        foreach (self::summaryKeys() as $k) {
            $global[] = array($k => array('value' => jeeObject::getGlobalSummary($k)));
        }
        $r[] = array('object_id' => 'global', 'keys' => $global);
        return $r;
    }

    public static function objInfoFromEvent($option) {
        $option['object_id'] = (string) $option['object_id'];
        return $option;
    }

    /** {cmdInfo, scInfo, objInfo}: SET_INFO / WELCOME / CONFIG_AND_INFOS infos. */
    public static function all($eq) {
        $config = JeedomConnectLayout::generated($eq);
        return array(
            'cmdInfo' => self::cmdInfos(JeedomConnectLayout::infoCmdIds($config)),
            'scInfo' => self::scInfos($eq, $config),
            'objInfo' => self::objInfos($eq, $config),
        );
    }

    /* ---- the historic refresh */

    /** cmdInfo of the layout's cmds whose history statistics the app shows (JeedomConnectLayout::historicCmdIds). */
    public static function historicCmdInfos($_config) {
        return self::cmdInfos(JeedomConnectLayout::historicCmdIds($_config));
    }

    /** Every 5 minutes (Jeedom's cron5): the cmdInfo of every phone's historic cmds, as one EVENTS line to the
     * daemon, which gives them to the phones that show them (WebSocket, SSE and polling alike). */
    public static function refreshHistoric() {
        $ids = array();
        foreach (JeedomConnectDevice::all() as $eq) {
            if ($eq->getIsEnable()) {
                foreach (JeedomConnectLayout::historicCmdIds(JeedomConnectLayout::forFilter($eq)) as $id) {
                    $ids[$id] = true;
                }
            }
        }
        if (count($ids) === 0) {
            return false;
        }
        $infos = self::cmdInfos(array_map('strval', array_keys($ids)));
        return count($infos) > 0 ? JeedomConnectControl::events(array(array('type' => 'CMD_INFO', 'payload' => $infos))) : false;
    }

    /* ---- the daemon-less GET_EVENTS (docs/protocol.md, "Polling") */

    public static function eventsFromCore($eq, $_lastRead, $_lastHistoric) {
        $changes = event::changes($_lastRead);
        $events = isset($changes['result']) && is_array($changes['result']) ? $changes['result'] : array();
        $hist = ($_lastHistoric === null || $_lastHistoric === '') ? 0 : (float) $_lastHistoric;
        $config = JeedomConnectLayout::generated($eq);
        if (time() - $hist > self::HIST_PERIOD) {
            $hist = time();
            foreach (JeedomConnectLayout::historicCmdIds($config) as $id) {
                $cmd = cmd::byId($id);
                if (is_object($cmd)) {
                    $c = $cmd->getCache(array('value', 'valueDate', 'collectDate'), null);
                    $events[] = array('datetime' => $changes['datetime'], 'name' => 'cmd::update',
                        'option' => array('cmd_id' => $id, 'value' => $c['value'], 'valueDate' => $c['valueDate'], 'collectDate' => $c['collectDate']));
                }
            }
        }
        $payload = array(
            array('type' => 'DATETIME', 'payload' => (float) $changes['datetime']),
            array('type' => 'HIST_DATETIME', 'payload' => $hist),
        );
        if (count($events) === 0) {
            return $payload;
        }
        if (count($events) >= self::FULL_REFRESH_AT) {
            $all = self::all($eq);
            $payload[] = array('type' => 'CMD_INFO', 'payload' => $all['cmdInfo']);
            $payload[] = array('type' => 'SC_INFO', 'payload' => $all['scInfo']);
            $payload[] = array('type' => 'OBJ_INFO', 'payload' => $all['objInfo']);
            return $payload;
        }
        $cmdIds = array_flip(JeedomConnectLayout::infoCmdIds($config));
        $scIds = array_flip(self::scenarioIdsOf($eq, $config));
        $cmds = array();
        $scs = array();
        $objs = array();
        foreach ($events as $ev) {
            $o = isset($ev['option']) && is_array($ev['option']) ? $ev['option'] : array();
            if ($ev['name'] === 'cmd::update' && isset($o['cmd_id']) && isset($cmdIds[(string) $o['cmd_id']])) {
                $cmd = cmd::byId($o['cmd_id']);
                if (is_object($cmd)) {
                    $cmds[] = self::cmdInfo($cmd, isset($o['value']) ? $o['value'] : null,
                        isset($o['valueDate']) ? $o['valueDate'] : null, isset($o['collectDate']) ? $o['collectDate'] : null);
                }
            } elseif ($ev['name'] === 'scenario::update' && isset($o['scenario_id']) && isset($scIds[(string) $o['scenario_id']])) {
                $scs[] = self::scInfoFromEvent($o);
            } elseif ($ev['name'] === 'jeeObject::summary::update' && isset($o['object_id'])) {
                $objs[] = self::objInfoFromEvent($o);
            }
        }
        $payload[] = array('type' => 'CMD_INFO', 'payload' => $cmds);
        $payload[] = array('type' => 'SC_INFO', 'payload' => $scs);
        $payload[] = array('type' => 'OBJ_INFO', 'payload' => $objs);
        return $payload;
    }
}
