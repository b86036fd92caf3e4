'use strict';
// PluginHost: the public JS API over the native host. It checks arguments,
// turns native errors into PluginErrors, runs hooks in priority order, and
// lets close() wait for the calls in flight.

const path = require('node:path');
const { NativeHost } = require('./native').binding;
const { PluginError, ErrorCodes, pluginError, fromNative } = require('./errors');
const { resolveOptions, nativeOptions } = require('./options');
const { HookRegistry } = require('./hooks');
const { Completions } = require('./completions');
const { PluginCalls } = require('./calls');
const { pluginConfigs, configJson, argsJson } = require('./plugin-options');

const CONSTRUCT = Symbol('PluginHost.construct');

class PluginHost {
  #native;
  #options;
  #hooks = new HookRegistry();
  #inFlight = new Set();
  #completions;
  #calls;
  /** Plugin name -> its config as JSON text (or null), from the `plugins` option. */
  #configs;
  #closing = null;

  /** Use PluginHost.load or PluginHost.create. */
  constructor(token, native, options, completions, configs) {
    if (token !== CONSTRUCT) {
      throw new TypeError('use `await PluginHost.load(dir, options)` or `await PluginHost.create(options)`');
    }
    this.#native = native;
    this.#options = options;
    this.#configs = configs;
    this.#completions = completions;
    this.#calls = new PluginCalls(native, completions);
  }

  /**
   * A host with every `*.wasm` of `dir` loaded (named by file stem). The
   * option `plugins: { <name>: { config } }` configures plugins of `dir`; a
   * name that is not one of them is INVALID_OPTIONS.
   */
  static async load(dir, options) {
    if (typeof dir !== 'string' || dir.length === 0) {
      throw pluginError(ErrorCodes.INVALID_INPUT, `the plugin folder must be a non-empty string, got ${typeof dir}`);
    }
    const host = await PluginHost.create(options);
    try {
      const configs = Object.fromEntries(host.#configs);
      const infos = await host.#track(host.#native.loadDir(path.resolve(dir), configs));
      for (const info of infos) host.#hooks.addPlugin(info);
    } catch (err) {
      await host.close();
      throw err;
    }
    return host;
  }

  /**
   * A host with no plugins yet; add them with add(). The option
   * `plugins: { <name>: { config } }` gives the config of a later add(name).
   */
  static async create(options) {
    let hostOptions = options;
    let configs = new Map();
    if (options !== null && typeof options === 'object' && 'plugins' in options) {
      const { plugins, ...rest } = options;
      configs = pluginConfigs(plugins);
      hostOptions = rest;
    }
    const resolved = resolveOptions(hostOptions);
    const completions = new Completions();
    const native = callNative(() => new NativeHost(nativeOptions(resolved), completions.settle));
    completions.attach(native);
    return new PluginHost(CONSTRUCT, native, resolved, completions, configs);
  }

  /** The options in force, defaults filled in. */
  get options() {
    return { ...this.#options };
  }

  /** The worker threads async and batch calls run on. */
  get threads() {
    return this.#native.threads;
  }

  /**
   * Adds one plugin from a .wasm path or its bytes; resolves to its info.
   * With { replace: true } a plugin of that name is replaced (calls already
   * running finish on the old one); without it, the name must be new.
   * With { config } its `configure` export gets that config (else the one
   * the `plugins` option gave this name, if any).
   */
  async add(name, source, options = {}) {
    this.#assertOpenSync();
    checkName(name);
    const { replace, config } = addOptions(name, options);
    const configText = config ?? this.#configs.get(name) ?? null;
    let pending;
    if (typeof source === 'string') {
      pending = this.#native.addFile(name, path.resolve(source), replace, configText);
    } else if (source instanceof Uint8Array) {
      pending = this.#native.addBytes(name, Buffer.from(source.buffer, source.byteOffset, source.byteLength), replace, configText);
    } else {
      throw pluginError(ErrorCodes.INVALID_INPUT, 'add(name, source) needs a path string or a Buffer/Uint8Array of wasm bytes', { plugin: name });
    }
    const info = cleanInfo(await this.#track(pending));
    if (replace) {
      this.#calls.forget(name);
      this.#hooks.removePlugin(name);
    }
    this.#hooks.addPlugin(info);
    return info;
  }

  /** Every plugin, in load order: { name, path, exports, hooks, wasi, results, configured, size, cache, compileMs, cacheError }. */
  plugins() {
    return this.#native.plugins().map(cleanInfo);
  }

  /**
   * What the plugin wrote to stdout and stderr since the last output() call
   * (capped at captureOutput bytes per stream; droppedBytes counts the rest).
   * Needs the host option captureOutput.
   */
  output(name) {
    this.#assertOpenSync();
    checkName(name);
    if (this.#options.captureOutput === false) {
      throw pluginError(ErrorCodes.INVALID_OPTIONS, 'output capture is off; create the host with { captureOutput: true } to keep plugin output', { plugin: name });
    }
    return callNative(() => this.#native.takeOutput(name));
  }

  /**
   * Counters for one plugin's instances (created, recycled, discarded after
   * an error, idle) and, when memoize is on, the memo's.
   */
  stats(name) {
    this.#assertOpenSync();
    checkName(name);
    const instances = callNative(() => this.#native.poolStats(name));
    return { ...instances, memo: this.#native.memoStats() ?? null };
  }

  /**
   * Runs the plugin's filter off the main thread. With `args` (an array of
   * JSON values) its filter_args export gets {"input", "args"}.
   */
  filter(name, input, args) {
    return this.#publicCall(() => {
      checkName(name);
      checkString(input, 'filter input', name, 'filter');
      return this.#calls.filterAsync(name, input, argsJson(args, name));
    });
  }

  /** Runs the plugin's filter on this thread (with `args`: see filter()). */
  filterSync(name, input, args) {
    this.#assertOpenSync();
    checkName(name);
    checkString(input, 'filter input', name, 'filter');
    return this.#calls.filterSync(name, input, args === undefined ? args : argsJson(args, name));
  }

  /** Runs the filter on every input, over all worker threads; outputs in input order (with `args`: see filter()). */
  filterMany(name, inputs, args) {
    return this.#async(() => {
      checkName(name);
      const batchArgs = this.#calls.batchArgs(name, argsJson(args, name));
      if (!Array.isArray(inputs)) {
        throw pluginError(ErrorCodes.INVALID_INPUT, `filterMany needs an array of strings, got ${typeof inputs}`, { plugin: name, export: 'filter' });
      }
      for (let i = 0; i < inputs.length; i++) {
        if (typeof inputs[i] !== 'string') {
          throw pluginError(ErrorCodes.INVALID_INPUT, `input #${i}: expected a string, got ${typeOf(inputs[i])}`, { plugin: name, export: 'filter', index: i });
        }
      }
      return this.#filterChunks(name, inputs, batchArgs);
    });
  }

  /**
   * filterMany in chunks: strings can only be read on this thread, so each
   * chunk is handed to the workers as soon as it is converted, and they run
   * it while the next one is converted (and finished chunks' outputs are
   * converted back while later ones run). Rejects with the error of the
   * lowest failing index.
   */
  async #filterChunks(name, inputs, args) {
    const chunks = [];
    for (let start = 0; start < inputs.length;) {
      let end = start;
      let chars = 0;
      while (end < inputs.length && end - start < MANY_CHUNK_INPUTS && chars < MANY_CHUNK_CHARS) {
        chars += inputs[end].length;
        end++;
      }
      const offset = start;
      chunks.push(this.#native.filterMany(name, inputs.slice(start, end), args).then(undefined, (err) => {
        const error = fromNative(err);
        if (typeof error.index === 'number') error.index += offset;
        return error;
      }));
      start = end;
    }
    if (chunks.length === 0) return this.#native.filterMany(name, [], args);
    const results = await Promise.all(chunks);
    const failed = results.find((r) => r instanceof Error);
    if (failed !== undefined) throw reindexed(failed);
    return results.length === 1 ? results[0] : results.flat();
  }

  /** Runs the plugin's shortcode off the main thread; resolves to HTML. */
  shortcode(name, args = [], content = '') {
    return this.#publicCall(() => this.#calls.async(name, 'shortcode', shortcodeInput(name, args, content)));
  }

  /** Runs the plugin's shortcode on this thread. */
  shortcodeSync(name, args = [], content = '') {
    this.#assertOpenSync();
    const input = shortcodeInput(name, args, content);
    return this.#calls.sync(name, 'shortcode', input);
  }

  /**
   * Registers a JS hook handler: on(event, handler) or
   * on(event, { priority }, handler). Lower priorities run first; WASM hooks
   * run at 50. Returns a function that removes the handler.
   */
  on(event, optionsOrHandler, maybeHandler) {
    this.#assertOpenSync();
    const [options, handler] = typeof optionsOrHandler === 'function'
      ? [{}, optionsOrHandler]
      : [optionsOrHandler ?? {}, maybeHandler];
    if (typeof event !== 'string' || event.length === 0) {
      throw pluginError(ErrorCodes.INVALID_INPUT, 'on(event, ...) needs an event name string');
    }
    if (typeof handler !== 'function') {
      throw pluginError(ErrorCodes.INVALID_INPUT, `on("${event}", ...) needs a handler function`);
    }
    const priority = options.priority ?? 50;
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      throw pluginError(ErrorCodes.INVALID_INPUT, `on("${event}", { priority }) needs a finite number, got ${typeOf(priority)}`);
    }
    return this.#hooks.addHandler(event, priority, handler);
  }

  /** Whether any WASM plugin or JS handler listens to `event`. */
  handles(event) {
    return this.#hooks.handlersFor(event).length > 0;
  }

  /**
   * Gives a loaded plugin's hooks a scope (the adapters' `plugins` option):
   * `priority` instead of 50, and `applies(payload)`, which says whether
   * they run on a payload. Returns whether the plugin has hooks.
   */
  scopeHooks(name, { priority, applies } = {}) {
    this.#assertOpenSync();
    checkName(name);
    if (!this.#native.plugins().some((info) => info.name === name)) {
      throw pluginError(ErrorCodes.INVALID_INPUT, `scopeHooks: no plugin named "${name}" is loaded`, { plugin: name });
    }
    return this.#hooks.scopePlugin(name, { priority, applies });
  }

  /**
   * Runs every handler of `event` by priority, each fed the previous one's
   * output, and resolves to the final payload. A JS handler that returns
   * undefined leaves the payload as it was.
   */
  runHook(event, payload = {}) {
    return this.#async(async () => {
      if (typeof event !== 'string' || event.length === 0) {
        throw pluginError(ErrorCodes.INVALID_INPUT, 'runHook(event, payload) needs an event name string');
      }
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        throw pluginError(ErrorCodes.INVALID_INPUT, `runHook("${event}", payload) needs a payload object, got ${typeOf(payload)}`);
      }
      let current = { event, ...payload };
      current.event = event; // first key, and never overridden by the payload
      for (const entry of this.#hooks.handlersFor(event, current)) {
        if (entry.plugin !== undefined) {
          // Let go of the previous payload while the plugin runs: a page
          // is held as few times as possible (issue: big pages).
          const pending = this.#startCall(() => this.#calls.async(entry.plugin, 'hook', toPayloadJson({ ...current, event }, event, entry.plugin)));
          current = null;
          current = JSON.parse(await pending);
        } else {
          const output = await entry.handler(current);
          if (output === undefined) continue;
          if (output === null || typeof output !== 'object' || Array.isArray(output)) {
            throw pluginError(ErrorCodes.INVALID_INPUT, `a JS "${event}" handler returned ${typeOf(output)}; return the payload object, or undefined to leave it unchanged`);
          }
          current = output;
        }
      }
      return current;
    });
  }

  /**
   * Closes the host: waits for the calls in flight to settle, then stops the
   * worker threads. Later calls fail with HOST_CLOSED. Closing twice is fine.
   */
  close() {
    if (this.#closing === null) {
      this.#closing = (async () => {
        while (this.#inFlight.size > 0 || this.#completions.size > 0) {
          await Promise.allSettled([...this.#inFlight, this.#completions.whenIdle()]);
        }
        this.#calls.clear();
        this.#native.close();
      })();
    }
    return this.#closing;
  }

  /** Whether close() has been called. */
  get closed() {
    return this.#closing !== null;
  }

  /**
   * An async call made through the public API: rejects (never throws) when
   * the host is closed or `start` (argument checks, then the call) throws.
   */
  #publicCall(start) {
    if (this.#closing !== null) return Promise.reject(closedError());
    return this.#startCall(start);
  }

  /** Runs `start`, which begins one async call (see PluginCalls); rejects, never throws. */
  #startCall(start) {
    try {
      return start();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #assertOpenSync() {
    if (this.#closing !== null) throw closedError();
  }

  /** Runs `start` (which may throw or return a native promise) as a tracked async call. */
  #async(start) {
    if (this.#closing !== null) return Promise.reject(closedError());
    let pending;
    try {
      pending = start();
    } catch (err) {
      return Promise.reject(fromNative(err));
    }
    return this.#track(pending);
  }

  #track(pending) {
    const tracked = Promise.resolve(pending).then(undefined, (err) => {
      throw fromNative(err);
    });
    this.#inFlight.add(tracked);
    const forget = () => this.#inFlight.delete(tracked);
    tracked.then(forget, forget);
    return tracked;
  }
}

/** filterMany chunk bounds (see #filterChunks). */
const MANY_CHUNK_INPUTS = 256;
const MANY_CHUNK_CHARS = 1 << 20;

/** A batch error whose index was moved from its chunk's to the whole batch's: the message says it too. */
function reindexed(error) {
  if (typeof error.index !== 'number') return error;
  const message = error.message.replace(/input #\d+:/, `input #${error.index}:`);
  return new PluginError(message, { code: error.code, plugin: error.plugin, export: error.export, index: error.index, backtrace: error.backtrace, fix: error.fix });
}

function callNative(call) {
  try {
    return call();
  } catch (err) {
    throw fromNative(err);
  }
}

function closedError() {
  return pluginError(ErrorCodes.HOST_CLOSED, 'the host is closed; create a new one with PluginHost.load()');
}

/** add()'s options: { replace?: boolean, config?: JSON data }; the config comes back as JSON text. */
function addOptions(name, options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw pluginError(ErrorCodes.INVALID_OPTIONS, `add() options must be an object like { replace: true }, got ${typeOf(options)}`, { plugin: name });
  }
  for (const key of Object.keys(options)) {
    if (key !== 'replace' && key !== 'config') throw pluginError(ErrorCodes.INVALID_OPTIONS, `unknown add() option "${key}" (known: replace, config)`, { plugin: name });
  }
  const replace = options.replace ?? false;
  if (typeof replace !== 'boolean') {
    throw pluginError(ErrorCodes.INVALID_OPTIONS, `add() option "replace" must be true or false, got ${typeOf(replace)}`, { plugin: name });
  }
  return { replace, config: configJson(options.config, name, 'config') };
}

function checkName(name) {
  if (typeof name !== 'string' || name.length === 0) {
    throw pluginError(ErrorCodes.INVALID_INPUT, `a plugin name must be a non-empty string, got ${typeOf(name)}`);
  }
}

function checkString(value, what, plugin, exportName) {
  if (typeof value !== 'string') {
    throw pluginError(ErrorCodes.INVALID_INPUT, `${what} must be a string, got ${typeOf(value)}`, { plugin, export: exportName });
  }
}

function shortcodeInput(name, args, content) {
  checkName(name);
  const fields = { plugin: name, export: 'shortcode' };
  if (!Array.isArray(args)) {
    throw pluginError(ErrorCodes.INVALID_INPUT, `shortcode args must be an array of strings, got ${typeOf(args)}`, fields);
  }
  // An index loop, not forEach: forEach skips the holes of a sparse array,
  // which JSON.stringify would then send to the plugin as null.
  for (let i = 0; i < args.length; i++) {
    if (typeof args[i] !== 'string') {
      throw pluginError(ErrorCodes.INVALID_INPUT, `shortcode argument #${i} must be a string, got ${typeOf(args[i])}`, fields);
    }
  }
  checkString(content, 'shortcode content', name, 'shortcode');
  return JSON.stringify({ name, args, content });
}

function toPayloadJson(payload, event, plugin) {
  try {
    return JSON.stringify(payload);
  } catch (err) {
    throw pluginError(ErrorCodes.INVALID_INPUT, `the "${event}" payload cannot be serialized to JSON: ${err.message}`, { plugin, export: 'hook', cause: err });
  }
}

function cleanInfo(info) {
  return {
    name: info.name,
    path: info.path ?? null,
    exports: info.exports,
    hooks: info.hooks,
    wasi: info.wasi,
    results: info.results ?? null,
    configured: info.configured,
    size: info.size,
    cache: info.cache,
    compileMs: info.compileMs,
    cacheError: info.cacheError ?? null,
  };
}

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  // A Buffer of file contents is a common mistake: name it, not just "object".
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value;
}

module.exports = { PluginHost, PluginError };
