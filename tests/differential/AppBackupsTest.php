<?php
/*
 * SET_APP_CONFIG / GET_APP_CONFIG (app preference backups in data/backups/<apiKey>/) as upstream 1.20.6 writes and
 * reads them, and the daily trim to `bkpCount` backups per phone compared with upstream's own cron method; names and
 * ids that would lead out of the phone's folder are refused.
 */
require_once __DIR__ . '/FilesTestCase.php';

class AppBackupsTest extends FilesTestCase {
    const BACKUPS = '/plugins/JeedomConnect/data/backups/';

    private function dir($_root, $_eq) {
        return $_root . self::BACKUPS . $_eq->getLogicalId();
    }

    /** who => [file name => content] of the phone's backups in that web root */
    private function backups($_eq) {
        $r = array();
        foreach (self::webRoots() as $who => $root) {
            $r[$who] = array();
            foreach (glob($this->dir($root, $_eq) . '/*') as $f) {
                $r[$who][basename($f)] = file_get_contents($f);
            }
        }
        return $r;
    }

    /** the unix-time suffix of the only backup named $_name in that web root */
    private function idOf($_root, $_eq, $_name) {
        $m = glob($this->dir($_root, $_eq) . '/appPref-' . $_name . '-*.json');
        $this->assertCount(1, $m, $_name);
        return (int) preg_replace('/^.*-([0-9]+)\.json$/', '$1', $m[0]);
    }

    public function testSaveListAndReadBack() {
        $eq = $this->eq('Phone', $this->user('prefs', 'user'));
        $key = $eq->getLogicalId();
        $config = array('theme' => 'dark', 'pages' => array(array('id' => 1, 'name' => 'Accueil/été')), 'empty' => new stdClass(), 'n' => 1.5);
        $this->assertSameAnswer('SET_APP_CONFIG', array('apiKey' => $key, 'name' => 'Mes réglages', 'config' => $config));
        $read = array();
        foreach (self::webRoots() as $who => $root) {
            $read[$who] = $this->$who('GET_APP_CONFIG', array('apiKey' => $key, 'configId' => (string) $this->idOf($root, $eq, 'Mes réglages')));
        }
        $this->assertSame($read['upstream'], $read['ours']);
        $this->assertSame('{"type":"SET_APP_CONFIG","payload":{"config":{"theme":"dark","pages":[{"id":1,"name":"Accueil/été"}],"empty":[],"n":1.5}}}',
            json_encode($read['ours']['result'], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES));
        // without a name: the date and time of the day (two backups of the same second: both read the first by name)
        $this->assertSameAnswer('SET_APP_CONFIG', array('apiKey' => $key, 'config' => array('theme' => 'light')));
        $files = $this->backups($eq);
        // the same files, same contents (pretty JSON as upstream writes it); names differ only by the second
        $strip = function ($names) {
            return preg_replace('/-[0-9]+\.json$/', '-#time#.json', $names);
        };
        $this->assertSame($strip(array_keys($files['upstream'])), $strip(array_keys($files['ours'])));
        $this->assertSame(array_values($files['upstream']), array_values($files['ours']));
        $this->assertMatchesRegularExpression('/^appPref-[0-9]{2}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-#time#\.json$/', $strip(array_keys($files['ours']))[0]);
        // the app lists them with GET_FILES (prefix appPref), then reads one back by its time suffix
        list(, $ours) = $this->assertSameIn('GET_FILES', function () use ($key) {
            return array('apiKey' => $key, 'folder' => self::BACKUPS . $key, 'recursive' => false, 'prefixe' => 'appPref');
        }, array('result.payload.files.*.timestamp'));
        $this->assertCount(2, $ours['result']['payload']['files']);
        // the id as a number too; an id no backup has
        $id = $this->idOf(self::webRoots()['ours'], $eq, 'Mes réglages');
        $this->assertSame($this->ours('GET_APP_CONFIG', array('apiKey' => $key, 'configId' => (string) $id)),
            $this->ours('GET_APP_CONFIG', array('apiKey' => $key, 'configId' => $id)));
        $this->assertSameAnswer('GET_APP_CONFIG', array('apiKey' => $key, 'configId' => '123'));
        $this->assertSameAnswer('GET_APP_CONFIG', array('apiKey' => 'not-a-key', 'configId' => '123'));
    }

    public function testTheSamePreferencesReplaceTheNewestCopy() {
        $eq = $this->eq('Phone', $this->user('prefs', 'user'));
        $key = $eq->getLogicalId();
        $same = json_encode(array('a' => 1), JSON_PRETTY_PRINT);
        foreach (self::webRoots() as $root) {
            @mkdir($this->dir($root, $eq), 0775, true);
            file_put_contents($this->dir($root, $eq) . '/appPref-old-1000.json', $same);
            touch($this->dir($root, $eq) . '/appPref-old-1000.json', 1000);
            file_put_contents($this->dir($root, $eq) . '/appPref-older-900.json', $same);
            touch($this->dir($root, $eq) . '/appPref-older-900.json', 900);
        }
        $this->assertSameAnswer('SET_APP_CONFIG', array('apiKey' => $key, 'name' => 'new', 'config' => array('a' => 1)));
        $files = $this->backups($eq);
        foreach ($files as $who => $f) {
            $names = array_keys($f);
            $this->assertCount(2, $names, $who . ': ' . json_encode($names));
            $this->assertContains('appPref-older-900.json', $names, $who . ': only the newest copy goes');
            $this->assertStringStartsWith('appPref-new-', $names[0], $who);
        }
        // different preferences: kept beside
        $this->assertSameAnswer('SET_APP_CONFIG', array('apiKey' => $key, 'name' => 'other', 'config' => array('a' => 2)));
        $this->assertCount(3, $this->backups($eq)['ours']);
        // the same preferences twice in a row (within the same second or not): one backup of them stays
        $this->ours('SET_APP_CONFIG', array('apiKey' => $key, 'name' => 'twice', 'config' => array('t' => 1)));
        $this->ours('SET_APP_CONFIG', array('apiKey' => $key, 'name' => 'twice', 'config' => array('t' => 1)));
        $this->assertCount(1, glob($this->dir(self::webRoots()['ours'], $eq) . '/appPref-twice-*.json'));
    }

    public function testDailyTrimKeepsTheNewestAsUpstream() {
        $phones = array($this->eq('One', $this->user('prefs', 'user')), $this->eq('Two', $this->user('prefs2', 'user')));
        foreach (self::webRoots() as $root) {
            foreach ($phones as $n => $eq) {
                @mkdir($this->dir($root, $eq), 0775, true);
                for ($i = 1; $i <= 3 + $n; $i++) {
                    $f = $this->dir($root, $eq) . '/appPref-p' . $i . '-' . (1000 + $i) . '.json';
                    file_put_contents($f, '{}');
                    touch($f, 1000 + ($i * 7) % 5); // mtimes not in name order
                }
                file_put_contents($this->dir($root, $eq) . '/config-' . $eq->getLogicalId() . '.json', '{}');
            }
        }
        // "all" (upstream's default): nothing removed
        $before = $this->backups($phones[1]);
        $this->runUpstream('JeedomConnect::removeBackupFiles');
        JeedomConnect::cronDaily();
        $this->assertSame($before, $this->backups($phones[1]));
        config::save('bkpCount', '2', 'JeedomConnect');
        $this->runUpstream('JeedomConnect::removeBackupFiles');
        JeedomConnect::cronDaily();
        foreach ($phones as $eq) {
            $b = $this->backups($eq);
            $this->assertSame(array_keys($b['upstream']), array_keys($b['ours']));
            $this->assertCount(3, $b['ours'], 'two backups and the layout backup: ' . json_encode(array_keys($b['ours'])));
        }
        $this->assertSame(array('appPref-p2-1002.json', 'appPref-p4-1004.json', 'config-' . $phones[1]->getLogicalId() . '.json'), array_keys($this->backups($phones[1])['ours']));
    }

    /** A static method of upstream's plugin run by upstream's own code in its web root (as Jeedom's cron does). */
    private function runUpstream($_call) {
        $out = shell_exec('php ' . escapeshellarg(__DIR__ . '/upstream-call.php') . ' ' . escapeshellarg(JC_UPSTREAM_ENV['UP_WEB'])
            . ' ' . escapeshellarg($_call) . ' 2>&1');
        $this->assertSame("done\n", substr((string) $out, -5), (string) $out);
    }

    public function testBadNamesAndIdsAreRefused() {
        $eq = $this->eq('Phone', $this->user('prefs', 'user'));
        $key = $eq->getLogicalId();
        // a name with a folder: upstream cannot write it and still answers success; ours says why
        foreach (array('a/b', '../../../../../../tmp/x', "x\ny") as $name) {
            $this->assertUpstreamSilentOursRefuses('SET_APP_CONFIG', array('apiKey' => $key, 'name' => $name, 'config' => array('a' => 1)),
                array('type' => 'GET_APP_CONFIG'));
        }
        $this->assertOurRefusal('SET_APP_CONFIG', array('apiKey' => $key, 'name' => array('x'), 'config' => array()));
        $this->assertOurRefusal('SET_APP_CONFIG', array('apiKey' => $key, 'name' => str_repeat('n', 101), 'config' => array()));
        $this->assertSame(array(), $this->backups($eq)['ours']);
        // an id with a wildcard: upstream answers the first backup it finds, ours wants the number of one
        $this->assertSameAnswer('SET_APP_CONFIG', array('apiKey' => $key, 'name' => 'p', 'config' => array('a' => 1)));
        $this->assertUpstreamSilentOursRefuses('GET_APP_CONFIG', array('apiKey' => $key, 'configId' => '*'),
            array('type' => 'SET_APP_CONFIG', 'payload' => array('config' => array('a' => 1))));
        foreach (array('1/../1', array(1), null, '') as $id) {
            $this->assertOurRefusal('GET_APP_CONFIG', array('apiKey' => $key, 'configId' => $id));
        }
        // another phone's backup is not read with this phone's key
        self::rmTree($this->dir(self::webRoots()['ours'], $eq));
        $other = $this->eq('Other', $this->user('other', 'user'));
        $this->ours('SET_APP_CONFIG', array('apiKey' => $other->getLogicalId(), 'name' => 'secret', 'config' => array('s' => 1)));
        $id = $this->idOf(self::webRoots()['ours'], $other, 'secret');
        $this->assertSame("Le fichier n'existe plus.", $this->ours('GET_APP_CONFIG', array('apiKey' => $key, 'configId' => (string) $id))['result']['payload']['message']);
    }
}
