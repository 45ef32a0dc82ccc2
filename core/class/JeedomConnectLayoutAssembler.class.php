<?php
/*
 * JeedomConnect - builds the layout the app receives from the stored one (docs/layout-storage.md, "Assembly").
 * The stored layout only holds references ({id, widgetId, parentId, index}); this fills each with its global widget
 * definition, adds the child widgets (widgets/moreWidgets) they name, the select choices, the action password, the
 * enriched object summaries and the per-device custom data. A pure function of its inputs: everything it reads from
 * Jeedom comes through JeedomConnectLayoutSources, so it is tested without a Jeedom core.
 */

/** What the assembly reads outside the stored layout. */
interface JeedomConnectLayoutSources {
    /** The global widget definition `widget::<id>`, or null when there is none. */
    public function widget($_id);

    /** The values of every `customData::<apiKey>::<widgetId>` of the device, in store order. */
    public function customData();

    /** Jeedom's object summary definitions (core config `object:summary`): key => definition. */
    public function summaryDefinitions();

    /** The `listValue` configuration of a command ('' when none). */
    public function listValue($_cmdId);

    /** The device's action password (`pwdAction`), or null. */
    public function password();
}

class JeedomConnectLayoutAssembler {
    /** Index given to child widgets, which the app places by their parent. */
    const CHILD_INDEX = 999999999;
    /** Child widgetId = (parent widgetId + 1) * CHILD_STRIDE + child id. */
    const CHILD_STRIDE = 100000;
    /** Summary keys copied from Jeedom's object summary definition. */
    const SUMMARY_KEYS = array('calcul', 'unit', 'count', 'allowDisplayZero', 'ignoreIfCmdOlderThan');

    /** @return array the assembled layout (same top level as $_raw) */
    public static function assemble(array $_raw, JeedomConnectLayoutSources $_src) {
        $out = $_raw;
        if (!isset($out['payload']) || !is_array($out['payload'])) {
            $out['payload'] = array();
        }
        $payload = $out['payload'];
        $widgets = array();
        $present = array();
        $pending = array();
        $refs = isset($payload['widgets']) && is_array($payload['widgets']) ? $payload['widgets'] : array();
        foreach ($refs as $ref) {
            $def = is_array($ref) && isset($ref['id']) ? self::definition($_src, $ref['id']) : null;
            if ($def === null) {
                $widgets[] = $ref; // a reference without definition stays as it is
                continue;
            }
            $w = $ref;
            foreach ($def as $k => $v) {
                $w[$k] = $v;
            }
            $w['id'] = (int) $w['id'];
            $w['widgetId'] = isset($ref['widgetId']) ? (int) $ref['widgetId'] : 0;
            $present[$w['id']] = true;
            self::collectChildren($w, $w['widgetId'], $pending);
            $widgets[] = self::withChoices($w, $_src);
        }

        $custom = array();
        foreach ($_src->customData() as $value) {
            if (is_array($value) && array_key_exists('widgetId', $value) && is_scalar($value['widgetId'])) {
                $custom[$value['widgetId']] = $value;
            }
        }
        foreach ($custom as $widgetId => $value) {
            if (isset($value['moreWidgets']) && is_array($value['moreWidgets'])) {
                self::childRefs($value['moreWidgets'], $widgetId, $pending);
            }
        }

        while (count($pending) > 0) {
            $next = array();
            foreach ($pending as $child) {
                if (isset($present[(int) $child['id']])) {
                    continue;
                }
                $def = self::definition($_src, $child['id']);
                if ($def === null) {
                    continue;
                }
                $def['id'] = isset($def['id']) ? (int) $def['id'] : 0;
                $def['index'] = self::CHILD_INDEX;
                $def['widgetId'] = ((int) $child['parentId'] + 1) * self::CHILD_STRIDE + $def['id'];
                self::collectChildren($def, $def['widgetId'], $next);
                if ($def['type'] === 'choices-list') {
                    $def = self::withChoices($def, $_src);
                }
                $widgets[] = $def;
                $present[$def['id']] = true;
            }
            $pending = $next;
        }
        $payload['widgets'] = $widgets;

        $payload['password'] = $_src->password();

        $defs = $_src->summaryDefinitions();
        if (isset($payload['summaries']) && is_array($payload['summaries']) && is_array($defs)) {
            foreach ($payload['summaries'] as $i => $summary) {
                if (!is_array($summary) || !isset($summary['key']) || !is_scalar($summary['key'])
                    || !array_key_exists($summary['key'], $defs) || !is_array($defs[$summary['key']])) {
                    continue;
                }
                $def = $defs[$summary['key']];
                foreach (self::SUMMARY_KEYS as $k) {
                    $summary[$k] = array_key_exists($k, $def) ? $def[$k] : null;
                }
                if (isset($summary['image']) && is_array($summary['image']) && isset($summary['image']['name']) && is_string($summary['image']['name'])) {
                    $summary['image']['name'] = trim($summary['image']['name']);
                }
                $payload['summaries'][$i] = $summary;
            }
        }

        $payload['customData'] = array('widgets' => $custom);
        $out['payload'] = $payload;
        return $out;
    }

    /** `listValue` "v1|label1;v2|label2" as [{id, value}]; an item without '|' is its own label. */
    public static function parseListValue($_listValue) {
        $choices = array();
        if (!is_string($_listValue) || $_listValue === '') {
            return $choices;
        }
        foreach (explode(';', $_listValue) as $item) {
            $parts = explode('|', $item);
            $choices[] = count($parts) === 1 ? array('id' => $parts[0], 'value' => $parts[0]) : array('id' => $parts[0], 'value' => $parts[1]);
        }
        return $choices;
    }

    /** A definition counts only when it is an object with a type (the widget library skips the others). */
    private static function definition(JeedomConnectLayoutSources $_src, $_id) {
        if (!is_scalar($_id)) {
            return null;
        }
        $def = $_src->widget($_id);
        return (is_array($def) && isset($def['type'])) ? $def : null;
    }

    private static function collectChildren(array $_widget, $_parentWidgetId, array &$_pending) {
        foreach (array('widgets', 'moreWidgets') as $k) {
            if (isset($_widget[$k]) && is_array($_widget[$k])) {
                self::childRefs($_widget[$k], $_parentWidgetId, $_pending);
            }
        }
    }

    private static function childRefs(array $_list, $_parentWidgetId, array &$_pending) {
        foreach ($_list as $item) {
            if (is_array($item) && isset($item['id']) && is_scalar($item['id'])) {
                $_pending[] = array('id' => $item['id'], 'parentId' => $_parentWidgetId);
            }
        }
    }

    /** Every property that is a select command gets its choices. */
    private static function withChoices(array $_widget, JeedomConnectLayoutSources $_src) {
        foreach ($_widget as $k => $v) {
            if (is_array($v) && isset($v['subType']) && $v['subType'] === 'select') {
                $_widget[$k]['choices'] = isset($v['id']) && is_scalar($v['id']) ? self::parseListValue($_src->listValue($v['id'])) : array();
            }
        }
        return $_widget;
    }
}
