<?php
/* SET_CMD_SHORTCUT (Android quick-settings tiles) as upstream 1.20.6 answers it, on twin phones. */
class ShortcutsTest extends JcDiffTestCase {
    public function testTilesAreStoredAndAnswered() {
        $u = $this->user('tiles', 'user');
        $twins = array('upstream' => $this->eq('Up', $u), 'ours' => $this->eq('Ours', $u));
        $temp = $this->infoCmd('Temp', 21.5, 1);
        $door = $this->infoCmd('Porte', 1, 0, 'binary');
        $set = $this->actionCmd($temp, 'Consigne');
        $hum = $this->infoCmd('Hum', 50, 1);
        // recent history: the tile's figures are rounded to one decimal; a command without history in the period
        // gets its current value
        foreach (array(array(3600, '21.55'), array(1800, '19.04'), array(600, '20.17')) as $h) {
            DB::Prepare('INSERT INTO history (cmd_id, datetime, value) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)',
                array($temp->getId(), date('Y-m-d H:i:s', time() - $h[0]), $h[1]), DB::FETCH_TYPE_ROW);
        }
        DB::Prepare('DELETE FROM history WHERE cmd_id = ?', array($hum->getId()), DB::FETCH_TYPE_ROW);
        $ids = array($hum->getId(), (string) $door->getId(), $temp->getId(), '999999', (string) $set->getId());
        $answers = array();
        foreach ($twins as $who => $eq) {
            $answers[$who] = $this->$who('SET_CMD_SHORTCUT', array('apiKey' => $eq->getLogicalId(), 'cmdId' => $ids))['result'];
            $this->assertSame($hum->getId() . ',' . $door->getId() . ',' . $temp->getId() . ',999999,' . $set->getId(),
                eqLogic::byId($eq->getId())->getConfiguration('cmdInShortcut'), $who);
        }
        $this->assertSame(self::sorted($answers['upstream']), self::sorted($answers['ours']));
        $this->assertSame('SET_QSTILES_INFO', $answers['ours']['type']);
        $this->assertSame(array((string) $hum->getId(), (string) $door->getId(), (string) $temp->getId(), (string) $set->getId()), array_column($answers['ours']['payload'], 'id'));
        $this->assertSame(21.5, $answers['ours']['payload'][2]['value']);
        $this->assertSame(array(50, 50, 50), array_values(array_slice($answers['ours']['payload'][0]['history'], 0, 3)));
        $this->assertSame(19, $answers['ours']['payload'][2]['history']['minValue']);
        // an empty list clears the tiles
        foreach ($twins as $who => $eq) {
            $answers[$who] = $this->$who('SET_CMD_SHORTCUT', array('apiKey' => $eq->getLogicalId(), 'cmdId' => array()))['result'];
            $this->assertSame('', eqLogic::byId($eq->getId())->getConfiguration('cmdInShortcut'), $who);
        }
        $this->assertSame($answers['upstream'], $answers['ours']);
        $this->assertSame(array('type' => 'SET_QSTILES_INFO', 'payload' => array()), $answers['ours']);
    }

    public function testBadListIsRefusedWhereUpstreamAnswersNoTile() {
        $eq = $this->eq('Pixel', $this->user('tiles', 'user'), array('cmdInShortcut' => '7'));
        $temp = $this->infoCmd('Temp', 20);
        foreach (array(array('cmdId' => $temp->getId() . ',8'), array(), array('cmdId' => array('abc'))) as $p) {
            $p['apiKey'] = $eq->getLogicalId();
            $up = $this->upstream('SET_CMD_SHORTCUT', $p);
            $this->assertSame(array('type' => 'SET_QSTILES_INFO', 'payload' => array()), $up['result'], json_encode($p));
            $eqLogic = eqLogic::byId($eq->getId());
            $eqLogic->setConfiguration('cmdInShortcut', '7')->save();
            $this->assertOurRefusal('SET_CMD_SHORTCUT', $p);
            $this->assertSame('7', eqLogic::byId($eq->getId())->getConfiguration('cmdInShortcut'), json_encode($p));
        }
        $this->assertSameAnswer('SET_CMD_SHORTCUT', array('apiKey' => 'not-a-key', 'cmdId' => array($temp->getId())));
    }

    /** A restricted user without the right to see an equipment: upstream hands out its command's state, we refuse. */
    public function testRestrictedUserDoesNotReachOtherCommands() {
        $temp = $this->infoCmd('Temp', 20);
        $seen = $this->infoCmd('Vu', 3);
        $u = $this->user('tiles-r', 'restrict');
        $u->setRights('eqLogic' . $seen->getEqLogic_id(), 'r')->save();
        $eq = $this->eq('Pixel', $u);
        $p = array('apiKey' => $eq->getLogicalId(), 'cmdId' => array($temp->getId()));
        $up = $this->upstream('SET_CMD_SHORTCUT', $p);
        $this->assertSame(array((string) $temp->getId()), array_column($up['result']['payload'], 'id'));
        eqLogic::byId($eq->getId())->setConfiguration('cmdInShortcut', '')->save();
        $this->assertStringContainsString('Vous n\'avez pas le droit de voir la commande', $this->assertOurRefusal('SET_CMD_SHORTCUT', $p));
        $this->assertSame('', eqLogic::byId($eq->getId())->getConfiguration('cmdInShortcut'));
        $ok = $this->ours('SET_CMD_SHORTCUT', array('apiKey' => $eq->getLogicalId(), 'cmdId' => array($seen->getId())));
        $this->assertSame(array((string) $seen->getId()), array_column($ok['result']['payload'], 'id'));
    }
}
