<?php
/* Run by NotificationsTest in its own PHP process, as a scenario's process: Jeedom's own "ask" action (the core's
 * scenarioExpression) on a command, which sends the question and waits for the answer. Prints the answer Jeedom
 * stored in the variable. argv: <cmd id> <variable> <answers "a;b"> <timeout s>. */
require_once getcwd() . '/core/php/core.inc.php';
$scenario = new scenario();
$scenario->setName('ask-' . getmypid());
$scenario->save();
$ask = new scenarioExpression();
$ask->setType('action');
$ask->setExpression('ask');
$ask->setOptions('cmd', '#' . $argv[1] . '#');
$ask->setOptions('question', 'Fermer le portail ?');
$ask->setOptions('answer', $argv[3]);
$ask->setOptions('variable', $argv[2]);
$ask->setOptions('timeout', $argv[4]);
$ask->execute($scenario);
echo dataStore::byTypeLinkIdKey('scenario', -1, $argv[2])->getValue();
