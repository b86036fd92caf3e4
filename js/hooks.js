'use strict';
// The handlers of each hook event, WASM plugins and JS functions alike, kept
// in run order: by priority (lower first), then in load order (a folder's
// plugins alphabetically, then each add() or on() in the order made).

const WASM_HOOK_PRIORITY = 50;

class HookRegistry {
  #byEvent = new Map();
  #sequence = 0;

  /** Registers a loaded plugin's declared hooks at priority 50. */
  addPlugin(info) {
    const sequence = this.#sequence++;
    for (const event of info.hooks) {
      this.#insert(event, { priority: WASM_HOOK_PRIORITY, sequence, plugin: info.name });
    }
  }

  /** Removes a plugin's hooks (it was replaced). */
  removePlugin(name) {
    for (const list of this.#byEvent.values()) {
      for (let at = list.length - 1; at >= 0; at--) if (list[at].plugin === name) list.splice(at, 1);
    }
  }

  /** Registers a JS handler; returns a function that removes it. */
  addHandler(event, priority, handler) {
    const entry = { priority, sequence: this.#sequence++, handler };
    this.#insert(event, entry);
    return () => {
      const list = this.#byEvent.get(event);
      const at = list ? list.indexOf(entry) : -1;
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** The handlers of `event` in run order. */
  handlersFor(event) {
    return this.#byEvent.get(event) ?? [];
  }

  #insert(event, entry) {
    const list = this.#byEvent.get(event) ?? [];
    let at = list.length;
    while (at > 0 && compare(list[at - 1], entry) > 0) at--;
    list.splice(at, 0, entry);
    this.#byEvent.set(event, list);
  }
}

function compare(a, b) {
  return a.priority - b.priority || a.sequence - b.sequence;
}

module.exports = { HookRegistry, WASM_HOOK_PRIORITY };
