<?php
/* Fake Jeedom core: update records; only what a plugin reads to know its channel (configuration 'version'
 * = stable|beta), taken from core config 'fake::update::<id>::version' (default stable). */
class update {
    private $logicalId;

    public static function byLogicalId($_logicalId) {
        $u = new self();
        $u->logicalId = $_logicalId;
        return $u;
    }

    public function getConfiguration($_key = '', $_default = '') {
        if ($_key === 'version') {
            return config::byKey('fake::update::' . $this->logicalId . '::version', 'core', 'stable');
        }
        return $_default;
    }
}
