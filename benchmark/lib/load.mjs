// One-time costs: loading a plugin with an empty cache folder (wasmtime
// compiles it: "cold") and again with the folder the cold load filled
// ("warm"), each through PluginHost.create + add as a user would.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import alloy from '../../js/index.js';
import { median, now } from './stats.mjs';
import { TITLE } from './inputs.mjs';

const { PluginHost } = alloy;

async function timedLoad(wasmPath, cacheDir) {
  const start = now();
  const host = await PluginHost.create({ cacheDir });
  const created = now();
  const info = await host.add('plugin', wasmPath);
  const ms = (now() - start) / 1e6;
  const addMs = (now() - created) / 1e6;
  // The loaded plugin must work, and give the same output however it was loaded.
  const output = host.filterSync('plugin', TITLE);
  await host.close();
  return { ms, addMs, output, cache: info.cache ?? null, compileMs: info.compileMs ?? null };
}

/**
 * Medians over `rounds` cold/warm pairs: { bytes, coldMs, warmMs, speedup, cold, warm };
 * cold and warm hold the median total (create + add), add() alone, and the
 * compileMs and cache state the plugin info reports (null when it does not).
 */
export async function timeLoads(wasmPath, rounds) {
  const cold = [];
  const warm = [];
  for (let r = 0; r < rounds; r++) {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'alloy-bench-load-'));
    try {
      const first = await timedLoad(wasmPath, cacheDir);
      // A cold load served from anywhere but a compile would time the wrong thing.
      if (first.cache !== null && first.cache !== 'miss') {
        throw new Error(`the load with an empty cache folder reported cache "${first.cache}", not "miss"`);
      }
      const second = await timedLoad(wasmPath, cacheDir);
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
    ms: median(loads.map((l) => l.ms)),
    addMs: median(loads.map((l) => l.addMs)),
    compileMs: loads.every((l) => l.compileMs !== null) ? median(loads.map((l) => l.compileMs)) : null,
    cache: oneOrAll(loads.map((l) => l.cache)),
    samplesMs: loads.map((l) => l.ms),
  });
  const coldSummary = summary(cold);
  const warmSummary = summary(warm);
  return {
    plugin: path.basename(wasmPath),
    bytes: statSync(wasmPath).size,
    coldMs: coldSummary.ms,
    warmMs: warmSummary.ms,
    speedup: coldSummary.ms / warmSummary.ms,
    cold: coldSummary,
    warm: warmSummary,
  };
}

/** The value every load reported, or all of them joined when they differ. */
function oneOrAll(values) {
  const distinct = [...new Set(values)];
  return distinct.length === 1 ? distinct[0] : distinct.join('/');
}
