/* The duty page: the roster by month (administrators edit a day), importing the 值班表, swaps
 * (officers ask, leaders approve or reject), the duty log with notes and the daily report.
 * Plain ES2017, no framework. The login is the browser's one login (session.js).
 */
(function () {
  'use strict';

  var WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];
  var state = { user: null, tab: 'roster', rooms: [], people: [] };

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function hhmm(iso) { var m = /T(\d{2}):(\d{2})/.exec(iso || ''); return m ? m[1] + ':' + m[2] : ''; }
  function day(iso) { return (iso || '').slice(0, 10); }

  // ---- API (api/static/session.js) ----------------------------------------------------------

  var api = WatchdSession.api;
  var problem = WatchdSession.problem;
  var notice = WatchdSession.notice;
  var handle = WatchdSession.handle;

  // ---- login (api/static/session.js) --------------------------------------------------------

  async function enter(me) {
    state.user = me;
    // Tabs this login's role may use: importing the roster is the administrator's; cadres have no log.
    document.querySelector('.a-tab[data-tab=import]').hidden = !WatchdSession.can('duty.roster.manage');
    document.querySelector('.a-tab[data-tab=log]').hidden = !WatchdSession.can('duty.log.read');
    try {
      var rooms = await api('GET', '/api/duty/rooms');
      if (!rooms.ok) { notice(problem(rooms), 'error'); return; }
      state.rooms = rooms.data;
      var people = await api('GET', '/api/people');
      state.people = people.ok ? people.data : [];
      ['roster-room', 'swap-room', 'log-room'].forEach(function (id) {
        var select = $(id);
        clear(select);
        state.rooms.forEach(function (r) { select.appendChild(el('option', { value: r.id }, [r.name])); });
      });
      var list = $('people-list');
      clear(list);
      state.people.forEach(function (p) { list.appendChild(el('option', { value: p.id }, [p.name])); });
      var now = new Date();
      $('roster-month').value = now.getFullYear() + '-' + pad2(now.getMonth() + 1);
      switchTab('roster');
    } catch (err) { handle(err); }
  }

  function switchTab(name) {
    state.tab = name;
    Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (tab) {
      tab.className = 'a-tab' + (tab.dataset.tab === name ? ' is-active' : '');
    });
    ['roster', 'import', 'swaps', 'log'].forEach(function (t) { $('tab-' + t).hidden = t !== name; });
    notice('');
    if (name === 'roster') { loadRoster(); }
    if (name === 'swaps') { loadSwaps(); }
    if (name === 'log') { loadLog(); }
  }

  // ---- people by id or name -------------------------------------------------------------------

  function personIds(text) {
    var ids = [];
    var unknown = [];
    text.split(/[、,，;；\s]+/).filter(Boolean).forEach(function (token) {
      var byId = state.people.filter(function (p) { return p.id === token; });
      var byName = state.people.filter(function (p) { return p.name === token; });
      var found = byId.length ? byId : byName;
      if (found.length === 1) { ids.push(found[0].id); } else { unknown.push(token); }
    });
    if (unknown.length) { throw new Error('无法确定人员：' + unknown.join('、') + '（同名时请填写编号）'); }
    return ids;
  }

  function names(list) { return list.map(function (p) { return p.name; }).join('、'); }

  // ---- roster ---------------------------------------------------------------------------------

  function monthRange() {
    var value = $('roster-month').value;
    var parts = value.split('-').map(Number);
    var last = new Date(Date.UTC(parts[0], parts[1], 0)).getUTCDate();
    return { first: value + '-01', last: value + '-' + pad2(last) };
  }

  // The month and room pickers may fire more than one change for one choice: load each choice once, and
  // show only the answer to the latest load (an earlier one arriving late must not wipe a row being edited).
  var rosterLoad = { seq: 0, key: '' };

  function rosterKey() { return $('roster-room').value + '|' + $('roster-month').value; }

  function onRosterChoice() {
    if (rosterKey() !== rosterLoad.key) { loadRoster(); }
  }

  async function loadRoster() {
    var range = monthRange();
    var room = $('roster-room').value;
    var seq = ++rosterLoad.seq;
    rosterLoad.key = rosterKey();
    try {
      var result = await api('GET', '/api/duty/roster?room=' + encodeURIComponent(room) + '&first=' + range.first + '&last=' + range.last);
      if (seq !== rosterLoad.seq) { return; }
      if (!result.ok) { notice(problem(result), 'error'); return; }
      renderRoster(result.data);
    } catch (err) { handle(err); }
  }

  function renderRoster(shifts) {
    var body = $('roster-body');
    clear(body);
    var admin = state.user && state.user.role === 'admin';
    showRosterEmpty(!shifts.some(function (s) { return (s.officers || []).length || (s.leaders || []).length; }), admin);
    shifts.forEach(function (s) {
      var d = new Date(s.day + 'T00:00:00');
      var swapped = s.swapped ? el('div', { className: 'u-swapped' }, ['已换班（原排班：' + (names(s.planned_officers) || '无') + ' / ' + (names(s.planned_leaders) || '无') + '）']) : null;
      var row = el('tr', { dataset: { day: s.day } }, [
        el('td', {}, [s.day.slice(5) + ' 周' + WEEKDAYS[d.getDay()]]),
        el('td', { className: 'u-officers' }, [names(s.officers) || '—', swapped]),
        el('td', { className: 'u-leaders' }, [names(s.leaders) || '—']),
        el('td', { className: 'a-actions' }, [admin ? el('button', {
          className: 'a-btn is-small is-secondary', type: 'button', onclick: function () { editDay(row, s); }
        }, ['修改']) : null])
      ]);
      body.appendChild(row);
    });
  }

  /** An empty month names the next step: import the 值班表 (administrators) or ask for it. */
  function showRosterEmpty(empty, admin) {
    var box = $('roster-empty');
    clear(box);
    box.hidden = !empty;
    if (!empty) { return; }
    if (!admin) {
      box.appendChild(document.createTextNode('本月还没有排班。请联系管理员在“值班管理 → 导入值班表”中导入值班表。'));
      return;
    }
    box.appendChild(el('span', {}, ['本月还没有排班：请导入办公室的值班表（Excel 或 CSV），或点某天的“修改”逐日填写。' +
      '排班之前，警情发给配置文件 [[alerts.on_call]] 中的领导。 ']));
    box.appendChild(el('button', { className: 'a-btn is-small', type: 'button', onclick: function () { switchTab('import'); } }, ['导入值班表']));
  }

  function editDay(row, s) {
    var officers = el('input', { type: 'text', value: names(s.planned_officers) });
    var leaders = el('input', { type: 'text', value: names(s.planned_leaders) });
    officers.setAttribute('list', 'people-list');
    leaders.setAttribute('list', 'people-list');
    clear(row.children[1]); row.children[1].appendChild(officers); row.children[1].className = 'u-edit';
    clear(row.children[2]); row.children[2].appendChild(leaders); row.children[2].className = 'u-edit';
    clear(row.children[3]);
    row.children[3].appendChild(el('button', { className: 'a-btn is-small', type: 'button', onclick: async function () {
      try {
        var body = { officers: personIds(officers.value), leaders: personIds(leaders.value) };
        var result = await api('PUT', '/api/duty/roster/' + encodeURIComponent(s.room_id) + '/' + s.day, { json: body });
        if (!result.ok) { notice(problem(result), 'error'); return; }
        notice(s.day + ' 已保存', 'ok');
        loadRoster();
      } catch (err) { handle(err); }
    } }, ['保存']));
    row.children[3].appendChild(el('button', { className: 'a-btn is-small is-secondary', type: 'button', onclick: loadRoster }, ['取消']));
  }

  async function downloadIcs() {
    var range = monthRange();
    var path = '/api/duty/roster.ics?room=' + encodeURIComponent($('roster-room').value) + '&first=' + range.first + '&last=' + range.last;
    try {
      await WatchdSession.download(path, 'duty-' + range.first.slice(0, 7) + '.ics');
    } catch (err) { handle(err); }
  }

  // ---- import ---------------------------------------------------------------------------------

  async function runImport(dryRun) {
    var file = $('import-file').files[0];
    if (!file) { notice('请先选择值班表文件', 'error'); return; }
    var form = new FormData();
    form.append('file', file, file.name);
    $('import-errors').hidden = true;
    try {
      var result = await api('POST', '/api/duty/roster/import' + (dryRun ? '?dry_run=true' : ''), { form: form });
      var box = $('import-result');
      box.hidden = false;
      if (result.ok) {
        var r = result.data;
        box.className = 'a-notice is-ok';
        box.textContent = (r.written ? '已导入 ' : '检查通过，可导入 ') + r.days + ' 个班次（' + (r.first || '') + ' 至 ' + (r.last || '') + '）';
        return;
      }
      box.className = 'a-notice is-error';
      box.textContent = problem(result);
      var errors = (result.data && result.data.detail && result.data.detail.errors) || [];
      var body = $('import-errors-body');
      clear(body);
      errors.forEach(function (e) {
        body.appendChild(el('tr', {}, [el('td', {}, ['第 ' + e.row + ' 行']), el('td', {}, [e.column]), el('td', {}, [e.value]), el('td', {}, [e.message])]));
      });
      $('import-errors').hidden = !errors.length;
    } catch (err) { handle(err); }
  }

  // ---- swaps ----------------------------------------------------------------------------------

  async function loadSwaps() {
    try {
      var result = await api('GET', '/api/duty/swaps');
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var body = $('swaps-body');
      clear(body);
      var canDecide = state.user && (state.user.role === 'leader' || state.user.role === 'admin');
      if (!result.data.length) { body.appendChild(el('tr', {}, [el('td', { colSpan: 8, className: 'a-empty' }, ['暂无换班申请'])])); }
      result.data.forEach(function (s) {
        var actions = [];
        if (s.status === 'pending' && canDecide) {
          actions.push(el('button', { className: 'a-btn is-small', type: 'button', onclick: function () { decide(s.id, 'approve'); } }, ['批准']));
          actions.push(el('button', { className: 'a-btn is-small is-danger', type: 'button', onclick: function () { decide(s.id, 'reject'); } }, ['驳回']));
        }
        if (s.status === 'pending') {
          actions.push(el('button', { className: 'a-btn is-small is-secondary', type: 'button', onclick: function () { decide(s.id, 'cancel'); } }, ['撤回']));
        }
        body.appendChild(el('tr', { dataset: { swap: String(s.id) } }, [
          el('td', {}, [s.room_name + ' ' + s.day]),
          el('td', {}, [s.role_text]),
          el('td', {}, [s.from_person.name + ' → ' + s.to_person.name]),
          el('td', {}, [s.back_day || '']),
          el('td', {}, [s.reason]),
          el('td', {}, [s.status_text + (s.decision_note ? '（' + s.decision_note + '）' : '')]),
          el('td', {}, [day(s.approve_by) + ' ' + hhmm(s.approve_by)]),
          el('td', { className: 'a-actions' }, actions)
        ]));
      });
    } catch (err) { handle(err); }
  }

  async function decide(id, action) {
    var note = '';
    if (action === 'reject') { note = window.prompt('驳回理由（可不填）', '') || ''; }
    try {
      var result = action === 'cancel'
        ? await api('POST', '/api/duty/swaps/' + id + '/cancel')
        : await api('POST', '/api/duty/swaps/' + id + '/' + action, { json: { note: note } });
      if (!result.ok) { notice(problem(result), 'error'); } else { notice('已' + result.data.status_text, 'ok'); }
      loadSwaps();
    } catch (err) { handle(err); }
  }

  async function requestSwap(event) {
    event.preventDefault();
    try {
      var body = {
        room_id: $('swap-room').value, day: $('swap-day').value, role: $('swap-role').value,
        to_person: personIds($('swap-to').value)[0], reason: $('swap-reason').value
      };
      if ($('swap-from').value.trim()) { body.from_person = personIds($('swap-from').value)[0]; }
      if ($('swap-back').value) { body.back_day = $('swap-back').value; }
      var result = await api('POST', '/api/duty/swaps', { json: body });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      notice('换班申请已提交，等待带班领导审批', 'ok');
      $('swap-form').reset();
      loadSwaps();
    } catch (err) { handle(err); }
  }

  // ---- the duty log ---------------------------------------------------------------------------

  async function loadLog() {
    var room = $('log-room').value;
    var dayValue = $('log-day').value;
    var query = dayValue ? '?day=' + dayValue : '';
    try {
      var result = await api('GET', '/api/duty/log/' + encodeURIComponent(room) + query);
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var log = result.data;
      if (!dayValue) { $('log-day').value = log.shift.day; }
      var body = $('log-timeline');
      clear(body);
      if (!log.timeline.length) { body.appendChild(el('tr', {}, [el('td', { colSpan: 4, className: 'a-empty' }, ['暂无记录'])])); }
      log.timeline.forEach(function (s) {
        var faces = Object.keys(s.faces).map(function (k) { return k + ' ' + s.faces[k] + ' 次'; }).join('、');
        body.appendChild(el('tr', {}, [
          el('td', {}, [hhmm(s.start) + '–' + hhmm(s.end)]),
          el('td', { className: 'u-state-' + s.state }, [s.state_text]),
          el('td', {}, [Math.round(s.minutes) + ' 分']),
          el('td', {}, [faces])
        ]));
      });
      var notes = $('log-notes');
      clear(notes);
      log.notes.forEach(function (n) { notes.appendChild(el('li', {}, [hhmm(n.at) + ' ' + n.author + '：' + n.text])); });
      var report = await api('GET', '/api/duty/log/' + encodeURIComponent(room) + '/report' + '?day=' + log.shift.day);
      $('log-report').textContent = report.ok ? report.data : problem(report);
    } catch (err) { handle(err); }
  }

  async function addNote(event) {
    event.preventDefault();
    var text = $('note-text').value.trim();
    if (!text) { return; }
    var key = 'note-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    try {
      var result = await api('POST', '/api/duty/log/' + encodeURIComponent($('log-room').value) + '/notes', {
        json: { text: text, day: $('log-day').value || null, client_key: key }
      });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      $('note-text').value = '';
      loadLog();
    } catch (err) { handle(err); }
  }

  // ---- start ----------------------------------------------------------------------------------

  Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (tab) {
    tab.addEventListener('click', function () { switchTab(tab.dataset.tab); });
  });
  $('roster-room').addEventListener('change', onRosterChoice);
  $('roster-month').addEventListener('change', onRosterChoice);
  $('roster-ics').addEventListener('click', downloadIcs);
  $('import-check').addEventListener('click', function () { runImport(true); });
  $('import-run').addEventListener('click', function () { runImport(false); });
  $('swap-form').addEventListener('submit', requestSwap);
  $('log-room').addEventListener('change', function () { $('log-day').value = ''; loadLog(); });
  $('log-day').addEventListener('change', loadLog);
  $('log-refresh').addEventListener('click', loadLog);
  $('note-form').addEventListener('submit', addNote);

  WatchdSession.start({ onEnter: enter });
}());
