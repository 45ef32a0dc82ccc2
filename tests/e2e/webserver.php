<?php
/*
 * End-to-end rig: the plugin's web-server steps run the way Jeedom runs a plugin's install and remove hooks, as
 * root with php-cli, against the rig's own Apache (a private Debian-style tree given by JEEDOMCONNECT_APACHE_DIR,
 * with JEEDOMCONNECT_APACHE_CONFIGTEST / _RELOAD pointing at the rig's apache2 -f <conf>), never the machine's.
 *   php webserver.php apply    JeedomConnectWebServer::applyConfigured() (install/update, as install.php does)
 *   php webserver.php remove   JeedomConnect_remove() (plugin removal hook of plugin_info/install.php)
 * Prints the result as JSON.
 */
$web = getenv('E2E_WEB');
if ($web === false || $web === '' || count($argv) < 2) {
    fwrite(STDERR, "usage: E2E_WEB=<web root> php webserver.php apply|remove\n");
    exit(2);
}
require_once $web . '/core/php/core.inc.php';
class_exists('JeedomConnect');
switch ($argv[1]) {
    case 'apply':
        $r = JeedomConnectWebServer::applyConfigured();
        break;
    case 'remove':
        require_once $web . '/plugins/JeedomConnect/plugin_info/install.php';
        JeedomConnect_remove();
        $r = array('state' => 'removed', 'installed' => JeedomConnectWebServer::instance()->isInstalled());
        break;
    default:
        fwrite(STDERR, "unknown action {$argv[1]}\n");
        exit(2);
}
echo json_encode($r, JSON_UNESCAPED_SLASHES) . "\n";
