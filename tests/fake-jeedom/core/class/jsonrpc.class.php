<?php
/* Fake Jeedom core: JSON-RPC request wrapper. params may be an object or a JSON string; id defaults to 99999;
 * makeSuccess turns an empty result into "ok", merges additionnal params and exits (like the core). */
class jsonrpc {
    private $jsonrpc = '';
    private $method = 'none';
    private $params = array();
    private $id = 99999;
    private $additionnalParams = array();

    public function __construct($_jsonrpc) {
        $jsonrpc = json_decode($_jsonrpc, true);
        if (!is_array($jsonrpc)) {
            throw new Exception('Requête invalide (JSON)', -32700);
        }
        $this->jsonrpc = isset($jsonrpc['jsonrpc']) ? $jsonrpc['jsonrpc'] : '';
        $this->method = (isset($jsonrpc['method']) && $jsonrpc['method'] != '') ? $jsonrpc['method'] : 'none';
        if (isset($jsonrpc['params'])) {
            $this->params = is_array($jsonrpc['params']) ? $jsonrpc['params'] : json_decode($jsonrpc['params'], true);
        }
        if (!is_array($this->params)) {
            $this->params = array();
        }
        if (isset($jsonrpc['id'])) {
            $this->id = $jsonrpc['id'];
        }
    }

    public static function envelope($_id, $_result, $_additionnal = array()) {
        if (empty($_result)) {
            $_result = 'ok';
        }
        return array_merge(array('jsonrpc' => '2.0', 'id' => $_id, 'result' => $_result), $_additionnal);
    }

    public function makeSuccess($_result = 'ok') {
        echo json_encode(self::envelope($this->id, $_result, $this->additionnalParams));
        exit;
    }

    public function makeError($_code, $_message) {
        echo json_encode(array('jsonrpc' => '2.0', 'id' => $this->id, 'error' => array('code' => $_code, 'message' => $_message)));
        exit;
    }

    public function setAdditionnalParams($_key, $_value) {
        if (!in_array($_key, array('result', 'jsonrpc', 'id'), true)) {
            $this->additionnalParams[$_key] = $_value;
        }
    }

    public function getJsonrpc() { return $this->jsonrpc; }
    public function getMethod() { return $this->method; }
    public function getParams() { return $this->params; }
    public function getId() { return $this->id; }
}
