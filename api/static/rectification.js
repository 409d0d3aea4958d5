/* The rectification ledger page: a leader opens items and signs them off (销号, note and optional
 * photo); a cadre sees their own items; the overdue list and the XLSX export. */
(function () {
  'use strict';

  var $ = WatchdDom.$;
  var el = WatchdDom.el;
  var clear = WatchdDom.clear;
  var S = WatchdSession;
  var KINDS = { incident: '警情', spot_check: '抽查', attendance: '考勤', manual: '手工' };
  var closing = null;

  function query() {
    var f = $('filter').value;
    if (f === 'overdue') { return '?overdue=true'; }
    return f ? '?status=' + f : '';
  }

  var load = S.action(async function () {
    var result = await S.api('GET', '/api/rectifications' + query());
    if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
    var body = $('items');
    clear(body);
    if (!result.data.length) {
      body.appendChild(el('tr', {}, [el('td', { colSpan: 8, className: 'r-empty' }, ['没有整改事项。'])]));
    }
    result.data.forEach(function (i) {
      var state = i.status === 'closed' ? '已销号' : (i.overdue ? '逾期' : '整改中');
      var action = null;
      if (i.status === 'open' && WatchdSession.can('rectification.manage')) {
        action = el('button', { className: 'a-btn is-small', type: 'button', onclick: function () { startClose(i); } }, ['销号']);
      }
      body.appendChild(el('tr', { dataset: { item: String(i.id) } }, [
        el('td', {}, [String(i.id)]), el('td', {}, [KINDS[i.source_kind] + (i.source_ref ? '：' + i.source_ref : '')]),
        el('td', {}, [i.owner_name]), el('td', {}, [i.problem]), el('td', {}, [i.measure]), el('td', {}, [i.deadline]),
        el('td', { className: i.overdue ? 'is-bad' : '' }, [state + (i.close_note ? '（' + i.close_note + '）' : '')]),
        el('td', {}, [action])
      ]));
    });
  });

  function startClose(item) {
    closing = item;
    $('close-title').textContent = item.problem;
    $('close-form').hidden = false;
    $('close-note').focus();
  }

  var open = S.action(async function (event) {
    event.preventDefault();
    var body = {
      source_kind: $('item-kind').value, source_ref: $('item-ref').value.trim(), owner_id: $('item-owner').value.trim(),
      deadline: $('item-deadline').value, problem: $('item-problem').value.trim(), measure: $('item-measure').value.trim()
    };
    var result = await S.api('POST', '/api/rectifications', { json: body });
    if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
    S.notice('已建立整改事项：' + result.data.owner_name + '，' + result.data.deadline + ' 前完成', 'ok');
    $('item-form').reset();
    load();
  });

  var close = S.action(async function (event) {
    event.preventDefault();
    var form = new FormData();
    form.append('note', $('close-note').value.trim());
    var photo = $('close-photo').files[0];
    if (photo) { form.append('photo', photo, photo.name); }
    var result = await S.api('POST', '/api/rectifications/' + closing.id + '/sign-off', { form: form });
    if (!result.ok) { S.notice(S.problem(result), 'error'); return; }
    S.notice('已销号：' + result.data.problem, 'ok');
    $('close-form').reset();
    $('close-form').hidden = true;
    load();
  });

  $('item-form').addEventListener('submit', open);
  $('close-form').addEventListener('submit', close);
  $('close-cancel').addEventListener('click', function () { $('close-form').hidden = true; });
  $('filter').addEventListener('change', load);
  $('xlsx').addEventListener('click', function () { S.download('/api/rectifications' + (query() ? query() + '&' : '?') + 'format=xlsx', '整改台账.xlsx').catch(S.handle); });
  WatchdSession.start({
    onEnter: function () {
      Array.prototype.forEach.call(document.querySelectorAll('[data-needs]'), function (node) {
        node.hidden = !WatchdSession.can(node.dataset.needs);
      });
      load();
    }
  });
})();
