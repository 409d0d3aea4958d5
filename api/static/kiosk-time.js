/* The kiosk's clock and its device token in the browser's storage (plain ES2017, old Android Chrome).
 *
 * WatchdKioskTime.formats(tz) -> {clock(d), date(d), hhmm(iso)} in the township's zone (device-local
 * time when this browser does not know the zone); isoWithOffset(d) for the capture time sent with a
 * check-in; tokenFromFragment() takes a kiosk link's #token=... and removes it from the address bar;
 * storage(get, key, value) is localStorage that tolerates private mode.
 */
(function (global) {
  'use strict';

  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  function formats(tz) {
    var clock = null;
    var date = null;
    var short = null;
    try {
      clock = new Intl.DateTimeFormat('zh-CN', {
        timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false
      });
      date = new Intl.DateTimeFormat('zh-CN', {
        timeZone: tz, year: 'numeric', month: 'long', day: 'numeric', weekday: 'long'
      });
      short = new Intl.DateTimeFormat('zh-CN', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false });
    } catch (err) {
      clock = date = short = null;  // unknown zone on this browser: device-local time
    }
    return {
      clock: function (d) {
        return clock ? clock.format(d) : pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
      },
      date: function (d) { return date ? date.format(d) : d.toLocaleDateString('zh-CN'); },
      /** HH:MM of an ISO time in the kiosk's zone. */
      hhmm: function (iso) {
        var d = new Date(iso);
        if (isNaN(d.getTime())) { return ''; }
        return short ? short.format(d) : pad2(d.getHours()) + ':' + pad2(d.getMinutes());
      }
    };
  }

  /** ISO 8601 with the device's UTC offset, e.g. 2026-11-23T08:30:05.123+08:00. */
  function isoWithOffset(d) {
    var offset = -d.getTimezoneOffset();
    var sign = offset >= 0 ? '+' : '-';
    var abs = Math.abs(offset);
    var ms = String(d.getMilliseconds());
    while (ms.length < 3) { ms = '0' + ms; }
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) +
      'T' + pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()) + '.' + ms +
      sign + pad2(Math.floor(abs / 60)) + ':' + pad2(abs % 60);
  }

  /** A token in the URL fragment (#token=...) is returned and removed from the address bar. */
  function tokenFromFragment() {
    var match = /(?:^#|&)token=([^&]+)/.exec(location.hash || '');
    if (!match) { return null; }
    var token = decodeURIComponent(match[1]);
    if (global.history && history.replaceState) {
      history.replaceState(null, document.title, location.pathname + location.search);
    } else {
      location.hash = '';
    }
    return token;
  }

  function storage(get, key, value) {
    try {
      if (get) { return global.localStorage.getItem(key); }
      if (value === null) { global.localStorage.removeItem(key); } else { global.localStorage.setItem(key, value); }
    } catch (err) {
      // Private mode or storage disabled: the kiosk then needs its link after every restart.
    }
    return null;
  }

  global.WatchdKioskTime = {
    formats: formats, isoWithOffset: isoWithOffset, pad2: pad2, tokenFromFragment: tokenFromFragment, storage: storage
  };
})(window);
