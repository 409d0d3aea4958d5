/* The work-log phone page: today's entry (pre-filled from the day's records), the weekly plan and its
 * marks, and for leaders who wrote this week, comments, the department's line and the weekly meeting.
 * Plain ES2017, no framework; the township's "today" comes from the server, never this phone's clock.
 */
(function () {
  'use strict';

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  var state = { info: null, tab: 'log', viewing: null };
  var STATUS = { open: '未标记', done: '完成', partly: '部分完成', not_done: '未完成' };
  var WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];

  function shortTime(iso) { return iso ? iso.replace('T', ' ').slice(0, 16) : ''; }
  function addDays(iso, n) {
    var d = new Date(iso + 'T12:00:00Z');
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }
  function monday(iso) {
    var d = new Date(iso + 'T12:00:00Z');
    return addDays(iso, -((d.getUTCDay() + 6) % 7));
  }
  function md(iso) { return Number(iso.slice(5, 7)) + '月' + Number(iso.slice(8, 10)) + '日'; }

  // ---- API (api/static/session.js) ----------------------------------------------------------

  var api = WatchdSession.caller({ offline: '网络不通，请稍后再保存（已填写的内容会保留）' });
  var notice = WatchdSession.notice;
  var problem = WatchdSession.problem;
  var handle = WatchdSession.handle;

  // ---- entry and tabs -----------------------------------------------------------------------

  async function enter() {
    try {
      var result = await api('GET', '/api/worklog/me');
      if (!result.ok) { notice(problem(result), 'error'); return; }
      state.info = result.data;
      var leader = !!(state.info.leads || state.info.admin);
      document.querySelector('.a-tab[data-tab=status]').hidden = !leader;
      document.querySelector('.a-tab[data-tab=meeting]').hidden = !leader;
      $('dept-form').hidden = !state.info.leads;
      $('log-day').value = state.info.today;
      $('log-day').max = state.info.today;
      $('status-week').value = state.info.today;
      $('meeting-week').value = state.info.today;
      switchTab(state.info.person_id ? 'log' : (leader ? 'status' : 'log'));
    } catch (err) { handle(err); }
  }

  function switchTab(name) {
    state.tab = name;
    Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (tab) {
      tab.className = 'a-tab' + (tab.dataset.tab === name ? ' is-active' : '');
    });
    ['log', 'plan', 'status', 'meeting'].forEach(function (tab) { $('tab-' + tab).hidden = tab !== name; });
    notice('');
    if (name === 'log') { loadLog(); }
    if (name === 'plan') { loadPlans(); }
    if (name === 'status') { loadStatus(); }
    if (name === 'meeting') { loadMeeting(); }
  }

  // ---- the day's entry ----------------------------------------------------------------------

  async function loadLog() {
    if (!state.info.person_id) {
      notice('此页供本人填写工作日志：请用人员编号的账号登录（管理员用 watchd add-user c001 --role cadre 创建）。', 'info');
      $('log-form').hidden = true;
      return;
    }
    try {
      var result = await api('GET', '/api/worklog/entry?date=' + $('log-day').value);
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var view = result.data, entry = view.entry;
      $('log-done').value = entry ? entry.done : view.suggested.join('\n');
      $('log-problems').value = entry ? entry.problems : '';
      $('log-plan').value = entry ? entry.plan : '';
      $('log-prefilled').hidden = !!entry || !view.suggested.length;
      var text = entry ? '已保存（第' + entry.version + '版，' + shortTime(entry.updated_at) + '）' : '尚未填写';
      text += view.writable ? '，' + md(view.last_open_day) + '前可修改' : '，已锁定，不能再修改';
      $('log-state').textContent = text;
      ['log-done', 'log-problems', 'log-plan', 'log-submit'].forEach(function (id) { $(id).disabled = !view.writable; });
      renderComments(entry ? entry.comments : [], $('log-comment-list'));
      $('log-comments').hidden = !entry || !entry.comments.length;
      var history = $('log-history-list'); clear(history);
      (entry ? entry.history : []).slice().reverse().forEach(function (h) {
        history.appendChild(el('li', { className: 'v-item' }, [
          el('div', { className: 'a-muted' }, ['第' + h.version + '版，' + shortTime(h.written_at) + ' 填写，' + shortTime(h.replaced_at) + ' 被修改']),
          el('pre', { className: 'wl-text' }, [h.done + (h.problems ? '\n问题：' + h.problems : '') + (h.plan ? '\n计划：' + h.plan : '')])
        ]));
      });
      $('log-history').hidden = !entry || !entry.history.length;
    } catch (err) { handle(err); }
  }

  function renderComments(comments, list) {
    clear(list);
    comments.forEach(function (c) {
      list.appendChild(el('li', { className: 'v-item' }, [
        el('strong', {}, [c.author_name + '：']), c.text, el('div', { className: 'a-muted' }, [shortTime(c.created_at)])
      ]));
    });
  }

  async function saveLog(event) {
    event.preventDefault();
    try {
      var result = await api('PUT', '/api/worklog/entry', { json: { day: $('log-day').value, done: $('log-done').value,
        problems: $('log-problems').value, plan: $('log-plan').value } });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      await loadLog();
      notice('已保存' + md(result.data.day) + '的工作日志（第' + result.data.version + '版）', 'ok');
    } catch (err) { handle(err); }
  }

  // ---- the weekly plan ----------------------------------------------------------------------

  function ownerQuery() {
    var owner = $('plan-owner').value;
    return owner ? '&organisation=' + encodeURIComponent(owner) : '';
  }

  async function loadPlans() {
    var select = $('plan-owner'), chosen = select.value;
    clear(select);
    if (state.info.person_id) { select.appendChild(el('option', { value: '' }, ['本人：' + state.info.name])); }
    if (state.info.leads) { select.appendChild(el('option', { value: state.info.leads }, ['单位：' + state.info.leads])); }
    select.value = chosen || select.options.length && select.options[0].value;
    var week = state.info.week, next = addDays(week, 7);
    $('plan-this-week').textContent = md(week) + '—' + md(addDays(week, 6));
    $('plan-next-week').textContent = md(next) + '—' + md(addDays(next, 6));
    try {
      var now = await api('GET', '/api/plans?week=' + week + ownerQuery());
      var later = await api('GET', '/api/plans?week=' + next + ownerQuery());
      if (!now.ok || !later.ok) { notice(problem(now.ok ? later : now), 'error'); return; }
      var list = $('plan-this'); clear(list);
      if (!now.data.length) { list.appendChild(el('li', { className: 'a-muted' }, ['上周没有为本周定计划。'])); }
      now.data.forEach(function (item) { list.appendChild(thisWeekItem(item)); });
      var nextList = $('plan-next'); clear(nextList);
      later.data.forEach(function (item) {
        nextList.appendChild(el('li', { className: 'v-item' }, [item.text, ' ',
          el('button', { className: 'a-btn is-secondary is-small', type: 'button', onclick: function () { removeItem(item); } }, ['删除'])]));
      });
    } catch (err) { handle(err); }
  }

  function thisWeekItem(item) {
    var note = el('input', { type: 'text', maxLength: 500, value: item.note, placeholder: '完成情况说明' });
    var buttons = ['done', 'partly', 'not_done'].map(function (status) {
      return el('button', { className: 'a-btn is-small' + (item.status === status ? ' is-chosen' : '') + (status === 'done' ? '' : ' is-secondary'),
        type: 'button', onclick: function () { markItem(item, status, note.value); } }, [STATUS[status]]);
    });
    var kind = item.status === 'done' ? ' is-done' : item.status === 'partly' ? ' is-partly' : item.status === 'not_done' ? ' is-open' : '';
    return el('li', { className: 'v-item' + kind }, [
      el('h3', {}, [item.text]), el('div', { className: 'a-muted' }, ['当前：' + STATUS[item.status]]),
      el('div', { className: 'wl-marks' }, buttons.concat([note]))
    ]);
  }

  async function markItem(item, status, note) {
    try {
      var result = await api('PATCH', '/api/plans/' + item.id, { json: { status: status, note: note } });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      await loadPlans();
      notice('已标记：' + item.text + ' — ' + STATUS[status], 'ok');
    } catch (err) { handle(err); }
  }

  async function removeItem(item) {
    try {
      var result = await api('DELETE', '/api/plans/' + item.id);
      if (!result.ok) { notice(problem(result), 'error'); return; }
      await loadPlans();
    } catch (err) { handle(err); }
  }

  async function addItem(event) {
    event.preventDefault();
    try {
      var result = await api('POST', '/api/plans', { json: { week: addDays(state.info.week, 7), text: $('plan-text').value,
        organisation: $('plan-owner').value || null } });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      $('plan-text').value = '';
      await loadPlans();
    } catch (err) { handle(err); }
  }

  // ---- leaders: who wrote, comments, the department's line ------------------------------------

  async function loadStatus() {
    var first = monday($('status-week').value || state.info.today);
    try {
      var result = await api('GET', '/api/worklog/status?from=' + first);
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var days = [0, 1, 2, 3, 4, 5, 6].map(function (i) { return addDays(first, i); });
      var head = $('status-head'); clear(head);
      head.appendChild(el('tr', {}, [el('th', {}, ['姓名'])].concat(days.map(function (d, i) {
        return el('th', { title: md(d) }, ['周' + WEEKDAYS[i], el('br'), String(Number(d.slice(8, 10)))]);
      }))));
      var body = $('status-body'); clear(body);
      var missing = 0;
      result.data.forEach(function (row) {
        missing += row.missing.filter(function (d) { return d <= state.info.today; }).length;
        body.appendChild(el('tr', {}, [el('td', {}, [row.name])].concat(days.map(function (d) {
          if (row.written.indexOf(d) >= 0) {
            return el('td', { className: 'is-yes' }, [el('button', { className: 'a-btn is-small', type: 'button',
              onclick: function () { openEntry(row, d); }, title: '查看并批注' }, ['✓'])]);
          }
          if (row.due.indexOf(d) >= 0 && d <= state.info.today) { return el('td', { className: 'is-no' }, ['未写']); }
          return el('td', { className: 'is-rest' }, ['—']);
        }))));
      });
      $('status-summary').textContent = result.data.length + ' 人应写日志，本周截至今天共缺 ' + missing + ' 篇。点“✓”阅读并批注。';
      if (state.info.leads) { loadDynamics(); }
    } catch (err) { handle(err); }
  }

  async function openEntry(row, day) {
    try {
      var result = await api('GET', '/api/worklog/entry?person=' + encodeURIComponent(row.person_id) + '&date=' + day);
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var entry = result.data.entry;
      state.viewing = entry;
      $('status-entry').hidden = false;
      $('status-entry-title').textContent = row.name + ' ' + md(day) + ' 工作日志' + (entry.history.length ? '（修改过 ' + entry.history.length + ' 次）' : '');
      $('status-entry-text').textContent = entry.done + (entry.problems ? '\n【问题】' + entry.problems : '') + (entry.plan ? '\n【明日计划】' + entry.plan : '');
      renderComments(entry.comments, $('status-entry-comments'));
      $('status-entry').scrollIntoView();
    } catch (err) { handle(err); }
  }

  async function postComment() {
    if (!state.viewing) { return; }
    try {
      var result = await api('POST', '/api/worklog/entries/' + state.viewing.id + '/comments', { json: { text: $('comment-text').value } });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      state.viewing.comments.push(result.data);
      renderComments(state.viewing.comments, $('status-entry-comments'));
      $('comment-text').value = '';
    } catch (err) { handle(err); }
  }

  async function loadDynamics() {
    var result = await api('GET', '/api/worklog/dynamics?organisation=' + encodeURIComponent(state.info.leads) + '&date=' + state.info.today);
    if (!result.ok) { return; }
    var d = result.data, out = $('dept-out'); clear(out);
    $('dept-line').value = d.line ? d.line.done : '';
    out.appendChild(el('h3', {}, [md(d.day) + ' 工作动态']));
    if (d.line) { out.appendChild(el('p', {}, ['【单位】' + d.line.done])); }
    d.members.forEach(function (m) { out.appendChild(el('pre', { className: 'wl-text' }, ['【' + m.owner_name + '】' + m.done])); });
    if (d.missing.length) {
      out.appendChild(el('p', { className: 'a-muted' }, ['未写：' + d.missing.map(function (m) { return m.name; }).join('、')]));
    }
  }

  async function saveDepartment(event) {
    event.preventDefault();
    try {
      var result = await api('PUT', '/api/worklog/department', { json: { day: state.info.today, organisation: state.info.leads,
        line: $('dept-line').value } });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      notice('已保存单位工作动态', 'ok');
      loadDynamics();
    } catch (err) { handle(err); }
  }

  // ---- leaders: the weekly meeting ----------------------------------------------------------

  async function loadMeeting() {
    try {
      var result = await api('GET', '/api/reports/weekly?week=' + ($('meeting-week').value || state.info.today));
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var out = $('meeting-out'); clear(out);
      result.data.tables.forEach(function (t) {
        out.appendChild(el('div', { className: 'r-report' }, [
          el('div', { className: 'r-title' }, [t.title]), el('div', { className: 'r-subtitle' }, [t.subtitle]),
          el('div', { className: 'r-scroll' }, [el('table', { className: 'a-table r-table' }, [
            el('thead', {}, [el('tr', {}, t.columns.map(function (c) { return el('th', {}, [c.header]); }))]),
            el('tbody', {}, t.rows.length ? t.rows.map(function (row) {
              return el('tr', {}, row.map(function (v) { return el('td', {}, [v === null ? '' : String(v)]); }));
            }) : [el('tr', {}, [el('td', { colSpan: t.columns.length }, [t.empty])])])
          ])])
        ]));
      });
    } catch (err) { handle(err); }
  }

  async function exportMeeting() {
    try {
      await WatchdSession.download('/api/reports/weekly?format=xlsx&week=' + ($('meeting-week').value || state.info.today), '周例会.xlsx');
    } catch (err) { handle(err); }
  }

  Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (tab) {
    tab.addEventListener('click', function () { switchTab(tab.dataset.tab); });
  });
  $('log-form').addEventListener('submit', saveLog);
  $('log-day').addEventListener('change', loadLog);
  $('plan-form').addEventListener('submit', addItem);
  $('plan-owner').addEventListener('change', loadPlans);
  $('status-week').addEventListener('change', loadStatus);
  $('comment-submit').addEventListener('click', postComment);
  $('dept-form').addEventListener('submit', saveDepartment);
  $('meeting-load').addEventListener('click', loadMeeting);
  $('meeting-xlsx').addEventListener('click', exportMeeting);
  WatchdSession.start({ onEnter: enter, onLeave: function () { state.info = null; } });
})();
