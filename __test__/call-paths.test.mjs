// The call paths of src/lib.rs ("Call paths"): sync and inline calls on the
// JS thread's own instance, the fallback of an inline call to a worker, the
// per-turn inline budget, replacing a plugin, and close().
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { PluginHost, ErrorCodes, broken, pluginsDir, expectCode, assertPluginError } from './helpers.mjs';

const LOOPS = broken('sometimes-loops');

/**
 * Whether `promise` has settled already (an inline call): a worker's result
 * needs a macrotask, so after a few microtasks only an inline call is settled.
 */
async function settledNow(promise) {
  let settled = false;
  promise.then(() => { settled = true; }, () => { settled = true; });
  for (let i = 0; i < 3; i++) await null;
  return settled;
}

async function loopsHost(options = {}) {
  const host = await PluginHost.create({ cacheDir: null, timeoutMs: 300, ...options });
  await host.add('loops', LOOPS);
  return host;
}

test('a cheap async call runs inline: its promise is already settled', async () => {
  const host = await loopsHost();
  try {
    const call = host.filter('loops', 'hello');
    assert.equal(await settledNow(call), true);
    assert.equal(await call, 'hello');
  } finally {
    await host.close();
  }
});

test('an inline call past its short deadline falls back to a worker, which applies timeoutMs', async () => {
  const host = await loopsHost();
  try {
    const call = host.filter('loops', 'loop forever');
    assert.equal(await settledNow(call), false, 'the inline attempt was stopped and the call handed to a worker');
    await assert.rejects(call, (err) => assertPluginError(err, ErrorCodes.TIMEOUT, { plugin: 'loops', export: 'filter' }));
    assert.match((await call.catch((e) => e)).message, /300 ms/);
    assert.equal(await host.filter('loops', 'after'), 'after');
    assert.equal(host.filterSync('loops', 'sync after'), 'sync after');
  } finally {
    await host.close();
  }
});

test('a timeoutMs no longer than the inline deadline times out inline', async () => {
  const host = await loopsHost({ timeoutMs: 1 });
  try {
    const call = host.filter('loops', 'loop');
    assert.equal(await settledNow(call), true);
    await assert.rejects(call, (err) => assertPluginError(err, ErrorCodes.TIMEOUT, { plugin: 'loops' }));
    assert.equal(await host.filter('loops', 'next'), 'next');
  } finally {
    await host.close();
  }
});

test('once a turn has spent its inline budget, calls go to the workers until the next turn', async () => {
  const host = await loopsHost();
  try {
    // Each looping call runs inline until the deadline stops it, then goes
    // to a worker; once this turn's budget is spent, one returns at once.
    const loops = [];
    for (let spentAll = false; !spentAll && loops.length < 20;) {
      const before = performance.now();
      loops.push(host.filter('loops', `loop ${loops.length}`).then(() => 'resolved', (err) => err.code));
      spentAll = performance.now() - before < 0.5;
    }
    assert.ok(loops.length < 20, 'the inline budget ran out');
    const cheap = host.filter('loops', 'cheap');
    assert.equal(await settledNow(cheap), false, 'the budget was spent: a worker runs it');
    assert.equal(await cheap, 'cheap');
    await new Promise((resolve) => setImmediate(resolve));
    const later = host.filter('loops', 'later');
    assert.equal(await settledNow(later), true, 'a new turn has a new budget');
    assert.deepEqual(await Promise.all(loops), loops.map(() => ErrorCodes.TIMEOUT));
  } finally {
    await host.close();
  }
});

test('cheap calls interleaved with runaway ones never hold the event loop for a time limit (stall test)', async () => {
  const host = await loopsHost({ timeoutMs: 250 });
  let ticks = 0;
  let last = performance.now();
  let worstGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
    ticks++;
  }, 1);
  try {
    const runaway = [];
    for (let i = 0; i < 3000; i++) {
      if (i % 500 === 250) runaway.push(host.filter('loops', `loop ${i}`).then(() => 'resolved', (err) => err.code));
      assert.equal(await host.filter('loops', `cheap ${i}`), `cheap ${i}`);
    }
    assert.deepEqual(await Promise.all(runaway), Array(6).fill(ErrorCodes.TIMEOUT));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(ticks > 0, 'the 1 ms timer kept firing');
    // A runaway call run to its 250 ms limit on this thread would show as a
    // gap of 250 ms; inline work is cut at a few milliseconds.
    assert.ok(worstGap < 250, `the timer was held for ${worstGap.toFixed(1)} ms`);
  } finally {
    clearInterval(timer);
    await host.close();
  }
});

test('sync and async calls on the same plugin at once, with batches, all correct', async () => {
  const host = await PluginHost.create({ cacheDir: null, threads: 2 });
  try {
    await host.add('upper', path.join(pluginsDir, 'uppercase.wasm'));
    const pending = [];
    for (let i = 0; i < 300; i++) {
      pending.push(host.filter('upper', `async ${i}`).then((out) => assert.equal(out, `ASYNC ${i}`)));
      if (i % 50 === 0) pending.push(host.filterMany('upper', [`a${i}`, `b${i}`]).then((out) => assert.deepEqual(out, [`A${i}`, `B${i}`])));
      assert.equal(host.filterSync('upper', `sync ${i}`), `SYNC ${i}`);
    }
    await Promise.all(pending);
  } finally {
    await host.close();
  }
});

test('the JS thread\'s instance is recycled and capped like pooled ones', async () => {
  const host = await PluginHost.create({ cacheDir: null, recycleAfterCalls: 10, memoryLimitMb: 64 });
  try {
    await host.add('leaky', broken('leaky'));
    await host.add('bomb', broken('memory-bomb'));
    for (let i = 0; i < 50; i++) assert.equal(host.filterSync('leaky', 'a').length > 0, true);
    for (let i = 0; i < 50; i++) await host.filter('leaky', 'a');
    const stats = host.stats('leaky');
    assert.ok(stats.instancesRecycled >= 9, `recycled ${stats.instancesRecycled}`);
    const inline = host.filter('bomb', '!');
    assert.equal(await settledNow(inline), true, 'the capped call ran inline');
    await assert.rejects(inline, (err) => assertPluginError(err, ErrorCodes.MEMORY_LIMIT, { plugin: 'bomb' }));
    await expectCode(() => host.filterSync('bomb', '!'), ErrorCodes.MEMORY_LIMIT, { plugin: 'bomb' });
    assert.equal(host.filterSync('bomb', 'next'), 'next');
    assert.ok(host.stats('bomb').instancesDiscarded >= 2);
  } finally {
    await host.close();
  }
});

test('add(..., { replace: true }) swaps a plugin: every path then calls the new one', async () => {
  const host = await PluginHost.create({ cacheDir: null });
  try {
    await host.add('p', path.join(pluginsDir, 'uppercase.wasm'));
    assert.equal(host.filterSync('p', 'a b'), 'A B');
    assert.equal(await host.filter('p', 'a b'), 'A B');
    await expectCode(() => host.add('p', path.join(pluginsDir, 'word-count.wasm')), ErrorCodes.DUPLICATE_PLUGIN, { plugin: 'p' });
    const info = await host.add('p', readFileSync(path.join(pluginsDir, 'word-count.wasm')), { replace: true });
    assert.equal(info.name, 'p');
    assert.equal(host.filterSync('p', 'a b'), '2');
    assert.equal(await host.filter('p', 'a b c'), '3');
    assert.deepEqual(await host.filterMany('p', ['a', 'a b']), ['1', '2']);
    assert.deepEqual(host.plugins().map((p) => p.name), ['p']);
    await expectCode(() => host.add('p', LOOPS, { replace: 'yes' }), ErrorCodes.INVALID_OPTIONS, { plugin: 'p' });
    await expectCode(() => host.add('p', LOOPS, { force: true }), ErrorCodes.INVALID_OPTIONS, { plugin: 'p' });
  } finally {
    await host.close();
  }
});

test('after close(), every path fails with HOST_CLOSED and nothing hangs', async () => {
  const host = await loopsHost();
  assert.equal(host.filterSync('loops', 'x'), 'x');
  assert.equal(await host.filter('loops', 'x'), 'x');
  await host.close();
  await expectCode(() => host.filterSync('loops', 'x'), ErrorCodes.HOST_CLOSED);
  await expectCode(() => host.filter('loops', 'x'), ErrorCodes.HOST_CLOSED);
  await expectCode(() => host.filterMany('loops', ['x']), ErrorCodes.HOST_CLOSED);
});
