<?php
/*
 * Differential suite: the PHP tests' bootstrap (tests/php: the rig's real core, data reset per test), plus the
 * upstream web root of tests/differential/up.sh (same core, same database, upstream's plugin) named by JC_CORE.
 */
require_once __DIR__ . '/../php/bootstrap.php';
if (!is_file(JC_CORE . '/upstream/env')) {
    fwrite(STDERR, "no upstream web root beside the core (bash tests/differential/up.sh \$JC_CORE)\n");
    exit(2);
}
define('JC_UPSTREAM_ENV', parse_ini_file(JC_CORE . '/upstream/env', false, INI_SCANNER_RAW));
require_once __DIR__ . '/JcDiffTestCase.php';
