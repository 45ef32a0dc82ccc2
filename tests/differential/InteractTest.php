<?php
/* QUERY_INTERACT: a sentence for Jeedom's interactions, answered as upstream 1.20.6 answers it. */
class InteractTest extends JcDiffTestCase {
    public function testInteractionAnswers() {
        $eq = $this->eq('Pixel', $this->user('talk', 'user'));
        // the rig's install has no colour table; a box has one (interactQuery reads it for every reply)
        config::save('convertColor', array('rouge' => '#FF0000'));
        $i = new interactDef();
        $i->setName('Bonjour')->setQuery('bonjour jeedom')->setReply('Salut #profile#')->setEnable(1);
        $i->save();
        $e = $this->assertSameAnswer('QUERY_INTERACT', array('apiKey' => $eq->getLogicalId(), 'query' => 'bonjour jeedom',
            'options' => array('user_login' => 'talk'), 'keywordIndex' => 3));
        $this->assertSame('QUERY_ANSWER', $e['result']['type']);
        $this->assertSame(3, $e['result']['payload']['keywordIndex']);
        $this->assertSame('Salut talk', $e['result']['payload']['reply']);
        // a sentence nobody understands
        $this->assertSameAnswer('QUERY_INTERACT', array('apiKey' => $eq->getLogicalId(), 'query' => 'zorglub', 'options' => array(), 'keywordIndex' => 0),
            array('result.payload.reply'));
    }

    public function testMissingQueryIsRefused() {
        $eq = $this->eq('Pixel', $this->user('talk', 'user'));
        $this->assertOurRefusal('QUERY_INTERACT', array('apiKey' => $eq->getLogicalId(), 'options' => array(), 'keywordIndex' => 0));
        $this->assertSameAnswer('QUERY_INTERACT', array('apiKey' => 'not-a-key', 'query' => 'x'));
    }
}
