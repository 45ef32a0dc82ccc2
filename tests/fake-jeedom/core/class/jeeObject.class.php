<?php
/* Fake Jeedom core: objects (rooms) with a summary map; setSummaryValue() fires jeeObject::summary::update like the core. */
class jeeObject {
    private $id;
    private $name;
    private $configuration = array();

    private static function fromRow($row) {
        if ($row === null) {
            return null;
        }
        $o = new self();
        $o->id = (int) $row['id'];
        $o->name = $row['name'];
        $o->configuration = json_decode((string) $row['configuration'], true) ?: array();
        return $o;
    }

    public static function byId($_id) {
        return self::fromRow(DB::row('SELECT * FROM object WHERE id = ?', array((int) $_id)));
    }

    public static function all() {
        return array_map(array('jeeObject', 'fromRow'), DB::all('SELECT * FROM object ORDER BY id'));
    }

    public static function getGlobalSummary($_key) {
        $values = array();
        foreach (self::all() as $o) {
            $v = $o->getSummary($_key);
            if ($v !== null && $v !== '') {
                $values[] = (float) $v;
            }
        }
        return count($values) === 0 ? null : round(array_sum($values) / count($values), 1);
    }

    public function save() {
        $c = json_encode($this->configuration);
        if ($this->id === null) {
            DB::query('INSERT INTO object (name, configuration) VALUES (?, ?)', array($this->name, $c));
            $this->id = (int) DB::pdo()->lastInsertId();
        } else {
            DB::query('UPDATE object SET name = ?, configuration = ? WHERE id = ?', array($this->name, $c, $this->id));
        }
        return $this;
    }

    public function getSummary($_key = '') {
        $s = isset($this->configuration['summaryValues']) ? $this->configuration['summaryValues'] : array();
        return isset($s[$_key]) ? $s[$_key] : null;
    }

    public function setSummaryValue($_key, $_value) {
        $this->configuration['summaryValues'][$_key] = $_value;
        $this->save();
        event::add('jeeObject::summary::update', array('object_id' => $this->id, 'keys' => array($_key => array('value' => $_value))));
    }

    public function getId() { return $this->id; }
    public function getName() { return $this->name; }
    public function setName($_n) { $this->name = $_n; return $this; }
}
