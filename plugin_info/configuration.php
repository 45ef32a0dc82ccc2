<?php
/*
 * JeedomConnect - plugin configuration page (ports, addresses, daemon log level) and the daemon's live status.
 * Empty address fields use the defaults shown as placeholders: they follow Jeedom's network settings and the port.
 * Saving a changed address/port regenerates every QR code and restarts a running daemon (JeedomConnectConfig).
 * "WebSocket via le serveur web de Jeedom" (wsThroughJeedom) switches the default websocket addresses to
 * ws(s)://<Jeedom web address>/plugins/JeedomConnect/ws (Apache forwards it: JeedomConnectWebServer); with it,
 * wsLoopbackOnly makes the daemon listen on 127.0.0.1 only.
 */
require_once dirname(__FILE__) . '/../../../core/php/core.inc.php';
include_file('core', 'authentification', 'php');
if (!isConnect()) {
    include_file('desktop', '404', 'php');
    die();
}
require_once dirname(__FILE__) . '/../core/class/JeedomConnect.class.php';
$jcPlaceholders = array(
    'httpUrl' => JeedomConnectConfig::defaultHttpUrl(),
    'internHttpUrl' => JeedomConnectConfig::defaultInternHttpUrl(),
    'wsAddress' => JeedomConnectConfig::defaultWsAddress(),
    'internWsAddress' => JeedomConnectConfig::defaultInternWsAddress(),
);
// default websocket addresses with the "through Jeedom's web server" option off / on (switched live by the checkbox)
$jcWsDefaults = array(
    'off' => array('wsAddress' => JeedomConnectConfig::defaultWsAddress(false), 'internWsAddress' => JeedomConnectConfig::defaultInternWsAddress(false)),
    'on' => array('wsAddress' => JeedomConnectConfig::defaultWsAddress(true), 'internWsAddress' => JeedomConnectConfig::defaultInternWsAddress(true)),
);
$jcDns = JeedomConnectConfig::hasDNSConnexion();
$jcApache = 'none';
try {
    $jcApache = JeedomConnectWebServer::instance()->status(JeedomConnectConfig::port(), JeedomConnectWebServer::configuredPrefix());
} catch (Throwable $e) {
    log::add('JeedomConnect', 'debug', 'configuration page: web server status unknown: ' . $e->getMessage());
}
?>
<form class="form-horizontal">
    <fieldset>
        <legend><i class="fas fa-network-wired"></i> {{Connexion}}</legend>
        <div class="form-group">
            <label class="col-md-4 control-label">{{Adresse externe HTTP}}</label>
            <div class="col-md-6"><input class="configKey form-control" data-l1key="httpUrl" placeholder="<?php echo htmlspecialchars($jcPlaceholders['httpUrl']); ?>"/></div>
        </div>
        <div class="form-group">
            <label class="col-md-4 control-label">{{Adresse interne HTTP}}</label>
            <div class="col-md-6"><input class="configKey form-control" data-l1key="internHttpUrl" placeholder="<?php echo htmlspecialchars($jcPlaceholders['internHttpUrl']); ?>"/></div>
        </div>
        <div class="form-group">
            <label class="col-md-4 control-label">{{Port d'écoute du websocket}}</label>
            <div class="col-md-2"><input class="configKey form-control" type="number" min="1" max="65535" data-l1key="port" placeholder="8090"/></div>
        </div>
        <div class="form-group">
            <label class="col-md-4 control-label">{{WebSocket via le serveur web de Jeedom (sans redirection de port)}}
                <sup><i class="fas fa-question-circle tooltips" title="{{L'application joint le démon par le serveur web de Jeedom (Apache) : adresses ws(s)://[adresse de Jeedom]/plugins/JeedomConnect/ws. Fonctionne en HTTPS et avec les DNS Jeedom, sans ouvrir de port sur la box.}}"></i></sup></label>
            <div class="col-md-6">
                <input type="checkbox" class="configKey" data-l1key="wsThroughJeedom" id="jcWsThroughJeedom"/>
                <?php
                $jcApacheLabels = array(
                    'installed' => '<span class="label label-success">{{Configuration Apache installée}}</span>',
                    'outdated' => '<span class="label label-warning">{{Configuration Apache à mettre à jour (sauvegardez ou relancez l\'installation du plugin)}}</span>',
                    'missing' => '<span class="label label-warning">{{Configuration Apache absente (relancez l\'installation du plugin)}}</span>',
                    'none' => '<span class="label label-info">{{Apache non détecté : voir la documentation pour nginx}}</span>',
                );
                echo isset($jcApacheLabels[$jcApache]) ? $jcApacheLabels[$jcApache] : '';
                ?>
                <?php if ($jcDns) { ?>
                <div class="alert alert-info jcDnsHint" style="margin-top:5px;">{{DNS Jeedom détecté : le websocket sur le port du démon n'est pas joignable par ce service. Cochez cette option pour utiliser le websocket à travers le serveur web de Jeedom (sinon, utilisez le polling).}}</div>
                <?php } ?>
            </div>
        </div>
        <div class="form-group jcThroughJeedomOnly">
            <label class="col-md-4 control-label">{{Démon en écoute locale uniquement (127.0.0.1)}}
                <sup><i class="fas fa-question-circle tooltips" title="{{Le port du démon n'est plus joignable depuis le réseau : seules les connexions passant par le serveur web de Jeedom fonctionnent.}}"></i></sup></label>
            <div class="col-md-6"><input type="checkbox" class="configKey" data-l1key="wsLoopbackOnly"/></div>
        </div>
        <div class="form-group">
            <label class="col-md-4 control-label">{{Adresse externe websocket}}
                <sup><i class="fas fa-question-circle tooltips" title="{{Sans l'option « via le serveur web de Jeedom », non compatible avec les DNS Jeedom. Ex : ws://mondomaine.ddns.net:12365}}"></i></sup></label>
            <div class="col-md-6"><input class="configKey form-control" data-l1key="wsAddress" placeholder="<?php echo htmlspecialchars($jcPlaceholders['wsAddress']); ?>"/></div>
        </div>
        <div class="form-group">
            <label class="col-md-4 control-label">{{Adresse interne websocket}}</label>
            <div class="col-md-6"><input class="configKey form-control" data-l1key="internWsAddress" placeholder="<?php echo htmlspecialchars($jcPlaceholders['internWsAddress']); ?>"/></div>
        </div>
        <legend><i class="fas fa-cogs"></i> {{Démon}}</legend>
        <div class="form-group">
            <label class="col-md-4 control-label">{{Port Socket Démon}}</label>
            <div class="col-md-2"><input class="configKey form-control" type="number" min="1" max="65535" data-l1key="socketport" placeholder="58090"/></div>
        </div>
        <div class="form-group">
            <label class="col-md-4 control-label">{{Niveau de log du démon}}</label>
            <div class="col-md-3">
                <select class="configKey form-control" data-l1key="daemonLog">
                    <option value="parent">{{Identique au plugin}}</option>
                    <option value="100">Debug</option>
                    <option value="200">Info</option>
                    <option value="300">Warning</option>
                    <option value="400">Error</option>
                    <option value="1000">{{Aucun}}</option>
                </select>
            </div>
        </div>
        <div class="form-group">
            <label class="col-md-4 control-label">{{État en direct}}</label>
            <div class="col-md-8" id="div_jcDaemonStatus"><span class="label label-default">{{Chargement...}}</span></div>
        </div>
    </fieldset>
</form>
<script>
function jcRefreshDaemonStatus() {
    $.ajax({
        type: 'POST', url: 'plugins/JeedomConnect/core/ajax/JeedomConnect.ajax.php', dataType: 'json',
        data: {action: 'getDaemonStatus'},
        success: function (data) {
            var div = $('#div_jcDaemonStatus');
            if (data.state != 'ok' || !data.result) {
                div.html('<span class="label label-warning">{{Démon arrêté ou injoignable}}</span>');
                return;
            }
            var s = data.result, html = '<div>{{Version}} ' + s.version + ' - {{démarré depuis}} ' + s.uptime + ' s - ws: ' +
                (s.connections ? s.connections.ws : 0) + ', sse: ' + (s.connections ? s.connections.sse : 0) + '</div>';
            html += '<table class="table table-condensed"><thead><tr><th>{{Appareil}}</th><th>{{Mode}}</th><th>{{Connecté}}</th><th>{{Depuis}}</th><th>{{Adresse}}</th></tr></thead><tbody>';
            (s.devices || []).forEach(function (d) {
                html += '<tr><td>' + $('<span>').text(d.name || d.apiKey).html() + '</td><td>' + $('<span>').text(d.mode).html() + '</td><td>' +
                    (d.connected ? '<span class="label label-success">{{Oui}}</span>' : '<span class="label label-default">{{Non}}</span>') +
                    '</td><td>' + (d.since ? new Date(d.since * 1000).toLocaleString() : '') + '</td><td>' + $('<span>').text(d.address || '').html() + '</td></tr>';
            });
            div.html(html + '</tbody></table>');
        }
    });
}
jcRefreshDaemonStatus();
var jcWsDefaults = <?php echo json_encode($jcWsDefaults); ?>;
function jcSyncThroughJeedom() {
    var on = $('#jcWsThroughJeedom').is(':checked');
    $('.jcThroughJeedomOnly').toggle(on);
    var d = jcWsDefaults[on ? 'on' : 'off'];
    $('.configKey[data-l1key=wsAddress]').attr('placeholder', d.wsAddress);
    $('.configKey[data-l1key=internWsAddress]').attr('placeholder', d.internWsAddress);
}
$('#jcWsThroughJeedom').on('change', jcSyncThroughJeedom);
setTimeout(jcSyncThroughJeedom, 500); // after the core has loaded the saved values
jcSyncThroughJeedom();
function JeedomConnect_postSaveConfiguration() {
    jcSyncThroughJeedom();
    jcRefreshDaemonStatus();
}
</script>
