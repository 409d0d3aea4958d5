/* The leader on duty's phone page (/spotcheck): start a spot check (查岗) on the duty-room screen or
 * by text, and see this shift's checks. Needs dom.js and session.js (plain ES2017). */
(function (global) {
  'use strict';

  var $ = global.WatchdDom.$;
  var el = global.WatchdDom.el;
  var clear = global.WatchdDom.clear;

  function auth(json) {
    var h = { Authorization: 'Bearer ' + global.WatchdSession.token() };
    if (json) { h['Content-Type'] = 'application/json'; }
    return h;
  }

  function hm(iso) { return iso ? iso.slice(11, 16) : ''; }

  function say(text, bad) {
    var r = $('result');
    r.textContent = text;
    r.className = 'sc-result' + (bad ? ' is-bad' : '');
    r.hidden = false;
  }

  async function loadChecks() {
    var room = $('room').value;
    if (!room) { return; }
    var response = await fetch('/api/spotchecks?room_id=' + encodeURIComponent(room), { headers: auth(false) });
    if (!response.ok) { return; }
    var list = $('checks');
    clear(list);
    var checks = await response.json();
    if (!checks.length) { list.appendChild(el('li', {}, ['本班暂无查岗'])); }
    checks.forEach(function (c) {
      var line = hm(c.issued_at || c.planned_at) + ' ' + c.channel_text + ' ' + c.status_text;
      if (c.answer_seconds !== null) { line += '，用时 ' + c.answer_seconds + ' 秒'; }
      if (c.started_by) { line += '（' + c.started_by + ' 发起）'; }
      if (c.note) { line += '（' + c.note + '）'; }
      list.appendChild(el('li', { className: 'sc-' + c.status }, [line]));
    });
  }

  async function start(event) {
    var channel = event.currentTarget.dataset.channel;
    event.currentTarget.disabled = true;
    try {
      var response = await fetch('/api/spotchecks', {
        method: 'POST', headers: auth(true), body: JSON.stringify({ room_id: $('room').value, channel: channel })
      });
      var data = await response.json();
      if (!response.ok) { say(global.WatchdSession.detailOf(data).message || '发起失败', true); return; }
      say((channel === 'sms' ? '已发短信给 ' + data.texted : '值班室大屏已弹出查岗') + '，请于 ' + hm(data.due_at) +
        ' 前应答。');
      loadChecks();
    } catch (err) {
      say('无法连接服务器，请检查网络', true);
    } finally {
      event.currentTarget.disabled = false;
    }
  }

  async function enter() {
    var response = await fetch('/api/duty/rooms', { headers: auth(false) });
    if (!response.ok) { return; }
    var select = $('room');
    clear(select);
    (await response.json()).forEach(function (r) { select.appendChild(el('option', { value: r.id }, [r.name])); });
    loadChecks();
  }

  $('start-screen').addEventListener('click', start);
  $('start-sms').addEventListener('click', start);
  $('room').addEventListener('change', loadChecks);
  global.WatchdSession.start({ onEnter: enter });
})(window);
