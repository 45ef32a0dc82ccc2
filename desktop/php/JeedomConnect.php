<?php
/*
 * JeedomConnect - equipment page: one equipment per phone. Connection mode (websocket / polling, exclusive), QR code,
 * apiKey, bound device, live connection state from the daemon, and the app layout (import/export, add commands).
 */
if (!isConnect('admin')) {
    throw new Exception('{{401 - Accès non autorisé}}');
}
require_once dirname(__FILE__) . '/../../core/class/JeedomConnect.class.php';
$plugin = plugin::byId('JeedomConnect');
sendVarToJS('eqType', $plugin->getId());
$eqLogics = eqLogic::byType($plugin->getId());
$jcUsers = user::all();
// Jeedom DNS carries only the web port: without "WebSocket through Jeedom's web server" the WebSocket cannot work
// sendVarToJS() writes every scalar as a JS string (false => "", 0 => "0", which is truthy): '1' or '0', compared as such
sendVarToJS('jcWsBlockedByDns', JeedomConnectConfig::dnsBlocksWebsocket() ? '1' : '0');
?>
<div class="row row-overflow">
    <div class="col-xs-12 eqLogicThumbnailDisplay">
        <legend><i class="fas fa-cog"></i> {{Gestion}}</legend>
        <div class="eqLogicThumbnailContainer">
            <div class="cursor eqLogicAction logoPrimary" data-action="add"><i class="fas fa-plus-circle"></i><br><span>{{Ajouter}}</span></div>
            <div class="cursor eqLogicAction logoSecondary" data-action="gotoPluginConf"><i class="fas fa-wrench"></i><br><span>{{Configuration}}</span></div>
        </div>
        <legend><i class="fas fa-mobile-alt"></i> {{Mes appareils}}</legend>
        <div class="eqLogicThumbnailContainer">
            <?php foreach ($eqLogics as $eqLogic) {
                $opacity = ($eqLogic->getIsEnable()) ? '' : 'disableCard';
                echo '<div class="eqLogicDisplayCard cursor ' . $opacity . '" data-eqLogic_id="' . $eqLogic->getId() . '">';
                echo '<img src="' . $plugin->getPathImgIcon() . '"/><br><span class="name">' . htmlspecialchars($eqLogic->getHumanName()) . '</span>';
                echo '</div>';
            } ?>
        </div>
    </div>

    <div class="col-xs-12 eqLogic" style="display: none;">
        <div class="input-group pull-right" style="display:inline-flex">
            <span class="input-group-btn">
                <a class="btn btn-default btn-sm eqLogicAction roundedLeft" data-action="configure"><i class="fas fa-cogs"></i> {{Configuration avancée}}</a>
                <a class="btn btn-sm btn-success eqLogicAction" data-action="save"><i class="fas fa-check-circle"></i> {{Sauvegarder}}</a>
                <a class="btn btn-danger btn-sm eqLogicAction roundedRight" data-action="remove"><i class="fas fa-minus-circle"></i> {{Supprimer}}</a>
            </span>
        </div>
        <ul class="nav nav-tabs" role="tablist">
            <li role="presentation"><a href="#" class="eqLogicAction" aria-controls="home" role="tab" data-toggle="tab" data-action="returnToThumbnailDisplay"><i class="fas fa-arrow-circle-left"></i></a></li>
            <li role="presentation" class="active"><a href="#eqlogictab" aria-controls="home" role="tab" data-toggle="tab"><i class="fas fa-tachometer-alt"></i> {{Equipement}}</a></li>
            <li role="presentation"><a href="#layouttab" aria-controls="layout" role="tab" data-toggle="tab"><i class="fas fa-th"></i> {{Affichage de l'application}}</a></li>
            <li role="presentation"><a href="#commandtab" aria-controls="profile" role="tab" data-toggle="tab"><i class="fas fa-list-alt"></i> {{Commandes}}</a></li>
        </ul>
        <div class="tab-content">
            <div role="tabpanel" class="tab-pane active" id="eqlogictab">
                <form class="form-horizontal">
                    <fieldset>
                        <div class="col-lg-7">
                            <div class="form-group">
                                <label class="col-sm-4 control-label">{{Nom de l'équipement}}</label>
                                <div class="col-sm-6">
                                    <input type="text" class="eqLogicAttr form-control" data-l1key="id" style="display:none;"/>
                                    <input type="text" class="eqLogicAttr form-control" data-l1key="name" placeholder="{{Nom de l'équipement}}"/>
                                </div>
                            </div>
                            <div class="form-group">
                                <label class="col-sm-4 control-label">{{Objet parent}}</label>
                                <div class="col-sm-6">
                                    <select class="eqLogicAttr form-control" data-l1key="object_id">
                                        <option value="">{{Aucun}}</option>
                                        <?php foreach (jeeObject::all() as $object) {
                                            echo '<option value="' . $object->getId() . '">' . htmlspecialchars($object->getName()) . '</option>';
                                        } ?>
                                    </select>
                                </div>
                            </div>
                            <div class="form-group">
                                <label class="col-sm-4 control-label">{{Options}}</label>
                                <div class="col-sm-6">
                                    <label class="checkbox-inline"><input type="checkbox" class="eqLogicAttr" data-l1key="isEnable" checked/>{{Activer}}</label>
                                    <label class="checkbox-inline"><input type="checkbox" class="eqLogicAttr" data-l1key="isVisible" checked/>{{Visible}}</label>
                                </div>
                            </div>
                            <div class="form-group">
                                <label class="col-sm-4 control-label">{{Utilisateur}}</label>
                                <div class="col-sm-6">
                                    <select class="eqLogicAttr form-control" data-l1key="configuration" data-l2key="userId">
                                        <option value="">{{Aucun}}</option>
                                        <?php foreach ($jcUsers as $jcUser) {
                                            echo '<option value="' . $jcUser->getId() . '">' . htmlspecialchars($jcUser->getLogin()) . '</option>';
                                        } ?>
                                    </select>
                                </div>
                            </div>
                            <div class="form-group">
                                <label class="col-sm-4 control-label">{{Connexion}}</label>
                                <div class="col-sm-8">
                                    <label class="checkbox-inline"><input type="checkbox" class="eqLogicAttr jcModeWs" data-l1key="configuration" data-l2key="useWs"/>{{Activer la connexion par Websocket}}</label><br/>
                                    <label class="checkbox-inline"><input type="checkbox" class="eqLogicAttr jcModePolling" data-l1key="configuration" data-l2key="polling"/>{{Activer la connexion par polling}}</label>
                                    <div class="help-block">{{Le websocket et le polling s'excluent : si les deux sont cochés, le websocket est utilisé.}}</div>
                                    <div class="help-block jcDnsWsHint" style="display:none;">{{DNS Jeedom détecté : pour le websocket, activez « WebSocket via le serveur web de Jeedom » dans la configuration du plugin ; sinon utilisez le polling.}}</div>
                                </div>
                            </div>
                            <div class="form-group">
                                <label class="col-sm-4 control-label">{{Clé API}}</label>
                                <div class="col-sm-6">
                                    <div class="input-group">
                                        <input type="text" class="eqLogicAttr form-control" data-l1key="logicalId" readonly/>
                                        <span class="input-group-btn"><a class="btn btn-warning" id="bt_jcRegenerateApiKey" title="{{Regénérer la clé API}}"><i class="fas fa-sync"></i></a></span>
                                    </div>
                                </div>
                            </div>
                            <div class="form-group">
                                <label class="col-sm-4 control-label">{{Appareil enregistré}}</label>
                                <div class="col-sm-6">
                                    <div class="input-group">
                                        <input type="text" class="eqLogicAttr form-control" data-l1key="configuration" data-l2key="deviceName" readonly/>
                                        <span class="input-group-btn"><a class="btn btn-danger" id="bt_jcDetach"><i class="fas fa-unlink"></i> {{Détacher}}</a></span>
                                    </div>
                                </div>
                            </div>
                            <div class="form-group">
                                <label class="col-sm-4 control-label">{{État de la connexion}}</label>
                                <div class="col-sm-6" id="div_jcDeviceStatus"></div>
                            </div>
                        </div>
                        <div class="col-lg-5 text-center">
                            <legend>{{QR Code}}</legend>
                            <img id="img_jcQrCode" src="" style="max-width:300px;" alt="QR Code"/><br/><br/>
                            <a class="btn btn-default" id="bt_jcRegenerateQr"><i class="fas fa-qrcode"></i> {{Regénérer le QR Code}}</a>
                        </div>
                    </fieldset>
                </form>
            </div>
            <div role="tabpanel" class="tab-pane" id="layouttab">
                <br/>
                <a class="btn btn-success" id="bt_jcAddCmdWidget"><i class="fas fa-plus"></i> {{Ajouter une commande}}</a>
                <a class="btn btn-default" id="bt_jcExportConfig"><i class="fas fa-file-export"></i> {{Exporter}}</a>
                <label class="btn btn-default"><i class="fas fa-file-import"></i> {{Importer}}<input type="file" id="in_jcImportConfig" accept=".json" style="display:none;"/></label>
                <pre id="pre_jcConfig" style="max-height:500px;overflow:auto;margin-top:10px;"></pre>
            </div>
            <div role="tabpanel" class="tab-pane" id="commandtab">
                <table id="table_cmd" class="table table-bordered table-condensed">
                    <thead><tr><th>{{Nom}}</th><th>{{Type}}</th><th>{{Action}}</th></tr></thead>
                    <tbody></tbody>
                </table>
            </div>
        </div>
    </div>
</div>
<?php
include_file('desktop', 'JeedomConnect', 'js', 'JeedomConnect');
include_file('core', 'plugin.template', 'js');
