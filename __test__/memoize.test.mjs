// memoize: outputs of pure plugins remembered in a byte-bounded LRU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { expectCode, pluginsDir, PluginHost, ErrorCodes } from './helpers.mjs';

async function hostOf(names, options) {
  const host = await PluginHost.create({ cacheDir: null, ...options });
  for (const name of names) await host.add(name, path.join(pluginsDir, `${name}.wasm`));
  return host;
}

test('a memoized plugin is called once per distinct input', async () => {
  // One miss and four hits: the plugin itself ran once.
  const host = await hostOf(['reactor'], { memoize: true, threads: 1 });
  try {
    const first = host.filterSync('reactor', 'same input');
    assert.equal(host.filterSync('reactor', 'same input'), first);
    assert.equal(await host.filter('reactor', 'same input'), first);
    assert.deepEqual(await host.filterMany('reactor', ['same input', 'same input']), [first, first]);
    const memo = host.stats('reactor').memo;
    assert.equal(memo.misses, 1);
    assert.equal(memo.hits, 4);
    assert.equal(memo.entries, 1);
  } finally {
    await host.close();
  }
});

test('memoize is off by default and can name plugins', async () => {
  const plain = await hostOf(['reactor'], {});
  try {
    assert.equal(plain.stats('reactor').memo, null);
  } finally {
    await plain.close();
  }
  const some = await hostOf(['reactor', 'uppercase'], { memoize: ['uppercase'] });
  try {
    some.filterSync('uppercase', 'abc');
    some.filterSync('uppercase', 'abc');
    some.filterSync('reactor', 'abc');
    some.filterSync('reactor', 'abc');
    const memo = some.stats('uppercase').memo;
    assert.equal(memo.hits, 1, 'only uppercase is memoized');
    assert.equal(memo.entries, 1);
  } finally {
    await some.close();
  }
});

test('the memo stays within memoizeMb, evicting the least recently used', async () => {
  const host = await hostOf(['uppercase'], { memoize: true, memoizeMb: 1 });
  try {
    const big = (i) => `${i}:`.padEnd(100_000, 'x');
    for (let i = 0; i < 30; i++) assert.equal(host.filterSync('uppercase', big(i)), big(i).toUpperCase());
    const memo = host.stats('uppercase').memo;
    assert.ok(memo.bytes <= 2 ** 20, `memo holds ${memo.bytes} bytes`);
    assert.ok(memo.entries < 30 && memo.entries >= 5, `${memo.entries} entries`);
    const before = host.stats('uppercase').memo.hits;
    host.filterSync('uppercase', big(29)); // recent: still there
    host.filterSync('uppercase', big(0)); // oldest: evicted, computed again
    assert.equal(host.stats('uppercase').memo.hits, before + 1);
  } finally {
    await host.close();
  }
});

test('errors are not memoized', async () => {
  const host = await PluginHost.create({ cacheDir: null, memoize: true });
  try {
    await host.add('trap', path.join(pluginsDir, '../broken/trap.wasm'));
    await expectCode(() => host.filterSync('trap', '!x'), ErrorCodes.TRAP);
    await expectCode(() => host.filterSync('trap', '!x'), ErrorCodes.TRAP);
    assert.equal(host.stats('trap').instancesDiscarded, 2, 'both calls ran');
  } finally {
    await host.close();
  }
  await expectCode(() => PluginHost.create({ memoize: 'yes' }), ErrorCodes.INVALID_OPTIONS);
  await expectCode(() => PluginHost.create({ memoizeMb: 0 }), ErrorCodes.INVALID_OPTIONS);
});

test('a replaced plugin never answers with its predecessor\'s outputs', async () => {
  // Keys come from the plugin's bytes, not its name.
  const host = await hostOf(['uppercase'], { memoize: true });
  try {
    assert.equal(host.filterSync('uppercase', 'abc'), 'ABC');
    await host.add('uppercase', path.join(pluginsDir, 'escape-html.wasm'), { replace: true });
    assert.equal(host.filterSync('uppercase', '<b>'), '&lt;b&gt;');
    assert.equal(host.filterSync('uppercase', 'abc'), 'abc', 'escape-html ran, not the memo of uppercase');
  } finally {
    await host.close();
  }
});

test('without a folder the disk counters are zero', async () => {
  const host = await hostOf(['uppercase'], { memoize: ['uppercase'] });
  try {
    host.filterSync('uppercase', 'abc');
    const memo = host.stats('uppercase').memo;
    assert.deepEqual(
      [memo.diskEntries, memo.diskBytes, memo.diskHits, memo.diskMisses, memo.diskWrites, memo.diskErrors, memo.diskError],
      [0, 0, 0, 0, 0, 0, null],
    );
    assert.deepEqual(host.options.memoize, ['uppercase'], 'the array form stays as given');
  } finally {
    await host.close();
  }
});
