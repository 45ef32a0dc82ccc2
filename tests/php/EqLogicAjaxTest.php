<?php
/* Phones created, saved, edited and removed through the real core's core/ajax/eqLogic.ajax.php, as the plugin's
 * desktop page does ("Ajouter", "Sauvegarder", "Supprimer"): every property the core's DB::save() sees must be a
 * column (non-column properties of Jeedom classes start with "_"). */
class EqLogicAjaxTest extends JcTestCase {
    public function testPhoneAddedSavedEditedAndRemovedThroughTheCoresAjax() {
        $web = $this->browser();
        $owner = $this->user('alice', 'user');
        // "Ajouter": the page's prompt gives a name, jeedom.eqLogic.save() posts it
        $saved = $web->ajax('core/ajax/eqLogic.ajax.php', array('action' => 'save', 'type' => 'JeedomConnect',
            'eqLogic' => json_encode(array(array('name' => 'Pixel 8')))));
        $id = isset($saved['id']) ? $saved['id'] : $saved[0]['id'];
        $eq = eqLogic::byId($id);
        $this->assertInstanceOf('JeedomConnect', $eq);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $eq->getLogicalId(), 'apiKey given at creation');
        $this->assertTrue(is_object($eq->getCmd('action', 'toaster')), 'toaster cmd created');
        $this->assertFileExists(JeedomConnectQr::path($eq), 'QR code generated');
        $apiKey = $eq->getLogicalId();
        // "Sauvegarder" on the equipment page: name, owner, websocket ticked
        $web->ajax('core/ajax/eqLogic.ajax.php', array('action' => 'save', 'type' => 'JeedomConnect',
            'eqLogic' => json_encode(array(array('id' => $id, 'name' => 'Pixel de Alice', 'isEnable' => '1',
                'configuration' => array('userId' => (string) $owner->getId(), 'useWs' => '1'))))));
        $eq = eqLogic::byId($id);
        $this->assertSame('Pixel de Alice', $eq->getName());
        $this->assertSame((string) $owner->getId(), (string) $eq->getConfiguration('userId'));
        $this->assertSame('1', (string) $eq->getConfiguration('useWs'));
        $this->assertSame($apiKey, $eq->getLogicalId(), 'apiKey kept on save');
        // "Supprimer"
        $qr = JeedomConnectQr::path($eq);
        $web->ajax('core/ajax/eqLogic.ajax.php', array('action' => 'remove', 'id' => $id));
        $this->assertFalse(is_object(eqLogic::byId($id)), 'removed');
        $this->assertFileDoesNotExist($qr, 'its QR code removed');
    }
}
