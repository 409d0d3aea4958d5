/* The village check-in kiosk: face check-in with a head-turn challenge, offline queue.
 *
 * Flow: idle ("请正对摄像头" + 签到 button) -> ~1 s of frontal frames -> "请向左/右转头" -> ~2 s of
 * frames -> one multipart POST /api/kiosk/checkins -> result shown big -> idle again.
 * Frames are drawn from the raw camera stream (unmirrored); only the preview is mirrored (CSS).
 * Network errors, 5xx and 429 put the attempt in the IndexedDB queue (kiosk-queue.js).
 *
 * Plain ES2017, no modules, no framework: old Android Chrome must run it.
 */
(function () {
  'use strict';

  var TOKEN_KEY = 'watchd.kiosk.token';
  var ME_KEY = 'watchd.kiosk.me';
  var MAX_FRAMES = 12;              // never more than the server's max_frames either
  var RESULT_MS = 5000;             // how long a result stays on screen
  var ERROR_MS = 7000;
  var UPLOAD_TIMEOUT_MS = 45000;
  var SYNC_INTERVAL_MS = 5 * 60 * 1000;  // queue heartbeat for the attendance watermark
  var ME_REFRESH_MS = 5 * 60 * 1000;
  var DEFAULT_TZ = 'Asia/Shanghai';

  var TEXT = {
    lookStraight: '请正对摄像头',
    idleHint: '站在摄像头前，点击“签到”',
    holdStill: '请保持不动',
    turn: { left: '请向左转头', right: '请向右转头' },
    turnHint: '慢慢转头，然后停住',
    recognising: '正在识别…',
    success: '签到成功',
    duplicate: '已签到',
    failed: '签到未成功',
    queuedTitle: '签到已暂存',
    cameraUnavailable: '摄像头不可用：请使用 HTTPS 访问或检查摄像头权限',
    cameraNotReady: '摄像头尚未就绪，请稍候',
    badToken: '设备未登记或令牌无效',
    connecting: '正在连接服务器…',
    openingCamera: '正在打开摄像头…',
    serverDown: '无法连接服务器，正在重试…',
    online: '网络正常',
    offline: '网络中断'
  };

  var state = {
    token: null,
    me: null,
    busy: false,
    queue: null,
    uploader: null,
    queued: 0,
    resultTimer: null,
    meTimer: null,
    noticeTimer: null,
    formats: null,
    wakeLock: null
  };

  function $(id) { return document.getElementById(id); }

  function setText(id, text) { $(id).textContent = text; }

  function show(id, visible) { $(id).hidden = !visible; }

  function showScreen(name) {
    ['screen-main', 'screen-camera-error', 'screen-token', 'screen-loading'].forEach(function (id) {
      show(id, id === name);
    });
  }

  // ---- token ------------------------------------------------------------------------------

  var tokenFromFragment = WatchdKioskTime.tokenFromFragment;
  var storage = WatchdKioskTime.storage;

  function saveToken(token) {
    state.token = token;
    storage(false, TOKEN_KEY, token);
  }

  function forgetToken() {
    state.token = null;
    storage(false, TOKEN_KEY, null);
    storage(false, ME_KEY, null);
  }

  function showTokenForm(message) {
    stopResult();
    showScreen('screen-token');
    var error = $('token-error');
    error.hidden = !message;
    error.textContent = message || '';
    $('token-input').value = '';
    setTimeout(function () { $('token-input').focus(); }, 0);
  }

  // ---- clock and site -----------------------------------------------------------------------

  // Clock, date and HH:MM in the township's zone; ISO times with the device's offset (kiosk-time.js).
  var time = WatchdKioskTime;

  function makeFormats(tz) { state.formats = time.formats(tz); }

  function tick() {
    var d = new Date();
    setText('clock-time', state.formats.clock(d));
    setText('clock-date', state.formats.date(d));
  }

  function hhmm(iso) { return state.formats.hhmm(iso); }

  function applyMe(me) {
    state.me = me;
    setText('site-name', me.site_name);
    setText('township', me.township || '');
    setText('device-id', '设备 ' + me.device_id);
    document.title = me.site_name + ' · 人脸签到';
    makeFormats(me.timezone || DEFAULT_TZ);
    tick();
  }

  // ---- network status and queue display ------------------------------------------------------

  function setOnline(online) {
    var el = $('net-status');
    el.textContent = online ? TEXT.online : TEXT.offline;
    el.className = 'k-net ' + (online ? 'is-online' : 'is-offline');
  }

  function setQueued(n) {
    state.queued = n;
    var el = $('queue-status');
    el.hidden = n <= 0;
    el.textContent = '待上传 ' + n + ' 条';
  }

  function notice(text, kind) {
    var el = $('hint');
    if (state.busy) { return; }
    el.textContent = text;
    el.className = 'k-hint ' + (kind ? 'is-' + kind : '');
    if (state.noticeTimer) { clearTimeout(state.noticeTimer); }
    state.noticeTimer = setTimeout(function () {
      state.noticeTimer = null;
      if (!state.busy) { el.textContent = TEXT.idleHint; el.className = 'k-hint'; }
    }, 10000);
  }

  // ---- API ----------------------------------------------------------------------------------

  // The one HTTP helper of the pages (session.js), with this kiosk's device token instead of a login.
  function call(method, path, options) {
    options.token = state.token;
    return WatchdSession.request(method, path, options);
  }

  var detailOf = WatchdKioskUpload.detailOf;

  /** What this kiosk still holds in its offline queue, to the server (kiosk-upload.js). */
  function reportSync() {
    return state.token ? WatchdKioskUpload.reportSync(state.queue, state.token) : Promise.resolve();
  }

  /** GET /api/kiosk/me; falls back to the cached answer while the server is unreachable. */
  async function loadMe() {
    if (state.meTimer) { clearTimeout(state.meTimer); state.meTimer = null; }
    var response;
    try {
      response = await call('GET', '/api/kiosk/me', { timeoutMs: 15000 });
    } catch (err) {
      response = null;
    }
    if (response && response.status === 401) {
      forgetToken();
      showTokenForm(detailOf(response.data).message || TEXT.badToken);
      return false;
    }
    if (response && response.ok) {
      var me = response.data;
      storage(false, ME_KEY, JSON.stringify(me));
      setOnline(true);
      applyMe(me);
      state.meTimer = setTimeout(loadMe, ME_REFRESH_MS);
      return true;
    }
    setOnline(false);
    state.meTimer = setTimeout(loadMe, 10000);
    if (!state.me) {
      var cached = storage(true, ME_KEY);
      if (cached) {
        try { applyMe(JSON.parse(cached)); return true; } catch (err) { /* ignore a broken cache */ }
      }
      setText('loading-text', TEXT.serverDown);
      showScreen('screen-loading');
      return false;
    }
    return true;
  }

  /** POST one attempt (kiosk-upload.js); the network light follows what happened. */
  async function send(attempt) {
    var result = await WatchdKioskUpload.send(attempt, state.token, UPLOAD_TIMEOUT_MS);
    setOnline(!result.network);
    return result;
  }

  // ---- camera (api/static/kiosk-camera.js) -----------------------------------------------------

  var camera = new WatchdKioskCamera.Camera($('video'), $('canvas'), {
    onReady: function () { showScreen('screen-main'); },
    onFailed: function (detail) {
      setText('camera-error', TEXT.cameraUnavailable);
      setText('camera-error-detail', detail);
      showScreen('screen-camera-error');
    }
  });

  function startCamera() { return camera.start(); }

  // ---- check-in -----------------------------------------------------------------------------

  var newKey = WatchdKioskCamera.newKey;
  var pickChallenge = WatchdKioskCamera.pickChallenge;

  function setPrompt(text, hint, kind) {
    setText('prompt', text);
    setText('hint', hint || '');
    $('hint').className = 'k-hint';
    $('prompt').className = 'k-prompt' + (kind ? ' is-' + kind : '');
  }

  function setProgress(fraction) {
    show('progress', fraction !== null);
    if (fraction !== null) { $('progress-bar').style.width = Math.round(fraction * 100) + '%'; }
  }

  function setArrow(direction) {
    var el = $('arrow');
    el.hidden = !direction;
    // The preview is mirrored, so the person's own left is on the screen's left.
    el.textContent = direction === 'left' ? '←' : direction === 'right' ? '→' : '';
    el.className = 'k-arrow' + (direction ? ' is-' + direction : '');
  }

  /** Frames in capture order: ~1 s frontal, then (with a challenge) ~2 s of the head turn. */
  function captureBurst(challenge) {
    var limit = Math.max(2, Math.min(MAX_FRAMES, (state.me && state.me.max_frames) || MAX_FRAMES));
    return camera.burst(challenge, limit, {
      progress: setProgress,
      turn: function (direction) { setPrompt(TEXT.turn[direction], TEXT.turnHint, 'turn'); setArrow(direction); }
    });
  }

  function stopResult() {
    if (state.resultTimer) { clearTimeout(state.resultTimer); state.resultTimer = null; }
    show('result', false);
  }

  function showResult(kind, title, name, time, detail, ms) {
    var el = $('result');
    el.className = 'k-result is-' + kind;
    setText('result-title', title);
    setText('result-name', name || '');
    setText('result-time', time || '');
    setText('result-detail', detail || '');
    show('result-name', !!name);
    show('result-time', !!time);
    show('result-detail', !!detail);
    el.hidden = false;
    if (state.resultTimer) { clearTimeout(state.resultTimer); }
    state.resultTimer = setTimeout(backToIdle, ms);
  }

  function backToIdle() {
    stopResult();
    state.busy = false;
    setPrompt(TEXT.lookStraight, TEXT.idleHint);
    setArrow(null);
    setProgress(null);
    $('start').disabled = false;
    $('start').style.visibility = '';
  }

  function queuedMessage(n) {
    return '网络中断，已暂存，恢复后自动上传（待上传 ' + n + ' 条）';
  }

  function showOutcome(result) {
    if (result.ok) {
      var checkin = (result.body && result.body.checkin) || {};
      var duplicate = result.body && result.body.status === 'duplicate';
      showResult(duplicate ? 'duplicate' : 'success',
        duplicate ? TEXT.duplicate : TEXT.success,
        checkin.person_name, checkin.occurred_at ? hhmm(checkin.occurred_at) : '',
        duplicate ? (result.body.message || '已签到，无需重复') : (checkin.site_name || ''), RESULT_MS);
      return;
    }
    showResult('error', TEXT.failed, '', '', result.detail.message || '签到失败，请重试', ERROR_MS);
  }

  async function runCheckin() {
    if (state.busy || !state.me) { return; }
    if (!camera.ready()) {
      setPrompt(TEXT.lookStraight, TEXT.cameraNotReady);
      return;
    }
    state.busy = true;
    $('start').disabled = true;
    $('start').style.visibility = 'hidden';
    stopResult();
    var challenge = state.me.liveness_required ? pickChallenge() : null;
    setPrompt(TEXT.lookStraight, TEXT.holdStill, 'capture');
    var attempt;
    try {
      var capturedAt = time.isoWithOffset(new Date());
      var frames = await captureBurst(challenge);
      attempt = { key: newKey(), captured_at: capturedAt, challenge: challenge, frames: frames, created: Date.now(), tries: 0 };
    } catch (err) {
      showResult('error', TEXT.failed, '', '', '拍摄失败，请重试', ERROR_MS);
      return;
    }
    setArrow(null);
    setProgress(null);
    setPrompt(TEXT.recognising, '');
    var result = await send(attempt);
    if (result.outcome === 'done') {
      showOutcome(result);
      return;
    }
    // Keep the attempt: a network error, a server error, or a token problem to fix.
    try {
      await state.queue.add(attempt);
      setQueued(await state.queue.count());
      reportSync();
    } catch (err) {
      showResult('error', TEXT.failed, '', '', '网络中断，且无法暂存，请稍后重试', ERROR_MS);
      return;
    }
    if (result.outcome === 'auth') {
      forgetToken();
      showTokenForm(result.detail.message || TEXT.badToken);
      backToIdle();
      return;
    }
    state.uploader.failed();
    showResult('queued', TEXT.queuedTitle, '', '', queuedMessage(state.queued), ERROR_MS);
  }

  // ---- queue replay ---------------------------------------------------------------------------

  function onQueuedSent(attempt, result) {
    if (result.ok) {
      var c = (result.body && result.body.checkin) || {};
      notice('已补传暂存的签到：' + (c.person_name || '') + ' ' + (c.occurred_at ? hhmm(c.occurred_at) : ''), 'ok');
    } else {
      notice('暂存的签到未通过：' + (result.detail.message || ''), 'error');
    }
  }

  async function sendQueued(attempt) {
    if (!state.token) { return { outcome: 'auth', detail: {} }; }
    var result = await send(attempt);
    if (result.outcome === 'auth' && $('screen-token').hidden) {
      forgetToken();
      showTokenForm(result.detail.message || TEXT.badToken);
    }
    return result;
  }

  async function openQueue() {
    try {
      state.queue = await KioskQueue.open(KioskQueue.MAX_ITEMS);
    } catch (err) {
      state.queue = null;
      return;
    }
    state.uploader = new KioskQueue.Uploader(state.queue, sendQueued, {
      onSent: onQueuedSent,
      onCount: function (n) {
        setQueued(n);
        reportSync();
      }
    });
    setQueued(await state.queue.count());
    state.uploader.start();
    reportSync();
    setInterval(reportSync, SYNC_INTERVAL_MS);
  }

  // ---- start ----------------------------------------------------------------------------------

  async function begin() {
    setText('loading-text', TEXT.connecting);
    showScreen('screen-loading');
    if (!(await loadMe())) { return; }
    if (state.uploader) { state.uploader.unblock(); }
    if (!camera.stream) {
      setText('loading-text', TEXT.openingCamera);
      await startCamera();
    } else {
      showScreen('screen-main');
    }
  }

  async function keepAwake() {
    try {
      if (navigator.wakeLock && navigator.wakeLock.request) {
        state.wakeLock = await navigator.wakeLock.request('screen');
      }
    } catch (err) { /* not supported or not allowed: the tablet's own settings must keep it on */ }
  }

  function bind() {
    $('start').addEventListener('click', runCheckin);
    $('result').addEventListener('click', function () { if (state.resultTimer) { backToIdle(); } });
    $('camera-retry').addEventListener('click', startCamera);
    $('token-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var token = $('token-input').value.replace(/^\s+|\s+$/g, '');
      var fromLink = /token=([^&\s]+)/.exec(token);  // a whole kiosk link pasted in
      if (fromLink) { token = decodeURIComponent(fromLink[1]); }
      if (!token) { return; }
      saveToken(token);
      begin();
    });
    window.addEventListener('online', function () { setOnline(true); if (!state.me) { begin(); } });
    window.addEventListener('offline', function () { setOnline(false); });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') { keepAwake(); }
    });
  }

  async function main() {
    makeFormats(DEFAULT_TZ);
    tick();
    setInterval(tick, 1000);
    setOnline(navigator.onLine !== false);
    bind();
    keepAwake();
    var fromUrl = tokenFromFragment();
    if (fromUrl) { saveToken(fromUrl); storage(false, ME_KEY, null); }
    state.token = state.token || storage(true, TOKEN_KEY);
    await openQueue();
    if (!state.token) {
      showTokenForm('');
      return;
    }
    await begin();
  }

  main();
})();
