// One plugin load in a fresh process, spawned by load.mjs (goal 6 of issue 10).
// Usage: node load-child.mjs WASM CACHE_DIR INPUT
// Times, inside this process, `require` of alloy-wasm (the addon and its JS)
// and then PluginHost.create + add of WASM with CACHE_DIR; Node's own startup
// is outside both. Prints one JSON line:
//   { requireMs, loadMs, cache, compileMs, output }
// where output is the plugin's filterSync(INPUT) (so loads can be compared).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [wasmPath, cacheDir, input] = process.argv.slice(2);
const index = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../js/index.js');
const require = createRequire(import.meta.url);
const now = () => Number(process.hrtime.bigint());

const start = now();
const { PluginHost } = require(index);
const required = now();
const host = await PluginHost.create({ cacheDir });
const info = await host.add('plugin', wasmPath);
const loaded = now();

const output = host.filterSync('plugin', input);
await host.close();
process.stdout.write(`${JSON.stringify({
  requireMs: (required - start) / 1e6,
  loadMs: (loaded - required) / 1e6,
  cache: info.cache ?? null,
  compileMs: info.compileMs ?? null,
  output,
})}\n`);
