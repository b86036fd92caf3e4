// Concurrency: hundreds of overlapping async calls across plugins mixed with
// sync calls, filterMany order whatever finishes first, no deadlock when
// every worker is busy and more calls queue up, and hosts created and closed
// in a loop leak neither threads nor memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { PluginHost, pluginsDir, broken, root } from './helpers.mjs';

const plugin = (name) => path.join(pluginsDir, `${name}.wasm`);
const wordCount = (s) => String(s.split(/[ \t\n\r\f\v]+/).filter((w) => w.length > 0).length);

/** Fails with a clear message if `promise` has not settled after `ms` (a deadlock would hang). */
async function within(ms, what, promise) {
  let timer;
  const hang = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms: deadlock?`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** A host with the example plugins of several languages and result forms, plus `spin`. */
async function mixedHost(options) {
  const host = await PluginHost.create({ cacheDir: null, ...options });
  await host.add('uppercase', plugin('uppercase')); // Rust, i64 results
  await host.add('word-count-mv', plugin('word-count-mv')); // WAT, multi-value results
  await host.add('reactor', plugin('reactor')); // C WASI reactor
  await host.add('youtube', plugin('youtube')); // Rust shortcode
  await host.add('lazy-images', plugin('lazy-images')); // Rust hook
  await host.add('spin', broken('spin')); // burns CPU for a bounded time, then echoes
  await host.add('trap', broken('trap')); // echoes, traps on "!"
  return host;
}

test('600 overlapping async calls across plugins, mixed with sync calls in the same ticks, all correct', async () => {
  const host = await mixedHost({ threads: 2 });
  try {
    // References the JS equivalents cannot give: one serial call each.
    const video = (i) => `vid${i % 7}`;
    const embeds = new Map();
    for (let k = 0; k < 7; k++) embeds.set(video(k), host.shortcodeSync('youtube', [video(k)]));
    const page = (i) => ({ html: `<p><img src="${i}.png"> and <img src="b${i}.png"></p>`, url: `/p/${i}/` });
    const lazy = (i) => `<p><img loading="lazy" src="${i}.png"> and <img loading="lazy" src="b${i}.png"></p>`;

    const kinds = [
      (s) => [host.filter('uppercase', s), s.toUpperCase()],
      (s) => [host.filter('word-count-mv', s), wordCount(s)],
      (s) => [host.filter('reactor', s), `1:${s}`],
      (s, i) => [host.shortcode('youtube', [video(i)]), embeds.get(video(i))],
      (s, i) => [host.runHook('onContentTransformed', page(i)).then((p) => [p.html, p.url, p.event]),
        [lazy(i), `/p/${i}/`, 'onContentTransformed']],
      (s, i) => [host.filter('spin', `${i % 3}:${s}`), `${i % 3}:${s}`],
      (s, i) => [host.filter('trap', i % 10 === 0 ? `!${s}` : s).catch((e) => e.code), i % 10 === 0 ? 'TRAP' : s],
      (s) => [host.filterMany('uppercase', [s, `${s}!`, '']), [s.toUpperCase(), `${s.toUpperCase()}!`, '']],
    ];
    const calls = [];
    let syncChecked = 0;
    for (let i = 0; i < 600; i++) {
      const input = `call ${i} ünïcode ${'ab '.repeat(i % 13)}`;
      const [pending, expected] = kinds[i % kinds.length](input, i);
      calls.push(pending.then((got) => ({ i, got, expected })));
      // Sync calls in the same tick as the async ones in flight.
      if (i % 5 === 0) {
        assert.equal(host.filterSync('word-count-mv', input), wordCount(input));
        assert.equal(host.filterSync('reactor', input), `1:${input}`);
        syncChecked += 2;
      }
    }
    const results = await within(60000, '600 async calls', Promise.all(calls));
    assert.equal(results.length, 600);
    for (const { i, got, expected } of results) assert.deepEqual(got, expected, `call #${i}`);
    assert.equal(syncChecked, 240);
  } finally {
    await host.close();
  }
});

test('filterMany keeps input order with mixed input sizes and mixed run times', async () => {
  const host = await mixedHost({ threads: 2 });
  try {
    // Sizes from 0 bytes to ~200 KB, shuffled, so neighbours take very different times.
    const sizes = Array.from({ length: 120 }, (_, i) => (i * 7919) % 120);
    const inputs = sizes.map((n, i) => `#${i} ${'größe '.repeat(n * n * 3)}`);
    // Run at the same time: a batch whose later inputs finish first (spin
    // counts down from 9 million iterations to 0), and two other batches.
    const spins = Array.from({ length: 60 }, (_, i) => `${Math.floor((59 - i) / 6)}:${i}`);
    const [upper, counts, spun] = await within(60000, 'three batches', Promise.all([
      host.filterMany('uppercase', inputs),
      host.filterMany('word-count-mv', inputs),
      host.filterMany('spin', spins),
    ]));
    assert.deepEqual(upper, inputs.map((s) => s.toUpperCase()));
    assert.deepEqual(counts, inputs.map(wordCount));
    assert.deepEqual(spun, spins);
  } finally {
    await host.close();
  }
});

for (const threads of [1, 2]) {
  test(`no deadlock with threads: ${threads} when every worker is busy and more calls arrive (they queue)`, async () => {
    const host = await mixedHost({ threads, timeoutMs: 10000 });
    try {
      // Each slow call spins ~100 ms; there are more of them than workers.
      const slow = Array.from({ length: threads * 3 }, (_, i) => host.filter('spin', `200:slow ${i}`));
      const queued = [];
      for (let i = 0; i < 150; i++) queued.push(host.filter('uppercase', `q${i}`).then((out) => assert.equal(out, `Q${i}`)));
      const batch = host.filterMany('spin', Array.from({ length: 40 }, (_, i) => `${i % 4}:b${i}`));
      const hook = host.runHook('onContentTransformed', { html: '<img src=x>' });
      // A JS hook handler that itself makes async calls while the workers are saturated.
      const off = host.on('onNested', async (payload) => ({ ...payload, out: await host.filter('reactor', payload.in) }));
      const nested = host.runHook('onNested', { in: 'nested' });
      const added = host.add('late', broken('trap')); // loads run on the workers too
      // Sync calls do not wait for the busy workers.
      for (let i = 0; i < 20; i++) assert.equal(host.filterSync('spin', `0:sync ${i}`), `0:sync ${i}`);

      const [slowOut, , batchOut, hookOut, nestedOut, info] = await within(60000, 'the saturated host', Promise.all([
        Promise.all(slow), Promise.all(queued), batch, hook, nested, added,
      ]));
      slowOut.forEach((out, i) => assert.equal(out, `200:slow ${i}`));
      assert.deepEqual(batchOut, Array.from({ length: 40 }, (_, i) => `${i % 4}:b${i}`));
      assert.equal(hookOut.html, '<img loading="lazy" src=x>');
      assert.equal(nestedOut.out, '1:nested');
      assert.equal(info.name, 'late');
      assert.equal(await host.filter('late', 'after'), 'after');
      off();
    } finally {
      await host.close();
    }
  });
}

// Runs in a child process so the thread count and RSS are this loop's alone.
const STRESS_SCRIPT = `
  const fs = require('node:fs');
  const { PluginHost } = require(${JSON.stringify(path.join(root, 'js/index.js'))});
  const wasm = fs.readFileSync(${JSON.stringify(plugin('word-count-mv'))});
  const trapWasm = fs.readFileSync(${JSON.stringify(broken('trap'))});
  const threads = () => Number(/Threads:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // Closed runtimes stop their threads in the background: wait (up to 5 s)
  // until the count is down to \`target\`, or has not changed for 200 ms.
  async function settle(target = 0) {
    for (let k = 0, last = -1, same = 0; k < 250 && threads() > target && same < 10; k++) {
      const now = threads();
      same = now === last ? same + 1 : 0;
      last = now;
      global.gc();
      await sleep(20);
    }
    global.gc();
    return { threads: threads(), rss: process.memoryUsage().rss };
  }
  async function cycle(i) {
    const h = await PluginHost.create({ cacheDir: null, threads: 2 });
    await h.add('wc', wasm);
    await h.add('trap', trapWasm);
    if (h.filterSync('wc', 'a b') !== '2') throw new Error('filterSync');
    if (await h.filter('wc', 'a b ' + i) !== '3') throw new Error('filter');
    if ((await h.filterMany('wc', ['a', 'a b', 'a b c'])).join() !== '1,2,3') throw new Error('filterMany');
    await h.filter('trap', '!').then(() => { throw new Error('no trap'); }, (e) => { if (e.code !== 'TRAP') throw e; });
    const inFlight = h.filter('wc', 'x y');
    await h.close();
    if (await inFlight !== '2') throw new Error('in flight at close');
  }
  (async () => {
    const start = await settle();
    for (let i = 0; i < 20; i++) await cycle(i); // warm-up: engine, allocator, JIT
    const before = await settle();
    for (let i = 0; i < 200; i++) await cycle(i);
    const after = await settle(before.threads);
    // Hosts that never ran async work start no threads.
    for (let i = 0; i < 30; i++) await PluginHost.create({ cacheDir: null, threads: 2 });
    const idle = threads();
    // Hosts dropped without close(): their threads go when the GC collects them.
    for (let i = 0; i < 30; i++) {
      const h = await PluginHost.create({ cacheDir: null, threads: 2 });
      await h.add('wc', wasm);
      if ((await h.filterMany('wc', ['a', 'a b'])).join() !== '1,2') throw new Error('filterMany');
    }
    const abandoned = threads();
    const collected = await settle(before.threads);
    console.log(JSON.stringify({ start, before, after, idle, abandoned, collected }));
  })().catch((e) => { console.error(e); process.exit(1); });
`;

test('200 hosts created, used and closed in a loop leak neither threads nor memory', (t) => {
  const child = spawnSync(process.execPath, ['--expose-gc', '-e', STRESS_SCRIPT], { encoding: 'utf8', timeout: 90000 });
  assert.equal(child.status, 0, child.stderr);
  const { start, before, after, idle, abandoned, collected } = JSON.parse(child.stdout);
  const mib = (n) => (n / 1048576).toFixed(1);
  t.diagnostic(`threads: start ${start.threads}, after warm-up ${before.threads}, after 200 hosts ${after.threads}; `
    + `30 idle unclosed hosts ${idle}, 30 used unclosed hosts ${abandoned}, after GC ${collected.threads}`);
  t.diagnostic(`RSS: after warm-up ${mib(before.rss)} MiB, after 200 hosts ${mib(after.rss)} MiB (${mib(after.rss - before.rss)} MiB growth)`);
  // Each host starts 2 worker threads: a leak would add 400.
  assert.ok(after.threads <= before.threads + 1, `threads ${before.threads} -> ${after.threads}`);
  assert.ok(after.rss - before.rss < 40 * 1048576, `RSS grew ${mib(after.rss - before.rss)} MiB`);
  // Worker threads start with the first async or batch call, not at create().
  assert.ok(idle <= after.threads + 1, `30 hosts that ran nothing hold threads: ${after.threads} -> ${idle}`);
  assert.ok(abandoned >= idle + 40, 'the used unclosed hosts had started their threads');
  // The last host used may still be reachable from the event loop's last turn: allow its 2 threads.
  assert.ok(collected.threads <= before.threads + 2, `unclosed hosts' threads ${abandoned} -> ${collected.threads} after GC`);
});
