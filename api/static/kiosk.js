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
  var FRAME_INTERVAL_MS = 250;      // 4 frames a second
  var FRONTAL_MS = 1000;            // ~1 s looking straight at the camera
  var TURN_MS = 2000;               // ~2 s for the head turn
  var MAX_FRAMES = 12;              // never more than the server's max_frames either
  var JPEG_QUALITY = 0.8;
  var RESULT_MS = 5000;             // how long a result stays on screen
  var ERROR_MS = 7000;
  var UPLOAD_TIMEOUT_MS = 45000;
  var SYNC_INTERVAL_MS = 5 * 60 * 1000;  // queue heartbeat for the attendance watermark
  var ME_REFRESH_MS = 5 * 60 * 1000;
  var CAMERA_RETRY_MS = 15000;
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
    stream: null,
    busy: false,
    queue: null,
    uploader: null,
    queued: 0,
    resultTimer: null,
    meTimer: null,
    cameraTimer: null,
    noticeTimer: null,
    clockFormat: null,
    dateFormat: null,
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

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, Math.max(0, ms)); });
  }

  function now() {
    return (window.performance && performance.now) ? performance.now() : Date.now();
  }

  // ---- token ------------------------------------------------------------------------------

  /** A token in the URL fragment (#token=...) is stored and removed from the address bar. */
  function tokenFromFragment() {
    var match = /(?:^#|&)token=([^&]+)/.exec(location.hash || '');
    if (!match) { return null; }
    var token = decodeURIComponent(match[1]);
    if (window.history && history.replaceState) {
      history.replaceState(null, document.title, location.pathname + location.search);
    } else {
      location.hash = '';
    }
    return token;
  }

  function storage(get, key, value) {
    try {
      if (get) { return window.localStorage.getItem(key); }
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (err) {
      // Private mode or storage disabled: the kiosk then needs its link after every restart.
    }
    return null;
  }

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

  function makeFormats(tz) {
    try {
      state.clockFormat = new Intl.DateTimeFormat('zh-CN', {
        timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false
      });
      state.dateFormat = new Intl.DateTimeFormat('zh-CN', {
        timeZone: tz, year: 'numeric', month: 'long', day: 'numeric', weekday: 'long'
      });
    } catch (err) {
      state.clockFormat = null;  // unknown zone on this browser: device-local time
      state.dateFormat = null;
    }
  }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  function tick() {
    var d = new Date();
    setText('clock-time', state.clockFormat ? state.clockFormat.format(d)
      : pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()));
    setText('clock-date', state.dateFormat ? state.dateFormat.format(d) : d.toLocaleDateString('zh-CN'));
  }

  /** HH:MM of an ISO time in the kiosk's zone. */
  function hhmm(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return ''; }
    if (state.clockFormat) {
      try {
        return new Intl.DateTimeFormat('zh-CN', {
          timeZone: (state.me && state.me.timezone) || DEFAULT_TZ, hour: '2-digit', minute: '2-digit', hour12: false
        }).format(d);
      } catch (err) { /* fall through */ }
    }
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes());
  }

  /** ISO 8601 with the device's UTC offset, e.g. 2026-11-23T08:30:05.123+08:00. */
  function isoWithOffset(d) {
    var offset = -d.getTimezoneOffset();
    var sign = offset >= 0 ? '+' : '-';
    var abs = Math.abs(offset);
    var ms = String(d.getMilliseconds());
    while (ms.length < 3) { ms = '0' + ms; }
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) +
      'T' + pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()) + '.' + ms +
      sign + pad2(Math.floor(abs / 60)) + ':' + pad2(abs % 60);
  }

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

  function detailOf(body) {
    var detail = WatchdSession.detailOf(body);
    return detail.message ? detail : { code: detail.code, message: '服务器返回错误' };
  }

  /**
   * Tell the server what this kiosk still holds in its offline queue (POST /api/attendance/device-sync),
   * so a day is settled only after the kiosk has delivered everything captured before its end.
   * Sent whenever the queue count changes and every few minutes as a heartbeat.
   */
  async function reportSync() {
    if (!state.token) { return; }
    var pending = 0;
    var oldest = null;
    if (state.queue) {
      try {
        var items = await state.queue.all();
        pending = items.length;
        items.forEach(function (a) {
          if (!oldest || new Date(a.captured_at) < new Date(oldest)) { oldest = a.captured_at; }
        });
      } catch (err) { return; }
    }
    try {
      await call('POST', '/api/attendance/device-sync', {
        json: { pending: pending, oldest_pending_at: oldest }, timeoutMs: 15000
      });
    } catch (err) { /* offline: the next report says it */ }
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

  /**
   * POST one attempt. Resolves to {outcome: 'done', ok, status, body} for a 2xx or a final 4xx,
   * {outcome: 'retry'} for network errors, 5xx, 408 and 429, {outcome: 'auth', detail} for 401.
   */
  async function send(attempt) {
    var form = new FormData();
    attempt.frames.forEach(function (frame, i) {
      form.append('frames', KioskQueue.frameBlob(frame), 'frame' + pad2(i + 1) + '.jpg');
    });
    form.append('idempotency_key', attempt.key);
    form.append('captured_at', attempt.captured_at);
    if (attempt.challenge) { form.append('challenge', attempt.challenge); }
    var response;
    try {
      response = await call('POST', '/api/kiosk/checkins', { form: form, timeoutMs: UPLOAD_TIMEOUT_MS });
    } catch (err) {
      setOnline(false);
      return { outcome: 'retry', reason: String(err && err.message || err) };
    }
    setOnline(true);
    var body = response.data;
    if (response.ok) {
      return { outcome: 'done', ok: true, status: response.status, body: body };
    }
    if (response.status === 401) {
      return { outcome: 'auth', detail: detailOf(body) };
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      return { outcome: 'retry', reason: 'HTTP ' + response.status };
    }
    return { outcome: 'done', ok: false, status: response.status, detail: detailOf(body) };
  }

  // ---- camera -------------------------------------------------------------------------------

  function cameraErrorDetail(err) {
    var name = err && err.name;
    if (!window.isSecureContext && location.hostname !== 'localhost' && location.hostname !== '127.0.0.1') {
      return '当前地址不是 HTTPS，浏览器不允许网页使用摄像头。';
    }
    if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
      return '摄像头权限被拒绝，请在浏览器设置中允许本网站使用摄像头。';
    }
    if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') {
      return '未找到摄像头，请检查摄像头是否连接好。';
    }
    if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') {
      return '摄像头被其他程序占用或出现故障，请关闭其他程序后重试。';
    }
    return err && err.message ? '错误：' + err.message : '';
  }

  function cameraFailed(err) {
    stopCamera();
    setText('camera-error', TEXT.cameraUnavailable);
    setText('camera-error-detail', cameraErrorDetail(err));
    showScreen('screen-camera-error');
    if (state.cameraTimer) { clearTimeout(state.cameraTimer); }
    state.cameraTimer = setTimeout(startCamera, CAMERA_RETRY_MS);  // e.g. a USB camera plugged in later
  }

  function stopCamera() {
    if (state.stream) {
      state.stream.getTracks().forEach(function (t) { t.stop(); });
      state.stream = null;
    }
  }

  async function startCamera() {
    if (state.cameraTimer) { clearTimeout(state.cameraTimer); state.cameraTimer = null; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraFailed(new Error('getUserMedia unavailable'));
      return false;
    }
    try {
      stopCamera();
      var stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'user', width: 640, height: 480 }, audio: false
      });
      state.stream = stream;
      stream.getVideoTracks().forEach(function (track) {
        track.onended = function () { if (state.stream === stream) { cameraFailed(new Error('摄像头已断开')); } };
      });
      var video = $('video');
      video.srcObject = stream;
      try { await video.play(); } catch (err) { /* autoplay of a muted stream: play() may still reject */ }
      showScreen('screen-main');
      return true;
    } catch (err) {
      cameraFailed(err);
      return false;
    }
  }

  function cameraReady() {
    var video = $('video');
    return state.stream && video.readyState >= 2 && video.videoWidth > 0;
  }

  function canvasToBlob(canvas) {
    return new Promise(function (resolve, reject) {
      if (canvas.toBlob) {
        canvas.toBlob(function (blob) {
          if (blob) { resolve(blob); } else { reject(new Error('toBlob failed')); }
        }, 'image/jpeg', JPEG_QUALITY);
        return;
      }
      var data = atob(canvas.toDataURL('image/jpeg', JPEG_QUALITY).split(',')[1]);
      var bytes = new Uint8Array(data.length);
      for (var i = 0; i < data.length; i++) { bytes[i] = data.charCodeAt(i); }
      resolve(new Blob([bytes], { type: 'image/jpeg' }));
    });
  }

  /** One raw (unmirrored) frame, at most 640 px wide; toBlob copies the canvas at call time. */
  function grab() {
    var video = $('video');
    var canvas = $('canvas');
    var w = Math.min(640, video.videoWidth);
    var h = Math.round(video.videoHeight * w / video.videoWidth);
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    canvas.getContext('2d').drawImage(video, 0, 0, w, h);
    return canvasToBlob(canvas);
  }

  // ---- check-in -----------------------------------------------------------------------------

  function randomHex(bytes) {
    var out = '';
    var buf = new Uint8Array(bytes);
    if (window.crypto && crypto.getRandomValues) {
      crypto.getRandomValues(buf);
    } else {
      for (var i = 0; i < bytes; i++) { buf[i] = Math.floor(Math.random() * 256); }
    }
    for (var j = 0; j < buf.length; j++) { out += (buf[j] < 16 ? '0' : '') + buf[j].toString(16); }
    return out;
  }

  function newKey() {
    return 'k' + Date.now().toString(36) + '-' + randomHex(16);
  }

  /** The direction to ask for. window.WATCHD_KIOSK_TEST.challenge fixes it (browser tests only). */
  function pickChallenge() {
    var forced = window.WATCHD_KIOSK_TEST && window.WATCHD_KIOSK_TEST.challenge;
    if (forced === 'left' || forced === 'right') { return forced; }
    return parseInt(randomHex(1), 16) % 2 === 0 ? 'left' : 'right';
  }

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
  async function captureBurst(challenge) {
    var limit = Math.max(2, Math.min(MAX_FRAMES, (state.me && state.me.max_frames) || MAX_FRAMES));
    var total = challenge ? limit : Math.min(limit, Math.round(FRONTAL_MS / FRAME_INTERVAL_MS));
    var frontal = challenge ? Math.max(1, Math.round(total * FRONTAL_MS / (FRONTAL_MS + TURN_MS))) : total;
    var turned = total - frontal;
    var frontalStep = FRONTAL_MS / frontal;
    var turnStep = turned ? TURN_MS / turned : 0;
    var duration = FRONTAL_MS + (turned ? TURN_MS : 0);
    var start = now();
    var frames = [];
    setProgress(0);
    for (var i = 0; i < frontal; i++) {
      await sleep(start + i * frontalStep - now());
      frames.push(grab());
      setProgress((now() - start) / duration);
    }
    if (challenge) {
      await sleep(start + FRONTAL_MS - now());
      setPrompt(TEXT.turn[challenge], TEXT.turnHint, 'turn');
      setArrow(challenge);
      for (var j = 0; j < turned; j++) {
        await sleep(start + FRONTAL_MS + (j + 1) * turnStep - now());
        frames.push(grab());
        setProgress((now() - start) / duration);
      }
    }
    setProgress(1);
    return Promise.all(frames);
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
    if (!cameraReady()) {
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
      var capturedAt = isoWithOffset(new Date());
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
    if (!state.stream) {
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
