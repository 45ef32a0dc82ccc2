<?php
/*
 * JeedomConnect - backups of the app's preferences (docs/api-methods.md, "App preference backups"):
 * SET_APP_CONFIG writes data/backups/<apiKey>/appPref-<name>-<unix time>.json (pretty JSON, as upstream 1.20.6 names
 * and writes them, so backups made before a takeover stay readable), GET_APP_CONFIG reads one back, and the daily
 * trim keeps the `bkpCount` newest of each phone (plugin setting, "all" = keep every one).
 */
class JeedomConnectAppBackups {
    const PREFIX = 'appPref';
    /** longest backup name accepted from the app */
    const MAX_NAME = 100;

    /** SET_APP_CONFIG {name?, config} -> {type: GET_APP_CONFIG} */
    public static function save(JeedomConnectApi $_api) {
        $name = $_api->param('name');
        if (is_int($name) || is_float($name)) {
            $name = (string) $name;
        }
        if ($name !== null && !is_string($name)) {
            throw new Exception('name: a text is expected');
        }
        if ($name !== null && (strlen($name) > self::MAX_NAME || preg_match('#[/\\\\\x00-\x1f]#', $name) || JeedomConnectFiles::hasTraversal($name))) {
            throw new Exception('name: at most ' . self::MAX_NAME . ' characters, without / \\ or control characters');
        }
        $dir = JeedomConnectFiles::dataDir() . '/backups/' . $_api->eq()->getLogicalId();
        if (!is_dir($dir) && !@mkdir($dir, 0775, true)) {
            return JeedomConnectApi::exception('Unable to write file : ' . self::PREFIX . ' backup folder');
        }
        $files = self::newestFirst($dir);
        $json = json_encode($_api->param('config'), JSON_PRETTY_PRINT);
        if ($json === false) {
            throw new Exception('config: not encodable as JSON');
        }
        $file = self::PREFIX . '-' . (($name === null || $name === '') ? date('d-m-y_H-i') : $name) . '-' . time() . '.json';
        if (@file_put_contents($dir . '/' . $file, $json) === false) {
            return JeedomConnectApi::exception('Unable to write file : ' . $file);
        }
        // the same preferences as the newest backup: that older copy goes (never the file just written)
        if ($files !== array() && $files[0] !== $file && md5_file($dir . '/' . $files[0]) === md5($json)) {
            @unlink($dir . '/' . $files[0]);
        }
        return array('type' => 'GET_APP_CONFIG');
    }

    /** GET_APP_CONFIG {configId (the unix-time suffix)} -> SET_APP_CONFIG {config} */
    public static function load(JeedomConnectApi $_api) {
        $id = $_api->param('configId');
        if (is_int($id)) {
            $id = (string) $id;
        }
        if (!is_string($id) || !preg_match('/^[0-9]{1,12}$/', $id)) {
            throw new Exception('configId: the number of a backup is expected');
        }
        $dir = JeedomConnectFiles::dataDir() . '/backups/' . $_api->eq()->getLogicalId();
        $matches = is_dir($dir) ? glob($dir . '/' . self::PREFIX . '-*-' . $id . '.json') : array();
        foreach ((array) $matches as $m) {
            if (is_file($m) && !is_link($m)) {
                return array('type' => 'SET_APP_CONFIG', 'payload' => array('config' => json_decode((string) file_get_contents($m))));
            }
        }
        return JeedomConnectApi::exception('Le fichier n\'existe plus.');
    }

    /** The daily trim: per phone, the `bkpCount` newest backups kept (by modification time), the others removed. */
    public static function trim() {
        $keep = JeedomConnectConfig::get('bkpCount', 'all');
        if (!is_numeric($keep) || (int) $keep < 0) {
            return 0;
        }
        $removed = 0;
        foreach (JeedomConnectDevice::all() as $eq) {
            $dir = JeedomConnectFiles::dataDir() . '/backups/' . $eq->getLogicalId();
            if (!is_dir($dir)) {
                continue;
            }
            foreach (array_slice(self::newestFirst($dir), (int) $keep) as $f) {
                if (@unlink($dir . '/' . $f)) {
                    $removed++;
                }
            }
        }
        return $removed;
    }

    /** The backups of a folder, newest first (by mtime; equal times in name order, as upstream lists them). */
    private static function newestFirst($_dir) {
        $times = array();
        $names = (array) @scandir($_dir);
        sort($names, SORT_STRING);
        foreach ($names as $f) {
            if (strpos($f, self::PREFIX) === 0 && is_file($_dir . '/' . $f) && !is_link($_dir . '/' . $f)) {
                $times[$f] = filemtime($_dir . '/' . $f);
            }
        }
        arsort($times);
        return array_map('strval', array_keys($times));
    }
}
