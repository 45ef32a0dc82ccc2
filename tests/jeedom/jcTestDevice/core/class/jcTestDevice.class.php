<?php
/*
 * Test fixture plugin of the JeedomConnect test rig (installed next to the plugin in the rig's real core, never
 * shipped): "another plugin's device" whose action commands really do something, as a virtual's do. An action cmd
 * with configuration infoId sets that info cmd with cmd->event() (slider, message, color or its own name for
 * other/toggle), and every execution is recorded in the cache key jcTestDevice::execLog (for assertions).
 */
require_once __DIR__ . '/../../../../core/php/core.inc.php';

class jcTestDevice extends eqLogic {
}

class jcTestDeviceCmd extends cmd {
    public function execute($_options = array()) {
        $log = cache::byKey('jcTestDevice::execLog')->getValue(array());
        $log[] = array('id' => (string) $this->getId(), 'options' => $_options);
        cache::set('jcTestDevice::execLog', $log);
        $info = cmd::byId($this->getConfiguration('infoId'));
        if (!is_object($info)) {
            return null;
        }
        foreach (array('slider', 'message', 'color', 'select') as $k) {
            if (isset($_options[$k]) && $_options[$k] !== '') {
                $info->event($_options[$k]);
                return null;
            }
        }
        $info->event($this->getName());
        return null;
    }
}
