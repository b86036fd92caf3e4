// The three result shapes side by side: one i64, two i32 results
// (multi-value), and TinyGo's result pointer (`filter(retptr, ptr, len)`
// with no results, the two i32s stored at retptr). The plugins are one test
// plugin in the three shapes (__test__/fixtures/abi-src/shapes-*.wat), called
// through every path: filterSync, filter inline and on a worker, filterMany,
// shortcodes and hooks, and a (0, 0) error with last_error's text.
import test from 'node:test';
import assert from 'node:assert/strict';

import { PluginHost, ErrorCodes, abiPlugin, broken, expectCode, settledNow, spendInlineBudget } from './helpers.mjs';

const SHAPES = { 'shapes-i64': 'i64', 'shapes-mv': 'multi-value', 'shapes-retptr': 'retptr' };

async function shapesHost(options = {}) {
  const host = await PluginHost.create({ cacheDir: null, timeoutMs: 100, ...options });
  for (const name of Object.keys(SHAPES)) await host.add(name, abiPlugin(name));
  await host.add('loops', broken('sometimes-loops'));
  return host;
}

test('plugins() reports each shape, retptr included, and every export', async () => {
  const host = await shapesHost();
  try {
    for (const [name, results] of Object.entries(SHAPES)) {
      const info = host.plugins().find((p) => p.name === name);
      assert.equal(info.results, results);
      assert.deepEqual(info.exports, ['memory', 'alloc', 'filter', 'filter_args', 'shortcode', 'hooks', 'hook', 'last_error', 'configure']);
      assert.deepEqual(info.hooks, ['onContentTransformed']);
      assert.equal(info.configured, false);
    }
  } finally {
    await host.close();
  }
});

test('filterSync, filter (inline and on a worker) and filterMany in all three shapes', async () => {
  const host = await shapesHost();
  try {
    const inputs = ['', 'héllo wörld 😀', 'x'.repeat(20_000)];
    for (const name of Object.keys(SHAPES)) {
      for (const input of inputs) assert.equal(host.filterSync(name, input), input, name);
      const inline = host.filter(name, 'inline');
      assert.equal(await settledNow(inline), true, 'ran inline');
      assert.equal(await inline, 'inline');
      const loops = spendInlineBudget(host);
      const onWorker = host.filter(name, 'on a worker');
      assert.equal(await settledNow(onWorker), false, 'ran on a worker');
      assert.equal(await onWorker, 'on a worker');
      await loops;
      assert.deepEqual(await host.filterMany(name, inputs), inputs);
    }
  } finally {
    await host.close();
  }
});

test('shortcodes and hooks in all three shapes', async () => {
  const host = await shapesHost();
  try {
    for (const name of Object.keys(SHAPES)) {
      const sync = JSON.parse(host.shortcodeSync(name, ['a', 'b'], 'inner'));
      assert.deepEqual(sync, { name, args: ['a', 'b'], content: 'inner' });
      assert.deepEqual(JSON.parse(await host.shortcode(name, ['c'])), { name, args: ['c'], content: '' });
    }
    // hooks() was read in each shape at load; each hook echoes the payload.
    const out = await host.runHook('onContentTransformed', { content: '<p>x</p>', url: '/a/' });
    assert.deepEqual(out, { event: 'onContentTransformed', content: '<p>x</p>', url: '/a/' });
  } finally {
    await host.close();
  }
});

test('(0, 0) is PLUGIN_ERROR with last_error\'s text, read through the same shape, on every path', async () => {
  const host = await shapesHost();
  try {
    for (const [name, results] of Object.entries(SHAPES)) {
      const text = new RegExp(`: ${results} plugin: the input was refused \\[PLUGIN_ERROR\\]$`);
      const fields = { plugin: name, export: 'filter' };
      assert.match((await expectCode(() => host.filterSync(name, '!sync'), ErrorCodes.PLUGIN_ERROR, fields)).message, text);
      assert.match((await expectCode(() => host.filter(name, '!inline'), ErrorCodes.PLUGIN_ERROR, fields)).message, text);
      const loops = spendInlineBudget(host);
      const onWorker = host.filter(name, '!worker');
      assert.equal(await settledNow(onWorker), false, 'ran on a worker');
      assert.match((await expectCode(() => onWorker, ErrorCodes.PLUGIN_ERROR, fields)).message, text);
      await loops;
      const many = await expectCode(() => host.filterMany(name, ['ok', '!many']), ErrorCodes.PLUGIN_ERROR, { ...fields, index: 1 });
      assert.match(many.message, new RegExp(`${results} plugin: the input was refused`));
      // The instance still serves.
      assert.equal(host.filterSync(name, 'after'), 'after');
    }
  } finally {
    await host.close();
  }
});

test('a retptr export\'s result slot never overlaps an input in a buffer alloc hands out again', async () => {
  // alloc returns the same buffer every time and refuses more than 300,000
  // bytes: the slot is the 8 bytes after the input in the one alloc'd block.
  const host = await shapesHost();
  try {
    for (const len of [1, 7, 8, 9, 299_985]) {
      const input = 'y'.repeat(len);
      assert.equal(host.filterSync('shapes-retptr', input), input);
    }
  } finally {
    await host.close();
  }
});
