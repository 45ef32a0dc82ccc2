<?php
/* Fake Jeedom core: UI messages. */
class message {
    public static function add($_type, $_message, $_action = '', $_logicalId = '') {
        DB::query('INSERT INTO message (plugin, message, action, logicalId, date) VALUES (?, ?, ?, ?, ?)',
            array($_type, $_message, $_action, $_logicalId, date('Y-m-d H:i:s')));
    }

    public static function removeAll($_plugin = '', $_logicalId = '') {
        if ($_logicalId !== '') {
            DB::query('DELETE FROM message WHERE plugin = ? AND logicalId = ?', array($_plugin, $_logicalId));
        } else {
            DB::query('DELETE FROM message WHERE plugin = ?', array($_plugin));
        }
    }

    public static function all() {
        return DB::all('SELECT * FROM message ORDER BY id');
    }
}
