<?php
/* GET_JEEDOM_DATA: the box's catalogue (commands, equipments, rooms, scenarios, summary definitions with icons) as
 * upstream 1.20.6 answers it, from the same Jeedom data. */
class JeedomDataTest extends JcDiffTestCase {
    private function room($name, $icon, $father = null) {
        $o = new jeeObject();
        $o->setName($name)->setIsVisible(1)->setDisplay('icon', $icon);
        if ($father !== null) {
            $o->setFather_id($father->getId());
        }
        $o->save();
        return $o;
    }

    public function testCatalogue() {
        $eq = $this->eq('Pixel', $this->user('data', 'user'));
        $salon = $this->room('Salon', '<i class="fas fa-couch icon_blue"></i>');
        $this->room('Cuisine', '<i class="icon jeedom-lumiere-on icon_orange"></i>', $salon);
        $this->room('Grenier', '<i class="fas fa-box icon_purple"></i>');
        $this->room('Sans icône', '');
        $temp = $this->infoCmd('Temp', 21.5, 1);
        $dev = eqLogic::byId($temp->getEqLogic_id());
        $dev->setObject_id($salon->getId())->save();
        $this->actionCmd($temp, 'Consigne');
        $confirm = $this->actionCmd($temp, 'Ouvrir');
        $confirm->setConfiguration('actionConfirm', '1')->save();
        $sc = new scenario();
        $sc->setName('Réveil')->setGroup('Matin')->setObject_id($salon->getId())->save();
        $sc = new scenario();
        $sc->setName('Nuit')->save();
        $summaries = config::byKey('object:summary');
        $summaries['jcTest'] = array('key' => 'jcTest', 'name' => 'Test', 'calcul' => 'sum', 'icon' => '<i class="fas fa-bolt icon_red"></i>',
            'unit' => 'W', 'count' => '', 'allowDisplayZero' => '1', 'ignoreIfCmdOlderThan' => '');
        config::save('object:summary', $summaries);

        $e = $this->assertSameAnswer('GET_JEEDOM_DATA', array('apiKey' => $eq->getLogicalId()));
        $p = $e['result']['payload'];
        $this->assertSame('SET_JEEDOM_DATA', $e['result']['type']);
        $objects = array_column($p['objects'], 'display', 'name');
        $this->assertSame(array('icon' => '<i class="fas fa-couch"></i>', 'source' => 'fa', 'name' => 'couch', 'color' => '#0000FF'), $objects['Salon']);
        $this->assertSame(array('jeedom', 'jeedom-lumiere-on', '#FFA500'), array($objects['Cuisine']['source'], $objects['Cuisine']['name'], $objects['Cuisine']['color']));
        $this->assertSame(array('fa', 'box', ''), array($objects['Grenier']['source'], $objects['Grenier']['name'], $objects['Grenier']['color']));
        $this->assertSame(array('icon' => '', 'source' => '', 'name' => '', 'color' => ''), $objects['Sans icône']);
        $cmds = array_column($p['cmds'], null, 'name');
        $this->assertSame(array(true, false), array($cmds['Consigne']['shortcutAllowed'], $cmds['Ouvrir']['shortcutAllowed']));
        $this->assertSame((string) $temp->getId(), $cmds['Temp']['id']);
        $eqs = array_column($p['eqLogics'], null, 'name');
        $this->assertSame(array((string) $salon->getId(), null), array($eqs['Dev Temp']['object_id'], $eqs['Pixel']['object_id']));
        $this->assertSame(array('Matin', (string) $salon->getId()), array(array_column($p['scenarios'], 'group', 'name')['Réveil'], array_column($p['scenarios'], 'object_id', 'name')['Réveil']));
        $sum = array_column($p['summariesConfig'], null, 'key')['jcTest'];
        $this->assertSame(array('<i class="fas fa-bolt"></i>', '#FF0000', 'bolt'), array($sum['icon'], $sum['display']['color'], $sum['display']['name']));
    }

    public function testEmptyBoxAndUnknownApiKey() {
        $this->assertSameAnswer('GET_JEEDOM_DATA', array('apiKey' => 'not-a-key'));
        $eq = $this->eq('Pixel', $this->user('data', 'user'));
        $this->assertSameAnswer('GET_JEEDOM_DATA', array('apiKey' => $eq->getLogicalId()));
    }
}
