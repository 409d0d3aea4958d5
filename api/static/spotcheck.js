/* Spot checks (查岗) on the duty-room screen (/dashboard), plain ES2017.
 *
 * While the duty-room screen's login (role duty_officer) is in, this asks the server every few
 * seconds for an open check (GET /api/spotchecks/open: only that login gets the check's nonce). An
 * open check covers the screen with a dialog: the code to type, a countdown from the server's
 * remaining seconds, and 我在岗 to answer (POST /api/spotchecks/{id}/answer with the nonce and the
 * code). When the countdown ends unanswered the server records the miss and tells the leader on
 * duty; the dialog then says so. Needs dom.js and session.js.
 */
(function (global) {
  'use strict';

  var $ = global.WatchdDom.$;
  var el = global.WatchdDom.el;
  var POLL_MS = 4000;
  var current = null; // {check, deadline (performance.now() ms)}
  var ticker = null;
  var polling = false;

  function allowed() {
    var me = global.WatchdSession.me();
    return !!me && me.role === 'duty_officer' && global.WatchdSession.can('duty.spotchecks.answer');
  }

  function dialog() {
    var box = $('spot-check');
    if (box) { return box; }
    box = el('div', { id: 'spot-check', className: 'sc-overlay', hidden: true }, [
      el('form', { className: 'sc-dialog', id: 'spot-check-form', onsubmit: answer }, [
        el('h2', { id: 'spot-check-title' }, ['查岗']),
        el('p', { className: 'sc-room', id: 'spot-check-room' }, []),
        el('p', { className: 'sc-help' }, ['请在倒计时结束前输入下面的验证码，点击“我在岗”。']),
        el('div', { className: 'sc-code', id: 'spot-check-code', title: '验证码' }, []),
        el('div', { className: 'sc-countdown', id: 'spot-check-countdown', role: 'timer' }, []),
        el('input', {
          id: 'spot-check-input', className: 'sc-input', inputMode: 'numeric', autocomplete: 'off',
          maxLength: 4, placeholder: '验证码', required: true
        }, []),
        el('div', { className: 'sc-error', id: 'spot-check-error', hidden: true }, []),
        el('button', { id: 'spot-check-submit', className: 'sc-submit', type: 'submit' }, ['我在岗'])
      ])
    ]);
    box.setAttribute('role', 'alertdialog');
    box.setAttribute('aria-labelledby', 'spot-check-title');
    document.body.appendChild(box);
    return box;
  }

  function mmss(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var m = Math.floor(s / 60);
    s = s % 60;
    return m + ':' + (s < 10 ? '0' : '') + s;
  }

  function beep() {
    try {
      var Ctx = global.AudioContext || global.webkitAudioContext;
      if (!Ctx) { return; }
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.4);
    } catch (err) { /* no sound on this screen */ }
  }

  function render() {
    if (!current) { return; }
    var left = current.deadline - performance.now();
    $('spot-check-countdown').textContent = left > 0 ? '剩余 ' + mmss(left) : '已超时';
    $('spot-check').classList.toggle('is-late', left <= 60000);
    if (left <= 0) {
      $('spot-check-submit').disabled = true;
      showError('未在规定时间内应答，已记录为未应答并通知带班领导。');
      stopTicker();
      global.setTimeout(function () { close(); }, 15000);
    }
  }

  function stopTicker() { if (ticker) { global.clearInterval(ticker); ticker = null; } }

  function showError(text) {
    var e = $('spot-check-error');
    e.textContent = text;
    e.hidden = !text;
  }

  function open(check) {
    var box = dialog();
    current = { check: check, deadline: performance.now() + check.seconds_left * 1000 };
    $('spot-check-room').textContent = check.room_name + (check.started_by ? '（带班领导发起）' : '');
    $('spot-check-code').textContent = check.code;
    $('spot-check-input').value = '';
    $('spot-check-submit').disabled = false;
    showError('');
    box.hidden = false;
    box.classList.remove('is-done');
    $('spot-check-input').focus();
    stopTicker();
    ticker = global.setInterval(render, 250);
    render();
    beep();
  }

  function close() {
    stopTicker();
    current = null;
    var box = $('spot-check');
    if (box) { box.hidden = true; }
  }

  async function answer(event) {
    event.preventDefault();
    if (!current) { return; }
    var check = current.check;
    $('spot-check-submit').disabled = true;
    try {
      var result = await global.WatchdSession.api('POST', '/api/spotchecks/' + check.id + '/answer', {
        json: { nonce: check.nonce, code: $('spot-check-input').value.trim() }, offline: '无法连接服务器，请重试'
      });
      if (!result.ok) {
        showError(global.WatchdSession.detailOf(result.data).text || global.WatchdSession.problem(result));
        $('spot-check-submit').disabled = result.status === 409;
        return;
      }
      stopTicker();
      $('spot-check').classList.add('is-done');
      $('spot-check-countdown').textContent = '已应答，用时 ' + result.data.answer_seconds + ' 秒';
      showError('');
      global.setTimeout(close, 3000);
    } catch (err) {
      if (!(err instanceof global.WatchdSession.AuthError)) { showError(err.message); }
      $('spot-check-submit').disabled = false;
    }
  }

  async function poll() {
    if (!allowed() || document.hidden && current) { return; }
    var result;
    try {
      result = await global.WatchdSession.api('GET', '/api/spotchecks/open');
    } catch (err) { return; } // the dashboard itself says the link is down (or the login form is shown)
    if (!result.ok) { return; }
    var checks = result.data;
    if (!checks.length) {
      if (current && !$('spot-check').classList.contains('is-done') && current.deadline > performance.now()) {
        close(); // answered or settled elsewhere
      }
      return;
    }
    if (!current || current.check.id !== checks[0].id) { open(checks[0]); }
  }

  function loop() {
    if (polling) { return; }
    polling = true;
    poll().finally(function () { polling = false; });
  }

  global.WatchdSpotChecks = { poll: loop };
  global.setInterval(loop, POLL_MS);
  global.setTimeout(loop, 500);
})(window);
