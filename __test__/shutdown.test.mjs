// Shutdown: close() lets the calls in flight finish (each with its own result
// or error, never HOST_CLOSED), rejects every call made after it with
// HOST_CLOSED, may be called any number of times, and leaves nothing that
// keeps Node.js alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';

import { PluginHost, ErrorCodes, pluginsDir, broken, root, expectCode } from './helpers.mjs';

const plugin = (name) => path.join(pluginsDir, `${name}.wasm`);

async function smallHost(options = {}) {
  const host = await PluginHost.create({ cacheDir: null, ...options });
  await host.add('uppercase', plugin('uppercase'));
  await host.add('youtube', plugin('youtube'));
  await host.add('lazy-images', plugin('lazy-images'));
  await host.add('spin', broken('spin')); // spins N million iterations, then echoes
  return host;
}

/** Wraps a promise so its settling can be observed without awaiting it. */
function watch(promise) {
  const w = { settled: false };
  w.promise = promise.then(
    (value) => { w.settled = true; return { value }; },
    (error) => { w.settled = true; return { error }; },
  );
  return w;
}

test('close() while calls are in flight: every one finishes with its own result, then close resolves', async () => {
  // One worker, so most of these are still queued when close() is called.
  const host = await smallHost({ threads: 1, timeoutMs: 10000 });
  const calls = [
    ...Array.from({ length: 4 }, (_, i) => [host.filter('spin', `150:slow ${i}`), `150:slow ${i}`]),
    ...Array.from({ length: 50 }, (_, i) => [host.filter('uppercase', `q${i}`), `Q${i}`]),
    [host.filterMany('spin', Array.from({ length: 20 }, (_, i) => `${i % 3}:${i}`)), Array.from({ length: 20 }, (_, i) => `${i % 3}:${i}`)],
    [host.shortcode('youtube', ['abc']).then((html) => /embed\/abc/.test(html)), true],
    [host.runHook('onContentTransformed', { html: '<img src=a>' }).then((p) => p.html), '<img loading="lazy" src=a>'],
    [host.add('late', broken('trap')).then((info) => info.name), 'late'],
  ].map(([pending, expected]) => ({ w: watch(pending), expected }));

  const closing = host.close();
  assert.equal(host.closed, true, 'closed is true as soon as close() is called');
  assert.ok(calls.some(({ w }) => !w.settled), 'calls were still in flight when close() was called');
  // Calls made while closing are refused at once.
  await expectCode(() => host.filter('uppercase', 'too late'), ErrorCodes.HOST_CLOSED);
  await expectCode(() => host.filterSync('uppercase', 'too late'), ErrorCodes.HOST_CLOSED);

  await closing;
  for (const [i, { w, expected }] of calls.entries()) {
    assert.ok(w.settled, `call #${i} had not settled when close() resolved`);
    const outcome = await w.promise;
    assert.equal(outcome.error, undefined, `call #${i} failed: ${outcome.error && outcome.error.message}`);
    assert.deepEqual(outcome.value, expected, `call #${i}`);
  }
  await expectCode(() => host.filter('uppercase', 'x'), ErrorCodes.HOST_CLOSED);
});

test('close() while a runaway call is in flight: that call gets its TIMEOUT, and close resolves after it', async () => {
  const host = await smallHost({ timeoutMs: 200 });
  await host.add('loop', broken('infinite-loop'));
  const runaway = watch(host.filter('loop', '!'));
  const failing = watch(host.filterMany('loop', ['a', 'b', '!c', 'd']));
  const good = watch(host.filter('uppercase', 'fine'));
  await host.close();
  assert.ok(runaway.settled && failing.settled && good.settled);
  const { error } = await runaway.promise;
  assert.equal(error.code, ErrorCodes.TIMEOUT, error.message);
  const batch = await failing.promise;
  assert.equal(batch.error.code, ErrorCodes.TIMEOUT);
  assert.equal(batch.error.index, 2);
  assert.equal((await good.promise).value, 'FINE');
});

test('a JS hook handler that makes a new call after close() started gets HOST_CLOSED', async () => {
  const host = await smallHost();
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  host.on('onSlow', async (payload) => {
    await gate;
    return { ...payload, out: await host.filter('uppercase', 'inner') };
  });
  const hook = watch(host.runHook('onSlow', {}));
  const closing = host.close();
  release();
  await closing;
  const { error } = await hook.promise;
  assert.equal(error.code, ErrorCodes.HOST_CLOSED, error.message);
});

test('every call after close() fails with HOST_CLOSED; plugins(), the getters and close() still work', async () => {
  const host = await smallHost({ threads: 2 });
  await host.close();
  const closed = ErrorCodes.HOST_CLOSED;
  // Async methods reject (they never throw synchronously), sync ones throw.
  for (const [what, call] of [
    ['filter', () => host.filter('uppercase', 'x')],
    ['filterMany', () => host.filterMany('uppercase', ['x'])],
    ['shortcode', () => host.shortcode('youtube', ['abc'])],
    ['runHook', () => host.runHook('onContentTransformed', { html: '' })],
    ['add', () => host.add('again', plugin('uppercase'))],
    ['filter with bad arguments', () => host.filter(42, 42)],
  ]) {
    let returned;
    assert.doesNotThrow(() => { returned = call(); }, `${what} threw synchronously`);
    assert.ok(returned instanceof Promise, what);
    await expectCode(() => returned, closed);
  }
  await expectCode(() => host.filterSync('uppercase', 'x'), closed);
  await expectCode(() => host.shortcodeSync('youtube', ['abc']), closed);
  await expectCode(() => host.on('onContentTransformed', () => {}), closed);
  const err = await expectCode(() => host.filter('uppercase', 'x'), closed);
  assert.match(err.message, /closed/);
  assert.deepEqual(host.plugins().map((p) => p.name), ['uppercase', 'youtube', 'lazy-images', 'spin']);
  assert.equal(host.threads, 2);
  assert.equal(host.options.threads, 2);
  assert.equal(host.closed, true);
});

test('close() twice, concurrently or after it resolved, is fine', async () => {
  const host = await smallHost();
  const inFlight = host.filter('spin', '50:x');
  const first = host.close();
  const second = host.close();
  assert.equal(first, second, 'the same promise');
  await Promise.all([first, second]);
  assert.equal(await inFlight, '50:x');
  await host.close();
  await host.close();
  assert.equal(host.closed, true);
});

/** Runs `body` (ESM, with PluginHost imported) in a child; resolves to { code, stdout, stderr, ms }. */
function runChild(body) {
  const script = `import { PluginHost } from ${JSON.stringify(path.join(root, 'js/index.mjs'))};\n${body}`;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

const EXIT_BOUND_MS = 10000;
const dirs = { plugins: JSON.stringify(pluginsDir), spin: JSON.stringify(broken('spin')) };

for (const [what, body] of [
  ['load, calls of every kind, close', `
    const h = await PluginHost.load(${dirs.plugins}, { cacheDir: null });
    await h.filter('uppercase', 'x'); h.filterSync('uppercase', 'x');
    await h.filterMany('uppercase', ['a', 'b', 'c']); await h.shortcode('youtube', ['abc']);
    await h.runHook('onContentTransformed', { html: '<img src=a>' });
    await h.close(); console.log('done');`],
  ['close() with slow calls still in flight', `
    const h = await PluginHost.create({ cacheDir: null, threads: 1 });
    await h.add('spin', ${dirs.spin});
    const pending = Array.from({ length: 4 }, (_, i) => h.filter('spin', '100:' + i));
    await h.close(); await Promise.all(pending); console.log('done');`],
  ['a host that is never closed', `
    const h = await PluginHost.load(${dirs.plugins}, { cacheDir: null });
    await h.filter('uppercase', 'x'); await h.filterMany('uppercase', ['a', 'b']);
    console.log('done');`],
]) {
  test(`the process exits by itself promptly after: ${what}`, async (t) => {
    const child = await runChild(body);
    t.diagnostic(`child exited with ${child.code} after ${child.ms.toFixed(0)} ms`);
    assert.equal(child.signal, null, `the child was killed: something kept it alive (${child.ms.toFixed(0)} ms)`);
    assert.equal(child.code, 0, child.stderr);
    assert.equal(child.stdout, 'done\n');
    assert.ok(child.ms < EXIT_BOUND_MS, `took ${child.ms.toFixed(0)} ms`);
  });
}
