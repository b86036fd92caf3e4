'use strict';
// Host options: the defaults in one place, and one validation that names
// every bad option on its own line.

const path = require('node:path');

const { binding: native } = require('./native');
const { fromNative } = require('./errors');

/**
 * The options a host takes, with their defaults (from the Rust core, the one
 * source of truth; index.d.ts documents each):
 * - cacheDir '.alloy/wasm-cache': compiled-module cache folder, relative to
 *   the working directory; null disables it.
 * - threads 0: worker threads for async and batch calls; 0 = one per core.
 * - timeoutMs 1000: time limit of one call; a plugin that runs longer is
 *   stopped (TIMEOUT).
 * - memoryLimitMb 256: memory cap of one plugin instance (MEMORY_LIMIT).
 * - recycleMemoryMb null: the ABI has no free(), so most plugins grow their
 *   memory on every call; an instance past this many MiB is replaced between
 *   calls. null = 32, or half of memoryLimitMb when that is smaller.
 * - recycleAfterCalls 10000: an instance is also replaced after this many
 *   calls; 0 = never.
 * - captureOutput false: keep plugins' stdout/stderr for host.output(name);
 *   true keeps 64 KiB per stream, a number sets that cap.
 * - memoize false: remember outputs of pure plugins; true or plugin names in
 *   memory, or { dir, mb = 256, plugins = true } to keep them in the folder
 *   dir (relative to the working directory) between builds too.
 * - memoizeMb 64: size of the memoized outputs' shared LRU.
 */
const DEFAULT_OPTIONS = Object.freeze(native.defaultOptions());

/**
 * The options with defaults filled in; throws INVALID_OPTIONS naming every
 * problem (the Rust core validates).
 */
function resolveOptions(options) {
  // A key set to undefined means "the default", as if it were left out.
  const given = options !== null && typeof options === 'object' && !Array.isArray(options)
    ? Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
    : options;
  try {
    return native.resolveOptions(given);
  } catch (err) {
    throw fromNative(err);
  }
}

/**
 * Resolved options with their folders (cacheDir, memoize.dir) made absolute
 * against `root`: the site's root in the adapters, the working directory for
 * the native host.
 */
function withFolders(resolved, root) {
  const { cacheDir, memoize } = resolved;
  return {
    ...resolved,
    cacheDir: typeof cacheDir === 'string' ? path.resolve(root, cacheDir) : cacheDir,
    memoize: memoize !== null && typeof memoize === 'object' && !Array.isArray(memoize)
      ? { ...memoize, dir: path.resolve(root, memoize.dir) }
      : memoize,
  };
}

/** Resolved options as the native host takes them: folders absolute against the working directory. */
function nativeOptions(resolved) {
  return withFolders(resolved, process.cwd());
}

module.exports = { DEFAULT_OPTIONS, resolveOptions, nativeOptions, withFolders };
