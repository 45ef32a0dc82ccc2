<?php
/* Fake Jeedom core: commands. Info values live in cache 'cmdCacheAttr<id>' (value, valueDate, collectDate).
 * event($value): drops it if the eq is disabled; updates the cache; history; event::add('cmd::update');
 * listener::check only when the value changed (a repeat fires no listener), like the core.
 * execCmd on an action: the plugin's <eqType>Cmd::execute(), or for other eqTypes the fake "virtual" behaviour:
 * configuration infoId => that info cmd gets the slider/message/configured value; every call is recorded. */
class cmd {
    protected $id;
    protected $eqLogic_id;
    protected $eqType;
    protected $logicalId = '';
    protected $name;
    protected $type = 'info';
    protected $subType = 'string';
    protected $isHistorized = 0;
    protected $unite = '';
    protected $configuration = array();
    protected $display = array();

    protected static function fromRow($row) {
        if ($row === null) {
            return null;
        }
        $class = class_exists($row['eqType'] . 'Cmd') ? $row['eqType'] . 'Cmd' : 'cmd';
        $c = new $class();
        foreach (array('id', 'eqLogic_id', 'isHistorized') as $k) {
            $c->$k = (int) $row[$k];
        }
        foreach (array('eqType', 'logicalId', 'name', 'type', 'subType', 'unite') as $k) {
            $c->$k = (string) $row[$k];
        }
        $c->configuration = json_decode((string) $row['configuration'], true) ?: array();
        $c->display = json_decode((string) $row['display'], true) ?: array();
        return $c;
    }

    public static function byId($_id) {
        if (!is_numeric($_id)) {
            return null;
        }
        return self::fromRow(DB::row('SELECT * FROM cmd WHERE id = ?', array((int) $_id)));
    }

    public static function byIds($_ids) {
        $r = array();
        foreach ($_ids as $id) {
            $c = self::byId($id);
            if ($c !== null) {
                $r[] = $c;
            }
        }
        return $r;
    }

    public static function byEqLogicId($_eqLogic_id, $_type = null) {
        $sql = 'SELECT * FROM cmd WHERE eqLogic_id = ?' . ($_type !== null ? ' AND type = ?' : '') . ' ORDER BY id';
        $p = array((int) $_eqLogic_id);
        if ($_type !== null) {
            $p[] = $_type;
        }
        return array_map(array('cmd', 'fromRow'), DB::all($sql, $p));
    }

    public static function byEqLogicIdAndLogicalId($_eqLogic_id, $_logicalId, $_multiple = false, $_type = null) {
        $sql = 'SELECT * FROM cmd WHERE eqLogic_id = ? AND logicalId = ?' . ($_type !== null ? ' AND type = ?' : '') . ' ORDER BY id';
        $p = array((int) $_eqLogic_id, $_logicalId);
        if ($_type !== null) {
            $p[] = $_type;
        }
        $r = array_map(array('cmd', 'fromRow'), DB::all($sql, $p));
        if ($_multiple) {
            return $r;
        }
        return count($r) ? $r[0] : null;
    }

    public function save() {
        if ($this->eqType === null && $this->eqLogic_id !== null) {
            $eq = eqLogic::byId($this->eqLogic_id);
            $this->eqType = $eq ? $eq->getEqType_name() : '';
        }
        $vals = array($this->eqLogic_id, $this->eqType, $this->logicalId, $this->name, $this->type, $this->subType,
            $this->isHistorized, $this->unite, json_encode($this->configuration), json_encode($this->display));
        if ($this->id === null) {
            DB::query('INSERT INTO cmd (eqLogic_id, eqType, logicalId, name, type, subType, isHistorized, unite, configuration, display) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', $vals);
            $this->id = (int) DB::pdo()->lastInsertId();
        } else {
            $vals[] = $this->id;
            DB::query('UPDATE cmd SET eqLogic_id = ?, eqType = ?, logicalId = ?, name = ?, type = ?, subType = ?, isHistorized = ?, unite = ?, configuration = ?, display = ? WHERE id = ?', $vals);
        }
        return $this;
    }

    public function remove() {
        DB::query('DELETE FROM cmd WHERE id = ?', array($this->id));
        cache::delete('cmdCacheAttr' . $this->id);
        return true;
    }

    public function getEqLogic() {
        return eqLogic::byId($this->eqLogic_id);
    }

    public function getCache($_key = '', $_default = '') {
        $c = cache::byKey('cmdCacheAttr' . $this->id)->getValue(array());
        if (!is_array($c)) {
            $c = array();
        }
        if ($_key === '') {
            return $c;
        }
        if (is_array($_key)) {
            $r = array();
            foreach ($_key as $k) {
                $r[$k] = isset($c[$k]) ? $c[$k] : $_default;
            }
            return $r;
        }
        return isset($c[$_key]) ? $c[$_key] : $_default;
    }

    public function setCache($_key, $_value = null) {
        $c = $this->getCache();
        if (is_array($_key)) {
            $c = array_merge($c, $_key);
        } else {
            $c[$_key] = $_value;
        }
        cache::set('cmdCacheAttr' . $this->id, $c);
        return $this;
    }

    public function execCmd($_options = null, $_sendNodeJsEvent = false, $_quote = false) {
        if ($this->type === 'info') {
            return $this->getCache('value', '');
        }
        $eq = $this->getEqLogic();
        if (!is_object($eq) || $eq->getIsEnable() != 1) {
            throw new Exception(__('Equipement désactivé - impossible d\'exécuter la commande', __FILE__) . ' : ' . $this->getHumanName());
        }
        $log = cache::byKey('fake::execLog')->getValue(array());
        $log[] = array('id' => (string) $this->id, 'options' => $_options);
        cache::set('fake::execLog', $log);
        if (get_class($this) !== 'cmd' && method_exists($this, 'execute')) {
            return $this->execute(is_array($_options) ? $_options : array());
        }
        $target = $this->getConfiguration('infoId');
        if ($target !== '') {
            $info = cmd::byId($target);
            if ($info !== null) {
                $value = $this->getConfiguration('value');
                if (is_array($_options) && isset($_options['slider'])) {
                    $value = $_options['slider'];
                } elseif (is_array($_options) && isset($_options['message'])) {
                    $value = $_options['message'];
                }
                $info->event($value);
            }
        }
        return null;
    }

    public function event($_value, $_datetime = null) {
        if ($this->type !== 'info') {
            return;
        }
        $eq = $this->getEqLogic();
        if (!is_object($eq) || $eq->getIsEnable() != 1) {
            return;
        }
        $now = date('Y-m-d H:i:s');
        $collectDate = ($_datetime !== null) ? $_datetime : $now;
        $value = is_bool($_value) ? ($_value ? '1' : '0') : (string) $_value;
        $old = $this->getCache(array('value', 'valueDate'), null);
        $repeat = ($old['value'] !== null && (string) $old['value'] === $value);
        $valueDate = $repeat ? $old['valueDate'] : $collectDate;
        $this->setCache(array('value' => $value, 'valueDate' => $valueDate, 'collectDate' => $collectDate));
        if ($this->isHistorized) {
            history::add($this->id, $value, microtime(true));
        }
        event::add('cmd::update', array('cmd_id' => $this->id, 'value' => $value, 'display_value' => $value, 'unit' => $this->unite,
            'raw_unit' => $this->unite, 'valueDate' => $valueDate, 'collectDate' => $collectDate, 'alertLevel' => 'none'));
        if (!$repeat) {
            listener::check($this->id, $value, $collectDate, $this);
        }
    }

    public function getStatistique($_startTime, $_endTime) {
        $r = history::stats($this->id, strtotime($_startTime), strtotime($_endTime));
        if ($r === null || (int) $r['n'] === 0) {
            return array('avg' => 0, 'min' => 0, 'max' => 0);
        }
        return array('avg' => round((float) $r['avg'], 2), 'min' => (float) $r['min'], 'max' => (float) $r['max']);
    }

    public function getTendance($_startTime, $_endTime) {
        $rows = DB::all('SELECT value FROM history WHERE cmd_id = ? AND datetime BETWEEN ? AND ? ORDER BY datetime',
            array($this->id, strtotime($_startTime), strtotime($_endTime)));
        if (count($rows) < 2) {
            return 0;
        }
        return (float) $rows[count($rows) - 1]['value'] - (float) $rows[0]['value'];
    }

    public function hasRight($_user = null) {
        if (!is_object($_user)) {
            return true;
        }
        if ($_user->getProfils() === 'admin') {
            return true;
        }
        $denied = $_user->getOptions('deniedCmds', array());
        return !in_array((string) $this->id, array_map('strval', (array) $denied), true);
    }

    public function getHumanName() {
        $eq = $this->getEqLogic();
        return ($eq ? $eq->getHumanName() : '') . '[' . $this->name . ']';
    }

    public function getId() { return $this->id; }
    public function getName() { return $this->name; }
    public function setName($_n) { $this->name = $_n; return $this; }
    public function getLogicalId() { return $this->logicalId; }
    public function setLogicalId($_l) { $this->logicalId = $_l; return $this; }
    public function getEqLogic_id() { return $this->eqLogic_id; }
    public function setEqLogic_id($_e) { $this->eqLogic_id = $_e; return $this; }
    public function getEqType() { return $this->eqType; }
    public function setEqType($_e) { $this->eqType = $_e; return $this; }
    public function getType() { return $this->type; }
    public function setType($_t) { $this->type = $_t; return $this; }
    public function getSubType() { return $this->subType; }
    public function setSubType($_s) { $this->subType = $_s; return $this; }
    public function getIsHistorized() { return $this->isHistorized; }
    public function setIsHistorized($_h) { $this->isHistorized = (int) $_h; return $this; }
    public function getUnite() { return $this->unite; }
    public function setUnite($_u) { $this->unite = $_u; return $this; }

    public function getConfiguration($_key = '', $_default = '') {
        return utils::getJsonAttr($this->configuration, $_key, $_default, true);
    }

    public function setConfiguration($_key, $_value) {
        utils::setJsonAttr($this->configuration, $_key, $_value);
        return $this;
    }

    public function getDisplay($_key = '', $_default = '') {
        return utils::getJsonAttr($this->display, $_key, $_default);
    }

    public function setDisplay($_key, $_value) {
        utils::setJsonAttr($this->display, $_key, $_value);
        return $this;
    }
}
