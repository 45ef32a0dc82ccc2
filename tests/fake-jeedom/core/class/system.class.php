<?php
/* Fake Jeedom core: system::kill (pid: SIGTERM then SIGKILL if that fails; pattern: pgrep), getArch, getCmdSudo. */
class system {
    public static function kill($_find = '', $_kill9 = true) {
        if (is_numeric($_find)) {
            if (@posix_kill((int) $_find, 15)) {
                return true;
            }
            return $_kill9 ? @posix_kill((int) $_find, 9) : false;
        }
        if ($_find === '') {
            return false;
        }
        exec('pgrep -f ' . escapeshellarg($_find), $pids);
        foreach ($pids as $pid) {
            if ((int) $pid !== getmypid()) {
                @posix_kill((int) $pid, 9);
            }
        }
        return true;
    }

    public static function getCmdSudo() {
        return '';
    }

    public static function getArch() {
        $m = php_uname('m');
        $map = array('x86_64' => 'amd64', 'aarch64' => 'arm64', 'armv7l' => 'arm', 'armv6l' => 'arm');
        return isset($map[$m]) ? $map[$m] : $m;
    }
}
