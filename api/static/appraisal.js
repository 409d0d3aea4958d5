/* The appraisal page: voting by login (leaders, cadres), and for the township office the rounds,
 * the rolls, the printed slips with QR codes (made by the server as SVG), texts and the sheet. */
(function () {
  'use strict';

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  var S = WatchdSession;
  var rounds = [];

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function withOffset(value) {
    var d = new Date(value);
    var m = -d.getTimezoneOffset();
    var sign = m >= 0 ? '+' : '-';
    m = Math.abs(m);
    return value + (value.length === 16 ? ':00' : '') + sign + pad(Math.floor(m / 60)) + ':' + pad(m % 60);
  }
  function current() { return Number($('round-select').value); }

  function showTab(name) {
    Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (b) {
      b.classList.toggle('is-active', b.dataset.tab === name);
    });
    $('tab-mine').hidden = name !== 'mine';
    $('tab-rounds').hidden = name !== 'rounds';
    $('slips').hidden = true;
    if (name === 'mine') { loadMine(); } else { loadRounds(); }
  }

  // ---- voting by login --------------------------------------------------------------------

  function ballot(sheet) {
    var rows = sheet.cadres.map(function (c) {
      var options = [el('option', { value: '' }, ['不了解'])].concat(Object.keys(sheet.grades).map(function (g) {
        return el('option', { value: g }, [sheet.grades[g]]);
      }));
      return el('div', { className: 'ap-cadre' }, [el('span', {}, [c.name]), el('select', { dataset: { cadre: c.id } }, options)]);
    });
    var form = el('form', { className: 'a-card', dataset: { round: String(sheet.round_id) } }, [
      el('h2', {}, [sheet.round_name + ' · ' + sheet.group_name]),
      el('p', { className: 'a-muted' }, ['截止：' + sheet.closes_at.replace('T', ' ').slice(0, 16)])
    ].concat(rows, [el('button', { className: 'a-btn', type: 'submit' }, ['提交评议'])]));
    form.addEventListener('submit', S.action(async function (event) {
      event.preventDefault();
      var grades = {};
      Array.prototype.forEach.call(form.querySelectorAll('select'), function (s) { if (s.value) { grades[s.dataset.cadre] = s.value; } });
      var result = await S.api('POST', '/api/appraisal/rounds/' + sheet.round_id + '/vote', { json: { grades: grades } });
      if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
      S.notice('评议已提交：' + sheet.round_name, 'ok');
      loadMine();
    }));
    return form;
  }

  var loadMine = S.action(async function () {
    var result = await S.api('GET', '/api/appraisal/sheets');
    var box = $('mine-list');
    clear(box);
    if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
    if (!result.data.length) { box.appendChild(el('p', { className: 'a-empty' }, ['目前没有需要您参加的评议。'])); }
    result.data.forEach(function (sheet) { box.appendChild(ballot(sheet)); });
  });

  // ---- rounds, rolls, slips, the sheet ----------------------------------------------------

  function statusCard(r) {
    var box = $('round-status');
    clear(box);
    if (!r) { box.appendChild(el('p', { className: 'a-empty' }, ['还没有考核轮次。'])); return; }
    var names = { pending: '未开始', open: '投票中', closed: '已结束' };
    var groups = Object.keys(r.groups).map(function (g) {
      var roll = g in r.roll ? '，名册 ' + r.roll[g] + '，已发码 ' + r.codes_issued[g] : '';
      return r.groups[g].name + '（' + r.groups[g].weight + '%）：已投 ' + r.ballots[g] + roll;
    });
    box.appendChild(el('h2', {}, [r.name + ' · ' + names[r.status]]));
    box.appendChild(el('p', {}, ['考核期间 ' + r.period_start + ' 至 ' + r.period_end + '；投票 ' +
      r.opens_at.replace('T', ' ').slice(0, 16) + ' 至 ' + r.closes_at.replace('T', ' ').slice(0, 16) + '；考核对象 ' + r.cadres + ' 人']));
    box.appendChild(el('ul', {}, groups.map(function (t) { return el('li', {}, [t]); })));
    if (r.pooled) { box.appendChild(el('p', { className: 'a-muted' }, [r.pooled + ' 张选票等待混合入库（凑满一批或投票结束时打乱顺序保存）'])); }
    r.flags.forEach(function (f) { box.appendChild(el('p', { className: 'ap-flags' }, ['⚠ ' + f])); });
  }

  var loadRounds = S.action(async function (selectId) {
    var result = await S.api('GET', '/api/appraisal/rounds');
    if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
    rounds = result.data;
    var select = $('round-select');
    var keep = selectId || current();
    clear(select);
    rounds.forEach(function (r) { select.appendChild(el('option', { value: String(r.id) }, [r.name])); });
    if (keep && rounds.some(function (r) { return r.id === keep; })) { select.value = String(keep); }
    statusCard(rounds.filter(function (r) { return r.id === current(); })[0]);
  });

  var loadSheet = S.action(async function () {
    if (!current()) { return; }
    var result = await S.api('GET', '/api/appraisal/rounds/' + current() + '/sheet');
    if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
    var out = $('sheet-out');
    clear(out);
    result.data.tables.forEach(function (t) { out.appendChild(WatchdReportTable.render(t, null)); });
  });

  var createRound = S.action(async function (event) {
    event.preventDefault();
    var body = {
      name: $('round-name').value.trim(), period_start: $('round-start').value, period_end: $('round-end').value,
      opens_at: withOffset($('round-opens').value), closes_at: withOffset($('round-closes').value),
      organisation: $('round-org').value.trim()
    };
    var result = await S.api('POST', '/api/appraisal/rounds', { json: body });
    if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
    S.notice('已新建考核轮次：' + result.data.name + '（考核对象 ' + result.data.cadres + ' 人）', 'ok');
    loadRounds(result.data.id);
  });

  var importRoll = S.action(async function (event) {
    event.preventDefault();
    var file = $('roll-file').files[0];
    if (!file || !current()) { return; }
    var form = new FormData();
    form.append('file', file, file.name);
    var result = await S.api('POST', '/api/appraisal/rounds/' + current() + '/rolls/' + $('roll-group').value, { form: form });
    if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
    S.notice('名册已导入：' + result.data.rows + ' 行，' + result.data.villages + ' 个嘎查（村）', 'ok');
    loadRounds();
  });

  var printSlips = S.action(async function () {
    var query = $('slips-reissue').checked ? '?reissue=true' : '';
    var result = await S.api('POST', '/api/appraisal/rounds/' + current() + '/slips/' + $('roll-group').value + query);
    if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
    if (!result.data.slips.length) { S.notice('名册中每一户都已有评议码，没有新纸条（需要补发请勾选“重新生成”）', 'info'); return; }
    var list = $('slips-list');
    clear(list);
    result.data.slips.forEach(function (s) {
      var qr = el('div', { className: 'qr' });
      qr.innerHTML = s.qr_svg;  // made by the server (segno), no user text inside
      list.appendChild(el('div', { className: 'slip' }, [qr, el('div', { className: 'text' }, [
        el('strong', {}, [result.data.round_name + ' 驻村干部评议']), el('br'),
        s.village_name + ' · ' + s.name + '（' + s.entry_id + '）', el('br'),
        el('div', { className: 'code' }, [s.code]),
        '手机扫码，或打开 ' + s.url.split('#')[0] + ' 输入评议码。不记名，每户一次。'
      ])]));
    });
    $('tab-rounds').hidden = true;
    $('slips').hidden = false;
    loadRounds();
  });

  var sendTexts = S.action(async function () {
    var result = await S.api('POST', '/api/appraisal/rounds/' + current() + '/texts/' + $('roll-group').value);
    if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
    S.notice('已发送 ' + result.data.sent + ' 条评议码短信', 'ok');
    loadRounds();
  });

  function wire() {
    Array.prototype.forEach.call(document.querySelectorAll('.a-tab'), function (b) {
      b.addEventListener('click', function () { showTab(b.dataset.tab); });
    });
    $('round-form').addEventListener('submit', createRound);
    $('roll-form').addEventListener('submit', importRoll);
    $('round-select').addEventListener('change', function () { loadRounds(); $('sheet-out').textContent = ''; });
    $('sheet-load').addEventListener('click', loadSheet);
    $('sheet-xlsx').addEventListener('click', function () { S.download('/api/appraisal/rounds/' + current() + '/sheet?format=xlsx', '考核汇总.xlsx').catch(S.handle); });
    $('slips-print').addEventListener('click', printSlips);
    $('slips-do-print').addEventListener('click', function () { window.print(); });
    $('slips-close').addEventListener('click', function () { showTab('rounds'); });
    $('texts-send').addEventListener('click', sendTexts);
  }

  wire();
  WatchdSession.start({
    onEnter: function () {
      Array.prototype.forEach.call(document.querySelectorAll('[data-needs]'), function (node) {
        node.hidden = !WatchdSession.can(node.dataset.needs);
      });
      showTab(WatchdSession.can('appraisal.read') ? 'rounds' : 'mine');
    }
  });
})();
