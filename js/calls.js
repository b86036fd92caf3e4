'use strict';
// How PluginHost reaches a plugin: per-plugin native functions made once
// (`call`, `start`), an input buffer this thread reuses, and the inline
// budget that lets an async call run on this thread when it is cheap.
// src/lib.rs ("Call paths") has the design and the measurements behind it.

const { binding: native } = require('./native');
const { fromNative } = require('./errors');
const { filterExport } = require('./plugin-options');

/** Export numbers the native plugin functions take, from the Rust list. */
const EXPORT = Object.freeze(Object.fromEntries(native.callableExports().map((name, i) => [name, i])));
const FILTER = EXPORT.filter;

/**
 * An async call first runs here, on this thread, for at most this long; past
 * it, the call is stopped and run again on a worker (with the whole
 * timeoutMs). Small enough that a timer is never late by much more than it.
 */
const INLINE_DEADLINE_MS = 2;
/** Inline work allowed per event-loop turn, after which calls go to workers. */
const INLINE_BUDGET_MS = 4;
/** The input buffer's size; one grown past KEEP_BUFFER_BYTES for a big input is dropped after the call. */
const INPUT_BUFFER_BYTES = 64 * 1024;
const KEEP_BUFFER_BYTES = 4 * 1024 * 1024;
/**
 * Below this many UTF-16 units TextEncoder.encodeInto is the faster encoder,
 * above it Buffer#utf8Write (measured on Node 20: 57-105 ns against 85-99 ns
 * for a 40-character title; 67 us against 30 us for a 48,000-character page).
 */
const ENCODE_INTO_UNITS = 1024;

class PluginCalls {
  #native;
  #completions;
  #encoder = new TextEncoder();
  /** The native input buffer (a Buffer over memory the plugin functions read). */
  #buffer;
  #functions = new Map();
  #lastName = null;
  #lastFunctions = null;
  #inlineSpentMs = 0;
  #inlineResetPending = false;

  constructor(nativeHost, completions) {
    this.#native = nativeHost;
    this.#completions = completions;
    this.#buffer = nativeHost.inputBuffer(INPUT_BUFFER_BYTES);
  }

  /** Runs `exportName` of `name` on this thread; returns the output or throws a PluginError. */
  sync(name, exportName, input) {
    return this.#sync(this.#functionsOf(name), EXPORT[exportName], input);
  }

  /**
   * Runs the filter of `name` on this thread: `filter`, or `filter_args` when
   * there are arguments (`args`, a JSON array text) or the plugin has only it.
   * The first branch is sync() as it was before arguments, kept as cheap.
   */
  filterSync(name, input, args) {
    const fns = this.#functionsOf(name);
    if (args !== undefined || !fns.hasFilter) return this.#filterArgsSync(fns, name, input, args);
    const length = this.#encode(input);
    try {
      return fns.call(length, FILTER);
    } catch (err) {
      throw fromNative(err);
    } finally {
      if (this.#buffer.length > KEEP_BUFFER_BYTES) this.#shrink();
    }
  }

  /** filterSync with arguments, or of a plugin without `filter` (kept out of filterSync, which stays small). */
  #filterArgsSync(fns, name, input, args) {
    const exportName = filterExport(fns, name, args);
    return this.#sync(fns, EXPORT[exportName], input, exportName === 'filter' ? undefined : (args ?? ''));
  }

  /** filterSync off the event loop's critical path (see async()). */
  filterAsync(name, input, args) {
    const fns = this.#functionsOf(name);
    if (args === undefined && fns.hasFilter) return this.#async(fns, EXPORT.filter, input);
    const exportName = filterExport(fns, name, args);
    return this.#async(fns, EXPORT[exportName], input, exportName === 'filter' ? undefined : (args ?? ''));
  }

  /**
   * What filterMany hands the native batch for `args` (a JSON array text, or
   * undefined): null to call `filter`, or the arguments' JSON for `filter_args`.
   */
  batchArgs(name, args) {
    const fns = this.#functionsOf(name);
    return filterExport(fns, name, args) === 'filter' ? null : (args ?? '[]');
  }

  /**
   * `args`: for filter_args, the arguments' JSON ('' for none), written after
   * the input; the native side builds {"input", "args"} from both (cheaper
   * than JSON.stringify here, see src/filter_args.rs).
   */
  #sync(fns, exportNumber, input, args) {
    const length = this.#encode(input);
    try {
      if (args !== undefined) return fns.call(length, exportNumber, this.#encodeArgs(args, length));
      return fns.call(length, exportNumber);
    } catch (err) {
      throw fromNative(err);
    } finally {
      if (this.#buffer.length > KEEP_BUFFER_BYTES) this.#shrink();
    }
  }

  /**
   * Runs `exportName` of `name` off the event loop's critical path: inline
   * when this turn's budget allows and the call finishes within
   * INLINE_DEADLINE_MS (an already-settled promise), otherwise on a worker.
   * Throws (synchronously) only for an unknown plugin.
   */
  async(name, exportName, input) {
    return this.#async(this.#functionsOf(name), EXPORT[exportName], input);
  }

  #async(fns, exportNumber, input, args) {
    const length = this.#encode(input);
    const argsLength = args === undefined ? 0 : this.#encodeArgs(args, length);
    try {
      if (this.#inlineSpentMs < INLINE_BUDGET_MS) {
        const started = performance.now();
        let output;
        try {
          output = args === undefined ? fns.inline(length, exportNumber) : fns.inline(length, exportNumber, argsLength);
        } catch (err) {
          return Promise.reject(fromNative(err));
        } finally {
          this.#charge(performance.now() - started);
        }
        if (output !== undefined) return Promise.resolve(output);
      }
      return this.#completions.start(args === undefined
        ? (id) => fns.start(length, exportNumber, id)
        : (id) => fns.start(length, exportNumber, id, argsLength));
    } finally {
      if (this.#buffer.length > KEEP_BUFFER_BYTES) this.#shrink();
    }
  }

  /** Forgets one plugin's functions (it was replaced). */
  forget(name) {
    this.#functions.delete(name);
    if (this.#lastName === name) {
      this.#lastName = null;
      this.#lastFunctions = null;
    }
  }

  /** Forgets every plugin's functions (the host is closing). */
  clear() {
    this.#functions.clear();
    this.#lastName = null;
    this.#lastFunctions = null;
  }

  #functionsOf(name) {
    // Most call sites call one plugin over and over: skip the Map then.
    if (name === this.#lastName) return this.#lastFunctions;
    let fns = this.#functions.get(name);
    if (fns === undefined) {
      try {
        fns = this.#native.pluginFunctions(name, INLINE_DEADLINE_MS);
      } catch (err) {
        throw fromNative(err);
      }
      this.#functions.set(name, fns);
    }
    this.#lastName = name;
    this.#lastFunctions = fns;
    return fns;
  }

  /** Writes `input` as UTF-8 into the input buffer (grown if needed); returns its length. */
  #encode(input) {
    const most = input.length * 3;
    if (most > this.#buffer.length) {
      this.#buffer = this.#native.inputBuffer(Math.max(most, this.#buffer.length * 2));
    }
    return input.length < ENCODE_INTO_UNITS
      ? this.#encoder.encodeInto(input, this.#buffer).written
      : this.#buffer.utf8Write(input, 0);
  }

  /** Writes `args` (JSON text) as UTF-8 at `offset`, after the input (grown if needed); returns its length. */
  #encodeArgs(args, offset) {
    const most = offset + args.length * 3;
    if (most > this.#buffer.length) {
      const grown = this.#native.inputBuffer(Math.max(most, this.#buffer.length * 2));
      this.#buffer.copy(grown, 0, 0, offset);
      this.#buffer = grown;
    }
    return this.#buffer.utf8Write(args, offset);
  }

  /** Gives back a buffer grown for one big input. */
  #shrink() {
    this.#buffer = this.#native.inputBuffer(INPUT_BUFFER_BYTES);
  }

  #charge(ms) {
    this.#inlineSpentMs += ms;
    if (!this.#inlineResetPending) {
      this.#inlineResetPending = true;
      setImmediate(() => {
        this.#inlineSpentMs = 0;
        this.#inlineResetPending = false;
      });
    }
  }
}

module.exports = { PluginCalls, INLINE_DEADLINE_MS, INLINE_BUDGET_MS };
