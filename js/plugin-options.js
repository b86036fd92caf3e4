'use strict';
// What the host takes per plugin besides its bytes: `plugins: { <name>: { config } }`
// (load/create) and add()'s `config`, and filter arguments. Each must be plain
// JSON data, checked here so that a value JSON.stringify would silently change
// (undefined, a function, NaN, a Date, a Map) is refused instead.

const { ErrorCodes, pluginError } = require('./errors');

/** The keys a plugin's entry in `plugins` may have (adapters take their own out first). */
const PLUGIN_KEYS = ['config'];

/** Deepest nesting a config or an argument may have. */
const MAX_DEPTH = 64;

/**
 * Why `value` is not plain JSON data (a string naming where and what), or
 * null when it is: null, booleans, finite numbers, strings, arrays and plain
 * objects of these, without cycles.
 */
function notJson(value, where = 'it', depth = 0, seen = new Set()) {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${where} is ${value}, which JSON cannot hold`;
  if (typeof value !== 'object') return `${where} is ${describe(value)}, which is not JSON`;
  if (depth >= MAX_DEPTH) return `${where} is nested more than ${MAX_DEPTH} levels deep`;
  if (seen.has(value)) return `${where} refers to itself (a cycle)`;
  const proto = Object.getPrototypeOf(value);
  const isArray = Array.isArray(value);
  if (!isArray && proto !== Object.prototype && proto !== null) {
    return `${where} is ${describe(value)}, not a plain object, array or JSON scalar`;
  }
  seen.add(value);
  try {
    if (isArray) {
      // An index loop: forEach would skip holes, which JSON.stringify makes null.
      for (let i = 0; i < value.length; i++) {
        const why = notJson(value[i], `${where}[${i}]`, depth + 1, seen);
        if (why !== null) return why;
      }
    } else {
      for (const key of Object.keys(value)) {
        const why = notJson(value[key], `${where}.${key}`, depth + 1, seen);
        if (why !== null) return why;
      }
    }
    return null;
  } finally {
    seen.delete(value);
  }
}

/**
 * The `plugins` option as a Map of plugin name to its config as JSON text,
 * or null for an entry without one; INVALID_OPTIONS naming the plugin and key.
 */
function pluginConfigs(plugins) {
  const configs = new Map();
  if (plugins === undefined) return configs;
  if (!isPlainObject(plugins)) {
    throw pluginError(ErrorCodes.INVALID_OPTIONS, `option "plugins" must be an object like { "<plugin name>": { config: {...} } }, got ${describe(plugins)}`);
  }
  for (const [name, entry] of Object.entries(plugins)) {
    if (!isPlainObject(entry)) {
      throw pluginError(ErrorCodes.INVALID_OPTIONS, `option plugins["${name}"] must be an object like { config: {...} }, got ${describe(entry)}`, { plugin: name });
    }
    for (const key of Object.keys(entry)) {
      if (!PLUGIN_KEYS.includes(key)) {
        throw pluginError(ErrorCodes.INVALID_OPTIONS, `unknown key "${key}" in option plugins["${name}"] (known: ${PLUGIN_KEYS.join(', ')})`, { plugin: name });
      }
    }
    configs.set(name, configJson(entry.config, name, `plugins["${name}"].config`) ?? null);
  }
  return configs;
}

/** A config as JSON text; undefined when none is given. INVALID_OPTIONS when it is not JSON data. */
function configJson(config, plugin, where) {
  if (config === undefined) return undefined;
  const why = notJson(config, where);
  if (why !== null) throw pluginError(ErrorCodes.INVALID_OPTIONS, `the config must be JSON data: ${why}`, { plugin });
  return JSON.stringify(config);
}

/**
 * Filter arguments as a JSON array text; undefined when there are none
 * (undefined or an empty array). INVALID_INPUT when `args` is not an array of
 * JSON values.
 */
function argsJson(args, plugin) {
  if (args === undefined) return undefined;
  const fields = { plugin, export: 'filter' };
  if (!Array.isArray(args)) {
    throw pluginError(ErrorCodes.INVALID_INPUT, `filter arguments must be an array of JSON values, got ${describe(args)}`, fields);
  }
  if (args.length === 0) return undefined;
  const why = notJson(args, 'args');
  if (why !== null) throw pluginError(ErrorCodes.INVALID_INPUT, `filter arguments must be JSON values: ${why}`, fields);
  return JSON.stringify(args);
}

/**
 * Which export a filter call goes to, given the plugin's filter exports and
 * the arguments' JSON (undefined: none): `filter` without arguments when the
 * plugin has it, else `filter_args` (with "args": [] when there are none).
 * INVALID_INPUT when there are arguments and no filter_args.
 */
function filterExport(fns, plugin, args) {
  if (args === undefined) return fns.hasFilter || !fns.hasFilterArgs ? 'filter' : 'filter_args';
  if (!fns.hasFilterArgs) {
    throw pluginError(ErrorCodes.INVALID_INPUT, `the filter takes no arguments (got ${JSON.parse(args).length}): the plugin does not export filter_args(ptr, len) -> (ptr, len)`, { plugin, export: 'filter' });
  }
  return 'filter_args';
}

function isPlainObject(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const name = value.constructor && value.constructor.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  if (typeof value === 'bigint') return 'a bigint';
  return typeof value;
}

module.exports = { PLUGIN_KEYS, pluginConfigs, configJson, argsJson, filterExport, notJson };
