/* DOM helpers shared by the admin, duty, dashboard, reports and visits pages (plain ES2017). */
(function (global) {
  'use strict';

  function $(id) { return document.getElementById(id); }

  /** el('td', {className: 'x'}, ['text', child]) */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'dataset') {
        Object.keys(attrs.dataset).forEach(function (d) { node.dataset[d] = attrs.dataset[d]; });
      } else if (key.indexOf('on') === 0) {
        node.addEventListener(key.slice(2), attrs[key]);
      } else {
        node[key] = attrs[key];
      }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  global.WatchdDom = { $: $, el: el, clear: clear };
})(window);
