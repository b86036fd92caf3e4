import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PluginHost, ErrorCodes, pluginsDir, broken, expectCode, root } from './helpers.mjs';

const EXPECTED = {
  callout: { exports: ['memory', 'alloc', 'shortcode', 'last_error'], hooks: [], wasi: false, results: 'i64' },
  'escape-html': { exports: ['memory', 'alloc', 'filter', 'last_error'], hooks: [], wasi: false, results: 'i64' },
  'lazy-images': { exports: ['memory', 'alloc', 'hooks', 'hook', 'last_error'], hooks: ['onContentTransformed'], wasi: false, results: 'i64' },
  reactor: { exports: ['memory', 'alloc', 'filter'], hooks: [], wasi: true, results: 'i64' },
  'reading-time': { exports: ['memory', 'alloc', 'filter', 'shortcode', 'hooks', 'hook', 'last_error'], hooks: ['onContentTransformed'], wasi: false, results: 'i64' },
  uppercase: { exports: ['memory', 'alloc', 'filter', 'last_error'], hooks: [], wasi: false, results: 'i64' },
  'wasi-command': { exports: ['memory', 'alloc', 'filter'], hooks: [], wasi: true, results: 'i64' },
  'word-count': { exports: ['memory', 'alloc', 'filter'], hooks: [], wasi: false, results: 'i64' },
  'word-count-mv': { exports: ['memory', 'alloc', 'filter', 'last_error'], hooks: [], wasi: false, results: 'multi-value' },
  youtube: { exports: ['memory', 'alloc', 'shortcode', 'last_error'], hooks: [], wasi: false, results: 'i64' },
};

test('load() reads every *.wasm in the folder, named by file stem, in name order', async () => {
  const host = await PluginHost.load(pluginsDir, { cacheDir: null });
  try {
    const infos = host.plugins();
    assert.deepEqual(infos.map((p) => p.name), Object.keys(EXPECTED).sort());
    for (const info of infos) {
      assert.equal(info.path, path.join(pluginsDir, `${info.name}.wasm`));
      assert.deepEqual(
        { exports: info.exports, hooks: info.hooks, wasi: info.wasi, results: info.results },
        EXPECTED[info.name],
        info.name,
      );
    }
  } finally {
    await host.close();
  }
});

test('a relative folder is resolved against the working directory', async () => {
  const host = await PluginHost.load(path.relative(process.cwd(), pluginsDir), { cacheDir: null });
  assert.equal(host.plugins().length, Object.keys(EXPECTED).length);
  await host.close();
});

test('an empty folder is not an error; a missing one is', async () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'alloy-empty-'));
  const host = await PluginHost.load(empty, { cacheDir: null });
  assert.deepEqual(host.plugins(), []);
  await host.close();
  await expectCode(() => PluginHost.load(path.join(empty, 'nope')), ErrorCodes.IO_ERROR);
});

test('one plugin that fails to load fails the whole load with its error', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'alloy-mixed-'));
  copyFileSync(path.join(pluginsDir, 'uppercase.wasm'), path.join(dir, 'uppercase.wasm'));
  copyFileSync(broken('bad-import'), path.join(dir, 'zz-bad.wasm'));
  await expectCode(() => PluginHost.load(dir), ErrorCodes.UNSUPPORTED_IMPORT, { plugin: 'zz-bad' });
});

test('add() takes a path or bytes, and refuses a duplicate name', async () => {
  const host = await PluginHost.create({ cacheDir: null });
  const fromPath = await host.add('up', path.join(pluginsDir, 'uppercase.wasm'));
  assert.equal(fromPath.name, 'up');
  const bytes = readFileSync(path.join(pluginsDir, 'word-count-mv.wasm'));
  const fromBytes = await host.add('wc', new Uint8Array(bytes));
  assert.equal(fromBytes.path, null);
  assert.equal(fromBytes.results, 'multi-value');
  assert.equal(host.filterSync('up', 'abc'), 'ABC');
  assert.equal(await host.filter('wc', 'one two'), '2');
  await expectCode(() => host.add('up', bytes), ErrorCodes.DUPLICATE_PLUGIN, { plugin: 'up' });
  await expectCode(() => host.add('x', 42), ErrorCodes.INVALID_INPUT);
  await expectCode(() => host.add('x', '/no/such/file.wasm'), ErrorCodes.IO_ERROR);
  assert.deepEqual(host.plugins().map((p) => p.name), ['up', 'wc']);
  await host.close();
});

test('options are validated: unknown or out-of-range options are INVALID_OPTIONS naming each one', async () => {
  const err = await expectCode(
    () => PluginHost.load(pluginsDir, { timeoutMs: -5, memoryLimitMB: 10, threads: 1.5 }),
    ErrorCodes.INVALID_OPTIONS,
  );
  assert.match(err.message, /"timeoutMs"/);
  assert.match(err.message, /unknown option "memoryLimitMB"/);
  assert.match(err.message, /"threads"/);
  await expectCode(() => PluginHost.create('fast'), ErrorCodes.INVALID_OPTIONS);
  await expectCode(() => PluginHost.create({ memoryLimitMb: 0 }), ErrorCodes.INVALID_OPTIONS);
  await expectCode(() => PluginHost.create({ cacheDir: 3 }), ErrorCodes.INVALID_OPTIONS);
  const host = await PluginHost.create({ threads: 3, cacheDir: null });
  assert.equal(host.threads, 3);
  assert.equal(host.options.timeoutMs, 1000);
  assert.equal(host.options.memoryLimitMb, 256);
  await host.close();
});

test('the default worker count is one per core', async () => {
  const { availableParallelism } = await import('node:os');
  const host = await PluginHost.create();
  assert.equal(host.threads, availableParallelism());
  await host.close();
});

test('close() is idempotent and every call after it is HOST_CLOSED', async () => {
  const host = await PluginHost.load(pluginsDir, { cacheDir: null });
  const inFlight = host.filter('uppercase', 'still served');
  const closing = host.close();
  assert.equal(host.closed, true);
  assert.equal(await inFlight, 'STILL SERVED');
  await closing;
  await host.close();
  const closed = { code: ErrorCodes.HOST_CLOSED };
  await expectCode(() => host.filter('uppercase', 'x'), closed.code);
  await expectCode(() => host.filterSync('uppercase', 'x'), closed.code);
  await expectCode(() => host.filterMany('uppercase', ['x']), closed.code);
  await expectCode(() => host.shortcode('youtube', ['abc']), closed.code);
  await expectCode(() => host.runHook('onContentTransformed', { html: '' }), closed.code);
  await expectCode(() => host.add('again', path.join(pluginsDir, 'uppercase.wasm')), closed.code);
});

test('the process exits by itself after close()', async () => {
  const { spawnSync } = await import('node:child_process');
  const script = `
    const { PluginHost } = require(${JSON.stringify(path.join(root, 'js/index.js'))});
    PluginHost.load(${JSON.stringify(pluginsDir)}, { cacheDir: null }).then(async (h) => {
      await h.filter('uppercase', 'x'); await h.filterMany('uppercase', ['a', 'b', 'c']);
      await h.close(); console.log('closed');
    });`;
  const started = Date.now();
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), 'closed');
  assert.ok(Date.now() - started < 20000);
});

test('ESM import gives the same objects', async () => {
  const esm = await import('../js/index.mjs');
  const cjs = (await import('../js/index.js')).default;
  assert.equal(esm.PluginHost, cjs.PluginHost);
  assert.equal(esm.PluginError, cjs.PluginError);
});
