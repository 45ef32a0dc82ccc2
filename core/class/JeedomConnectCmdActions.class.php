<?php
/*
 * JeedomConnect - what the equipment's action commands do when Jeedom executes them (a scenario, the dashboard, an
 * automation), other than notifications (docs/api-methods.md, "Action commands of an equipment"): an action frame
 * for the phone ({action: ...}, the payloads upstream 1.20.6 sends), handed to the daemon or queued for GET_EVENTS
 * (JeedomConnectDevice::queueAction); the layout commands (menu and widget visibility, removing a customisation)
 * change the phone's layout and its config version; unlink detaches the phone. Missing or bad options are an error
 * line in Jeedom's log, as upstream writes them; nothing is sent then.
 */
class JeedomConnectCmdActions {
    const PLUGIN = 'JeedomConnect';
    /** the condition display_widget adds to a widget's visibilityCond to hide it */
    const HIDDEN = "'enable' == #auto#";

    /** Runs the action command $_cmd of the phone $_eq; returns what was delivered (the frame's payload) or null. */
    public static function execute($_cmd, $_eq, array $_options) {
        $id = $_cmd->getLogicalId();
        $message = array_key_exists('message', $_options) && is_scalar($_options['message']) ? (string) $_options['message'] : '';
        $title = array_key_exists('title', $_options) && is_scalar($_options['title']) ? (string) $_options['title'] : '';
        $needMessage = array('goToPage', 'toaster', 'launchApp', 'shellExec', 'eraseData', 'play_sound', 'setVolume', 'tts',
            'display_menu', 'display_widget', 'remove_custo', 'send_sms');
        $needTitle = array('ringerMode', 'dndMode', 'display_menu', 'display_widget', 'update_pref_app', 'send_sms');
        if ($id === 'setVolume' && $_eq->getConfiguration('platformOs') === 'android') {
            $needTitle[] = 'setVolume';
        }
        // upstream checks the title first where it needs both
        if (in_array($id, $needTitle, true) && ($title === '' || $title === '0')) {
            return self::fail($_cmd, 'Empty field "' . $_cmd->getDisplay('title_placeholder', 'Titre') . '"');
        }
        if (in_array($id, $needMessage, true) && ($message === '' || ($message === '0' && $id !== 'goToPage'))) {
            return self::fail($_cmd, 'Empty field "' . $_cmd->getDisplay('message_placeholder', 'Message') . '"');
        }
        switch ($id) {
            case 'goToPage':
                return self::deliver($_eq, array('action' => 'goToPage', 'pageId' => $message));
            case 'toaster':
                return self::deliver($_eq, array('action' => 'toaster', 'message' => $message));
            case 'launchApp':
                return self::deliver($_eq, array('action' => 'launchApp', 'packageName' => $message));
            case 'shellExec':
                return self::deliver($_eq, array('action' => 'shellExec', 'cmd' => $message));
            case 'screenOn':
            case 'screenOff':
            case 'getDeviceInfos':
                return self::deliver($_eq, array('action' => $id));
            case 'eraseData':
                if (strtolower($message) !== 'erase') {
                    log::add(self::PLUGIN, 'error', 'To use the erase data command, message field has to be filled with "erase"');
                    return null;
                }
                return self::deliver($_eq, array('action' => 'eraseData'));
            case 'play_sound':
                return self::deliver($_eq, array('action' => 'playSound', 'sound' => $message));
            case 'ringerMode':
            case 'dndMode':
                return self::deliver($_eq, array('action' => $id, 'mode' => $title));
            case 'setVolume':
                return self::deliver($_eq, array('action' => 'setVolume', 'volume' => intval($message), 'type' => self::raw($_options, 'title')));
            case 'tts':
                if ($title !== '' && $title !== '0' && ((string) (int) $title !== $title || (int) $title < 0 || (int) $title > 100)) {
                    return self::fail($_cmd, 'Field "' . $_cmd->getDisplay('title_placeholder', 'Titre') . '" has to contain integer between 0 to 100');
                }
                return self::deliver($_eq, array('action' => 'tts', 'message' => $message, 'volume' => self::raw($_options, 'title')));
            case 'update_pref_app':
                return self::prefApp($_cmd, $_eq, $title, $message);
            case 'send_sms':
                return self::sms($_eq, $title, $message);
            case 'unlink':
                $_eq->detach();
                return null;
            case 'display_menu':
                self::menuVisibility($_eq, explode(',', $message), $title === 'show');
                return null;
            case 'display_widget':
                self::widgetVisibility($_eq, explode(',', $message), $title === 'show');
                return null;
            case 'remove_custo':
                self::removeCustomisation($_eq, $message);
                return null;
        }
        log::add(self::PLUGIN, 'error', 'unknow action [' . $id . '] - options :' . json_encode($_options));
        return null;
    }

    /** An option as Jeedom passed it (upstream sends the title as it came, null when absent). */
    private static function raw(array $_options, $_key) {
        return array_key_exists($_key, $_options) ? $_options[$_key] : null;
    }

    private static function fail($_cmd, $_what) {
        log::add(self::PLUGIN, 'error', $_what . ' [cmdId : ' . $_cmd->getId() . ']');
        return null;
    }

    /** The action frame to the phone: through the daemon, or queued for its next GET_EVENTS. */
    private static function deliver($_eq, array $_payload) {
        JeedomConnectDevice::queueAction($_eq, $_payload);
        return $_payload;
    }

    private static function prefApp($_cmd, $_eq, $_title, $_message) {
        if ($_title === 'none') {
            log::add(self::PLUGIN, 'error', 'Please select an action for cmd "' . $_cmd->getName() . '" [cmdId : ' . $_cmd->getId() . ']');
            return null;
        }
        if ($_message === '') {
            return self::fail($_cmd, 'Empty field "' . $_cmd->getDisplay('message_placeholder', 'Message') . '"');
        }
        $upper = strtoupper($_message);
        $arg = in_array($upper, array('START', 'RUN', 'MARCHE', 'ON', '1'), true) ? 'ON'
            : (in_array($upper, array('STOP', 'ARRET', 'OFF', '0'), true) ? 'OFF' : $_message);
        return self::deliver($_eq, array('action' => $_title, 'arg' => $arg));
    }

    /** send_sms: the title is the number, or "numero=…|sim=…|files=a,b" (files kept when they exist, absolute). */
    private static function sms($_eq, $_title, $_message) {
        $args = array();
        foreach (explode('|', $_title) as $item) {
            $kv = explode('=', trim($item), 2);
            if (count($kv) === 2) {
                $args[trim($kv[0])] = trim($kv[1]);
            }
        }
        $sim = null;
        $files = null;
        if (count($args) === 0) {
            $number = $_title;
        } elseif (isset($args['numero']) && $args['numero'] !== '') {
            $number = $args['numero'];
            $sim = isset($args['sim']) ? $args['sim'] : null;
            if (isset($args['files'])) {
                $files = array();
                foreach (explode(',', $args['files']) as $f) {
                    if (realpath($f)) {
                        $files[] = realpath($f);
                    }
                }
                $files = count($files) > 0 ? $files : null;
            }
        } else {
            log::add(self::PLUGIN, 'error', 'No numero found');
            return null;
        }
        return self::deliver($_eq, array('action' => 'send_sms', 'numero' => $number, 'message' => $_message, 'simId' => $sim, 'files' => $files));
    }

    /** display_menu: enable = $_show on every top tab and bottom section whose id is listed. */
    private static function menuVisibility($_eq, array $_ids, $_show) {
        $conf = JeedomConnectLayout::stored($_eq);
        if ($conf === null) {
            log::add(self::PLUGIN, 'error', 'display_menu: ' . $_eq->getHumanName() . ' has no layout');
            return;
        }
        $changed = false;
        foreach (array('tabs', 'sections') as $list) {
            if (!isset($conf['payload'][$list]) || !is_array($conf['payload'][$list])) {
                continue;
            }
            foreach ($conf['payload'][$list] as $k => $menu) {
                if (is_array($menu) && isset($menu['id']) && in_array($menu['id'], $_ids)) {
                    $conf['payload'][$list][$k]['enable'] = $_show;
                    $changed = true;
                }
            }
        }
        if (!$changed) {
            log::add(self::PLUGIN, 'debug', 'display_menu: nothing to change');
            return;
        }
        JeedomConnectLayout::write($_eq->getLogicalId(), $conf);
        self::newVersion($_eq);
    }

    /** display_widget: hiding adds HIDDEN to the widget's custom visibilityCond (joined with &&), showing removes it. */
    private static function widgetVisibility($_eq, array $_widgetIds, $_show) {
        $changed = false;
        foreach ($_widgetIds as $widgetId) {
            $key = self::customKey($_eq, $widgetId);
            $custom = config::byKey($key, self::PLUGIN, '');
            if (!is_array($custom)) {
                $custom = array();
            }
            $has = strpos(json_encode($custom), self::HIDDEN) !== false;
            if (!$_show && !$has) {
                $before = isset($custom['visibilityCond']) && $custom['visibilityCond'] !== '' ? $custom['visibilityCond'] . ' && ' : '';
                $custom['visibilityCond'] = $before . self::HIDDEN;
                $changed = true;
            } elseif ($_show && $has) {
                $cond = isset($custom['visibilityCond']) ? (string) $custom['visibilityCond'] : '';
                $custom['visibilityCond'] = trim(str_replace(array('&& ' . self::HIDDEN, self::HIDDEN), array('', ''), $cond));
                if ($custom['visibilityCond'] === '') {
                    unset($custom['visibilityCond']);
                }
                $changed = true;
            }
            if (count($custom) === 0) {
                config::remove($key, self::PLUGIN);
            } else {
                config::save($key, json_encode($custom), self::PLUGIN);
            }
        }
        if ($changed) {
            self::newVersion($_eq);
        }
    }

    /** remove_custo: the phone's customisation of one widget goes; the phone reloads its layout (as upstream, even
     * when there was none). */
    private static function removeCustomisation($_eq, $_widgetId) {
        config::remove(self::customKey($_eq, $_widgetId), self::PLUGIN);
        self::newVersion($_eq);
    }

    private static function customKey($_eq, $_widgetId) {
        return 'customData::' . $_eq->getLogicalId() . '::' . trim($_widgetId);
    }

    /** A new config version: phones reload the layout (CONFIG_AND_INFOS). */
    private static function newVersion($_eq) {
        JeedomConnectLayout::bump($_eq);
        $_eq->save();
    }
}
