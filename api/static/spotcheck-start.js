/* The leader on duty's phone page (/spotcheck): start a spot check (查岗) on the duty-room screen or
 * by text, and see this shift's checks. Needs dom.js and session.js (plain ES2017). */
(function (global) {
  'use strict';

  var $ = global.WatchdDom.$;
  var el = global.WatchdDom.el;
  var clear = global.WatchdDom.clear;

  var S = global.WatchdSession;

  function hm(iso) { return iso ? iso.slice(11, 16) : ''; }

  function say(text, bad) {
    var r = $('result');
    r.textContent = text;
    r.className = 'sc-result' + (bad ? ' is-bad' : '');
    r.hidden = false;
  }

  /** A call that got no answer (the login form already says why after a 401). */
  function failed(err) {
    if (!(err instanceof S.AuthError)) { say(err && err.message ? err.message : String(err), true); }
  }

  async function loadChecks() {
    var room = $('room').value;
    if (!room) { return; }
    var result = await S.api('GET', '/api/spotchecks?room_id=' + encodeURIComponent(room));
    if (!result.ok) { say(S.problem(result), true); return; }
    var list = $('checks');
    clear(list);
    var checks = result.data;
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
    var button = event.currentTarget;
    var channel = button.dataset.channel;
    button.disabled = true;
    try {
      var result = await S.api('POST', '/api/spotchecks', { json: { room_id: $('room').value, channel: channel } });
      var data = result.data;
      if (!result.ok) { say(S.problem(result), true); return; }
      say((channel === 'sms' ? '已发短信给 ' + data.texted : '值班室大屏已弹出查岗') + '，请于 ' + hm(data.due_at) +
        ' 前应答。');
      loadChecks();
    } catch (err) {
      failed(err);
    } finally {
      button.disabled = false;
    }
  }

  async function enter() {
    var result = await S.api('GET', '/api/duty/rooms');
    if (!result.ok) { say(S.problem(result), true); return; }
    var select = $('room');
    clear(select);
    result.data.forEach(function (r) { select.appendChild(el('option', { value: r.id }, [r.name])); });
    await loadChecks();
  }

  $('start-screen').addEventListener('click', start);
  $('start-sms').addEventListener('click', start);
  $('room').addEventListener('change', function () { loadChecks().catch(failed); });
  S.start({ onEnter: function () { enter().catch(failed); } });
})(window);
