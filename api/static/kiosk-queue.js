/* Offline queue of kiosk check-in attempts, kept in IndexedDB so it survives reloads and power cuts.
 *
 * An attempt is {key, captured_at, challenge, frames: [Blob], created, tries}. The key is the
 * idempotency key sent to the server: a replay of a queued attempt reuses it, so the server
 * records each attempt at most once however often it is sent.
 *
 * Plain ES2017, no modules: old Android Chrome must run it. Exposes window.KioskQueue.
 */
(function (global) {
  'use strict';

  var DB_NAME = 'watchd-kiosk';
  var STORE = 'attempts';
  var DB_VERSION = 1;

  function promised(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function finished(tx) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { resolve(); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error || new Error('transaction aborted')); };
    });
  }

  function openDb() {
    if (!global.indexedDB) {
      return Promise.reject(new Error('IndexedDB is not available'));
    }
    var request = global.indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = function () {
      var db = request.result;
      if (!db.objectStoreNames.contains(STORE)) {
        var store = db.createObjectStore(STORE, { keyPath: 'key' });
        store.createIndex('created', 'created');
      }
    };
    return promised(request);
  }

  function blobToArrayBuffer(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(blob);
    });
  }

  /** A frame as stored (Blob, or ArrayBuffer on browsers that cannot store Blobs) back to a JPEG Blob. */
  function frameBlob(frame) {
    if (frame instanceof Blob) {
      return frame.type ? frame : new Blob([frame], { type: 'image/jpeg' });
    }
    return new Blob([frame], { type: 'image/jpeg' });
  }

  function copyAttempt(attempt, frames) {
    return {
      key: attempt.key,
      captured_at: attempt.captured_at,
      challenge: attempt.challenge || null,
      frames: frames,
      created: attempt.created || Date.now(),
      tries: attempt.tries || 0
    };
  }

  function Queue(db, maxItems) {
    this.db = db;
    this.maxItems = maxItems;
  }

  /** Store an attempt; when the queue is full the oldest attempts are dropped. Resolves to the number dropped. */
  Queue.prototype.add = async function (attempt) {
    try {
      return await this._add(copyAttempt(attempt, attempt.frames));
    } catch (err) {
      if (!err || err.name !== 'DataCloneError') { throw err; }
      // Very old browsers cannot store Blobs in IndexedDB: store the bytes instead.
      var buffers = await Promise.all(attempt.frames.map(blobToArrayBuffer));
      return this._add(copyAttempt(attempt, buffers));
    }
  };

  // Callbacks only inside the transaction: old browsers commit it at the first await.
  Queue.prototype._add = function (record) {
    var maxItems = this.maxItems;
    var tx = this.db.transaction(STORE, 'readwrite');
    var store = tx.objectStore(STORE);
    var done = finished(tx);
    var dropped = 0;
    var putError = null;
    function put() {
      try {
        store.put(record);
      } catch (err) {
        putError = err;  // e.g. DataCloneError: Blobs not storable here
        tx.abort();
      }
    }
    var countRequest = store.count();
    countRequest.onsuccess = function () {
      var excess = countRequest.result + 1 - maxItems;
      if (excess <= 0) {
        put();
        return;
      }
      var cursorRequest = store.index('created').openCursor();
      cursorRequest.onsuccess = function () {
        var cursor = cursorRequest.result;
        if (cursor && dropped < excess) {
          cursor.delete();
          dropped += 1;
          cursor.continue();
          return;
        }
        put();
      };
    };
    return done.then(function () { return dropped; }, function (err) { throw putError || err; });
  };

  /** Every queued attempt, fewest tries first, then oldest first (a poison attempt cannot block the rest). */
  Queue.prototype.all = async function () {
    var tx = this.db.transaction(STORE, 'readonly');
    var store = tx.objectStore(STORE);
    var items = await new Promise(function (resolve, reject) {
      var out = [];
      var cursorRequest = store.index('created').openCursor();
      cursorRequest.onsuccess = function () {
        var cursor = cursorRequest.result;
        if (!cursor) { resolve(out); return; }
        out.push(cursor.value);
        cursor.continue();
      };
      cursorRequest.onerror = function () { reject(cursorRequest.error); };
    });
    items.sort(function (a, b) { return (a.tries - b.tries) || (a.created - b.created); });
    return items;
  };

  Queue.prototype.count = function () {
    var tx = this.db.transaction(STORE, 'readonly');
    return promised(tx.objectStore(STORE).count());
  };

  Queue.prototype.remove = function (key) {
    var tx = this.db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(key);
    return finished(tx);
  };

  Queue.prototype.update = function (record) {
    var tx = this.db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(record);
    return finished(tx);
  };

  Queue.prototype.clear = function () {
    var tx = this.db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).clear();
    return finished(tx);
  };

  /**
   * Sends queued attempts one at a time with `send(attempt)`, which resolves to
   * {outcome: 'done' | 'retry' | 'auth', ...}: 'done' (a 2xx or a final 4xx) removes the attempt,
   * 'retry' (network error, 5xx, 429) stops and schedules another drain with exponential backoff,
   * 'auth' (401) stops until kick() is called again (after a new token is saved).
   * Drains when the browser goes online, every intervalMs, and after each backoff.
   * hooks: onSent(attempt, result), onCount(n), onError(err).
   */
  function Uploader(queue, send, hooks, options) {
    options = options || {};
    this.queue = queue;
    this.send = send;
    this.hooks = hooks || {};
    this.baseDelayMs = options.baseDelayMs || 5000;
    this.maxDelayMs = options.maxDelayMs || 30000;
    this.intervalMs = options.intervalMs || 30000;
    this.failures = 0;
    this.nextAt = 0;
    this.timer = null;
    this.running = false;
    this.again = false;
    this.blocked = false;
  }

  Uploader.prototype.start = function () {
    var self = this;
    global.addEventListener('online', function () {
      self.failures = 0;
      self.kick(0);
    });
    global.setInterval(function () {
      if (Date.now() >= self.nextAt) { self.kick(0); }
    }, this.intervalMs);
    this.kick(0);
  };

  Uploader.prototype.backoffMs = function () {
    var delay = Math.min(this.maxDelayMs, this.baseDelayMs * Math.pow(2, Math.max(0, this.failures - 1)));
    return Math.round(delay * (0.8 + 0.4 * Math.random()));
  };

  /** Drain after delayMs (0: now). A new token or an 'online' event lifts an auth block. */
  Uploader.prototype.kick = function (delayMs) {
    var self = this;
    if (this.timer) { global.clearTimeout(this.timer); }
    this.nextAt = Date.now() + (delayMs || 0);
    this.timer = global.setTimeout(function () {
      self.timer = null;
      self.drain();
    }, delayMs || 0);
  };

  /** After a failed live upload: the next try waits for the backoff. */
  Uploader.prototype.failed = function () {
    this.failures += 1;
    this.kick(this.backoffMs());
  };

  Uploader.prototype.unblock = function () {
    this.blocked = false;
    this.failures = 0;
    this.kick(0);
  };

  Uploader.prototype.drain = async function () {
    if (this.running) { this.again = true; return; }
    if (this.blocked) { return; }
    this.running = true;
    var retryLater = false;
    try {
      var items = await this.queue.all();
      for (var i = 0; i < items.length; i++) {
        var item = items[i];
        var result = await this.send(item);
        if (result.outcome === 'done') {
          await this.queue.remove(item.key);
          if (this.hooks.onSent) { this.hooks.onSent(item, result); }
          await this._report();
          continue;
        }
        if (result.outcome === 'auth') {
          this.blocked = true;
          break;
        }
        item.tries = (item.tries || 0) + 1;
        await this.queue.update(item);
        retryLater = true;
        break;
      }
      if (retryLater) {
        this.failures += 1;
      } else if (!this.blocked) {
        this.failures = 0;
      }
    } catch (err) {
      retryLater = true;
      this.failures += 1;
      if (this.hooks.onError) { this.hooks.onError(err); }
    } finally {
      this.running = false;
    }
    await this._report();
    if (this.again) {
      this.again = false;
      this.kick(retryLater ? this.backoffMs() : 0);
    } else if (retryLater) {
      this.kick(this.backoffMs());
    }
  };

  Uploader.prototype._report = async function () {
    if (!this.hooks.onCount) { return; }
    try {
      this.hooks.onCount(await this.queue.count());
    } catch (err) {
      if (this.hooks.onError) { this.hooks.onError(err); }
    }
  };

  global.KioskQueue = {
    MAX_ITEMS: 200,
    open: async function (maxItems) {
      var db = await openDb();
      return new Queue(db, maxItems || 200);
    },
    Uploader: Uploader,
    frameBlob: frameBlob
  };
})(window);
