// Issue 11, items 1, 2 and 4: no way around the memory cap, and no compile
// bombs. What the cap could not see (extra memories and tables, GC types,
// exceptions) and modules shaped to make compiling unbounded are refused at
// load with INVALID_MODULE naming what was refused; a table past the cap is
// MEMORY_LIMIT, at load and when grown, in filterSync, filter and
// filterMany alike, each followed by a normal call.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { PluginHost, ErrorCodes, pluginsDir, broken, expectCode } from './helpers.mjs';

const UPPERCASE = path.join(pluginsDir, 'uppercase.wasm');

/** A host with the well-behaved `uppercase` plugin, to show the host is unharmed. */
async function hostWithNeighbour(options = {}) {
  const host = await PluginHost.create({ cacheDir: null, threads: 2, ...options });
  await host.add('uppercase', UPPERCASE);
  return host;
}

async function assertNeighbourServes(host) {
  assert.equal(host.filterSync('uppercase', 'still here'), 'STILL HERE');
  assert.equal(await host.filter('uppercase', 'still here'), 'STILL HERE');
  assert.deepEqual(await host.filterMany('uppercase', ['a', 'b']), ['A', 'B']);
}

// ---------------------------------------------------------------------------
// A compile bomb: memory, alloc, an echoing filter, and one function of
// `depth` nested blocks, encoded by hand (its WAT would be tens of MB).

function leb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function section(id, contents) {
  return Buffer.concat([Buffer.from([id, ...leb(contents.length)]), contents]);
}

function str(s) {
  return [...leb(s.length), ...Buffer.from(s)];
}

function nestedBlocksModule(depth) {
  const types = Buffer.from([
    3,
    0x60, 1, 0x7f, 1, 0x7f, // (i32) -> i32: alloc
    0x60, 2, 0x7f, 0x7f, 1, 0x7e, // (i32, i32) -> i64: filter
    0x60, 0, 0, // () -> (): the bomb
  ]);
  const funcs = Buffer.from([3, 0, 1, 2]);
  const memory = Buffer.from([1, 0x00, 1]);
  const exports = Buffer.from([3, ...str('memory'), 0x02, 0, ...str('alloc'), 0x00, 0, ...str('filter'), 0x00, 1]);
  const alloc = Buffer.from([0x00, 0x41, 0x80, 0x08, 0x0b]); // i32.const 1024
  // (ptr << 32) | len
  const filter = Buffer.from([0x00, 0x20, 0, 0xad, 0x42, 32, 0x86, 0x20, 1, 0xad, 0x84, 0x0b]);
  const bomb = Buffer.alloc(1 + depth * 3 + 1);
  for (let i = 0; i < depth; i++) bomb.writeUInt16BE(0x0240, 1 + i * 2);
  bomb.fill(0x0b, 1 + depth * 2);
  const body = (b) => Buffer.concat([Buffer.from(leb(b.length)), b]);
  const code = Buffer.concat([Buffer.from([3]), body(alloc), body(filter), body(bomb)]);
  return Buffer.concat([
    Buffer.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
    section(1, types),
    section(3, funcs),
    section(5, memory),
    section(7, exports),
    section(10, code),
  ]);
}

// ---------------------------------------------------------------------------

describe('refused at load with INVALID_MODULE, naming what was refused', () => {
  const CASES = [
    { what: '31 extra memories of 60 MiB (multi-memory)', plugin: 'many-memories', message: /32 memories/ },
    { what: '16 tables of 8 Mi entries', plugin: 'many-tables', message: /16 tables/ },
    { what: 'a GC array type', plugin: 'gc-types', message: /array type .*GC/ },
    { what: 'an exception tag', plugin: 'exceptions', message: /exception handling/ },
    { what: '2.5 million nested blocks (7.5 MB)', plugin: 'nest-bomb', source: () => nestedBlocksModule(2_500_000), message: /limit: function size/ },
    { what: '10,001 nested blocks', plugin: 'deep-blocks', source: () => nestedBlocksModule(10_001), message: /limit: nesting depth/ },
  ];
  for (const c of CASES) {
    test(`${c.what} (${c.plugin})`, async () => {
      const host = await hostWithNeighbour({ memoryLimitMb: 64 });
      try {
        const source = c.source ? c.source() : broken(c.plugin);
        const err = await expectCode(() => host.add(c.plugin, source), ErrorCodes.INVALID_MODULE, { plugin: c.plugin });
        assert.match(err.message, c.message);
        assert.equal(host.plugins().some((p) => p.name === c.plugin), false);
        await assertNeighbourServes(host);
      } finally {
        await host.close();
      }
    });
  }

  test('10,000 nested blocks (the limit) still load and run', async () => {
    const host = await hostWithNeighbour();
    try {
      await host.add('deep', nestedBlocksModule(10_000));
      assert.equal(host.filterSync('deep', 'x'), 'x');
      assert.equal(await host.filter('deep', 'y'), 'y');
      assert.deepEqual(await host.filterMany('deep', ['a', 'b']), ['a', 'b']);
    } finally {
      await host.close();
    }
  });
});

test('an initial table past the cap is MEMORY_LIMIT at load, not TRAP (huge-table)', async () => {
  const host = await hostWithNeighbour({ memoryLimitMb: 64 });
  try {
    const err = await expectCode(() => host.add('huge-table', broken('huge-table')), ErrorCodes.MEMORY_LIMIT, { plugin: 'huge-table' });
    assert.match(err.message, /64 MiB limit/);
    await assertNeighbourServes(host);
  } finally {
    await host.close();
  }
});

describe('a table grown past the cap is MEMORY_LIMIT (table-bomb)', () => {
  const CASES = [
    { what: 'a table grown by 100 million entries', bad: '!t', options: { memoryLimitMb: 16 }, message: /a table .*16 MiB limit/ },
    { what: '6 MiB of memory and then 4 MiB of table, under an 8 MiB cap: one budget', bad: '!b', options: { memoryLimitMb: 8 }, message: /a table .*8 MiB limit/ },
  ];
  const fields = { plugin: 'table-bomb', export: 'filter' };
  for (const c of CASES) {
    test(`${c.what}: filterSync, filter and filterMany, each followed by a normal call`, async () => {
      const host = await hostWithNeighbour(c.options);
      try {
        await host.add('table-bomb', broken('table-bomb'));
        let err = await expectCode(() => host.filterSync('table-bomb', c.bad), ErrorCodes.MEMORY_LIMIT, fields);
        assert.match(err.message, c.message);
        assert.equal(host.filterSync('table-bomb', 'next'), 'next');

        err = await expectCode(() => host.filter('table-bomb', c.bad), ErrorCodes.MEMORY_LIMIT, fields);
        assert.match(err.message, c.message);
        assert.equal(await host.filter('table-bomb', 'next'), 'next');

        const inputs = ['a', 'b', 'c', c.bad, 'e', 'f'];
        err = await expectCode(() => host.filterMany('table-bomb', inputs), ErrorCodes.MEMORY_LIMIT, { ...fields, index: 3 });
        assert.match(err.message, c.message);
        assert.deepEqual(await host.filterMany('table-bomb', ['a', 'b']), ['a', 'b']);
        await assertNeighbourServes(host);
      } finally {
        await host.close();
      }
    });
  }

  test('recycling sees a grown table, not only the exported memory', async () => {
    const host = await hostWithNeighbour({ memoryLimitMb: 64, recycleMemoryMb: 4 });
    try {
      await host.add('table-bomb', broken('table-bomb'));
      assert.equal(host.filterSync('table-bomb', 'a'), 'a');
      assert.equal(host.stats('table-bomb').instancesRecycled, 0);
      // Grows the table to 8 MiB (the memory stays at 64 KiB) and succeeds.
      assert.equal(host.filterSync('table-bomb', '!r'), '!r');
      assert.equal(host.stats('table-bomb').instancesRecycled, 1);
      assert.equal(await host.filter('table-bomb', '!r'), '!r');
      assert.equal(host.stats('table-bomb').instancesRecycled, 2);
      assert.equal(host.filterSync('table-bomb', 'b'), 'b');
    } finally {
      await host.close();
    }
  });
});
