<?php
/*
 * JeedomConnect - the app's Batteries page (docs/api-methods.md, "Batteries"): every enabled equipment of any
 * plugin that reports a battery (Jeedom's battery status), with its level against its thresholds, and marking a
 * battery as just replaced (RESET_BATERY, the app's spelling).
 */
class JeedomConnectBatteries {
    /** GET_BATTERIES -> SET_BATTERIES [battery] */
    public static function all(JeedomConnectApi $_api) {
        return array('type' => 'SET_BATTERIES', 'payload' => self::listAll());
    }

    /** RESET_BATERY {eqId (any plugin's equipment)} -> SET_BATTERIES; its batterytime becomes now. */
    public static function reset(JeedomConnectApi $_api) {
        $id = $_api->param('eqId');
        $eq = (is_int($id) || (is_string($id) && ctype_digit($id))) ? eqLogic::byId($id) : null;
        if (!is_object($eq)) {
            throw new Exception('eqId: no equipment ' . (is_scalar($id) ? $id : json_encode($id)));
        }
        $eq->setConfiguration('batterytime', date('Y-m-d H:i:s'));
        $eq->save(true);
        return array('type' => 'SET_BATTERIES', 'payload' => self::listAll());
    }

    private static function listAll() {
        $list = array();
        foreach (eqLogic::all() as $eq) {
            if ($eq->getIsEnable() && $eq->getStatus('battery', -2) != -2) {
                $list[] = self::details($eq);
            }
        }
        return $list;
    }

    private static function details($_eq) {
        $status = $_eq->getStatus('battery');
        $danger = $_eq->getConfiguration('battery_danger_threshold', config::byKey('battery::danger'));
        $warning = $_eq->getConfiguration('battery_warning_threshold', config::byKey('battery::warning'));
        $level = $status <= $danger ? 'critical' : ($status <= $warning ? 'warning' : 'good');
        $object = $_eq->getObject();
        $replaced = $_eq->getConfiguration('batterytime', 'NA');
        $since = '';
        if ($replaced != 'NA') {
            // whole days between the replacement day and today
            $since = round((strtotime(date('Y-m-d')) - strtotime(date('Y-m-d', strtotime($replaced)))) / 86400, 1);
        }
        return array(
            'eqId' => $_eq->getId(),
            'eqName' => $_eq->getName(),
            'roomName' => is_object($object) ? $object->getName() : 'Aucun',
            'roomId' => is_object($object) && (string) $object->getId() !== '' ? (string) $object->getId() : null,
            'plugin' => ucfirst($_eq->getEqType_name()),
            'level' => $level,
            'battery' => $_eq->getStatus('battery', -2),
            'batteryType' => $_eq->getConfiguration('battery_type', ''),
            'lastUpdate' => date('d/m/Y H:i:s', (int) strtotime($_eq->getStatus('batteryDatetime', 'inconnue'))),
            'lastReplace' => $since,
        );
    }
}
