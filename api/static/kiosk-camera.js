/* The kiosk's camera: open it, say in Chinese why it cannot be opened, retry, grab frames and the
 * timed burst of a check-in (frontal, then the head turn).
 *
 * new WatchdKioskCamera.Camera(video, canvas, {onReady(), onFailed(detail)}): start() opens the
 * front camera at 640x480 (and retries every 15 s after a failure: a USB camera plugged in later);
 * grab() returns one raw (unmirrored) JPEG frame at most 640 px wide. Plain ES2017 (old Android Chrome).
 */
(function (global) {
  'use strict';

  var JPEG_QUALITY = 0.8;
  var RETRY_MS = 15000;
  var FRAME_INTERVAL_MS = 250;      // 4 frames a second
  var FRONTAL_MS = 1000;            // ~1 s looking straight at the camera
  var TURN_MS = 2000;               // ~2 s for the head turn

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, Math.max(0, ms)); });
  }

  function now() {
    return (global.performance && performance.now) ? performance.now() : Date.now();
  }

  function randomHex(bytes) {
    var out = '';
    var buf = new Uint8Array(bytes);
    if (global.crypto && crypto.getRandomValues) {
      crypto.getRandomValues(buf);
    } else {
      for (var i = 0; i < bytes; i++) { buf[i] = Math.floor(Math.random() * 256); }
    }
    for (var j = 0; j < buf.length; j++) { out += (buf[j] < 16 ? '0' : '') + buf[j].toString(16); }
    return out;
  }

  /** An idempotency key for one check-in attempt (the server stores each key once). */
  function newKey() {
    return 'k' + Date.now().toString(36) + '-' + randomHex(16);
  }

  /** The direction to ask for. window.WATCHD_KIOSK_TEST.challenge fixes it (browser tests only). */
  function pickChallenge() {
    var forced = global.WATCHD_KIOSK_TEST && global.WATCHD_KIOSK_TEST.challenge;
    if (forced === 'left' || forced === 'right') { return forced; }
    return parseInt(randomHex(1), 16) % 2 === 0 ? 'left' : 'right';
  }

  /** Why the browser refused the camera, in words the person at the kiosk can act on. */
  function errorDetail(err) {
    var name = err && err.name;
    if (!global.isSecureContext && location.hostname !== 'localhost' && location.hostname !== '127.0.0.1') {
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

  function Camera(video, canvas, hooks) {
    this.video = video;
    this.canvas = canvas;
    this.hooks = hooks;
    this.stream = null;
    this.timer = null;
  }

  Camera.prototype.stop = function () {
    if (this.stream) {
      this.stream.getTracks().forEach(function (t) { t.stop(); });
      this.stream = null;
    }
  };

  Camera.prototype.failed = function (err) {
    var self = this;
    this.stop();
    this.hooks.onFailed(errorDetail(err));
    if (this.timer) { clearTimeout(this.timer); }
    this.timer = setTimeout(function () { self.start(); }, RETRY_MS);
  };

  Camera.prototype.start = async function () {
    var self = this;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.failed(new Error('getUserMedia unavailable'));
      return false;
    }
    try {
      this.stop();
      var stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'user', width: 640, height: 480 }, audio: false
      });
      this.stream = stream;
      stream.getVideoTracks().forEach(function (track) {
        track.onended = function () { if (self.stream === stream) { self.failed(new Error('摄像头已断开')); } };
      });
      this.video.srcObject = stream;
      try { await this.video.play(); } catch (err) { /* autoplay of a muted stream: play() may still reject */ }
      this.hooks.onReady();
      return true;
    } catch (err) {
      this.failed(err);
      return false;
    }
  };

  Camera.prototype.ready = function () {
    return !!this.stream && this.video.readyState >= 2 && this.video.videoWidth > 0;
  };

  /** One raw (unmirrored) frame, at most 640 px wide; toBlob copies the canvas at call time. */
  Camera.prototype.grab = function () {
    var video = this.video;
    var canvas = this.canvas;
    var w = Math.min(640, video.videoWidth);
    var h = Math.round(video.videoHeight * w / video.videoWidth);
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    canvas.getContext('2d').drawImage(video, 0, 0, w, h);
    return canvasToBlob(canvas);
  };

  /**
   * Frames in capture order: ~1 s frontal, then (with a challenge) ~2 s of the head turn; at most
   * `limit` frames. ui.progress(fraction or null), ui.turn(direction) when the turn is to start.
   */
  Camera.prototype.burst = async function (challenge, limit, ui) {
    var total = challenge ? limit : Math.min(limit, Math.round(FRONTAL_MS / FRAME_INTERVAL_MS));
    var frontal = challenge ? Math.max(1, Math.round(total * FRONTAL_MS / (FRONTAL_MS + TURN_MS))) : total;
    var turned = total - frontal;
    var frontalStep = FRONTAL_MS / frontal;
    var turnStep = turned ? TURN_MS / turned : 0;
    var duration = FRONTAL_MS + (turned ? TURN_MS : 0);
    var start = now();
    var frames = [];
    ui.progress(0);
    for (var i = 0; i < frontal; i++) {
      await sleep(start + i * frontalStep - now());
      frames.push(this.grab());
      ui.progress((now() - start) / duration);
    }
    if (challenge) {
      await sleep(start + FRONTAL_MS - now());
      ui.turn(challenge);
      for (var j = 0; j < turned; j++) {
        await sleep(start + FRONTAL_MS + (j + 1) * turnStep - now());
        frames.push(this.grab());
        ui.progress((now() - start) / duration);
      }
    }
    ui.progress(1);
    return Promise.all(frames);
  };

  global.WatchdKioskCamera = { Camera: Camera, errorDetail: errorDetail, newKey: newKey, pickChallenge: pickChallenge };
})(window);
