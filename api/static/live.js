/* A live camera in a <video>: fragmented MP4 over a WebSocket into Media Source Extensions.
 *
 * The server remuxes the camera's own H.264 (no transcoding) and sends the init segment, then one
 * fragment per picture (api/routes/live.py). This player keeps at most a few seconds buffered,
 * catches up when it falls behind (never more than about a second behind the camera), and on any
 * failure (no MSE, unplayable codec, camera offline, socket gone, no picture within a few seconds)
 * tells its owner to show the still picture, then tries again with a growing pause (1 s to 15 s).
 * The login token goes in the first message, never in the URL. Plain ES2017, no library.
 */
(function (global) {
  'use strict';

  var CODECS = ['avc1.640029', 'avc1.64002A', 'avc1.640033', 'avc1.4D401F', 'avc1.42E01E'];
  var KEEP_S = 4; // buffer kept behind the playhead
  var FIRST_PICTURE_MS = 5000; // no picture this long after connecting: fall back to the still
  var RETRY_MIN_MS = 1000;
  var RETRY_MAX_MS = 15000;

  function mseSupported() {
    return typeof global.MediaSource === 'function' && global.MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E"');
  }

  function codecs() {
    if (!mseSupported()) { return []; }
    return CODECS.filter(function (c) { return global.MediaSource.isTypeSupported('video/mp4; codecs="' + c + '"'); });
  }

  /**
   * new WatchdLive.Player(video, cameraId, {onLive(), onStill(text)}); .start(); .stop().
   * onLive: pictures are playing; onStill(text): show the still picture, with why (Chinese).
   */
  function Player(video, cameraId, hooks) {
    this.video = video;
    this.cameraId = cameraId;
    this.hooks = hooks;
    this.ws = null;
    this.source = null;
    this.buffer = null;
    this.queue = [];
    this.running = false;
    this.retryMs = RETRY_MIN_MS;
    this.retryTimer = null;
    this.pictureTimer = null;
    this.playing = false;
    this.stats = { messages: 0, bytes: 0, sessions: 0, reconnects: 0 };
  }

  Player.prototype.start = function () {
    if (this.running) { return; }
    this.running = true;
    this.connect();
  };

  Player.prototype.stop = function () {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.teardown();
  };

  Player.prototype.teardown = function () {
    clearTimeout(this.pictureTimer);
    var ws = this.ws;
    this.ws = null;
    if (ws) { ws.onclose = ws.onmessage = ws.onerror = null; try { ws.close(); } catch (err) { /* closed */ } }
    this.resetMedia();
  };

  Player.prototype.resetMedia = function () {
    this.queue = [];
    this.buffer = null;
    this.playing = false;
    if (this.source) {
      try { if (this.source.readyState === 'open') { this.source.endOfStream(); } } catch (err) { /* closed */ }
      this.source = null;
      this.video.removeAttribute('src');
      try { this.video.load(); } catch (err) { /* detached */ }
    }
  };

  Player.prototype.still = function (text) {
    this.playing = false;
    this.hooks.onStill(text);
  };

  Player.prototype.retry = function (text) {
    this.teardown();
    this.still(text);
    if (!this.running) { return; }
    var self = this;
    this.stats.reconnects += 1;
    this.retryTimer = setTimeout(function () { self.connect(); }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  };

  Player.prototype.connect = function () {
    var list = codecs();
    if (!list.length) { this.still('此浏览器不支持实时画面（MSE/H.264），显示抓拍'); return; }
    var token = global.WatchdSession ? global.WatchdSession.token() : null;
    if (!token) { return; }
    var self = this;
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var ws = new WebSocket(scheme + location.host + '/api/cameras/' + encodeURIComponent(this.cameraId) + '/live');
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = function () { ws.send(JSON.stringify({ type: 'mse', token: token, codecs: list })); };
    ws.onmessage = function (event) { self.message(event.data); };
    ws.onclose = function (event) {
      if (self.ws !== ws) { return; }
      if (event.code === 4401 && global.WatchdSession) { global.WatchdSession.expired('登录已过期，请重新登录'); return; }
      self.retry(event.code === 4403 ? '没有查看摄像机画面的权限' : '实时画面中断，正在重连…');
    };
    this.armPictureTimer();
  };

  Player.prototype.armPictureTimer = function () {
    var self = this;
    clearTimeout(this.pictureTimer);
    this.pictureTimer = setTimeout(function () {
      if (!self.playing) { self.retry('实时画面未能播放，显示抓拍'); }
    }, FIRST_PICTURE_MS);
  };

  Player.prototype.message = function (data) {
    this.stats.messages += 1;
    if (typeof data !== 'string') {
      this.stats.bytes += data.byteLength;
      this.append(data);
      return;
    }
    var msg;
    try { msg = JSON.parse(data); } catch (err) { return; }
    if (msg.type === 'mse') { this.open(msg.value); } else if (msg.type === 'error') {
      this.resetMedia();
      this.still(msg.text || '无实时画面');
    }
  };

  Player.prototype.open = function (mime) {
    this.resetMedia();
    if (!global.MediaSource.isTypeSupported(mime)) { this.still('此浏览器无法播放该摄像机的编码，显示抓拍'); return; }
    var self = this;
    var source = new global.MediaSource();
    this.source = source;
    this.stats.sessions += 1;
    source.addEventListener('sourceopen', function () {
      if (self.source !== source) { return; }
      try {
        self.buffer = source.addSourceBuffer(mime);
        self.buffer.mode = 'segments';
        self.buffer.addEventListener('updateend', function () { self.flush(); self.keepUp(); });
      } catch (err) {
        self.retry('实时画面无法解码，显示抓拍');
        return;
      }
      self.flush();
    });
    this.video.src = URL.createObjectURL(source);
    this.video.muted = true;
    var played = this.video.play();
    if (played && played.catch) { played.catch(function () { /* autoplay refused: the next update retries */ }); }
    this.armPictureTimer();
  };

  Player.prototype.append = function (chunk) {
    if (!this.source) { return; }
    this.queue.push(chunk);
    if (this.queue.length > 300) { this.queue.splice(0, this.queue.length - 300); }
    this.flush();
  };

  Player.prototype.flush = function () {
    var buffer = this.buffer;
    if (!buffer || buffer.updating || !this.queue.length) { return; }
    try {
      buffer.appendBuffer(this.queue.shift());
    } catch (err) {
      if (err && err.name === 'QuotaExceededError') { this.trim(0.5); return; }
      this.retry('实时画面解码出错，正在重连…');
    }
  };

  Player.prototype.trim = function (keep) {
    var buffer = this.buffer;
    var video = this.video;
    if (!buffer || buffer.updating || !buffer.buffered.length) { return false; }
    var start = buffer.buffered.start(0);
    var cut = video.currentTime - keep;
    if (cut - start > 1) { buffer.remove(start, cut); return true; }
    return false;
  };

  /** Stay near the live edge: jump when far behind, play slightly faster when a little behind. */
  Player.prototype.keepUp = function () {
    var video = this.video;
    var ranges = video.buffered;
    if (!ranges.length) { return; }
    var end = ranges.end(ranges.length - 1);
    var start = ranges.start(0);
    if (video.currentTime < start) { video.currentTime = start; }
    var gap = end - video.currentTime;
    if (gap > 1.5) { video.currentTime = Math.max(start, end - 0.3); }
    video.playbackRate = gap > 0.6 ? 1.15 : 1;
    if (video.paused) { var p = video.play(); if (p && p.catch) { p.catch(function () {}); } }
    if (!this.playing && video.readyState >= 2) {
      this.playing = true;
      this.retryMs = RETRY_MIN_MS;
      clearTimeout(this.pictureTimer);
      this.hooks.onLive();
    }
    this.trim(KEEP_S);
  };

  /** Seconds between the newest picture received and the one shown (for tests and the tile's title). */
  Player.prototype.lag = function () {
    var ranges = this.video.buffered;
    return ranges.length ? ranges.end(ranges.length - 1) - this.video.currentTime : null;
  };

  global.WatchdLive = { Player: Player, supported: mseSupported };
})(window);
