// Hosts that are never closed must not hold OS threads: worker threads start
// with the first async or batch call, so 10,000 PluginHost.create() (and
// sync calls) without close() add none. A host that did start workers gives
// them back at close().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { PluginHost, pluginsDir } from './helpers.mjs';

/** The OS threads of this process. */
function threadCount() {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
}

// V8 and libuv may start a helper thread of their own meanwhile.
const SLACK = 2;

test('10,000 hosts created and never closed hold no extra threads', async () => {
  const before = threadCount();
  const hosts = []; // kept alive: nothing is garbage-collected
  for (let i = 0; i < 10_000; i++) hosts.push(await PluginHost.create({ cacheDir: null, threads: 4 }));
  const after = threadCount();
  assert.ok(after <= before + SLACK, `threads: ${before} before, ${after} after 10,000 create()`);
  assert.equal(hosts.length, 10_000);
});

// add() and load() run on a short-lived thread of their own, not the
// workers, so a host that loads a plugin and only makes sync calls starts no
// worker threads.
test('hosts that load a plugin and make only sync calls hold no extra threads', async () => {
  // The first load starts the process-wide engine: its epoch ticker and the
  // compiler's thread pool. Count from after that.
  const warm = await PluginHost.create({ cacheDir: null });
  await warm.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
  await warm.close();
  await new Promise((resolve) => setTimeout(resolve, 50)); // the load thread exits
  const hosts = [];
  const before = threadCount();
  for (let i = 0; i < 200; i++) {
    const host = await PluginHost.create({ cacheDir: null, threads: 2 });
    await host.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
    assert.equal(host.filterSync('uppercase', `page ${i}`), `PAGE ${i}`);
    hosts.push(host);
  }
  const after = threadCount();
  await Promise.all(hosts.map((host) => host.close()));
  assert.ok(after <= before + SLACK, `threads: ${before} before, ${after} after 200 hosts with a plugin and sync calls`);
});

test("a host's workers end at close(); the next host works", async () => {
  const before = threadCount();
  const hosts = [];
  for (let i = 0; i < 50; i++) {
    const host = await PluginHost.create({ cacheDir: null, threads: 2 });
    await host.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
    // Calls in flight together run on the host's workers.
    const outputs = await Promise.all(Array.from({ length: 4 }, (_, j) => host.filter('uppercase', `x${j}`)));
    assert.deepEqual(outputs, ['X0', 'X1', 'X2', 'X3']);
    hosts.push(host);
  }
  await Promise.all(hosts.map((host) => host.close()));
  assert.ok(threadCount() <= before + SLACK, `threads after close(): ${threadCount()}, before ${before}`);
  const next = await PluginHost.create({ cacheDir: null });
  await next.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
  assert.equal(await next.filter('uppercase', 'ok'), 'OK');
  await next.close();
});
