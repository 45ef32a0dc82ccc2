<?php
/*
 * The app's state getters as upstream 1.20.6 answers them for the same layout and Jeedom data: GET_CMD_INFO (the
 * info commands the layout shows), GET_SC_INFO (its scenarios), GET_OBJ_INFO (its rooms' summaries and the global
 * summary).
 */
class StateGettersTest extends JcDiffTestCase {
    private function scenario($name, $group = '', $lastLaunch = '2026-12-07 06:30:00', $icon = '') {
        $sc = new scenario();
        $sc->setName($name)->setGroup($group)->setIsActive(1)->setDisplay('icon', $icon);
        $sc->save();
        $sc->setLastLaunch($lastLaunch);
        return $sc;
    }

    private function room($name, $summary = array()) {
        $o = new jeeObject();
        $o->setName($name)->setIsVisible(1)->setConfiguration('summary', $summary);
        $o->save();
        return $o;
    }

    /** A layout: one widget per info cmd (plus a widget with moreInfos and a visibility condition), scenarios, rooms. */
    private function layout($eq, $cmdIds, $moreInfo, $condCmd, $scenarioIds, $roomIds) {
        return $this->setLayout($eq, $cmdIds, $scenarioIds, $roomIds, array(array('type' => 'generic-info',
            'statusInfo' => array('id' => (string) $cmdIds[0], 'type' => 'info'),
            'moreInfos' => array(array('id' => (string) $moreInfo, 'name' => 'plus')), 'visibilityCond' => '#' . $condCmd . '# == 1')));
    }

    private function phone() {
        return $this->eq('Pixel', $this->user('state', 'user'));
    }

    public function testCmdInfo() {
        $eq = $this->phone();
        $temp = $this->infoCmd('Temp', 21.5, 1);
        $label = $this->infoCmd('Label', 'hello', 0, 'string');
        $more = $this->infoCmd('Hum', 40, 0);
        $cond = $this->infoCmd('Cond', 1, 0, 'binary');
        $gone = $this->infoCmd('Gone', 3);
        $goneId = $gone->getId();
        $this->layout($eq, array($temp->getId(), $label->getId(), $goneId), $more->getId(), $cond->getId(), array(), array());
        $gone->remove();
        // values: Jeedom's cached value as it is typed (a number for a numeric or binary command), as upstream
        $up = $this->upstream('GET_CMD_INFO', array('apiKey' => $eq->getLogicalId()));
        $this->assertSame(array(21.5, 'hello', 40, 1), array_column($up['result']['payload'], 'value'));
        $e = $this->ours('GET_CMD_INFO', array('apiKey' => $eq->getLogicalId()));
        $this->assertSame(self::sorted($up), self::sorted($e));
        $this->assertSame('SET_CMD_INFO', $e['result']['type']);
        $ids = array_column($e['result']['payload'], 'id');
        sort($ids);
        $expected = array((string) $temp->getId(), (string) $label->getId(), (string) $more->getId(), (string) $cond->getId());
        sort($expected);
        $this->assertSame($expected, $ids);
        $t = array_column($e['result']['payload'], null, 'id')[(string) $temp->getId()];
        $this->assertEquals(21.5, $t['value']);
    }

    public function testScInfo() {
        $eq = $this->phone();
        $a = $this->scenario('Réveil', 'Matin', '2026-12-07 06:30:00', '<i class="fas fa-sun"></i>');
        $b = $this->scenario('Nuit', '', '2026-12-06 23:00:00');
        $this->scenario('Hors écran');
        $this->layout($eq, array($this->infoCmd('Temp', 1)->getId()), $this->infoCmd('Hum', 2)->getId(), $this->infoCmd('C', 1)->getId(),
            array($b->getId(), $a->getId(), 987654), array());
        $e = $this->assertSameAnswer('GET_SC_INFO', array('apiKey' => $eq->getLogicalId()));
        $this->assertSame('SET_SC_INFO', $e['result']['type']);
        $this->assertEqualsCanonicalizing(array('Réveil', 'Nuit'), array_column($e['result']['payload'], 'name'));
    }

    public function testObjInfo() {
        $eq = $this->phone();
        $temp = $this->infoCmd('Temp', 21.5);
        $light = $this->infoCmd('Light', 1, 0, 'binary');
        $salon = $this->room('Salon', array('temperature' => array(array('enable' => '1', 'cmd' => '#' . $temp->getId() . '#', 'invert' => '0')),
            'light' => array(array('enable' => '1', 'cmd' => '#' . $light->getId() . '#', 'invert' => '0'))));
        $cave = $this->room('Cave');
        $this->room('Hors écran', array('temperature' => array(array('enable' => '1', 'cmd' => '#' . $temp->getId() . '#', 'invert' => '0'))));
        $this->layout($eq, array($temp->getId()), $light->getId(), $light->getId(), array(), array($cave->getId(), $salon->getId(), 987654));
        $e = $this->assertSameAnswer('GET_OBJ_INFO', array('apiKey' => $eq->getLogicalId()));
        $this->assertSame('SET_OBJ_INFO', $e['result']['type']);
        // the layout's rooms in Jeedom's order (not the layout's), then the global summary
        $order = array();
        foreach (jeeObject::all() as $o) {
            if (in_array($o->getId(), array($cave->getId(), $salon->getId()))) {
                $order[] = (string) $o->getId();
            }
        }
        $order[] = 'global';
        $this->assertSame($order, array_column($e['result']['payload'], 'object_id'));
        $keys = array_column($e['result']['payload'], 'keys', 'object_id');
        $this->assertSame(array(), $keys[(string) $cave->getId()]);
        $this->assertEquals(array(array('temperature' => array('value' => 21.5, 'cmds' => array(array('enable' => '1', 'cmd' => '#' . $temp->getId() . '#', 'invert' => '0')))),
            array('light' => array('value' => 1, 'cmds' => array(array('enable' => '1', 'cmd' => '#' . $light->getId() . '#', 'invert' => '0'))))), $keys[(string) $salon->getId()]);
    }

    public function testUnknownEquipment() {
        foreach (array('GET_CMD_INFO', 'GET_SC_INFO', 'GET_OBJ_INFO') as $m) {
            $e = $this->assertSameAnswer($m, array('apiKey' => 'not-a-key'));
            $this->assertSame("Error with '" . $m . "' method Can't find eqLogic", $e['result']['payload']['message']);
        }
    }
}
