// captureOutput: guest stdout/stderr kept for debugging, capped in size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { hostWith, expectCode, pluginsDir, PluginHost, ErrorCodes } from './helpers.mjs';

test('output is kept per plugin, capped, and drained by output()', async () => {
  const cap = 1000;
  const host = await hostWith('wasi-snoop', { captureOutput: cap });
  try {
    host.filterSync('wasi-snoop', 'x'); // writes 10 MiB to each of stdout and stderr
    const first = host.output('wasi-snoop');
    assert.equal(first.stdout.length, cap);
    assert.equal(first.stderr.length, cap);
    assert.ok(first.droppedBytes >= 2 * (10 * 2 ** 20 - cap), `dropped ${first.droppedBytes}`);
    const drained = host.output('wasi-snoop');
    assert.deepEqual(drained, { stdout: '', stderr: '', droppedBytes: 0 });
    await host.filter('wasi-snoop', 'x'); // async calls are captured too
    assert.equal(host.output('wasi-snoop').stdout.length, cap);
  } finally {
    await host.close();
  }
});

test("a WASI command's output from _start is captured at load", async () => {
  const host = await PluginHost.create({ cacheDir: null, captureOutput: true });
  try {
    await host.add('wasi-command', path.join(pluginsDir, 'wasi-command.wasm'));
    const output = host.output('wasi-command');
    assert.match(output.stdout, /hello from main/);
    assert.match(output.stderr, /hello on stderr/);
    assert.equal(output.droppedBytes, 0);
  } finally {
    await host.close();
  }
});

test('output() without captureOutput is a clear error', async () => {
  const host = await hostWith('wasi-snoop');
  try {
    await expectCode(() => host.output('wasi-snoop'), ErrorCodes.INVALID_OPTIONS, { plugin: 'wasi-snoop' });
    await expectCode(() => host.output('nope'), ErrorCodes.INVALID_OPTIONS);
  } finally {
    await host.close();
  }
  const capturing = await hostWith('wasi-snoop', { captureOutput: true });
  try {
    await expectCode(() => capturing.output('nope'), ErrorCodes.PLUGIN_NOT_FOUND, { plugin: 'nope' });
  } finally {
    await capturing.close();
  }
  await expectCode(() => PluginHost.create({ captureOutput: -5 }), ErrorCodes.INVALID_OPTIONS);
});
