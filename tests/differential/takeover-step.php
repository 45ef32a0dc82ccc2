<?php
/* Run by TakeoverTest in upstream's web root, as the web user, as Jeedom runs a plugin's code: one step with
 * whichever plugin is installed there at the time (upstream 1.20.6's, or ours after the update). Prints one JSON
 * line: {"ok": <result>} or {"error": <message>}.
 *   php takeover-step.php <web root> <step> [<JSON argument>] */
require_once $argv[1] . '/core/php/core.inc.php';
// the plugin's class (and what it requires), as Jeedom loads it for a plugin's hooks
require_once $argv[1] . '/plugins/JeedomConnect/core/class/JeedomConnect.class.php';
$arg = isset($argv[3]) ? json_decode($argv[3], true) : null;
try {
    switch ($argv[2]) {
        case 'upstream-install':
            // upstream's install hook, without its notification binary download (GitHub, unreachable here)
            JeedomConnectUtils::installAndMigration();
            JeedomConnectUtils::addCronItems();
            JeedomConnect::createMapEquipment();
            foreach (array('daemonLog' => 'parent', 'bkpCount' => 'all', 'jcOrderByDefault' => 'object', 'withQrCode' => '1', 'isStrict' => '1') as $k => $v) {
                config::save($k, $v, 'JeedomConnect');
            }
            $r = 'installed';
            break;
        case 'exec':
            // a command executed as a scenario or the dashboard does
            $cmd = cmd::byId($arg['id']);
            $r = $cmd->execCmd(isset($arg['options']) ? $arg['options'] : array());
            break;
        case 'event':
            cmd::byId($arg['id'])->event($arg['value']);
            $r = 'sent';
            break;
        case 'deamon_stop':
            // the market's update: the NEW class's deamon_stop(), before the update hook
            $r = JeedomConnect::deamon_stop();
            break;
        case 'update':
            require_once $argv[1] . '/plugins/JeedomConnect/plugin_info/install.php';
            JeedomConnect_update();
            $r = 'updated';
            break;
        case 'deamon_start':
            // Jeedom's own path (the daemon page's start button)
            plugin::byId('JeedomConnect')->deamon_start(true);
            $r = plugin::byId('JeedomConnect')->deamon_info();
            break;
        case 'deamon_info':
            $r = plugin::byId('JeedomConnect')->deamon_info();
            break;
        case 'dependancy_info':
            $r = plugin::byId('JeedomConnect')->dependancy_info(true);
            break;
        default:
            throw new Exception('unknown step ' . $argv[2]);
    }
    echo json_encode(array('ok' => $r)), "\n";
} catch (Throwable $e) {
    echo json_encode(array('error' => get_class($e) . ': ' . $e->getMessage())), "\n";
}
