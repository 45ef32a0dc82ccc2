<?php
/*
 * JeedomConnect - the app's image upload (core/api/upload.api.php; docs/api-methods.md, "Image upload"): a
 * multipart POST with the phone's apiKey and image files, stored in the user images folder
 * (JeedomConnectFiles::imagesDir) under their own names; the answer lists that folder as upstream 1.20.6 does.
 * Only images (PNG, JPEG, GIF, WebP, checked by extension AND content), at most MAX_BYTES each (or PHP's
 * upload_max_filesize when lower), plain names (no folder, not hidden): every file is checked before the first one is stored, so a refused
 * request stores nothing. The apiKey is never logged.
 */
class JeedomConnectUpload {
    const MAX_BYTES = 10485760;
    const MAX_NAME = 200;
    /** extension => the image type its content must have (getimagesize) */
    private static $types = array('png' => IMAGETYPE_PNG, 'jpg' => IMAGETYPE_JPEG, 'jpeg' => IMAGETYPE_JPEG,
        'gif' => IMAGETYPE_GIF, 'webp' => IMAGETYPE_WEBP);

    /**
     * @param array $_post $_POST (apiKey)
     * @param array $_files $_FILES
     * @return array [HTTP status, answer (SET_FILES or EXCEPTION)]
     */
    public static function handle(array $_post, array $_files) {
        $eq = JeedomConnectDevice::byApiKey(isset($_post['apiKey']) && is_string($_post['apiKey']) ? $_post['apiKey'] : '');
        if ($eq === null) {
            return self::refuse(403, "Can't find eqLogic");
        }
        if ($eq->getIsEnable() != 1) {
            return self::refuse(403, 'equipment disabled');
        }
        $dir = JeedomConnectFiles::imagesDir();
        $checked = array();
        foreach ($_files as $field => $f) {
            $err = self::check($f);
            if ($err !== null) {
                return self::refuse($err[0], (is_array($f) && isset($f['name']) && is_string($f['name']) ? $f['name'] : (string) $field) . ': ' . $err[1]);
            }
            $target = $dir . '/' . $f['name'];
            if (is_link($target) || (file_exists($target) && !is_file($target))) {
                return self::refuse(409, $f['name'] . ': a link or a folder of that name is in the way');
            }
            $checked[] = array($f['tmp_name'], $target, $f['name']);
        }
        if (!is_dir($dir) && !@mkdir($dir, 0775, true)) {
            return self::refuse(500, 'the user images folder cannot be created');
        }
        foreach ($checked as $c) {
            if (!move_uploaded_file($c[0], $c[1])) {
                return self::refuse(500, $c[2] . ': could not be stored');
            }
            log::add('JeedomConnect', 'debug', '[UPLOAD] ' . $eq->getHumanName() . ' : image ' . $c[2] . ' (' . filesize($c[1]) . ' octets)');
        }
        // the folder as upstream names it (from its own core/api folder, not normalised), then the real listing
        $shown = realpath(__DIR__ . '/..') . '/api/../../../../' . ltrim(self::shownSetting(), '/');
        return array(200, JeedomConnectFiles::answer($shown, JeedomConnectFiles::listing($dir, true, null, array($dir))));
    }

    /** null when the uploaded file is acceptable, else [HTTP status, reason] */
    private static function check($_f) {
        if (!is_array($_f) || !isset($_f['name'], $_f['tmp_name'], $_f['error'], $_f['size']) || is_array($_f['name'])) {
            return array(400, 'one file per form field is expected');
        }
        if ($_f['error'] === UPLOAD_ERR_INI_SIZE || $_f['error'] === UPLOAD_ERR_FORM_SIZE || (int) $_f['size'] > self::limit()) {
            return array(413, 'too large (at most ' . self::limit() . ' bytes per image)');
        }
        if ($_f['error'] !== UPLOAD_ERR_OK) {
            return array(400, 'upload incomplete (PHP error ' . (int) $_f['error'] . ')');
        }
        $name = $_f['name'];
        if ($name === '' || strlen($name) > self::MAX_NAME || $name[0] === '.' || preg_match('#[/\\\\\x00-\x1f]#', $name)
            || JeedomConnectFiles::hasTraversal($name) || !mb_check_encoding($name, 'UTF-8')) {
            return array(400, 'not a plain file name (no folder, not hidden, at most ' . self::MAX_NAME . ' characters)');
        }
        $ext = strtolower(pathinfo($name, PATHINFO_EXTENSION));
        if (!isset(self::$types[$ext])) {
            return array(415, 'only images are accepted (' . implode(', ', array_keys(self::$types)) . ')');
        }
        $info = @getimagesize($_f['tmp_name']);
        if (!is_array($info) || $info[2] !== self::$types[$ext]) {
            return array(415, 'the content is not a ' . strtoupper($ext) . ' image');
        }
        return null;
    }

    /** the per-image limit: ours, or PHP's when lower */
    public static function limit() {
        return min(self::MAX_BYTES, self::iniBytes('upload_max_filesize'));
    }

    private static function iniBytes($_key) {
        $v = trim((string) ini_get($_key));
        if ($v === '' || $v === '0' || $v === '-1') {
            return PHP_INT_MAX;
        }
        $n = (int) $v;
        switch (strtolower(substr($v, -1))) {
            case 'g': $n *= 1024;
            // fall through
            case 'm': $n *= 1024;
            // fall through
            case 'k': $n *= 1024;
        }
        return $n;
    }

    private static function shownSetting() {
        $setting = (string) JeedomConnectConfig::get('userImgPath', JeedomConnectFiles::DEFAULT_IMAGES);
        $root = JeedomConnectFiles::jeedomRoot();
        return JeedomConnectFiles::resolve($root . '/' . ltrim($setting, '/')) === JeedomConnectFiles::imagesDir()
            ? $setting : JeedomConnectFiles::DEFAULT_IMAGES;
    }

    private static function refuse($_status, $_message) {
        log::add('JeedomConnect', 'warning', '[UPLOAD] refusé : ' . $_message);
        return array($_status, array('type' => 'EXCEPTION', 'payload' => array('message' => $_message)));
    }
}
