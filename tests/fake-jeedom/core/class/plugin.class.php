<?php
/* Fake Jeedom core: plugin::byId reads plugins/<id>/plugin_info/info.json. */
class plugin {
    private $id;
    private $info = array();

    public static function byId($_id) {
        $file = FakeJeedom::webroot() . '/plugins/' . $_id . '/plugin_info/info.json';
        if (!file_exists($file)) {
            throw new Exception('Plugin introuvable : ' . $_id);
        }
        $p = new self();
        $p->id = $_id;
        $p->info = json_decode(file_get_contents($file), true) ?: array();
        return $p;
    }

    public function getId() { return $this->id; }
    public function getName() { return isset($this->info['name']) ? $this->info['name'] : $this->id; }
    public function getPathImgIcon() { return 'plugins/' . $this->id . '/plugin_info/' . $this->id . '_icon.png'; }
    public function getInfo($_key = '', $_default = '') {
        if ($_key === '') {
            return $this->info;
        }
        return isset($this->info[$_key]) ? $this->info[$_key] : $_default;
    }
}
