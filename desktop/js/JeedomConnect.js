/*
 * JeedomConnect - equipment page behaviour: exclusive websocket/polling checkboxes, QR code, apiKey regeneration,
 * detach, live connection state, layout import/export and "add a command as a widget".
 */
var jcAjaxUrl = 'plugins/JeedomConnect/core/ajax/JeedomConnect.ajax.php';

function jcAjax(action, data, success) {
  data = data || {};
  data.action = action;
  $.ajax({
    type: 'POST', url: jcAjaxUrl, data: data, dataType: 'json',
    error: function (request, status, error) { handleAjaxError(request, status, error); },
    success: function (res) {
      if (res.state != 'ok') {
        $.fn.showAlert({message: res.result, level: 'danger'});
        return;
      }
      if (success) success(res.result);
    }
  });
}

function jcCurrentId() {
  return $('.eqLogicAttr[data-l1key=id]').value();
}

/* useWs and polling are exclusive: ticking one unticks and disables the other (the server enforces it too) */
function jcSyncModes() {
  var ws = $('.jcModeWs').is(':checked');
  var polling = $('.jcModePolling').is(':checked');
  /* Jeedom DNS without the "through Jeedom's web server" option: the WebSocket cannot be reached, offer polling */
  var dnsBlocked = (typeof jcWsBlockedByDns !== 'undefined' && String(jcWsBlockedByDns) === '1');
  $('.jcModePolling').prop('disabled', ws);
  $('.jcModeWs').prop('disabled', (polling || dnsBlocked) && !ws);
  $('.jcDnsWsHint').toggle(dnsBlocked === true); // jQuery's toggle() takes a non-boolean as a duration: it would flip
}
$('.jcModeWs').on('change', function () {
  if ($(this).is(':checked')) $('.jcModePolling').prop('checked', false);
  jcSyncModes();
});
$('.jcModePolling').on('change', function () {
  if ($(this).is(':checked')) $('.jcModeWs').prop('checked', false);
  jcSyncModes();
});

function jcRefreshQr() {
  var key = $('.eqLogicAttr[data-l1key=logicalId]').value();
  $('#img_jcQrCode').attr('src', key ? 'plugins/JeedomConnect/data/qrcodes/' + key + '.png?' + Date.now() : '');
}

function jcRefreshStatus() {
  var id = jcCurrentId();
  if (!id) return;
  jcAjax('getDeviceStatus', {id: id}, function (r) {
    var html;
    if (!r.daemon) {
      html = '<span class="label label-warning">{{Démon arrêté}}</span> ';
    } else if (r.device && r.device.connected) {
      html = '<span class="label label-success">{{Connecté}} (' + $('<span>').text(r.device.mode).html() + ')</span> ' +
        '{{depuis}} ' + new Date(r.device.since * 1000).toLocaleString() + ' - ' + $('<span>').text(r.device.address || '').html();
    } else {
      html = '<span class="label label-default">{{Non connecté}}</span>';
    }
    html += ' <small>{{État de l\'application}} : ' + r.appState + '</small>';
    $('#div_jcDeviceStatus').html(html);
  });
}

function jcRefreshConfig() {
  var id = jcCurrentId();
  if (!id) return;
  jcAjax('getJcConfig', {id: id}, function (txt) { $('#pre_jcConfig').text(txt); });
}

function printEqLogic(_eqLogic) {
  jcSyncModes();
  jcRefreshQr();
  jcRefreshStatus();
  jcRefreshConfig();
}

$('#bt_jcRegenerateQr').on('click', function () {
  jcAjax('regenerateQrCode', {id: jcCurrentId()}, jcRefreshQr);
});

$('#bt_jcRegenerateApiKey').on('click', function () {
  bootbox.confirm('{{Regénérer la clé API ? L\'application devra utiliser la nouvelle clé (nouveau QR Code).}}', function (ok) {
    if (!ok) return;
    jcAjax('regenerateApiKey', {id: jcCurrentId()}, function (key) {
      $('.eqLogicAttr[data-l1key=logicalId]').value(key);
      jcRefreshQr();
    });
  });
});

$('#bt_jcDetach').on('click', function () {
  jcAjax('detach', {id: jcCurrentId()}, function () {
    $('.eqLogicAttr[data-l1key=configuration][data-l2key=deviceName]').value('');
  });
});

$('#bt_jcAddCmdWidget').on('click', function () {
  jeedom.cmd.getSelectModal({}, function (result) {
    jcAjax('addCmdWidget', {id: jcCurrentId(), cmdId: result.cmd.id}, jcRefreshConfig);
  });
});

$('#bt_jcExportConfig').on('click', function () {
  var blob = new Blob([$('#pre_jcConfig').text()], {type: 'application/json'});
  var a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'JeedomConnect-' + jcCurrentId() + '.json';
  a.click();
});

$('#in_jcImportConfig').on('change', function () {
  var file = this.files[0];
  if (!file) return;
  var reader = new FileReader();
  reader.onload = function (e) {
    jcAjax('importJcConfig', {id: jcCurrentId(), config: e.target.result}, jcRefreshConfig);
  };
  reader.readAsText(file);
  this.value = '';
});

setInterval(function () {
  if ($('.eqLogic').is(':visible')) jcRefreshStatus();
}, 10000);

function addCmdToTable(_cmd) {
  if (!isset(_cmd)) var _cmd = {configuration: {}};
  var tr = '<tr class="cmd" data-cmd_id="' + init(_cmd.id) + '">';
  tr += '<td><input class="cmdAttr form-control input-sm" data-l1key="id" style="display:none;"><input class="cmdAttr form-control input-sm" data-l1key="name"></td>';
  tr += '<td><span class="cmdAttr" data-l1key="type"></span> / <span class="cmdAttr" data-l1key="subType"></span></td>';
  tr += '<td>';
  if (is_numeric(_cmd.id)) tr += '<a class="btn btn-default btn-xs cmdAction" data-action="test"><i class="fas fa-rss"></i> {{Tester}}</a>';
  tr += '</td></tr>';
  $('#table_cmd tbody').append(tr);
  $('#table_cmd tbody tr').last().setValues(_cmd, '.cmdAttr');
}
