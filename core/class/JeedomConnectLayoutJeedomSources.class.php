<?php
/*
 * JeedomConnect - what the layout assembly reads from Jeedom for one device (docs/layout-storage.md): global widget
 * definitions widget::<id>, the device's customData::<apiKey>::<widgetId>, core object summaries, command listValue
 * and the device's action password.
 */
class JeedomConnectLayoutJeedomSources implements JeedomConnectLayoutSources {
    const PLUGIN = 'JeedomConnect';

    /** @var JeedomConnect */
    private $_eq;

    public function __construct($_eq) {
        $this->_eq = $_eq;
    }

    private static function decoded($_value) {
        if (is_string($_value) && $_value !== '') {
            $_value = json_decode($_value, true);
        }
        return is_array($_value) ? $_value : null;
    }

    public function widget($_id) {
        return self::decoded(config::byKey('widget::' . $_id, self::PLUGIN, ''));
    }

    public function customData() {
        $prefix = 'customData::' . $this->_eq->getLogicalId() . '::';
        $values = array();
        foreach (config::searchKey($prefix, self::PLUGIN) as $row) {
            if (strpos($row['key'], $prefix) !== 0) {
                continue;
            }
            $v = self::decoded($row['value']);
            if ($v === null) {
                log::add(self::PLUGIN, 'warning', 'Layout: ' . $row['key'] . ' is not a JSON object, ignored');
                continue;
            }
            $values[] = $v;
        }
        return $values;
    }

    public function summaryDefinitions() {
        $defs = self::decoded(config::byKey('object:summary', 'core', ''));
        return $defs === null ? array() : $defs;
    }

    public function listValue($_cmdId) {
        $cmd = cmd::byId($_cmdId);
        return is_object($cmd) ? (string) $cmd->getConfiguration('listValue', '') : '';
    }

    public function password() {
        return $this->_eq->getConfiguration('pwdAction', null);
    }
}
