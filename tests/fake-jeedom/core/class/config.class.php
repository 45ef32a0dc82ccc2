<?php
/* Fake Jeedom core: config table. byKey falls back to the default when the stored value is '' (like the core);
 * arrays are stored JSON-encoded; save() calls the plugin's preConfig_<key>/postConfig_<key> hooks. */
class config {
    private static $coreDefaults = array(
        'internalProtocol' => 'http://',
        'internalAddr' => '127.0.0.1',
        'internalPort' => '80',
        'internalComplement' => '',
        'externalProtocol' => 'https://',
        'externalAddr' => '',
        'externalPort' => '443',
        'externalComplement' => '',
        'network::localip' => '127.0.0.1;192.168.*.*;10.*.*.*;172.*.*.*',
        'name' => 'Jeedom',
        'historyCalculPeriod' => '24',
        'historyCalculTendance' => '2',
        'historyCalculTendanceThresholddMin' => '-0.1',
        'historyCalculTendanceThresholddMax' => '0.1',
        'log::level' => '400',
        'folder::tmp' => '',
    );

    public static function clearStatic() {
    }

    public static function byKey($_key, $_plugin = 'core', $_default = '', $_forceFresh = false) {
        $row = DB::row('SELECT value FROM config WHERE plugin = ? AND key = ?', array($_plugin, $_key));
        $value = $row === null ? '' : $row['value'];
        if ($value === '' || $value === null) {
            if ($_default !== '') {
                return $_default;
            }
            if ($_plugin === 'core' && isset(self::$coreDefaults[$_key])) {
                return self::$coreDefaults[$_key];
            }
            return $_default;
        }
        $decoded = is_json($value, null);
        return $decoded !== null ? $decoded : $value;
    }

    public static function byKeys($_keys, $_plugin = 'core', $_default = '') {
        $r = array();
        foreach ($_keys as $k) {
            $r[$k] = self::byKey($k, $_plugin, $_default);
        }
        return $r;
    }

    public static function save($_key, $_value, $_plugin = 'core') {
        $class = ($_plugin === 'core') ? 'config' : $_plugin;
        $hook = str_replace(array('::', ':'), '_', $_key);
        if ($_plugin !== 'core' && class_exists($class) && method_exists($class, 'preConfig_' . $hook)) {
            $_value = call_user_func(array($class, 'preConfig_' . $hook), $_value);
        }
        if (is_array($_value) || is_object($_value)) {
            $_value = json_encode($_value, JSON_UNESCAPED_UNICODE);
        }
        if (is_bool($_value)) {
            $_value = $_value ? '1' : '0';
        }
        DB::query('INSERT OR REPLACE INTO config (plugin, key, value) VALUES (?, ?, ?)', array($_plugin, $_key, (string) $_value));
        if ($_plugin !== 'core' && class_exists($class) && method_exists($class, 'postConfig_' . $hook)) {
            call_user_func(array($class, 'postConfig_' . $hook), $_value);
        }
        return true;
    }

    public static function remove($_key, $_plugin = 'core') {
        if (strpos($_key, '*') !== false) {
            DB::query('DELETE FROM config WHERE plugin = ? AND key LIKE ?', array($_plugin, str_replace('*', '%', $_key)));
            return true;
        }
        DB::query('DELETE FROM config WHERE plugin = ? AND key = ?', array($_plugin, $_key));
        return true;
    }

    /** Keys containing $_key, as rows array('key' => .., 'value' => ..) (core config::searchKey). */
    public static function searchKey($_key, $_plugin = 'core') {
        $rows = DB::all('SELECT key, value FROM config WHERE plugin = ? AND key LIKE ? ORDER BY key',
            array($_plugin, '%' . $_key . '%'));
        $r = array();
        foreach ($rows as $row) {
            $row['value'] = is_json($row['value'], $row['value']);
            $r[] = $row;
        }
        return $r;
    }
}
