/* A report table from the API's JSON ({title, subtitle, columns: [{header, kind}], rows, empty,
 * notes}), as the reports, appraisal and rectification pages show it. Needs dom.js (plain ES2017).
 *
 * `WatchdReportTable.render(table, bad)`: a header's unit in （） goes on its own line; a text
 * cell whose text matches the regular expression `bad` is marked is-bad. */
(function (global) {
  'use strict';

  var el = global.WatchdDom.el;

  /** "迟到（分钟）" as two lines, 迟到 over （分钟）: narrow columns, never a name one character per line. */
  function header(column, numeric) {
    var i = column.header.indexOf('（');
    var parts = i > 0 ? [column.header.slice(0, i), el('br'), el('span', { className: 'r-unit' }, [column.header.slice(i)])] : [column.header];
    return el('th', { className: numeric ? 'is-num' : '', scope: 'col' }, parts);
  }

  function render(table, bad) {
    var numeric = table.columns.map(function (c) { return c.kind !== 'text'; });
    var head = el('tr', {}, table.columns.map(function (c, i) { return header(c, numeric[i]); }));
    var rows = table.rows.map(function (row) {
      return el('tr', {}, row.map(function (value, i) {
        var text = value === null || value === undefined ? '' : String(value);
        var marked = !!bad && !numeric[i] && bad.test(text);
        return el('td', { className: (numeric[i] ? 'is-num' : '') + (marked ? ' is-bad' : '') }, [text]);
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

  global.WatchdReportTable = { render: render };
})(window);
