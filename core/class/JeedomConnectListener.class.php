<?php
/*
 * JeedomConnect - pushing Jeedom changes to the daemon. One Jeedom listener on '#*#' (background false) calls
 * onEvent() in the process that changed the cmd: it returns at once for cmds no device watches, and otherwise sends
 * one EVENTS line (CMD_INFO) to the control socket. Scenario and room-summary changes are not cmd events: they are
 * read from event::changes at the end of such a process and by the minute cron (pumpCoreEvents).
 */
class JeedomConnectListener {
    const CURSOR_KEY = 'JeedomConnect::coreEventsCursor';

    private static $pumpRegistered = false;

    public static function install() {
        $l = listener::byClassAndFunction('JeedomConnect', 'onJeedomEvent');
        if (!is_object($l)) {
            $l = new listener();
        }
        $l->setClass('JeedomConnect');
        $l->setFunction('onJeedomEvent');
        $l->emptyEvent();
        $l->addEvent('*');
        $l->setOption(array('background' => false));
        $l->save();
        return $l;
    }

    public static function uninstall() {
        $l = listener::byClassAndFunction('JeedomConnect', 'onJeedomEvent');
        if (is_object($l)) {
            $l->remove();
        }
    }

    public static function onEvent($_option) {
        $watched = JeedomConnectDevice::watched();
        // No phone shows anything: nothing to pump at the end of this process either.
        if (!self::$pumpRegistered && count($watched) > 0) {
            self::$pumpRegistered = true;
            register_shutdown_function(array(__CLASS__, 'pumpCoreEvents'));
        }
        $id = isset($_option['event_id']) ? (string) $_option['event_id'] : '';
        if (!isset($watched[$id])) {
            return false;
        }
        try {
            $cmd = (isset($_option['object']) && is_object($_option['object'])) ? $_option['object'] : cmd::byId($id);
            if (!is_object($cmd)) {
                return false;
            }
            $info = JeedomConnectInfo::cmdInfo($cmd, isset($_option['value']) ? $_option['value'] : null);
            return JeedomConnectControl::events(array(array('type' => 'CMD_INFO', 'payload' => array($info))));
        } catch (Throwable $e) {
            // Never break the process that changed the cmd; say which value the phones will miss and why.
            log::add('JeedomConnect', 'warning', 'listener: value of cmd ' . $id . ' not sent to the daemon: ' . $e->getMessage());
            return false;
        }
    }

    /** Sends the scenario::update and jeeObject::summary::update events since the last pump. */
    public static function pumpCoreEvents() {
        try {
            $cursor = cache::byKey(self::CURSOR_KEY)->getValue(null);
            if ($cursor === null) {
                cache::set(self::CURSOR_KEY, microtime(true));
                return false;
            }
            $changes = event::changes($cursor);
            $sc = array();
            $obj = array();
            foreach ($changes['result'] as $ev) {
                if ($ev['name'] === 'scenario::update' && isset($ev['option']['scenario_id'])) {
                    $sc[] = JeedomConnectInfo::scInfoFromEvent($ev['option']);
                } elseif ($ev['name'] === 'jeeObject::summary::update' && isset($ev['option']['object_id'])) {
                    $obj[] = JeedomConnectInfo::objInfoFromEvent($ev['option']);
                }
            }
            cache::set(self::CURSOR_KEY, $changes['datetime']);
            $events = array();
            if (count($sc)) {
                $events[] = array('type' => 'SC_INFO', 'payload' => $sc);
            }
            if (count($obj)) {
                $events[] = array('type' => 'OBJ_INFO', 'payload' => $obj);
            }
            return count($events) ? JeedomConnectControl::events($events) : false;
        } catch (Throwable $e) {
            log::add('JeedomConnect', 'warning', 'listener: scenario and room-summary changes not sent to the daemon: ' . $e->getMessage());
            return false;
        }
    }
}
