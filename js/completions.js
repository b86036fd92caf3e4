'use strict';
// Async calls in flight: each gets a numeric id and a promise; the native
// side reports finished calls in batches through one callback (see
// src/completions.rs), and keeps Node's event loop alive only while some
// are in flight.

const { fromNativeMessage } = require('./errors');

class Completions {
  #pending = new Map();
  #nextId = 0;
  // Weak: the native host holds `settle` through a Node-API reference, so a
  // strong reference back would keep an unclosed host (and its threads)
  // from ever being garbage-collected.
  #native = null;
  #idle = [];

  /** The native host (set once it exists; its constructor needs `settle`). */
  attach(native) {
    this.#native = new WeakRef(native);
  }

  /** The callback the native host calls with finished calls. */
  settle = (ids, outputs, ok) => {
    for (let i = 0; i < ids.length; i++) {
      const call = this.#pending.get(ids[i]);
      if (call === undefined) continue;
      this.#pending.delete(ids[i]);
      if (ok[i]) call.resolve(outputs[i]);
      else call.reject(fromNativeMessage(outputs[i]));
    }
    if (this.#pending.size === 0 && ids.length > 0) this.#becameIdle();
  };

  /** Calls `launch(id)` and returns the promise of that call's result. */
  start(launch) {
    const id = (this.#nextId = (this.#nextId + 1) >>> 0);
    if (this.#pending.size === 0) this.#native.deref()?.holdOpen(true);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        launch(id);
      } catch (err) {
        this.#pending.delete(id);
        if (this.#pending.size === 0) this.#becameIdle();
        reject(err);
      }
    });
  }

  /** Calls in flight. */
  get size() {
    return this.#pending.size;
  }

  /** Resolves when no call is in flight. */
  whenIdle() {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #becameIdle() {
    this.#native.deref()?.holdOpen(false);
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }
}

module.exports = { Completions };
