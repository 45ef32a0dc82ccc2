<?php
/*
 * JeedomConnect - the app's page of Jeedom's message centre (docs/api-methods.md, "Messages"): the list
 * (GET_JEEDOM_MESSAGES, optionally of one plugin) and removing one message or all (REMOVE_JEEDOM_MESSAGE).
 */
class JeedomConnectMessages {
    /** GET_JEEDOM_MESSAGES {plugin?} -> SET_JEEDOM_MESSAGES {nbMessages (all plugins), messages[]} */
    public static function get(JeedomConnectApi $_api) {
        $plugin = $_api->param('plugin', '');
        if ($plugin === null) {
            $plugin = '';
        }
        if (!is_string($plugin)) {
            throw new Exception('plugin: a plugin id is expected');
        }
        return array('type' => 'SET_JEEDOM_MESSAGES', 'payload' => self::listOf($plugin));
    }

    /** REMOVE_JEEDOM_MESSAGE {messageId | 'all'} -> SET_JEEDOM_MESSAGES of every plugin */
    public static function remove(JeedomConnectApi $_api) {
        $id = $_api->param('messageId');
        if ($id === 'all') {
            message::removeAll();
        } else {
            $message = (is_int($id) || (is_string($id) && ctype_digit($id))) ? message::byId($id) : null;
            if (!is_object($message)) {
                throw new Exception('Message inconnu. Vérifiez l\'ID');
            }
            $message->remove();
        }
        return array('type' => 'SET_JEEDOM_MESSAGES', 'payload' => self::listOf(''));
    }

    private static function listOf($_plugin) {
        $count = message::nbMessage();
        $list = array();
        if ($count != 0) {
            $list = utils::o2a($_plugin === '' ? message::all() : message::byPlugin($_plugin));
        }
        return array('nbMessages' => $count, 'messages' => $list);
    }
}
