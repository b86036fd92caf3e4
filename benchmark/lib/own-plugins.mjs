// Builds the benchmark's own plugins (benchmark/build-plugins.sh: the load
// and the stall plugin) before a run; a no-op when they are up to date.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { BUILD_PLUGINS_SCRIPT, LOAD_PLUGIN, LOOP_PLUGIN, root } from './paths.mjs';

/** Runs the build script; throws with its output when it fails. */
export function buildOwnPlugins() {
  const run = spawnSync('bash', [BUILD_PLUGINS_SCRIPT], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`[alloy-wasm] ${path.relative(root, BUILD_PLUGINS_SCRIPT)} failed (exit ${run.status ?? run.signal}):\n${run.stdout}${run.stderr}`);
  }
  for (const file of [LOAD_PLUGIN, LOOP_PLUGIN]) {
    if (!existsSync(file)) throw new Error(`[alloy-wasm] ${path.relative(root, BUILD_PLUGINS_SCRIPT)} did not build ${path.relative(root, file)}`);
  }
}
