// One-time costs (goal 6 of issue 10): loading a plugin in a fresh Node
// process with an empty cache folder (wasmtime compiles it: "cold"), then in
// another fresh process with the folder the cold load filled ("warm"). Each
// load is PluginHost.create + add, timed inside the child (load-child.mjs)
// from just before to just after it, so Node's startup is not counted; the
// child also times `require` of alloy-wasm, reported beside it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { median, now } from './stats.mjs';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-child.mjs');
const INPUT = '# Ten Tips\n\nFaster *static* site builds: see [the list](/tips/).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n';

async function loadInFreshProcess(wasmPath, cacheDir) {
  const start = now();
  const { stdout } = await promisify(execFile)(process.execPath, [CHILD, wasmPath, cacheDir, INPUT], { encoding: 'utf8' });
  const processMs = (now() - start) / 1e6;
  return { ...JSON.parse(stdout), processMs };
}

/**
 * Medians over `rounds` cold/warm pairs, each load in its own process:
 * { plugin, bytes, coldMs, warmMs, speedup, withRequire: { coldMs, warmMs, speedup }, cold, warm }.
 * coldMs and warmMs are create + add alone; cold and warm also hold require,
 * the whole process (Node startup included), compileMs and the cache state.
 */
export async function timeLoads(wasmPath, rounds) {
  const cold = [];
  const warm = [];
  for (let r = 0; r < rounds; r++) {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'alloy-bench-load-'));
    try {
      const first = await loadInFreshProcess(wasmPath, cacheDir);
      // A cold load served from anywhere but a compile would time the wrong thing.
      if (first.cache !== null && first.cache !== 'miss') {
        throw new Error(`the load with an empty cache folder reported cache "${first.cache}", not "miss"`);
      }
      const second = await loadInFreshProcess(wasmPath, cacheDir);
      if (second.cache !== null && second.cache !== 'hit') {
        throw new Error(`the load with a filled cache folder reported cache "${second.cache}", not "hit"`);
      }
      if (first.output !== second.output) {
        throw new Error(`a plugin loaded from the cache gives different output: ${JSON.stringify(first.output)} vs ${JSON.stringify(second.output)}`);
      }
      cold.push(first);
      warm.push(second);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  const summary = (loads) => ({
    ms: median(loads.map((l) => l.loadMs)),
    requireMs: median(loads.map((l) => l.requireMs)),
    withRequireMs: median(loads.map((l) => l.requireMs + l.loadMs)),
    processMs: median(loads.map((l) => l.processMs)),
    compileMs: loads.every((l) => l.compileMs !== null) ? median(loads.map((l) => l.compileMs)) : null,
    cache: oneOrAll(loads.map((l) => l.cache)),
    samplesMs: loads.map((l) => l.loadMs),
  });
  const c = summary(cold);
  const w = summary(warm);
  return {
    plugin: path.basename(wasmPath),
    bytes: statSync(wasmPath).size,
    rounds,
    coldMs: c.ms,
    warmMs: w.ms,
    speedup: c.ms / w.ms,
    withRequire: { coldMs: c.withRequireMs, warmMs: w.withRequireMs, speedup: c.withRequireMs / w.withRequireMs },
    cold: c,
    warm: w,
  };
}

/** The value every load reported, or all of them joined when they differ. */
function oneOrAll(values) {
  const distinct = [...new Set(values)];
  return distinct.length === 1 ? distinct[0] : distinct.join('/');
}
