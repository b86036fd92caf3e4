// Where the benchmark's plugins are: built from source by scripts/build-fixtures.sh.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const plugins = path.join(root, 'build/fixtures/plugins');
const bench = path.join(root, 'build/fixtures/bench');

/** The Alloy filter plugins (also what V8-direct WebAssembly runs), by benchmark filter name. */
export const ALLOY_PLUGINS = {
  'word-count': path.join(plugins, 'word-count.wasm'),
  slugify: path.join(bench, 'slugify.wasm'),
  'lazy-images': path.join(bench, 'lazy-images-filter.wasm'),
};

/** The Extism build of the same filters (benchmark/extism/filters.ts). */
export const EXTISM_PLUGIN = path.join(bench, 'extism-filters.wasm');

/** A Rust plugin of a few hundred KB for the cold/warm load timing (benchmark/plugins/text-stats.rs). */
export const LOAD_PLUGIN = path.join(bench, 'text-stats.wasm');

/** Throws, naming the fix, when a plugin the benchmark needs has not been built. */
export function assertBuilt() {
  const missing = [...Object.values(ALLOY_PLUGINS), EXTISM_PLUGIN, LOAD_PLUGIN].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`[alloy-wasm] benchmark plugins are missing (${missing.map((p) => path.relative(root, p)).join(', ')}): run \`npm run build:fixtures\` first`);
  }
}
