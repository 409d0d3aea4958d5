/* The admin page's "维护提醒": the administrator's open notices (holiday data, disk, certificate,
 * terminal users, nodes) with what to do, and a button to acknowledge each. Plain ES2017; calls the
 * API through the browser's one login (session.js), and shows itself whenever the page is logged in.
 */
(function () {
  'use strict';

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  var REFRESH_MS = 60000;

  /** The answer's data, or null when the call failed (the box then stays as it is; a 401 shows the login). */
  async function call(method, path) {
    if (!WatchdSession.token()) { return null; }
    try {
      var result = await WatchdSession.api(method, path);
      return result.ok ? result.data : null;
    } catch (err) {
      return null;
    }
  }

  function when(iso) { return iso ? iso.replace('T', ' ').slice(0, 16) : ''; }

  async function load() {
    if ($('app').hidden) { return; }
    var notices = await call('GET', '/api/notices');
    var box = $('admin-notices');
    if (!notices || !notices.length) { box.hidden = true; return; }
    var body = $('admin-notices-body'); clear(body);
    notices.forEach(function (n) {
      var action = n.acknowledged_at
        ? el('span', { className: 'a-muted' }, ['已知悉（' + (n.acknowledged_by || '') + '）'])
        : el('button', { className: 'a-btn is-small is-secondary', type: 'button', onclick: function () { acknowledge(n.id); } }, ['知悉']);
      body.appendChild(el('tr', { dataset: { kind: n.kind } }, [
        el('td', {}, [n.kind_label]), el('td', {}, [n.text]), el('td', {}, [when(n.first_seen_at)]), el('td', {}, [action])
      ]));
    });
    $('admin-notices-count').textContent = '（' + notices.length + '）';
    box.hidden = false;
  }

  async function acknowledge(id) {
    await call('POST', '/api/notices/' + id + '/acknowledge');
    load();
  }

  // admin.js shows #app after logging in: load then, and refresh while the page is open.
  new MutationObserver(load).observe($('app'), { attributes: true, attributeFilter: ['hidden'] });
  setInterval(function () { if (document.visibilityState !== 'hidden') { load(); } }, REFRESH_MS);
  load();
})();
