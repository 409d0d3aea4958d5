/* The duty-room camera wall: a tile per camera, still while quiet, live when it matters.
 *
 * A tile plays live (api/static/live.js) while its camera has motion, tampering or an open incident,
 * or while the officer has pinned it (固定实时, kept in this browser); otherwise it shows the last
 * event's snapshot. Tiles scrolled out of view or in a hidden tab stop streaming. A camera that
 * cannot be played live (offline, H.265, watched by another node) shows its still and says why.
 * Tiles are kept between updates of the screen's state, so a playing video is never rebuilt.
 */
(function (global) {
  'use strict';

  var PIN_KEY = 'watchd.wall.pinned';
  var el = global.WatchdDom.el;
  var tiles = {};
  var visible = {};
  var observer = typeof global.IntersectionObserver === 'function'
    ? new global.IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        visible[entry.target.dataset.camera] = entry.isIntersecting;
        var tile = tiles[entry.target.dataset.camera];
        if (tile) { sync(tile); }
      });
    })
    : null;

  function pins() {
    try { return JSON.parse(localStorage.getItem(PIN_KEY) || '[]'); } catch (err) { return []; }
  }

  function isPinned(id) { return pins().indexOf(id) >= 0; }

  function setPinned(id, on) {
    var list = pins().filter(function (x) { return x !== id; });
    if (on) { list.push(id); }
    localStorage.setItem(PIN_KEY, JSON.stringify(list));
  }

  function wantsLive(tile) {
    var cam = tile.cam;
    var live = cam.live || {};
    return !!live.playable && !document.hidden && visible[cam.id] !== false && (isPinned(cam.id) || !!cam.active);
  }

  function setMode(tile, mode, note) {
    tile.root.dataset.live = mode;
    tile.video.hidden = mode !== 'live';
    tile.still.hidden = mode === 'live';
    tile.badge.hidden = mode !== 'live';
    tile.note.textContent = note || '';
    tile.note.hidden = !note;
  }

  function sync(tile) {
    var cam = tile.cam;
    var live = cam.live || {};
    tile.pin.hidden = !live.playable && !isPinned(cam.id);
    tile.pin.textContent = isPinned(cam.id) ? '取消固定' : '固定实时';
    if (wantsLive(tile)) {
      if (!tile.player) {
        setMode(tile, 'connecting', '正在打开实时画面…');
        tile.player = new global.WatchdLive.Player(tile.video, cam.id, {
          onLive: function () { setMode(tile, 'live', ''); },
          onStill: function (text) { setMode(tile, 'still', (tile.cam.live || {}).warning ? '' : text); }
        });
        tile.player.start();
      }
      return;
    }
    if (tile.player) { tile.player.stop(); tile.player = null; }
    // An H.265 camera's fix is already in the tile's warning; other reasons (offline, another node) go here.
    setMode(tile, 'still', live.playable || !live.text || live.warning ? '' : live.text);
  }

  function build(cam) {
    var tile = { cam: cam, player: null, shot: null };
    tile.video = el('video', { className: 'd-live-video', muted: true, autoplay: true, playsInline: true });
    tile.video.muted = true; // a property, so autoplay is allowed
    tile.still = el('div', { className: 'd-noshot' }, ['无抓拍']);
    tile.badge = el('span', { className: 'd-live-badge' }, ['实时']);
    tile.note = el('div', { className: 'd-live-note' }, []);
    tile.pin = el('button', {
      className: 'd-pin', type: 'button',
      onclick: function () { setPinned(cam.id, !isPinned(tile.cam.id)); sync(tile); }
    }, ['固定实时']);
    tile.state = el('span', {}, []);
    tile.name = el('div', { className: 'd-camera-name' }, []);
    tile.site = el('div', {}, []);
    tile.event = el('div', { className: 'd-camera-event' }, []);
    tile.warning = el('div', { className: 'd-camera-warning' }, []);
    tile.falseAlarms = el('div', { className: 'd-camera-false' }, []);
    tile.media = el('div', { className: 'd-media' }, [tile.still, tile.video, tile.badge]);
    tile.root = el('div', { className: 'd-camera', dataset: { camera: cam.id } }, [
      tile.media,
      el('div', { className: 'd-camera-body' }, [tile.state, tile.name, tile.site, tile.event, tile.falseAlarms, tile.warning, tile.note, tile.pin])
    ]);
    if (observer) { observer.observe(tile.root); }
    return tile;
  }

  function update(tile, cam, eventText, loadShot) {
    tile.cam = cam;
    tile.root.dataset.state = cam.state;
    tile.root.classList.toggle('is-active', !!cam.active);
    tile.state.className = 'd-state is-' + cam.state;
    tile.state.textContent = cam.text;
    tile.name.textContent = cam.name;
    tile.site.textContent = cam.site_name;
    tile.event.textContent = eventText;
    var fa = cam.false_alarms || {};
    tile.falseAlarms.textContent = fa.last_30_days
      ? '误报：7天 ' + fa.last_7_days + ' 次，30天 ' + fa.last_30_days + ' 次' + (fa.top_zone ? '，多在“' + fa.top_zone + '”' : '')
      : '';
    tile.falseAlarms.hidden = !fa.last_30_days;
    var warning = cam.warning || (cam.live && cam.live.warning) || '';
    tile.warning.textContent = warning;
    tile.warning.hidden = !warning;
    var snapshot = cam.last_event && cam.last_event.snapshot;
    if (snapshot !== tile.shot) {
      tile.shot = snapshot;
      var still = snapshot ? el('img', { alt: '最近事件抓拍' }) : el('div', { className: 'd-noshot' }, ['无抓拍']);
      if (snapshot) { loadShot(snapshot, still); }
      still.hidden = tile.still.hidden;
      tile.media.replaceChild(still, tile.still);
      tile.still = still;
    }
    sync(tile);
  }

  /** Bring the wall in `box` up to date with the cameras of the screen's state. */
  function render(box, cameras, eventText, loadShot) {
    var seen = {};
    cameras.forEach(function (cam, i) {
      seen[cam.id] = true;
      var tile = tiles[cam.id] || (tiles[cam.id] = build(cam));
      update(tile, cam, eventText(cam), loadShot);
      if (box.children[i] !== tile.root) { box.insertBefore(tile.root, box.children[i] || null); }
    });
    Object.keys(tiles).forEach(function (id) {
      if (seen[id]) { return; }
      var tile = tiles[id];
      if (tile.player) { tile.player.stop(); }
      if (observer) { observer.unobserve(tile.root); }
      if (tile.root.parentNode) { tile.root.parentNode.removeChild(tile.root); }
      delete tiles[id];
    });
  }

  /** Stop every stream (logout, page hidden); `resume()` starts the wanted ones again. */
  function pause() {
    Object.keys(tiles).forEach(function (id) {
      var tile = tiles[id];
      if (tile.player) { tile.player.stop(); tile.player = null; }
    });
  }

  function resume() { Object.keys(tiles).forEach(function (id) { sync(tiles[id]); }); }

  document.addEventListener('visibilitychange', function () { if (document.hidden) { pause(); } else { resume(); } });

  global.WatchdWall = {
    render: render,
    pause: pause,
    clear: function (box) { pause(); tiles = {}; while (box.firstChild) { box.removeChild(box.firstChild); } },
    /** For tests and diagnostics: which tiles play, and how far behind. */
    status: function () {
      var out = {};
      Object.keys(tiles).forEach(function (id) {
        var t = tiles[id];
        out[id] = { mode: t.root.dataset.live, lag: t.player ? t.player.lag() : null, stats: t.player ? t.player.stats : null };
      });
      return out;
    }
  };
})(window);
