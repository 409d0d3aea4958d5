/* Video verification on the duty screen (视频复核): each camera event is an item with its snapshot
 * and clip; the officer claims it, plays the clip and says 属实 / 误报 / 已处置 with a note. While the
 * incident waits for the verdict a countdown shows when it goes to the leader on duty by itself.
 *
 * The dashboard hands over its state (`WatchdReview.render(items)`) and its clock (`tick(nowMs)`).
 * Items are kept by id and rebuilt only when they change, so a clip that is playing keeps playing
 * while the screen updates. Media are fetched with the login token (never in the URL). Plain ES2017.
 */
(function (global) {
  'use strict';

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  var KIND = { motion: '移动目标', tamper: '遮挡/移位', camera_offline: '摄像机离线' };
  var VERDICTS = [['real', '属实', 'r-real'], ['false_alarm', '误报', 'r-false'], ['handled', '已处置', 'r-handled']];
  var HOLD = { real: '已上报带班领导（属实）', timed_out: '无人复核，已自动上报带班领导', major: '重大警情，已直接上报' };
  var DECIDED_SHOWN = 5;
  var busy = {};
  var media = {}; // object URLs by media path, revoked when their item leaves the screen

  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function hhmm(iso) { return iso ? iso.slice(11, 16) : ''; }

  function me() { var m = WatchdSession.me(); return m ? m.username : null; }

  var OFFLINE = '网络中断，操作未送达，请重试';

  /** POST with the login (session.js); a refused call throws its text. */
  async function call(path, body) {
    var result = await WatchdSession.api('POST', path, { json: body || {}, offline: OFFLINE });
    if (!result.ok) { throw new Error(WatchdSession.problem(result)); }
    return result.data;
  }

  function showError(err) {
    if (err instanceof WatchdSession.AuthError) { return; } // the login form says why
    var box = $('review-error');
    box.textContent = err && err.message ? err.message : OFFLINE;
    box.hidden = false;
  }

  async function act(item, path, body) {
    busy[item.id] = true;
    $('review-error').hidden = true;
    try {
      await call('/api/review/' + item.id + path, body);
    } catch (err) {
      showError(err);
    } finally {
      delete busy[item.id];
    }
  }

  async function blobUrl(path) {
    if (media[path]) { return media[path]; }
    var r = await WatchdSession.api('GET', path, { raw: true });
    if (!r.ok) { throw new Error(r.status === 404 ? '录像已按保留期限删除或未录制' : '录像加载失败（HTTP ' + r.status + '）'); }
    media[path] = URL.createObjectURL(r.data);
    return media[path];
  }

  function mediaBox(item) {
    var box = el('div', { className: 'r-media' }, []);
    var poster = el('img', { className: 'r-shot', alt: '抓拍' }, []);
    if (item.snapshot) {
      blobUrl(item.snapshot).then(function (url) { poster.src = url; }).catch(function () { poster.alt = '无抓拍'; });
      box.appendChild(poster);
    }
    if (item.clip) {
      var play = el('button', { className: 'r-play', type: 'button' }, ['▶ 播放录像']);
      play.addEventListener('click', async function () {
        play.disabled = true;
        play.textContent = '加载中…';
        try {
          var url = await blobUrl(item.clip);
          var video = el('video', { className: 'r-clip', controls: true, muted: true, playsInline: true, src: url }, []);
          if (poster.parentNode) { box.replaceChild(video, poster); } else { box.insertBefore(video, box.firstChild); }
          play.remove();
          await video.play().catch(function () { /* the officer can press play */ });
          if (WatchdSession.can('review.decide')) { act(item, '/viewed'); }
        } catch (err) {
          play.disabled = false;
          play.textContent = '▶ 播放录像';
          showError(err);
        }
      });
      box.appendChild(play);
    } else {
      box.appendChild(el('div', { className: 'r-noclip' }, ['无录像片段']));
    }
    return box;
  }

  function actions(item) {
    var open = item.status === 'unreviewed' || item.status === 'claimed';
    if (!open || !WatchdSession.can('review.decide')) { return null; }
    var mine = item.status === 'claimed' && item.claimed_by === me();
    if (item.status === 'claimed' && !mine) { return el('div', { className: 'r-actions' }, [item.claimed_by + ' 正在复核']); }
    if (!mine) {
      return el('div', { className: 'r-actions' }, [
        el('button', { className: 'r-claim', type: 'button', disabled: !!busy[item.id],
          onclick: function () { act(item, '/claim'); } }, ['领取复核'])
      ]);
    }
    var note = el('input', { className: 'r-note', type: 'text', maxLength: 300, placeholder: '说明（可选），如：风吹树枝' }, []);
    var buttons = VERDICTS.map(function (v) {
      return el('button', { className: 'r-verdict ' + v[2], type: 'button', dataset: { verdict: v[0] },
        onclick: function () { act(item, '/verdict', { verdict: v[0], note: note.value.trim() }); } }, [v[1]]);
    });
    return el('div', { className: 'r-actions' }, [note].concat(buttons));
  }

  function signature(item) {
    return JSON.stringify([item.status, item.claimed_by, item.hold, item.hold_until, item.decided_by, item.note,
      item.snapshot, item.clip, me(), !!busy[item.id]]);
  }

  function card(item) {
    var open = item.status === 'unreviewed' || item.status === 'claimed';
    // The summary already names the camera ("坑口东 发现移动目标（道路）").
    var title = item.site_name + ' ' + (item.summary || item.camera_name + ' ' + (KIND[item.kind] || item.kind));
    var status = item.status === 'claimed' ? item.claimed_by + ' 复核中' :
      (item.decided_by ? item.status_text + ' · ' + item.decided_by + ' 判定' : item.status_text);
    var meta = hhmm(item.at) + ' · ' + status + (item.incident_code ? ' · 编号 ' + item.incident_code : '');
    var hold = el('div', { className: 'r-hold', dataset: { until: item.hold_until || '' } }, [HOLD[item.hold] || '']);
    return el('li', { className: 'r-item is-' + item.status, dataset: { review: String(item.id), status: item.status } }, [
      el('div', { className: 'r-main' }, [
        el('div', { className: 'r-title' }, [title]),
        el('div', { className: 'r-meta' }, [meta]),
        item.note ? el('div', { className: 'r-note-text' }, ['说明：' + item.note]) : null,
        open ? hold : null,
        actions(item)
      ]),
      mediaBox(item)
    ]);
  }

  function render(items) {
    var list = $('review');
    if (!list) { return; }
    var open = items.filter(function (i) { return i.status === 'unreviewed' || i.status === 'claimed'; });
    var decided = items.filter(function (i) { return open.indexOf(i) < 0; }).slice(0, DECIDED_SHOWN);
    $('review-count').textContent = open.length ? '（待复核 ' + open.length + '）' : '';
    var keep = {};
    Array.prototype.forEach.call(list.querySelectorAll('li.r-item'), function (node) { keep[node.dataset.review] = node; });
    var shown = open.concat(decided);
    var used = {};
    clear(list);
    if (!shown.length) {
      list.appendChild(el('li', { className: 'd-empty' }, ['没有待复核的摄像机事件']));
    }
    shown.forEach(function (item) {
      var sig = signature(item);
      var node = keep[String(item.id)];
      if (!node || node.dataset.sig !== sig) {
        node = card(item);
        node.dataset.sig = sig;
      }
      list.appendChild(node);
      if (item.snapshot) { used[item.snapshot] = true; }
      if (item.clip) { used[item.clip] = true; }
    });
    Object.keys(media).forEach(function (path) {
      if (!used[path]) { URL.revokeObjectURL(media[path]); delete media[path]; }
    });
  }

  function tick(nowMs) {
    Array.prototype.forEach.call(document.querySelectorAll('.r-hold[data-until]'), function (node) {
      var until = node.dataset.until;
      if (!until) { return; }
      var left = Math.max(0, Math.round((Date.parse(until) - nowMs) / 1000));
      node.textContent = left > 0
        ? pad2(Math.floor(left / 60)) + ':' + pad2(left % 60) + ' 后未复核将自动上报带班领导'
        : '正在上报带班领导…';
      node.classList.toggle('is-urgent', left <= 60);
    });
  }

  function clearAll() {
    Object.keys(media).forEach(function (path) { URL.revokeObjectURL(media[path]); });
    media = {};
    var list = $('review');
    if (list) { clear(list); }
  }

  global.WatchdReview = { render: render, tick: tick, clear: clearAll };
})(window);
