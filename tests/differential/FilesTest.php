<?php
/*
 * GET_FILES, REMOVE_FILE, REMOVE_FILES as upstream 1.20.6 answers them, on the same files laid out in both web
 * roots (the answers carry real paths: each web root's prefix is replaced by #root#), and the paths upstream
 * follows out of the application's folders (`..`, encoded forms, symbolic links, Jeedom's own files, another
 * phone's backups) that ours refuses, removing nothing.
 */
require_once __DIR__ . '/FilesTestCase.php';

class FilesTest extends FilesTestCase {
    public function testGetFilesListsTheUserImages() {
        $eq = $this->eq('Phone', $this->user('files', 'user'));
        $this->layFiles(self::IMAGES, array('a.png' => 'A', 'b.jpg' => 'BB', 'sub/c.png' => 'C', '.hidden' => 'H', 'avatar.webp' => 'W'));
        $key = $eq->getLogicalId();
        foreach (array(array('recursive' => true), array('recursive' => false), array('recursive' => true, 'prefixe' => 'a'),
            array('recursive' => 1, 'prefixe' => '')) as $opts) {
            list(, $ours) = $this->assertSameIn('GET_FILES', function () use ($key, $opts) {
                return array_merge(array('apiKey' => $key, 'folder' => self::IMAGES), $opts);
            });
            $this->assertSame('SET_FILES', $ours['result']['type']);
        }
        // all five visible files, the hidden one left out, real paths and modification times
        $all = $this->ours('GET_FILES', array('apiKey' => $key, 'folder' => self::IMAGES, 'recursive' => true));
        $this->assertSame(array('a.png', 'avatar.webp', 'b.jpg', 'sub/c.png'), array_map(function ($f) {
            return substr($f['path'], strlen(realpath(JC_TEST_WEB . self::IMAGES)) + 1);
        }, $all['result']['payload']['files']));
        $this->assertSame(self::MTIME, $all['result']['payload']['files'][0]['timestamp']);
        // prefix: the first level only, sub-folders listed whole (as upstream)
        $pre = $this->ours('GET_FILES', array('apiKey' => $key, 'folder' => self::IMAGES, 'recursive' => true, 'prefixe' => 'a'));
        $this->assertCount(3, $pre['result']['payload']['files']);
        // a missing folder inside the images lists nothing
        $this->assertSameAnswer('GET_FILES', array('apiKey' => $key, 'folder' => self::IMAGES . 'none/', 'recursive' => true));
        $this->assertSameAnswer('GET_FILES', array('apiKey' => 'not-a-key', 'folder' => self::IMAGES, 'recursive' => true));
    }

    public function testGetFilesOutsideTheApplicationFoldersIsRefused() {
        $owner = $this->eq('Phone', $this->user('files', 'user'));
        $other = $this->eq('Other', $this->user('other', 'user'));
        $key = $owner->getLogicalId();
        $this->layFiles('/plugins/JeedomConnect/data/backups/' . $other->getLogicalId() . '/', array('appPref-x-1.json' => '{}'));
        // upstream lists Jeedom's own configuration (database password file), the layouts named by every phone's
        // apiKey, another phone's backups
        foreach (array(self::IMAGES . '../../../../../core/config/' => false, '/core/config/' => false,
            '/plugins/JeedomConnect/data/backups/' . $other->getLogicalId() . '/' => false, '/plugins/JeedomConnect/data/backups/' => true,
            '/' => false) as $folder => $recursive) {
            $up = $this->upstream('GET_FILES', array('apiKey' => $key, 'folder' => $folder, 'recursive' => $recursive));
            $this->assertSame('SET_FILES', $up['result']['type'], json_encode($up));
            $this->assertNotSame(array(), $up['result']['payload']['files'], $folder);
            $msg = $this->assertOurRefusal('GET_FILES', array('apiKey' => $key, 'folder' => $folder, 'recursive' => $recursive));
            $this->assertMatchesRegularExpression('/path going up|outside the folders/', $msg, $folder);
        }
        // encoded `..`: upstream looks for a folder of that literal name (none: an empty list), ours refuses it
        foreach (array(self::IMAGES . '%2e%2e/%2e%2e/', self::IMAGES . '%252e%252e/x') as $folder) {
            $this->assertUpstreamSilentOursRefuses('GET_FILES', array('apiKey' => $key, 'folder' => $folder, 'recursive' => true),
                array('type' => 'SET_FILES', 'payload' => array('path' => $folder, 'files' => array())));
        }
        // no folder: upstream lists Jeedom's root
        $up = $this->upstream('GET_FILES', array('apiKey' => $key, 'recursive' => false));
        $this->assertContains(realpath(JC_UPSTREAM_ENV['UP_WEB']) . '/index.php', array_column($up['result']['payload']['files'], 'path'));
        $this->assertOurRefusal('GET_FILES', array('apiKey' => $key, 'recursive' => false));
        foreach (array(array('folder' => array('/')), array('folder' => ''), array('folder' => "/x\0y"), array('folder' => self::IMAGES, 'prefixe' => array('a'))) as $bad) {
            $this->assertOurRefusal('GET_FILES', array_merge(array('apiKey' => $key, 'recursive' => true), $bad));
        }
    }

    public function testSymbolicLinksLeadingOutAreNotFollowed() {
        $eq = $this->eq('Phone', $this->user('files', 'user'));
        $key = $eq->getLogicalId();
        $out = $this->outside();
        $this->layFiles(self::IMAGES, array('a.png' => 'A'));
        foreach (self::webRoots() as $who => $root) {
            symlink($out[$who], $root . self::IMAGES . 'linkdir');
            symlink($out[$who] . '/victim.txt', $root . self::IMAGES . 'link.png');
        }
        // upstream lists what the links point to, outside its folders; ours lists a.png only
        $up = $this->upstream('GET_FILES', array('apiKey' => $key, 'folder' => self::IMAGES, 'recursive' => true));
        $this->assertContains($out['upstream'] . '/victim.txt', array_column($up['result']['payload']['files'], 'path'));
        $ours = $this->ours('GET_FILES', array('apiKey' => $key, 'folder' => self::IMAGES, 'recursive' => true));
        $this->assertSame(array(realpath(JC_TEST_WEB . self::IMAGES . 'a.png')), array_column($ours['result']['payload']['files'], 'path'));
        $up = $this->upstream('GET_FILES', array('apiKey' => $key, 'folder' => self::IMAGES . 'linkdir/', 'recursive' => true));
        $this->assertSame($out['upstream'] . '/victim.txt', $up['result']['payload']['files'][0]['path']);
        $this->assertOurRefusal('GET_FILES', array('apiKey' => $key, 'folder' => self::IMAGES . 'linkdir/', 'recursive' => true));
        // removal through a link: refused, the file it points to stays
        $this->assertOurRefusal('REMOVE_FILE', array('apiKey' => $key, 'file' => realpath(JC_TEST_WEB . self::IMAGES) . '/link.png'));
        $this->assertOurRefusal('REMOVE_FILE', array('apiKey' => $key, 'file' => realpath(JC_TEST_WEB . self::IMAGES) . '/linkdir/victim.txt'));
        $this->assertFileExists($out['ours'] . '/victim.txt');
        $this->assertTrue(is_link(JC_TEST_WEB . self::IMAGES . 'link.png'));
    }

    public function testRemoveFileAnswersTheFolderListing() {
        $eq = $this->eq('Phone', $this->user('files', 'user'));
        $key = $eq->getLogicalId();
        $this->layFiles(self::IMAGES, array('a.png' => 'A', 'b.png' => 'B', 'sub/c.png' => 'C'));
        list(, $ours) = $this->assertSameIn('REMOVE_FILE', function ($root) use ($key) {
            return array('apiKey' => $key, 'file' => $root . self::IMAGES . 'a.png');
        });
        $this->assertSame('#root#' . self::IMAGES, $ours['result']['payload']['path'] . '/');
        $this->assertSame(array('#root#' . self::IMAGES . 'b.png', '#root#' . self::IMAGES . 'sub/c.png'), array_column($ours['result']['payload']['files'], 'path'));
        $this->assertFileDoesNotExist(JC_TEST_WEB . self::IMAGES . 'a.png');
        // a doubled slash is collapsed in the answer's path, as upstream does; a file already gone: the listing
        $this->assertSameIn('REMOVE_FILE', function ($root) use ($key) {
            return array('apiKey' => $key, 'file' => $root . '/plugins/JeedomConnect/data/img//user_files//sub/c.png');
        });
        $this->assertFileExists(JC_TEST_WEB . self::IMAGES . 'b.png');
    }

    public function testRemoveFileOutsideIsRefusedAndRemovesNothing() {
        $eq = $this->eq('Phone', $this->user('files', 'user'));
        $other = $this->eq('Other', $this->user('other', 'user'));
        $key = $eq->getLogicalId();
        $this->layFiles('/plugins/JeedomConnect/data/backups/' . $other->getLogicalId() . '/', array('appPref-x-1.json' => '{}'));
        $out = $this->outside();
        $cases = array(
            'traversal' => function ($root, $who) use ($out) {
                return $root . self::IMAGES . str_repeat('../', 20) . ltrim($out[$who], '/') . '/victim.txt';
            },
            'absolute' => function ($root, $who) use ($out) {
                return $out[$who] . '/victim.txt';
            },
            'other phone' => function ($root) use ($other) {
                return $root . '/plugins/JeedomConnect/data/backups/' . $other->getLogicalId() . '/appPref-x-1.json';
            },
        );
        foreach ($cases as $case => $path) {
            $up = $this->upstream('REMOVE_FILE', array('apiKey' => $key, 'file' => $path(self::webRoots()['upstream'], 'upstream')));
            $this->assertSame('SET_FILES', $up['result']['type'], $case . ' ' . json_encode($up));
            $this->assertFileDoesNotExist($path(self::webRoots()['upstream'], 'upstream'), 'upstream removed it: ' . $case);
            $this->assertOurRefusal('REMOVE_FILE', array('apiKey' => $key, 'file' => $path(self::webRoots()['ours'], 'ours')));
            $this->assertFileExists($path(self::webRoots()['ours'], 'ours'), 'ours kept it: ' . $case);
        }
        // the encoded form and a relative path are refused too
        $this->assertOurRefusal('REMOVE_FILE', array('apiKey' => $key, 'file' => realpath(JC_TEST_WEB . self::IMAGES) . '/%2e%2e/%2e%2e/x'));
        $this->assertOurRefusal('REMOVE_FILE', array('apiKey' => $key, 'file' => 'plugins/JeedomConnect/data/img/user_files/a.png'));
        $this->assertOurRefusal('REMOVE_FILE', array('apiKey' => $key, 'file' => realpath(JC_TEST_WEB . self::IMAGES)));
        $this->assertOurRefusal('REMOVE_FILE', array('apiKey' => $key));
        $this->assertDirectoryExists(JC_TEST_WEB . self::IMAGES);
    }

    public function testRemoveFilesWithAndWithoutPath() {
        $eq = $this->eq('Phone', $this->user('files', 'user'));
        $key = $eq->getLogicalId();
        $this->layFiles(self::IMAGES, array('a.png' => 'A', 'b.png' => 'B', 'c.png' => 'C', 'sub/d.png' => 'D'));
        list(, $ours) = $this->assertSameIn('REMOVE_FILES', function ($root) use ($key) {
            return array('apiKey' => $key, 'files' => array($root . self::IMAGES . 'a.png', $root . self::IMAGES . 'b.png'), 'path' => self::IMAGES);
        });
        $this->assertSame(self::IMAGES, $ours['result']['payload']['path']);
        $this->assertCount(2, $ours['result']['payload']['files']);
        list(, $ours) = $this->assertSameIn('REMOVE_FILES', function ($root) use ($key) {
            return array('apiKey' => $key, 'files' => array($root . self::IMAGES . 'sub/d.png'), 'path' => null);
        });
        $this->assertSame(array(), $ours['result']['payload']['files']);
        $this->assertSame(array('c.png'), array_values(array_diff(scandir(JC_TEST_WEB . self::IMAGES), array('.', '..', 'sub'))));
    }

    public function testRemoveFilesWithOnePathOutsideRemovesNone() {
        $eq = $this->eq('Phone', $this->user('files', 'user'));
        $key = $eq->getLogicalId();
        $this->layFiles(self::IMAGES, array('a.png' => 'A'));
        $out = $this->outside();
        $roots = self::webRoots();
        $params = function ($who) use ($key, $roots, $out) {
            return array('apiKey' => $key, 'files' => array($roots[$who] . self::IMAGES . 'a.png', $out[$who] . '/victim.txt'), 'path' => self::IMAGES);
        };
        $up = $this->upstream('REMOVE_FILES', $params('upstream'));
        $this->assertSame('SET_FILES', $up['result']['type']);
        $this->assertFileDoesNotExist($out['upstream'] . '/victim.txt', 'upstream removes outside its folders');
        $this->assertOurRefusal('REMOVE_FILES', $params('ours'));
        $this->assertFileExists($out['ours'] . '/victim.txt');
        $this->assertFileExists($roots['ours'] . self::IMAGES . 'a.png', 'a refused list removes nothing');
        // a listing path going out, an empty or malformed list
        $this->assertOurRefusal('REMOVE_FILES', array('apiKey' => $key, 'files' => array($roots['ours'] . self::IMAGES . 'a.png'), 'path' => '/core/config/'));
        $this->assertOurRefusal('REMOVE_FILES', array('apiKey' => $key, 'files' => array()));
        $this->assertOurRefusal('REMOVE_FILES', array('apiKey' => $key, 'files' => 'a.png'));
        $this->assertOurRefusal('REMOVE_FILES', array('apiKey' => $key, 'files' => array(array('x'))));
        $this->assertFileExists($roots['ours'] . self::IMAGES . 'a.png');
    }

    public function testAnImagesSettingLeadingOutFallsBackToTheDefaultFolder() {
        $key = $this->eq('Phone', $this->user('files', 'user'))->getLogicalId();
        $this->layFiles(self::IMAGES, array('a.png' => 'A'));
        // a folder holding the plugin's data (every phone's key), Jeedom's root, a way out of it: never the images
        foreach (array('plugins/' => '/plugins/', '' => '/', '../' => '/', 'plugins/JeedomConnect/data/' => '/plugins/JeedomConnect/data/') as $setting => $folder) {
            config::save('userImgPath', $setting, 'JeedomConnect');
            $this->assertOurRefusal('GET_FILES', array('apiKey' => $key, 'folder' => $folder, 'recursive' => true));
            $ours = $this->ours('GET_FILES', array('apiKey' => $key, 'folder' => self::IMAGES, 'recursive' => true));
            $this->assertSame(array(realpath(JC_TEST_WEB . self::IMAGES . 'a.png')), array_column($ours['result']['payload']['files'], 'path'), $setting);
        }
        // another folder of Jeedom's is the user's choice
        @mkdir(JC_TEST_WEB . '/data/jc-images', 0775, true);
        file_put_contents(JC_TEST_WEB . '/data/jc-images/b.png', 'B');
        config::save('userImgPath', 'data/jc-images/', 'JeedomConnect');
        $ours = $this->ours('GET_FILES', array('apiKey' => $key, 'folder' => '/data/jc-images/', 'recursive' => true));
        $this->assertSame(array(realpath(JC_TEST_WEB . '/data/jc-images/b.png')), array_column($ours['result']['payload']['files'], 'path'));
        // the default folder is then only the plugin's stock images: listed, not removed from
        $this->assertOurRefusal('REMOVE_FILE', array('apiKey' => $key, 'file' => realpath(JC_TEST_WEB . self::IMAGES . 'a.png')));
        $this->assertFileExists(JC_TEST_WEB . self::IMAGES . 'a.png');
        self::rmTree(JC_TEST_WEB . '/data/jc-images');
    }
}
