// Shared paths and helpers for the node:test specs. The fixture plugins are
// built from source by `npm run build:fixtures` (run by `npm install`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import alloy from '../js/index.js';

export const { PluginHost, PluginError, ErrorCodes } = alloy;
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const pluginsDir = path.join(root, 'build/fixtures/plugins');
export const brokenDir = path.join(root, 'build/fixtures/broken');

if (!existsSync(pluginsDir) || !existsSync(brokenDir)) {
  throw new Error('fixture plugins are missing: run `npm run build:fixtures` first');
}

/** The path of a broken fixture plugin. */
export function broken(name) {
  return path.join(brokenDir, `${name}.wasm`);
}

/** A host with one broken fixture added under its own name. */
export async function hostWith(name, options = {}) {
  const host = await PluginHost.create({ cacheDir: null, ...options });
  await host.add(name, broken(name));
  return host;
}

/** Asserts `err` is a PluginError with `code` (and the given fields), named in its message. */
export function assertPluginError(err, code, fields = {}) {
  assert.ok(err instanceof PluginError, `expected a PluginError, got ${err && err.stack}`);
  assert.ok(err instanceof Error);
  assert.equal(err.code, code, err.message);
  assert.ok(err.message.includes(`[${code}]`), `message names the code: ${err.message}`);
  for (const [key, value] of Object.entries(fields)) assert.equal(err[key], value, `${key} of ${err.message}`);
  if (fields.plugin) assert.ok(err.message.includes(`"${fields.plugin}"`), `message names the plugin: ${err.message}`);
  return true;
}

/** Runs `call` and asserts it throws (or rejects with) a PluginError of `code`. */
export async function expectCode(call, code, fields = {}) {
  let caught;
  try {
    await call();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected ${code}, but the call succeeded`);
  assertPluginError(caught, code, fields);
  return caught;
}

/** The test plugins of ABI features (__test__/fixtures/abi-src/*.wat). */
export const abiDir = path.join(root, 'build/fixtures/abi');

/** The path of an ABI-feature test plugin. */
export function abiPlugin(name) {
  return path.join(abiDir, `${name}.wasm`);
}

/**
 * Whether `promise` has settled already (an inline call): a worker's result
 * needs a macrotask, so after a few microtasks only an inline call is settled.
 */
export async function settledNow(promise) {
  let settled = false;
  promise.then(() => { settled = true; }, () => { settled = true; });
  for (let i = 0; i < 3; i++) await null;
  return settled;
}

/**
 * Spends this event-loop turn's inline budget with the looping fixture
 * (which `host` must have as "loops": add broken('sometimes-loops')), so the
 * next async calls of this turn run on a worker. The looping calls it starts
 * time out; the returned promise settles with their error codes.
 */
export function spendInlineBudget(host) {
  const loops = [];
  for (let spentAll = false; !spentAll && loops.length < 50;) {
    const before = performance.now();
    loops.push(host.filter('loops', `loop ${loops.length}`).catch((err) => err.code));
    spentAll = performance.now() - before < 0.5;
  }
  return Promise.all(loops);
}

const requireCjs = createRequire(import.meta.url);
let wabt;

/** WAT text compiled to a .wasm Buffer with the npm package wabt (what the fixtures are built with). */
export async function watToWasm(text, name = 'fixture.wat') {
  wabt ??= await requireCjs('wabt')();
  const module = wabt.parseWat(name, text);
  try {
    return Buffer.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** Runs the `alloy-wasm` command line in `cwd` without the compile cache: { status, stdout, stderr }. */
export function runCli(args, { cwd, input = '' } = {}) {
  const result = spawnSync(process.execPath, [path.join(root, 'bin/alloy-wasm.js'), ...args, '--no-cache'], {
    cwd,
    input,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (result.error) throw new Error(`spawn failed: ${result.error}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The threads of this process that alloy-wasm started (named alloy-wasm-*):
 * unlike the process's whole count, V8's and libuv's threads do not move it.
 */
export function alloyThreadCount() {
  let count = 0;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').startsWith('alloy-wasm')) count++;
    } catch {
      // the thread ended while we looked
    }
  }
  return count;
}
