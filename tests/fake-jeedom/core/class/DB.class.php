<?php
/* Fake Jeedom core: SQLite storage shared by every fake class (one PDO per process). */
class DB {
    private static $pdo = null;
    private static $file = null;

    public static function pdo() {
        $file = FakeJeedom::dbFile();
        if (self::$pdo === null || self::$file !== $file) {
            if (!is_dir(dirname($file))) {
                @mkdir(dirname($file), 0775, true);
            }
            self::$pdo = new PDO('sqlite:' . $file);
            self::$pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
            self::$pdo->setAttribute(PDO::ATTR_DEFAULT_FETCH_MODE, PDO::FETCH_ASSOC);
            self::$pdo->exec('PRAGMA busy_timeout = 5000');
            self::$pdo->exec('PRAGMA journal_mode = WAL');
            self::$file = $file;
            self::schema();
        }
        return self::$pdo;
    }

    private static function schema() {
        $sql = array(
            'CREATE TABLE IF NOT EXISTS config (plugin TEXT NOT NULL, key TEXT NOT NULL, value TEXT, PRIMARY KEY(plugin, key))',
            'CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT, expire REAL)',
            'CREATE TABLE IF NOT EXISTS eqLogic (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, logicalId TEXT, eqType_name TEXT, object_id INTEGER, isEnable INTEGER DEFAULT 0, isVisible INTEGER DEFAULT 0, configuration TEXT, status TEXT)',
            'CREATE TABLE IF NOT EXISTS cmd (id INTEGER PRIMARY KEY AUTOINCREMENT, eqLogic_id INTEGER, eqType TEXT, logicalId TEXT, name TEXT, type TEXT, subType TEXT, isHistorized INTEGER DEFAULT 0, unite TEXT, configuration TEXT, display TEXT)',
            'CREATE TABLE IF NOT EXISTS history (cmd_id INTEGER, datetime REAL, value TEXT)',
            'CREATE TABLE IF NOT EXISTS listener (id INTEGER PRIMARY KEY AUTOINCREMENT, class TEXT, function TEXT, event TEXT, option TEXT)',
            'CREATE TABLE IF NOT EXISTS event (id INTEGER PRIMARY KEY AUTOINCREMENT, datetime REAL, name TEXT, option TEXT)',
            'CREATE TABLE IF NOT EXISTS user (id INTEGER PRIMARY KEY AUTOINCREMENT, login TEXT, password TEXT, hash TEXT, profils TEXT, enable INTEGER DEFAULT 1, options TEXT)',
            'CREATE TABLE IF NOT EXISTS object (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, configuration TEXT)',
            'CREATE TABLE IF NOT EXISTS scenario (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, "group" TEXT, object_id INTEGER, isActive INTEGER DEFAULT 1, state TEXT, lastLaunch TEXT, display TEXT, launches INTEGER DEFAULT 0, tags TEXT)',
            'CREATE TABLE IF NOT EXISTS message (id INTEGER PRIMARY KEY AUTOINCREMENT, plugin TEXT, message TEXT, action TEXT, logicalId TEXT, date TEXT)',
        );
        foreach ($sql as $q) {
            self::$pdo->exec($q);
        }
    }

    public static function query($sql, $params = array()) {
        $st = self::pdo()->prepare($sql);
        $st->execute(array_values($params));
        return $st;
    }

    public static function all($sql, $params = array()) {
        return self::query($sql, $params)->fetchAll();
    }

    public static function row($sql, $params = array()) {
        $r = self::query($sql, $params)->fetch();
        return $r === false ? null : $r;
    }

    public static function reset() {
        foreach (array('config', 'cache', 'eqLogic', 'cmd', 'history', 'listener', 'event', 'user', 'object', 'scenario', 'message') as $t) {
            self::pdo()->exec('DELETE FROM ' . $t);
        }
        self::pdo()->exec('DELETE FROM sqlite_sequence');
    }
}
