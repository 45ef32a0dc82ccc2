<?php
/* Fake Jeedom core: history rows written by cmd->event() for historized cmds. */
class history {
    public static function add($_cmd_id, $_value, $_datetime) {
        DB::query('INSERT INTO history (cmd_id, datetime, value) VALUES (?, ?, ?)', array((int) $_cmd_id, (float) $_datetime, (string) $_value));
    }

    public static function stats($_cmd_id, $_start, $_end) {
        $r = DB::row('SELECT AVG(CAST(value AS REAL)) AS avg, MIN(CAST(value AS REAL)) AS min, MAX(CAST(value AS REAL)) AS max, COUNT(*) AS n FROM history WHERE cmd_id = ? AND datetime BETWEEN ? AND ?',
            array((int) $_cmd_id, (float) $_start, (float) $_end));
        return $r;
    }
}
