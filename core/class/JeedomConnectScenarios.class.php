<?php
/*
 * JeedomConnect - the app's Scénarios page (docs/api-methods.md): the list of every scenario (GET_ALL_SC, which
 * also subscribes the phone to every scenario's changes until UNSUBSCRIBE_SC) and switching a scenario on or off
 * (SC_SET_ACTIVE, for phones whose configured user is an admin, as upstream checks it). Running and stopping a
 * scenario are SC_EXEC / SC_STOP (JeedomConnectApi).
 */
class JeedomConnectScenarios {
    /** GET_ALL_SC -> SET_ALL_SC [scInfo full] of every scenario; the phone now watches them all (scAll). */
    public static function all(JeedomConnectApi $_api) {
        self::subscribe($_api->eq(), 1);
        return array('type' => 'SET_ALL_SC', 'payload' => JeedomConnectInfo::scInfos($_api->eq(), null, true));
    }

    /** UNSUBSCRIBE_SC -> null; back to the scenarios of the phone's layout. */
    public static function unsubscribe(JeedomConnectApi $_api) {
        self::subscribe($_api->eq(), 0);
        return null;
    }

    /** A full save: the daemon learns which scenarios this phone watches (postSave sends the device record). */
    private static function subscribe($_eq, $_all) {
        if ((int) JeedomConnectDevice::isTrue($_eq->getConfiguration('scAll', 0)) !== $_all) {
            $_eq->setConfiguration('scAll', $_all);
            $_eq->save();
        }
    }

    /** SC_SET_ACTIVE {id, active} -> null */
    public static function setActive(JeedomConnectApi $_api) {
        $user = user::byId($_api->eq()->getConfiguration('userId', ''));
        if (!is_object($user) || $user->getProfils() !== 'admin') {
            return JeedomConnectApi::exception('Vous devez être admin pour activer ou désactiver un scénario');
        }
        $id = $_api->param('id');
        $sc = (is_int($id) || (is_string($id) && ctype_digit($id))) ? scenario::byId($id) : null;
        if (!is_object($sc)) {
            throw new Exception('Le scenario ' . (is_scalar($id) ? $id : json_encode($id)) . ' n\'existe pas');
        }
        $active = $_api->param('active');
        if (!is_bool($active) && !in_array($active, array(0, 1, '0', '1'), true)) {
            throw new Exception('active: true or false expected');
        }
        $sc->setIsActive($active ? 1 : 0);
        $sc->save();
        JeedomConnectListener::pumpCoreEvents(); // its new state reaches the phones now, not at the minute cron
        return null;
    }
}
