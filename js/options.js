'use strict';
// Host options: the defaults in one place, and one validation that names
// every bad option on its own line.

const { pluginError, ErrorCodes } = require('./errors');

/** The options a host takes, with their defaults. */
const DEFAULT_OPTIONS = Object.freeze({
  // Compiled-module cache folder, relative to the working directory; null disables it.
  cacheDir: '.alloy/wasm-cache',
  // Worker threads for async and batch calls; 0 = one per available core.
  threads: 0,
  // Time limit of one call in milliseconds; a plugin that runs longer is stopped (TIMEOUT).
  timeoutMs: 1000,
  // Linear-memory cap of one plugin instance in MiB (MEMORY_LIMIT past it).
  memoryLimitMb: 256,
});

const CHECKS = {
  cacheDir: (v) => v === null || (typeof v === 'string' && v.length > 0) || 'must be a non-empty string or null',
  threads: (v) => (Number.isInteger(v) && v >= 0 && v <= 1024) || 'must be a whole number from 0 to 1024',
  timeoutMs: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 2 ** 31) || 'must be a number of milliseconds above 0',
  memoryLimitMb: (v) => (Number.isInteger(v) && v >= 1 && v <= 4096) || 'must be a whole number of MiB from 1 to 4096',
};

/**
 * The options with defaults filled in; throws INVALID_OPTIONS naming every
 * problem.
 */
function resolveOptions(options) {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw pluginError(ErrorCodes.INVALID_OPTIONS, 'options must be an object');
  }
  const problems = [];
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_OPTIONS)) {
      problems.push(`unknown option "${key}" (known: ${Object.keys(DEFAULT_OPTIONS).join(', ')})`);
    } else if (options[key] !== undefined) {
      const verdict = CHECKS[key](options[key]);
      if (verdict !== true) problems.push(`option "${key}" ${verdict}, got ${describe(options[key])}`);
    }
  }
  if (problems.length > 0) {
    throw pluginError(ErrorCodes.INVALID_OPTIONS, `invalid options: ${problems.join('; ')}`);
  }
  const resolved = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) resolved[key] = value;
  return resolved;
}

function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

module.exports = { DEFAULT_OPTIONS, resolveOptions };
