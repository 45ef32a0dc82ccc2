<?php
/*
 * vendor/autoload.php of the test rig's Jeedom core (tests/jeedom/up.sh copies it into the core's web root).
 * Jeedom installs its PHP libraries with composer; the test machine cannot reach composer's registry, so:
 *  - four of the core's composer packages come from Debian, through their own autoloaders;
 *  - the three that Debian does not package are only used by core features the plugin never touches. For them
 *    this file defines STAND-IN classes that THROW on every use, so a test that reaches one fails loudly:
 *      pragmarx/google2fa-qrcode      -> PragmaRX\Google2FA\*, PragmaRX\Google2FAQRCode\*  (2FA login)
 *      influxdata/influxdb-client-php -> InfluxDB\*, InfluxDB2\*                         (cmd->pushInflux)
 *      abbadon1334/sun-position-spa-php -> SolarData\*                                   (scenario sun functions)
 */
require_once '/usr/share/php/Cron/autoload.php';
require_once '/usr/share/php/Symfony/Component/ExpressionLanguage/autoload.php';
require_once '/usr/share/php/Psr/Log/autoload.php';
require_once '/usr/share/php/Bacon/BaconQrCode/autoload.php';

abstract class JeedomTestRigStandIn {
    public function __construct() {
        throw new LogicException('test rig: ' . static::class . ' is a stand-in for a composer package that is not installed');
    }
    public function __call($_name, $_args) {
        throw new LogicException('test rig: ' . static::class . '::' . $_name . ' is a stand-in, not installed');
    }
    public static function __callStatic($_name, $_args) {
        throw new LogicException('test rig: ' . static::class . '::' . $_name . ' is a stand-in, not installed');
    }
}

spl_autoload_register(function ($_class) {
    foreach (array('PragmaRX\\', 'InfluxDB\\', 'InfluxDB2\\', 'SolarData\\') as $prefix) {
        if (strpos($_class, $prefix) === 0) {
            $pos = strrpos($_class, '\\');
            eval('namespace ' . substr($_class, 0, $pos) . '; class ' . substr($_class, $pos + 1) . ' extends \\JeedomTestRigStandIn {}');
            return;
        }
    }
});
