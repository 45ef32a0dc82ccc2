<?php
/* The app's messages page: GET_JEEDOM_MESSAGES and REMOVE_JEEDOM_MESSAGE answered as upstream 1.20.6 answers them,
 * from the same message centre. */
class MessagesTest extends JcDiffTestCase {
    private $apiKey;

    protected function setUp(): void {
        parent::setUp();
        $this->apiKey = $this->eq('Pixel', $this->user('msg', 'user'))->getLogicalId();
    }

    private function messages() {
        message::add('zwavejs', 'Le contrôleur ne répond plus', '', 'ctrl');
        message::add('zwavejs', 'Noeud 12 mort', '', 'node12');
        message::add('core', 'Mise à jour disponible', '', 'update');
        return array_column(utils::o2a(message::all()), 'id');
    }

    public function testEmptyThenAllThenOnePlugin() {
        $e = $this->assertSameAnswer('GET_JEEDOM_MESSAGES', array('apiKey' => $this->apiKey));
        $this->assertSame(array('type' => 'SET_JEEDOM_MESSAGES', 'payload' => array('nbMessages' => 0, 'messages' => array())), $e['result']);
        $this->messages();
        $e = $this->assertSameAnswer('GET_JEEDOM_MESSAGES', array('apiKey' => $this->apiKey));
        $this->assertSame(3, (int) $e['result']['payload']['nbMessages']);
        $this->assertCount(3, $e['result']['payload']['messages']);
        $e = $this->assertSameAnswer('GET_JEEDOM_MESSAGES', array('apiKey' => $this->apiKey, 'plugin' => 'zwavejs'));
        $this->assertSame(3, (int) $e['result']['payload']['nbMessages']);
        $this->assertSame(array('zwavejs', 'zwavejs'), array_column($e['result']['payload']['messages'], 'plugin'));
        $this->assertSameAnswer('GET_JEEDOM_MESSAGES', array('apiKey' => $this->apiKey, 'plugin' => 'nothing'));
    }

    public function testRemoveOneThenAll() {
        $ids = $this->messages();
        // each side removes its own message; the answers (the remaining list) are compared
        $up = $this->upstream('REMOVE_JEEDOM_MESSAGE', array('apiKey' => $this->apiKey, 'messageId' => $ids[0]));
        $our = $this->ours('REMOVE_JEEDOM_MESSAGE', array('apiKey' => $this->apiKey, 'messageId' => (string) $ids[1]));
        $this->assertSame(2, (int) $up['result']['payload']['nbMessages']);
        $this->assertSame(1, (int) $our['result']['payload']['nbMessages']);
        $this->assertSame(array((string) $ids[2]), array_map('strval', array_column($our['result']['payload']['messages'], 'id')));
        $this->assertSame('SET_JEEDOM_MESSAGES', $our['result']['type']);
        $this->messages();
        $e = $this->assertSameAnswer('GET_JEEDOM_MESSAGES', array('apiKey' => $this->apiKey));
        $this->assertSame(3, (int) $e['result']['payload']['nbMessages']); // the same message again counts as an occurrence
        $our = $this->ours('REMOVE_JEEDOM_MESSAGE', array('apiKey' => $this->apiKey, 'messageId' => 'all'));
        $this->assertSame(array('type' => 'SET_JEEDOM_MESSAGES', 'payload' => array('nbMessages' => 0, 'messages' => array())), $our['result']);
        $this->messages();
        $up = $this->upstream('REMOVE_JEEDOM_MESSAGE', array('apiKey' => $this->apiKey, 'messageId' => 'all'));
        $this->assertSame($up, $our);
    }

    public function testUnknownMessageOrApiKey() {
        $this->messages();
        $e = $this->assertSameAnswer('REMOVE_JEEDOM_MESSAGE', array('apiKey' => $this->apiKey, 'messageId' => 987654));
        $this->assertStringContainsString('Message inconnu', $e['result']['payload']['message']);
        $this->assertSameAnswer('REMOVE_JEEDOM_MESSAGE', array('apiKey' => $this->apiKey));
        $this->assertSameAnswer('GET_JEEDOM_MESSAGES', array('apiKey' => 'not-a-key'));
        $this->assertSame(3, count(message::all()));
    }

    public function testBadPluginIsRefused() {
        $this->assertOurRefusal('GET_JEEDOM_MESSAGES', array('apiKey' => $this->apiKey, 'plugin' => array('core')));
    }
}
