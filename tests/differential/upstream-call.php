<?php
/* Run by the differential tests in upstream's web root, as the web user: one static method of upstream 1.20.6's
 * plugin called by its own code, as Jeedom's cron calls it.   php upstream-call.php <web root> <Class::method> */
require_once $argv[1] . '/core/php/core.inc.php';
require_once $argv[1] . '/plugins/JeedomConnect/core/class/JeedomConnect.class.php';
call_user_func(explode('::', $argv[2], 2));
echo "done\n";
