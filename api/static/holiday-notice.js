/* The reports page's "粘贴国务院通知": paste the State Council's holiday notice, see every day it
 * proposes next to the calendar now, confirm to save them all. Plain ES2017; the login token is the
 * page's (session.js, or what reports.js keeps in sessionStorage).
 */
(function () {
  'use strict';

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  var TOKEN_KEY = 'watchd.admin.token';

  /** The page's login token: session.js (one login per browser) when the page has it, else the page's own. */
  function token() {
    return window.WatchdSession && WatchdSession.token ? WatchdSession.token() : sessionStorage.getItem(TOKEN_KEY);
  }
  var shown = null; // { text, year, digest } of the preview on screen
  var shownYear = null;

  async function post(path, body) {
    var response;
    try {
      response = await fetch(path, {
        method: 'POST', cache: 'no-store', body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token() }
      });
    } catch (err) {
      return { ok: false, message: '无法连接服务器，请检查网络' };
    }
    var data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    if (response.ok) { return { ok: true, data: data }; }
    var detail = (data && data.detail && typeof data.detail === 'object') ? data.detail : {};
    var message = detail.problem ? detail.message + '：' + detail.problem : (detail.message || ('请求失败（HTTP ' + response.status + '）'));
    return { ok: false, message: message };
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
    var notice = $('notice');
    notice.hidden = false;
    notice.className = 'a-notice is-ok';
    notice.textContent = '已保存国务院通知的 ' + result.data.length + ' 天安排';
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
