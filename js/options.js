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
  // The ABI has no free(), so most plugins grow their memory on every call:
  // an instance whose memory passes this many MiB is replaced by a fresh one
  // between calls. null = 32, or half of memoryLimitMb when that is smaller.
  recycleMemoryMb: null,
  // An instance is also replaced after this many calls; 0 = never.
  recycleAfterCalls: 10000,
  // Keep plugins' stdout/stderr for host.output(name): false discards it
  // (the default), true keeps up to 64 KiB per stream, a number sets that cap.
  captureOutput: false,
  // Remember outputs of pure plugins (same input, same output): true for
  // every plugin, or a list of plugin names. Off by default: not every
  // plugin is pure.
  memoize: false,
  // Size of the memoized outputs' shared LRU, in MiB.
  memoizeMb: 64,
});

/** captureOutput: true keeps this many bytes of each stream. */
const DEFAULT_CAPTURE_BYTES = 64 * 1024;

const CHECKS = {
  cacheDir: (v) => v === null || (typeof v === 'string' && v.length > 0) || 'must be a non-empty string or null',
  threads: (v) => (Number.isInteger(v) && v >= 0 && v <= 1024) || 'must be a whole number from 0 to 1024',
  timeoutMs: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 2 ** 31) || 'must be a number of milliseconds above 0',
  memoryLimitMb: (v) => (Number.isInteger(v) && v >= 1 && v <= 4096) || 'must be a whole number of MiB from 1 to 4096',
  recycleMemoryMb: (v) => v === null || (Number.isInteger(v) && v >= 1 && v <= 4096) || 'must be a whole number of MiB from 1 to 4096, or null',
  recycleAfterCalls: (v) => (Number.isInteger(v) && v >= 0) || 'must be a whole number of calls (0 = never)',
  captureOutput: (v) => typeof v === 'boolean' || (Number.isInteger(v) && v >= 1 && v <= 2 ** 30) || 'must be true, false, or a number of bytes from 1 to 2^30',
  memoize: (v) => typeof v === 'boolean' ||
    (Array.isArray(v) && v.every((n) => typeof n === 'string' && n.length > 0)) ||
    'must be true, false, or an array of plugin names',
  memoizeMb: (v) => (Number.isInteger(v) && v >= 1 && v <= 65536) || 'must be a whole number of MiB from 1 to 65536',
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
  if (resolved.recycleMemoryMb === null) {
    resolved.recycleMemoryMb = Math.max(1, Math.min(32, Math.floor(resolved.memoryLimitMb / 2)));
  } else if (resolved.recycleMemoryMb >= resolved.memoryLimitMb) {
    throw pluginError(ErrorCodes.INVALID_OPTIONS,
      `invalid options: option "recycleMemoryMb" (${resolved.recycleMemoryMb}) must be below "memoryLimitMb" (${resolved.memoryLimitMb}), ` +
      'or instances would hit the memory limit before they are recycled');
  }
  return resolved;
}

/** The cap in bytes of each captured stream, or undefined when capture is off. */
function captureBytes(captureOutput) {
  if (captureOutput === false) return undefined;
  return captureOutput === true ? DEFAULT_CAPTURE_BYTES : captureOutput;
}

function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

module.exports = { DEFAULT_OPTIONS, resolveOptions, captureBytes };
