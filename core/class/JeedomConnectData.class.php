<?php
/*
 * JeedomConnect - the box's catalogue the app loads once a day at start (docs/api-methods.md, GET_JEEDOM_DATA):
 * every command, equipment, object (room) and scenario, and the core's summary definitions, with icons split into
 * what the app draws (source jeedom/fa, name, colour).
 */
class JeedomConnectData {
    /** Jeedom's icon colour classes and the colours the app uses for them. */
    private static $colors = array('blue' => '#0000FF', 'yellow' => '#FFFF00', 'orange' => '#FFA500', 'red' => '#FF0000', 'green' => '#008000');

    /** GET_JEEDOM_DATA -> SET_JEEDOM_DATA {cmds, eqLogics, objects, scenarios, summariesConfig} */
    public static function all(JeedomConnectApi $_api) {
        $data = array('cmds' => array(), 'eqLogics' => array(), 'objects' => array(), 'scenarios' => array(), 'summariesConfig' => array());
        foreach (cmd::all() as $cmd) {
            $a = utils::o2a($cmd);
            $conf = is_array($a['configuration']) ? $a['configuration'] : array();
            $data['cmds'][] = array('id' => (string) $a['id'], 'name' => $a['name'], 'type' => $a['type'], 'subType' => $a['subType'],
                'eqLogic_id' => (string) $a['eqLogic_id'], 'unite' => $a['unite'], 'isHistorized' => $a['isHistorized'],
                'configuration' => $a['configuration'],
                // a command that asks for confirmation cannot be a shortcut (the stored flag is the string "0"/"1")
                'shortcutAllowed' => (isset($conf['actionConfirm']) ? $conf['actionConfirm'] : '0') === '0');
        }
        foreach (eqLogic::all() as $eq) {
            $a = utils::o2a($eq);
            $data['eqLogics'][] = array('id' => (string) $a['id'], 'name' => $a['name'], 'object_id' => self::idOrNull($a['object_id']),
                'isEnable' => (string) $a['isEnable']);
        }
        foreach (jeeObject::all() as $object) {
            $a = utils::o2a($object);
            $icon = isset($a['display']['icon']) ? $a['display']['icon'] : '';
            $data['objects'][] = array('id' => (string) $a['id'], 'name' => $a['name'], 'display' => self::iconDisplay($icon));
        }
        foreach (scenario::all() as $sc) {
            $a = utils::o2a($sc);
            $data['scenarios'][] = array('id' => (string) $a['id'], 'name' => $a['name'], 'group' => $a['group'], 'object_id' => self::idOrNull($a['object_id']));
        }
        foreach ((array) config::byKey('object:summary') as $summary) {
            $icon = isset($summary['icon']) ? $summary['icon'] : '';
            $summary['display'] = self::iconDisplay($icon);
            $summary['icon'] = self::withoutColor($icon);
            $data['summariesConfig'][] = $summary;
        }
        return array('type' => 'SET_JEEDOM_DATA', 'payload' => $data);
    }

    /** "" and "0" (no object) are null, as upstream sends them. */
    private static function idOrNull($_id) {
        $s = (string) $_id;
        return ($s === '' || $s === '0') ? null : $s;
    }

    private static function withoutColor($_html) {
        return trim(preg_replace('/ icon_(red|yellow|blue|green|orange)/', '', (string) $_html));
    }

    /**
     * An icon's HTML (`<i class="fas fa-home icon_blue"></i>`, `<i class="icon jeedom-lumiere-on"></i>`) as the app
     * draws it: {icon: the HTML without colour class, source: 'fa' | 'jeedom' | '' (no class), name: the icon
     * without prefix nor colour, color: '#RRGGBB' or ''}.
     */
    public static function iconDisplay($_html) {
        $html = (string) $_html;
        $r = array('icon' => self::withoutColor($html), 'source' => '', 'name' => '', 'color' => '');
        if (!preg_match('/.*class="(.*)"/', $html, $m)) {
            return $r;
        }
        $parts = explode(' ', $m[1], 2);
        $r['source'] = $parts[0] === 'icon' ? 'jeedom' : 'fa';
        $name = isset($parts[1]) ? $parts[1] : '';
        $name = trim($r['source'] === 'fa' ? str_replace('fa-', '', $name) : $name);
        if (preg_match('/^(.*) icon_(.*)$/', $name, $c)) {
            $r['color'] = isset(self::$colors[$c[2]]) ? self::$colors[$c[2]] : '';
            $name = trim(str_replace('icon_' . $c[2], '', $name));
        }
        $r['name'] = $name;
        return $r;
    }
}
