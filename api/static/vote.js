/* The villagers' vote page (plain ES2017, no login). The code comes from the link's fragment
 * (#ABCDE-FGHJK), which the browser never sends to the server, or is typed from the slip; it is
 * posted in the request body only. Calls go through session.js's request() (no token). */
(function () {
  'use strict';

  var code = '';
  var sheet = null;
  function $(id) { return document.getElementById(id); }

  function show(id, on) { $(id).hidden = !on; }

  function error(text) {
    $('error').textContent = text || '';
    show('error', !!text);
    if (text) { window.scrollTo(0, 0); }
  }

  /** POST without a login (the code is in the body); resolves to the answer's data, or throws its text. */
  async function post(path, body) {
    var result = await WatchdSession.request('POST', path, { json: body, offline: '网络不通，请稍后再试（评议码没有用掉）' });
    if (!result.ok) { throw new Error(WatchdSession.problem(result)); }
    return result.data;
  }

  function cadreCard(cadre, grades) {
    var box = document.createElement('fieldset');
    box.className = 'cadre';
    box.dataset.cadre = cadre.id;
    var title = document.createElement('h3');
    title.textContent = cadre.name;
    box.appendChild(title);
    var row = document.createElement('div');
    row.className = 'grades';
    Object.keys(grades).concat(['']).forEach(function (key) {
      var label = document.createElement('label');
      var input = document.createElement('input');
      input.type = 'radio';
      input.name = 'grade-' + cadre.id;
      input.value = key;
      if (!key) { input.checked = true; }
      label.appendChild(input);
      label.appendChild(document.createTextNode(key ? grades[key] : '不了解'));
      row.appendChild(label);
    });
    row.addEventListener('change', function () {
      Array.prototype.forEach.call(row.querySelectorAll('label'), function (l) {
        l.classList.toggle('is-picked', l.querySelector('input').checked && l.querySelector('input').value !== '');
      });
    });
    box.appendChild(row);
    return box;
  }

  async function open(event) {
    if (event) { event.preventDefault(); }
    error('');
    code = $('code').value.trim();
    if (!code) { return; }
    $('code-submit').disabled = true;
    try {
      sheet = await post('/api/vote/sheet', { code: code });
    } catch (err) {
      error(err.message);
      return;
    } finally {
      $('code-submit').disabled = false;
    }
    $('sheet-round').textContent = sheet.round_name + ' · ' + sheet.group_name + '评议';
    $('sheet-where').textContent = (sheet.village_name ? sheet.village_name + '　' : '') +
      '截止：' + sheet.closes_at.replace('T', ' ').slice(0, 16);
    var list = $('cadres');
    while (list.firstChild) { list.removeChild(list.firstChild); }
    sheet.cadres.forEach(function (c) { list.appendChild(cadreCard(c, sheet.grades)); });
    show('code-form', false);
    show('sheet', true);
  }

  async function submit(event) {
    event.preventDefault();
    error('');
    var grades = {};
    sheet.cadres.forEach(function (c) {
      var picked = document.querySelector('input[name="grade-' + c.id + '"]:checked');
      if (picked && picked.value) { grades[c.id] = picked.value; }
    });
    if (!Object.keys(grades).length) { error('请至少为一名干部选择等次'); return; }
    $('vote-submit').disabled = true;
    try {
      await post('/api/vote', { code: code, grades: grades });
    } catch (err) {
      error(err.message);
      $('vote-submit').disabled = false;
      return;
    }
    show('sheet', false);
    show('done', true);
    history.replaceState(null, '', location.pathname);  // the used code leaves the address bar
  }

  $('code-form').addEventListener('submit', open);
  $('sheet').addEventListener('submit', submit);
  function fromLink() {
    if (location.hash.length <= 1) { return; }
    $('code').value = decodeURIComponent(location.hash.slice(1));
    show('done', false);
    show('sheet', false);
    show('code-form', true);
    open();
  }
  window.addEventListener('hashchange', fromLink);  // another slip's link opened in the same tab
  fromLink();
})();
