<?php
/* The app's Timeline page: GET_TIMELINE_FOLDERS and GET_TIMELINE_EVENTS answered as upstream 1.20.6 answers them,
 * with Jeedom's rights of the user on each event. */
class TimelineTest extends JcDiffTestCase {
    private $eqKey;
    private $events = array();

    protected function setUp(): void {
        parent::setUp();
        DB::Prepare('DELETE FROM timeline', array(), DB::FETCH_TYPE_ROW);
        $this->eqKey = $this->eq('Pixel', $this->user('kid', 'restrict'))->getLogicalId();
        $room = new jeeObject();
        $room->setName('Entrée')->save();
        $door = $this->infoCmd('Porte', 1);
        $dev = eqLogic::byId($door->getEqLogic_id());
        $dev->setObject_id($room->getId())->save();
        $light = $this->infoCmd('Lumière', 0);
        $sc = new scenario();
        $sc->setName('Alarme')->save();
        $this->add('cmd', $door->getId(), 'main', -300, array('value' => '1'));
        $this->add('cmd', $light->getId(), 'main,Sécurité', -200, array('value' => '0'));
        $this->add('scenario', $sc->getId(), 'Sécurité', -100, array('trigger' => '<span class="label">Programmation</span> #start#'));
        $this->add('cmd', 987654, 'main', -50, array('value' => '3')); // a removed command: skipped
        // the restricted user may see the door's equipment only
        $kid = user::byLogin('kid');
        $kid->setRights('eqLogic' . $dev->getId(), 'r');
        $kid->save();
    }

    private function add($type, $linkId, $folder, $ago, $options) {
        $t = new timeline();
        $t->setType($type)->setLink_id($linkId)->setName('x')->setFolder($folder)->setDatetime(date('Y-m-d H:i:s', time() + $ago));
        foreach ($options as $k => $v) {
            $t->setOptions($k, $v);
        }
        $t->save();
    }

    public function testFolders() {
        $e = $this->assertSameAnswer('GET_TIMELINE_FOLDERS', array('apiKey' => $this->eqKey));
        $this->assertSame(array('type' => 'SET_TIMELINE_FOLDERS', 'payload' => array('main' => 'Principal', 'custom' => array('Sécurité'))), $e['result']);
    }

    public function testEventsForAnAdminAndARestrictedUser() {
        $admin = $this->user('boss', 'admin');
        $e = $this->assertSameAnswer('GET_TIMELINE_EVENTS', array('apiKey' => $this->eqKey, 'folder' => 'main', 'user_id' => $admin->getId()));
        // "main" is every event, newest first
        $this->assertSame(array('Alarme', 'Lumière', 'Porte'), array_column($e['result']['payload'], 'name'));
        $this->assertSame(array('Entrée', '1', true), array($e['result']['payload'][2]['object'], $e['result']['payload'][2]['value'], is_int($e['result']['payload'][2]['timestamp'])));
        $e = $this->assertSameAnswer('GET_TIMELINE_EVENTS', array('apiKey' => $this->eqKey, 'folder' => 'Sécurité', 'user_id' => (string) $admin->getId()));
        $this->assertSame(array('scenario', 'cmd'), array_column($e['result']['payload'], 'type'));
        $this->assertSame('#start#', $e['result']['payload'][0]['trigger']);
        $kid = user::byLogin('kid');
        $e = $this->assertSameAnswer('GET_TIMELINE_EVENTS', array('apiKey' => $this->eqKey, 'user_id' => $kid->getId()));
        $this->assertSame(array('Porte'), array_column($e['result']['payload'], 'name'));
    }

    public function testWithoutUserTheRightsOfThePhonesUserApply() {
        // documented fix: upstream checks the rights of "nobody" (no session in the API) and sends no event at all
        $up = $this->upstream('GET_TIMELINE_EVENTS', array('apiKey' => $this->eqKey));
        $this->assertSame(array('type' => 'SET_TIMELINE_EVENTS', 'payload' => array()), $up['result']);
        $our = $this->ours('GET_TIMELINE_EVENTS', array('apiKey' => $this->eqKey));
        $this->assertSame(array('Porte'), array_column($our['result']['payload'], 'name'));
    }

    public function testBadFolderIsRefused() {
        $this->assertOurRefusal('GET_TIMELINE_EVENTS', array('apiKey' => $this->eqKey, 'folder' => array('main')));
        $this->assertSameAnswer('GET_TIMELINE_FOLDERS', array('apiKey' => 'not-a-key'));
    }
}
