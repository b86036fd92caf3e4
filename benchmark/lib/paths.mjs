// Where the benchmark's plugins are. Most are built from source by
// scripts/build-fixtures.sh (build/fixtures/); the two only the benchmark uses
// by benchmark/build-plugins.sh (build/benchmark/), which the benchmark runs itself.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const plugins = path.join(root, 'build/fixtures/plugins');
const bench = path.join(root, 'build/fixtures/bench');
const own = path.join(root, 'build/benchmark');

/** The Alloy filter plugins (also what V8-direct WebAssembly runs), by benchmark filter name. */
export const ALLOY_PLUGINS = {
  'word-count': path.join(plugins, 'word-count.wasm'),
  slugify: path.join(bench, 'slugify.wasm'),
  'lazy-images': path.join(bench, 'lazy-images-filter.wasm'),
};

/** The Extism build of the same filters (benchmark/extism/filters.ts). */
export const EXTISM_PLUGIN = path.join(bench, 'extism-filters.wasm');

/** A Rust Markdown plugin of ~370 KB for the cold/warm load timing (benchmark/plugins/markdown-page/). */
export const LOAD_PLUGIN = path.join(own, 'markdown-page.wasm');

/** Echoes its input, or loops until the time limit when it starts with "loop" (benchmark/plugins/sometimes-loops.wat). */
export const LOOP_PLUGIN = path.join(own, 'sometimes-loops.wasm');

/** The script that builds LOAD_PLUGIN and LOOP_PLUGIN. */
export const BUILD_PLUGINS_SCRIPT = path.join(root, 'benchmark/build-plugins.sh');

/** Throws, naming the fix, when a plugin the benchmark needs has not been built. */
export function assertBuilt() {
  const missing = [...Object.values(ALLOY_PLUGINS), EXTISM_PLUGIN].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`[alloy-wasm] benchmark plugins are missing (${missing.map((p) => path.relative(root, p)).join(', ')}): run \`npm run build:fixtures\` first`);
  }
}
