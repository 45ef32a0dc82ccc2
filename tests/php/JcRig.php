<?php
/*
 * Data reset of the rig's real Jeedom core between tests (the install stays): equipments, commands, scenarios,
 * objects, messages, events, history and the cache are emptied; the config, user and listener tables go back to
 * what they held when the test run started (the installer's admin/admin, the plugin's listener); the core's
 * per-process caches are cleared.
 */
class JcRig {
    /** @var array table => rows at the start of the run */
    private static $saved = null;

    public static function snapshot() {
        self::$saved = array();
        foreach (array('config', 'user', 'listener') as $table) {
            self::$saved[$table] = DB::Prepare('SELECT * FROM `' . $table . '`', array(), DB::FETCH_TYPE_ALL);
        }
    }

    /** Jeedom reads the log levels once per process (log::$config): a test that changes one makes it read again. */
    public static function forgetLogConfig() {
        $r = new ReflectionProperty('log', 'config');
        $r->setAccessible(true);
        $r->setValue(null, null);
    }

    public static function reset() {
        foreach (array('DELETE FROM cmd', 'DELETE FROM eqLogic', 'DELETE FROM scenarioExpression',
            'DELETE FROM scenarioSubElement', 'DELETE FROM scenarioElement', 'DELETE FROM scenario', 'DELETE FROM object',
           
            'DELETE FROM message', 'DELETE FROM event', 'DELETE FROM dataStore', 'DELETE FROM history', 'DELETE FROM historyArch') as $sql) {
            DB::Prepare($sql, array(), DB::FETCH_TYPE_ROW);
        }
        foreach ((array) self::$saved as $table => $rows) {
            DB::Prepare('DELETE FROM `' . $table . '`', array(), DB::FETCH_TYPE_ROW);
            foreach ($rows as $row) {
                DB::Prepare('INSERT INTO `' . $table . '` (`' . implode('`, `', array_keys($row)) . '`) VALUES ('
                    . implode(', ', array_fill(0, count($row), '?')) . ')', array_values($row), DB::FETCH_TYPE_ROW);
            }
        }
        cache::flush();
        // (log::$config holds the log levels read by the first log::add of the process)
        foreach (array(array('config', 'cache', array()), array('jeedom', 'cache', array()), array('plugin', '_cache', array()),
            array('plugin', '_enable', null), array('log', 'config', null)) as $p) {
            $r = new ReflectionProperty($p[0], $p[1]);
            $r->setAccessible(true);
            $r->setValue(null, $p[2]);
        }
    }
}
