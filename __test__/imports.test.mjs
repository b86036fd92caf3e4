// What a plugin may import, and the one-time start functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { PluginHost, ErrorCodes, pluginsDir, broken, expectCode, root } from './helpers.mjs';

test('a WASI command has _start run once per instance; exit status 0 is accepted', async () => {
  const host = await PluginHost.create({ cacheDir: null, threads: 2 });
  await host.add('cmd', path.join(pluginsDir, 'wasi-command.wasm'));
  assert.equal(host.plugins()[0].wasi, true);
  for (let i = 0; i < 3; i++) assert.equal(host.filterSync('cmd', 'abc'), '1:abc');
  // Concurrent calls make the pool create more instances; each ran _start once.
  const outs = await Promise.all(Array.from({ length: 8 }, () => host.filter('cmd', 'x')));
  assert.deepEqual(outs, Array(8).fill('1:x'));
  await host.close();
});

test('a WASI command that exits non-zero fails the load as a TRAP naming the status', async () => {
  const host = await PluginHost.create({ cacheDir: null });
  const err = await expectCode(() => host.add('wasi-exit-1', broken('wasi-exit-1')), ErrorCodes.TRAP, { plugin: 'wasi-exit-1', export: '_start' });
  assert.match(err.message, /status 1/);
  await host.close();
});

test('a reactor has _initialize called exactly once per instance', async () => {
  const host = await PluginHost.create({ cacheDir: null, threads: 2 });
  await host.add('reactor', path.join(pluginsDir, 'reactor.wasm'));
  for (let i = 0; i < 3; i++) assert.equal(host.filterSync('reactor', 'abc'), '1:abc');
  const outs = await host.filterMany('reactor', Array.from({ length: 100 }, (_, i) => `${i}`));
  outs.forEach((out, i) => assert.equal(out, `1:${i}`));
  await host.close();
});

test('guest stdout and stderr are kept out of the host process output', () => {
  const script = `
    const { PluginHost } = require(${JSON.stringify(path.join(root, 'js/index.js'))});
    PluginHost.load(${JSON.stringify(pluginsDir)}, { cacheDir: null }).then(async (h) => {
      const out = h.filterSync('wasi-command', 'abc') + ' ' + await h.filter('wasi-command', 'x');
      await h.close(); console.log('result ' + out);
    });`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, 'result 1:abc 1:x\n');
  assert.equal(child.stderr, '');
});

test('AssemblyScript modules import env.abort and load; other env imports do not', async () => {
  const host = await PluginHost.load(pluginsDir, { cacheDir: null });
  assert.equal(host.filterSync('word-count', 'a b'), '2');
  await host.close();
  const bad = await PluginHost.create({ cacheDir: null });
  await expectCode(() => bad.add('bad-import', broken('bad-import')), ErrorCodes.UNSUPPORTED_IMPORT);
  await bad.close();
});
