// Hostile plugins, systematically: every misbehaving fixture through
// filterSync, filter and a filterMany batch (the bad input at a known index
// among good ones). Each must fail with its code, plugin, export (and index),
// lose nothing else, and leave the plugin serving the next call correctly.
// The fixtures echo their input unless it starts with "!" (bad-alloc: unless
// it has one of five sizes; see fixtures/broken-src/README.md), so one plugin
// fails only for chosen inputs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PluginHost, ErrorCodes, pluginsDir, broken, expectCode } from './helpers.mjs';

const UPPERCASE = path.join(pluginsDir, 'uppercase.wasm');

/** An input of exactly `bytes` bytes, starting with "!". */
function sized(bytes) {
  return '!'.padEnd(bytes, '.');
}

/** Each hostile behaviour: the fixture, the input that sets it off, the code and message it must give. */
const CASES = [
  { what: 'an infinite loop', plugin: 'infinite-loop', bad: '!', code: ErrorCodes.TIMEOUT, message: /100 ms time limit/, options: { timeoutMs: 100 } },
  { what: 'a memory.grow bomb', plugin: 'memory-bomb', bad: '!', code: ErrorCodes.MEMORY_LIMIT, message: /16 MiB limit/, options: { memoryLimitMb: 16 } },
  { what: 'unreachable', plugin: 'trap', bad: '!', code: ErrorCodes.TRAP, message: /unreachable/ },
  { what: 'a stack overflow', plugin: 'stack-overflow', bad: '!', code: ErrorCodes.TRAP, message: /stack overflow/ },
  { what: 'an AssemblyScript abort', plugin: 'as-abort', bad: '!no', code: ErrorCodes.TRAP, message: /abort: as-abort: refused/ },
  { what: 'a result pointer outside memory', plugin: 'bad-result', bad: '!o', code: ErrorCodes.BAD_RESULT, message: /outside its 65536-byte memory/ },
  { what: 'a ptr+len that wraps past 4 GiB', plugin: 'bad-result', bad: '!w', code: ErrorCodes.BAD_RESULT, message: /0xfffffff0/ },
  { what: 'a length past the end of memory', plugin: 'bad-result', bad: '!l', code: ErrorCodes.BAD_RESULT, message: /outside/ },
  { what: 'output that is not UTF-8', plugin: 'bad-result', bad: '!u', code: ErrorCodes.BAD_RESULT, message: /not UTF-8/ },
  { what: '(0, 0) with last_error', plugin: 'fails', bad: '!', code: ErrorCodes.PLUGIN_ERROR, message: /the input was rejected/ },
  // alloc() misbehaving, chosen by the input's exact size in bytes (so these inputs are never decorated).
  { what: 'alloc executing unreachable', plugin: 'bad-alloc', bad: sized(7001), code: ErrorCodes.TRAP, message: /unreachable/ },
  { what: 'alloc looping forever', plugin: 'bad-alloc', bad: sized(7002), code: ErrorCodes.TIMEOUT, message: /100 ms time limit/, options: { timeoutMs: 100 } },
  { what: 'alloc growing memory without end', plugin: 'bad-alloc', bad: sized(7003), code: ErrorCodes.MEMORY_LIMIT, message: /16 MiB limit/, options: { memoryLimitMb: 16 } },
  { what: 'alloc returning a pointer with no room for the input', plugin: 'bad-alloc', bad: sized(7004), code: ErrorCodes.BAD_RESULT, message: /alloc\(7004\) returned 0xfffffff0/ },
  { what: 'alloc returning 0', plugin: 'bad-alloc', bad: sized(7005), code: ErrorCodes.PLUGIN_ERROR, message: /alloc\(7005\) returned 0/ },
  // filter returns (0, 0) and then last_error() misbehaves: still a plugin error, within the time limit.
  { what: 'last_error executing unreachable', plugin: 'bad-last-error', bad: '!t', code: ErrorCodes.PLUGIN_ERROR, message: /last_error\(\) then failed: .*\[TRAP\]/ },
  { what: 'last_error looping forever', plugin: 'bad-last-error', bad: '!l', code: ErrorCodes.PLUGIN_ERROR, message: /last_error\(\) then failed: .*\[TIMEOUT\]/, options: { timeoutMs: 100 } },
  { what: 'last_error growing memory without end', plugin: 'bad-last-error', bad: '!g', code: ErrorCodes.PLUGIN_ERROR, message: /last_error\(\) then failed: .*\[MEMORY_LIMIT\]/, options: { memoryLimitMb: 16 } },
  { what: 'last_error returning a ptr+len that wraps past 4 GiB', plugin: 'bad-last-error', bad: '!o', code: ErrorCodes.PLUGIN_ERROR, message: /last_error\(\) then failed: .*\[BAD_RESULT\]/ },
  { what: 'last_error returning bytes that are not UTF-8', plugin: 'bad-last-error', bad: '!u', code: ErrorCodes.PLUGIN_ERROR, message: /\uFFFD\uFFFD/ },
].map((c) => ({ ...c, decorate: c.bad.length >= 7000 ? () => c.bad : (suffix) => `${c.bad}${suffix}` }));

const BATCH_SIZE = 24;
const BAD_INDEX = 13;
const goodInputs = (n) => Array.from({ length: n }, (_, i) => `page ${i} ünï ${'w '.repeat(i % 5)}`);

/** A host with the hostile plugin and a well-behaved one. */
async function hostFor(c) {
  const host = await PluginHost.create({ cacheDir: null, threads: 2, ...c.options });
  await host.add(c.plugin, broken(c.plugin));
  await host.add('uppercase', UPPERCASE);
  return host;
}

/** Asserts the hostile plugin and its well-behaved neighbour both serve correctly. */
async function assertServes(host, plugin) {
  assert.equal(host.filterSync(plugin, 'next sync'), 'next sync');
  assert.equal(await host.filter(plugin, 'next async'), 'next async');
  const inputs = goodInputs(BATCH_SIZE);
  assert.deepEqual(await host.filterMany(plugin, inputs), inputs);
  assert.equal(await host.filter('uppercase', 'neighbour'), 'NEIGHBOUR');
}

for (const c of CASES) {
  describe(`${c.code}: ${c.what} (${c.plugin}, ${c.bad.length > 20 ? `a ${c.bad.length}-byte input` : `"${c.bad}"`})`, () => {
    const fields = { plugin: c.plugin, export: 'filter' };

    test('filterSync fails with the code, then the plugin serves the next call', async () => {
      const host = await hostFor(c);
      try {
        const err = await expectCode(() => host.filterSync(c.plugin, c.bad), c.code, fields);
        assert.match(err.message, c.message);
        assert.equal(err.index, undefined);
        await assertServes(host, c.plugin);
      } finally {
        await host.close();
      }
    });

    test('filter (async) fails with the code, then the plugin serves the next call', async () => {
      const host = await hostFor(c);
      try {
        const err = await expectCode(() => host.filter(c.plugin, c.bad), c.code, fields);
        assert.match(err.message, c.message);
        await assertServes(host, c.plugin);
      } finally {
        await host.close();
      }
    });

    test(`filterMany rejects with the bad input's error and index ${BAD_INDEX}; nothing else is lost`, async () => {
      const host = await hostFor(c);
      try {
        const inputs = goodInputs(BATCH_SIZE);
        inputs[BAD_INDEX] = c.decorate(` input ${BAD_INDEX}`);
        // A batch of the neighbour plugin runs at the same time and must be untouched.
        const neighbour = host.filterMany('uppercase', goodInputs(200));
        const err = await expectCode(() => host.filterMany(c.plugin, inputs), c.code, { ...fields, index: BAD_INDEX });
        assert.match(err.message, c.message);
        assert.match(err.message, new RegExp(`input #${BAD_INDEX}\\b`));
        assert.deepEqual(await neighbour, goodInputs(200).map((s) => s.toUpperCase()));
        // The same batch without the bad input gives every output, in order.
        const good = inputs.filter((_, i) => i !== BAD_INDEX);
        assert.deepEqual(await host.filterMany(c.plugin, good), good);
        await assertServes(host, c.plugin);
      } finally {
        await host.close();
      }
    });

    test('filterMany with bad inputs first, last and twice reports the lowest index', async () => {
      const host = await hostFor(c);
      try {
        const inputs = goodInputs(BATCH_SIZE);
        const first = [c.bad, ...inputs];
        await expectCode(() => host.filterMany(c.plugin, first), c.code, { ...fields, index: 0 });
        const last = [...inputs, c.bad];
        await expectCode(() => host.filterMany(c.plugin, last), c.code, { ...fields, index: BATCH_SIZE });
        const twice = inputs.map((s, i) => (i === 5 || i === 17 ? c.decorate(` ${i}`) : s));
        await expectCode(() => host.filterMany(c.plugin, twice), c.code, { ...fields, index: 5 });
        await expectCode(() => host.filterMany(c.plugin, [c.bad]), c.code, { ...fields, index: 0 });
        await assertServes(host, c.plugin);
      } finally {
        await host.close();
      }
    });
  });
}

test('repeated failures do not wear a plugin out: 30 failures alternating with good calls', async () => {
  const quick = CASES.filter((c) => c.options?.timeoutMs === undefined); // no runaway loops
  const host = await PluginHost.create({ cacheDir: null, threads: 2, memoryLimitMb: 16 });
  for (const plugin of new Set(quick.map((c) => c.plugin))) await host.add(plugin, broken(plugin));
  try {
    for (let round = 0; round < 30; round++) {
      for (const c of quick) {
        const call = round % 2 ? () => host.filter(c.plugin, c.bad) : () => host.filterSync(c.plugin, c.bad);
        await expectCode(call, c.code, { plugin: c.plugin });
        const input = `round ${round}`;
        assert.equal(round % 2 ? await host.filter(c.plugin, input) : host.filterSync(c.plugin, input), input);
      }
    }
  } finally {
    await host.close();
  }
});

test('every hostile plugin at once, async, among good calls: each gets its own answer', async () => {
  const host = await PluginHost.create({ cacheDir: null, threads: 2, timeoutMs: 100, memoryLimitMb: 16 });
  for (const plugin of new Set(CASES.map((c) => c.plugin))) await host.add(plugin, broken(plugin));
  await host.add('uppercase', UPPERCASE);
  try {
    const calls = [];
    for (let i = 0; i < 4; i++) {
      for (const c of CASES) {
        calls.push(host.filter(c.plugin, c.bad).then(
          () => assert.fail(`${c.plugin} "${c.bad}" succeeded`),
          (err) => assert.equal(err.code, c.code, err.message),
        ));
        calls.push(host.filter(c.plugin, `good ${i}`).then((out) => assert.equal(out, `good ${i}`)));
        calls.push(host.filter('uppercase', `good ${i}`).then((out) => assert.equal(out, `GOOD ${i}`)));
        assert.equal(host.filterSync(c.plugin, `sync ${i}`), `sync ${i}`);
      }
    }
    await Promise.all(calls);
  } finally {
    await host.close();
  }
});

describe('UNSUPPORTED_IMPORT: a module that imports something unknown', () => {
  test('add() fails with the code and a message naming the import; the host keeps serving', async () => {
    const host = await PluginHost.create({ cacheDir: null });
    try {
      await host.add('uppercase', UPPERCASE);
      const err = await expectCode(() => host.add('bad-import', broken('bad-import')), ErrorCodes.UNSUPPORTED_IMPORT, { plugin: 'bad-import' });
      assert.match(err.message, /env\.fetch/);
      assert.deepEqual(host.plugins().map((p) => p.name), ['uppercase']);
      await expectCode(() => host.filterSync('bad-import', 'x'), ErrorCodes.PLUGIN_NOT_FOUND);
      assert.equal(host.filterSync('uppercase', 'still here'), 'STILL HERE');
      assert.equal(await host.filter('uppercase', 'still here'), 'STILL HERE');
      assert.deepEqual(await host.filterMany('uppercase', ['a', 'b']), ['A', 'B']);
      // The name was not taken by the failed load: a good module can use it.
      await host.add('bad-import', broken('trap'));
      assert.equal(host.filterSync('bad-import', 'echo'), 'echo');
    } finally {
      await host.close();
    }
  });

  test('the bytes form of add() fails the same way', async () => {
    const { readFileSync } = await import('node:fs');
    const host = await PluginHost.create({ cacheDir: null });
    try {
      const err = await expectCode(() => host.add('from-bytes', readFileSync(broken('bad-import'))), ErrorCodes.UNSUPPORTED_IMPORT, { plugin: 'from-bytes' });
      assert.match(err.message, /env\.fetch/);
      assert.deepEqual(host.plugins(), []);
    } finally {
      await host.close();
    }
  });

  test('a folder holding it fails the whole load with that plugin\'s error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'alloy-hostile-'));
    try {
      copyFileSync(UPPERCASE, path.join(dir, 'a-good.wasm'));
      copyFileSync(broken('bad-import'), path.join(dir, 'b-bad-import.wasm'));
      const err = await expectCode(() => PluginHost.load(dir, { cacheDir: null }), ErrorCodes.UNSUPPORTED_IMPORT, { plugin: 'b-bad-import' });
      assert.match(err.message, /env\.fetch/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
