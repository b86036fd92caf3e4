// An output longer than a V8 string can hold is BAD_RESULT naming the plugin
// and export, on every path, and the calls beside it are unaffected.
import test from 'node:test';
import assert from 'node:assert/strict';

import { PluginHost, ErrorCodes, broken, assertPluginError } from './helpers.mjs';

test('an output over 2^29 - 24 characters is BAD_RESULT on the sync, async and batch paths; calls beside it are served', async () => {
  const host = await PluginHost.create({ cacheDir: null, memoryLimitMb: 1024, threads: 2 });
  try {
    await host.add('huge', broken('huge-output'));
    const bad = (err) => {
      assertPluginError(err, ErrorCodes.BAD_RESULT, { plugin: 'huge', export: 'filter' });
      assert.match(err.message, /more than a JavaScript string can hold/);
      return true;
    };
    assert.throws(() => host.filterSync('huge', '!'), bad);
    assert.equal(host.filterSync('huge', 'after sync'), 'after sync');
    // The first runs inline and spends this turn's inline budget (it reads
    // 512 MiB), so the second runs on a worker: both paths are checked.
    const inline = host.filter('huge', '!');
    const worker = host.filter('huge', '!');
    await assert.rejects(inline, bad);
    await assert.rejects(worker, bad);
    // Several at once: the batch fails at its index, the calls beside it succeed.
    const [many, beside, next] = await Promise.allSettled([
      host.filterMany('huge', ['a', '!', 'b']),
      host.filter('huge', 'beside'),
      host.filterMany('huge', ['x', 'y']),
    ]);
    assert.equal(many.status, 'rejected');
    bad(many.reason);
    assert.equal(many.reason.index, 1);
    assert.deepEqual([beside.value, next.value], ['beside', ['x', 'y']]);
    assert.equal(await host.filter('huge', 'last'), 'last');
  } finally {
    await host.close();
  }
});
