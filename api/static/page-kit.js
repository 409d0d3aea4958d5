/* What the appraisal and rectification pages share (plain ES2017): calls to the API with the login
 * token, the notice line, a report table from its JSON, and a file download. */
(function (global) {
  'use strict';

  var $ = global.WatchdDom.$;
  var el = global.WatchdDom.el;

  function notice(text, kind) {
    var box = $('notice');
    box.hidden = !text;
    box.textContent = text || '';
    box.className = 'a-notice is-' + (kind || 'info');
    if (text) { window.scrollTo(0, 0); }
  }

  function problem(result) {
    var detail = global.WatchdSession.detailOf(result.data);
    var text = detail.message || ('请求失败（HTTP ' + result.status + '）');
    if (detail.problems && detail.problems.length) {
      text += '：' + detail.problems.slice(0, 5).map(function (p) {
        return '第 ' + p.row + ' 行 ' + p.column + '：' + p.problem;
      }).join('；');
    }
    if (detail.fields && detail.fields.length) {
      text += '：' + detail.fields.map(function (f) { return f.field.replace(/^body\./, ''); }).join('、');
    }
    return text;
  }

  /** {status, ok, data, response}; a 401 shows the login form. options: json, form, raw. */
  async function api(method, path, options) {
    options = options || {};
    var headers = { Authorization: 'Bearer ' + global.WatchdSession.token() };
    var body;
    if (options.json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(options.json); }
    else if (options.form) { body = options.form; }
    var response = await fetch(path, { method: method, headers: headers, body: body, cache: 'no-store' });
    if (response.status === 401) { global.WatchdSession.expired('登录已过期，请重新登录'); }
    if (options.raw && response.ok) { return { status: response.status, ok: true, data: null, response: response }; }
    var data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    return { status: response.status, ok: response.ok, data: data, response: response };
  }

  function renderTable(table) {
    var numeric = table.columns.map(function (c) { return c.kind !== 'text'; });
    var head = el('tr', {}, table.columns.map(function (c, i) {
      return el('th', { className: numeric[i] ? 'is-num' : '', scope: 'col' }, [c.header]);
    }));
    var rows = table.rows.map(function (row) {
      return el('tr', {}, row.map(function (value, i) {
        var text = value === null || value === undefined ? '' : String(value);
        return el('td', { className: (numeric[i] ? 'is-num' : '') + (/逾期/.test(text) ? ' is-bad' : '') }, [text]);
      }));
    });
    var empty = el('tr', {}, [el('td', { colSpan: table.columns.length, className: 'r-empty' }, [table.empty || '没有数据'])]);
    return el('div', { className: 'r-report' }, [
      el('div', { className: 'r-title' }, [table.title]),
      el('div', { className: 'r-subtitle' }, [table.subtitle]),
      el('div', { className: 'r-scroll' }, [el('table', { className: 'a-table r-table' }, [
        el('thead', {}, [head]), el('tbody', {}, rows.length ? rows : [empty])
      ])]),
      el('div', { className: 'r-notes' }, table.notes.map(function (n) { return el('div', {}, [n]); }))
    ]);
  }

  async function download(path) {
    var result = await api('GET', path, { raw: true });
    if (!result.ok) { notice(problem(result), 'error'); return; }
    var blob = await result.response.blob();
    var name = 'export.xlsx';
    var match = /filename\*=UTF-8''([^;]+)/.exec(result.response.headers.get('Content-Disposition') || '');
    if (match) { name = decodeURIComponent(match[1]); }
    var link = el('a', { href: URL.createObjectURL(blob), download: name });
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }

  global.WatchdPage = { notice: notice, problem: problem, api: api, renderTable: renderTable, download: download };
})(window);
