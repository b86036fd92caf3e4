'use strict';
// The handlers of each hook event, WASM plugins and JS functions alike, kept
// in run order: by priority (lower first), then in load order (a folder's
// plugins alphabetically, then each add() or on() in the order made). A
// plugin's hooks may have a scope (the adapters' `plugins` option): another
// priority than 50, and a test of the payload that says whether they run.

const WASM_HOOK_PRIORITY = 50;

class HookRegistry {
  #byEvent = new Map();
  #sequence = 0;

  /**
   * Registers a loaded plugin's declared hooks, at `scope.priority` (default
   * 50); with `scope.applies(payload)`, only on the payloads it accepts.
   */
  addPlugin(info, scope = {}) {
    const sequence = this.#sequence++;
    for (const event of info.hooks) this.#insert(event, pluginEntry(info.name, sequence, scope));
  }

  /**
   * Gives a registered plugin's hooks a new scope ({ priority?, applies? }),
   * keeping their place among equal priorities. Returns whether it has hooks.
   */
  scopePlugin(name, scope) {
    const found = [];
    for (const [event, list] of this.#byEvent) {
      for (const entry of list) if (entry.plugin === name) found.push({ event, sequence: entry.sequence });
    }
    this.removePlugin(name);
    for (const { event, sequence } of found) this.#insert(event, pluginEntry(name, sequence, scope));
    return found.length > 0;
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

  /** The handlers of `event` in run order; given a payload, only those whose scope accepts it. */
  handlersFor(event, payload) {
    const list = this.#byEvent.get(event) ?? [];
    if (payload === undefined || !list.some((entry) => entry.applies !== undefined)) return list;
    return list.filter((entry) => entry.applies === undefined || entry.applies(payload));
  }

  #insert(event, entry) {
    const list = this.#byEvent.get(event) ?? [];
    let at = list.length;
    while (at > 0 && compare(list[at - 1], entry) > 0) at--;
    list.splice(at, 0, entry);
    this.#byEvent.set(event, list);
  }
}

function pluginEntry(plugin, sequence, { priority, applies } = {}) {
  return { priority: priority ?? WASM_HOOK_PRIORITY, sequence, plugin, applies };
}

function compare(a, b) {
  return a.priority - b.priority || a.sequence - b.sequence;
}

module.exports = { HookRegistry, WASM_HOOK_PRIORITY };
