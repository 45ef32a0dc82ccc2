<?php
/*
 * JeedomConnect - the app's automations ("Programmations", docs/api-methods.md): stored as upstream stores them, in
 * Jeedom's own cron and listener tables (class JeedomConnect, function jobExecutor, option = the app's automation
 * object plus eqLogicId), so those an install of the previous plugin created keep working and a rollback finds
 * ours. ADD/REMOVE/REMOVE_ALL/GET answer SET_AUTOMATIONS (this phone's automations, crons first, each with its
 * jeedomId). When Jeedom runs the cron or the listener, run() executes the actions: a command, a scenario, a
 * notification.
 */
class JeedomConnectAutomations {
    const PLUGIN = 'JeedomConnect';
    const FUNCTION_NAME = 'jobExecutor';

    /* ---------------- API methods ---------------- */

    /** ADD_AUTOMATION {automation} -> SET_AUTOMATIONS; creates or updates the automation of that id. */
    public static function add(JeedomConnectApi $_api) {
        $eq = $_api->eq();
        $automation = self::validated($_api->param('automation'), $eq);
        $id = $automation['id'];
        $type = $automation['triggers'][0]['type'];
        // the trigger type changed: the other kind goes
        if ($type === 'event') {
            self::removeOne(self::cronOf($eq->getId(), $id));
            self::saveListener($eq->getId(), $automation);
        } else {
            self::removeOne(self::listenerOf($eq->getId(), $id));
            self::saveCron($eq->getId(), $automation);
        }
        return self::answer($eq->getId());
    }

    /** REMOVE_AUTOMATION {automation: {id, triggers: [{type}]}} -> SET_AUTOMATIONS */
    public static function remove(JeedomConnectApi $_api) {
        $eq = $_api->eq();
        $automation = $_api->param('automation');
        if (!is_array($automation) || !isset($automation['id']) || !self::isId($automation['id'])) {
            throw new Exception('automation.id: an automation id is expected');
        }
        $type = isset($automation['triggers'][0]['type']) ? $automation['triggers'][0]['type'] : null;
        if ($type !== 'cron' && $type !== 'event') {
            throw new Exception('automation.triggers[0].type: cron or event expected');
        }
        self::removeOne($type === 'cron' ? self::cronOf($eq->getId(), $automation['id']) : self::listenerOf($eq->getId(), $automation['id']));
        return self::answer($eq->getId());
    }

    /** REMOVE_ALL_AUTOMATIONS -> SET_AUTOMATIONS (empty) */
    public static function removeAll(JeedomConnectApi $_api) {
        $eqId = $_api->eq()->getId();
        foreach (array_merge(self::crons($eqId), self::listeners($eqId)) as $item) {
            $item->remove();
        }
        return self::answer($eqId);
    }

    /** GET_AUTOMATIONS -> SET_AUTOMATIONS */
    public static function all(JeedomConnectApi $_api) {
        return self::answer($_api->eq()->getId());
    }

    private static function answer($_eqId) {
        return array('type' => 'SET_AUTOMATIONS', 'payload' => self::listOf($_eqId));
    }

    /** The phone's automations: the stored objects plus jeedomId (cron or listener id), crons first. */
    public static function listOf($_eqId) {
        $list = array();
        foreach (array_merge(self::crons($_eqId), self::listeners($_eqId)) as $item) {
            $list[] = array_merge($item->getOption(), array('jeedomId' => $item->getId()));
        }
        return $list;
    }

    /* ---------------- storage (Jeedom's cron and listener tables) ---------------- */

    private static function belongs($_item, $_eqId) {
        $o = $_item->getOption();
        return is_array($o) && isset($o['eqLogicId']) && (string) $o['eqLogicId'] === (string) $_eqId;
    }

    private static function crons($_eqId) {
        return array_values(array_filter(cron::searchClassAndFunction(self::PLUGIN, self::FUNCTION_NAME), function ($c) use ($_eqId) {
            return self::belongs($c, $_eqId);
        }));
    }

    private static function listeners($_eqId) {
        return array_values(array_filter(listener::searchClassFunctionOption(self::PLUGIN, self::FUNCTION_NAME), function ($l) use ($_eqId) {
            return self::belongs($l, $_eqId);
        }));
    }

    private static function byId(array $_items, $_id) {
        foreach ($_items as $item) {
            $o = $item->getOption();
            if (isset($o['id']) && (string) $o['id'] === (string) $_id) {
                return $item;
            }
        }
        return null;
    }

    private static function cronOf($_eqId, $_id) {
        return self::byId(self::crons($_eqId), $_id);
    }

    private static function listenerOf($_eqId, $_id) {
        return self::byId(self::listeners($_eqId), $_id);
    }

    private static function removeOne($_item) {
        if (is_object($_item)) {
            $_item->remove();
        }
    }

    /** Cron: the app's schedule; a "unique" one gets its day of week freed and the year of its date appended
     * (a once cron, removed by Jeedom after its run). */
    private static function saveCron($_eqId, array $_automation) {
        $o = $_automation['triggers'][0]['options'];
        $schedule = (string) $o['cron'];
        $unique = !empty($o['unique']);
        if ($unique) {
            $parts = explode(' ', $schedule);
            if (count($parts) >= 5) {
                $parts[4] = '*';
                $schedule = implode(' ', $parts);
            }
            $schedule .= date(' Y', (int) ($o['fixedTime'] / 1000));
        }
        $_automation['eqLogicId'] = $_eqId;
        $cron = self::cronOf($_eqId, $_automation['id']);
        if (!is_object($cron)) {
            $cron = new cron();
            $cron->setClass(self::PLUGIN);
            $cron->setFunction(self::FUNCTION_NAME);
        }
        $cron->setOption($_automation);
        $cron->setOnce((!empty($o['once']) && $unique) ? 1 : 0);
        $cron->setEnable(1);
        $cron->setDeamon(0);
        $cron->setSchedule($schedule);
        $cron->setTimeout(5);
        $cron->save();
    }

    /** Listener on every existing command #id# of the trigger's expression. */
    private static function saveListener($_eqId, array $_automation) {
        $_automation['eqLogicId'] = $_eqId;
        $listener = self::listenerOf($_eqId, $_automation['id']);
        if (!is_object($listener)) {
            $listener = new listener();
            $listener->setClass(self::PLUGIN);
            $listener->setFunction(self::FUNCTION_NAME);
        }
        $listener->setOption($_automation);
        foreach (self::cmdIds($_automation['triggers'][0]['options']['event']) as $cmdId) {
            if (is_object(cmd::byId($cmdId))) {
                $listener->addEvent($cmdId);
            }
        }
        $listener->save();
    }

    /** The ids between '#' in an expression, in order. */
    private static function cmdIds($_expression) {
        preg_match_all('/#([0-9]+)#/', (string) $_expression, $m);
        return $m[1];
    }

    private static function isId($_v) {
        return is_int($_v) || (is_string($_v) && $_v !== '' && strlen($_v) <= 128);
    }

    /** The app's automation object, checked: what Jeedom would store and what run() needs. Throws a clear error. */
    private static function validated($_a, $_eq) {
        if (!is_array($_a)) {
            throw new Exception('automation: an automation object is expected');
        }
        if (!isset($_a['id']) || !self::isId($_a['id'])) {
            throw new Exception('automation.id: an automation id is expected');
        }
        $t = isset($_a['triggers'][0]) ? $_a['triggers'][0] : null;
        if (!is_array($t) || !isset($t['type']) || ($t['type'] !== 'cron' && $t['type'] !== 'event')) {
            throw new Exception('automation.triggers[0].type: cron or event expected');
        }
        $o = isset($t['options']) ? $t['options'] : null;
        if (!is_array($o)) {
            throw new Exception('automation.triggers[0].options: an object is expected');
        }
        if ($t['type'] === 'cron') {
            $fields = isset($o['cron']) && is_string($o['cron']) ? preg_split('/ +/', trim($o['cron'])) : array();
            if (count($fields) < 5 || count($fields) > 6 || preg_grep('/^[0-9A-Za-z*,\/\-?#]+$/', $fields, PREG_GREP_INVERT)) {
                throw new Exception('automation.triggers[0].options.cron: a cron schedule is expected');
            }
            if (!empty($o['unique']) && (!isset($o['fixedTime']) || !is_numeric($o['fixedTime']))) {
                throw new Exception('automation.triggers[0].options.fixedTime: a date (ms) is expected for a unique automation');
            }
        } else {
            $event = isset($o['event']) && is_string($o['event']) ? $o['event'] : '';
            $known = array_filter(self::cmdIds($event), function ($id) {
                return is_object(cmd::byId($id));
            });
            if (count($known) === 0) {
                throw new Exception('automation.triggers[0].options.event: an expression with at least one command #id# is expected');
            }
            if (self::callsAFunction($event)) {
                throw new Exception('automation.triggers[0].options.event: a condition on commands is expected, without function calls');
            }
        }
        if (!isset($_a['actions']) || !is_array($_a['actions']) || count($_a['actions']) === 0) {
            throw new Exception('automation.actions: a list of actions is expected');
        }
        $user = user::byId($_eq->getConfiguration('userId', ''));
        foreach (array_values($_a['actions']) as $i => $action) {
            $kind = is_array($action) && isset($action['action']) ? $action['action'] : null;
            $opts = is_array($action) && isset($action['options']) && is_array($action['options']) ? $action['options'] : array();
            if ($kind === 'cmd') {
                $cmd = isset($opts['id']) && is_scalar($opts['id']) ? cmd::byId($opts['id']) : null;
                if (!is_object($cmd) || $cmd->getType() !== 'action') {
                    throw new Exception('automation.actions[' . $i . '].options.id: an action command is expected');
                }
                if (is_object($user) && !$cmd->hasRight($user)) {
                    throw new Exception('Vous n\'avez pas le droit d\'exécuter cette commande ' . $cmd->getHumanName());
                }
            } elseif ($kind === 'scenario') {
                $sc = isset($opts['scenario_id']) && is_scalar($opts['scenario_id']) ? scenario::byId($opts['scenario_id']) : null;
                if (!is_object($sc)) {
                    throw new Exception('automation.actions[' . $i . '].options.scenario_id: a scenario is expected');
                }
                if (is_object($user) && !$sc->hasRight('x', $user)) {
                    throw new Exception('Vous n\'avez pas le droit d\'exécuter ce scénario ' . $sc->getName());
                }
            } elseif ($kind !== 'notif') {
                throw new Exception('automation.actions[' . $i . '].action: cmd, scenario or notif expected');
            }
        }
        return $_a;
    }

    /* ---------------- execution (Jeedom's cron or listener calls JeedomConnect::jobExecutor) ---------------- */

    /** Runs an automation as Jeedom hands it over: the stored object, plus event_id/value for a listener. */
    public static function run($_options) {
        if (!is_array($_options) || !isset($_options['triggers'][0]['type'], $_options['eqLogicId'])) {
            log::add(self::PLUGIN, 'error', 'Programmation illisible, non exécutée : ' . json_encode($_options));
            return;
        }
        $name = 'Programmation ' . (isset($_options['id']) && is_scalar($_options['id']) ? $_options['id'] : '?') . ' (équipement ' . $_options['eqLogicId'] . ')';
        if (!empty($_options['disabled'])) {
            log::add(self::PLUGIN, 'info', $name . ' désactivée : non exécutée');
            return;
        }
        $trigger = $_options['triggers'][0];
        if ($trigger['type'] === 'cron') {
            log::add(self::PLUGIN, 'info', $name . ' : exécution (heure atteinte)');
            self::execute($_options, $name);
            return;
        }
        if ($trigger['type'] !== 'event') {
            log::add(self::PLUGIN, 'error', $name . ' : type de déclencheur inconnu ' . json_encode($trigger['type']));
            return;
        }
        $event = isset($trigger['options']['event']) ? (string) $trigger['options']['event'] : '';
        $ids = self::cmdIds($event);
        if (!(count($ids) === 1 && trim($event) === '#' . $ids[0] . '#')) {
            if (self::callsAFunction($event)) {
                log::add(self::PLUGIN, 'error', $name . ' : condition refusée (appel de fonction) : ' . $event);
                return;
            }
            if (!self::holds($event)) {
                log::add(self::PLUGIN, 'debug', $name . ' : condition ' . $event . ' fausse');
                return;
            }
        }
        log::add(self::PLUGIN, 'info', $name . ' : exécution (évènement ' . (isset($_options['event_id']) ? $_options['event_id'] : '?') . ')');
        self::execute($_options, $name);
        if (!empty($trigger['options']['once'])) {
            self::removeOne(self::listenerOf($_options['eqLogicId'], $_options['id']));
        }
    }

    /** Whether the expression calls a function (a name followed by '(', outside quoted text; and/or/et/ou/xor/not
     * are operators): never evaluated, a phone sends it. */
    private static function callsAFunction($_expression) {
        $text = preg_replace('/"(?:\\\\.|[^"\\\\])*"|\'(?:\\\\.|[^\'\\\\])*\'/', '""', (string) $_expression);
        preg_match_all('/([A-Za-z_][A-Za-z0-9_]*)\s*\(/', (string) $text, $m);
        foreach ($m[1] as $name) {
            if (!in_array(strtolower($name), array('and', 'or', 'et', 'ou', 'xor', 'not', 'in'), true)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A condition: each #id# replaced by the command's current value (a number as is, anything else as a quoted
     * string), then Jeedom's evaluate() (an expression language without functions). Upstream replaces the values
     * unquoted and runs the result with PHP's eval; Jeedom's scenario evaluator is not used either, as it calls
     * any PHP function an expression names.
     */
    private static function holds($_expression) {
        $expr = preg_replace_callback('/#([0-9]+)#/', function ($m) {
            $cmd = cmd::byId($m[1]);
            $v = is_object($cmd) ? $cmd->execCmd() : '';
            return is_numeric($v) ? (string) $v : '"' . addcslashes((string) $v, '"\\') . '"';
        }, (string) $_expression);
        $result = evaluate($expr);
        if (is_string($result)) {
            // evaluate() hands back the text it could not evaluate
            return $result !== $expr && !in_array(strtolower(trim($result)), array('', '0', 'false'), true);
        }
        return (bool) $result;
    }

    private static function execute(array $_options, $_name) {
        $eq = eqLogic::byId($_options['eqLogicId']);
        $actions = isset($_options['actions']) && is_array($_options['actions']) ? $_options['actions'] : array();
        foreach ($actions as $action) {
            try {
                $kind = is_array($action) && isset($action['action']) ? $action['action'] : null;
                $opts = is_array($action) && isset($action['options']) && is_array($action['options']) ? $action['options'] : array();
                if ($kind === 'cmd') {
                    self::runCmd($opts, $_name);
                } elseif ($kind === 'scenario') {
                    self::runScenario($eq, $opts, $_name);
                } elseif ($kind === 'notif') {
                    self::notify($eq, $_options, $opts);
                } else {
                    log::add(self::PLUGIN, 'error', $_name . ' : action inconnue ' . json_encode($kind));
                }
            } catch (Throwable $e) {
                log::add(self::PLUGIN, 'error', $_name . ' : ' . $e->getMessage());
            }
        }
    }

    private static function runCmd(array $_opts, $_name) {
        $cmd = isset($_opts['id']) && is_scalar($_opts['id']) ? cmd::byId($_opts['id']) : null;
        if (!is_object($cmd)) {
            log::add(self::PLUGIN, 'error', $_name . ' : commande ' . json_encode(isset($_opts['id']) ? $_opts['id'] : null) . ' introuvable');
            return;
        }
        $options = isset($_opts['options']) && is_array($_opts['options']) ? $_opts['options'] : array();
        $options['comingFrom'] = 'JeedomConnect';
        if (isset($options['user_id']) && $options['user_id'] !== '') {
            $user = user::byId($options['user_id']);
            if (!is_object($user) || !$cmd->hasRight($user)) {
                log::add(self::PLUGIN, 'error', $_name . ' : vous n\'avez pas le droit d\'exécuter cette commande ' . $cmd->getHumanName());
                return;
            }
        }
        log::add(self::PLUGIN, 'info', $_name . ' : exécution de la commande ' . $cmd->getHumanName() . ' (' . $cmd->getId() . ')');
        $cmd->execCmd($options);
    }

    /** As the app's SC_EXEC from this phone (tags plus eqId, user rights, the scenario's return as a toaster). */
    private static function runScenario($_eq, array $_opts, $_name) {
        if (!is_object($_eq)) {
            log::add(self::PLUGIN, 'error', $_name . ' : équipement introuvable, scénario non lancé');
            return;
        }
        $id = isset($_opts['scenario_id']) ? $_opts['scenario_id'] : null;
        $r = JeedomConnectApi::handle(json_encode(array('jsonrpc' => '2.0', 'id' => 'automation', 'method' => 'SC_EXEC',
            'params' => array('apiKey' => $_eq->getLogicalId(), 'id' => $id, 'options' => $_opts))));
        $result = isset($r['result']) ? $r['result'] : null;
        if (is_array($result) && isset($result['type']) && $result['type'] !== 'EXCEPTION') {
            // EQUIPMENT_DISABLE: the phone is disabled
            log::add(self::PLUGIN, 'warning', $_name . ' : scénario ' . json_encode($id) . ' non lancé (' . $result['type'] . ')');
        }
    }

    /** The notification upstream sends (DISPLAY_NOTIF, "Programmation JeedomConnect"), to the notification chosen
     * in the action or the phone's default one. */
    private static function notify($_eq, array $_options, array $_opts) {
        $trigger = $_options['triggers'][0];
        if ($trigger['type'] === 'cron') {
            $message = 'L\'heure de la programmation est arrivée.';
        } else {
            $event = (string) $trigger['options']['event'];
            $eventId = isset($_options['event_id']) ? $_options['event_id'] : '';
            $cmd = cmd::byId($eventId);
            $message = ($event === '#' . $eventId . '#' && is_object($cmd))
                ? 'La commande ' . $cmd->getHumanName() . ' a changé d\'état.'
                : 'La condition ' . jeedom::toHumanReadable($event) . ' est vérifiée.';
        }
        $actions = $_options['actions'];
        if (count($actions) > 1) {
            $parts = array();
            foreach ($actions as $a) {
                if (isset($a['action']) && $a['action'] === 'scenario') {
                    $parts[] = 'scénario "' . (isset($a['options']['name']) ? $a['options']['name'] : '') . '"';
                } elseif (isset($a['action']) && $a['action'] === 'cmd') {
                    $c = cmd::byId(isset($a['options']['id']) ? $a['options']['id'] : 0);
                    $parts[] = 'commande ' . (is_object($c) ? $c->getHumanName() : '?');
                }
            }
            if (count($parts) > 0) {
                $message .= '<br><br>Action(s) déclenchée(s) : ' . implode(', ', $parts);
            }
        }
        $data = array('type' => 'DISPLAY_NOTIF', 'payload' => array('title' => 'Programmation JeedomConnect', 'message' => $message,
            'notificationId' => round(microtime(true) * 10000)));
        $notifId = isset($_opts['id']) && is_scalar($_opts['id']) ? (string) $_opts['id'] : 'defaultNotif';
        if (!is_object($_eq)) {
            throw new Exception('équipement introuvable, notification "' . $notifId . '" non envoyée');
        }
        // the notification's settings, the phone's token and the sender program: as every notification (a failure
        // is an exception, logged by the sender and by execute())
        JeedomConnectNotifSender::send($_eq, $notifId, $data);
    }
}
