// What an installed alloy-wasm tells about itself and its platform: the API's
// `versions`, `alloy-wasm --version`, the error on a platform without a native
// binary, and fixtures that carry no machine path. (The install from the packed
// tarballs is scripts/pack-test.sh, run by .ci/run.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import alloy from '../js/index.js';
import * as esm from '../js/index.mjs';
import { root } from './helpers.mjs';

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const cargoToml = readFileSync(path.join(root, 'Cargo.toml'), 'utf8');
const wasmtimePin = /^wasmtime = \{ version = "=([^"]+)"/m.exec(cargoToml)[1];
const scratch = mkdtempSync(path.join(tmpdir(), 'alloy-install-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

// Node's arch names against the Rust target triple's.
const RUST_ARCH = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', arm: 'arm' };

test('versions names the package, the engine and the target', () => {
  const { versions } = alloy;
  assert.equal(versions.package, pkg.version);
  assert.equal(versions.binding, pkg.version, 'the .node is built from the same version');
  assert.equal(versions.wasmtime, wasmtimePin);
  assert.equal(versions.engine, `wasmtime ${wasmtimePin}`);
  assert.ok(versions.target.startsWith(`${RUST_ARCH[process.arch]}-`), versions.target);
  assert.ok(versions.target.includes(process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'apple' : process.platform), versions.target);
  assert.ok(Object.isFrozen(versions));
  assert.equal(esm.versions, versions, 'the ESM entry exports the same object');
});

function run(args, { preload } = {}) {
  const result = spawnSync(process.execPath, [...(preload ? ['--require', preload] : []), ...args], {
    cwd: scratch,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.error, undefined);
  return result;
}

test('alloy-wasm --version prints the version, the engine, the target and Node', () => {
  const { status, stdout, stderr } = run([path.join(root, 'bin/alloy-wasm.js'), '--version']);
  assert.equal(status, 0, stderr);
  const lines = stdout.trimEnd().split('\n');
  assert.equal(lines[0], `alloy-wasm ${pkg.version}`);
  assert.ok(lines.includes(`engine: wasmtime ${wasmtimePin}`), stdout);
  assert.ok(lines.includes(`target: ${alloy.versions.target}`), stdout);
  assert.ok(lines.includes(`node: ${process.version}`), stdout);
});

// A platform with no prebuilt package: Node is made to report another CPU, so the
// napi-rs loader finds neither a local .node nor an alloy-wasm-<platform> package.
const riscv = path.join(scratch, 'riscv64.cjs');
writeFileSync(riscv, "Object.defineProperty(process, 'arch', { value: 'riscv64' });\n");

test('on a platform without a binary, the error names it and how to build from source', () => {
  const { status, stderr } = run(['-e', `require(${JSON.stringify(root)})`], { preload: riscv });
  assert.notEqual(status, 0);
  assert.match(stderr, /alloy-wasm has no prebuilt native binary for linux-riscv64-(gnu|musl)/);
  assert.match(stderr, /Prebuilt: .*linux-x64-gnu/);
  assert.match(stderr, /rustup/);
  assert.match(stderr, /^ {2}npm install {3}#/m);
  assert.match(stderr, /^ {2}npm test {6}#/m);
  assert.match(stderr, /ERR_ALLOY_WASM_NO_BINARY/);
});

test('the command line says the same without a stack trace, and --version still works', () => {
  const bin = path.join(root, 'bin/alloy-wasm.js');
  const check = run([bin, 'check', 'x.wasm'], { preload: riscv });
  assert.equal(check.status, 1);
  assert.match(check.stderr, /^alloy-wasm has no prebuilt native binary for linux-riscv64-/);
  assert.doesNotMatch(check.stderr, /\n\s+at /, 'no stack trace');
  const version = run([bin, '--version'], { preload: riscv });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, new RegExp(`^alloy-wasm ${pkg.version.replace(/\./g, '\\.')}\\nbinary: none loaded for linux-riscv64-`));
});

test('built fixtures carry no machine path (source paths are remapped)', () => {
  const dirs = ['plugins', 'broken', 'bench'].map((d) => path.join(root, 'build/fixtures', d));
  const needle = Buffer.from(root);
  let checked = 0;
  for (const dir of dirs) {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.wasm')) continue;
      const bytes = readFileSync(path.join(dir, name));
      assert.equal(bytes.indexOf(needle), -1, `${name} contains ${root}`);
      checked++;
    }
  }
  assert.ok(checked > 20, `checked ${checked} files`);
  // The Rust plugins' panic locations are repository-relative instead.
  const youtube = readFileSync(path.join(root, 'build/fixtures/plugins/youtube.wasm'));
  assert.notEqual(youtube.indexOf(Buffer.from('crates/alloy-plugin/src/json.rs')), -1);
});
