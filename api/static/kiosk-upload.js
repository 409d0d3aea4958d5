/* The kiosk's uploads: one check-in attempt (POST /api/kiosk/checkins) and the report of its offline
 * queue (POST /api/attendance/device-sync), with the kiosk's device token (plain ES2017).
 *
 * send(attempt, token, timeoutMs) resolves to {outcome: 'done', ok, status, body} for a 2xx or a final
 * 4xx, {outcome: 'retry', reason} for network errors, 5xx, 408 and 429, {outcome: 'auth', detail} for
 * 401. reportSync(queue, token) tells the server what the queue still holds, so a day is settled only
 * after the kiosk has delivered everything captured before its end.
 */
(function (global) {
  'use strict';

  function detailOf(body) {
    var detail = global.WatchdSession.detailOf(body);
    return detail.message ? detail : { code: detail.code, message: '服务器返回错误' };
  }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  async function send(attempt, token, timeoutMs) {
    var form = new FormData();
    attempt.frames.forEach(function (frame, i) {
      form.append('frames', global.KioskQueue.frameBlob(frame), 'frame' + pad2(i + 1) + '.jpg');
    });
    form.append('idempotency_key', attempt.key);
    form.append('captured_at', attempt.captured_at);
    if (attempt.challenge) { form.append('challenge', attempt.challenge); }
    var response;
    try {
      response = await global.WatchdSession.request('POST', '/api/kiosk/checkins', {
        form: form, timeoutMs: timeoutMs, token: token
      });
    } catch (err) {
      return { outcome: 'retry', reason: String(err && err.message || err), network: true };
    }
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

  async function reportSync(queue, token) {
    var pending = 0;
    var oldest = null;
    if (queue) {
      try {
        var items = await queue.all();
        pending = items.length;
        items.forEach(function (a) {
          if (!oldest || new Date(a.captured_at) < new Date(oldest)) { oldest = a.captured_at; }
        });
      } catch (err) { return; }
    }
    try {
      await global.WatchdSession.request('POST', '/api/attendance/device-sync', {
        json: { pending: pending, oldest_pending_at: oldest }, timeoutMs: 15000, token: token
      });
    } catch (err) { /* offline: the next report says it */ }
  }

  global.WatchdKioskUpload = { send: send, reportSync: reportSync, detailOf: detailOf };
})(window);
