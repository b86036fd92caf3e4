'use strict';
// The plugin host of an Eleventy site across its builds. Eleventy calls the
// adapter once per configuration, but builds many times under --watch and
// --serve, so the host's life is tied to builds, not to the configuration:
//
// - load() runs at configuration time (the adapter needs each plugin's
//   exports to register filters and shortcodes) and its host serves the
//   first build;
// - refresh() runs before every build and loads the folder again when the
//   host was closed or any *.wasm in it was changed, added or removed since
//   the last load. It compares a fingerprint of the folder (name, size, mtime
//   and inode of each *.wasm) instead of relying on Eleventy's watch queue,
//   because Eleventy starts no build when a file is deleted and a removed
//   plugin must still be gone by the next build, whatever triggered it;
// - close() runs when a build ends (and when Eleventy resets its
//   configuration), so `eleventy` exits by itself after a build.
// - A failed build gets no `eleventy.after`, so its host stays open (its
//   worker threads too, until garbage collection). A process that builds
//   again with a new configuration (a script or dev tool running Eleventy
//   programmatically) would pile them up: so loading a configuration closes
//   the host of every earlier one whose last build ran in "build" mode and
//   never ended. Watching hosts (--watch, --serve) are kept.
//
// Pages go through the hooks a few at a time (PAGES_PER_THREAD per worker
// thread): Eleventy transforms every page of a build at once, and a page in
// a hook call holds several copies of itself (payload JSON, UTF-8, guest
// memory, result), so with all of them in flight big pages ran the process
// out of memory. A page waiting for its turn holds nothing more than
// Eleventy already does.

const fs = require('node:fs');
const path = require('node:path');
const { PluginHost } = require('./host');
const { PluginError, ErrorCodes, reworded } = require('./errors');
const { PREFIX, oneLineError, adapterError } = require('./adapter-options');
const { PAGE_EVENTS, warnUnmapped, handledEvents } = require('./lifecycle-events');
const { hostPlugins, applyPluginOptions } = require('./adapter-plugins');
const { transformPages } = require('./astro-pages');

/** Pages in the hooks at once, per worker thread: one being hooked, one being converted. */
const PAGES_PER_THREAD = 2;

/** Every EleventyHost of this process whose host is open. */
const OPEN_SITES = new Set();

class EleventyHost {
  #dir;
  #hostOptions;
  #jsHooks;
  #pluginOptions;
  #host = null;
  #buildStarted = 0n;
  #fingerprint = null;
  #handledEvents = new Set();
  #pagesInHooks = 0;
  #waitingPages = [];
  #runMode = null;
  #building = false;
  #pagesAfterBuild = false;

  /**
   * @param {string} dir  the absolute plugins folder
   * @param {object} hostOptions  PluginHost options (cacheDir already absolute)
   * @param {Array<{event: string, priority?: number, handler: Function}>} jsHooks
   *   JS hook handlers, registered on every host this loads
   * @param {object} [pluginOptions]  the `plugins` option: { name: { pages, priority, config } }
   */
  constructor(dir, hostOptions, jsHooks, pluginOptions = {}) {
    this.#dir = dir;
    this.#hostOptions = hostOptions;
    this.#jsHooks = jsHooks;
    this.#pluginOptions = pluginOptions;
  }

  /** The plugins folder. */
  get dir() {
    return this.#dir;
  }

  /** The open host; throws a clear error between builds or after a failed load. */
  get host() {
    if (this.#host === null || this.#host.closed) {
      throw new PluginError(
        `${PREFIX} eleventy: the plugins of ${this.#dir} are not loaded; a plugin was called outside a build, or the last load failed (see the error above) [${ErrorCodes.HOST_CLOSED}]`,
        { code: ErrorCodes.HOST_CLOSED },
      );
    }
    return this.#host;
  }

  /** Whether any WASM plugin or JS handler of the loaded host handles `event`. */
  handles(event) {
    return this.#handledEvents.has(event);
  }

  /**
   * Runs the hooks of `event` on one page's payload, with at most
   * PAGES_PER_THREAD pages per worker thread in the hooks at once (the
   * others wait their turn, first come first served).
   */
  async runPageHook(event, payload) {
    const host = this.host;
    const slots = Math.max(1, host.threads * PAGES_PER_THREAD);
    if (this.#pagesInHooks >= slots) {
      await new Promise((resolve) => this.#waitingPages.push(resolve));
    } else {
      this.#pagesInHooks++;
    }
    try {
      return await this.host.runHook(event, payload);
    } finally {
      const next = this.#waitingPages.shift();
      if (next === undefined) this.#pagesInHooks--;
      else next(); // the slot passes on
    }
  }

  /** Loads (or reloads) every *.wasm of the folder; the previous host is closed first. */
  async load() {
    await this.close();
    // Taken before loading, so a file that changes during the load is loaded again next time.
    this.#fingerprint = fingerprint(this.#dir);
    let host;
    try {
      // The plugins' configs go to the host; pages and priority stay here.
      const plugins = hostPlugins(this.#pluginOptions);
      host = await PluginHost.load(this.#dir, plugins === undefined ? this.#hostOptions : { ...this.#hostOptions, plugins });
    } catch (err) {
      this.#fingerprint = null; // try again before the next build
      throw loadError(err, this.#dir);
    }
    try {
      applyPluginOptions(host, this.#pluginOptions, (problems) => adapterError('eleventy', problems));
    } catch (err) {
      this.#fingerprint = null;
      await host.close();
      throw err;
    }
    for (const { event, priority, handler } of this.#jsHooks) {
      host.on(event, { priority: priority ?? 50 }, handler);
    }
    const plugins = host.plugins();
    warnUnmapped('eleventy', plugins, this.#jsHooks);
    this.#handledEvents = handledEvents(plugins, this.#jsHooks);
    this.#host = host;
    OPEN_SITES.add(this);
    await closeUnfinishedBuilds(this);
    return host;
  }

  /** At `eleventy.before`: a build starts, in Eleventy's run mode ('build', 'watch' or 'serve'). */
  beginBuild(runMode, pagesAfterBuild = false) {
    this.#runMode = runMode;
    this.#building = true;
    this.#pagesAfterBuild = pagesAfterBuild;
    this.#buildStarted = process.hrtime.bigint();
  }

  /** Whether this build's per-page hooks run in runPagePass (the `parallel` option) instead of the transform. */
  get pagesAfterBuild() {
    return this.#pagesAfterBuild;
  }

  /**
   * The `parallel` option's pass, at `eleventy.after`: onContentTransformed
   * and onPageRendered on every written HTML page of `results` (Eleventy's
   * written templates), PAGES_PER_THREAD pages per worker thread in flight,
   * each page whose HTML changed rewritten atomically (temp file + rename).
   * The first failing page (in output-path order) fails the build, named
   * with its template.
   */
  async runPagePass(results) {
    const events = PAGE_EVENTS.filter((event) => this.handles(event));
    if (events.length === 0) return { pages: 0, rewritten: 0 };
    const host = this.host;
    const pages = new Map();
    for (const result of Array.isArray(results) ? results : []) {
      const outputPath = result?.outputPath;
      if (typeof outputPath !== 'string' || !outputPath.endsWith('.html')) continue;
      const file = path.resolve(outputPath);
      if (!pages.has(file)) pages.set(file, { file, relative: outputPath, url: result.url, inputPath: result.inputPath, outputPath });
    }
    const sorted = [...pages.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    try {
      return await transformPages(host, sorted, Math.max(1, host.threads * PAGES_PER_THREAD), events, 'eleventy');
    } catch (err) {
      err.skipOriginalStack = true; // Eleventy prints the message; the stack is the pass's, not the page's
      throw err;
    }
  }

  /** Nanoseconds since the build began (onBuildComplete's Duration, as Alloy gives it). */
  buildNanoseconds() {
    return this.#buildStarted === 0n ? 0 : Number(process.hrtime.bigint() - this.#buildStarted);
  }

  /**
   * Runs a watch event's hooks (onFileChanged) on the open host; between a
   * failed load and the next build there is none, and the event is skipped
   * (the next build loads the folder again).
   */
  async runWatchHook(event, payload) {
    if (this.#host === null || this.#host.closed) return;
    await this.runBuildHook(event, payload);
  }

  /**
   * Runs the hooks of a build event (onConfig, onBuildComplete) when any
   * plugin or JS hook handles it; their result is not used (Eleventy's
   * configuration and output are settled by then). An error names the event.
   */
  async runBuildHook(event, payload) {
    if (!this.handles(event)) return;
    try {
      await this.host.runHook(event, payload);
    } catch (err) {
      throw buildHookError(err, event);
    }
  }

  /** At `eleventy.after`: the build ended (it succeeded). */
  endBuild() {
    this.#building = false;
  }

  /** Whether its last build ran once ("build" mode) and never ended: it failed, or is still running. */
  get unfinishedBuild() {
    return this.#building && this.#runMode === 'build';
  }

  /**
   * Before a build: loads the folder again if the host is closed or the
   * folder changed since the last load. Resolves to whether it loaded.
   */
  async refresh() {
    if (this.#host !== null && !this.#host.closed && fingerprint(this.#dir) === this.#fingerprint) {
      return false;
    }
    await this.load();
    return true;
  }

  /** Closes the host (waiting for calls in flight); fine to call twice. */
  async close() {
    const host = this.#host;
    this.#host = null;
    OPEN_SITES.delete(this);
    if (host !== null) await host.close();
  }
}

/** Closes the hosts of earlier configurations whose one build never ended (see the top of this file). */
async function closeUnfinishedBuilds(current) {
  const stale = [...OPEN_SITES].filter((site) => site !== current && site.unfinishedBuild);
  await Promise.all(stale.map((site) => site.close()));
}

/** What identifies the folder's *.wasm files and their contents, as one string. */
function fingerprint(dir) {
  let names;
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith('.wasm')).sort();
  } catch (err) {
    return `unreadable:${err.code}`;
  }
  return names
    .map((name) => {
      try {
        const stat = fs.statSync(path.join(dir, name));
        return `${name}:${stat.size}:${stat.mtimeMs}:${stat.ino}`;
      } catch (err) {
        return `${name}:${err.code}`;
      }
    })
    .join('|');
}

/**
 * A load failure in the adapter's message style, naming the folder and the
 * fix, on one line (its cause too: Eleventy prints both). Eleventy prints no
 * stack trace for it: it is about a file, not about code.
 */
function loadError(original, dir) {
  if (!(original instanceof PluginError)) return original;
  const err = oneLineError(original);
  err.skipOriginalStack = true;
  const hint = err.code === ErrorCodes.IO_ERROR
    ? `; create the folder and put your .wasm plugins in it, or set the "dir" option to the folder that holds them`
    : '';
  const wrapped = reworded(err, `${PREFIX} eleventy: cannot load the plugins of ${dir}: ${err.message}${hint}`);
  wrapped.skipOriginalStack = true;
  return wrapped;
}

/** A build event's failure, naming the event, on one line (its fields kept). */
function buildHookError(original, event) {
  if (!(original instanceof PluginError)) {
    const detail = original instanceof Error ? original.message : String(original);
    return new Error(`${PREFIX} eleventy: a JS ${event} handler threw: ${detail}`, { cause: original });
  }
  const err = oneLineError(original);
  const wrapped = reworded(err, `${PREFIX} eleventy: the ${event} hooks failed: ${err.message}`);
  wrapped.skipOriginalStack = true;
  return wrapped;
}

module.exports = { EleventyHost };
