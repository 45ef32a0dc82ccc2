<?php
/*
 * JeedomConnect - pushes to a phone through the notification service (docs/notifications.md): the payload
 * (DISPLAY_NOTIF of a notification command, ASK_ALREADY_ANSWERED, SET_NOTIFS_CONFIG, ACTIONS) completed as the
 * previous plugin completes it (the notification's settings, time, test content, attachment URLs, the iOS block),
 * then handed to the transport: Jeedom Connect's own sender program (resources/sendNotif/<tag>_<asset>, the one
 * the previous plugin installed; it holds the credentials of the app's push service), run with the phone's token,
 * platform, type and payload as its arguments. The transport is replaceable (setTransport) so that tests capture
 * the exact request. Every failure is an exception and an error in the plugin's log; the token and the user's
 * hash never reach the log.
 */
class JeedomConnectNotifSender {
    const PLUGIN = 'JeedomConnect';
    /** Release tag of the sender program (the previous plugin's version.json tag_notifBin_stable/beta). */
    const BIN_TAG = 'vNotif_2';
    /** Longest a send may take before the sender program is stopped. */
    const TIMEOUT_S = 60;

    /** @var callable|null function(array $argv): array(int $exitCode, string $output) */
    private static $transport = null;

    /** Tests: capture the sender's command line instead of running it (null = the real program). */
    public static function setTransport($_transport) {
        self::$transport = $_transport;
    }

    /** The sender program's asset name for this machine's architecture (as published by Jeedom Connect). */
    public static function asset($_machine = null) {
        $m = $_machine === null ? php_uname('m') : $_machine;
        $assets = array('x86_64' => 'sendNotif_x64', 'armv7l' => 'sendNotif_arm', 'aarch64' => 'sendNotif_arm64', 'i686' => 'sendNotif_x32');
        if (!isset($assets[$m])) {
            throw new Exception(__('Architecture non prise en charge par l\'envoi des notifications', __FILE__) . ' : ' . $m);
        }
        return $assets[$m];
    }

    public static function binaryPath() {
        return realpath(__DIR__ . '/../..') . '/resources/sendNotif/' . self::BIN_TAG . '_' . self::asset();
    }

    /**
     * Sends one push to the equipment's phone. $_notifId: the notification whose settings complete the payload
     * (a notification command's logicalId; no match = none). Throws on any failure (logged as an error).
     */
    public static function send($_eq, $_notifId, array $_data, $_cmdId = null) {
        $what = $_data['type'] . ' -> ' . $_eq->getHumanName() . ($_cmdId === null ? '' : ' [cmd ' . $_cmdId . ']');
        try {
            $token = (string) $_eq->getConfiguration('token', '');
            if ($token === '') {
                throw new Exception(__('aucun jeton de notification pour cet équipement : ouvrez l\'application sur le téléphone pour qu\'elle le transmette', __FILE__));
            }
            $os = (string) $_eq->getConfiguration('platformOs', '');
            $payload = self::payload($_eq, $_notifId, $_data);
            $argv = array(self::binaryPathChecked(), '-token=' . $token, '-os=' . $os, '-type=' . $_data['type'],
                '-payload=' . json_encode($payload, JSON_HEX_APOS));
            log::add(self::PLUGIN, 'debug', 'Notification ' . $what . ' : ' . self::hideSecrets(json_encode($payload, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES)));
            list($code, $output) = call_user_func(self::$transport === null ? array(__CLASS__, 'run') : self::$transport, $argv);
            self::checkOutput($code, (string) $output, $token);
        } catch (Exception $e) {
            $msg = __('Echec de l\'envoi de la notification', __FILE__) . ' ' . $what . ' : ' . $e->getMessage();
            log::add(self::PLUGIN, 'error', $msg);
            throw new Exception($msg);
        }
        log::add(self::PLUGIN, 'info', 'Notification ' . $what . ' envoyée');
    }

    /** The payload as it is sent: the caller's, the notification's settings, time, and DISPLAY_NOTIF completion. */
    public static function payload($_eq, $_notifId, array $_data) {
        $payload = is_array($_data['payload']) ? $_data['payload'] : array();
        foreach (JeedomConnectNotifs::read($_eq)['notifs'] as $notif) {
            if (!is_array($notif) || !isset($notif['id']) || $notif['id'] != $_notifId) {
                continue;
            }
            unset($notif['name']);
            if (isset($notif['actions']) && is_array($notif['actions'])) {
                foreach ($notif['actions'] as $i => $action) {
                    if (is_array($action) && isset($action['name'])) {
                        $notif['actions'][$i]['name'] = str_replace("'", '&#039;', (string) $action['name']);
                    }
                }
            }
            $payload = array_merge($payload, $notif);
        }
        $payload['time'] = time();
        if ($_data['type'] !== 'DISPLAY_NOTIF') {
            return $payload;
        }
        $payload = self::display($_eq, $payload);
        if ($_eq->getConfiguration('platformOs', '') === 'ios') {
            $payload['display_options'] = self::iosDisplay($payload);
        }
        return $payload;
    }

    /** DISPLAY_NOTIF content: test message, question title, attachment URLs, the iOS category. */
    private static function display($_eq, array $p) {
        $title = isset($p['title']) ? $p['title'] : null;
        $message = isset($p['message']) ? $p['message'] : null;
        if (((string) $title === '' && (string) $message === '') || $title === '[Jeedom] Message de test') {
            $p['title'] = '<span style="color: #4caf50;"><b>Message test</b></span> &#128576;';
            $p['message'] = '&#127881; Tout est <span style="color: #ffffff; background-color: #9c27b0"><i>personnalisable</i></span> dans '
                . '<a href="https://jeedomconnect-team.github.io/jc-doc/docs/documentation/intro">Jeedom Connect</a> ! &#127881;';
            if (!isset($p['actions'])) {
                $p['actions'] = array(array('name' => 'Yeah !', 'id' => 'test', 'type' => 'cancel'));
            }
            if (empty($p['image'])) {
                $p['image'] = array('source' => 'jc', 'name' => 'favorites.webp');
            }
        }
        $answer = isset($p['answer']) ? $p['answer'] : null;
        if ($answer !== null && empty($p['title'])) {
            $p['title'] = 'Question de ' . config::byKey('name', 'core', 'Jeedom');
        }
        if (isset($p['files'])) {
            $p['files'] = self::fileUrls($_eq, $p['files']);
        }
        if ($_eq->getConfiguration('platformOs', '') === 'ios') {
            $p['category'] = array(array('id' => isset($p['id']) ? $p['id'] : null, 'actions' => self::iosActions($_eq, $p)));
        }
        return $p;
    }

    /** Absolute paths -> Jeedom's downloadFile.php URLs for the equipment's user (images and videos get &t=). */
    private static function fileUrls($_eq, array $_files) {
        if ($_files === array()) {
            return $_files;
        }
        $user = user::byId($_eq->getConfiguration('userId'));
        if (!is_object($user)) {
            throw new Exception(__('pièces jointes impossibles : aucun utilisateur configuré sur l\'équipement', __FILE__));
        }
        $base = JeedomConnectConfig::get('httpUrl', JeedomConnectConfig::defaultHttpUrl()) . '/core/php/downloadFile.php?apikey=' . $user->getHash() . '&pathfile=';
        $media = array('gif', 'jpeg', 'jpg', 'png', 'wepb', 'avi', 'mpeg', 'mpg', 'mkv', 'mp4', 'mpe');
        $urls = array();
        foreach ($_files as $path) {
            $url = $base . $path;
            if (in_array(pathinfo($path, PATHINFO_EXTENSION), $media, true)) {
                $url .= '&t=' . round(microtime(true) * 10000);
            }
            $urls[] = $url;
        }
        return $urls;
    }

    /** iOS buttons: the notification's actions, or the answers of a question, then "go to" page/widget buttons. */
    private static function iosActions($_eq, array $p) {
        $actions = array();
        $answer = isset($p['answer']) ? $p['answer'] : null;
        if ($answer === null && isset($p['actions']) && is_array($p['actions'])) {
            foreach ($p['actions'] as $a) {
                $actions[] = array('id' => $a['id'] ?? null, 'title' => $a['name'] ?? null, 'type' => $a['type'] ?? null);
            }
        }
        if (is_array($answer) && count($answer) > 0) {
            $actions = array(array('title' => 'Répondre', 'id' => $p['cmdId'], 'input' => true, 'type' => 'askReply'));
            foreach ($answer as $a) {
                $actions[] = array('id' => $a, 'title' => $a, 'type' => 'askReply');
            }
        }
        $options = isset($p['options']) && is_array($p['options']) ? $p['options'] : array();
        if (isset($options['gotoPageId'])) {
            $config = JeedomConnectLayout::generated($_eq);
            $pageId = intval($options['gotoPageId']);
            foreach (array('tabs', 'sections', 'rooms') as $list) {
                $items = isset($config['payload'][$list]) && is_array($config['payload'][$list]) ? $config['payload'][$list] : array();
                $i = array_search($pageId, array_column($items, 'id'));
                if ($i !== false) {
                    $actions[] = array('id' => 'gotoPageId', 'title' => 'Page ' . $items[$i]['name'], 'foreground' => true);
                    break;
                }
            }
        }
        if (isset($options['gotoWidgetId'])) {
            $config = JeedomConnectLayout::generated($_eq);
            $widgets = isset($config['payload']['widgets']) && is_array($config['payload']['widgets']) ? $config['payload']['widgets'] : array();
            $i = array_search($options['gotoWidgetId'], array_column($widgets, 'widgetId'));
            if ($i !== false) {
                $actions[] = array('id' => 'gotoWidgetId', 'title' => 'Widget ' . $widgets[$i]['name'], 'foreground' => true);
            }
        }
        return $actions;
    }

    /** The block iOS displays natively (no HTML). */
    private static function iosDisplay(array $p) {
        $text = function ($_v, $_flags) {
            return trim(urldecode(html_entity_decode(strip_tags((string) $_v), $_flags)));
        };
        $title = isset($p['title']) ? $p['title'] : null;
        $message = isset($p['message']) ? $p['message'] : null;
        $d = array(
            'title' => $title == $message ? '' : $text($title, ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML401),
            'body' => $text($message, ENT_QUOTES),
        );
        $d['ios'] = array('categoryId' => isset($p['id']) ? $p['id'] : null, 'timestamp' => $p['time'] * 1000, 'sound' => 'default');
        if (isset($p['critical']) && $p['critical'] == true) {
            $d['ios']['critical'] = true;
            $d['ios']['criticalVolume'] = (isset($p['criticalVolume']) && $p['criticalVolume'] != null) ? $p['criticalVolume'] : 0.9; // 0 too, as the app has it
        }
        if (isset($p['files']) && is_array($p['files']) && count($p['files']) > 0) {
            $d['ios']['attachments'] = array_map(function ($_u) {
                return array('url' => $_u);
            }, $p['files']);
        }
        $d['data'] = array('extraData' => json_encode(array(
            'actions' => $p['category'][0]['actions'],
            'notificationId' => isset($p['id']) ? $p['id'] : null,
            'otherAskCmdId' => isset($p['otherAskCmdId']) ? $p['otherAskCmdId'] : null,
            'options' => isset($p['options']) ? $p['options'] : null,
        )));
        return $d;
    }

    private static function binaryPathChecked() {
        $bin = self::binaryPath();
        if (!is_file($bin)) {
            throw new Exception(__('programme d\'envoi des notifications absent', __FILE__) . ' (' . $bin . ') : '
                . __('c\'est celui de Jeedom Connect (JeedomConnect-Team, version', __FILE__) . ' ' . self::BIN_TAG . '), '
                . __('l\'installation des dépendances du plugin le télécharge : relancez-la, son log dit pourquoi il manque', __FILE__)
                . ' (' . __('voir la documentation du plugin, page notifications', __FILE__) . ')');
        }
        if (!is_executable($bin) && !@chmod($bin, 0555)) {
            throw new Exception(__('programme d\'envoi des notifications non exécutable', __FILE__) . ' (' . $bin . ')');
        }
        return $bin;
    }

    /** The real transport: the sender program, no shell, bounded in time. Returns [exit code, output]. */
    private static function run(array $_argv) {
        $proc = proc_open($_argv, array(0 => array('file', '/dev/null', 'r'), 1 => array('pipe', 'w'), 2 => array('redirect', 1)), $pipes);
        if (!is_resource($proc)) {
            throw new Exception(__('le programme d\'envoi des notifications n\'a pas pu être lancé', __FILE__));
        }
        stream_set_blocking($pipes[1], false);
        $out = '';
        $deadline = microtime(true) + self::TIMEOUT_S;
        while (!feof($pipes[1])) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                proc_terminate($proc, 9);
                fclose($pipes[1]);
                proc_close($proc);
                throw new Exception(__('le service de notification n\'a pas répondu en', __FILE__) . ' ' . self::TIMEOUT_S . ' s');
            }
            $r = array($pipes[1]);
            $w = $e = null;
            if (@stream_select($r, $w, $e, (int) ceil($left)) > 0) {
                $out .= (string) fread($pipes[1], 65536);
            }
        }
        fclose($pipes[1]);
        return array(proc_close($proc), $out);
    }

    /** The sender program prints the push service's batch answer after "response: ". */
    private static function checkOutput($_code, $_output, $_token) {
        $output = str_replace($_token, '***', $_output);
        $pos = strrpos($output, 'response: ');
        $answer = $pos === false ? null : json_decode(trim(substr($output, $pos + strlen('response: '))), true);
        if (is_array($answer)) {
            $ok = isset($answer['SuccessCount'], $answer['FailureCount']) && $answer['SuccessCount'] == 1 && $answer['FailureCount'] == 0;
            if (!$ok || $_code !== 0) {
                throw new Exception(__('le service de notification a refusé l\'envoi', __FILE__) . ' : ' . self::hideSecrets(json_encode($answer, JSON_UNESCAPED_UNICODE)));
            }
            return;
        }
        if ($_code !== 0 || trim($output) === '') {
            throw new Exception(__('le programme d\'envoi a échoué', __FILE__) . ' (code ' . $_code . ')' . (trim($output) === '' ? '' : ' : ' . self::hideSecrets(trim($output))));
        }
        log::add(self::PLUGIN, 'warning', __('L\'envoi de la notification n\'a pas pu être vérifié', __FILE__) . ' : ' . self::hideSecrets(trim($output)));
    }

    /** The user's hash in attachment URLs is a credential: never in the log. */
    public static function hideSecrets($_text) {
        return preg_replace('/(apikey=)[^&"\\\\\s]+/i', '$1***', (string) $_text);
    }
}
