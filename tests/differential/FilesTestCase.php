<?php
/*
 * Base of the file tests (FilesTest, AppBackupsTest, UploadTest): the same files laid out in both web roots (our
 * plugin's and upstream's), answers compared once each web root's real path is replaced by #root#, scratch folders
 * outside both roots for the files a phone must never reach.
 */
abstract class FilesTestCase extends JcDiffTestCase {
    const IMAGES = '/plugins/JeedomConnect/data/img/user_files/';
    const MTIME = 1700000000;

    /** who => real path of that plugin's web root */
    protected static function webRoots() {
        return array('upstream' => realpath(JC_UPSTREAM_ENV['UP_WEB']), 'ours' => realpath(JC_TEST_WEB));
    }

    /** who => a scratch folder outside both web roots, for files a phone must never reach */
    protected function outside() {
        $dirs = array();
        foreach (array('upstream', 'ours') as $who) {
            $d = JC_TEST_BASE . '/outside-' . $who;
            self::rmTree($d);
            mkdir($d, 0775, true);
            file_put_contents($d . '/victim.txt', 'keep me');
            $dirs[$who] = realpath($d);
        }
        return $dirs;
    }

    protected function setUp(): void {
        parent::setUp();
        config::save('userImgPath', ltrim(self::IMAGES, '/'), 'JeedomConnect');
        config::remove('bkpCount', 'JeedomConnect');
        foreach (self::webRoots() as $root) {
            self::rmTree($root . '/plugins/JeedomConnect/data/backups');
            self::rmTree($root . self::IMAGES);
            mkdir($root . self::IMAGES, 0775, true);
        }
    }

    public static function rmTree($_dir) {
        if (is_link($_dir) || is_file($_dir)) {
            unlink($_dir);
            return;
        }
        if (!is_dir($_dir)) {
            return;
        }
        foreach (array_diff(scandir($_dir), array('.', '..')) as $f) {
            self::rmTree($_dir . '/' . $f);
        }
        rmdir($_dir);
    }

    /** The same files (same names, contents, times) in both web roots, under $_rel (relative to the root). */
    protected function layFiles($_rel, array $_files) {
        foreach (self::webRoots() as $root) {
            foreach ($_files as $name => $content) {
                $p = $root . $_rel . $name;
                @mkdir(dirname($p), 0775, true);
                file_put_contents($p, $content);
                touch($p, self::MTIME);
            }
        }
    }

    /** An answer with each web root's prefix replaced by #root#, files in path order. */
    protected static function normalised($_answer) {
        $json = json_encode($_answer, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        foreach (self::webRoots() as $root) {
            $json = str_replace($root, '#root#', $json);
        }
        $a = json_decode($json, true);
        $payload = isset($a['result']) ? $a['result']['payload'] ?? null : $a['payload'] ?? null;
        if (isset($payload['files']) && is_array($payload['files'])) {
            usort($payload['files'], function ($x, $y) {
                return strcmp($x['path'], $y['path']);
            });
            isset($a['result']) ? $a['result']['payload'] = $payload : $a['payload'] = $payload;
        }
        return self::sorted($a);
    }

    /**
     * The request built for each web root by $_params(root, who) sent to upstream then ours; the normalised answers
     * must be equal once the fields at $_mask are masked. Returns [upstream answer, our answer] (normalised).
     */
    protected function assertSameIn($_method, callable $_params, $_mask = array()) {
        $a = array();
        foreach (self::webRoots() as $who => $root) {
            $a[$who] = self::masked(self::normalised($this->$who($_method, $_params($root, $who))), $_mask);
        }
        $this->assertSame($a['upstream'], $a['ours'], $_method . ": ours differs from upstream 1.20.6\nupstream: "
            . json_encode($a['upstream']) . "\nours:     " . json_encode($a['ours']));
        return array($a['upstream'], $a['ours']);
    }
}
