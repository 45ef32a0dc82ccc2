<?php
/*
 * JeedomConnect - the phone's files on Jeedom (docs/api-methods.md, "Files"): GET_FILES, REMOVE_FILE, REMOVE_FILES,
 * and the folders every file path from outside is confined to. A phone reaches two folders only: the user images
 * (plugin setting userImgPath, relative to Jeedom's root) and its own app-preference backups
 * (data/backups/<apiKey>/); it may also list (not remove) the plugin's stock images (data/img). A path naming
 * anything else (`..` segments, also URL-encoded, a symbolic link or a
 * folder leading out, another phone's backups, Jeedom's own files) is refused with a clear error before anything is
 * read or removed.
 */
class JeedomConnectFiles {
    /** the user images folder when the setting is empty or unusable */
    const DEFAULT_IMAGES = 'plugins/JeedomConnect/data/img/user_files/';
    /** longest path accepted from the app */
    const MAX_PATH = 1024;

    /** Jeedom's root folder (real path, no trailing slash). */
    public static function jeedomRoot() {
        return realpath(__DIR__ . '/../../../..');
    }

    /** The plugin's data folder (real path of the plugin + /data, which may not exist yet). */
    public static function dataDir() {
        return realpath(__DIR__ . '/../..') . '/data';
    }

    /** The user images folder: userImgPath under Jeedom's root, resolved; the default folder when the setting would
     * lead out of Jeedom's root, to the root itself or to a folder holding the plugin's data (other phones' keys). */
    public static function imagesDir() {
        $setting = (string) JeedomConnectConfig::get('userImgPath', self::DEFAULT_IMAGES);
        $dir = self::safeSetting($setting);
        return $dir !== null ? $dir : self::resolve(self::jeedomRoot() . '/' . self::DEFAULT_IMAGES);
    }

    private static function safeSetting($_setting) {
        if (self::hasTraversal($_setting) || strpos($_setting, "\0") !== false) {
            return null;
        }
        $root = self::jeedomRoot();
        $dir = self::resolve($root . '/' . ltrim($_setting, '/'));
        if ($dir === null || !self::isUnder($dir, $root) || $dir === $root || self::isUnder(self::resolve(self::dataDir()), $dir)) {
            return null;
        }
        return $dir;
    }

    /** The phone's own backups folder (data/backups/<apiKey>). */
    public static function backupsDir($_eq) {
        return self::resolve(self::dataDir() . '/backups/' . $_eq->getLogicalId());
    }

    /** The folders this phone may list and remove files in. */
    public static function roots($_eq) {
        return array_values(array_filter(array(self::imagesDir(), self::backupsDir($_eq))));
    }

    /** The folders this phone may list: its roots and the plugin's stock images. */
    public static function listRoots($_eq) {
        return array_values(array_filter(array_merge(self::roots($_eq), array(self::resolve(self::dataDir() . '/img')))));
    }

    /* ---------------- API methods ---------------- */

    /** GET_FILES {folder (relative to Jeedom's root), recursive, prefixe?} -> SET_FILES {path: folder as sent, files} */
    public static function get(JeedomConnectApi $_api) {
        $folder = self::pathParam($_api->param('folder'), 'folder');
        $prefix = $_api->param('prefixe');
        if ($prefix !== null && !is_string($prefix)) {
            throw new Exception('prefixe: a text is expected');
        }
        $dir = self::confine(self::jeedomRoot() . '/' . ltrim($folder, '/'), $_api->eq(), 'folder', true);
        return self::answer($folder, self::listing($dir, self::flag($_api->param('recursive')), $prefix, self::listRoots($_api->eq())));
    }

    /** REMOVE_FILE {file (absolute path)} -> SET_FILES of its folder (absolute, recursive) */
    public static function removeOne(JeedomConnectApi $_api) {
        $file = self::pathParam($_api->param('file'), 'file');
        $real = self::removable($file, $_api->eq());
        self::unlinkAll(array($real));
        $folder = preg_replace('#/+#', '/', dirname($file));
        return self::answer($folder, self::listing(self::confine($folder, $_api->eq(), 'file'), true, null, self::roots($_api->eq())));
    }

    /** REMOVE_FILES {files[] (absolute paths), path? (relative)} -> SET_FILES of path, or of the first file's folder */
    public static function removeMany(JeedomConnectApi $_api) {
        $files = $_api->param('files');
        if (!is_array($files) || $files === array() || array_keys($files) !== range(0, count($files) - 1)) {
            throw new Exception('files: a non-empty list of file paths is expected');
        }
        $eq = $_api->eq();
        $path = $_api->param('path');
        if ($path !== null) {
            $path = self::pathParam($path, 'path');
            $dir = self::confine(self::jeedomRoot() . '/' . ltrim($path, '/'), $eq, 'path');
        }
        $reals = array();
        foreach ($files as $i => $f) {
            $reals[] = self::removable(self::pathParam($f, 'files[' . $i . ']'), $eq);
        }
        // every path checked before the first removal: a refused list removes nothing
        self::unlinkAll($reals);
        if ($path === null) {
            $path = preg_replace('#/+#', '/', dirname($files[0]));
            $dir = self::confine($path, $eq, 'files[0]');
        }
        return self::answer($path, self::listing($dir, true, null, self::roots($eq)));
    }

    /* ---------------- listing ---------------- */

    public static function answer($_path, $_files) {
        return array('type' => 'SET_FILES', 'payload' => array('path' => $_path, 'files' => $_files));
    }

    /**
     * The non-hidden files of $_dir as [{path (real path), timestamp (mtime)}], sorted by path; with $_recursive
     * those of its sub-folders too (the prefix filters the first level only, as upstream does). Entries whose real
     * path leaves $_roots (symbolic links pointing out) are not listed. A missing folder lists nothing.
     */
    public static function listing($_dir, $_recursive, $_prefix, array $_roots) {
        $out = array();
        if (!is_dir($_dir)) {
            return $out;
        }
        $names = (array) @scandir($_dir);
        sort($names, SORT_STRING);
        foreach ($names as $name) {
            if ($name === '' || $name[0] === '.') {
                continue;
            }
            $real = realpath($_dir . '/' . $name);
            if ($real === false || !self::isUnderAny($real, $_roots)) {
                continue;
            }
            if (is_dir($real)) {
                if ($_recursive) {
                    $out = array_merge($out, self::listing($real, true, null, $_roots));
                }
                continue;
            }
            if ($_prefix !== null && $_prefix !== '' && strpos($name, $_prefix) !== 0) {
                continue;
            }
            $out[] = array('path' => $real, 'timestamp' => filemtime($real));
        }
        return $out;
    }

    /* ---------------- confinement ---------------- */

    /** A path parameter: a non-empty text without NUL, of reasonable length, without `..` segments. */
    public static function pathParam($_v, $_name) {
        if (!is_string($_v) || $_v === '') {
            throw new Exception($_name . ': a path is expected');
        }
        if (strlen($_v) > self::MAX_PATH || strpos($_v, "\0") !== false) {
            throw new Exception($_name . ': not a valid path');
        }
        if (self::hasTraversal($_v)) {
            throw new Exception($_name . ': a path going up (..) is refused');
        }
        return $_v;
    }

    /** Whether the path has a `..` segment, as written or once (or twice) URL-decoded. */
    public static function hasTraversal($_path) {
        $p = $_path;
        for ($i = 0; $i < 3; $i++) {
            foreach (preg_split('#[/\\\\]+#', $p) as $seg) {
                if (trim($seg) === '..') {
                    return true;
                }
            }
            $p = rawurldecode($p);
        }
        return false;
    }

    /** The real form of $_abs (resolved through links; its missing tail kept as written), or null. */
    public static function resolve($_abs) {
        $abs = preg_replace('#/+#', '/', $_abs);
        $tail = '';
        while ($abs !== '' && $abs !== '/' && !file_exists($abs)) {
            if (is_link($abs)) {
                return null; // a dangling link: where it leads cannot be checked
            }
            $tail = '/' . basename($abs) . $tail;
            $abs = dirname($abs);
        }
        $real = realpath($abs === '' ? '/' : $abs);
        if ($real === false) {
            return null;
        }
        return rtrim($real, '/') . $tail;
    }

    public static function isUnder($_path, $_root) {
        return $_path !== null && $_root !== null && ($_path === $_root || strpos($_path, rtrim($_root, '/') . '/') === 0);
    }

    private static function isUnderAny($_path, array $_roots) {
        foreach ($_roots as $r) {
            if (self::isUnder($_path, $r)) {
                return true;
            }
        }
        return false;
    }

    /** The real path of $_abs when it lies in one of the phone's folders (also those it may only list, with
     * $_listing); an exception otherwise. */
    public static function confine($_abs, $_eq, $_name, $_listing = false) {
        if ($_abs === '' || $_abs[0] !== '/') {
            throw new Exception($_name . ': an absolute path is expected');
        }
        $real = self::resolve($_abs);
        if ($real === null || !self::isUnderAny($real, $_listing ? self::listRoots($_eq) : self::roots($_eq))) {
            throw new Exception($_name . ': outside the folders of the application (user images, its backups)');
        }
        return $real;
    }

    /** The real path of a file the phone may remove. */
    private static function removable($_file, $_eq) {
        $real = self::confine($_file, $_eq, 'file');
        if (is_link($_file) || !is_file($real)) {
            if (!file_exists($_file) && !is_link($_file)) {
                return null; // already gone: nothing to remove (upstream answers the listing too)
            }
            throw new Exception('file: not a file');
        }
        return $real;
    }

    private static function unlinkAll(array $_reals) {
        foreach ($_reals as $real) {
            if ($real !== null && !@unlink($real)) {
                throw new Exception('Unable to remove ' . basename($real));
            }
        }
    }

    /** upstream's truthiness of the recursive flag */
    private static function flag($_v) {
        return !empty($_v);
    }
}
