<?php
/* Fake Jeedom core: logs under <root>/log, line format "[YYYY-MM-DD HH:MM:SS][LEVEL] : msg". */
class log {
    private static $levels = array('debug' => 100, 'info' => 200, 'notice' => 250, 'warning' => 300, 'error' => 400,
        'critical' => 500, 'alert' => 550, 'emergency' => 600);

    public static function getPathToLog($_log = 'core') {
        $dir = FakeJeedom::root() . '/log';
        if (!is_dir($dir)) {
            @mkdir($dir, 0775, true);
        }
        return $dir . '/' . $_log;
    }

    public static function getLogLevel($_log) {
        $plugin = explode('_', $_log)[0];
        $specific = config::byKey('log::level::' . $plugin);
        if (is_array($specific)) {
            if (isset($specific['default']) && $specific['default'] == 1) {
                return (int) config::byKey('log::level');
            }
            foreach ($specific as $level => $on) {
                if ($on == 1 && is_numeric($level)) {
                    return (int) $level;
                }
            }
        }
        return (int) config::byKey('log::level');
    }

    public static function convertLogLevel($_level = 100) {
        $n = (int) $_level;
        if ($n >= 600) {
            return 'none';
        }
        foreach (self::$levels as $name => $v) {
            if ($v === $n) {
                return $name;
            }
        }
        return 'none';
    }

    public static function add($_log, $_type, $_message, $_logicalId = '') {
        $type = strtolower($_type);
        $level = isset(self::$levels[$type]) ? self::$levels[$type] : 100;
        if ($level < self::getLogLevel($_log)) {
            return;
        }
        $line = '[' . date('Y-m-d H:i:s') . '][' . strtoupper($type) . '] : ' . $_message . "\n";
        @file_put_contents(self::getPathToLog($_log), $line, FILE_APPEND | LOCK_EX);
    }
}
