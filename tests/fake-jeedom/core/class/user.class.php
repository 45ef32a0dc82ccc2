<?php
/* Fake Jeedom core: users (password stored as sha512, 'hash' = the user API hash, options JSON). */
class user {
    private $id;
    private $login;
    private $password;
    private $hash;
    private $profils = 'admin';
    private $enable = 1;
    private $options = array();

    private static function fromRow($row) {
        if ($row === null) {
            return null;
        }
        $u = new self();
        $u->id = (int) $row['id'];
        $u->login = $row['login'];
        $u->password = $row['password'];
        $u->hash = $row['hash'];
        $u->profils = $row['profils'];
        $u->enable = (int) $row['enable'];
        $u->options = json_decode((string) $row['options'], true) ?: array();
        return $u;
    }

    public static function connect($_login, $_mdp) {
        $u = self::byLogin($_login);
        if ($u === null || !hash_equals((string) $u->password, hash('sha512', (string) $_mdp))) {
            return false;
        }
        return $u;
    }

    public static function byLogin($_login) {
        return self::fromRow(DB::row('SELECT * FROM user WHERE login = ?', array($_login)));
    }

    public static function byHash($_hash) {
        if (!is_string($_hash) || $_hash === '') {
            return null;
        }
        return self::fromRow(DB::row('SELECT * FROM user WHERE hash = ?', array($_hash)));
    }

    public static function byId($_id) {
        return self::fromRow(DB::row('SELECT * FROM user WHERE id = ?', array((int) $_id)));
    }

    public static function all() {
        return array_map(array('user', 'fromRow'), DB::all('SELECT * FROM user ORDER BY id'));
    }

    public function save() {
        if ($this->hash === null || $this->hash === '') {
            $this->hash = bin2hex(random_bytes(32));
        }
        $opt = json_encode($this->options);
        if ($this->id === null) {
            DB::query('INSERT INTO user (login, password, hash, profils, enable, options) VALUES (?, ?, ?, ?, ?, ?)',
                array($this->login, $this->password, $this->hash, $this->profils, $this->enable, $opt));
            $this->id = (int) DB::pdo()->lastInsertId();
        } else {
            DB::query('UPDATE user SET login = ?, password = ?, hash = ?, profils = ?, enable = ?, options = ? WHERE id = ?',
                array($this->login, $this->password, $this->hash, $this->profils, $this->enable, $opt, $this->id));
        }
        return $this;
    }

    public function getId() { return $this->id; }
    public function getLogin() { return $this->login; }
    public function setLogin($_l) { $this->login = $_l; return $this; }
    public function setPassword($_p) { $this->password = $_p; return $this; }
    public function getHash() { return $this->hash; }
    public function getProfils() { return $this->profils; }
    public function setProfils($_p) { $this->profils = $_p; return $this; }
    public function getEnable() { return $this->enable; }
    public function setEnable($_e) { $this->enable = (int) $_e; return $this; }

    public function getOptions($_key = '', $_default = '') {
        if ($_key === '') {
            return $this->options;
        }
        return (isset($this->options[$_key]) && $this->options[$_key] !== '') ? $this->options[$_key] : $_default;
    }

    public function setOptions($_key, $_value) {
        $this->options[$_key] = $_value;
        return $this;
    }
}
