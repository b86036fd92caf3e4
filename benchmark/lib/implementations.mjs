// Loads every implementation of the benchmark filters once, for the output
// check and the timings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { JS_FILTERS } from './js-filters.mjs';
import { loadQuickJSFilters } from './quickjs.mjs';
import { loadV8Filters } from './v8-wasm.mjs';
import { loadExtismFilters } from './extism.mjs';
import { loadAlloyHost } from './alloy.mjs';
import { ALLOY_PLUGINS, EXTISM_PLUGIN, assertBuilt } from './paths.mjs';

/** The filter names, in table order. */
export const FILTERS = Object.keys(JS_FILTERS);

/**
 * { js, quickjs, v8, extism: name -> function, alloy: PluginHost, close() }.
 * js, quickjs and v8 functions are sync; extism's return promises.
 */
export async function loadImplementations() {
  assertBuilt();
  // alloy-wasm gets its own empty cache folder: nothing cached by an earlier run.
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'alloy-bench-cache-'));
  const quickjs = await loadQuickJSFilters();
  const extism = await loadExtismFilters(EXTISM_PLUGIN);
  // The time limit is wall-clock: on a busy machine a preempted worker can pass
  // the default 1 s in a call that needs microseconds of CPU, and fail the run.
  // The limit's value does not change what a call costs.
  const alloy = await loadAlloyHost(ALLOY_PLUGINS, { cacheDir, timeoutMs: 60_000 });
  return {
    js: JS_FILTERS,
    quickjs: quickjs.filters,
    v8: await loadV8Filters(ALLOY_PLUGINS),
    extism: extism.filters,
    alloy,
    async close() {
      await alloy.close();
      await extism.close();
      quickjs.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}
