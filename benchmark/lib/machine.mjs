// What the numbers were measured on: machine, runtimes and package versions.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { root } from './paths.mjs';

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** The version of `crate` in Cargo.lock (the wasmtime alloy-wasm was built with). */
function lockedCrateVersion(crate) {
  try {
    const lock = readFileSync(path.join(root, 'Cargo.lock'), 'utf8');
    return lock.match(new RegExp(`name = "${crate}"\\nversion = "([^"]+)"`))?.[1] ?? null;
  } catch {
    return null;
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The 1, 5 and 15 minute load averages, rounded to two decimals. */
export function loadAverage() {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** `loadAverage`: { start, end } of the run, taken by the caller. */
export function describeMachine(loadAverageOfRun) {
  return {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      loadAverage: loadAverageOfRun,
    },
    versions: {
      node: process.version,
      v8: process.versions.v8,
      'alloy-wasm': JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version,
      wasmtime: lockedCrateVersion('wasmtime'),
      'quickjs-emscripten': packageVersion('quickjs-emscripten'),
      '@extism/extism': packageVersion('@extism/extism'),
      '@extism/as-pdk': packageVersion('@extism/as-pdk'),
      assemblyscript: packageVersion('assemblyscript'),
    },
    commit: gitCommit(),
  };
}
