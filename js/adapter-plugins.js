'use strict';
// The adapters' `plugins` option: per plugin, which pages its hooks run on
// (`pages`, globs over the page URL with Alloy's semantics), the priority
// of its hooks (`priority`, instead of 50) and its configuration (`config`,
// passed on to the host, which hands it to the plugin's `configure` export):
//
//   plugins: { 'lazy-images': { pages: '/blog/**', priority: 10, config: { ... } } }
//
// Globs are matched by picomatch: the matcher of micromatch, fast-glob,
// chokidar and Eleventy itself (already in every Eleventy install), with no
// dependencies of its own, and the same `**` semantics as Alloy's Go
// matcher (`/blog/**` matches `/blog/` and every page below it).

const picomatch = require('picomatch');
const { PAGE_EVENTS } = require('./lifecycle-events');

const KEYS = Object.freeze(['pages', 'priority', 'config']);

/**
 * Alloy's other scope keys, and why the adapters refuse them (a key that
 * silently did nothing would be worse).
 */
const UNSUPPORTED = Object.freeze({
  data: 'is not supported: no payload of the adapters carries site data (Eleventy and Astro give their plugins no site-wide data object to scope)',
  pageFields: 'is not supported: the adapters run only per-page and per-build events, whose payloads have a fixed shape (Alloy applies pageFields only to batch events such as onContentLoaded)',
});

const SHAPE = 'must be an object of plugin names, like { "lazy-images": { pages: "/blog/**", priority: 10, config: {} } }';

/** Checks the option's shape (not its names: those are known once the folder is loaded). */
function checkPlugins(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return SHAPE;
  const problems = [];
  for (const [name, entry] of Object.entries(value)) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push(`entry "${name}" must be an object with any of ${KEYS.join(', ')}`);
      continue;
    }
    for (const key of Object.keys(entry)) {
      if (Object.hasOwn(UNSUPPORTED, key)) problems.push(`entry "${name}": key "${key}" ${UNSUPPORTED[key]}`);
      else if (!KEYS.includes(key)) problems.push(`entry "${name}" has unknown key "${key}" (known: ${KEYS.join(', ')})`);
    }
    if (entry.pages !== undefined) {
      const verdict = checkPages(entry.pages);
      if (verdict !== true) problems.push(`entry "${name}": pages ${verdict}`);
    }
    if (entry.priority !== undefined && !(typeof entry.priority === 'number' && Number.isFinite(entry.priority))) {
      problems.push(`entry "${name}": priority must be a finite number (lower runs first; the default is 50)`);
    }
  }
  return problems.length === 0 ? true : `${SHAPE}; ${problems.join('; ')}`;
}

const PAGES_SHAPE = 'must be true (every page), false (none), a glob over the page URL like "/blog/**", or a non-empty array of such globs';

function checkPages(pages) {
  if (typeof pages === 'boolean') return true;
  if (pages !== null && typeof pages === 'object' && !Array.isArray(pages)) {
    return `${PAGES_SHAPE}; a taxonomy filter like { tags: [...] } is not supported (the adapters' page payloads carry no taxonomy terms)`;
  }
  const globs = Array.isArray(pages) ? pages : [pages];
  if (globs.length === 0) return PAGES_SHAPE;
  for (const glob of globs) {
    if (typeof glob !== 'string' || glob.length === 0) return PAGES_SHAPE;
    // Page URLs start with "/": "blog/**" would match no page at all.
    if (/^[\w.-]/.test(glob) && glob !== '**') return `${PAGES_SHAPE}; "${glob}" matches no page URL, which starts with "/": write "/${glob}"`;
    try {
      picomatch.makeRe(glob, { strictBrackets: true });
    } catch (err) {
      return `${PAGES_SHAPE}; "${glob}" is not a valid glob: ${err.message}`;
    }
  }
  return true;
}

/**
 * Whether a `pages` value lets a hook run on the page at `url`: true or "**"
 * every page, false none, globs any page whose URL matches one of them.
 */
function pageMatcher(pages) {
  if (pages === undefined || pages === true) return () => true;
  if (pages === false) return () => false;
  const isMatch = picomatch(pages, { dot: true });
  return (url) => typeof url === 'string' && isMatch(url);
}

/**
 * The hook scope of each named plugin, for PluginHost#scopeHooks:
 * { priority, applies(payload) }; `applies` filters only per-page events
 * (build events have no page to match).
 */
function hookScopes(plugins) {
  const scopes = new Map();
  for (const [name, entry] of Object.entries(plugins)) {
    if (entry.pages === undefined && entry.priority === undefined) continue;
    const matches = pageMatcher(entry.pages);
    scopes.set(name, {
      priority: entry.priority,
      applies: entry.pages === undefined ? undefined : (payload) => !PAGE_EVENTS.includes(payload.event) || matches(payload.url),
    });
  }
  return scopes;
}

/** The host's `plugins` option ({ name: { config } }), or undefined when no entry has a config. */
function hostPlugins(plugins) {
  const entries = Object.entries(plugins).filter(([, entry]) => entry.config !== undefined);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([name, entry]) => [name, { config: entry.config }]));
}

/** The names of `plugins` that are not loaded, as problems for an INVALID_OPTIONS error ([] when all are). */
function unknownPluginNames(plugins, loaded) {
  const names = new Set(loaded);
  return Object.keys(plugins)
    .filter((name) => !names.has(name))
    .map((name) => `option "plugins" names "${name}", but there is no ${name}.wasm in the plugins folder (loaded: ${[...names].join(', ') || 'none'})`);
}

/** Applies the scopes to a loaded host (after checking the names); throws the adapter's INVALID_OPTIONS error. */
function applyPluginOptions(host, plugins, invalid) {
  const problems = unknownPluginNames(plugins, host.plugins().map((info) => info.name));
  if (problems.length > 0) throw invalid(problems);
  for (const [name, scope] of hookScopes(plugins)) host.scopeHooks(name, scope);
}

module.exports = { checkPlugins, pageMatcher, hookScopes, hostPlugins, unknownPluginNames, applyPluginOptions, KEYS };
