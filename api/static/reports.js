/* The reports page: daily and monthly attendance, pairing compliance, approvals, holidays, import.
 * Plain ES2017, no framework. The login is the browser's one login (session.js).
 */
(function () {
  'use strict';

  var state = { tab: 'daily' };

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function today() { var d = new Date(); return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()); }
  function thisMonth() { return today().slice(0, 7); }
  function shortTime(iso) { return iso ? iso.replace('T', ' ').slice(0, 16) : ''; }

  // ---- API (api/static/session.js) ----------------------------------------------------------

  var api = WatchdSession.api;
  var problem = WatchdSession.problem;
  var notice = WatchdSession.notice;
  var handle = WatchdSession.handle;
  var detailOf = WatchdSession.detailOf;

  // ---- login (api/static/session.js) --------------------------------------------------------

  function enter() {
    // A leader reads reports and decides requests; settling, holiday entries and imports are the administrator's.
    var manage = WatchdSession.can('attendance.manage');
    $('settle').hidden = !manage;
    $('override-form').parentNode.hidden = !manage;
    document.querySelector('.a-tab[data-tab=import]').hidden = !WatchdSession.can('pairings.manage');
    if (state.tab === 'import' && !WatchdSession.can('pairings.manage')) { state.tab = 'daily'; }
    switchTab(state.tab);
  }

  // ---- tabs ---------------------------------------------------------------------------------

  var TABS = ['daily', 'monthly', 'pairings', 'approvals', 'calendar', 'import'];

  function switchTab(name) {
    state.tab = name;
    Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (tab) {
      var active = tab.dataset.tab === name;
      tab.className = 'a-tab' + (active ? ' is-active' : '');
      tab.setAttribute('aria-selected', active ? 'true' : 'false');
    });
    TABS.forEach(function (tab) { $('tab-' + tab).hidden = tab !== name; });
    notice('');
    if (name === 'daily') { loadReport('daily'); }
    if (name === 'monthly') { loadReport('monthly'); }
    if (name === 'pairings') { loadReport('pairings'); }
    if (name === 'approvals') { loadApprovals(); }
    if (name === 'calendar') { loadCalendar(); }
  }

  // ---- report tables ------------------------------------------------------------------------

  function reportQuery(kind) {
    var params = new URLSearchParams();
    if (kind === 'daily') { params.set('date', $('daily-date').value || today()); }
    else { params.set('month', $(kind + '-month').value || thisMonth()); }
    var org = $(kind + '-org').value.trim();
    if (org) { params.set('organisation', org); }
    return params;
  }

  /** Absences, lateness and missed punches stand out in a report's text cells. */
  var BAD = /缺勤|迟到|早退|缺卡|^否$/;

  async function loadReport(kind) {
    var out = $(kind + '-out');
    try {
      var result = await api('GET', '/api/reports/' + kind + '?' + reportQuery(kind).toString());
      if (!result.ok) { notice(problem(result), 'error'); return; }
      clear(out);
      result.data.tables.forEach(function (table) { out.appendChild(WatchdReportTable.render(table, BAD)); });
    } catch (err) { handle(err); }
  }

  async function exportReport(kind, format) {
    try {
      var params = reportQuery(kind);
      params.set('format', format);
      await WatchdSession.download('/api/reports/' + kind + '?' + params.toString(), 'report.' + format);
    } catch (err) { handle(err); }
  }

  async function settle() {
    try {
      var result = await api('POST', '/api/attendance/settle');
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var r = result.data;
      var text = r.settled.length ? '已结算：' + r.settled.join('、') : '没有可结算的日期';
      if (r.corrected) { text += '；根据迟到上传更正 ' + r.corrected + ' 条'; }
      if (r.waiting_for.length) { text += '；等待设备上报：' + r.waiting_for.join('、'); }
      notice(text, 'ok');
      loadReport('daily');
    } catch (err) { handle(err); }
  }

  // ---- approvals ----------------------------------------------------------------------------

  async function decide(kind, id, approve) {
    var note = approve ? '' : (window.prompt('驳回理由（可不填）') || '');
    try {
      var result = await api('POST', '/api/' + kind + '/' + id + '/' + (approve ? 'approve' : 'reject'), { json: { note: note } });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      notice((approve ? '已批准：' : '已驳回：') + result.data.person_name, 'ok');
      loadApprovals();
    } catch (err) { handle(err); }
  }

  function decisionButtons(kind, id) {
    return el('td', {}, [
      el('button', { className: 'a-btn is-small', type: 'button', onclick: function () { decide(kind, id, true); } }, ['批准']),
      ' ',
      el('button', { className: 'a-btn is-small is-danger', type: 'button', onclick: function () { decide(kind, id, false); } }, ['驳回'])
    ]);
  }

  async function loadApprovals() {
    try {
      var leave = await api('GET', '/api/leave?status=pending');
      var makeups = await api('GET', '/api/makeups?status=pending');
      if (!leave.ok) { notice(problem(leave), 'error'); return; }
      if (!makeups.ok) { notice(problem(makeups), 'error'); return; }
      var lb = $('leave-body'); clear(lb);
      leave.data.forEach(function (r) {
        lb.appendChild(el('tr', {}, [el('td', {}, [r.person_name]), el('td', {}, [r.kind_label]),
          el('td', {}, [shortTime(r.start_at)]), el('td', {}, [shortTime(r.end_at)]), el('td', {}, [r.reason]),
          el('td', {}, [r.requested_by]), decisionButtons('leave', r.id)]));
      });
      $('leave-count').textContent = leave.data.length ? '（' + leave.data.length + '）' : '';
      var mb = $('makeup-body'); clear(mb);
      makeups.data.forEach(function (r) {
        mb.appendChild(el('tr', {}, [el('td', {}, [r.person_name]), el('td', {}, [shortTime(r.punch_at)]),
          el('td', {}, [r.site_id || '']), el('td', {}, [r.reason]), el('td', {}, [r.requested_by]),
          decisionButtons('makeups', r.id)]));
      });
      $('makeup-count').textContent = makeups.data.length ? '（' + makeups.data.length + '）' : '';
    } catch (err) { handle(err); }
  }

  // ---- calendar -----------------------------------------------------------------------------

  var SOURCES = { chinesecalendar: '国务院通知', override: '手工录入', fallback: '缺少数据（仅按周末）' };

  async function loadCalendar() {
    var year = $('cal-year').value || String(new Date().getFullYear());
    $('cal-year').value = year;
    try {
      var result = await api('GET', '/api/attendance/calendar?year=' + encodeURIComponent(year));
      if (!result.ok) { notice(problem(result), 'error'); return; }
      var body = $('cal-body'); clear(body);
      result.data.forEach(function (d) {
        var remove = d.source === 'override'
          ? el('button', { className: 'a-btn is-small is-secondary', type: 'button', onclick: function () { removeOverride(d.day); } }, ['删除'])
          : null;
        body.appendChild(el('tr', {}, [el('td', {}, [d.day]), el('td', {}, [d.kind_label]), el('td', {}, [d.name]),
          el('td', {}, [SOURCES[d.source] || d.source]), el('td', {}, [remove])]));
      });
      var byHand = result.data.some(function (d) { return d.source === 'override'; });
      if (!byHand && result.data.some(function (d) { return d.source === 'fallback'; })) {
        notice(year + ' 年的节假日安排尚未收录，目前只按周末计算：请在上方粘贴国务院办公厅的通知，或逐日录入放假和调休日期。', 'error');
      }
    } catch (err) { handle(err); }
  }

  async function saveOverride(event) {
    event.preventDefault();
    var day = $('ov-day').value;
    try {
      var result = await api('PUT', '/api/attendance/calendar/' + day, {
        json: { workday: $('ov-kind').value === 'workday', name: $('ov-name').value.trim() }
      });
      if (!result.ok) { notice(problem(result), 'error'); return; }
      notice('已保存 ' + day + '：' + result.data.kind_label, 'ok');
      $('cal-year').value = day.slice(0, 4);
      loadCalendar();
    } catch (err) { handle(err); }
  }

  async function removeOverride(day) {
    try {
      var result = await api('DELETE', '/api/attendance/calendar/' + day);
      if (!result.ok) { notice(problem(result), 'error'); return; }
      notice('已删除 ' + day + ' 的手工录入', 'ok');
      loadCalendar();
    } catch (err) { handle(err); }
  }

  // ---- import -------------------------------------------------------------------------------

  async function importPairings(event) {
    event.preventDefault();
    var out = $('import-out'); clear(out);
    var file = $('import-file').files[0];
    if (!file) { return; }
    var form = new FormData();
    form.append('file', file, file.name);
    form.append('replace', $('import-replace').checked ? 'true' : 'false');
    try {
      var result = await api('POST', '/api/pairings/import', { form: form });
      if (result.ok) {
        var r = result.data;
        out.appendChild(el('div', { className: 'a-notice is-ok' }, ['已导入 ' + r.rows + ' 行：新增农户 ' + r.households_created +
          ' 户，更新 ' + r.households_updated + ' 户，新增结对 ' + r.pairings_created + ' 个，解除 ' + r.pairings_ended + ' 个。']));
        return;
      }
      var detail = detailOf(result.data);
      out.appendChild(el('div', { className: 'a-notice is-error' }, [detail.message || problem(result)]));
      if (detail.problems) {
        out.appendChild(el('table', { className: 'a-table r-problems' }, [
          el('thead', {}, [el('tr', {}, [el('th', {}, ['行']), el('th', {}, ['列']), el('th', {}, ['问题'])])]),
          el('tbody', {}, detail.problems.map(function (p) {
            return el('tr', {}, [el('td', {}, [String(p.row)]), el('td', {}, [p.column]), el('td', {}, [p.problem])]);
          }))
        ]));
      }
    } catch (err) { handle(err); }
  }

  // ---- start --------------------------------------------------------------------------------

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (tab) {
      tab.addEventListener('click', function () { switchTab(tab.dataset.tab); });
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-export]'), function (button) {
      button.addEventListener('click', function () { exportReport(button.dataset.export, button.dataset.format); });
    });
    $('daily-date').value = today();
    $('monthly-month').value = thisMonth();
    $('pairings-month').value = thisMonth();
    $('daily-load').addEventListener('click', function () { loadReport('daily'); });
    $('monthly-load').addEventListener('click', function () { loadReport('monthly'); });
    $('pairings-load').addEventListener('click', function () { loadReport('pairings'); });
    $('settle').addEventListener('click', settle);
    $('cal-load').addEventListener('click', loadCalendar);
    $('override-form').addEventListener('submit', saveOverride);
    $('import-form').addEventListener('submit', importPairings);
    WatchdSession.start({ onEnter: enter });
  }

  start();
}());
