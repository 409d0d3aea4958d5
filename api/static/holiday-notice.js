/* The reports page's "粘贴国务院通知": paste the State Council's holiday notice, see every day it
 * proposes next to the calendar now, confirm to save them all. Plain ES2017; calls the API through
 * the browser's one login (session.js).
 */
(function () {
  'use strict';

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  var shown = null; // { text, year, digest } of the preview on screen
  var shownYear = null;

  /** POST JSON; {ok, data} or {ok: false, message} (a 401 shows the login form and gives no message). */
  async function post(path, body) {
    try {
      var result = await WatchdSession.api('POST', path, { json: body });
      return result.ok ? { ok: true, data: result.data } : { ok: false, message: WatchdSession.problem(result) };
    } catch (err) {
      return { ok: false, message: err instanceof WatchdSession.AuthError ? '' : err.message };
    }
  }

  function showError(text) {
    $('hn-error').hidden = !text;
    $('hn-error').textContent = text || '';
  }

  function request() {
    var year = $('hn-year').value.trim();
    return { text: $('hn-text').value, year: year ? Number(year) : null };
  }

  async function parse(event) {
    event.preventDefault();
    showError('');
    $('hn-preview').hidden = true;
    shown = null;
    var body = request();
    if (!body.text.trim()) { showError('请先粘贴通知全文'); return; }
    var result = await post('/api/attendance/calendar/notice/parse', body);
    if (!result.ok) { showError(result.message); return; }
    render(result.data);
    shown = { text: body.text, year: body.year, digest: result.data.digest };
    shownYear = result.data.year;
  }

  function render(preview) {
    var offs = preview.days.filter(function (d) { return !d.workday; }).length;
    var works = preview.days.length - offs;
    var changes = preview.days.filter(function (d) { return d.changes; }).length;
    $('hn-summary').textContent = preview.year + ' 年：' + preview.items.map(function (i) { return i.name; }).join('、') +
      '，共 ' + offs + ' 天放假、' + works + ' 天调休上班；其中 ' + changes + ' 天与目前日历不同（加粗）。';
    var body = $('hn-body'); clear(body);
    preview.days.forEach(function (d) {
      var now = d.current.kind_label + (d.current.name ? '（' + d.current.name + '）' : '');
      body.appendChild(el('tr', { className: d.changes ? 'is-change' : '' }, [
        el('td', {}, [d.day]), el('td', {}, [d.weekday]), el('td', {}, [d.kind_label]), el('td', {}, [d.name]),
        el('td', {}, [now])
      ]));
    });
    $('hn-preview').hidden = false;
  }

  async function confirm() {
    if (!shown) { return; }
    showError('');
    var result = await post('/api/attendance/calendar/notice/confirm', shown);
    if (!result.ok) { showError(result.message); return; }
    var year = shownYear;
    $('hn-preview').hidden = true;
    shown = null;
    $('hn-text').value = '';
    showError('');
    $('hn-summary').textContent = '';
    WatchdSession.notice('已保存国务院通知的 ' + result.data.length + ' 天安排', 'ok');
    $('cal-year').value = String(year);
    $('cal-load').click();
  }

  function cancel() {
    $('hn-preview').hidden = true;
    shown = null;
  }

  $('hn-form').addEventListener('submit', parse);
  $('hn-confirm').addEventListener('click', confirm);
  $('hn-cancel').addEventListener('click', cancel);
})();
