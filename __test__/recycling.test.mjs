// Instance recycling: the ABI has no free(), so a plugin like the seed's Rust
// example grows its memory on every call. The host must replace such
// instances between calls, without the caller noticing.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { hostWith, expectCode, broken, PluginHost, ErrorCodes } from './helpers.mjs';

const MiB = 2 ** 20;
const input = 'abcdefghij'.repeat(512); // 5 KB
const expected = input.toUpperCase();

test('200,000 calls on a plugin that never frees, under a 64 MiB limit: every result right, RSS bounded', async () => {
  const host = await hostWith('leaky', { memoryLimitMb: 64 });
  try {
    for (let i = 0; i < 2000; i++) host.filterSync('leaky', input); // warm up
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) {
      const out = host.filterSync('leaky', input);
      if (out !== expected) assert.fail(`call ${i} returned ${JSON.stringify(out.slice(0, 40))}...`);
    }
    const seconds = (performance.now() - started) / 1000;
    const rssAfter = process.memoryUsage().rss;
    const stats = host.stats('leaky');
    console.log(`# soak: 200000 calls x 5 KB in ${seconds.toFixed(1)} s; RSS ${(rssBefore / MiB).toFixed(1)} -> ${(rssAfter / MiB).toFixed(1)} MiB; ` +
      `instances created ${stats.instancesCreated}, recycled ${stats.instancesRecycled}`);
    // Each call leaks ~10 KB, so 200,000 calls leak ~2 GB without recycling.
    assert.ok(stats.instancesRecycled >= 50, `instances were recycled: ${JSON.stringify(stats)}`);
    assert.equal(stats.instancesDiscarded, 0);
    assert.ok(rssAfter - rssBefore < 128 * MiB, `RSS grew ${((rssAfter - rssBefore) / MiB).toFixed(1)} MiB`);
  } finally {
    await host.close();
  }
});

test('async calls and batches are recycled too, and keep their results', async () => {
  const host = await hostWith('leaky', { memoryLimitMb: 16, threads: 2 });
  try {
    const inputs = Array.from({ length: 6000 }, (_, i) => `${i}:${input}`);
    const outputs = await host.filterMany('leaky', inputs);
    assert.deepEqual(outputs, inputs.map((s) => s.toUpperCase()));
    const awaited = await Promise.all(inputs.slice(0, 3000).map((s) => host.filter('leaky', s)));
    assert.deepEqual(awaited, inputs.slice(0, 3000).map((s) => s.toUpperCase()));
    assert.ok(host.stats('leaky').instancesRecycled > 0);
  } finally {
    await host.close();
  }
});

test('a single call that needs more than the limit is MEMORY_LIMIT, and the plugin serves the next call', async () => {
  const host = await hostWith('leaky', { memoryLimitMb: 8 });
  try {
    for (let i = 0; i < 3000; i++) assert.equal(host.filterSync('leaky', input), expected);
    // Input and output together need ~9 MiB at once: recycling cannot help.
    await expectCode(() => host.filterSync('leaky', 'x'.repeat(4.5 * MiB)), ErrorCodes.MEMORY_LIMIT, { plugin: 'leaky' });
    assert.equal(host.filterSync('leaky', 'ok'), 'OK');
  } finally {
    await host.close();
  }
});

test('recycleAfterCalls replaces an instance after that many calls', async () => {
  const host = await PluginHost.create({ cacheDir: null, recycleAfterCalls: 100 });
  try {
    await host.add('leaky', broken('leaky'));
    for (let i = 0; i < 1000; i++) host.filterSync('leaky', 'a');
    const stats = host.stats('leaky');
    assert.equal(stats.instancesRecycled, 10);
    assert.equal(stats.instancesCreated, 10, 'the first instance plus one per recycling but the last');
  } finally {
    await host.close();
  }
});

test('a call that traps discards its instance; the next call gets a fresh one', async () => {
  const host = await hostWith('trap');
  try {
    assert.equal(host.filterSync('trap', 'hello'), 'hello');
    const before = host.stats('trap');
    await expectCode(() => host.filterSync('trap', '!boom'), ErrorCodes.TRAP);
    await expectCode(() => host.filter('trap', '!boom'), ErrorCodes.TRAP);
    assert.equal(host.filterSync('trap', 'again'), 'again');
    const after = host.stats('trap');
    assert.equal(after.instancesDiscarded - before.instancesDiscarded, 2);
    assert.ok(after.instancesCreated > before.instancesCreated);
  } finally {
    await host.close();
  }
});

test('recycling options are checked', async () => {
  await expectCode(() => PluginHost.create({ memoryLimitMb: 16, recycleMemoryMb: 16 }), ErrorCodes.INVALID_OPTIONS);
  await expectCode(() => PluginHost.create({ recycleAfterCalls: -1 }), ErrorCodes.INVALID_OPTIONS);
  await expectCode(() => PluginHost.create({ recycleMemoryMb: 0.5 }), ErrorCodes.INVALID_OPTIONS);
  const small = await PluginHost.create({ cacheDir: null, memoryLimitMb: 10 });
  assert.equal(small.options.recycleMemoryMb, 5, 'the default is at most half the memory limit');
  await small.close();
  const normal = await PluginHost.create({ cacheDir: null });
  assert.equal(normal.options.recycleMemoryMb, 32);
  await normal.close();
});
