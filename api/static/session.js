/* One login for every page of this browser, and the navigation between the pages (plain ES2017).
 *
 * The login token lives in localStorage under one key, so /admin, /reports, /duty, /dashboard and
 * /visits (any tab, after a reload, after the browser restarts) share it until it expires (the
 * server's [server] token_ttl_hours) or someone presses 退出; logging out in one tab logs out every
 * tab. On entry a page asks /api/auth/me who is logged in and which pages the role may open, and
 * fills <nav id="site-nav"> with links to exactly those.
 *
 * Every page has the same login form ids: #login, #login-form, #login-username, #login-password,
 * #login-submit, #login-error, and #app for the page itself; #username and #logout in its header,
 * and #notice for what the page tells the user.
 *
 * It is also the one place for HTTP calls: `api(method, path, options)` sends this login's token,
 * JSON or a form, reads the answer (JSON, text, or a Blob with `raw`), shows the login form on a 401;
 * `problem(result)` is the user-facing text of a refused call (the problem body's detail.message,
 * its problem, an import's refused rows and the fields named); `notice(text, kind)` shows it;
 * `download(path, name)` saves a file the API answers with; `action(fn)` wraps an event handler so
 * its errors reach the notice box; `caller(defaults)` is api() with a page's own options. The kiosk, which holds a device
 * token instead of a login, calls `request(method, path, {token: ..., timeoutMs: ...})`.
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

  var OFFLINE = '无法连接服务器，请检查网络';

  /** The problem body's detail as an object: {code, message, problem?, fields?, ...}. */
  function detailOf(data) {
    var detail = data && data.detail;
    if (detail && typeof detail === 'object' && !Array.isArray(detail)) { return detail; }
    return { code: 'error', message: typeof detail === 'string' ? detail : '' };
  }

  /** Thrown by api() after a 401: the login form already says why, so callers show nothing more. */
  function AuthError(message) { this.message = message; }

  function fetchWithin(path, init, timeoutMs) {
    if (!timeoutMs) { return fetch(path, init); }
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    if (controller && !init.signal) { init.signal = controller.signal; }
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        if (controller) { controller.abort(); }
        reject(new Error('timeout'));
      }, timeoutMs);
      fetch(path, init).then(function (r) { clearTimeout(timer); resolve(r); },
        function (err) { clearTimeout(timer); reject(err); });
    });
  }

  async function readBody(response, options) {
    if (response.status === 204) { return null; }
    if (options.raw && response.ok) { return response.blob(); }
    var type = response.headers.get('content-type') || '';
    try {
      return (type.indexOf('json') >= 0 || !response.ok) ? await response.json() : await response.text();
    } catch (err) {
      return null;
    }
  }

  /**
   * One HTTP call with the given token. Options: token, json (a body sent as JSON), form (FormData),
   * headers, signal, timeoutMs, raw (a Blob when it succeeds), stream (the response unread),
   * offline (the text when the server cannot be reached). Resolves to {status, ok, data, response};
   * rejects with an Error carrying the offline text (or 'timeout') when no answer came.
   */
  async function request(method, path, options) {
    options = options || {};
    var headers = {};
    Object.keys(options.headers || {}).forEach(function (k) { headers[k] = options.headers[k]; });
    if (options.token) { headers.Authorization = 'Bearer ' + options.token; }
    var body;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      body = options.form;
    }
    var response;
    try {
      response = await fetchWithin(path, { method: method, headers: headers, body: body, cache: 'no-store', signal: options.signal }, options.timeoutMs);
    } catch (err) {
      if (err && err.message === 'timeout') { throw err; }
      if (err && err.name === 'AbortError' && options.signal && options.signal.aborted) { throw err; }
      throw new Error(options.offline || OFFLINE);
    }
    var data = options.stream ? null : await readBody(response, options);
    return { status: response.status, ok: response.ok, data: data, response: response };
  }

  /** request() with this browser's login; a 401 shows the login form and rejects with AuthError. */
  async function api(method, path, options) {
    var sent = {};
    Object.keys(options || {}).forEach(function (k) { sent[k] = options[k]; });
    sent.token = token();
    var result = await request(method, path, sent);
    if (result.status === 401) {
      var message = detailOf(result.data).message || '请先登录';
      expired(message === '请先登录' ? '登录已过期，请重新登录' : message);
      throw new AuthError(message);
    }
    return result;
  }

  /** The user-facing text of a refused call: the message, its problem, and the fields it names. */
  function problem(result) {
    var detail = detailOf(result.data);
    var text = detail.message || ('请求失败（HTTP ' + result.status + '）');
    if (detail.problem) { text += '：' + detail.problem; }
    if (detail.problems && detail.problems.length) { // an import's refused rows (first five)
      text += '：' + detail.problems.slice(0, 5).map(function (p) {
        return '第 ' + p.row + ' 行 ' + p.column + '：' + p.problem;
      }).join('；');
    }
    if (detail.fields && detail.fields.length) {
      text += '：' + detail.fields.map(function (f) { return String(f.field).replace(/^(body|query)\./, ''); }).join('、');
    }
    return text;
  }

  /** api() with options every call of a page shares, e.g. caller({offline: '…（已填写的内容会保留）'}). */
  function caller(defaults) {
    return function (method, path, options) {
      var sent = {};
      [defaults, options || {}].forEach(function (o) { Object.keys(o).forEach(function (k) { sent[k] = o[k]; }); });
      return api(method, path, sent);
    };
  }

  /**
   * Save the file a GET answers with (the server's Content-Disposition name, else `fallbackName`);
   * a refused call goes to the notice box. Resolves to whether the file was saved.
   */
  async function download(path, fallbackName) {
    var result = await api('GET', path, { raw: true });
    if (!result.ok) { notice(problem(result), 'error'); return false; }
    var match = /filename\*=UTF-8''([^;]+)/.exec(result.response.headers.get('Content-Disposition') || '');
    var link = el('a', { href: URL.createObjectURL(result.data), download: match ? decodeURIComponent(match[1]) : fallbackName });
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    return true;
  }

  /** Show a line in the page's #notice box (kind: info, ok, error); an empty text hides it. */
  function notice(text, kind) {
    var box = $('notice');
    if (!box) { return; }
    box.hidden = !text;
    box.textContent = text || '';
    box.className = 'a-notice is-' + (kind || 'info');
    // On a long page (the phone's visit form) the box may be scrolled away: bring it back.
    if (text && box.getBoundingClientRect().top < 0) { box.scrollIntoView(); }
  }

  /** For a catch block: an AuthError needs nothing more, anything else goes to the notice box. */
  function handle(err) {
    if (err instanceof AuthError) { return; }
    notice(err && err.message ? err.message : String(err), 'error');
  }

  /** A page action (an event handler) whose errors go through handle(). */
  function action(fn) {
    return async function () {
      try { return await fn.apply(this, arguments); } catch (err) { handle(err); }
    };
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
    var result;
    try {
      result = await request('GET', '/api/auth/me', { token: token() });
    } catch (err) {
      expired(OFFLINE);
      return;
    }
    if (result.status === 401) { expired(stored() ? '登录已过期，请重新登录' : ''); return; }
    if (!result.ok) { expired('登录信息读取失败（HTTP ' + result.status + '）'); return; }
    me = result.data;
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
      var result = await request('POST', '/api/auth/login', {
        json: { username: $('login-username').value.trim(), password: $('login-password').value }
      });
      var data = result.data;
      if (!result.ok) {
        error.textContent = detailOf(data).message || '登录失败';
        error.hidden = false;
        return;
      }
      localStorage.setItem(KEY, JSON.stringify({ token: data.token, expires_at: data.expires_at }));
      await enter();
    } catch (err) {
      error.textContent = OFFLINE;
      error.hidden = false;
    } finally {
      $('login-submit').disabled = false;
    }
  }

  async function logout() {
    var t = token();
    expired('');
    if (t) {
      try { await request('POST', '/api/auth/logout', { token: t }); }
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
    request: request,
    api: api,
    caller: caller,
    download: download,
    action: action,
    AuthError: AuthError,
    detailOf: detailOf,
    problem: problem,
    notice: notice,
    handle: handle
  };
})(window);
