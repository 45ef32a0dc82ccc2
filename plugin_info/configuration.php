<?php
/*
 * JeedomConnect - plugin configuration page (ports, addresses, daemon log level) and the daemon's live status.
 * Empty address fields use the defaults shown as placeholders: they follow Jeedom's network settings and the port.
 * Saving a changed address/port regenerates every QR code and restarts a running daemon (JeedomConnectConfig).
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
            <label class="col-md-4 control-label">{{Adresse externe websocket}}
                <sup><i class="fas fa-question-circle tooltips" title="{{NON-compatible avec les DNS Jeedom. Ex : ws://mondomaine.ddns.net:12365}}"></i></sup></label>
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
function JeedomConnect_postSaveConfiguration() {
    jcRefreshDaemonStatus();
}
</script>
