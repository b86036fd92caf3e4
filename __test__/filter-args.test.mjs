// Filter arguments: filterSync/filter/filterMany(name, input(s), args) with
// `args` an array of JSON values reach the optional export
// `filter_args(ptr, len) -> (ptr, len)` as {"input": ..., "args": [...]}.
// The test plugins echo the JSON they get (__test__/fixtures/abi-src/*.wat).
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { PluginHost, ErrorCodes, abiPlugin, pluginsDir, broken, expectCode, settledNow, spendInlineBudget } from './helpers.mjs';

async function argsHost(options = {}) {
  const host = await PluginHost.create({ cacheDir: null, timeoutMs: 100, ...options });
  for (const name of ['shapes-i64', 'shapes-mv', 'shapes-retptr', 'args-only']) await host.add(name, abiPlugin(name));
  await host.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
  await host.add('loops', broken('sometimes-loops'));
  return host;
}

const INPUT = 'Tïtle "quoted" \\ back\nline\u0001 😀';
const ARGS = [40, '…', null, true, { k: ['v', 1.5] }, []];

test('args reach filter_args as {"input", "args"} on every path, in every result shape', async () => {
  const host = await argsHost();
  try {
    const want = { input: INPUT, args: ARGS };
    for (const name of ['shapes-i64', 'shapes-mv', 'shapes-retptr']) {
      assert.deepEqual(JSON.parse(host.filterSync(name, INPUT, ARGS)), want, name);
      const inline = host.filter(name, INPUT, ARGS);
      assert.equal(await settledNow(inline), true);
      assert.deepEqual(JSON.parse(await inline), want);
      const loops = spendInlineBudget(host);
      const onWorker = host.filter(name, INPUT, ARGS);
      assert.equal(await settledNow(onWorker), false, 'ran on a worker');
      assert.deepEqual(JSON.parse(await onWorker), want);
      await loops;
      const inputs = [INPUT, '', 'x'.repeat(3000), 'ünï'];
      const many = await host.filterMany(name, inputs, ARGS);
      assert.deepEqual(many.map((out) => JSON.parse(out)), inputs.map((input) => ({ input, args: ARGS })));
    }
  } finally {
    await host.close();
  }
});

test('a big input with args (the input buffer grows for the arguments) arrives whole', async () => {
  const host = await argsHost();
  try {
    // 21,800 three-byte characters nearly fill the 64 KiB input buffer; the
    // arguments after them make it grow.
    const input = '日'.repeat(21_800);
    const args = ['ab', 'x'.repeat(2000)];
    assert.deepEqual(JSON.parse(host.filterSync('shapes-i64', input, args)), { input, args });
    assert.deepEqual(JSON.parse(await host.filter('shapes-mv', input, args)), { input, args });
    assert.deepEqual(JSON.parse(host.filterSync('shapes-retptr', 'small', [1])), { input: 'small', args: [1] });
  } finally {
    await host.close();
  }
});

test('without args (or with []) a plugin with both exports gets filter; one with only filter_args gets "args": []', async () => {
  const host = await argsHost();
  try {
    for (const args of [undefined, []]) {
      assert.equal(host.filterSync('shapes-retptr', INPUT, args), INPUT);
      assert.equal(await host.filter('shapes-mv', INPUT, args), INPUT);
      assert.deepEqual(await host.filterMany('shapes-i64', [INPUT], args), [INPUT]);
      const want = { input: INPUT, args: [] };
      assert.deepEqual(JSON.parse(host.filterSync('args-only', INPUT, args)), want);
      assert.deepEqual(JSON.parse(await host.filter('args-only', INPUT, args)), want);
      assert.deepEqual((await host.filterMany('args-only', [INPUT, 'b'], args)).map((o) => JSON.parse(o)), [want, { input: 'b', args: [] }]);
    }
    assert.deepEqual(JSON.parse(host.filterSync('args-only', 'a', [1])), { input: 'a', args: [1] });
  } finally {
    await host.close();
  }
});

test('args for a plugin without filter_args are INVALID_INPUT on every path', async () => {
  const host = await argsHost();
  try {
    const fields = { plugin: 'uppercase', export: 'filter' };
    const err = await expectCode(() => host.filterSync('uppercase', 'x', [1, 2]), ErrorCodes.INVALID_INPUT, fields);
    assert.match(err.message, /takes no arguments \(got 2\).*filter_args/);
    await expectCode(() => host.filter('uppercase', 'x', ['a']), ErrorCodes.INVALID_INPUT, fields);
    await expectCode(() => host.filterMany('uppercase', ['x'], ['a']), ErrorCodes.INVALID_INPUT, fields);
    // Without args it is an ordinary filter.
    assert.equal(host.filterSync('uppercase', 'x', []), 'X');
  } finally {
    await host.close();
  }
});

test('args that are not an array of JSON values are INVALID_INPUT', async () => {
  const host = await argsHost();
  try {
    const cycle = [];
    cycle.push(cycle);
    for (const args of ['40', 40, null, { 0: 1 }, [undefined], [() => 1], [Number.NaN], [1n], [new Date(0)], cycle, [Symbol('s')]]) {
      const fields = { plugin: 'shapes-i64', export: 'filter' };
      await expectCode(() => host.filterSync('shapes-i64', 'x', args), ErrorCodes.INVALID_INPUT, fields);
      await expectCode(() => host.filter('shapes-i64', 'x', args), ErrorCodes.INVALID_INPUT, fields);
      await expectCode(() => host.filterMany('shapes-i64', ['x'], args), ErrorCodes.INVALID_INPUT, fields);
    }
  } finally {
    await host.close();
  }
});

test('memoized outputs are kept apart by args', async () => {
  const host = await argsHost({ memoize: true });
  try {
    const a = host.filterSync('shapes-i64', 'x', [1]);
    const b = host.filterSync('shapes-i64', 'x', [2]);
    const none = host.filterSync('shapes-i64', 'x');
    assert.deepEqual([JSON.parse(a).args, JSON.parse(b).args, none], [[1], [2], 'x']);
    assert.equal(host.filterSync('shapes-i64', 'x', [1]), a);
    assert.deepEqual(await host.filterMany('shapes-i64', ['x'], [2]), [b]);
    assert.equal(host.stats('shapes-i64').memo.hits, 2);
  } finally {
    await host.close();
  }
});
