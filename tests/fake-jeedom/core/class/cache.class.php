<?php
/* Fake Jeedom core: cache (SQLite table instead of FileCache/Redis). cache::byKey always returns an object. */
class cache {
    private $key;
    private $value = null;

    public static function set($_key, $_value, $_lifetime = 0) {
        $expire = ($_lifetime > 0) ? microtime(true) + $_lifetime : 0;
        DB::query('INSERT OR REPLACE INTO cache (key, value, expire) VALUES (?, ?, ?)', array($_key, serialize($_value), $expire));
        return true;
    }

    public static function byKey($_key) {
        $c = new self();
        $c->key = $_key;
        $row = DB::row('SELECT value, expire FROM cache WHERE key = ?', array($_key));
        if ($row !== null && ($row['expire'] == 0 || $row['expire'] > microtime(true))) {
            $c->value = unserialize($row['value']);
        }
        return $c;
    }

    public static function exist($_key) {
        return self::byKey($_key)->value !== null;
    }

    public static function delete($_key) {
        DB::query('DELETE FROM cache WHERE key = ?', array($_key));
    }

    public function getKey() {
        return $this->key;
    }

    public function getValue($_default = '') {
        return ($this->value === null || $this->value === '') ? $_default : $this->value;
    }
}
