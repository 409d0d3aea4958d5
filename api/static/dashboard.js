/* The duty-room screen: duty rooms, cameras and open incidents, live.
 *
 * The state arrives over a server-sent event stream read with fetch() (so the login token goes in
 * the Authorization header, never in the URL). Every connection starts with the whole state, so a
 * reconnect after a server restart or a network blink shows the truth at once; while disconnected
 * the screen says so and greys out. Durations ("离岗 12 分钟") are counted here, against the
 * server's clock. Plain ES2017, no framework.
 */
(function () {
  'use strict';

  var SILENCE_MS = 35000; // the server pings every 15 s; this long without anything means a dead link
  var RETRY_MAX_MS = 10000;

  var state = {
    data: null,
    offset: 0, // server clock minus ours, in ms
    zoneMinutes: 0, // the township's UTC offset
    lastMessage: 0,
    controller: null,
    connected: false,
    rotating: false,
    retry: 1000,
    shots: {},
    acking: {}
  };

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function serverNow() { return Date.now() + state.offset; }

  /** HH:MM of an ISO time given in the township's zone (the API sends e.g. +08:00). */
  function hhmm(iso) {
    var m = /T(\d{2}):(\d{2})/.exec(iso || '');
    return m ? m[1] + ':' + m[2] : '';
  }

  function monthDay(iso) {
    var m = /^\d{4}-(\d{2})-(\d{2})/.exec(iso || '');
    return m ? Number(m[1]) + '月' + Number(m[2]) + '日' : '';
  }

  function duration(ms) {
    var minutes = Math.max(0, Math.floor(ms / 60000));
    if (minutes < 1) { return '不到 1 分钟'; }
    if (minutes < 60) { return minutes + ' 分钟'; }
    var hours = Math.floor(minutes / 60);
    return hours + ' 小时 ' + (minutes % 60) + ' 分';
  }

  var detailOf = WatchdSession.detailOf;

  // ---- login (api/static/session.js: the browser's one login) -----------------------------------

  function enter() { connect(); }

  function leave() { disconnect(); WatchdWall.clear($('cameras')); WatchdReview.clear(); }

  // ---- the live stream --------------------------------------------------------------------------

  function setConn(kind, text) {
    var conn = $('conn');
    conn.className = 'd-conn is-' + kind;
    conn.textContent = text;
    document.body.classList.toggle('stale', kind === 'down');
  }

  function disconnect() {
    var controller = state.controller;
    state.controller = null;
    state.connected = false;
    if (controller) { controller.abort(); }
  }

  async function connect() {
    if (!WatchdSession.token()) { return; }
    var controller = new AbortController();
    state.controller = controller;
    if (!state.connected) { setConn(state.data ? 'down' : 'wait', state.data ? '连接中断，正在重连…' : '连接中…'); }
    try {
      var response = (await WatchdSession.api('GET', '/api/dashboard/stream', {
        headers: { Accept: 'text/event-stream' }, signal: controller.signal, stream: true
      })).response;
      if (response.status === 403) { // this login's role may not watch the screen: no point retrying
        var refused = null;
        try { refused = await response.json(); } catch (err) { refused = null; }
        WatchdSession.expired((detailOf(refused).message || '没有权限') + '，请换用有权限的账号登录');
        return;
      }
      if (!response.ok || !response.body) { throw new Error('HTTP ' + response.status); }
      state.lastMessage = Date.now();
      state.rotating = false;
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = '';
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) { break; }
        buffer += decoder.decode(chunk.value, { stream: true });
        var parts = buffer.split(/\r?\n\r?\n/);
        buffer = parts.pop();
        parts.forEach(handleEvent);
      }
    } catch (err) {
      /* network error, abort by the watchdog, or a server going away: reconnect below */
    }
    if (state.controller !== controller || !WatchdSession.token()) { return; } // logged out or replaced
    if (state.rotating) { connect(); return; } // the server ends each stream after a while: go on
    state.connected = false;
    setConn('down', '连接中断，正在重连…');
    setTimeout(connect, state.retry);
    state.retry = Math.min(state.retry * 2, RETRY_MAX_MS);
  }

  function handleEvent(text) {
    var event = 'message';
    var data = [];
    text.split(/\r?\n/).forEach(function (line) {
      if (!line || line.charAt(0) === ':') { return; }
      var i = line.indexOf(':');
      var field = i < 0 ? line : line.slice(0, i);
      var value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') { event = value; } else if (field === 'data') { data.push(value); }
    });
    state.lastMessage = Date.now();
    if (event === 'bye') { state.rotating = true; return; }
    if (!data.length) { return; }
    var payload;
    try { payload = JSON.parse(data.join('\n')); } catch (err) { return; }
    if (payload.server_time) {
      state.offset = Date.parse(payload.server_time) - Date.now();
      var zone = /([+-])(\d{2}):(\d{2})$/.exec(payload.server_time);
      state.zoneMinutes = zone ? (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) : 0;
    }
    if (event === 'state') {
      state.data = payload;
      state.connected = true;
      state.retry = 1000;
      setConn('live', '实时');
      render();
    }
  }

  function watchdog() {
    if (state.connected && Date.now() - state.lastMessage > SILENCE_MS && state.controller) {
      state.controller.abort(); // the read fails and connect() starts again
    }
  }

  // ---- rendering --------------------------------------------------------------------------------

  function names(list) { return (list || []).map(function (p) { return p.name; }).join('、'); }

  function render() {
    var data = state.data;
    if (!data) { return; }
    $('township').textContent = data.township || '';
    renderRooms(data.rooms || []);
    renderCameras(data.cameras || []);
    renderIncidents(data.incidents || []);
    WatchdReview.render(data.review || []);
    tick();
  }

  function renderRooms(rooms) {
    var box = $('rooms');
    clear(box);
    rooms.forEach(function (room) {
      var p = room.presence || {};
      var alarm = room.unwatched || room.wrong_person;
      var cls = 'd-room' + (alarm ? ' is-alarm' : p.state === 'present' ? ' is-present' : p.state === 'absent' ? ' is-absent' : '');
      var leaders = (room.leaders || []).map(function (l) { return l.name + (l.phone ? '（' + l.phone + '）' : ''); }).join('、');
      var flags = [];
      if (room.unwatched) { flags.push(el('span', { className: 'd-flag' }, ['无人值守'])); }
      if (room.wrong_person) { flags.push(el('span', { className: 'd-flag' }, ['非排班人员在岗'])); }
      box.appendChild(el('div', { className: cls, dataset: { room: room.id, state: p.state || 'unknown' } }, [
        el('div', { className: 'd-room-name' }, [room.name]),
        el('div', { className: 'd-room-shift' }, [
          monthDay(room.day) + '班 ' + hhmm(room.start) + ' 至 次日 ' + hhmm(room.end)
        ]),
        el('div', { className: 'd-presence', dataset: { state: p.state || 'unknown', since: p.since || '', watched: room.watched ? '1' : '' } }, []),
        el('div', { className: 'd-people' }, [
          el('div', {}, [el('b', {}, ['值班人员']), names(room.officers) || '未排班']),
          el('div', {}, [el('b', {}, ['带班领导']), leaders || '未排班']),
          el('div', {}, [el('b', {}, ['接班签到']), room.took_over ? hhmm(room.took_over.at) + ' ' + room.took_over.name : '未签到'])
        ]),
        el('div', {}, flags)
      ]));
    });
  }

  function presenceText(node) {
    var since = node.dataset.since ? Date.parse(node.dataset.since) : NaN;
    var span = isNaN(since) ? '' : duration(serverNow() - since);
    switch (node.dataset.state) {
      case 'present': return '在岗' + (span ? ' ' + span : '');
      case 'absent': return '离岗' + (span ? ' ' + span : '');
      default: return node.dataset.watched ? '状态未知（无画面）' : '未接入摄像头';
    }
  }

  function loadShot(url, img) {
    if (state.shots[url]) { img.src = state.shots[url]; return; }
    WatchdSession.api('GET', url, { raw: true })
      .then(function (r) { return r.ok ? r.data : null; })
      .then(function (blob) {
        if (!blob) { return; }
        state.shots[url] = URL.createObjectURL(blob);
        img.src = state.shots[url];
      })
      .catch(function () { /* the tile stays without a picture */ });
  }

  function renderCameras(cameras) {
    var box = $('cameras');
    $('camera-count').textContent = cameras.length ? '（' + cameras.length + '）' : '';
    if (!cameras.length) {
      WatchdWall.clear(box);
      box.appendChild(el('div', { className: 'd-camera-event' }, ['未配置摄像头']));
      return;
    }
    if (box.firstChild && !box.firstChild.dataset.camera) { clear(box); }
    // The wall (api/static/live-wall.js) keeps its tiles, so a live video is not rebuilt on each update.
    WatchdWall.render(box, cameras, function (cam) {
      var ev = cam.last_event;
      return ev ? monthDay(ev.at) + ' ' + hhmm(ev.at) + ' ' + ev.text : '无事件';
    }, loadShot);
  }

  function renderIncidents(incidents) {
    var list = $('incidents');
    clear(list);
    var open = incidents.filter(function (i) { return i.status === 'open'; }).length;
    $('incident-count').textContent = incidents.length ? '（待确认 ' + open + '，共 ' + incidents.length + '）' : '';
    if (!incidents.length) {
      list.appendChild(el('li', { className: 'd-empty' }, ['当前没有警情']));
      return;
    }
    incidents.forEach(function (i) {
      // "乌云 已确认", not "已确认 · 乌云 已确认": who acknowledged replaces the bare status.
      var status = i.acknowledged_by
        ? (i.status === 'acknowledged' ? i.acknowledged_by + ' 已确认' : i.status_text + ' · ' + i.acknowledged_by + ' 确认')
        : i.status_text;
      var meta = monthDay(i.opened_at) + ' ' + hhmm(i.opened_at) + ' · ' + status +
        (i.count > 1 ? ' · ' + i.count + ' 次' : '') + ' · 编号 ' + i.code;
      var button = null;
      if (i.status === 'open') {
        button = el('button', {
          className: 'd-ack', type: 'button', disabled: !!state.acking[i.id], dataset: { incident: String(i.id) },
          onclick: function () { acknowledge(i.id, button); }
        }, [state.acking[i.id] ? '确认中…' : '确认']);
      }
      var shot = null;
      if (i.snapshot) { shot = el('img', { alt: '抓拍' }); loadShot(i.snapshot, shot); }
      var cls = 'd-incident is-' + i.status + (i.severity === 'major' ? ' is-major' : '');
      list.appendChild(el('li', { className: cls, dataset: { incident: String(i.id), status: i.status } }, [
        el('div', { className: 'd-incident-main' }, [
          el('div', { className: 'd-incident-title' }, [i.site_name + ' ' + i.text]),
          el('div', { className: 'd-incident-meta' }, [meta]),
          button
        ]),
        shot
      ]));
    });
  }

  async function acknowledge(id, button) {
    state.acking[id] = true;
    if (button) { button.disabled = true; button.textContent = '确认中…'; }
    $('ack-error').hidden = true;
    try {
      var result = await WatchdSession.api('POST', '/api/incidents/' + id + '/acknowledge', { offline: '网络中断，确认未送达，请重试' });
      if (!result.ok) { throw new Error(detailOf(result.data).message || ('确认失败（HTTP ' + result.status + '）')); }
      if (button) { button.textContent = '已确认'; }
    } catch (err) {
      if (err instanceof WatchdSession.AuthError) { return; }
      $('ack-error').textContent = err && err.message ? err.message : '网络中断，确认未送达，请重试';
      $('ack-error').hidden = false;
      if (button) { button.disabled = false; button.textContent = '确认'; }
    } finally {
      delete state.acking[id];
    }
  }

  function tick() {
    // The township's wall clock, whatever zone the screen's computer is set to.
    var now = new Date(serverNow() + state.zoneMinutes * 60000);
    WatchdReview.tick(serverNow());
    $('clock').textContent = pad2(now.getUTCHours()) + ':' + pad2(now.getUTCMinutes()) + ':' + pad2(now.getUTCSeconds());
    Array.prototype.forEach.call(document.querySelectorAll('.d-presence'), function (node) {
      node.textContent = presenceText(node);
    });
  }

  // ---- start ------------------------------------------------------------------------------------

  setInterval(tick, 1000);
  setInterval(watchdog, 5000);
  WatchdSession.start({ onEnter: enter, onLeave: leave });
}());
