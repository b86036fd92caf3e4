'use strict';
// alloy-wasm/astro: the Astro integration. `alloyWasm({ dir })` loads the
// plugins of `dir` (relative to Astro's root) into one host per build,
// which .astro frontmatter reaches through getHost()/filter()/shortcode().
// It runs Alloy's lifecycle events at their Astro counterparts (see
// docs/lifecycle-events.md): onConfig at astro:build:start; in
// astro:build:done, onContentTransformed and onPageRendered on every built
// HTML page, onAssetProcess on every CSS and JS file, then onBuildComplete;
// then it closes the host so `astro build` exits by itself. In `astro dev`,
// onDevServerStart at astro:server:start.

const path = require('node:path');
const { fileURLToPath } = require('node:url');
const { performance } = require('node:perf_hooks');
const { PluginHost } = require('./host');
const { PluginError, ErrorCodes, reworded } = require('./errors');
const { resolveAdapterOptions, adapterError, oneLineError, CHECKS, PREFIX } = require('./adapter-options');
const { withFolders } = require('./options');
const { listPages, listAssets, transformPages, processAssets, ASSET_EVENT } = require('./astro-pages');
const { PAGE_EVENTS, warnUnmapped } = require('./lifecycle-events');
const { checkPlugins, hostPlugins, applyPluginOptions } = require('./adapter-plugins');

const NAME = 'alloy-wasm';
/** The integration's own options, with their defaults (every host option is accepted too). */
const DEFAULTS = Object.freeze({
  // Folder of the *.wasm plugins; a relative path is resolved against Astro's root.
  dir: 'plugins',
  // JS hook handlers, mixed in with the plugins' hooks by priority (lower
  // first; WASM hooks run at 50): [{ event, priority, handler }].
  hooks: Object.freeze([]),
  // Per plugin: the pages its hooks run on (globs over the page URL), the
  // priority of its hooks (instead of 50), and its config (for its
  // `configure` export): { 'lazy-images': { pages: '/blog/**', priority: 10, config: {...} } }.
  plugins: Object.freeze({}),
});
// Pages in flight per worker thread: one being hooked, one being read or
// written, so the workers never wait on the file system.
const PAGES_PER_THREAD = 2;
// The current build's session, on globalThis so that every copy of this
// module (the config and the pages may be loaded through different module
// graphs) finds the same host.
const ACTIVE = Symbol.for('alloy-wasm.astro.activeSession');

/**
 * The Astro integration: `integrations: [alloyWasm({ dir: 'plugins' })]`.
 * Takes `dir` and every host option; checks them here, once.
 */
function alloyWasm(options) {
  const { adapter, host: hostOptions } = resolveAdapterOptions('astro', options, {
    defaults: DEFAULTS,
    checks: { dir: CHECKS.dir, hooks: CHECKS.hooks, plugins: checkPlugins },
    root: process.cwd(),
  });
  // Kept as given: it is resolved against Astro's root, known at config:setup.
  const dir = options?.dir ?? DEFAULTS.dir;
  const entrypoints = new Map();
  let root = process.cwd();
  let session = null;
  let astroConfig = null;
  let buildStarted = 0n;

  return {
    name: NAME,
    hooks: {
      'astro:config:setup': async ({ config, updateConfig }) => {
        root = fileURLToPath(config.root);
        if (session !== null) await session.close();
        // A build that failed never reached astro:build:done, which closes
        // its host: the next configuration in this process closes it, so
        // programmatic builds do not pile up hosts (one alloyWasm() per site
        // and process, as getHost() already needs).
        const previous = globalThis[ACTIVE];
        if (previous !== undefined && previous !== session) await previous.close();
        // The cache and memo folders belong to the site: relative to Astro's root.
        session = new Session(path.resolve(root, dir), withFolders(hostOptions, root), adapter.hooks, adapter.plugins);
        globalThis[ACTIVE] = session;
        updateConfig({ vite: viteConfig() });
      },
      'astro:config:done': ({ config }) => {
        astroConfig = config;
      },
      'astro:routes:resolved': ({ routes }) => {
        entrypoints.clear();
        // A redirect has no source file (its entrypoint is its own pattern).
        for (const route of routes) entrypoints.set(route.pattern, route.type === 'redirect' ? '' : route.entrypoint);
      },
      // Load before any page renders, so a bad plugin folder fails the build at once.
      'astro:build:start': async () => {
        buildStarted = process.hrtime.bigint();
        await session.host();
        await session.runBuildHook('onConfig', configPayload(astroConfig, root));
      },
      'astro:build:done': async ({ dir: outDir, assets, logger }) => {
        const current = session;
        try {
          const host = await current.host();
          const outPath = fileURLToPath(outDir);
          const pages = listPages(assets, entrypoints, outPath, root);
          const events = PAGE_EVENTS.filter((event) => current.handles(event));
          const concurrency = host.threads * PAGES_PER_THREAD;
          if (events.length > 0) {
            logger.info(`running ${events.join(' and ')} hooks on ${pages.length} page${pages.length === 1 ? '' : 's'} over ${host.threads} threads`);
            const started = performance.now();
            const { rewritten } = await transformPages(host, pages, concurrency, events);
            logger.info(`${rewritten} of ${pages.length} pages changed and rewritten in ${Math.round(performance.now() - started)} ms`);
          }
          if (current.handles(ASSET_EVENT)) {
            const files = await listAssets(outPath, astroConfig?.build?.assets ?? '_astro');
            const { rewritten } = await processAssets(host, files, concurrency);
            logger.info(`${ASSET_EVENT}: ${rewritten} of ${files.length} CSS and JS files changed and rewritten`);
          }
          await current.runBuildHook('onBuildComplete', {
            OutputDir: path.resolve(outPath),
            PageCount: pages.length,
            PagesSkipped: 0,
            Duration: buildStarted === 0n ? 0 : Number(process.hrtime.bigint() - buildStarted),
          });
        } finally {
          await current.close();
        }
      },
      // astro dev: the host loads when the server starts (so a bad plugin
      // folder shows at once) and onDevServerStart runs. A failure is logged,
      // not thrown: the dev server keeps running, and getHost() rejects with
      // the same error in the pages that use it.
      'astro:server:start': async ({ address, logger }) => {
        try {
          await session.runBuildHook('onDevServerStart', {
            ...configPayload(astroConfig, root),
            server: { address: address?.address ?? null, port: address?.port ?? null, family: address?.family ?? null },
          });
        } catch (err) {
          if (logger && typeof logger.error === 'function') logger.error(err instanceof Error ? err.message : String(err));
          else throw err;
        }
      },
      'astro:server:done': async () => {
        if (session !== null) await session.close();
      },
    },
  };
}

/**
 * Vite must leave alloy-wasm to Node: a native addon cannot be bundled, and
 * the pages must share the integration's module state. Astro would bundle
 * it (its package.json has the keyword "astro"), and so would Vite when it
 * is linked (npm `file:`), so it is made external in every server-side
 * environment: `ssr`, and `prerender`, which renders static pages.
 */
function viteConfig() {
  const external = { resolve: { external: [NAME] } };
  return {
    ssr: { external: [NAME] },
    environments: { ssr: external, prerender: external },
    optimizeDeps: { exclude: [NAME] },
  };
}

/** One build's (or dev server's) host: loaded on first use, closed once. */
class Session {
  #dir;
  #options;
  #jsHooks;
  #pluginOptions;
  #host = null;
  #loading = null;
  #closed = false;

  constructor(dir, options, jsHooks, pluginOptions = {}) {
    this.#dir = dir;
    this.#options = options;
    this.#jsHooks = jsHooks;
    this.#pluginOptions = pluginOptions;
  }

  host() {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#loading === null) this.#loading = this.#load();
    return this.#loading;
  }

  /**
   * Whether a plugin or JS handler of the loaded host listens to `event`
   * (handlers added through getHost().on() count too).
   */
  handles(event) {
    return this.#host !== null && !this.#host.closed && this.#host.handles(event);
  }

  async #load() {
    let host;
    try {
      // The plugins' configs go to the host; pages and priority stay here.
      const plugins = hostPlugins(this.#pluginOptions);
      host = await PluginHost.load(this.#dir, plugins === undefined ? this.#options : { ...this.#options, plugins });
    } catch (err) {
      throw loadError(this.#dir, err);
    }
    try {
      applyPluginOptions(host, this.#pluginOptions, (problems) => adapterError('astro', problems));
    } catch (err) {
      await host.close();
      throw err;
    }
    for (const { event, priority, handler } of this.#jsHooks) {
      host.on(event, { priority: priority ?? 50 }, handler);
    }
    warnUnmapped('astro', host.plugins(), this.#jsHooks);
    this.#host = host;
    return host;
  }

  /** Runs a build event's hooks (their result is not used); an error names the event. */
  async runBuildHook(event, payload) {
    const host = await this.host();
    if (!this.handles(event)) return;
    try {
      await host.runHook(event, payload);
    } catch (err) {
      throw buildHookError(err, event);
    }
  }

  async close() {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#loading !== null) await this.#loading.then((host) => host.close(), () => {});
  }
}

/** The onConfig payload: Astro's resolved config, its folders as paths relative to the root. */
function configPayload(config, root) {
  root = path.resolve(root); // no trailing slash
  if (config === null || typeof config !== 'object') return { root };
  const folder = (url) => {
    if (url === undefined || url === null) return undefined;
    const file = url instanceof URL ? fileURLToPath(url) : String(url);
    return path.relative(root, file).split(path.sep).join('/') || '.';
  };
  return {
    root,
    srcDir: folder(config.srcDir),
    publicDir: folder(config.publicDir),
    outDir: folder(config.outDir),
    site: config.site ?? null,
    base: config.base ?? '/',
    trailingSlash: config.trailingSlash ?? 'ignore',
    output: config.output ?? 'static',
    build: { format: config.build?.format ?? 'directory', assets: config.build?.assets ?? '_astro' },
  };
}

/** A build event's failure, naming the event, on one line. */
function buildHookError(original, event) {
  if (original instanceof PluginError) {
    const err = oneLineError(original);
    return reworded(err, `${PREFIX} astro: the ${event} hooks failed: ${err.message}`);
  }
  const detail = original instanceof Error ? original.message : String(original);
  return new Error(`${PREFIX} astro: a JS ${event} handler threw: ${detail}`, { cause: original });
}

/**
 * The plugin host of the running Astro build or dev server, for .astro
 * frontmatter: `const host = await getHost()`.
 */
function getHost() {
  const session = globalThis[ACTIVE];
  if (session === undefined) {
    return Promise.reject(new Error(
      `${PREFIX} astro: getHost() found no running alloy-wasm integration; add it to astro.config.mjs: ` +
      `integrations: [alloyWasm({ dir: 'plugins' })] (import alloyWasm from 'alloy-wasm/astro')`,
    ));
  }
  return session.host();
}

/**
 * Runs a plugin's filter on the build's host, off the main thread; `args`
 * (an array of JSON values) go to its `filter_args` export.
 */
async function filter(name, input, args) {
  const host = await getHost();
  return args === undefined ? host.filter(name, input) : host.filter(name, input, args);
}

/** Runs a plugin's shortcode on the build's host; resolves to HTML. */
async function shortcode(name, args = [], content = '') {
  return (await getHost()).shortcode(name, args, content);
}

/** A load failure naming the folder and the fix, on one line (its cause too). */
function loadError(dir, original) {
  if (!(original instanceof PluginError)) return original;
  const err = oneLineError(original);
  const fix = err.code === ErrorCodes.IO_ERROR && err.plugin === undefined
    ? `; set dir in alloyWasm({ dir }) to the folder of your .wasm plugins (relative to the project root)`
    : '';
  const message = `${PREFIX} astro: cannot load the plugins of ${dir}${fix}: ${err.message}`;
  return reworded(err, message);
}

function closedError() {
  return new PluginError(
    `${PREFIX} astro: the plugin host is closed: it lives from the start to the end of one build or dev server [${ErrorCodes.HOST_CLOSED}]`,
    { code: ErrorCodes.HOST_CLOSED },
  );
}

module.exports = alloyWasm;
module.exports.default = alloyWasm;
module.exports.getHost = getHost;
module.exports.filter = filter;
module.exports.shortcode = shortcode;
