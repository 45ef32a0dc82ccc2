<?php
/*
 * JeedomConnect - the app's Timeline page (docs/api-methods.md, "Timeline"): Jeedom's timeline folders and the
 * events of one folder, as the user may see them (Jeedom's own rights on each command / scenario).
 */
class JeedomConnectTimeline {
    /** GET_TIMELINE_FOLDERS -> SET_TIMELINE_FOLDERS {main: 'Principal', custom?: [folder]} */
    public static function folders(JeedomConnectApi $_api) {
        return array('type' => 'SET_TIMELINE_FOLDERS', 'payload' => self::folderList());
    }

    /** {main: 'Principal', custom?: [folder]}: GET_TIMELINE_FOLDERS, WELCOME timelineFolders. */
    public static function folderList() {
        $r = array('main' => 'Principal');
        $custom = array_values(array_filter(timeline::listFolder(), function ($f) {
            return $f !== 'main';
        }));
        if (count($custom) > 0) {
            $r['custom'] = $custom;
        }
        return $r;
    }

    /** GET_TIMELINE_EVENTS {folder?, user_id?} -> SET_TIMELINE_EVENTS [event], newest first */
    public static function events(JeedomConnectApi $_api) {
        $folder = $_api->param('folder', 'main');
        if ($folder === null) {
            $folder = 'main';
        }
        if (!is_string($folder) || $folder === '') {
            throw new Exception('folder: a timeline folder is expected');
        }
        // the user whose rights apply: the one the app names, else the phone's configured user
        $userId = $_api->param('user_id');
        $user = is_scalar($userId) && (string) $userId !== '' ? user::byId($userId) : null;
        if (!is_object($user)) {
            $user = user::byId($_api->eq()->getConfiguration('userId', ''));
        }
        $list = array();
        foreach (timeline::byFolder($folder) as $event) {
            if (!$event->hasRight(is_object($user) ? $user : null)) {
                continue;
            }
            $e = self::event($event);
            if ($e !== null) {
                $list[] = $e;
            }
        }
        return array('type' => 'SET_TIMELINE_EVENTS', 'payload' => $list);
    }

    private static function event($_event) {
        $d = DateTime::createFromFormat('Y-m-d H:i:s', $_event->getDatetime());
        $r = array('date' => $_event->getDatetime(), 'timestamp' => $d ? $d->getTimestamp() : 0, 'type' => $_event->getType(), 'folder' => $_event->getFolder());
        if ($_event->getType() === 'cmd') {
            $cmd = cmd::byId($_event->getLink_id());
            if (!is_object($cmd)) {
                return null;
            }
            $eq = $cmd->getEqLogic();
            $object = is_object($eq) ? $eq->getObject() : null;
            $r += array('object' => is_object($object) ? $object->getName() : 'aucun', 'name' => $cmd->getName(),
                'isHistorized' => $cmd->getIsHistorized() == '1', 'id' => $cmd->getId(), 'cmdtype' => $cmd->getType(),
                'plugin' => is_object($eq) ? $eq->getEqType_name() : '', 'eqLogic' => is_object($eq) ? $eq->getName() : '');
            if ($cmd->getType() === 'info') {
                $r['value'] = $_event->getOptions('value');
            }
        } elseif ($_event->getType() === 'scenario') {
            $sc = scenario::byId($_event->getLink_id());
            if (!is_object($sc)) {
                return null;
            }
            $object = $sc->getObject();
            // the trigger text without Jeedom's "<…> " markup prefix
            $r += array('object' => is_object($object) ? $object->getName() : 'aucun', 'name' => $sc->getName(), 'id' => $sc->getId(),
                'trigger' => preg_replace('/\<(.*)\> /i', '', (string) $_event->getOptions('trigger')));
        }
        return $r;
    }
}
