<?php
/*
 * JeedomConnect - the app's widget editor (docs/api-methods.md, "Widget library"): the list of global widget
 * definitions (GET_WIDGET_DATA), widgets proposed from Jeedom's generic types (GET_WIDGET_WITH_GEN_TYPE), and
 * copying one phone's layout to others (COPY_CONFIG). Editing layouts is an admin's job on Jeedom's desktop (the
 * plugin's page): these answer admins' phones only, as WELCOME's editEnabled tells the app.
 */
class JeedomConnectWidgetLibrary {
    const PLUGIN = 'JeedomConnect';

    /** GET_WIDGET_DATA -> SET_WIDGET_DATA {widgets: [summary item]} sorted by room name then name. */
    public static function all(JeedomConnectApi $_api) {
        if (($no = JeedomConnectAdmin::notAdmin($_api)) !== null) {
            return $no;
        }
        $img = plugin::byId(self::PLUGIN)->getPathImgIcon();
        $items = array();
        foreach (self::definitions() as $w) {
            $roomId = array_key_exists('room', $w) ? $w['room'] : '';
            $room = ($roomId === '' || $roomId === null || $roomId === 'global') ? null : jeeObject::byId($roomId);
            $items[] = array(
                'widgetJC' => $w,
                'enable' => array_key_exists('enable', $w) ? $w['enable'] : null,
                'name' => isset($w['name']) ? $w['name'] : 'inconnu',
                'nameDisplayed' => isset($w['nameDisplayed']) ? $w['nameDisplayed'] : null,
                'type' => $w['type'],
                'roomId' => $roomId === null ? '' : $roomId,
                'roomName' => $roomId === 'global' ? 'Global' : (is_object($room) ? $room->getName() : 'Aucun'),
                'id' => isset($w['id']) ? $w['id'] : 'none',
                'component' => isset($w['component']) ? $w['component'] : 'none',
                'img' => $img,
            );
        }
        usort($items, function ($a, $b) {
            $ra = strtolower((string) $a['roomName']);
            $rb = strtolower((string) $b['roomName']);
            if ($ra !== $rb) {
                return strcmp($ra, $rb);
            }
            return strcmp(strtolower((string) ($a['nameDisplayed'] ?: $a['name'])), strtolower((string) ($b['nameDisplayed'] ?: $b['name'])));
        });
        return array('type' => 'SET_WIDGET_DATA', 'payload' => array('widgets' => $items));
    }

    /** Every global definition `widget::<numeric id>` that has a type (docs/layout-storage.md), in Jeedom's order. */
    private static function definitions() {
        $list = array();
        foreach (config::searchKey('widget::', self::PLUGIN) as $row) {
            $id = str_replace('widget::', '', $row['key']);
            if ($id === '' || !is_numeric($id)) {
                continue;
            }
            if (!is_array($row['value']) || !array_key_exists('type', $row['value'])) {
                log::add(self::PLUGIN, 'warning', 'Widget ' . $id . ' sans type ignoré');
                continue;
            }
            $list[] = $row['value'];
        }
        return $list;
    }

    /** The generic-type options of a widget type (core/config/widgetGenericTypes.json), [] when it has none. */
    private static function genericOptions($_type) {
        static $catalogue = null;
        if ($catalogue === null) {
            $catalogue = json_decode((string) file_get_contents(__DIR__ . '/../config/widgetGenericTypes.json'), true);
        }
        return ($_type !== '_doc' && isset($catalogue[$_type])) ? $catalogue[$_type] : array();
    }

    /**
     * GET_WIDGET_WITH_GEN_TYPE {widget_type, eqId?} -> SET_WIDGET_WITH_GEN_TYPE: one proposed widget per enabled
     * equipment owning commands of the type's generic types, or null when the type has none.
     */
    public static function withGenericTypes(JeedomConnectApi $_api) {
        if (($no = JeedomConnectAdmin::notAdmin($_api)) !== null) {
            return $no;
        }
        $type = $_api->param('widget_type');
        if (!is_string($type) || $type === '') {
            throw new Exception('widget_type: a widget type is expected');
        }
        $eqId = $_api->param('eqId');
        if ($eqId !== null && !is_int($eqId) && !(is_string($eqId) && ctype_digit($eqId))) {
            throw new Exception('eqId: an equipment id is expected');
        }
        $options = self::genericOptions($type);
        if (count($options) === 0) {
            return array('type' => 'SET_WIDGET_WITH_GEN_TYPE', 'payload' => null);
        }
        $generics = array_values(array_unique(array_column($options, 2)));
        $byEq = array();
        foreach (cmd::byGenericType($generics, $eqId) as $cmd) {
            $eq = $cmd->getEqLogic();
            if (!is_object($eq) || $eq->getIsEnable() == 0) {
                continue;
            }
            $object = $eq->getObject();
            if (!isset($byEq[$eq->getId()])) {
                $byEq[$eq->getId()] = array('name' => $eq->getName(), 'roomId' => is_object($object) ? $object->getId() : null, 'cmds' => array());
            }
            $byEq[$eq->getId()]['cmds'][] = self::cmdObject($cmd);
        }
        $strict = JeedomConnectDevice::isTrue(config::byKey('isStrict', self::PLUGIN, true));
        $proposed = array();
        foreach ($byEq as $eq) {
            if (!self::hasRequired($eq['cmds'], $options, $strict)) {
                continue;
            }
            $w = array('enable' => true, 'type' => $type, 'room' => intval($eq['roomId']), 'name' => $eq['name']);
            foreach ($options as $o) {
                $matching = array_values(array_filter($eq['cmds'], function ($c) use ($o) {
                    return $c['generic_type'] == $o[2];
                }));
                if ($o[1] === 'cmd' && count($matching) > 0) {
                    $w[$o[0]] = $matching[0];
                } elseif ($o[1] === 'cmdList' && count($matching) > 0) {
                    $w[$o[0]] = $matching;
                }
            }
            $proposed[] = $w;
        }
        return array('type' => 'SET_WIDGET_WITH_GEN_TYPE', 'payload' => self::markExisting($proposed, $options));
    }

    private static function cmdObject($cmd) {
        return array(
            'id' => $cmd->getId(),
            'humanName' => '#' . $cmd->getHumanName() . '#',
            'name' => $cmd->getName(),
            'type' => $cmd->getType(),
            'subType' => $cmd->getSubType(),
            'generic_type' => $cmd->getGeneric_type(),
            'minValue' => $cmd->getConfiguration('minValue'),
            'maxValue' => $cmd->getConfiguration('maxValue'),
            'unit' => $cmd->getUnite(),
            'value' => $cmd->getValue(),
            'icon' => JeedomConnectData::iconDisplay($cmd->getDisplay('icon')),
        );
    }

    /** Strict mode (plugin config isStrict, default on): every required generic type is present. Otherwise, as
     * upstream reads it, the last required one decides. A type without required options keeps every equipment. */
    private static function hasRequired(array $_cmds, array $_options, $_strict) {
        $present = array_column($_cmds, 'generic_type');
        $found = true;
        foreach ($_options as $o) {
            if (!$o[3]) {
                continue;
            }
            $found = in_array($o[2], $present);
            if ($_strict && !$found) {
                return false;
            }
        }
        return $found;
    }

    /** alreadyExist: a global widget uses the same command for every single-command generic option the proposal
     * fills. As upstream, the key is absent when there is no global widget at all. */
    private static function markExisting(array $_proposed, array $_options) {
        $existing = self::definitions();
        $ids = array_values(array_unique(array_column($_options, 0)));
        foreach ($_proposed as $k => $w) {
            foreach ($existing as $def) {
                $same = true;
                foreach ($ids as $id) {
                    if (isset($w[$id]['id']) && $w[$id]['id'] != (isset($def[$id]['id']) ? $def[$id]['id'] : 'none')) {
                        $same = false;
                        break;
                    }
                }
                $_proposed[$k]['alreadyExist'] = $same;
                if ($same) {
                    break;
                }
            }
        }
        return $_proposed;
    }

    /**
     * COPY_CONFIG {from: apiKey, to: [apiKey], withCustom} -> null: the stored layout of the phone `from` copied as it
     * is to each phone of `to` (then a new config version there), and with withCustom its custom data too. Only
     * phones' apiKeys: nothing is written for a key no phone has.
     */
    public static function copy(JeedomConnectApi $_api) {
        if (($no = JeedomConnectAdmin::notAdmin($_api)) !== null) {
            return $no;
        }
        $from = self::phone($_api->param('from'), 'from');
        $to = $_api->param('to');
        if (!is_array($to) || array_values($to) !== $to) {
            throw new Exception('to: a list of apiKeys is expected');
        }
        $targets = array();
        foreach ($to as $key) {
            $targets[] = self::phone($key, 'to');
        }
        $file = JeedomConnectLayout::path($from->getLogicalId());
        $layout = is_file($file) ? @file_get_contents($file) : false;
        if ($layout === false) {
            throw new Exception('Issue while copying the config (' . $from->getName() . ' has no layout)');
        }
        $withCustom = JeedomConnectDevice::isTrue($_api->param('withCustom', false));
        $prefix = 'customData::' . $from->getLogicalId() . '::';
        foreach ($targets as $eq) {
            if ($eq->getLogicalId() === $from->getLogicalId()) {
                continue;
            }
            $dest = JeedomConnectLayout::path($eq->getLogicalId());
            $tmp = $dest . '.tmp' . getmypid();
            if (@file_put_contents($tmp, $layout) === false || !@rename($tmp, $dest)) {
                @unlink($tmp);
                throw new Exception('Issue while copying the config (' . $eq->getName() . ')');
            }
            if ($withCustom) {
                foreach (config::searchKey($prefix, self::PLUGIN) as $row) {
                    if (strpos($row['key'], $prefix) === 0) {
                        $v = is_array($row['value']) ? json_encode($row['value'], JSON_UNESCAPED_UNICODE) : $row['value'];
                        config::save('customData::' . $eq->getLogicalId() . '::' . substr($row['key'], strlen($prefix)), $v, self::PLUGIN);
                    }
                }
            }
            JeedomConnectLayout::bump($eq);
            $eq->save();
            log::add(self::PLUGIN, 'info', 'Disposition de ' . $from->getHumanName() . ' copiée sur ' . $eq->getHumanName());
        }
        return null;
    }

    /** The phone (JeedomConnect equipment) of an apiKey given as $_what, or an exception. */
    private static function phone($_key, $_what) {
        $eq = is_string($_key) && $_key !== '' ? JeedomConnectDevice::byApiKey($_key) : null;
        if ($eq === null) {
            throw new Exception($_what . ': the apiKey of a phone is expected');
        }
        return $eq;
    }
}
