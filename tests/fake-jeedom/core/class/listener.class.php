<?php
/* Fake Jeedom core: listeners. check() is what cmd->event() calls: every listener whose events contain '#<id>#' or
 * '#*#' runs; option background=false runs the handler in-process (with the cmd object), otherwise the real core forks
 * one php process per event - here it runs in-process too, after the foreground ones. */
class listener {
    private $id;
    private $class;
    private $function;
    private $event = array();
    private $option = array();

    private static function fromRow($row) {
        $l = new self();
        $l->id = (int) $row['id'];
        $l->class = $row['class'];
        $l->function = $row['function'];
        $l->event = json_decode($row['event'], true) ?: array();
        $l->option = json_decode($row['option'], true) ?: array();
        return $l;
    }

    public static function all() {
        return array_map(array('listener', 'fromRow'), DB::all('SELECT * FROM listener ORDER BY id'));
    }

    public static function byClass($_class) {
        return array_map(array('listener', 'fromRow'), DB::all('SELECT * FROM listener WHERE class = ?', array($_class)));
    }

    public static function byClassAndFunction($_class, $_function, $_option = '') {
        $row = DB::row('SELECT * FROM listener WHERE class = ? AND function = ?', array($_class, $_function));
        return $row === null ? null : self::fromRow($row);
    }

    public static function removeByClassAndFunction($_class, $_function) {
        DB::query('DELETE FROM listener WHERE class = ? AND function = ?', array($_class, $_function));
    }

    public static function check($_event, $_value, $_datetime = null, $_object = null) {
        $foreground = array();
        $background = array();
        foreach (self::all() as $l) {
            if (in_array('#' . $_event . '#', $l->event, true) || in_array('#*#', $l->event, true)) {
                if ($l->getOption('background', true) === false || $l->getOption('background', true) === '0' || $l->getOption('background', true) === 0) {
                    $foreground[] = $l;
                } else {
                    $background[] = $l;
                }
            }
        }
        foreach (array_merge($foreground, $background) as $l) {
            $option = $l->option;
            $option['event_id'] = $_event;
            $option['value'] = $_value;
            $option['datetime'] = $_datetime;
            $option['listener_id'] = $l->id;
            if (in_array($l, $foreground, true)) {
                $option['object'] = $_object;
            }
            try {
                call_user_func(array($l->class, $l->function), $option);
            } catch (Throwable $e) {
                log::add('listener', 'error', 'listener ' . $l->class . '::' . $l->function . ' : ' . $e->getMessage());
            }
        }
    }

    public function save($_once = false) {
        $ev = json_encode(array_values($this->event));
        $op = json_encode($this->option);
        if ($this->id === null) {
            DB::query('INSERT INTO listener (class, function, event, option) VALUES (?, ?, ?, ?)', array($this->class, $this->function, $ev, $op));
            $this->id = (int) DB::pdo()->lastInsertId();
        } else {
            DB::query('UPDATE listener SET class = ?, function = ?, event = ?, option = ? WHERE id = ?', array($this->class, $this->function, $ev, $op, $this->id));
        }
        return true;
    }

    public function remove() {
        if ($this->id !== null) {
            DB::query('DELETE FROM listener WHERE id = ?', array($this->id));
        }
    }

    public function addEvent($_id) {
        $e = (strpos((string) $_id, '#') === 0) ? (string) $_id : '#' . $_id . '#';
        if (!in_array($e, $this->event, true)) {
            $this->event[] = $e;
        }
    }

    public function emptyEvent() {
        $this->event = array();
    }

    public function getId() { return $this->id; }
    public function getClass() { return $this->class; }
    public function setClass($_c) { $this->class = $_c; return $this; }
    public function getFunction() { return $this->function; }
    public function setFunction($_f) { $this->function = $_f; return $this; }
    public function getEvent() { return $this->event; }

    public function getOption($_key = '', $_default = '') {
        if ($_key === '') {
            return $this->option;
        }
        return array_key_exists($_key, $this->option) ? $this->option[$_key] : $_default;
    }

    public function setOption($_key, $_value = null) {
        if (is_array($_key)) {
            $this->option = $_key;
        } else {
            $this->option[$_key] = $_value;
        }
        return $this;
    }
}
