// `npm test` must reuse the addon build's compiled dependencies (wasmtime above
// all) instead of building them again: every crate that both the addon build
// (napi build: --features napi-binding) and the test build (cargo test with
// dev-dependencies) use must get the same features in both, or cargo compiles it
// and everything above it twice. See scripts/cargo-test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { hostTriple } from '../scripts/cargo-test.mjs';
import { root } from './helpers.mjs';

/** name@version -> the feature sets cargo resolves for it (one per build unit). */
function features(args) {
  const out = execFileSync(
    'cargo',
    ['tree', '--offline', '--prefix', 'none', '--format', '{p}|{f}', '--target', hostTriple(), ...args],
    { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 },
  );
  const crates = new Map();
  for (const line of out.split('\n')) {
    const [pkg, feats] = line.replace(/ \(\*\)$/, '').split('|');
    if (!pkg) continue;
    const key = pkg.replace(/ \(.*\)$/, '').replace(' v', '@');
    if (!crates.has(key)) crates.set(key, new Set());
    crates.get(key).add(feats);
  }
  return crates;
}

test('every crate the tests share with the addon is built with the addon build\'s features', () => {
  const addon = features(['--features', 'napi-binding', '--edges', 'normal,build']);
  const tests = features(['--edges', 'normal,build,dev']);
  assert.ok(addon.has('wasmtime@48.0.8') || [...addon.keys()].some((k) => k.startsWith('wasmtime@')));
  const differ = [];
  for (const [crate, sets] of addon) {
    // The crate itself and its build script's napi-build are built per feature set anyway.
    if (crate.startsWith('alloy-wasm@') || crate.startsWith('napi-build@')) continue;
    if (!tests.has(crate)) continue;
    // A crate may be built more than once (for the host and for the target); each of
    // the test build's units must be one the addon build already compiled.
    const fresh = [...tests.get(crate)].filter((f) => !sets.has(f));
    if (fresh.length > 0) differ.push(`${crate}: tests [${fresh.join(' / ')}], addon [${[...sets].join(' / ')}]`);
  }
  assert.deepEqual(differ, [], `these would be compiled twice:\n${differ.join('\n')}`);
});
