<?php
/* Fake Jeedom core: scenarios. launch() runs "instantly": counts the launch, stores tags, fires scenario::update. */
class scenario {
    private $id;
    private $name;
    private $group = '';
    private $object_id = null;
    private $isActive = 1;
    private $state = 'stop';
    private $lastLaunch = null;
    private $display = array();
    private $tags = array();

    private static function fromRow($row) {
        if ($row === null) {
            return null;
        }
        $s = new self();
        $s->id = (int) $row['id'];
        $s->name = $row['name'];
        $s->group = (string) $row['group'];
        $s->object_id = $row['object_id'];
        $s->isActive = (int) $row['isActive'];
        $s->state = $row['state'] ?: 'stop';
        $s->lastLaunch = $row['lastLaunch'];
        $s->display = json_decode((string) $row['display'], true) ?: array();
        $s->tags = json_decode((string) $row['tags'], true) ?: array();
        return $s;
    }

    public static function byId($_id) {
        if (!is_numeric($_id)) {
            return null;
        }
        return self::fromRow(DB::row('SELECT * FROM scenario WHERE id = ?', array((int) $_id)));
    }

    public static function all() {
        return array_map(array('scenario', 'fromRow'), DB::all('SELECT * FROM scenario ORDER BY id'));
    }

    public function save() {
        $vals = array($this->name, $this->group, $this->object_id, $this->isActive, $this->state, $this->lastLaunch, json_encode($this->display), json_encode($this->tags));
        if ($this->id === null) {
            DB::query('INSERT INTO scenario (name, "group", object_id, isActive, state, lastLaunch, display, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', $vals);
            $this->id = (int) DB::pdo()->lastInsertId();
        } else {
            $vals[] = $this->id;
            DB::query('UPDATE scenario SET name = ?, "group" = ?, object_id = ?, isActive = ?, state = ?, lastLaunch = ?, display = ?, tags = ? WHERE id = ?', $vals);
        }
        return $this;
    }

    public function launch($_trigger = '', $_message = '', $_forceSyncMode = false) {
        if (!$this->isActive) {
            return false;
        }
        $this->lastLaunch = date('Y-m-d H:i:s');
        $this->state = 'stop';
        $this->save();
        DB::query('UPDATE scenario SET launches = launches + 1 WHERE id = ?', array($this->id));
        event::add('scenario::update', array('scenario_id' => $this->id, 'state' => $this->state, 'lastLaunch' => $this->lastLaunch, 'isActive' => $this->isActive));
        return true;
    }

    public function stop() {
        $this->state = 'stop';
        $this->save();
        event::add('scenario::update', array('scenario_id' => $this->id, 'state' => 'stop', 'lastLaunch' => $this->lastLaunch));
        return true;
    }

    public function getLaunches() {
        $r = DB::row('SELECT launches FROM scenario WHERE id = ?', array($this->id));
        return (int) $r['launches'];
    }

    public function getObject() {
        return $this->object_id === null ? null : jeeObject::byId($this->object_id);
    }

    public function getId() { return $this->id; }
    public function getName() { return $this->name; }
    public function setName($_n) { $this->name = $_n; return $this; }
    public function getGroup() { return $this->group; }
    public function setGroup($_g) { $this->group = $_g; return $this; }
    public function setObject_id($_o) { $this->object_id = $_o; return $this; }
    public function getState() { return $this->state; }
    public function setState($_s) { $this->state = $_s; return $this; }
    public function getLastLaunch() { return $this->lastLaunch; }
    public function getIsActive() { return $this->isActive; }
    public function setIsActive($_a) { $this->isActive = (int) $_a; return $this; }
    public function getTags() { return $this->tags; }
    public function setTags($_t) { $this->tags = $_t; $this->save(); return $this; }

    public function getDisplay($_key = '', $_default = '') {
        return utils::getJsonAttr($this->display, $_key, $_default);
    }

    public function setDisplay($_key, $_value) {
        utils::setJsonAttr($this->display, $_key, $_value);
        return $this;
    }

    public function hasRight($_right, $_user = null) {
        return true;
    }
}
