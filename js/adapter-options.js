'use strict';
// Options of the site-generator adapters (Eleventy, Astro): each adapter's
// own keys, checked against its commented defaults, plus every host option,
// checked by the host's own validation. One error names every problem and
// how to fix it, prefixed so it stands out in a build log.

const path = require('node:path');
const { DEFAULT_OPTIONS, resolveOptions } = require('./options');
const { PluginError, ErrorCodes } = require('./errors');

const PREFIX = '[alloy-wasm]';

/**
 * Splits and validates an adapter's options.
 *
 * @param {string} adapter  'eleventy' or 'astro', for messages
 * @param {object|undefined} options  what the user passed
 * @param {{defaults: object, checks: object, root: string}} spec
 *   defaults: the adapter's own keys with their defaults (must include `dir`);
 *   checks: key -> (value) => true | 'what it must be';
 *   root: the folder a relative `dir` is resolved against.
 * @returns {{adapter: object, host: object}} the adapter's keys (with `dir`
 *   made absolute) and the host options, both with defaults filled in
 */
function resolveAdapterOptions(adapter, options, { defaults, checks, root }) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw adapterError(adapter, [`options must be an object, like { dir: 'plugins' }; got ${typeof options}`]);
  }
  const problems = [];
  const own = { ...defaults };
  const hostGiven = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key in defaults) {
      const verdict = checks[key] ? checks[key](value) : true;
      if (verdict === true) own[key] = value;
      else problems.push(`option "${key}" ${verdict}`);
    } else if (key in DEFAULT_OPTIONS) {
      hostGiven[key] = value;
    } else {
      const known = [...Object.keys(defaults), ...Object.keys(DEFAULT_OPTIONS)];
      problems.push(`unknown option "${key}"; known options: ${known.join(', ')}`);
    }
  }
  let host;
  try {
    host = resolveOptions(hostGiven);
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    problems.push(err.message.replace(/ \[INVALID_OPTIONS\]$/, ''));
  }
  if (problems.length > 0) throw adapterError(adapter, problems);
  own.dir = path.resolve(root, own.dir);
  return { adapter: own, host };
}

/** An INVALID_OPTIONS PluginError in the adapters' message style. */
function adapterError(adapter, problems) {
  const message = `${PREFIX} ${adapter}: ${problems.join('; ')} [${ErrorCodes.INVALID_OPTIONS}]`;
  return new PluginError(message, { code: ErrorCodes.INVALID_OPTIONS });
}

/**
 * A message on one line, as a build log shows it best: native messages can
 * span lines (wasmtime's parse errors list expected and actual bytes one per
 * line), and so could a plugin's own.
 */
function oneLine(message) {
  return String(message)
    .replace(/\[\s*\n\s*/g, '[')
    .replace(/,?\s*\n\s*\]/g, ']')
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim();
}

/**
 * `err` (a PluginError) with its message on one line, the fields kept; the
 * adapters wrap this, not the original, so no line of the log runs over.
 */
function oneLineError(err) {
  if (!(err instanceof PluginError) || !/[\r\n]/.test(err.message)) return err;
  const copy = new PluginError(oneLine(err.message), { code: err.code, plugin: err.plugin, export: err.export, index: err.index });
  for (const key of Object.keys(err)) if (!(key in copy)) copy[key] = err[key];
  return copy;
}

/** Checks shared by the adapters. */
const CHECKS = Object.freeze({
  dir: (v) => (typeof v === 'string' && v.length > 0) || 'must be a folder path (a non-empty string), like "plugins"',
  stringList: (v) =>
    (Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0)) ||
    'must be an array of plugin names, like ["callout"]',
  boolean: (v) => typeof v === 'boolean' || 'must be true or false',
  hooks: checkHooks,
});

const HOOK_KEYS = new Set(['event', 'priority', 'handler']);

/** JS hook handlers: [{ event, priority?, handler }]. */
function checkHooks(value) {
  const shape = 'must be an array of { event, priority, handler }, like [{ event: "onContentTransformed", priority: 10, handler: (page) => page }]';
  if (!Array.isArray(value)) return shape;
  for (const [i, hook] of value.entries()) {
    if (hook === null || typeof hook !== 'object') return `${shape}; entry #${i} is not an object`;
    const unknown = Object.keys(hook).filter((key) => !HOOK_KEYS.has(key));
    if (unknown.length > 0) return `${shape}; entry #${i} has unknown key "${unknown[0]}"`;
    if (typeof hook.event !== 'string' || hook.event.length === 0) return `${shape}; entry #${i} needs an event name`;
    if (typeof hook.handler !== 'function') return `${shape}; entry #${i} needs a handler function`;
    if (hook.priority !== undefined && !(typeof hook.priority === 'number' && Number.isFinite(hook.priority))) {
      return `${shape}; entry #${i} needs a finite number as priority`;
    }
  }
  return true;
}

module.exports = { resolveAdapterOptions, adapterError, oneLine, oneLineError, CHECKS, PREFIX };
