'use strict';
// The Eleventy adapter: `eleventyConfig.addPlugin(require('alloy-wasm/eleventy'), options)`.
//
// It loads the plugins folder at configuration time (Eleventy 3 awaits an
// async plugin), because filters and shortcodes must be registered then and
// only a loaded plugin tells which exports it has. The filters and shortcodes
// it registers look the host up on every call, so the host can be reloaded
// between builds (see eleventy-host.js) without registering them again.
// Under --watch and --serve, a change in the plugins folder resets Eleventy's
// configuration, which runs this function again: a plugin added while
// watching gets its filters too.

const fs = require('node:fs');
const path = require('node:path');
const { ErrorCodes, pluginError } = require('./errors');
const { resolveAdapterOptions, adapterError, CHECKS, PREFIX } = require('./adapter-options');
const { withFolders } = require('./options');
const { EleventyHost } = require('./eleventy-host');
const { makeFilter, makeShortcode, makePairedShortcode, transformPage, camelAlias } = require('./eleventy-calls');
const { checkPlugins } = require('./adapter-plugins');

/** The adapter's own options, with their defaults (every host option is accepted too). */
const DEFAULTS = Object.freeze({
  // Folder of the *.wasm plugins; a relative path is resolved against the
  // site root (Eleventy's working directory).
  dir: 'plugins',
  // Plugins whose shortcode is registered in the paired form
  // ({% callout %}...{% endcallout %}); the inner content is passed as `content`.
  paired: Object.freeze([]),
  // false: filters and shortcodes run on Eleventy's thread, which works in
  // every template language, Nunjucks included. true (or a list of plugin
  // names): they are `async function`s that run on the host's worker threads.
  async: false,
  // JS hook handlers, mixed in with the plugins' hooks by priority (lower
  // first; WASM hooks run at 50): [{ event, priority, handler }].
  hooks: Object.freeze([]),
  // Per plugin: the pages its hooks run on (globs over the page URL), the
  // priority of its hooks (instead of 50), and its config (for its
  // `configure` export): { 'lazy-images': { pages: '/blog/**', priority: 10, config: {...} } }.
  plugins: Object.freeze({}),
  // false: the per-page hooks run in a transform, as each page renders
  // (Eleventy renders a paginated template's pages one at a time). true:
  // they run after the build, over every written HTML page at once, spread
  // over the host's worker threads, each page rewritten atomically.
  parallel: false,
});

const CHECKS_ELEVENTY = {
  dir: CHECKS.dir,
  paired: CHECKS.stringList,
  async: (v) => typeof v === 'boolean' || CHECKS.stringList(v) === true || 'must be true, false or an array of plugin names, like ["uppercase"]',
  hooks: CHECKS.hooks,
  plugins: checkPlugins,
  parallel: CHECKS.boolean,
};

/**
 * The Eleventy plugin. Eleventy 3 awaits the promise it returns.
 *
 * @param {object} eleventyConfig  Eleventy's configuration API
 * @param {object} [options]  see DEFAULTS, plus the host options (cacheDir, threads, timeoutMs, memoryLimitMb)
 */
function alloyWasm(eleventyConfig, options) {
  // Checked before anything async: Eleventy 2 would not await the promise,
  // and its error would go unnoticed.
  requireEleventy3(eleventyConfig);
  const root = process.cwd(); // Eleventy's working directory, the site root
  const { adapter, host: hostOptions } = resolveAdapterOptions('eleventy', options, {
    defaults: DEFAULTS,
    checks: CHECKS_ELEVENTY,
    root,
  });
  const site = new EleventyHost(adapter.dir, withFolders(hostOptions, root), adapter.hooks, adapter.plugins);
  return loadAndRegister(eleventyConfig, site, adapter);
}

async function loadAndRegister(eleventyConfig, site, adapter) {
  const host = await site.load();
  try {
    register(eleventyConfig, site, host.plugins(), adapter);
  } catch (err) {
    await site.close();
    throw err;
  }
}

/** Registers the filters, shortcodes, transform and build events of one loaded folder. */
function register(eleventyConfig, site, plugins, { paired, async: asyncOption, parallel }) {
  const byName = new Map(plugins.map((info) => [info.name, info]));
  checkNamed(paired, 'paired', byName, 'shortcode');
  if (Array.isArray(asyncOption)) checkNamed(asyncOption, 'async', byName);
  const isAsync = (name) => asyncOption === true || (Array.isArray(asyncOption) && asyncOption.includes(name));

  const filters = new Names('filter');
  const shortcodes = new Names('shortcode');
  for (const info of plugins) {
    // A plugin with only filter_args is a filter too (called with "args": [] when there are none).
    if (info.exports.includes('filter') || info.exports.includes('filter_args')) filters.add(info.name);
    if (info.exports.includes('shortcode')) shortcodes.add(info.name);
  }
  for (const [alias, name] of filters) {
    eleventyConfig.addFilter(alias, makeFilter(site, name, isAsync(name)));
  }
  for (const [alias, name] of shortcodes) {
    if (paired.includes(name)) {
      eleventyConfig.addPairedShortcode(alias, makePairedShortcode(site, name, isAsync(name)));
    } else {
      eleventyConfig.addShortcode(alias, makeShortcode(site, name, isAsync(name)));
    }
  }

  // Named after the folder, so two instances of the adapter keep two transforms.
  eleventyConfig.addTransform(`alloy-wasm:${site.dir}`, async function alloyWasmTransform(content) {
    return transformPage(site, this.page, content);
  });

  // A changed, added or removed plugin resets the configuration (and so
  // runs alloyWasm again) under --watch and --serve.
  eleventyConfig.addWatchTarget(watchGlob(site.dir), { resetConfig: true });
  eleventyConfig.on('eleventy.before', async ({ runMode, outputMode, directories }) => {
    // The parallel pass reads the written pages: only for output to files.
    site.beginBuild(runMode, parallel && outputMode === 'fs');
    await site.refresh();
    await site.runBuildHook('onConfig', { runMode, outputMode, directories: directoriesOf(directories) });
  });
  eleventyConfig.on('eleventy.after', async ({ runMode, directories, results }) => {
    try {
      if (site.pagesAfterBuild) await site.runPagePass(results);
      await site.runBuildHook('onBuildComplete', {
        OutputDir: directories?.output ?? '',
        PageCount: Array.isArray(results) ? results.length : 0,
        PagesSkipped: 0,
        Duration: site.buildNanoseconds(),
      });
    } finally {
      site.endBuild();
      // A watching Eleventy keeps the host for the next build.
      if (runMode !== 'watch' && runMode !== 'serve') await site.close();
    }
  });
  // Under --watch and --serve: the changed files, before the rebuild (and
  // before a changed plugin folder resets the configuration).
  eleventyConfig.on('eleventy.beforeWatch', (queue) => site.runWatchHook('onFileChanged', {
    changes: (Array.isArray(queue) ? queue : []).map((file) => ({ Path: file, IsRemove: !fs.existsSync(file) })),
  }));
  eleventyConfig.on('eleventy.reset', () => site.close());
}

/** Eleventy's project folders, as the onConfig payload carries them. */
function directoriesOf(directories = {}) {
  const out = {};
  for (const key of ['input', 'output', 'includes', 'data', 'layouts']) {
    if (typeof directories[key] === 'string') out[key] = directories[key];
  }
  return out;
}

/** The names (and camelCase aliases) registered for one kind; a clash is an error. */
class Names {
  #kind;
  #owner = new Map(); // registered name -> plugin

  constructor(kind) {
    this.#kind = kind;
  }

  add(plugin) {
    for (const name of new Set([plugin, camelAlias(plugin)])) {
      const other = this.#owner.get(name);
      if (other !== undefined) {
        throw adapterError('eleventy', [
          `plugins "${other}" and "${plugin}" would both register the ${this.#kind} "${name}"; rename one of the .wasm files`,
        ]);
      }
      this.#owner.set(name, plugin);
    }
  }

  [Symbol.iterator]() {
    return this.#owner.entries();
  }
}

/** Every name of an option list must be a loaded plugin (with `exportName`, when given). */
function checkNamed(names, option, byName, exportName) {
  const problems = [];
  for (const name of names) {
    const info = byName.get(name);
    if (info === undefined) {
      problems.push(`option "${option}" names "${name}", but there is no ${name}.wasm in the plugins folder (loaded: ${[...byName.keys()].join(', ') || 'none'})`);
    } else if (exportName && !info.exports.includes(exportName)) {
      problems.push(`option "${option}" names "${name}", but that plugin has no ${exportName} export`);
    }
  }
  if (problems.length > 0) throw adapterError('eleventy', problems);
}

/** Throws a clear error on Eleventy 2 or older (or on a call that is not Eleventy's). */
function requireEleventy3(eleventyConfig) {
  if (!eleventyConfig || typeof eleventyConfig.addFilter !== 'function') {
    throw pluginError(ErrorCodes.INVALID_INPUT, `${PREFIX} eleventy: the first argument must be Eleventy's configuration; use eleventyConfig.addPlugin(alloyWasm, options) in your Eleventy config file`);
  }
  let found = null;
  if (typeof eleventyConfig.versionCheck !== 'function') {
    found = 'an older version'; // versionCheck exists since Eleventy 2.0
  } else {
    try {
      eleventyConfig.versionCheck('>=3.0.0-alpha.1');
    } catch (err) {
      const version = /(\d+\.\d+\.\d+[^\s'"`]*)/.exec(String(err && err.message));
      found = version ? version[1] : 'an older version';
    }
  }
  if (found !== null) {
    throw pluginError(ErrorCodes.INVALID_INPUT, `${PREFIX} eleventy: alloy-wasm needs Eleventy 3 or newer, found ${found}; upgrade with \`npm install --save-dev @11ty/eleventy@3\``);
  }
}

/** The glob of the folder's plugins, relative to the working directory when inside it (as Eleventy's own watch targets are). */
function watchGlob(dir) {
  const relative = path.relative(process.cwd(), dir);
  const base = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : dir;
  return path.join(base, '*.wasm').split(path.sep).join('/');
}

alloyWasm.DEFAULTS = DEFAULTS;

module.exports = alloyWasm;
