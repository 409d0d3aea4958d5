/* The cadre's mobile page: paired households and this month's visits, recording a visit (photo and
 * location optional), leave and make-up punch requests, reminders. Plain ES2017, no framework.
 * A visit keeps its client key until the server has it, so pressing 提交 again after a network
 * error cannot record it twice.
 */
(function () {
  'use strict';

  var state = { user: null, tab: 'pairs', household: null, visitKey: null, location: null };

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function localInput(d) {
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }
  /** A datetime-local value as ISO 8601 with this device's UTC offset. */
  function withOffset(value) {
    var d = new Date(value);
    var minutes = -d.getTimezoneOffset();
    var sign = minutes >= 0 ? '+' : '-';
    minutes = Math.abs(minutes);
    return value + (value.length === 16 ? ':00' : '') + sign + pad(Math.floor(minutes / 60)) + ':' + pad(minutes % 60);
  }
  function dayBound(day, half, isEnd) {
    if (!isEnd) { return withOffset(day + (half === 'pm' ? 'T12:00' : 'T00:00')); }
    if (half === 'am') { return withOffset(day + 'T12:00'); }
    var next = new Date(day + 'T00:00');
    next.setDate(next.getDate() + 1);
    return withOffset(localInput(next));
  }
  function shortTime(iso) { return iso ? iso.replace('T', ' ').slice(0, 16) : ''; }
  function randomKey() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return 'visit-' + Array.prototype.map.call(bytes, function (b) { return pad(b.toString(16)); }).join('');
  }

  // ---- API (api/static/session.js) ----------------------------------------------------------

  var notice = WatchdSession.notice;
  var handle = WatchdSession.handle;
  var problem = WatchdSession.problem;
  var detailOf = WatchdSession.detailOf;
  var api = WatchdSession.caller({ offline: '网络不通，请稍后再提交（已填写的内容会保留）' });

  // ---- login (api/static/session.js) --------------------------------------------------------

  function enter(me) {
    state.user = me;
    switchTab(state.tab);
  }

  function switchTab(name) {
    state.tab = name;
    Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (tab) {
      tab.className = 'a-tab' + (tab.dataset.tab === name ? ' is-active' : '');
    });
    ['pairs', 'leave', 'makeup', 'reminders'].forEach(function (tab) { $('tab-' + tab).hidden = tab !== name; });
    notice('');
    if (name === 'pairs') { loadPairs(); }
    if (name === 'leave') { loadLeave(); }
    if (name === 'makeup') { loadMakeups(); }
    if (name === 'reminders') { loadReminders(); }
  }

  // ---- pairings and visits ------------------------------------------------------------------

  async function loadPairs() {
    try {
      var result = await api('GET', '/api/pairings?person=' + encodeURIComponent(state.user.username));
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var list = $('pairs-list'); clear(list);
      var open = result.data.filter(function (p) { return !p.compliant; }).length;
      $('pairs-summary').textContent = result.data.length
        ? '本月结亲户 ' + result.data.length + ' 户，还有 ' + open + ' 户未走访。'
        : emptyPairs();
      $('pairs-summary').className = result.data.length ? 'a-muted' : 'a-notice is-info';
      result.data.forEach(function (p) {
        list.appendChild(el('li', { className: 'v-item ' + (p.compliant ? 'is-done' : 'is-open') }, [
          el('h3', {}, [p.household_name + '（' + p.household_id + '）']),
          el('div', { className: 'a-muted' }, [(p.village_name || '') + ' ' + (p.address || '')]),
          el('div', {}, [p.compliant ? '本月已走访 ' + p.visits + ' 次，最近 ' + shortTime(p.last_visit_at) : '本月未走访']),
          el('button', { className: 'a-btn is-small', type: 'button', onclick: function () { openVisit(p); } }, ['登记走访'])
        ]));
      });
    } catch (err) { handle(err); }
  }

  /** No pairing: say why and what to do, for the cadre and for an office login. */
  function emptyPairs() {
    if (state.user && state.user.name) {
      return state.user.name + '，您还没有结对的农户。结对名单由管理员在“考勤报表 → 导入结对”中导入，导入后这里会列出您的结亲户。';
    }
    return '此页供干部本人登记走访、请假和补卡：请用干部的账号登录（用户名为人员编号，例如 c001；' +
      '管理员用 watchd add-user c001 --role cadre 创建）。结对名单在“考勤报表 → 导入结对”中导入。';
  }

  function openVisit(pairing) {
    if (!state.household || state.household.household_id !== pairing.household_id) {
      state.visitKey = randomKey();
      $('visit-note').value = '';
      $('visit-photo').value = '';
      $('visit-time').value = localInput(new Date());
      $('visit-where').checked = false;
      state.location = null;
      $('visit-location').textContent = '';
    }
    state.household = pairing;
    $('visit-household').textContent = pairing.household_name;
    $('visit-form').hidden = false;
    $('visit-form').scrollIntoView();
  }

  function askLocation() {
    if (!$('visit-where').checked) { state.location = null; $('visit-location').textContent = ''; return; }
    if (!navigator.geolocation) { $('visit-location').textContent = '此设备不能定位'; return; }
    $('visit-location').textContent = '正在定位…';
    navigator.geolocation.getCurrentPosition(function (pos) {
      state.location = { latitude: pos.coords.latitude, longitude: pos.coords.longitude };
      $('visit-location').textContent = '位置：' + pos.coords.latitude.toFixed(5) + ', ' + pos.coords.longitude.toFixed(5);
    }, function () {
      state.location = null;
      $('visit-location').textContent = '未能获得位置（可不填）';
    }, { enableHighAccuracy: true, timeout: 15000 });
  }

  async function submitVisit(event) {
    event.preventDefault();
    var form = new FormData();
    form.append('household_id', state.household.household_id);
    form.append('visited_at', withOffset($('visit-time').value));
    form.append('note', $('visit-note').value.trim());
    form.append('client_key', state.visitKey);
    if (state.location) {
      form.append('latitude', String(state.location.latitude));
      form.append('longitude', String(state.location.longitude));
    }
    var photo = $('visit-photo').files[0];
    if (photo) { form.append('photo', photo, photo.name); }
    $('visit-submit').disabled = true;
    try {
      var result = await api('POST', '/api/visits', { form: form });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      notice((result.status === 200 ? '这次走访已经登记过：' : '已登记走访：') + state.household.household_name, 'ok');
      state.household = null;
      $('visit-form').hidden = true;
      loadPairs();
    } catch (err) { handle(err); } finally { $('visit-submit').disabled = false; }
  }

  // ---- leave and make-up punches ------------------------------------------------------------

  function requestItem(title, lines, cancel) {
    return el('li', { className: 'v-item' }, [el('h3', {}, [title])].concat(lines.map(function (l) {
      return el('div', { className: 'a-muted' }, [l]);
    })).concat(cancel ? [cancel] : []));
  }

  async function loadLeave() {
    try {
      if (!$('leave-kind').options.length) {
        var kinds = await api('GET', '/api/leave/kinds');
        kinds.data.forEach(function (k) { $('leave-kind').appendChild(el('option', { value: k.kind }, [k.name])); });
      }
      var result = await api('GET', '/api/leave?person=' + encodeURIComponent(state.user.username));
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var list = $('leave-list'); clear(list);
      if (!result.data.length) { list.appendChild(el('li', { className: 'a-muted' }, ['还没有请假申请：填写上面的表格提交，领导审批后计入考勤。'])); }
      result.data.forEach(function (r) {
        var cancel = (r.status === 'pending' || r.status === 'approved')
          ? el('button', { className: 'a-btn is-small is-secondary', type: 'button', onclick: function () { cancelLeave(r.id); } }, ['撤销'])
          : null;
        list.appendChild(requestItem(r.kind_label + ' · ' + r.status_label,
          [shortTime(r.start_at) + ' 至 ' + shortTime(r.end_at), r.reason, r.decision_note], cancel));
      });
    } catch (err) { handle(err); }
  }

  async function submitLeave(event) {
    event.preventDefault();
    try {
      var result = await api('POST', '/api/leave', { json: {
        kind: $('leave-kind').value,
        start_at: dayBound($('leave-start').value, $('leave-start-half').value, false),
        end_at: dayBound($('leave-end').value, $('leave-end-half').value, true),
        reason: $('leave-reason').value.trim()
      } });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      notice('请假申请已提交，等待领导审批', 'ok');
      $('leave-reason').value = '';
      loadLeave();
    } catch (err) { handle(err); }
  }

  async function cancelLeave(id) {
    try {
      var result = await api('POST', '/api/leave/' + id + '/cancel');
      if (!result.ok) { notice(problem(result), 'error'); return; }
      notice('已撤销', 'ok');
      loadLeave();
    } catch (err) { handle(err); }
  }

  async function loadMakeups() {
    try {
      if ($('makeup-site').options.length <= 1) {
        var sites = await api('GET', '/api/sites');
        if (sites.ok) { sites.data.forEach(function (s) { $('makeup-site').appendChild(el('option', { value: s.id }, [s.name])); }); }
      }
      var result = await api('GET', '/api/makeups?person=' + encodeURIComponent(state.user.username));
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var list = $('makeup-list'); clear(list);
      if (!result.data.length) { list.appendChild(el('li', { className: 'a-muted' }, ['还没有补卡申请：忘记打卡时填写上面的表格，领导审批后计入考勤。'])); }
      result.data.forEach(function (r) {
        list.appendChild(requestItem(shortTime(r.punch_at) + ' · ' + r.status_label, [r.reason, r.decision_note]));
      });
    } catch (err) { handle(err); }
  }

  async function submitMakeup(event) {
    event.preventDefault();
    try {
      var result = await api('POST', '/api/makeups', { json: {
        punch_at: withOffset($('makeup-time').value), site_id: $('makeup-site').value || null,
        reason: $('makeup-reason').value.trim()
      } });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      notice('补卡申请已提交，等待领导审批', 'ok');
      $('makeup-reason').value = '';
      loadMakeups();
    } catch (err) { handle(err); }
  }

  async function loadReminders() {
    try {
      var result = await api('GET', '/api/reminders');
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var list = $('reminder-list'); clear(list);
      if (!result.data.length) { list.appendChild(el('li', { className: 'a-muted' }, ['没有提醒'])); }
      result.data.forEach(function (r) { list.appendChild(requestItem(shortTime(r.created_at), [r.text])); });
    } catch (err) { handle(err); }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (tab) {
      tab.addEventListener('click', function () { switchTab(tab.dataset.tab); });
    });
    $('visit-form').addEventListener('submit', submitVisit);
    $('visit-cancel').addEventListener('click', function () { state.household = null; $('visit-form').hidden = true; });
    $('visit-where').addEventListener('change', askLocation);
    $('leave-form').addEventListener('submit', submitLeave);
    $('makeup-form').addEventListener('submit', submitMakeup);
    var now = new Date();
    $('leave-start').value = localInput(now).slice(0, 10);
    $('leave-end').value = localInput(now).slice(0, 10);
    $('makeup-time').value = localInput(now);
    WatchdSession.start({ onEnter: enter });
  }

  start();
}());
