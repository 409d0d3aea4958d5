/* The admin page's 设备 tab: the sites, the kiosks, and a new kiosk link (device token) for one.
 * Plain ES2017; calls the API through session.js; admin.js shows the tab and hands over the sites.
 */
(function () {
  'use strict';

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  var api = WatchdSession.api;
  var problem = WatchdSession.problem;
  var handle = WatchdSession.handle;
  var KIND_NAMES = { village: '嘎查（村）', office: '办公地点', duty_room: '值班室', protected_site: '重点部位' };

  /** Show the tab: the sites (from admin.js) and the kiosks with a button for a new link each. */
  async function load(sites) {
    try {
      var body = $('sites-body');
      clear(body);
      sites.forEach(function (s) {
        body.appendChild(el('tr', {}, [el('td', {}, [s.id]), el('td', {}, [s.name]), el('td', {}, [KIND_NAMES[s.kind] || s.kind])]));
      });
      // GET /api/devices may not exist on this server version: then the id is typed in.
      var result = await api('GET', '/api/devices');
      var devices = result.ok && Array.isArray(result.data) ? result.data.filter(function (d) {
        return !d.kind || d.kind === 'kiosk_web' || d.kind === 'kiosk_camera';
      }) : [];
      renderDevices(devices, sites);
    } catch (err) { handle(err); }
  }

  function renderDevices(devices, sites) {
    var names = {};
    sites.forEach(function (s) { names[s.id] = s.name; });
    var body = $('device-body');
    var list = $('device-ids');
    clear(body);
    clear(list);
    $('device-list-wrap').hidden = !devices.length;
    devices.forEach(function (d) {
      var site = d.site_name || names[d.site_id || d.site || ''] || d.site_id || '';
      list.appendChild(el('option', { value: d.id }));
      body.appendChild(el('tr', {}, [
        el('td', {}, [d.id]),
        el('td', {}, [d.name || '']),
        el('td', {}, [site]),
        el('td', {}, [el('button', { type: 'button', className: 'a-btn is-small', onclick: function () { issueToken(d.id); } }, ['生成签到机链接'])])
      ]));
    });
  }

  async function issueToken(deviceId) {
    $('device-error').hidden = true;
    $('device-result').hidden = true;
    if (!deviceId) { return; }
    if (!window.confirm('为 ' + deviceId + ' 生成新的签到机链接？该签到机原来的链接将立即失效。')) { return; }
    try {
      var result = await api('POST', '/api/devices/' + encodeURIComponent(deviceId) + '/token');
      if (!result.ok) {
        $('device-error').textContent = problem(result);
        $('device-error').hidden = false;
        return;
      }
      $('device-result-id').textContent = result.data.device_id;
      $('device-link').textContent = result.data.kiosk_url;
      $('device-result').hidden = false;
    } catch (err) { handle(err); }
  }

  function copyLink() {
    var text = $('device-link').textContent;
    var done = function () { $('device-copy').textContent = '已复制'; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, selectLink);
    } else {
      selectLink();
    }
  }

  function selectLink() {
    var range = document.createRange();
    range.selectNodeContents($('device-link'));
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try { if (document.execCommand('copy')) { $('device-copy').textContent = '已复制'; } } catch (err) { /* select only */ }
  }

  $('device-form').addEventListener('submit', function (event) {
    event.preventDefault();
    issueToken($('device-id').value.trim());
  });
  $('device-copy').addEventListener('click', copyLink);

  window.WatchdAdminDevices = { load: load };
})();
