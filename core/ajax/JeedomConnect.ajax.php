<?php
/*
 * JeedomConnect - admin AJAX actions of the equipment and configuration pages (admin session required).
 */
try {
    require_once dirname(__FILE__) . '/../../../../core/php/core.inc.php';
    include_file('core', 'authentification', 'php');
    if (!isConnect('admin')) {
        throw new Exception(__('401 - Accès non autorisé', __FILE__));
    }
    require_once dirname(__FILE__) . '/../class/JeedomConnect.class.php';
    ajax::init();

    $jcEq = null;
    if (init('id') !== '') {
        $jcEq = eqLogic::byId(init('id'));
        if (!JeedomConnectDevice::isPhone($jcEq)) {
            throw new Exception(__('Equipement introuvable', __FILE__) . ' : ' . init('id'));
        }
    }
    $jcNeedEq = function () use ($jcEq) {
        if ($jcEq === null) {
            throw new Exception(__('Equipement manquant', __FILE__));
        }
        return $jcEq;
    };

    switch (init('action')) {
        case 'getDaemonStatus':
            ajax::success(JeedomConnectControl::status());
            break;
        case 'getDeviceStatus':
            $eq = $jcNeedEq();
            $status = JeedomConnectControl::deviceStatus($eq->getLogicalId());
            ajax::success(array('daemon' => $status['daemon'], 'device' => $status['device'], 'appState' => $eq->getConfiguration('appState', 'background'),
                'lastSeen' => JeedomConnectDevice::lastSeen($eq)));
            break;
        case 'regenerateQrCode':
            $eq = $jcNeedEq();
            JeedomConnectQr::generate($eq);
            $eq->save(true);
            ajax::success();
            break;
        case 'regenerateQrCodes':
            ajax::success(JeedomConnectQr::regenerateAll());
            break;
        case 'regenerateApiKey':
            ajax::success($jcNeedEq()->regenerateApiKey());
            break;
        case 'detach':
            $jcNeedEq()->detach();
            ajax::success();
            break;
        case 'getJcConfig':
            ajax::success(JeedomConnectLayout::export($jcNeedEq()));
            break;
        case 'importJcConfig':
            $eq = $jcNeedEq();
            JeedomConnectLayout::import($eq, init('config'));
            $eq->save();
            ajax::success();
            break;
        case 'addCmdWidget':
            $eq = $jcNeedEq();
            $w = JeedomConnectLayout::addCmdWidget($eq, init('cmdId'));
            $eq->save();
            ajax::success($w);
            break;
        case 'restartDaemon':
            ajax::success(JeedomConnectDaemon::start());
            break;
    }
    throw new Exception(__('Aucune méthode correspondante à', __FILE__) . ' : ' . init('action'));
} catch (Exception $e) {
    ajax::error(displayException($e), $e->getCode());
}
