import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { PluginHost, pluginsDir, broken, ErrorCodes, expectCode } from './helpers.mjs';

let host;
before(async () => {
  host = await PluginHost.load(pluginsDir, { cacheDir: null });
});
after(() => host.close());

// What each example filter must return, computed here in JS.
const wordCount = (s) => String(s.split(/[ \t\n\r\f\v]+/).filter((w) => w.length > 0).length);
const SAMPLES = [
  '',
  'Hello World',
  '  hello   wörld\n',
  'straße — ǅ 😀 日本語のテキスト',
  '\uFEFFleading byte-order mark',
  'nul\u0000inside\u0000',
  'e\u0301 combining a\u030A marks',
  '👩‍👩‍👧 family 🇯🇵 flag',
];

test('the Rust uppercase filter (packed i64 results) matches toUpperCase, sync and async', async () => {
  for (const input of SAMPLES) {
    assert.equal(host.filterSync('uppercase', input), input.toUpperCase(), JSON.stringify(input));
    assert.equal(await host.filter('uppercase', input), input.toUpperCase(), JSON.stringify(input));
  }
});

test('the AssemblyScript and multi-value word counts agree with a JS word count', async () => {
  for (const input of SAMPLES) {
    assert.equal(host.filterSync('word-count', input), wordCount(input), JSON.stringify(input));
    assert.equal(host.filterSync('word-count-mv', input), wordCount(input), JSON.stringify(input));
    assert.equal(await host.filter('word-count-mv', input), wordCount(input));
  }
});

test('Unicode round-trips byte for byte through a plugin (BOM, NUL, emoji, CJK, combining marks)', async () => {
  const echo = await PluginHost.create({ cacheDir: null });
  await echo.add('echo', broken('trap')); // echoes any input not starting with "!"
  for (const input of SAMPLES) {
    assert.equal(echo.filterSync('echo', input), input);
    assert.equal(await echo.filter('echo', input), input);
  }
  assert.equal(echo.filterSync('echo', '\uFEFF'), '\uFEFF');
  assert.equal(echo.filterSync('echo', '\u0000'), '\u0000');
  await echo.close();
});

test('a 10 MB input works, sync and async', async () => {
  const line = 'The quick brown fox — jumps over the lazy dog 😀 ';
  const big = line.repeat(Math.ceil((10 * 1024 * 1024) / Buffer.byteLength(line)));
  assert.ok(Buffer.byteLength(big) >= 10 * 1024 * 1024);
  const upper = host.filterSync('uppercase', big);
  assert.equal(upper.length, big.length);
  assert.equal(upper, big.toUpperCase());
  assert.equal(await host.filter('word-count-mv', big), wordCount(big));
  assert.equal(await host.filter('word-count', big), wordCount(big));
});

test('filterMany returns every output in input order, and spreads over the workers', async () => {
  const inputs = Array.from({ length: 2000 }, (_, i) => `page ${i} ${'x '.repeat(i % 37)}`);
  const outputs = await host.filterMany('uppercase', inputs);
  assert.deepEqual(outputs, inputs.map((s) => s.toUpperCase()));
  assert.deepEqual(await host.filterMany('word-count-mv', inputs), inputs.map(wordCount));
  assert.deepEqual(await host.filterMany('uppercase', []), []);
});

test('filterMany rejects with the failing input, its index, and loses nothing else', async () => {
  const trap = await PluginHost.create({ cacheDir: null });
  await trap.add('trap', broken('trap'));
  const inputs = Array.from({ length: 50 }, (_, i) => (i === 17 || i === 31 ? `!boom ${i}` : `ok ${i}`));
  await expectCode(() => trap.filterMany('trap', inputs), ErrorCodes.TRAP, { plugin: 'trap', export: 'filter', index: 17 });
  const good = inputs.filter((s) => !s.startsWith('!'));
  assert.deepEqual(await trap.filterMany('trap', good), good);
  await expectCode(() => trap.filterMany('trap', ['a', 3]), ErrorCodes.INVALID_INPUT, { index: 1 });
  await trap.close();
});

test('async calls run off the main thread: a timer keeps firing while a plugin runs', async () => {
  const slow = await PluginHost.create({ cacheDir: null, timeoutMs: 400 });
  await slow.add('loop', broken('infinite-loop'));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = Date.now();
  await expectCode(() => slow.filter('loop', '!spin'), ErrorCodes.TIMEOUT);
  const elapsed = Date.now() - started;
  clearInterval(timer);
  assert.ok(elapsed >= 350, `the plugin ran ${elapsed} ms`);
  assert.ok(ticks >= 10, `only ${ticks} timer ticks in ${elapsed} ms: the event loop was blocked`);
  assert.equal(await slow.filter('loop', 'after'), 'after');
  await slow.close();
});

test('many overlapping async calls all resolve correctly', async () => {
  const inputs = Array.from({ length: 300 }, (_, i) => `call ${i} ünïcode`);
  const outputs = await Promise.all(inputs.map((s, i) => (i % 2 ? host.filter('uppercase', s) : host.filter('word-count', s))));
  outputs.forEach((out, i) => assert.equal(out, i % 2 ? inputs[i].toUpperCase() : wordCount(inputs[i])));
});

test('bad arguments are INVALID_INPUT, sync and async', async () => {
  await expectCode(() => host.filterSync('uppercase', 42), ErrorCodes.INVALID_INPUT, { plugin: 'uppercase' });
  await expectCode(() => host.filter('uppercase', null), ErrorCodes.INVALID_INPUT, { plugin: 'uppercase' });
  await expectCode(() => host.filter(undefined, 'x'), ErrorCodes.INVALID_INPUT);
  await expectCode(() => host.filterMany('uppercase', 'not an array'), ErrorCodes.INVALID_INPUT);
  assert.equal(host.filterSync('uppercase', 'still fine'), 'STILL FINE');
});
