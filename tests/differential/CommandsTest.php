<?php
/* The commands of a phone's equipment: ours are those upstream 1.20.6 creates (same logicalIds, names, types,
 * options, display, order, visibility), per platform, so upstream's own save of our equipment changes nothing. */
class CommandsTest extends JcDiffTestCase {
    /** The equipment's commands as stored, keyed by logicalId, ids replaced by logicalIds. */
    private function commands($eqId) {
        $rows = DB::Prepare('SELECT * FROM cmd WHERE eqLogic_id = ? ORDER BY logicalId', array($eqId), DB::FETCH_TYPE_ALL);
        $byId = array_column($rows, 'logicalId', 'id');
        $r = array();
        foreach ($rows as $row) {
            $id = $row['id'];
            unset($row['id'], $row['eqLogic_id']);
            foreach (array('configuration', 'display', 'template', 'alert') as $k) {
                $row[$k] = $row[$k] === null ? null : self::sorted(json_decode($row[$k], true));
            }
            if ($row['value'] !== null && $row['value'] !== '' && isset($byId[$row['value']])) {
                $row['value'] = 'cmd:' . $byId[$row['value']];
            }
            $r[$row['logicalId']] = $row;
        }
        ksort($r);
        return $r;
    }

    /** Upstream's own full save of the equipment, in upstream's web root. */
    private function upstreamSave($eqId) {
        $cmd = 'cd ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' && ' . escapeshellarg(PHP_BINARY) . ' '
            . escapeshellarg(__DIR__ . '/upstream-save.php') . ' ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB']) . ' ' . (int) $eqId . ' 2>&1';
        exec($cmd, $out, $rc);
        $this->assertSame(0, $rc, implode("\n", $out));
        $this->assertSame('JeedomConnect', end($out), implode("\n", $out));
    }

    public function platforms() {
        // + defaultNotif, the command of a new phone's default notification (created at insertion, as upstream does;
        // compared with upstream's own in NotificationsTest)
        return array('no platform yet' => array('', 14), 'android' => array('android', 37), 'ios' => array('ios', 15));
    }

    /** @dataProvider platforms */
    public function testOurCommandsAreUpstreams($platform, $count) {
        $eq = $this->eq('Pixel', $this->user('cmds', 'user'), array('platformOs' => $platform));
        $ours = $this->commands($eq->getId());
        $this->assertCount($count, $ours);
        $this->assertArrayHasKey('defaultNotif', $ours);
        // the same equipment without its commands (but its notification's), saved by upstream: upstream creates its own
        DB::Prepare('DELETE FROM cmd WHERE eqLogic_id = ? AND logicalId <> \'defaultNotif\'', array($eq->getId()), DB::FETCH_TYPE_ROW);
        $this->upstreamSave($eq->getId());
        $this->assertEquals($this->commands($eq->getId()), $ours);
    }

    public function testUpstreamsSaveOfOurEquipmentChangesNothingAndOursKeepsUpstreams() {
        $eq = $this->eq('Pixel', $this->user('cmds', 'user'), array('platformOs' => 'android'));
        $before = $this->commands($eq->getId());
        $this->upstreamSave($eq->getId());
        $this->assertEquals($before, $this->commands($eq->getId()));
        // a user's choices made at creation time stay (visibility, order); names are re-applied, as upstream
        $battery = $eq->getCmd('info', 'battery');
        $battery->setIsVisible(0)->setOrder(42)->setName('Ma batterie')->save();
        $eq = eqLogic::byId($eq->getId());
        $eq->save();
        $battery = cmd::byId($battery->getId());
        $this->assertSame(array('0', '42', 'Batterie'), array((string) $battery->getIsVisible(), (string) $battery->getOrder(), $battery->getName()));
        $this->assertCount(37, $this->commands($eq->getId()));
    }

    public function testScreenActionsPointAtTheScreenState() {
        $eq = $this->eq('Pixel', $this->user('cmds', 'user'), array('platformOs' => 'android'));
        $state = $eq->getCmd('info', 'isScreenOn');
        $this->assertSame((string) $state->getId(), (string) $eq->getCmd('action', 'screenOn')->getValue());
        $this->assertSame((string) $state->getId(), (string) $eq->getCmd('action', 'screenOff')->getValue());
    }
}
