<?php
/*
 * JeedomConnect - Android's device controls (the power menu / quick controls of Android 11+; docs/api-methods.md,
 * "Device controls"): the widgets of the phone's assembled layout that Android can show as controls, each as a
 * "device" {id, widgetId, title, subtitle, zone, deviceType, controlTemplate, status..., actions...}. Without a list
 * the app gets every supported widget without values (to choose from); with the ids the user picked
 * (activeControlIds, kept in the equipment's configuration as upstream keeps them) it gets those with their values.
 */
class JeedomConnectDeviceControls {
    /** GET_CONTROL_DEVICES {activeControlIds?: [global widget id]} -> SET_CONTROL_DEVICES {devices: [device]} */
    public static function get(JeedomConnectApi $_api) {
        $active = $_api->param('activeControlIds');
        if ($active !== null) {
            if (!is_array($active) || array_values($active) !== $active) {
                throw new Exception('activeControlIds: a list of widget ids is expected');
            }
            foreach ($active as $id) {
                if (!is_int($id) && !(is_string($id) && ctype_digit($id))) {
                    throw new Exception('activeControlIds: a list of widget ids is expected');
                }
            }
        }
        $eq = $_api->eq();
        $eq->setConfiguration('activeControlTime', time());
        $config = JeedomConnectLayout::generated($eq);
        $widgets = array();
        $seen = array();
        foreach (isset($config['payload']['widgets']) && is_array($config['payload']['widgets']) ? $config['payload']['widgets'] : array() as $w) {
            if (!is_array($w) || !isset($w['id']) || !empty($w['hideControlDevice']) || in_array($w['id'], $seen)) {
                continue;
            }
            $widgets[] = $w;
            $seen[] = $w['id'];
        }
        $devices = array();
        if (!empty($active)) {
            if (explode(',', (string) $eq->getConfiguration('activeControlIds', '')) != $active) {
                $eq->setConfiguration('activeControlIds', implode(',', array_filter(array_map('strval', $active))));
            }
            $cmdIds = array();
            foreach ($widgets as $w) {
                if (in_array($w['id'], $active)) {
                    $cmdIds = array_merge($cmdIds, self::infoCmdIds($w));
                }
            }
            $values = array();
            foreach (array_unique(array_filter($cmdIds, 'strlen')) as $id) {
                $cmd = cmd::byId($id);
                if (is_object($cmd)) {
                    $values[$id] = $cmd->execCmd();
                }
            }
            foreach ($active as $id) {
                $i = array_search($id, $seen);
                if ($i === false) {
                    $devices[] = array('id' => $id, 'deviceStatus' => 'NOT_FOUND');
                } else {
                    $d = self::device($widgets[$i], $values);
                    $devices[] = $d !== null ? $d : array('id' => $id, 'deviceStatus' => 'ERROR');
                }
            }
        } else {
            foreach ($widgets as $w) {
                $d = self::device($w, null);
                if ($d !== null) {
                    $devices[] = $d;
                }
            }
        }
        $eq->save();
        usort($devices, function ($a, $b) {
            $ra = strtolower(isset($a['subtitle']) ? (string) $a['subtitle'] : '');
            $rb = strtolower(isset($b['subtitle']) ? (string) $b['subtitle'] : '');
            if ($ra === $rb) {
                return strcmp(strtolower(isset($a['title']) ? (string) $a['title'] : ''), strtolower(isset($b['title']) ? (string) $b['title'] : ''));
            }
            return strcmp($ra, $rb);
        });
        return array('type' => 'SET_CONTROL_DEVICES', 'payload' => array('devices' => $devices));
    }

    /** The widgets of the phone's assembled layout, the first of each id, hidden controls included (as the
     * previous plugin follows them); the layout assembled last while it is unchanged (each save of the phone asks). */
    private static function widgetsById($_eq) {
        $config = JeedomConnectLayout::forFilter($_eq);
        $widgets = array();
        foreach (isset($config['payload']['widgets']) && is_array($config['payload']['widgets']) ? $config['payload']['widgets'] : array() as $w) {
            if (is_array($w) && isset($w['id']) && !isset($widgets[(string) $w['id']])) {
                $widgets[(string) $w['id']] = $w;
            }
        }
        return $widgets;
    }

    /** The info commands the active controls $_ids show (what JeedomConnectLivePush follows). */
    public static function infoCmdIdsOf($_eq, array $_ids) {
        $cmdIds = array();
        foreach (self::widgetsById($_eq) as $id => $w) {
            if (in_array($id, $_ids)) {
                $cmdIds = array_merge($cmdIds, self::infoCmdIds($w));
            }
        }
        return array_values(array_unique(array_filter($cmdIds, 'strlen')));
    }

    /** The devices, with their values, of the active controls $_ids that show command $_cmdId (SET_CONTROLS_INFO). */
    public static function devicesUsing($_eq, array $_ids, $_cmdId) {
        $widgets = self::widgetsById($_eq);
        $devices = array();
        foreach ($_ids as $id) {
            if (!isset($widgets[(string) $id])) {
                continue;
            }
            $cmdIds = self::infoCmdIds($widgets[(string) $id]);
            if (!in_array($_cmdId, $cmdIds)) {
                continue;
            }
            $values = array();
            foreach (array_unique(array_filter($cmdIds, 'strlen')) as $cid) {
                $cmd = cmd::byId($cid);
                if (is_object($cmd)) {
                    $values[$cid] = $cmd->execCmd();
                }
            }
            $d = self::device($widgets[(string) $id], $values);
            if ($d !== null) {
                $devices[] = $d;
            }
        }
        return $devices;
    }

    /** $_a[$_k1][$_k2], null when missing (widget options are often absent). */
    private static function v($_a, $_k1, $_k2 = null) {
        if (!is_array($_a) || $_k1 === null || !array_key_exists($_k1, $_a)) {
            return null;
        }
        return $_k2 === null ? $_a[$_k1] : self::v($_a[$_k1], $_k2);
    }

    /** The value of the command an option names, null when unknown (or without values). */
    private static function val($_values, $_widget, $_option) {
        $id = self::v($_widget, $_option, 'id');
        return (is_scalar($id) && is_array($_values) && array_key_exists((string) $id, $_values)) ? $_values[(string) $id] : null;
    }

    /** The info commands whose values a widget's control shows, plus the #id# of its name. */
    private static function infoCmdIds(array $_w) {
        $type = isset($_w['type']) ? $_w['type'] : '';
        $component = isset($_w['component']) ? $_w['component'] : '';
        $single = array('brightness', 'frontgate', 'generic-info-binary', 'generic-info-string', 'generic-info-numeric', 'generic-slider',
            'generic-switch', 'humidity', 'pir', 'plug', 'power', 'shutter', 'single-light-switch', 'temperature', 'door', 'window');
        $options = array('alarm' => array('enableInfo', 'modeInfo'), 'camera' => array('snapshotUrlInfo'),
            'single-light-dim' => array('statusInfo', 'brightInfo'), 'single-light-color' => array('statusInfo', 'brightInfo', 'colorInfo'),
            'air-con' => array('setpointInfo', 'statusInfo'), 'thermostat' => array('setpointInfo', 'modeInfo'));
        if (in_array($type, $single, true) || ($type === 'component' && in_array($component, array('slider', 'switch'), true))) {
            $keys = array('statusInfo');
        } else {
            $keys = isset($options[$type]) ? $options[$type] : array();
        }
        $ids = array();
        foreach ($keys as $k) {
            $id = self::v($_w, $k, 'id');
            if (!empty($id)) {
                $ids[] = $id;
            }
        }
        preg_match_all('/#.*?#/', isset($_w['name']) && is_string($_w['name']) ? $_w['name'] : '', $m);
        foreach ($m[0] as $t) {
            $ids[] = str_replace('#', '', $t);
        }
        return $ids;
    }

    private static function roomName(array $_w) {
        if (!array_key_exists('room', $_w)) {
            return '';
        }
        $room = jeeObject::byId(intval($_w['room']));
        return is_object($room) ? $room->getName() : 'Aucun';
    }

    /** The widget's name as Jeedom evaluates an expression (#room# replaced), the raw name when it cannot. */
    private static function title(array $_w) {
        $name = isset($_w['name']) ? $_w['name'] : null;
        try {
            $exp = str_replace('#room#', self::roomName($_w), (string) $name);
            $scenario = null;
            return evaluate(scenarioExpression::setTags(jeedom::fromHumanReadable($exp), $scenario, true));
        } catch (Exception $e) {
            log::add('JeedomConnect', 'warning', 'Contrôle : nom du widget ' . self::v($_w, 'id') . ' non évalué : ' . $e->getMessage());
            return $name;
        }
    }

    /** {action: execCmd, cmdId, options?, challenge? (ACK to confirm, PIN for secure or password)} */
    private static function action($_a) {
        $r = array('action' => 'execCmd', 'cmdId' => self::v($_a, 'id'));
        if (self::v($_a, 'options') !== null) {
            $r['options'] = $_a['options'];
        }
        if (self::v($_a, 'confirm')) {
            $r['challenge'] = 'ACK';
        } elseif (self::v($_a, 'secure') || self::v($_a, 'pwd')) {
            $r['challenge'] = 'PIN';
        }
        return $r;
    }

    /** on/off from a value (> 0), reversed when the option has invert. */
    private static function status($_values, array $_w, $_option = 'statusInfo') {
        $value = self::val($_values, $_w, $_option);
        $on = self::v($_w, $_option, 'invert') ? $value <= 0 : $value > 0;
        return $on ? 'on' : 'off';
    }

    private static function range($_values, array $_w, $_option, array &$_d) {
        $_d['rangeStatus'] = self::val($_values, $_w, $_option);
        foreach (array('minValue' => 'minValue', 'maxValue' => 'maxValue', 'step' => 'stepValue') as $from => $to) {
            if (self::v($_w, $_option, $from) !== null) {
                $_d[$to] = floatval($_w[$_option][$from]);
            }
        }
        if (self::v($_w, $_option, 'unit') !== null) {
            $_d['rangeUnit'] = $_w[$_option]['unit'];
        }
    }

    /** A thermostat mode from its name: off, cold, heat, heat_cool, eco or ''. */
    private static function mode($_name) {
        $n = strtolower((string) $_name);
        if (in_array($n, array('off', 'eteindre', 'éteindre'), true)) {
            return 'off';
        }
        foreach (array('froid' => 'cold', 'chaud' => 'heat', 'auto' => 'heat_cool', 'eco' => 'eco') as $word => $mode) {
            if (strpos($n, $word) !== false) {
                return $mode;
            }
        }
        return '';
    }

    /** The device of one widget, or null when its type has no control. $_values null: no values (the full list). */
    private static function device(array $_w, $_values) {
        $type = isset($_w['type']) ? $_w['type'] : '';
        $component = isset($_w['component']) ? $_w['component'] : '';
        $d = array('id' => strval($_w['id']), 'widgetId' => strval(self::v($_w, 'widgetId')), 'title' => self::title($_w),
            'subtitle' => self::roomName($_w), 'zone' => config::byKey('name'));
        if (!empty($_w['allowOnUnlock'])) {
            $d['allowOnUnlock'] = true;
        }
        $deviceType = 'TYPE_UNKNOWN';
        $template = 'TYPE_STATELESS';
        $value = function ($_option) use ($_values, $_w) {
            return self::val($_values, $_w, $_option);
        };
        $withUnit = function () use ($value, $_w) {
            return $value('statusInfo') . (self::v($_w, 'statusInfo', 'unit') !== null ? $_w['statusInfo']['unit'] : '');
        };
        $onOff = function ($_on, $_off) use (&$d, $_w) {
            $d['onAction'] = self::action(self::v($_w, $_on));
            $d['offAction'] = self::action(self::v($_w, $_off));
        };
        if ($type === 'component') {
            $type = 'component:' . $component;
        }
        switch ($type) {
            case 'alarm':
                $arm = self::v($_w, 'onAction', 'id') != null && self::v($_w, 'offAction', 'id') != null;
                $deviceType = 'TYPE_LOCK';
                $template = $arm ? 'TYPE_TOGGLE' : 'TYPE_STATELESS';
                $d['status'] = self::status($_values, $_w, 'enableInfo');
                if (self::v($_w, 'onAction', 'id') != null) {
                    $d['onAction'] = self::action($_w['onAction']);
                }
                if (self::v($_w, 'offAction', 'id') != null) {
                    $d['offAction'] = self::action($_w['offAction']);
                }
                $d['statusText'] = self::v($_w, 'modeInfo', 'id') != null ? $value('modeInfo') : ($d['status'] == 'on' ? 'Armé' : 'Désarmé');
                break;
            case 'brightness':
            case 'humidity':
                $d['icon'] = 'ic_fluent_brightness_high_24_regular';
                $d['statusText'] = $withUnit();
                break;
            case 'camera':
                if (empty($_w['snapshotUrl']) && self::v($_w, 'snapshotUrlInfo') == null) {
                    return null;
                }
                $deviceType = 'TYPE_CAMERA';
                $template = 'TYPE_THUMBNAIL';
                break;
            case 'door':
            case 'window':
                $template = 'TYPE_TOGGLE';
                $deviceType = $type === 'door' ? 'TYPE_DOOR' : 'TYPE_WINDOW';
                $d['status'] = self::status($_values, $_w);
                $d['statusText'] = $d['status'] == 'on' ? 'Ouvert' : 'Fermé';
                break;
            case 'frontgate':
                $hasStatus = self::v($_w, 'statusInfo', 'id') != null;
                $deviceType = 'TYPE_GATE';
                $template = $hasStatus ? 'TYPE_TOGGLE' : 'TYPE_STATELESS';
                $onOff('openAction', 'closeAction');
                $d['status'] = self::status($_values, $_w);
                $d['statusText'] = $hasStatus ? ($d['status'] == 'on' ? 'Ouvert' : 'Fermé') : '';
                break;
            case 'generic-action-other':
                $d['icon'] = 'ic_fluent_filmstrip_play_24_regular';
                $d['action'] = self::action(self::v($_w, 'actions', 0));
                break;
            case 'generic-info-binary':
                $template = 'TYPE_TOGGLE';
                $d['status'] = self::status($_values, $_w);
                $d['statusText'] = $d['status'] == 'on' ? (empty($_w['text1']) ? '1' : $_w['text1']) : (empty($_w['text0']) ? '0' : $_w['text0']);
                $d['icon'] = 'ic_fluent_dark_theme_24_regular';
                break;
            case 'generic-info-numeric':
                $d['icon'] = 'ic_fluent_number_circle_1_24_regular';
                $d['statusText'] = $withUnit();
                break;
            case 'power':
                $d['icon'] = 'ic_fluent_flash_24_regular';
                $d['statusText'] = $withUnit();
                break;
            case 'generic-info-string':
            case 'component:text':
                $d['icon'] = 'ic_fluent_text_t_24_regular';
                $d['statusText'] = $value('statusInfo');
                break;
            case 'generic-slider':
            case 'component:slider':
                $d['icon'] = 'ic_fluent_auto_fit_width_24_regular';
                $template = 'TYPE_RANGE';
                self::range($_values, $_w, 'statusInfo', $d);
                $d['rangeAction'] = self::action(self::v($_w, 'sliderAction'));
                break;
            case 'generic-switch':
            case 'component:switch':
                $deviceType = 'TYPE_SWITCH';
                $template = 'TYPE_TOGGLE';
                $d['icon'] = 'ic_fluent_toggle_left_24_regular';
                $onOff('onAction', 'offAction');
                $d['status'] = self::status($_values, $_w);
                $d['statusText'] = $d['status'] == 'on' ? 'ON' : 'OFF';
                break;
            case 'pir':
                $template = 'TYPE_TOGGLE';
                $d['status'] = self::status($_values, $_w);
                $d['statusText'] = $d['status'] == 'on' ? 'En alerte' : 'Absent';
                $d['icon'] = $value('statusInfo') > 0 ? 'ic_fluent_alert_on_24_regular' : 'ic_fluent_snooze_24_regular';
                $d['iconColor'] = $d['status'] == 'on' ? '#ff0000' : '';
                break;
            case 'plug':
            case 'single-light-switch':
                $deviceType = $type === 'plug' ? 'TYPE_OUTLET' : 'TYPE_LIGHT';
                $template = 'TYPE_TOGGLE';
                $onOff('onAction', 'offAction');
                $d['status'] = self::status($_values, $_w);
                $d['statusText'] = $d['status'] == 'on' ? 'ON' : 'OFF';
                break;
            case 'scenario':
                $d['action'] = array('action' => 'execSc', 'scenarioId' => self::v($_w, 'scenarioId'), 'options' => self::v($_w, 'options'));
                $d['icon'] = 'ic_fluent_arrow_routing_rectangle_multiple_24_regular';
                break;
            case 'shutter':
                $deviceType = 'TYPE_SHUTTER';
                $upDown = self::v($_w, 'upAction', 'id') != null && self::v($_w, 'downAction', 'id') != null;
                $subType = self::v($_w, 'statusInfo', 'subType');
                if ($subType == 'numeric' && self::v($_w, 'positionAction', 'id') != null) {
                    $template = $upDown ? 'TYPE_TOGGLE_RANGE' : 'TYPE_RANGE';
                } elseif (($subType == 'numeric' || $subType == 'binary') && $upDown) {
                    $template = 'TYPE_TOGGLE';
                }
                if ($template === 'TYPE_TOGGLE' || $template === 'TYPE_TOGGLE_RANGE') {
                    $onOff('upAction', 'downAction');
                    $d['status'] = self::status($_values, $_w);
                    $d['statusText'] = $d['status'] == 'on' ? 'Ouvert' : 'Fermé';
                }
                if (($template === 'TYPE_RANGE' || $template === 'TYPE_TOGGLE_RANGE') && array_key_exists('positionAction', $_w)) {
                    $d['rangeAction'] = self::action($_w['positionAction']);
                    self::range($_values, $_w, 'statusInfo', $d);
                }
                break;
            case 'single-light-dim':
            case 'single-light-color':
                $bright = self::v($_w, 'brightInfo', 'id') != null;
                $deviceType = 'TYPE_LIGHT';
                $template = $bright ? 'TYPE_TOGGLE_RANGE' : 'TYPE_TOGGLE';
                $onOff('onAction', 'offAction');
                $d['rangeAction'] = self::action(self::v($_w, 'brightAction'));
                if ($bright) {
                    self::range($_values, $_w, 'brightInfo', $d);
                }
                $d['status'] = self::status($_values, $_w, self::v($_w, 'statusInfo', 'id') != null ? 'statusInfo' : 'brightInfo');
                $d['statusText'] = $d['status'] == 'on' ? 'ON' : 'OFF';
                $color = $value('colorInfo');
                if (!empty($color) && is_string($color) && strlen($color) == 7 && substr($color, 0, 1) === '#') {
                    $d['colorEnabled'] = '#80' . substr($color, 1);
                }
                break;
            case 'temperature':
                $deviceType = 'TYPE_THERMOSTAT';
                $d['statusText'] = $withUnit();
                break;
            case 'air-con':
                $deviceType = 'TYPE_THERMOSTAT';
                $template = 'TYPE_TOGGLE_RANGE';
                self::range($_values, $_w, 'setpointInfo', $d);
                $d['rangeAction'] = self::action(self::v($_w, 'setpointAction'));
                $d['status'] = self::status($_values, $_w);
                $d['statusText'] = $d['status'] == 'on' ? 'ON' : 'OFF';
                $onOff('onAction', 'offAction');
                break;
            case 'thermostat':
                $hasMode = self::v($_w, 'modeInfo', 'id') != null;
                $deviceType = $hasMode ? 'TYPE_THERMOSTAT' : 'TYPE_AC_HEATER';
                $template = $hasMode ? 'TYPE_TEMPERATURE' : 'TYPE_RANGE';
                self::range($_values, $_w, 'setpointInfo', $d);
                $d['rangeAction'] = self::action(self::v($_w, 'setpointAction'));
                $d['modeStatus'] = self::mode($value('modeInfo'));
                $modes = array();
                foreach (is_array(self::v($_w, 'modes')) ? $_w['modes'] : array() as $m) {
                    $modes[] = self::mode(self::v($m, 'name'));
                }
                $d['modes'] = array_unique($modes); // as upstream: keys kept (a list with holes is sent as an object)
                $d['statusText'] = $value('modeInfo');
                break;
            default:
                return null;
        }
        $d['deviceStatus'] = !empty($_w['enable']) ? 'OK' : 'DISABLED';
        $d['deviceType'] = $deviceType;
        $d['controlTemplate'] = $template;
        return $d;
    }
}
