// Plugin configuration: `plugins: { <name>: { config } }` for load() and
// create(), add()'s `config`, and the `configure(ptr, len) -> (ptr, len)`
// export that gets it once on every new instance (the one made at load, the
// JS thread's, the workers', recycled ones), after _initialize and before
// any other call. The test plugins are __test__/fixtures/abi-src/*.wat.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PluginHost, ErrorCodes, abiPlugin, pluginsDir, broken, expectCode, settledNow, spendInlineBudget } from './helpers.mjs';

/** A folder with the shapes plugins (shapes-i64, shapes-mv, shapes-retptr). */
function shapesDir(t) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alloy-config-'));
  for (const name of ['shapes-i64', 'shapes-mv', 'shapes-retptr']) copyFileSync(abiPlugin(name), path.join(dir, `${name}.wasm`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const CONFIG = { site: 'Ünïcödé', n: 3, nested: [true, null, { k: 'v' }] };
const JSON_CONFIG = JSON.stringify(CONFIG);

test('load(dir, { plugins }) configures the named plugins in every shape; plugins() says which', async (t) => {
  const plugins = { 'shapes-mv': { config: CONFIG }, 'shapes-retptr': { config: 'just a string' } };
  const host = await PluginHost.load(shapesDir(t), { cacheDir: null, plugins });
  try {
    assert.deepEqual(host.plugins().map((p) => [p.name, p.configured]), [['shapes-i64', false], ['shapes-mv', true], ['shapes-retptr', true]]);
    assert.equal(host.filterSync('shapes-i64', 'in'), 'in');
    // The output is `<config JSON>#<configure calls on this instance>:<input>`.
    assert.equal(host.filterSync('shapes-mv', 'in'), `${JSON_CONFIG}#1:in`);
    assert.equal(host.filterSync('shapes-retptr', 'in'), '"just a string"#1:in');
    assert.equal('plugins' in host.options, false, 'not a host option');
  } finally {
    await host.close();
  }
});

test('every new instance is configured once: JS thread, inline, worker, batch, recycled', async (t) => {
  const host = await PluginHost.create({ cacheDir: null, timeoutMs: 100, recycleAfterCalls: 2, plugins: { cfg: { config: CONFIG } } });
  try {
    const info = await host.add('cfg', abiPlugin('shapes-retptr')); // config from the plugins option
    assert.equal(info.configured, true);
    await host.add('loops', broken('sometimes-loops'));
    const want = (input) => `${JSON_CONFIG}#1:${input}`;
    for (let i = 0; i < 5; i++) assert.equal(host.filterSync('cfg', `s${i}`), want(`s${i}`));
    for (let i = 0; i < 5; i++) assert.equal(await host.filter('cfg', `i${i}`), want(`i${i}`));
    const loops = spendInlineBudget(host);
    const onWorker = host.filter('cfg', 'w');
    assert.equal(await settledNow(onWorker), false, 'ran on a worker');
    assert.equal(await onWorker, want('w'));
    await loops;
    const inputs = Array.from({ length: 40 }, (_, i) => `m${i}`);
    assert.deepEqual(await host.filterMany('cfg', inputs), inputs.map(want));
    assert.ok(host.stats('cfg').instancesRecycled >= 5, 'instances were recycled and replaced');
  } finally {
    await host.close();
  }
});

test('add(name, source, { config }), and replace: true with a new config applies it (memoized too)', async () => {
  const host = await PluginHost.create({ cacheDir: null, memoize: true });
  try {
    const info = await host.add('p', abiPlugin('shapes-i64'), { config: { v: 1 } });
    assert.equal(info.configured, true);
    assert.equal(host.filterSync('p', 'x'), '{"v":1}#1:x');
    assert.equal(await host.filter('p', 'x'), '{"v":1}#1:x');
    await host.add('p', abiPlugin('shapes-i64'), { replace: true, config: { v: 2 } });
    assert.equal(host.filterSync('p', 'x'), '{"v":2}#1:x');
    assert.equal(await host.filter('p', 'x'), '{"v":2}#1:x');
    assert.deepEqual(await host.filterMany('p', ['x']), ['{"v":2}#1:x']);
    await host.add('p', abiPlugin('shapes-i64'), { replace: true });
    assert.equal(host.plugins()[0].configured, false);
    assert.equal(host.filterSync('p', 'x'), 'x', 'configure is not called without a config');
  } finally {
    await host.close();
  }
});

test('configure returning (0, 0) fails the load with PLUGIN_ERROR and last_error\'s text, in every shape', async (t) => {
  for (const [name, results] of [['shapes-i64', 'i64'], ['shapes-mv', 'multi-value'], ['shapes-retptr', 'retptr']]) {
    const err = await expectCode(
      () => PluginHost.load(shapesDir(t), { cacheDir: null, plugins: { [name]: { config: '!refuse me' } } }),
      ErrorCodes.PLUGIN_ERROR,
      { plugin: name, export: 'configure' },
    );
    assert.match(err.message, new RegExp(`${results} plugin: the config was refused`));
    const host = await PluginHost.create({ cacheDir: null });
    try {
      await expectCode(() => host.add(name, abiPlugin(name), { config: '!no' }), ErrorCodes.PLUGIN_ERROR, { plugin: name, export: 'configure' });
      assert.deepEqual(host.plugins(), [], 'not added');
    } finally {
      await host.close();
    }
  }
});

test('a recycled instance whose configure fails makes that call PLUGIN_ERROR', async () => {
  // config-deadline refuses its config (a time in ms) once the clock is past it.
  const deadline = Date.now() + 1500;
  const host = await PluginHost.create({ cacheDir: null, recycleAfterCalls: 1 });
  try {
    await host.add('late', abiPlugin('config-deadline'), { config: deadline });
    assert.equal(host.filterSync('late', 'before'), 'before'); // the instance made at load, then recycled
    while (Date.now() <= deadline + 20) await new Promise((resolve) => setTimeout(resolve, deadline + 25 - Date.now()));
    const err = await expectCode(() => host.filterSync('late', 'after'), ErrorCodes.PLUGIN_ERROR, { plugin: 'late', export: 'configure' });
    assert.match(err.message, /the config expired/);
    await expectCode(() => host.filter('late', 'after'), ErrorCodes.PLUGIN_ERROR, { plugin: 'late', export: 'configure' });
    await expectCode(() => host.filterMany('late', ['a']), ErrorCodes.PLUGIN_ERROR, { plugin: 'late', export: 'configure' });
  } finally {
    await host.close();
  }
});

test('a config for a plugin without configure is INVALID_OPTIONS', async () => {
  await expectCode(
    () => PluginHost.load(pluginsDir, { cacheDir: null, plugins: { uppercase: { config: {} } } }),
    ErrorCodes.INVALID_OPTIONS,
    { plugin: 'uppercase' },
  );
  const host = await PluginHost.create({ cacheDir: null });
  try {
    const err = await expectCode(() => host.add('up', path.join(pluginsDir, 'uppercase.wasm'), { config: 1 }), ErrorCodes.INVALID_OPTIONS, { plugin: 'up' });
    assert.match(err.message, /configure/);
  } finally {
    await host.close();
  }
});

test('unknown plugin names and keys, and configs that are not JSON data, are INVALID_OPTIONS naming them', async (t) => {
  const dir = shapesDir(t);
  const unknownName = await expectCode(() => PluginHost.load(dir, { cacheDir: null, plugins: { nope: { config: 1 }, 'shapes-mv': { config: 1 } } }), ErrorCodes.INVALID_OPTIONS);
  assert.match(unknownName.message, /"nope"/);
  assert.match(unknownName.message, /shapes-i64, shapes-mv, shapes-retptr/);
  // An entry without a config names a plugin too.
  assert.match((await expectCode(() => PluginHost.load(dir, { cacheDir: null, plugins: { gone: {} } }), ErrorCodes.INVALID_OPTIONS)).message, /"gone"/);
  const unknownKey = await expectCode(() => PluginHost.load(dir, { cacheDir: null, plugins: { 'shapes-mv': { confg: 1 } } }), ErrorCodes.INVALID_OPTIONS, { plugin: 'shapes-mv' });
  assert.match(unknownKey.message, /unknown key "confg"/);
  for (const plugins of [[], 'x', { 'shapes-mv': 1 }, { 'shapes-mv': null }]) {
    await expectCode(() => PluginHost.create({ plugins }), ErrorCodes.INVALID_OPTIONS);
  }
  const cycle = {};
  cycle.self = cycle;
  for (const config of [() => 1, Number.NaN, Infinity, 1n, new Date(0), new Map(), cycle, { a: [undefined] }, Symbol('s')]) {
    const err = await expectCode(() => PluginHost.create({ plugins: { p: { config } } }), ErrorCodes.INVALID_OPTIONS, { plugin: 'p' });
    assert.match(err.message, /config must be JSON data/);
    const host = await PluginHost.create({ cacheDir: null });
    try {
      await expectCode(() => host.add('p', abiPlugin('shapes-i64'), { config }), ErrorCodes.INVALID_OPTIONS, { plugin: 'p' });
    } finally {
      await host.close();
    }
  }
  // The other host options are still checked.
  await expectCode(() => PluginHost.create({ plugins: {}, timeoutMs: -1 }), ErrorCodes.INVALID_OPTIONS);
});
