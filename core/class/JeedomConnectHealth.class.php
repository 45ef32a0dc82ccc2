<?php
/*
 * JeedomConnect - the app's health page (docs/api-methods.md, "Health"): GET_JEEDOM_GLOBAL_HEALTH, the state of every
 * active plugin with dependencies, a daemon or its own health checks, and Jeedom's health page, with the number of
 * pending updates. Jeedom's desktop shows its health page to admins only: so does the app (the phone's configured
 * user, as for the administration methods).
 */
class JeedomConnectHealth {
    /** GET_JEEDOM_GLOBAL_HEALTH -> SET_JEEDOM_GLOBAL_HEALTH {plugins[], jeedom[], nbUpdate} */
    public static function all(JeedomConnectApi $_api) {
        $user = user::byId($_api->eq()->getConfiguration('userId', ''));
        if (!is_object($user) || $user->getProfils() !== 'admin') {
            return JeedomConnectApi::exception(JeedomConnectAdmin::NOT_ADMIN);
        }
        $plugins = array();
        $jeedom = array();
        // the plugin option sendHealth ('true' unless set otherwise) lets an install send only the update count
        if (config::byKey('sendHealth', 'JeedomConnect', 'true') == 'true') {
            foreach (plugin::listPlugin(true) as $plugin) {
                if ($plugin->getHasDependency() == 1 || $plugin->getHasOwnDeamon() == 1 || method_exists($plugin->getId(), 'health')) {
                    $plugins[] = self::plugin($plugin);
                }
            }
            foreach (jeedom::health() as $h) {
                $jeedom[] = array('name' => $h['name'], 'comment' => $h['comment'],
                    'state' => $h['state'] === 2 ? 'warning' : ($h['state'] ? 'OK' : 'KO'), 'result' => $h['result']);
            }
        }
        return array('type' => 'SET_JEEDOM_GLOBAL_HEALTH', 'payload' => array('plugins' => $plugins, 'jeedom' => $jeedom,
            'nbUpdate' => update::nbNeedUpdate()));
    }

    /** One plugin's item: dependencies, daemon, own checks, with the count of failing (error) and running (pending) parts. */
    private static function plugin($_plugin) {
        $id = $_plugin->getId();
        $errors = 0;
        $pending = 0;
        $port = config::byKey('port', $id);
        $dependency = null;
        if ($_plugin->getHasDependency() == 1) {
            try {
                $state = $_plugin->dependancy_info()['state'] ?? '';
                $dependency = $state === 'ok' ? 'OK' : ($state === 'in_progress' ? 'En cours' : 'KO');
                $pending += $state === 'in_progress' ? 1 : 0;
                $errors += $dependency === 'KO' ? 1 : 0;
            } catch (Exception $e) {
                log::add('JeedomConnect', 'warning', 'Santé : dépendances de ' . $id . ' illisibles (' . $e->getMessage() . ')');
            }
        }
        $daemon = array();
        if ($_plugin->getHasOwnDeamon() == 1) {
            try {
                $info = $_plugin->deamon_info();
                $auto = ($info['auto'] ?? 0) == 1;
                $daemon['setup'] = array('mode' => !empty($info['auto']) ? 'auto' : 'manuel', 'message' => null);
                if (($info['launchable'] ?? '') === 'ok') {
                    $daemon['setup']['status'] = 'OK';
                } elseif (($info['launchable'] ?? '') === 'nok') {
                    $daemon['setup']['status'] = $auto ? 'KO' : 'Désactivé';
                    if ($auto) {
                        $daemon['setup']['message'] = $info['launchable_message'] ?? null;
                        $errors++;
                    }
                }
                $daemon['last_launch'] = $info['last_launch'] ?? null;
                if (($info['state'] ?? '') === 'ok') {
                    $daemon['state'] = 'OK';
                } elseif (($info['state'] ?? '') === 'nok') {
                    $daemon['state'] = $auto ? 'KO' : 'Désactivé';
                    $errors += $auto ? 1 : 0;
                }
            } catch (Exception $e) {
                log::add('JeedomConnect', 'warning', 'Santé : démon de ' . $id . ' illisible (' . $e->getMessage() . ')');
            }
        }
        $checks = array();
        if (method_exists($id, 'health')) {
            try {
                foreach ($id::health() as $r) {
                    $checks[] = array('test' => $r['test'], 'advice' => $r['advice'], 'result' => $r['result']);
                    $errors += $r['state'] ? 0 : 1;
                }
            } catch (Exception $e) {
                log::add('JeedomConnect', 'warning', 'Santé : tests de ' . $id . ' illisibles (' . $e->getMessage() . ')');
            }
        }
        $update = $_plugin->getUpdate();
        return array(
            'id' => $id,
            'name' => $_plugin->getName(),
            'img' => $_plugin->getPathImgIcon(),
            'versionDate' => is_object($update) ? $update->getLocalVersion() : null,
            'versionType' => is_object($update) ? $update->getConfiguration('version') : null,
            'error' => $errors,
            'pending' => $pending,
            'portInfo' => $port != '' ? ucfirst($port) : null,
            'dependencyInfo' => $dependency,
            'daemonData' => $daemon,
            'healthData' => $checks,
        );
    }
}
