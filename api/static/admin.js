/* The admin page: today's check-ins by village, people and their face templates, kiosk links.
 * Plain ES2017, no framework. The login is the browser's one login (session.js).
 */
(function () {
  'use strict';

  var REFRESH_MS = 30000;
  var ROLE_NAMES = { cadre: '干部', duty_officer: '值班人员', leader: '领导', principal_leader: '主要领导' };
  var METHOD_NAMES = { kiosk_face: '人脸签到机', kiosk_camera: '摄像头', terminal: '考勤机' };
  var LIVENESS_NAMES = { passed: '活体通过', not_required: '未检测活体', terminal: '' };

  var state = {
    tab: 'today',
    followToday: true,
    refreshTimer: null,
    sites: null,
    people: [],
    faceResults: {},
    camera: { stream: null, person: null, blob: null }
  };

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;

  // ---- API (api/static/session.js) ----------------------------------------------------------

  var api = WatchdSession.api;
  var problem = WatchdSession.problem;
  var notice = WatchdSession.notice;
  var handle = WatchdSession.handle;
  var detailOf = WatchdSession.detailOf;

  // ---- login (api/static/session.js) --------------------------------------------------------

  function leave() {
    stopRefresh();
    closeCamera();
  }

  function enter() {
    // Only what this login's role may do: leaders read check-ins and people, administrators manage.
    $('person-add').hidden = !WatchdSession.can('people.manage');
    document.querySelector('.a-tab[data-tab=devices]').hidden = !WatchdSession.can('devices.manage');
    notice('');
    state.followToday = true;
    state.sites = null;
    switchTab('today');
  }

  // ---- tabs ---------------------------------------------------------------------------------

  function switchTab(name) {
    state.tab = name;
    Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (tab) {
      var active = tab.dataset.tab === name;
      tab.className = 'a-tab' + (active ? ' is-active' : '');
      tab.setAttribute('aria-selected', active ? 'true' : 'false');
    });
    ['today', 'people', 'devices'].forEach(function (tab) { $('tab-' + tab).hidden = tab !== name; });
    notice('');
    stopRefresh();
    if (name !== 'people') { closeCamera(); }
    if (name === 'today') { loadToday(); startRefresh(); }
    if (name === 'people') { loadPeople(); }
    if (name === 'devices') { getSites().then(WatchdAdminDevices.load).catch(handle); }
  }

  function startRefresh() {
    stopRefresh();
    state.refreshTimer = setInterval(function () {
      if (state.tab === 'today' && document.visibilityState !== 'hidden') { loadToday(); }
    }, REFRESH_MS);
  }

  function stopRefresh() {
    if (state.refreshTimer) { clearInterval(state.refreshTimer); state.refreshTimer = null; }
  }

  async function getSites() {
    if (state.sites) { return state.sites; }
    var result = await api('GET', '/api/sites');
    if (!result.ok) { throw new Error(problem(result)); }
    state.sites = result.data;
    return state.sites;
  }

  // ---- today --------------------------------------------------------------------------------

  /** HH:MM of an ISO time; the API already gives it in the township's zone (e.g. +08:00). */
  function hhmm(iso) {
    var match = /T(\d{2}):(\d{2})/.exec(iso || '');
    return match ? match[1] + ':' + match[2] : '';
  }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  async function loadToday() {
    var date = $('today-date').value;
    var path = '/api/checkins/by-village' + (state.followToday || !date ? '' : '?date=' + encodeURIComponent(date));
    try {
      var result = await api('GET', path);
      if (!result.ok) { notice(problem(result), 'error'); return; }
      if (state.followToday) { $('today-date').value = result.data.date; }
      renderToday(result.data);
      var d = new Date();
      $('today-updated').textContent = '更新于 ' + pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()) + '，每 30 秒自动刷新';
    } catch (err) { handle(err); }
  }

  function renderToday(data) {
    var box = $('today-villages');
    clear(box);
    var present = 0;
    var expected = 0;
    if (!data.villages.length) {
      box.appendChild(el('div', { className: 'a-empty' }, ['还没有配置嘎查（村）。']));
    }
    data.villages.forEach(function (village) {
      var assigned = village.assigned || [];
      var missing = village.missing || [];
      expected += assigned.length;
      present += assigned.length - missing.length;
      var rows = village.checkins.map(function (c) {
        var how = (METHOD_NAMES[c.method] || c.method) + (LIVENESS_NAMES[c.liveness] ? '，' + LIVENESS_NAMES[c.liveness] : '');
        return el('tr', {}, [
          el('td', {}, [c.person_name]),
          el('td', {}, [hhmm(c.occurred_at)]),
          el('td', {}, [c.device_id]),
          el('td', {}, [how])
        ]);
      });
      var table = rows.length ? el('table', { className: 'a-table' }, [
        el('thead', {}, [el('tr', {}, [el('th', {}, ['姓名']), el('th', {}, ['时间']), el('th', {}, ['签到机']), el('th', {}, ['方式'])])]),
        el('tbody', {}, rows)
      ]) : el('div', { className: 'a-empty' }, ['暂无签到']);
      var footer = null;
      if (missing.length) {
        footer = el('div', { className: 'a-missing' }, [el('strong', {}, ['未签到: ']), missing.join('、')]);
      } else if (assigned.length) {
        footer = el('div', { className: 'a-all-present' }, ['包联人员已全部签到']);
      }
      var count = assigned.length ? '已签到 ' + (assigned.length - missing.length) + ' / 应到 ' + assigned.length
        : '签到 ' + village.checkins.length + ' 次';
      box.appendChild(el('div', { className: 'a-card', dataset: { site: village.site_id } }, [
        el('h2', {}, [village.name, el('span', { className: 'a-count' }, [count])]),
        table,
        footer
      ]));
    });
    $('today-summary').textContent = expected ? '合计：已签到 ' + present + ' / 应到 ' + expected : '';
  }

  // ---- people -------------------------------------------------------------------------------

  async function loadPeople() {
    try {
      var sites = await getSites();
      renderVillageChoices(sites);
      var result = await api('GET', '/api/people');
      if (!result.ok) { notice(problem(result), 'error'); return; }
      state.people = result.data;
      renderPeople();
    } catch (err) { handle(err); }
  }

  function siteName(id) {
    var sites = state.sites || [];
    for (var i = 0; i < sites.length; i++) { if (sites[i].id === id) { return sites[i].name; } }
    return id;
  }

  function renderVillageChoices(sites) {
    var box = $('p-villages');
    if (box.childNodes.length) { return; }
    sites.filter(function (s) { return s.kind === 'village'; }).forEach(function (s) {
      box.appendChild(el('label', {}, [el('input', { type: 'checkbox', value: s.id }), ' ' + s.name]));
    });
  }

  function renderPeople() {
    var body = $('people-body');
    clear(body);
    $('people-count').textContent = '共 ' + state.people.length + ' 人';
    if (!state.people.length) {
      body.appendChild(el('tr', {}, [el('td', { colSpan: 7, className: 'a-empty' }, ['还没有人员'])]));
    }
    state.people.forEach(function (p) {
      var upload = el('label', { className: 'a-btn is-small' }, [
        '上传照片',
        el('input', { type: 'file', accept: 'image/jpeg,image/png', multiple: true, dataset: { person: p.id },
          onchange: function (e) { uploadFiles(p, e.target); } })
      ]);
      body.appendChild(el('tr', { dataset: { person: p.id } }, [
        el('td', {}, [p.id]),
        el('td', {}, [p.name]),
        el('td', {}, [ROLE_NAMES[p.role] || p.role]),
        el('td', {}, [p.organisation || '']),
        el('td', {}, [p.villages.map(siteName).join('、')]),
        el('td', { className: 'a-templates' }, [p.templates ? p.templates + ' 张' : '未录入']),
        el('td', { className: 'a-actions' }, WatchdSession.can('biometrics.manage') ? [
          upload,
          el('button', { type: 'button', className: 'a-btn is-small is-secondary', onclick: function () { openCamera(p); } }, ['拍照录入']),
          el('button', { type: 'button', className: 'a-btn is-small is-danger', disabled: !p.templates, onclick: function () { deleteFaces(p); } }, ['删除人脸']),
          el('button', { type: 'button', className: 'a-btn is-small is-danger', onclick: function () { deletePerson(p); } }, ['删除人员'])
        ] : [])
      ]));
      var results = state.faceResults[p.id];
      if (results) {
        body.appendChild(el('tr', { className: 'a-result-row' }, [
          el('td', { colSpan: 7 }, [resultList(results)])
        ]));
      }
    });
  }

  function resultList(results) {
    return el('ul', { className: 'a-results' }, results.map(function (r) {
      return el('li', { className: r.ok ? 'is-ok' : 'is-error' }, [r.filename + '：' + (r.ok ? '已录入' : r.message)]);
    }));
  }

  /** POST photos; resolves to per-photo results [{filename, ok, message}] (also for a refused upload). */
  async function sendPhotos(person, files) {
    var form = new FormData();
    files.forEach(function (f) { form.append('photos', f.blob, f.name); });
    var result = await api('POST', '/api/people/' + encodeURIComponent(person.id) + '/faces', { form: form });
    var detail = detailOf(result.data);
    if (result.ok) { return result.data.results; }
    if (detail.results) { return detail.results; }
    return [{ filename: detail.filename || files.map(function (f) { return f.name; }).join('、'), ok: false, message: problem(result) }];
  }

  async function uploadFiles(person, input) {
    var files = Array.prototype.slice.call(input.files || []);
    input.value = '';
    if (!files.length) { return; }
    if (files.length > 10) {
      notice('一次最多上传 10 张照片', 'error');
      return;
    }
    notice('正在录入 ' + person.name + ' 的 ' + files.length + ' 张照片…', 'info');
    try {
      var results = await sendPhotos(person, files.map(function (f) { return { blob: f, name: f.name }; }));
      state.faceResults[person.id] = results;
      var stored = results.filter(function (r) { return r.ok; }).length;
      notice(person.name + '：' + stored + ' 张照片已录入，' + (results.length - stored) + ' 张未通过', stored ? 'ok' : 'error');
      await loadPeople();
    } catch (err) { handle(err); }
  }

  async function deleteFaces(person) {
    if (!window.confirm('确定删除 ' + person.name + ' 的全部人脸数据？删除后需重新录入才能刷脸签到。')) { return; }
    try {
      var result = await api('DELETE', '/api/people/' + encodeURIComponent(person.id) + '/faces');
      if (!result.ok) { notice(problem(result), 'error'); return; }
      delete state.faceResults[person.id];
      notice('已删除 ' + person.name + ' 的人脸数据', 'ok');
      await loadPeople();
    } catch (err) { handle(err); }
  }

  async function deletePerson(person) {
    if (!window.confirm('确定删除人员 ' + person.name + '（' + person.id + '）？删除后将同时删除其人脸数据。')) { return; }
    try {
      var result = await api('DELETE', '/api/people/' + encodeURIComponent(person.id));
      if (!result.ok) { notice(problem(result), 'error'); return; }
      delete state.faceResults[person.id];
      notice('已删除人员 ' + person.name, 'ok');
      await loadPeople();
    } catch (err) { handle(err); }
  }

  async function addPerson(event) {
    event.preventDefault();
    var box = $('person-form-result');
    var villages = Array.prototype.filter.call($('p-villages').querySelectorAll('input'), function (i) { return i.checked; })
      .map(function (i) { return i.value; });
    var body = {
      id: $('p-id').value.trim(),
      name: $('p-name').value.trim(),
      role: $('p-role').value,
      organisation: $('p-org').value.trim(),
      villages: villages
    };
    var phone = $('p-phone').value.trim();
    if (phone) { body.phone = phone; }
    try {
      var result = await api('POST', '/api/people', { json: body });
      box.hidden = false;
      if (!result.ok) {
        box.className = 'a-notice is-error';
        box.textContent = problem(result);
        return;
      }
      box.className = 'a-notice is-ok';
      box.textContent = '已添加 ' + result.data.name + '（' + result.data.id + '），请为其录入人脸。';
      $('person-form').reset();
      await loadPeople();
    } catch (err) { handle(err); }
  }

  // ---- camera enrolment -----------------------------------------------------------------------

  async function openCamera(person) {
    closeCamera();
    state.camera.person = person;
    $('camera-person').textContent = person.name + '（' + person.id + '）';
    $('camera-panel').hidden = false;
    $('camera-error').hidden = true;
    clear($('camera-results'));
    showShot(false);
    $('camera-panel').scrollIntoView();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraError('摄像头不可用：请使用 HTTPS 访问或检查摄像头权限');
      return;
    }
    try {
      var stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: 1280, height: 720 }, audio: false });
      if (state.camera.person !== person) { stream.getTracks().forEach(function (t) { t.stop(); }); return; }
      state.camera.stream = stream;
      $('camera-video').srcObject = stream;
      try { await $('camera-video').play(); } catch (err) { /* muted autoplay */ }
    } catch (err) {
      cameraError('摄像头不可用：请使用 HTTPS 访问或检查摄像头权限' + (err && err.name ? '（' + err.name + '）' : ''));
    }
  }

  function cameraError(text) {
    $('camera-error').textContent = text;
    $('camera-error').hidden = false;
    $('camera-shoot').disabled = true;
  }

  function showShot(shot) {
    $('camera-video').hidden = shot;
    $('camera-canvas').hidden = !shot;
    $('camera-shoot').hidden = shot;
    $('camera-shoot').disabled = false;
    $('camera-upload').hidden = !shot;
    $('camera-retake').hidden = !shot;
  }

  function shoot() {
    var video = $('camera-video');
    if (!video.videoWidth) { return; }
    var canvas = $('camera-canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d').drawImage(video, 0, 0);  // unmirrored, as the camera sees the face
    canvas.toBlob(function (blob) {
      state.camera.blob = blob;
      showShot(true);
    }, 'image/jpeg', 0.92);
  }

  async function uploadShot() {
    var person = state.camera.person;
    if (!person || !state.camera.blob) { return; }
    $('camera-upload').disabled = true;
    try {
      var results = await sendPhotos(person, [{ blob: state.camera.blob, name: '拍照.jpg' }]);
      var list = $('camera-results');
      clear(list);
      list.appendChild(resultList(results));
      state.faceResults[person.id] = results;
      showShot(false);
      await loadPeople();
    } catch (err) {
      handle(err);
    } finally {
      $('camera-upload').disabled = false;
    }
  }

  function closeCamera() {
    if (state.camera.stream) {
      state.camera.stream.getTracks().forEach(function (t) { t.stop(); });
    }
    state.camera = { stream: null, person: null, blob: null };
    if ($('camera-panel')) { $('camera-panel').hidden = true; }
  }

  // ---- start ----------------------------------------------------------------------------------

  function bind() {
    Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (tab) {
      tab.addEventListener('click', function () { switchTab(tab.dataset.tab); });
    });
    $('today-date').addEventListener('change', function () {
      state.followToday = !$('today-date').value;
      loadToday();
    });
    $('today-refresh').addEventListener('click', loadToday);
    $('person-form').addEventListener('submit', addPerson);
    $('camera-shoot').addEventListener('click', shoot);
    $('camera-retake').addEventListener('click', function () { showShot(false); });
    $('camera-upload').addEventListener('click', uploadShot);
    $('camera-close').addEventListener('click', closeCamera);
  }

  function main() {
    bind();
    WatchdSession.start({ onEnter: enter, onLeave: leave });
  }

  main();
})();
