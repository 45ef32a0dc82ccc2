<?php
/*
 * Test rig: leaves steps out of the core's install/consistency.php (in the rig's copy only). Each step below
 * writes to the MACHINE outside the rig (apt, /etc/apache2, /etc/systemd, composer, nodejs) - on a Jeedom box that
 * is the installer's job, in a test it would break the machine other tests share:
 *   "Check jeedom package"            system::checkAndInstall(install/packages.json): killall apt, dpkg locks,
 *                                     ~40 packages, dies on PHP 8 (system.class.php:570)
 *   "Add parameter for mariadb service"  /etc/systemd/system/mariadb.service.d
 *   "Configure apache remote ip"      /etc/apache2/conf-enabled/remoteip.conf (the rig's Apache includes the
 *                                     core's apache_remoteip itself)
 *   "Check composer"                  downloads composer into /usr/local/bin
 *   "Check nodejs"                    resources/install_nodejs.sh: purges and reinstalls the machine's nodejs
 *   "Check apache security file"      /etc/apache2/conf-available/security.conf
 * Every other step runs as Jeedom ships it. Fails when a step is not found (another core version).
 */
$file = $argv[1];
$src = file_get_contents($file);
$cuts = array(
    'system::checkAndInstall(json_decode(file_get_contents(__DIR__ . \'/packages.json\'), true), true);',
    'exec($cmd);',
    'shell_exec(\'sudo cp \' . __DIR__ . \'/apache_remoteip /etc/apache2/conf-enabled/remoteip.conf\');',
    'echo shell_exec(\'sudo \' . __DIR__ . \'/../resources/install_composer.sh\');',
    'echo shell_exec(\'sudo \' . __DIR__ . \'/../resources/install_nodejs.sh\');',
    '$apache_security = file_get_contents(\'/etc/apache2/conf-available/security.conf\');',
);
foreach ($cuts as $cut) {
    if (substr_count($src, $cut) !== 1) {
        fwrite(STDERR, "install/consistency.php: step not found once: $cut\n");
        exit(1);
    }
    $src = str_replace($cut, 'echo "(left out by the test rig) "; $apache_security = \'\';', $src);
}
file_put_contents($file, $src);
