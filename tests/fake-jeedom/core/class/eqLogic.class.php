<?php
/* Fake Jeedom core: equipments. Lookups return instances of the plugin class (eqType_name) when it is loaded.
 * save() runs preSave, preInsert|preUpdate, write, postInsert|postUpdate, postSave (skipped by save(true));
 * remove() removes the cmds, then preRemove, delete, postRemove - the order of the core's DB::save/DB::remove. */
class eqLogic {
    protected $id;
    protected $name;
    protected $logicalId = '';
    protected $eqType_name;
    protected $object_id = null;
    protected $isEnable = 0;
    protected $isVisible = 0;
    protected $configuration = array();
    protected $status = array();

    protected static function fromRow($row) {
        if ($row === null) {
            return null;
        }
        $class = (class_exists($row['eqType_name']) && is_subclass_of($row['eqType_name'], 'eqLogic')) ? $row['eqType_name'] : 'eqLogic';
        $eq = new $class();
        $eq->id = (int) $row['id'];
        $eq->name = $row['name'];
        $eq->logicalId = (string) $row['logicalId'];
        $eq->eqType_name = $row['eqType_name'];
        $eq->object_id = $row['object_id'];
        $eq->isEnable = (int) $row['isEnable'];
        $eq->isVisible = (int) $row['isVisible'];
        $eq->configuration = json_decode((string) $row['configuration'], true) ?: array();
        $eq->status = json_decode((string) $row['status'], true) ?: array();
        return $eq;
    }

    public static function byId($_id) {
        if (!is_numeric($_id)) {
            return null;
        }
        return self::fromRow(DB::row('SELECT * FROM eqLogic WHERE id = ?', array((int) $_id)));
    }

    public static function byType($_eqType_name, $_onlyEnable = false) {
        $sql = 'SELECT * FROM eqLogic WHERE eqType_name = ?' . ($_onlyEnable ? ' AND isEnable = 1' : '') . ' ORDER BY name';
        return array_map(array('eqLogic', 'fromRow'), DB::all($sql, array($_eqType_name)));
    }

    public static function byLogicalId($_logicalId, $_eqType_name, $_multiple = false) {
        $rows = DB::all('SELECT * FROM eqLogic WHERE logicalId = ? AND eqType_name = ? ORDER BY id', array((string) $_logicalId, $_eqType_name));
        if ($_multiple) {
            return array_map(array('eqLogic', 'fromRow'), $rows);
        }
        return count($rows) === 0 ? null : self::fromRow($rows[0]);
    }

    public function save($_direct = false) {
        $insert = ($this->id === null);
        if (!$_direct) {
            $this->callHook('preSave');
            $this->callHook($insert ? 'preInsert' : 'preUpdate');
        }
        $vals = array($this->name, $this->logicalId, $this->eqType_name, $this->object_id, $this->isEnable, $this->isVisible,
            json_encode($this->configuration, JSON_UNESCAPED_UNICODE), json_encode($this->status));
        if ($insert) {
            DB::query('INSERT INTO eqLogic (name, logicalId, eqType_name, object_id, isEnable, isVisible, configuration, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', $vals);
            $this->id = (int) DB::pdo()->lastInsertId();
        } else {
            $vals[] = $this->id;
            DB::query('UPDATE eqLogic SET name = ?, logicalId = ?, eqType_name = ?, object_id = ?, isEnable = ?, isVisible = ?, configuration = ?, status = ? WHERE id = ?', $vals);
        }
        if (!$_direct) {
            $this->callHook($insert ? 'postInsert' : 'postUpdate');
            $this->callHook('postSave');
        }
        return $this;
    }

    public function remove() {
        foreach ($this->getCmd() as $cmd) {
            $cmd->remove();
        }
        $this->callHook('preRemove');
        DB::query('DELETE FROM eqLogic WHERE id = ?', array($this->id));
        $this->callHook('postRemove');
        return true;
    }

    private function callHook($_name) {
        if (method_exists($this, $_name)) {
            $this->$_name();
        }
    }

    public function getCmd($_type = null, $_logicalId = null, $_visible = null, $_multiple = false) {
        if ($_logicalId !== null) {
            $r = cmd::byEqLogicIdAndLogicalId($this->id, $_logicalId, $_multiple, $_type);
            return $r;
        }
        return $this->id === null ? array() : cmd::byEqLogicId($this->id, $_type);
    }

    public function checkAndUpdateCmd($_logicalId, $_value, $_updateTime = null) {
        $cmd = is_object($_logicalId) ? $_logicalId : $this->getCmd('info', $_logicalId);
        if (!is_object($cmd)) {
            return false;
        }
        if ((string) $cmd->execCmd() === (string) $_value) {
            return false;
        }
        $cmd->event($_value, $_updateTime);
        return true;
    }

    public function getHumanName() {
        $o = $this->getObject();
        return '[' . ($o ? $o->getName() : 'Aucun') . '][' . $this->name . ']';
    }

    public function getObject() {
        return $this->object_id === null ? null : jeeObject::byId($this->object_id);
    }

    public function getCache($_key = '', $_default = '') {
        $c = cache::byKey('eqLogicCacheAttr' . $this->id)->getValue(array());
        if ($_key === '') {
            return $c;
        }
        return isset($c[$_key]) ? $c[$_key] : $_default;
    }

    public function setCache($_key, $_value = null) {
        $c = cache::byKey('eqLogicCacheAttr' . $this->id)->getValue(array());
        $c[$_key] = $_value;
        cache::set('eqLogicCacheAttr' . $this->id, $c);
        return $this;
    }

    public function refreshWidget() {
        event::add('eqLogic::update', array('eqLogic_id' => $this->id));
    }

    public function getId() { return $this->id; }
    public function getName() { return $this->name; }
    public function setName($_n) { $this->name = $_n; return $this; }
    public function getLogicalId() { return $this->logicalId; }
    public function setLogicalId($_l) { $this->logicalId = (string) $_l; return $this; }
    public function getEqType_name() { return $this->eqType_name; }
    public function setEqType_name($_t) { $this->eqType_name = $_t; return $this; }
    public function getObject_id() { return $this->object_id; }
    public function setObject_id($_o) { $this->object_id = $_o; return $this; }
    public function getIsEnable($_default = 0) { return $this->isEnable; }
    public function setIsEnable($_e) { $this->isEnable = (int) $_e; return $this; }
    public function getIsVisible($_default = 0) { return $this->isVisible; }
    public function setIsVisible($_v) { $this->isVisible = (int) $_v; return $this; }

    public function getConfiguration($_key = '', $_default = '') {
        return utils::getJsonAttr($this->configuration, $_key, $_default, true);
    }

    public function setConfiguration($_key, $_value) {
        utils::setJsonAttr($this->configuration, $_key, $_value);
        return $this;
    }

    public function getStatus($_key = '', $_default = '') {
        return utils::getJsonAttr($this->status, $_key, $_default);
    }

    public function setStatus($_key, $_value = null) {
        utils::setJsonAttr($this->status, $_key, $_value);
        return $this;
    }
}
