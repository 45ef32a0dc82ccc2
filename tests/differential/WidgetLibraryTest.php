<?php
/* The app's widget editor: GET_WIDGET_DATA, GET_WIDGET_WITH_GEN_TYPE and COPY_CONFIG as upstream 1.20.6 answers them
 * for the same Jeedom data; admins' phones only (editing layouts is an admin's job on Jeedom's desktop). */
class WidgetLibraryTest extends JcDiffTestCase {
    private function adminPhone($name = 'Pixel') {
        return $this->eq($name, $this->user('wadmin', 'admin'));
    }

    private function room($name) {
        $o = new jeeObject();
        $o->setName($name)->setIsVisible(1)->save();
        return $o;
    }

    private function widget($id, array $w) {
        config::save('widget::' . $id, json_encode($w + array('id' => $id)), 'JeedomConnect');
    }

    /** A device of the fixture plugin with one command per [name, type, subType, generic type]. */
    private function device($name, array $cmds, $room = null, $enable = 1) {
        $eq = new jcTestDevice();
        $eq->setName($name)->setEqType_name('jcTestDevice')->setIsEnable($enable);
        if ($room !== null) {
            $eq->setObject_id($room->getId());
        }
        $eq->save();
        $out = array();
        foreach ($cmds as $c) {
            $cmd = new jcTestDeviceCmd();
            $cmd->setEqLogic_id($eq->getId())->setEqType('jcTestDevice')->setName($c[0])->setType($c[1])->setSubType($c[2])->setGeneric_type($c[3]);
            if ($c[3] === 'LIGHT_STATE') {
                $cmd->setUnite('%')->setConfiguration('minValue', 0)->setConfiguration('maxValue', 100)->setDisplay('icon', '<i class="fas fa-lightbulb icon_yellow"></i>');
            }
            $cmd->save();
            $out[$c[3]] = $cmd;
        }
        return $out;
    }

    public function testWidgetData() {
        $eq = $this->adminPhone();
        $salon = $this->room('Salon');
        $this->widget(3, array('type' => 'door', 'name' => 'Porte', 'enable' => true, 'room' => (int) $salon->getId(), 'statusInfo' => array('id' => '12', 'type' => 'info')));
        $this->widget(4, array('type' => 'component', 'component' => 'text', 'name' => 'zèbre', 'nameDisplayed' => 'Affiché', 'enable' => false, 'room' => 'global'));
        $this->widget(5, array('type' => 'pir', 'name' => 'Mouvement', 'enable' => true));
        $this->widget(6, array('name' => 'sans type'));
        $this->widget(7, array('type' => 'temperature', 'name' => 'Arrière', 'enable' => true, 'room' => 99999));
        $e = $this->assertSameAnswer('GET_WIDGET_DATA', array('apiKey' => $eq->getLogicalId()), array('result.payload.widgets.*.img'));
        $w = $e['result']['payload']['widgets'];
        $this->assertSame(array('Arrière', 'Mouvement', 'zèbre', 'Porte'), array_column($w, 'name'));
        $this->assertSame(array('Aucun', 'Aucun', 'Global', 'Salon'), array_column($w, 'roomName'));
        $this->assertSame(array(99999, '', 'global', (int) $salon->getId()), array_column($w, 'roomId'));
        $this->assertSame(array('none', 'none', 'text', 'none'), array_column($w, 'component'));
        $this->assertSame('Affiché', $w[2]['nameDisplayed']);
        $this->assertSame(array('type' => 'door', 'name' => 'Porte', 'enable' => true, 'room' => (int) $salon->getId(), 'statusInfo' => array('id' => '12', 'type' => 'info'), 'id' => 3), $w[3]['widgetJC']);
        // upstream's pictures of each widget type are its artwork, not shipped: the plugin's icon instead
        $this->assertSame(array('plugins/JeedomConnect/plugin_info/JeedomConnect_icon.png'), array_values(array_unique(array_column($w, 'img'))));
        config::remove('widget::3', 'JeedomConnect');
        $this->assertSameAnswer('GET_WIDGET_DATA', array('apiKey' => $eq->getLogicalId()), array('result.payload.widgets.*.img'));
    }

    public function testEmptyLibraryAndUnknownApiKey() {
        $e = $this->assertSameAnswer('GET_WIDGET_DATA', array('apiKey' => $this->adminPhone()->getLogicalId()));
        $this->assertSame(array('type' => 'SET_WIDGET_DATA', 'payload' => array('widgets' => array())), $e['result']);
        $this->assertSameAnswer('GET_WIDGET_DATA', array('apiKey' => 'not-a-key'));
        $this->assertSameAnswer('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => 'not-a-key', 'widget_type' => 'door'));
    }

    public function testWidgetsFromGenericTypes() {
        $eq = $this->adminPhone();
        $salon = $this->room('Salon');
        $full = $this->device('Lampe salon', array(array('On', 'action', 'other', 'LIGHT_ON'), array('Off', 'action', 'other', 'LIGHT_OFF'),
            array('Etat', 'info', 'numeric', 'LIGHT_STATE'), array('Puissance', 'info', 'numeric', 'POWER')), $salon);
        $this->device('Lampe sans off', array(array('On', 'action', 'other', 'LIGHT_ON'), array('Etat', 'info', 'binary', 'LIGHT_STATE')));
        $this->device('Lampe éteinte', array(array('On', 'action', 'other', 'LIGHT_ON'), array('Off', 'action', 'other', 'LIGHT_OFF'),
            array('Etat', 'info', 'binary', 'LIGHT_STATE')), null, 0);
        $this->device('Compteur', array(array('Puissance', 'info', 'numeric', 'POWER')));
        $this->device('Thermostat', array(array('Mode eco', 'action', 'other', 'THERMOSTAT_SET_MODE'), array('Mode confort', 'action', 'other', 'THERMOSTAT_SET_MODE'),
            array('Consigne', 'action', 'slider', 'THERMOSTAT_SET_SETPOINT')));
        $key = $eq->getLogicalId();
        // no global widget yet: upstream leaves alreadyExist out
        $e = $this->assertSameAnswer('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => 'single-light-switch'));
        $p = $e['result']['payload'];
        $this->assertSame(array('Lampe salon'), array_column($p, 'name'));
        $this->assertSame(array('enable', 'type', 'room', 'name', 'onAction', 'offAction', 'statusInfo', 'powerInfo'), array_keys($p[0]));
        $this->assertSame(array('icon' => '<i class="fas fa-lightbulb"></i>', 'source' => 'fa', 'name' => 'lightbulb', 'color' => '#FFFF00'), $p[0]['statusInfo']['icon']);
        $this->assertSame((int) $salon->getId(), $p[0]['room']);
        // a global widget with the same commands
        $this->widget(1, array('type' => 'single-light-switch', 'name' => 'Lampe', 'onAction' => array('id' => (string) $full['LIGHT_ON']->getId()),
            'offAction' => array('id' => (string) $full['LIGHT_OFF']->getId()), 'statusInfo' => array('id' => (string) $full['LIGHT_STATE']->getId()),
            'powerInfo' => array('id' => (string) $full['POWER']->getId())));
        $this->widget(2, array('type' => 'power', 'name' => 'Autre', 'statusInfo' => array('id' => '999999')));
        $e = $this->assertSameAnswer('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => 'single-light-switch'));
        $this->assertSame(array(true), array_column($e['result']['payload'], 'alreadyExist'));
        $e = $this->assertSameAnswer('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => 'power'));
        $this->assertSame(array('Lampe salon' => false, 'Compteur' => false), array_column($e['result']['payload'], 'alreadyExist', 'name'));
        // cmdList options, one equipment only
        $e = $this->assertSameAnswer('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => 'thermostat'));
        $this->assertSame(array(), $e['result']['payload']); // strict: the thermostat lacks required generic types
        $this->assertSameAnswer('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => 'single-light-switch', 'eqId' => (string) $full['POWER']->getEqLogic_id()));
        config::save('isStrict', '0', 'JeedomConnect');
        $e = $this->assertSameAnswer('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => 'single-light-switch'));
        $this->assertSame(array('Lampe salon', 'Lampe sans off'), array_column($e['result']['payload'], 'name'));
        // non-strict, as upstream: the last required generic type of the widget type decides (the thermostat lacks
        // THERMOSTAT_TEMPERATURE); a thermometer gives it one
        $this->assertSame(array(), $this->assertSameAnswer('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => 'thermostat'))['result']['payload']);
        $t = $this->device('Sonde', array(array('Temp', 'info', 'numeric', 'THERMOSTAT_TEMPERATURE')));
        $t['THERMOSTAT_TEMPERATURE']->setEqLogic_id($full['POWER']->getEqLogic_id())->save();
        $e = $this->assertSameAnswer('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => 'thermostat'));
        $this->assertSame(array('Lampe salon'), array_column($e['result']['payload'], 'name'));
        // types without generic types, unknown types
        foreach (array('webview', 'separator', 'no-such-type') as $type) {
            $e = $this->assertSameAnswer('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => $type));
            $this->assertSame(array('type' => 'SET_WIDGET_WITH_GEN_TYPE', 'payload' => null), $e['result'], $type);
        }
    }

    public function testBadWidgetTypeIsRefusedWhereUpstreamAnswersNothingOrCrashes() {
        $key = $this->adminPhone()->getLogicalId();
        $this->assertUpstreamSilentOursRefuses('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key), array('type' => 'SET_WIDGET_WITH_GEN_TYPE', 'payload' => null));
        $this->assertUpstreamSilentOursRefuses('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => 'door', 'eqId' => 'x; DROP'),
            array('type' => 'SET_WIDGET_WITH_GEN_TYPE', 'payload' => array()));
        $this->assertUpstreamCrashesOursRefuses('GET_WIDGET_WITH_GEN_TYPE', array('apiKey' => $key, 'widget_type' => array('door')));
    }

    /** Stored layout of a phone, written for upstream (its own data folder) and for us (ours). */
    private function layoutFile($web, $apiKey) {
        return $web . '/plugins/JeedomConnect/data/configs/' . $apiKey . '.json';
    }

    /** The phone's (empty) layout written in upstream's own data folder too. */
    private function upstreamLayout($eq) {
        $file = $this->layoutFile(JC_UPSTREAM_ENV['UP_WEB'], $eq->getLogicalId());
        @mkdir(dirname($file), 0775, true);
        file_put_contents($file, json_encode(JeedomConnectLayout::emptyConfig(), JSON_PRETTY_PRINT));
    }

    public function testCopyConfig() {
        $u = $this->user('wadmin', 'admin');
        $layout = JeedomConnectLayout::emptyConfig();
        $layout['idCounter'] = 3;
        $layout['payload']['configVersion'] = 7;
        $layout['payload']['widgets'] = array(array('id' => 1, 'widgetId' => 1, 'index' => 0), array('id' => 2, 'widgetId' => 2, 'index' => 1));
        $sides = array('upstream' => JC_UPSTREAM_ENV['UP_WEB'], 'ours' => JC_TEST_WEB);
        $answers = array();
        foreach ($sides as $who => $web) {
            $from = $this->eq('From ' . $who, $u);
            $to1 = $this->eq('To1 ' . $who, $u);
            $to2 = $this->eq('To2 ' . $who, $u);
            @mkdir(dirname($this->layoutFile($web, $from->getLogicalId())), 0775, true);
            file_put_contents($this->layoutFile($web, $from->getLogicalId()), json_encode($layout, JSON_PRETTY_PRINT));
            config::save('customData::' . $from->getLogicalId() . '::2', json_encode(array('widgetId' => 2, 'name' => 'perso')), 'JeedomConnect');
            config::save('customData::' . $to2->getLogicalId() . '::9', json_encode(array('widgetId' => 9)), 'JeedomConnect');
            $answers[$who][] = $this->$who('COPY_CONFIG', array('apiKey' => $from->getLogicalId(), 'from' => $from->getLogicalId(), 'to' => array($to1->getLogicalId()), 'withCustom' => false))['result'];
            $answers[$who][] = $this->$who('COPY_CONFIG', array('apiKey' => $from->getLogicalId(), 'from' => $from->getLogicalId(), 'to' => array($to2->getLogicalId(), $from->getLogicalId()), 'withCustom' => true))['result'];
            foreach (array($to1, $to2) as $n => $to) {
                $copied = json_decode(file_get_contents($this->layoutFile($web, $to->getLogicalId())), true);
                $this->assertSame(8, $copied['payload']['configVersion'], $who);
                $this->assertSame(8, (int) eqLogic::byId($to->getId())->getConfiguration('configVersion'), $who);
                unset($copied['payload']['configVersion']);
                $expected = $layout;
                unset($expected['payload']['configVersion']);
                $this->assertSame(self::sorted($expected), self::sorted($copied), $who);
                $custom = array_column(config::searchKey('customData::' . $to->getLogicalId() . '::', 'JeedomConnect'), 'value', 'key');
                $this->assertSame($n === 0 ? array() : array('customData::' . $to->getLogicalId() . '::2' => array('widgetId' => 2, 'name' => 'perso'),
                    'customData::' . $to->getLogicalId() . '::9' => array('widgetId' => 9)), $custom, $who);
            }
            $this->assertSame(7, json_decode(file_get_contents($this->layoutFile($web, $from->getLogicalId())), true)['payload']['configVersion'], $who);
        }
        $this->assertSame($answers['upstream'], $answers['ours']);
        $this->assertSame(array('ok', 'ok'), $answers['ours']);
    }

    public function testCopyConfigBadInput() {
        $from = $this->adminPhone('From');
        $to = $this->adminPhone('To');
        // a phone without layout: both refuse
        @unlink(JeedomConnectLayout::path($from->getLogicalId()));
        $this->assertBothRefuse('COPY_CONFIG', array('apiKey' => $from->getLogicalId(), 'from' => $from->getLogicalId(), 'to' => array($to->getLogicalId()), 'withCustom' => false));
        JeedomConnectLayout::create($from);
        $before = file_get_contents(JeedomConnectLayout::path($to->getLogicalId()));
        $this->upstreamLayout($from);
        // upstream writes a layout file for any name (even out of its folder) and answers ok; we refuse and write nothing
        foreach (array(array('to' => array('no-such-phone')), array('to' => array($to->getLogicalId(), '../../jcEscape')), array('to' => $to->getLogicalId()),
            array('from' => '../configs/' . $from->getLogicalId(), 'to' => array($to->getLogicalId()))) as $p) {
            $p += array('apiKey' => $from->getLogicalId(), 'from' => $from->getLogicalId(), 'withCustom' => false);
            $this->assertOurRefusal('COPY_CONFIG', $p);
        }
        $this->assertSame($before, file_get_contents(JeedomConnectLayout::path($to->getLogicalId())));
        $this->assertFileDoesNotExist(JC_TEST_WEB . '/plugins/JeedomConnect/data/configs/no-such-phone.json');
        $this->assertFileDoesNotExist(JC_TEST_WEB . '/plugins/JeedomConnect/jcEscape.json');
        $up = $this->upstream('COPY_CONFIG', array('apiKey' => $from->getLogicalId(), 'from' => $from->getLogicalId(), 'to' => array('../../jcEscape'), 'withCustom' => false));
        $this->assertSame('ok', $up['result']);
        $this->assertFileExists(JC_UPSTREAM_ENV['UP_WEB'] . '/plugins/JeedomConnect/jcEscape.json');
    }

    /** Upstream serves any phone; the desktop's plugin page (where layouts are edited) is for admins only. */
    public function testNonAdminsPhoneIsRefused() {
        $this->widget(1, array('type' => 'pir', 'name' => 'Mouvement', 'enable' => true));
        foreach (array('user', 'restrict') as $profil) {
            $eq = $this->eq('Pixel ' . $profil, $this->user('w' . $profil, $profil));
            $other = $this->eq('Other ' . $profil, $this->user('w' . $profil, $profil));
            $this->upstreamLayout($eq);
            $key = $eq->getLogicalId();
            foreach (array(array('GET_WIDGET_DATA', array(), 'SET_WIDGET_DATA'), array('GET_WIDGET_WITH_GEN_TYPE', array('widget_type' => 'pir'), 'SET_WIDGET_WITH_GEN_TYPE'),
                array('COPY_CONFIG', array('from' => $key, 'to' => array($other->getLogicalId()), 'withCustom' => false), null)) as $c) {
                $p = array('apiKey' => $key) + $c[1];
                $up = $this->upstream($c[0], $p);
                $this->assertSame($c[2] === null ? 'ok' : $c[2], $c[2] === null ? $up['result'] : $up['result']['type'], $profil . ' ' . json_encode($up));
                $our = $this->ours($c[0], $p);
                $this->assertSame(array('type' => 'EXCEPTION', 'payload' => array('message' => 'Vous devez être admin pour cette action')), $our['result'], $profil . ' ' . $c[0]);
            }
        }
    }
}
