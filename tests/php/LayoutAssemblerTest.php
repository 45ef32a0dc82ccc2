<?php
/* The layout assembly (docs/layout-storage.md, "Assembly") as a pure function: stored layout + sources in, the
 * layout the app receives out. No Jeedom involved: the sources are given in memory. */
use PHPUnit\Framework\TestCase;

class MemoryLayoutSources implements JeedomConnectLayoutSources {
    public $widgets = array();
    public $custom = array();
    public $summaries = array();
    public $lists = array();
    public $pwd = null;

    public function widget($_id) {
        return isset($this->widgets[$_id]) ? $this->widgets[$_id] : null;
    }

    public function customData() {
        return $this->custom;
    }

    public function summaryDefinitions() {
        return $this->summaries;
    }

    public function listValue($_cmdId) {
        return isset($this->lists[$_cmdId]) ? $this->lists[$_cmdId] : '';
    }

    public function password() {
        return $this->pwd;
    }
}

class LayoutAssemblerTest extends TestCase {
    private static function layout(array $_widgets, array $_extra = array()) {
        return array('type' => 'JEEDOM_CONFIG', 'formatVersion' => '1.0', 'idCounter' => 9,
            'payload' => array_merge(array('configVersion' => 12, 'tabs' => array(array('id' => 0, 'index' => 0, 'name' => 'Maison', 'enable' => true)),
                'sections' => array(), 'rooms' => array(array('id' => 3, 'index' => 0, 'name' => 'Salon')), 'groups' => array(),
                'summaries' => array(), 'widgets' => $_widgets), $_extra));
    }

    private static function byWidgetId(array $_config) {
        $r = array();
        foreach ($_config['payload']['widgets'] as $w) {
            $r[$w['widgetId']] = $w;
        }
        return $r;
    }

    public function testReferencesAreFilledWithTheirDefinitionWhichWinsExceptForWidgetId() {
        $s = new MemoryLayoutSources();
        $s->widgets['42'] = array('id' => '42', 'type' => 'light', 'name' => 'Lampe', 'index' => 7, 'widgetId' => 555,
            'statusInfo' => array('id' => '10', 'type' => 'info'));
        $s->widgets['44'] = array('id' => 44, 'name' => 'no type: not a widget');
        $raw = self::layout(array(
            array('id' => 42, 'widgetId' => '2', 'parentId' => 0, 'index' => 0),
            array('id' => 43, 'widgetId' => 3, 'parentId' => 0, 'index' => 1),
            array('id' => 44, 'widgetId' => 4, 'index' => 2),
        ));
        $out = JeedomConnectLayoutAssembler::assemble($raw, $s);
        $this->assertSame(array('id' => 42, 'widgetId' => 2, 'parentId' => 0, 'index' => 7, 'type' => 'light', 'name' => 'Lampe',
            'statusInfo' => array('id' => '10', 'type' => 'info')), $out['payload']['widgets'][0], 'definition wins, id and the reference\'s widgetId as ints');
        $this->assertSame($raw['payload']['widgets'][1], $out['payload']['widgets'][1], 'no definition: the bare reference stays');
        $this->assertSame($raw['payload']['widgets'][2], $out['payload']['widgets'][2], 'a definition without type does not count');
        $this->assertCount(3, $out['payload']['widgets']);
        foreach (array('type', 'formatVersion', 'idCounter') as $k) {
            $this->assertSame($raw[$k], $out[$k]);
        }
        foreach (array('configVersion', 'tabs', 'rooms', 'sections', 'groups') as $k) {
            $this->assertSame($raw['payload'][$k], $out['payload'][$k], $k . ' unchanged');
        }
    }

    public function testSelectCommandsGetTheirChoicesFromListValue() {
        $s = new MemoryLayoutSources();
        $s->lists['77'] = '1|Confort;2|Eco;hors-gel';
        $s->widgets['5'] = array('id' => 5, 'type' => 'mode', 'modeAction' => array('id' => '77', 'type' => 'action', 'subType' => 'select'),
            'other' => array('id' => '78', 'type' => 'action', 'subType' => 'other'));
        $out = JeedomConnectLayoutAssembler::assemble(self::layout(array(array('id' => 5, 'widgetId' => 1, 'index' => 0))), $s);
        $w = $out['payload']['widgets'][0];
        $this->assertSame(array(array('id' => '1', 'value' => 'Confort'), array('id' => '2', 'value' => 'Eco'),
            array('id' => 'hors-gel', 'value' => 'hors-gel')), $w['modeAction']['choices']);
        $this->assertArrayNotHasKey('choices', $w['other']);
        $this->assertSame(array(), JeedomConnectLayoutAssembler::parseListValue(''));
    }

    public function testChildrenAndGrandChildrenAreAppendedOnceWithSyntheticIds() {
        $s = new MemoryLayoutSources();
        $s->lists['90'] = 'a|A';
        $s->widgets['10'] = array('id' => 10, 'type' => 'widgets-list', 'widgets' => array(array('id' => 20), array('id' => 11)),
            'moreWidgets' => array(array('id' => 21)));
        $s->widgets['11'] = array('id' => 11, 'type' => 'light');
        $s->widgets['20'] = array('id' => 20, 'type' => 'widgets-list', 'widgets' => array(array('id' => 30), array('id' => 10)), 'parentId' => 99);
        $s->widgets['21'] = array('id' => 21, 'type' => 'choices-list', 'listAction' => array('id' => '90', 'subType' => 'select'));
        $s->widgets['30'] = array('id' => 30, 'type' => 'generic-info', 'sel' => array('id' => '90', 'subType' => 'select'));
        $raw = self::layout(array(array('id' => 10, 'widgetId' => 4, 'parentId' => 0, 'index' => 0), array('id' => 11, 'widgetId' => 5, 'index' => 1)));
        $out = JeedomConnectLayoutAssembler::assemble($raw, $s);
        $ids = array_map(function ($w) {
            return $w['id'];
        }, $out['payload']['widgets']);
        $this->assertSame(array(10, 11, 20, 21, 30), $ids, 'top level first, then children by generation; 10 and 11 only once');
        $w = self::byWidgetId($out);
        $this->assertArrayHasKey(500020, $w, 'child widgetId = (4 + 1) * 100000 + 20');
        $this->assertArrayHasKey(500021, $w);
        $this->assertArrayHasKey(50002100030, $w, 'grand-child: parent is the child\'s synthetic widgetId');
        $this->assertSame(999999999, $w[500020]['index']);
        $this->assertSame(99, $w[500020]['parentId'], 'a child keeps only what its definition has');
        $this->assertArrayNotHasKey('parentId', $w[500021]);
        $this->assertSame(array(array('id' => 'a', 'value' => 'A')), $w[500021]['listAction']['choices'], 'choices-list child gets its choices');
        $this->assertArrayNotHasKey('choices', $w[50002100030]['sel'], 'other children do not');
    }

    public function testCustomDataIsKeyedByWidgetIdAndItsMoreWidgetsAreChildren() {
        $s = new MemoryLayoutSources();
        $s->widgets['1'] = array('id' => 1, 'type' => 'light');
        $s->widgets['8'] = array('id' => 8, 'type' => 'generic-info');
        $s->custom = array(
            array('widgetId' => 3, 'name' => 'Ma lampe', 'moreWidgets' => array(array('id' => 8))),
            array('name' => 'no widgetId: ignored'),
        );
        $out = JeedomConnectLayoutAssembler::assemble(self::layout(array(array('id' => 1, 'widgetId' => 3, 'index' => 0))), $s);
        $this->assertSame(array('widgets' => array(3 => $s->custom[0])), $out['payload']['customData']);
        $this->assertSame('{"widgets":{"3":' . json_encode($s->custom[0]) . '}}', json_encode($out['payload']['customData']));
        $w = self::byWidgetId($out);
        $this->assertArrayHasKey(400008, $w, 'customData moreWidgets: parent = its widgetId (3)');

        $out = JeedomConnectLayoutAssembler::assemble(self::layout(array()), new MemoryLayoutSources());
        $this->assertSame('{"widgets":[]}', json_encode($out['payload']['customData']), 'no custom data: an empty list as upstream sends it');
    }

    public function testPasswordAndSummaries() {
        $s = new MemoryLayoutSources();
        $out = JeedomConnectLayoutAssembler::assemble(self::layout(array()), $s);
        $this->assertArrayHasKey('password', $out['payload']);
        $this->assertNull($out['payload']['password']);
        $s->pwd = '1234';
        $s->summaries = array('temperature' => array('key' => 'temperature', 'name' => 'Température', 'calcul' => 'avg', 'unit' => '°C',
            'count' => '', 'allowDisplayZero' => 1, 'ignoreIfCmdOlderThan' => '60', 'icon' => 'x'), 'light' => array('calcul' => 'sum'));
        $summaries = array(
            array('index' => 0, 'enable' => true, 'key' => 'temperature', 'name' => 'Temp', 'image' => array('source' => 'jeedom', 'name' => ' jeedom-thermometre ')),
            array('index' => 1, 'enable' => true, 'key' => 'unknown', 'name' => 'X', 'image' => array('name' => ' kept ')),
            array('index' => 2, 'enable' => true, 'key' => 'light', 'name' => 'L'),
        );
        $out = JeedomConnectLayoutAssembler::assemble(self::layout(array(), array('summaries' => $summaries)), $s);
        $this->assertSame('1234', $out['payload']['password']);
        $this->assertSame(array('index' => 0, 'enable' => true, 'key' => 'temperature', 'name' => 'Temp',
            'image' => array('source' => 'jeedom', 'name' => 'jeedom-thermometre'), 'calcul' => 'avg', 'unit' => '°C', 'count' => '',
            'allowDisplayZero' => 1, 'ignoreIfCmdOlderThan' => '60'), $out['payload']['summaries'][0]);
        $this->assertSame($summaries[1], $out['payload']['summaries'][1], 'a key Jeedom does not define is left as stored');
        $this->assertSame(array('index' => 2, 'enable' => true, 'key' => 'light', 'name' => 'L', 'calcul' => 'sum', 'unit' => null,
            'count' => null, 'allowDisplayZero' => null, 'ignoreIfCmdOlderThan' => null), $out['payload']['summaries'][2]);
    }

    public function testMalformedInputNeverBreaksTheAssembly() {
        $s = new MemoryLayoutSources();
        $s->widgets['1'] = array('id' => 1, 'type' => 'group', 'widgets' => array('7', null, array('x' => 1)), 'moreWidgets' => 'nope');
        $raw = self::layout(array('junk', array('noId' => true), array('id' => array(1), 'widgetId' => 1), array('id' => 1, 'widgetId' => 2, 'index' => 0)));
        $out = JeedomConnectLayoutAssembler::assemble($raw, $s);
        $this->assertCount(4, $out['payload']['widgets']);
        $this->assertSame('group', $out['payload']['widgets'][3]['type']);
        $out = JeedomConnectLayoutAssembler::assemble(array('type' => 'JEEDOM_CONFIG'), $s);
        $this->assertSame(array('widgets' => array(), 'password' => null, 'customData' => array('widgets' => array())), $out['payload']);
    }
}
