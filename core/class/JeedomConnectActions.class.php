<?php
/*
 * JeedomConnect - small actions of the app outside commands and scenarios (docs/api-methods.md): the action
 * password the app asks before protected actions (GET_PWD, the equipment's pwdAction) and a value pushed by the
 * app into an info command (SET_EVENT), and a sentence for Jeedom's interactions (QUERY_INTERACT).
 */
class JeedomConnectActions {
    /** GET_PWD -> SET_PWD, payload = the equipment's action password, or null when none is set. */
    public static function password(JeedomConnectApi $_api) {
        return array('type' => 'SET_PWD', 'payload' => $_api->eq()->getConfiguration('pwdAction', null));
    }

    /** SET_EVENT {commandId, message} -> null; Jeedom's cmd->event(message). */
    public static function event(JeedomConnectApi $_api) {
        $id = $_api->param('commandId');
        $cmd = (is_int($id) || (is_string($id) && ctype_digit($id))) ? cmd::byId($id) : null;
        if (!is_object($cmd)) {
            throw new Exception((is_scalar($id) ? $id : json_encode($id)) . ' is not a valid command');
        }
        $message = $_api->param('message');
        if (!is_scalar($message) && $message !== null) {
            throw new Exception('message: a value is expected');
        }
        log::add('JeedomConnect', 'info', 'Mise à jour de la commande ' . $cmd->getId() . ' par un évènement');
        $cmd->event($message);
        return null;
    }

    /** QUERY_INTERACT {query, options?{reply_cmd?, user_login?}, keywordIndex} -> QUERY_ANSWER {reply, ..., keywordIndex} */
    public static function interact(JeedomConnectApi $_api) {
        $query = $_api->param('query');
        if (!is_string($query) || trim($query) === '') {
            throw new Exception('query: a sentence is expected');
        }
        $options = $_api->param('options', array());
        if (!is_array($options)) {
            $options = array();
        }
        $param = array();
        if (isset($options['reply_cmd']) && is_scalar($options['reply_cmd'])) {
            $reply = cmd::byId($options['reply_cmd']);
            if (is_object($reply)) {
                $param['reply_cmd'] = $reply;
                $param['force_reply_cmd'] = 1;
            }
        }
        if (isset($options['user_login']) && is_string($options['user_login'])) {
            $param['profile'] = $options['user_login'];
        }
        $param['plugin'] = 'JeedomConnect';
        $result = interactQuery::tryToReply($query, $param);
        return array('type' => 'QUERY_ANSWER', 'payload' => array_merge(is_array($result) ? $result : array(), array('keywordIndex' => $_api->param('keywordIndex'))));
    }
}
