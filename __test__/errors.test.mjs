// One test per error code of CONTRACT.md, each provoked by a real plugin,
// from sync and async calls alike; after each, the plugin serves the next call.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { PluginHost, PluginError, ErrorCodes, pluginsDir, broken, hostWith, expectCode } from './helpers.mjs';

/** Provokes `code` with `input` through filterSync and filter, then checks the plugin still echoes. */
async function provoke(name, input, code, options = {}) {
  const host = await hostWith(name, options);
  try {
    const fields = { plugin: name, export: 'filter' };
    const syncErr = await expectCode(() => host.filterSync(name, input), code, fields);
    assert.equal(host.filterSync(name, 'next call'), 'next call', 'serves the next sync call');
    const asyncErr = await expectCode(() => host.filter(name, input), code, fields);
    assert.equal(await host.filter(name, 'next call'), 'next call', 'serves the next async call');
    assert.equal(syncErr.message, asyncErr.message);
    return syncErr;
  } finally {
    await host.close();
  }
}

async function loadFails(name, code) {
  const host = await PluginHost.create({ cacheDir: null });
  try {
    return await expectCode(() => host.add(name, broken(name)), code, { plugin: name });
  } finally {
    assert.deepEqual(host.plugins(), [], 'a failed add leaves nothing behind');
    await host.close();
  }
}

test('PluginError is an exported Error subclass with code, plugin, export', async () => {
  const err = await provoke('fails', '!x', ErrorCodes.PLUGIN_ERROR);
  assert.ok(err instanceof PluginError && err instanceof Error);
  assert.equal(err.name, 'PluginError');
  assert.ok(err.stack.includes('PluginError'));
});

test('PLUGIN_NOT_FOUND: no plugin of that name, sync and async', async () => {
  const host = await PluginHost.load(pluginsDir, { cacheDir: null });
  const err = await expectCode(() => host.filterSync('nope', 'x'), ErrorCodes.PLUGIN_NOT_FOUND, { plugin: 'nope' });
  assert.match(err.message, /loaded: callout, escape-html, lazy-images, reactor, reading-time, uppercase, /);
  await expectCode(() => host.filter('nope', 'x'), ErrorCodes.PLUGIN_NOT_FOUND, { plugin: 'nope' });
  await expectCode(() => host.filterMany('nope', ['x']), ErrorCodes.PLUGIN_NOT_FOUND);
  await expectCode(() => host.shortcode('nope', []), ErrorCodes.PLUGIN_NOT_FOUND);
  await host.close();
});

test('MISSING_EXPORT: a call the plugin has no export for, and a module without alloc or memory', async () => {
  const host = await PluginHost.load(pluginsDir, { cacheDir: null });
  await expectCode(() => host.filterSync('youtube', 'x'), ErrorCodes.MISSING_EXPORT, { plugin: 'youtube', export: 'filter' });
  await expectCode(() => host.filter('youtube', 'x'), ErrorCodes.MISSING_EXPORT, { plugin: 'youtube', export: 'filter' });
  await expectCode(() => host.shortcodeSync('uppercase', []), ErrorCodes.MISSING_EXPORT, { plugin: 'uppercase', export: 'shortcode' });
  assert.match(host.shortcodeSync('youtube', ['abc']), /embed\/abc/);
  await host.close();
  assert.match((await loadFails('no-alloc', ErrorCodes.MISSING_EXPORT)).message, /"alloc"/);
  assert.match((await loadFails('no-memory', ErrorCodes.MISSING_EXPORT)).message, /"memory"/);
  assert.match((await loadFails('bad-signature', ErrorCodes.MISSING_EXPORT)).message, /"filter" with type \(i32\) -> \(i32\)/);
});

test('INVALID_MODULE: not WebAssembly, or a module that does not validate', async () => {
  await loadFails('not-wasm', ErrorCodes.INVALID_MODULE);
  await loadFails('invalid-module', ErrorCodes.INVALID_MODULE);
});

test('UNSUPPORTED_IMPORT: the message names the import', async () => {
  const err = await loadFails('bad-import', ErrorCodes.UNSUPPORTED_IMPORT);
  assert.match(err.message, /env\.fetch/);
});

test('PLUGIN_ERROR: (0, 0) with last_error\'s text, and without last_error', async () => {
  const err = await provoke('fails', '!x', ErrorCodes.PLUGIN_ERROR);
  assert.match(err.message, /fails: the input was rejected/);
  const silent = await provoke('fails-silently', '!x', ErrorCodes.PLUGIN_ERROR);
  assert.match(silent.message, /\(0, 0\)/);
});

test('BAD_RESULT: pointers outside memory, a ptr+len that wraps past 4 GiB, a huge length, invalid UTF-8', async () => {
  assert.match((await provoke('bad-result', '!o', ErrorCodes.BAD_RESULT)).message, /outside its 65536-byte memory/);
  assert.match((await provoke('bad-result', '!w', ErrorCodes.BAD_RESULT)).message, /0xfffffff0/);
  await provoke('bad-result', '!l', ErrorCodes.BAD_RESULT);
  assert.match((await provoke('bad-result', '!u', ErrorCodes.BAD_RESULT)).message, /not UTF-8/);
});

test('INVALID_HOOKS: hooks() that is not a JSON array of strings fails the load', async () => {
  await loadFails('bad-hooks', ErrorCodes.INVALID_HOOKS);
  await loadFails('bad-hooks-mixed', ErrorCodes.INVALID_HOOKS);
});

test('INVALID_JSON: hook() output that is not JSON fails the call, and the next one', async () => {
  const host = await hostWith('bad-hook-json');
  assert.deepEqual(host.plugins()[0].hooks, ['onContentTransformed']);
  for (let i = 0; i < 2; i++) {
    await expectCode(
      () => host.runHook('onContentTransformed', { html: '<p>' }),
      ErrorCodes.INVALID_JSON,
      { plugin: 'bad-hook-json', export: 'hook' },
    );
  }
  await host.close();
});

test('TRAP: unreachable, stack overflow, and an AssemblyScript abort with its message', async () => {
  assert.match((await provoke('trap', '!', ErrorCodes.TRAP)).message, /unreachable/);
  assert.match((await provoke('stack-overflow', '!', ErrorCodes.TRAP)).message, /stack overflow/);
  const abort = await provoke('as-abort', '!bad', ErrorCodes.TRAP);
  assert.match(abort.message, /abort: as-abort: refused !bad at .*as-abort\.ts:\d+:\d+/);
});

test('TIMEOUT: a runaway plugin is stopped at timeoutMs', async () => {
  const started = Date.now();
  const err = await provoke('infinite-loop', '!', ErrorCodes.TIMEOUT, { timeoutMs: 50 });
  assert.match(err.message, /50 ms/);
  assert.ok(Date.now() - started < 5000);
});

test('TIMEOUT applies by default (1000 ms)', async () => {
  const host = await hostWith('infinite-loop');
  const started = Date.now();
  await expectCode(() => host.filter('infinite-loop', '!'), ErrorCodes.TIMEOUT);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 900 && elapsed < 5000, `stopped after ${elapsed} ms`);
  await host.close();
});

test('MEMORY_LIMIT: growing past memoryLimitMb', async () => {
  const err = await provoke('memory-bomb', '!', ErrorCodes.MEMORY_LIMIT, { memoryLimitMb: 16 });
  assert.match(err.message, /16 MiB limit/);
});

test('MEMORY_LIMIT applies by default (256 MiB)', async () => {
  const err = await provoke('memory-bomb', '!', ErrorCodes.MEMORY_LIMIT);
  assert.match(err.message, /256 MiB limit/);
});
