<?php
/* Base test case: the real core's data reset per test (JcRig), builders for users/eqs/cmds, free ports, the fake
 * control server. Other plugins' devices are the rig's fixture plugin jcTestDevice (its actions really act). */
use PHPUnit\Framework\TestCase;

abstract class JcTestCase extends TestCase {
    /** @var array of proc resources started by the test */
    private $procs = array();

    protected function setUp(): void {
        JcRig::reset();
        JeedomConnectDevice::forgetWatchedMemo();
        // no daemon unless a test starts one: point the control socket at a closed port
        config::save('socketport', self::freePort(), 'JeedomConnect');
        // a test that starts the daemon (even indirectly, e.g. SET_WEBSOCKET) only listens on loopback, on free ports
        config::save('port', self::freePort(), 'JeedomConnect');
        config::save('bind', '127.0.0.1', 'JeedomConnect');
        config::save('internalAddr', '192.168.1.10');
        config::save('externalAddr', 'jc.example.org');
        config::save('internalPort', '80'); // the addresses the tests expect carry no port (the rig's Apache has one)
        config::save('internalProtocol', 'http://');
        config::save('externalPort', '443');
        config::save('externalProtocol', 'https://');
        $_SERVER = array();
        // never the machine's Apache: no conf-available folder there => the web server steps are skipped
        JeedomConnectWebServer::setInstance(new JeedomConnectWebServer(array('apacheDir' => JC_TEST_BASE . '/no-apache',
            'sudo' => '', 'runner' => function ($_cmd) {
                throw new Exception('unexpected web server command in a test: ' . $_cmd);
            })));
    }

    protected function tearDown(): void {
        JeedomConnectDaemon::stop();
        foreach ($this->procs as $p) {
            $st = proc_get_status($p);
            if ($st['running']) {
                posix_kill($st['pid'], 15);
            }
            proc_close($p);
        }
        $this->procs = array();
    }

    public static function freePort() {
        $s = stream_socket_server('tcp://127.0.0.1:0');
        $name = stream_socket_get_name($s, false);
        fclose($s);
        return (int) substr($name, strrpos($name, ':') + 1);
    }

    /** A logged-in admin's browser session on the rig's core (its Apache). */
    protected function browser() {
        $this->user('pageadmin', 'admin');
        return new JcCoreHttp('pageadmin', 'pw-pageadmin');
    }

    /** The real core's save() answers true, not the object (the fake answered the object). */
    protected function saved($_object) {
        $_object->save();
        return $_object;
    }

    protected function user($login = 'admin', $profil = 'admin', $options = array(), $enable = 1) {
        $u = user::byLogin($login); // the installer's admin stays between tests
        if (!is_object($u)) {
            $u = new user();
        }
        $u->setLogin($login)->setPassword(hash('sha512', 'pw-' . $login))->setProfils($profil)->setEnable($enable);
        foreach ($options as $k => $v) {
            $u->setOptions($k, $v);
        }
        $u->save();
        return $u;
    }

    /** A JeedomConnect equipment, saved (hooks run). */
    protected function eq($name = 'Pixel', $user = null, $config = array(), $enable = 1) {
        $eq = new JeedomConnect();
        $eq->setName($name);
        $eq->setEqType_name('JeedomConnect');
        $eq->setIsEnable($enable);
        if ($user !== null) {
            $eq->setConfiguration('userId', $user->getId());
        }
        foreach ($config as $k => $v) {
            $eq->setConfiguration($k, $v);
        }
        $eq->save();
        return eqLogic::byId($eq->getId());
    }

    /** A non-JC equipment with an info cmd (and optionally a matching action). */
    protected function infoCmd($name = 'Temp', $value = null, $historized = 0, $subType = 'numeric') {
        $eq = new jcTestDevice();
        $eq->setName('Dev ' . $name)->setEqType_name('jcTestDevice')->setIsEnable(1)->save();
        $cmd = new jcTestDeviceCmd();
        $cmd->setEqLogic_id($eq->getId())->setEqType('jcTestDevice')->setName($name)->setType('info')->setSubType($subType)->setIsHistorized($historized);
        $cmd->save();
        if ($value !== null) {
            $cmd->event($value);
        }
        return cmd::byId($cmd->getId());
    }

    protected function actionCmd($info, $name = 'Set') {
        $cmd = new jcTestDeviceCmd();
        $cmd->setEqLogic_id($info->getEqLogic_id())->setEqType('jcTestDevice')->setName($name)->setType('action')->setSubType('slider')
            ->setConfiguration('infoId', $info->getId());
        $cmd->save();
        return $cmd;
    }

    /** Layout with one widget per info cmd id, then the given extra widgets (their ids follow), optional scenario
     * widget ids and room ids. */
    protected function setLayout($eq, $cmdIds, $scenarioIds = array(), $roomIds = array(), $extraWidgets = array()) {
        $c = JeedomConnectLayout::emptyConfig();
        $n = 0;
        foreach ($cmdIds as $id) {
            $c['payload']['widgets'][] = array('type' => 'generic-info', 'id' => ++$n, 'statusInfo' => array('id' => (string) $id, 'type' => 'info'));
        }
        foreach ($extraWidgets as $w) {
            $c['payload']['widgets'][] = array_slice($w, 0, 1, true) + array('id' => ++$n) + $w; // type, id, the rest
        }
        foreach ($scenarioIds as $id) {
            $c['payload']['widgets'][] = array('type' => 'scenario', 'id' => ++$n, 'scenarioId' => (string) $id);
        }
        foreach ($roomIds as $id) {
            $c['payload']['rooms'][] = array('id' => (int) $id, 'name' => 'Room ' . $id);
        }
        JeedomConnectLayout::set($eq, $c);
        $eq->save();
        return eqLogic::byId($eq->getId());
    }

    protected function call($method, $params = array(), $query = array(), $server = array(), $id = '1') {
        return JeedomConnectApi::handle(json_encode(array('jsonrpc' => '2.0', 'id' => $id, 'method' => $method, 'params' => $params)), $query, $server);
    }

    protected function result($method, $params = array(), $query = array(), $server = array()) {
        $e = $this->call($method, $params, $query, $server);
        return $e['result'];
    }

    protected function daemonQuery() {
        return array('apikey' => jeedom::getApiKey('JeedomConnect'));
    }

    /**
     * Starts tests/php/fake_control_server.php on a free port as the plugin's socketport; it records every line in
     * a file and answers EVENTS_SINCE / STATUS / ack with the given canned replies. Returns the record file.
     */
    protected function startFakeControl($replies = array()) {
        $port = self::freePort();
        $record = JC_TEST_BASE . '/control-' . $port . '.log';
        $repliesFile = JC_TEST_BASE . '/control-' . $port . '.json';
        file_put_contents($repliesFile, json_encode($replies));
        $proc = proc_open(array(PHP_BINARY, __DIR__ . '/fake_control_server.php', (string) $port, $record, $repliesFile),
            array(0 => array('file', '/dev/null', 'r'), 1 => array('file', '/dev/null', 'w'), 2 => array('file', JC_TEST_BASE . '/control-' . $port . '.err', 'w')), $pipes);
        $this->procs[] = $proc;
        $deadline = microtime(true) + 5;
        while (microtime(true) < $deadline) {
            $c = @stream_socket_client('tcp://127.0.0.1:' . $port, $e, $s, 0.2);
            if ($c) {
                fclose($c);
                break;
            }
            usleep(20000);
        }
        config::save('socketport', $port, 'JeedomConnect');
        usleep(50000);
        @file_put_contents($record, '');
        return $record;
    }

    /** Lines received by the fake control server (decoded), waiting briefly for $min of them. */
    protected function received($record, $min = 0, $timeout = 2.0) {
        $deadline = microtime(true) + $timeout;
        do {
            $lines = array_values(array_filter(explode("\n", (string) @file_get_contents($record))));
            if (count($lines) >= $min) {
                break;
            }
            usleep(20000);
        } while (microtime(true) < $deadline);
        return array_map(function ($l) {
            return json_decode($l, true);
        }, $lines);
    }

    protected function ofType($msgs, $type) {
        return array_values(array_filter($msgs, function ($m) use ($type) {
            return is_array($m) && isset($m['type']) && $m['type'] === $type;
        }));
    }
}
