/* One login for every page of this browser, and the navigation between the pages (plain ES2017).
 *
 * The login token lives in localStorage under one key, so /admin, /reports, /duty, /dashboard and
 * /visits (any tab, after a reload, after the browser restarts) share it until it expires (the
 * server's [server] token_ttl_hours) or someone presses 退出; logging out in one tab logs out every
 * tab. On entry a page asks /api/auth/me who is logged in and which pages the role may open, and
 * fills <nav id="site-nav"> with links to exactly those.
 *
 * Every page has the same login form ids: #login, #login-form, #login-username, #login-password,
 * #login-submit, #login-error, and #app for the page itself; #username and #logout in its header.
 */
(function (global) {
  'use strict';

  var KEY = 'watchd.session';
  var $ = global.WatchdDom.$;
  var el = global.WatchdDom.el;
  var clear = global.WatchdDom.clear;
  var hooks = { onEnter: function () {}, onLeave: function () {} };
  var me = null;

  function stored() {
    try { return JSON.parse(localStorage.getItem(KEY) || 'null'); } catch (err) { return null; }
  }

  function token() { var s = stored(); return s ? s.token : null; }

  function detailOf(data) {
    var detail = data && data.detail;
    if (detail && typeof detail === 'object' && !Array.isArray(detail)) { return detail; }
    return { code: 'error', message: typeof detail === 'string' ? detail : '' };
  }

  /** Show the login form (with a message) instead of the page; the stored token is dropped. */
  function expired(message) {
    var wasIn = me !== null;
    me = null;
    localStorage.removeItem(KEY);
    if (wasIn || !$('app').hidden) { hooks.onLeave(); }
    $('app').hidden = true;
    $('login').hidden = false;
    var error = $('login-error');
    error.hidden = !message;
    error.textContent = message || '';
    $('login-password').value = '';
    if ($('login-username').focus) { $('login-username').focus(); }
  }

  function renderNav(pages) {
    var nav = $('site-nav');
    if (!nav) { return; }
    clear(nav);
    pages.forEach(function (p) {
      var here = location.pathname === p.path;
      nav.appendChild(el('a', { href: p.path, className: 'site-link' + (here ? ' is-here' : '') }, [p.title]));
      if (here) { nav.lastChild.setAttribute('aria-current', 'page'); }
    });
  }

  async function enter() {
    var response;
    try {
      response = await fetch('/api/auth/me', { headers: { Authorization: 'Bearer ' + token() }, cache: 'no-store' });
    } catch (err) {
      expired('无法连接服务器，请检查网络');
      return;
    }
    if (response.status === 401) { expired(stored() ? '登录已过期，请重新登录' : ''); return; }
    if (!response.ok) { expired('登录信息读取失败（HTTP ' + response.status + '）'); return; }
    me = await response.json();
    me.token = token();
    $('login').hidden = true;
    $('app').hidden = false;
    var who = $('username');
    if (who) { who.textContent = (me.name || me.username) + '（' + me.role_name + '）'; }
    renderNav(me.pages);
    hooks.onEnter(me);
  }

  async function login(event) {
    event.preventDefault();
    var error = $('login-error');
    error.hidden = true;
    $('login-submit').disabled = true;
    try {
      var response = await fetch('/api/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: $('login-username').value.trim(), password: $('login-password').value })
      });
      var data = null;
      try { data = await response.json(); } catch (err) { data = null; }
      if (!response.ok) {
        error.textContent = detailOf(data).message || '登录失败';
        error.hidden = false;
        return;
      }
      localStorage.setItem(KEY, JSON.stringify({ token: data.token, expires_at: data.expires_at }));
      await enter();
    } catch (err) {
      error.textContent = '无法连接服务器，请检查网络';
      error.hidden = false;
    } finally {
      $('login-submit').disabled = false;
    }
  }

  async function logout() {
    var t = token();
    expired('');
    if (t) {
      try { await fetch('/api/auth/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + t } }); }
      catch (err) { /* the token is dropped here anyway */ }
    }
  }

  /** Start the page: `onEnter(me)` once logged in, `onLeave()` when the login form replaces it. */
  function start(options) {
    hooks.onEnter = options.onEnter || hooks.onEnter;
    hooks.onLeave = options.onLeave || hooks.onLeave;
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    global.addEventListener('storage', function (event) {
      if (event.key !== KEY) { return; }
      if (!event.newValue && me) { expired('已在其他页面退出登录'); }
      else if (event.newValue && !me) { enter(); }
    });
    if (token()) { enter(); } else { expired(''); }
  }

  global.WatchdSession = {
    start: start,
    token: token,
    me: function () { return me; },
    /** Whether the logged-in role holds a permission, e.g. can('devices.manage'). */
    can: function (permission) { return !!me && me.permissions.indexOf(permission) >= 0; },
    expired: expired,
    logout: logout,
    detailOf: detailOf
  };
})(window);
