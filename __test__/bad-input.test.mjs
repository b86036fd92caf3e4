// Bad input from JavaScript: every argument the API does not take is a
// PluginError with a clear code and message (async methods reject, they never
// throw synchronously), nothing reaches a plugin, and the host keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { PluginHost, ErrorCodes, pluginsDir, broken, expectCode, assertPluginError } from './helpers.mjs';

const { INVALID_INPUT, PLUGIN_NOT_FOUND } = ErrorCodes;

let host;
before(async () => {
  host = await PluginHost.create({ cacheDir: null });
  await host.add('echo', broken('trap')); // echoes any input not starting with "!"
  await host.add('youtube', path.join(pluginsDir, 'youtube.wasm'));
  await host.add('lazy-images', path.join(pluginsDir, 'lazy-images.wasm'));
});
after(async () => {
  // Nothing above registered a plugin or broke one.
  assert.deepEqual(host.plugins().map((p) => p.name), ['echo', 'youtube', 'lazy-images']);
  assert.equal(host.filterSync('echo', 'still serving'), 'still serving');
  await host.close();
});

/** An async method must return a promise that rejects with `code`, never throw synchronously. */
async function rejectsWith(call, code, fields = {}) {
  let pending;
  assert.doesNotThrow(() => { pending = call(); }, 'an async method threw synchronously');
  assert.ok(pending instanceof Promise, 'an async method returned a promise');
  return expectCode(() => pending, code, fields);
}

/** Non-string values a caller might pass, and how the message names each. */
const NOT_STRINGS = [
  [42, /got number/],
  [undefined, /got undefined/],
  [null, /got null/],
  [{ text: 'x' }, /got object/],
  [['x'], /got an array/],
  [Buffer.from('x'), /got a Buffer/],
  [new Uint8Array([120]), /got a Uint8Array/],
  [Symbol('x'), /got symbol/],
  [10n, /got bigint/],
  [new String('x'), /got object/], // a String object, not a string
  [() => 'x', /got function/],
  [true, /got boolean/],
];
const label = (value) => (typeof value === 'symbol' ? 'a symbol' : typeof value === 'bigint' ? `${value}n` : Buffer.isBuffer(value) ? 'a Buffer' : JSON.stringify(value) ?? String(value));

test('filter input that is not a string: INVALID_INPUT from filterSync, filter and filterMany (naming the index)', async () => {
  const fields = { plugin: 'echo', export: 'filter' };
  for (const [value, named] of NOT_STRINGS) {
    const what = label(value);
    const syncErr = await expectCode(() => host.filterSync('echo', value), INVALID_INPUT, fields);
    assert.match(syncErr.message, /filter input must be a string/, what);
    assert.match(syncErr.message, named, what);
    const asyncErr = await rejectsWith(() => host.filter('echo', value), INVALID_INPUT, fields);
    assert.equal(asyncErr.message, syncErr.message, what);
    const batchErr = await rejectsWith(() => host.filterMany('echo', ['a', 'b', value, 'd']), INVALID_INPUT, { ...fields, index: 2 });
    assert.match(batchErr.message, /input #2: expected a string/, what);
    assert.match(batchErr.message, named, what);
  }
  assert.equal(host.filterSync('echo', 'after'), 'after');
  assert.deepEqual(await host.filterMany('echo', ['a', 'b']), ['a', 'b']);
});

test('filterMany needs a real array of strings: holes, array-likes, iterables and typed arrays are INVALID_INPUT', async () => {
  const fields = { plugin: 'echo', export: 'filter' };
  await rejectsWith(() => host.filterMany('echo', ['a', , 'c']), INVALID_INPUT, { ...fields, index: 1 });
  await rejectsWith(() => host.filterMany('echo', new Array(3)), INVALID_INPUT, { ...fields, index: 0 });
  for (const value of ['a,b', { length: 1, 0: 'a' }, new Set(['a']), new Uint8Array(2), null, undefined, 7]) {
    const err = await rejectsWith(() => host.filterMany('echo', value), INVALID_INPUT, fields);
    assert.match(err.message, /filterMany needs an array of strings/);
  }
  assert.deepEqual(await host.filterMany('echo', []), []);
});

test('a plugin name that is not a non-empty string is INVALID_INPUT for every call', async () => {
  for (const name of [undefined, null, 42, '', Symbol('echo'), { name: 'echo' }, ['echo']]) {
    const what = label(name);
    const check = (err) => assert.match(err.message, /a plugin name must be a non-empty string/, what);
    check(await expectCode(() => host.filterSync(name, 'x'), INVALID_INPUT));
    check(await rejectsWith(() => host.filter(name, 'x'), INVALID_INPUT));
    check(await rejectsWith(() => host.filterMany(name, ['x']), INVALID_INPUT));
    check(await expectCode(() => host.shortcodeSync(name, ['abc']), INVALID_INPUT));
    check(await rejectsWith(() => host.shortcode(name, ['abc']), INVALID_INPUT));
    check(await rejectsWith(() => host.add(name, broken('trap')), INVALID_INPUT));
  }
});

test('an unknown plugin name is PLUGIN_NOT_FOUND, listing the loaded plugins', async () => {
  for (const name of ['nope', 'Echo', 'echo ', 'ec\u0000ho', 'x'.repeat(10000)]) {
    const fields = { plugin: name };
    const check = (err) => assert.match(err.message, /loaded: echo, lazy-images, youtube/);
    check(await expectCode(() => host.filterSync(name, 'x'), PLUGIN_NOT_FOUND, fields));
    check(await rejectsWith(() => host.filter(name, 'x'), PLUGIN_NOT_FOUND, fields));
    check(await rejectsWith(() => host.filterMany(name, ['x']), PLUGIN_NOT_FOUND, fields));
    check(await expectCode(() => host.shortcodeSync(name, []), PLUGIN_NOT_FOUND, fields));
    check(await rejectsWith(() => host.shortcode(name, []), PLUGIN_NOT_FOUND, fields));
  }
});

test('shortcode args that are not an array of strings, and content that is not a string: INVALID_INPUT', async () => {
  const fields = { plugin: 'youtube', export: 'shortcode' };
  for (const args of ['abc', null, 42, { 0: 'abc', length: 1 }, new Set(['abc'])]) {
    const syncErr = await expectCode(() => host.shortcodeSync('youtube', args), INVALID_INPUT, fields);
    assert.match(syncErr.message, /shortcode args must be an array of strings/, label(args));
    await rejectsWith(() => host.shortcode('youtube', args), INVALID_INPUT, fields);
  }
  for (const [value, named] of NOT_STRINGS) {
    const args = ['abc', value];
    const syncErr = await expectCode(() => host.shortcodeSync('youtube', args), INVALID_INPUT, fields);
    assert.match(syncErr.message, /shortcode argument #1 must be a string/, label(value));
    assert.match(syncErr.message, named, label(value));
    await rejectsWith(() => host.shortcode('youtube', args), INVALID_INPUT, fields);
  }
  // A hole in a sparse array is an argument too: it must not reach the plugin as null.
  const sparse = await expectCode(() => host.shortcodeSync('youtube', [, 'abc']), INVALID_INPUT, fields);
  assert.match(sparse.message, /argument #0 must be a string, got undefined/);
  await rejectsWith(() => host.shortcode('youtube', [, 'abc']), INVALID_INPUT, fields);
  for (const [content, named] of NOT_STRINGS.filter(([v]) => v !== undefined)) {
    const err = await expectCode(() => host.shortcodeSync('youtube', ['abc'], content), INVALID_INPUT, fields);
    assert.match(err.message, /shortcode content must be a string/, label(content));
    assert.match(err.message, named, label(content));
    await rejectsWith(() => host.shortcode('youtube', ['abc'], content), INVALID_INPUT, fields);
  }
  // Left out, args and content default to [] and ''.
  assert.equal(host.shortcodeSync('youtube', ['abc'], undefined), host.shortcodeSync('youtube', ['abc'], ''));
  assert.match(await host.shortcode('youtube', ['abc']), /embed\/abc/);
});

test('a hook payload that cannot be serialized (a cycle, a BigInt, a throwing toJSON) is INVALID_INPUT naming the plugin', async () => {
  const fields = { plugin: 'lazy-images', export: 'hook' };
  const cyclic = { html: '<img src=a>' };
  cyclic.self = cyclic;
  const nested = { html: '', meta: { list: [] } };
  nested.meta.list.push(nested.meta);
  const failure = new Error('no JSON for you');
  for (const [what, payload, message] of [
    ['a cycle', cyclic, /cannot be serialized to JSON: .*circular/i],
    ['a nested cycle', nested, /circular/i],
    ['a BigInt', { html: '', words: 12n }, /BigInt/],
    ['a throwing toJSON', { html: '', toJSON() { throw failure; } }, /no JSON for you/],
  ]) {
    const err = await rejectsWith(() => host.runHook('onContentTransformed', payload), INVALID_INPUT, fields);
    assert.match(err.message, /the "onContentTransformed" payload cannot be serialized to JSON/, what);
    assert.match(err.message, message, what);
    if (what === 'a throwing toJSON') assert.equal(err.cause, failure);
  }
  // A JS handler before the WASM hook can make the payload unserializable too.
  const off = host.on('onContentTransformed', { priority: 10 }, (p) => ({ ...p, when: 1n }));
  try {
    await rejectsWith(() => host.runHook('onContentTransformed', { html: '' }), INVALID_INPUT, fields);
  } finally {
    off();
  }
  assert.equal((await host.runHook('onContentTransformed', { html: '<img src=a>' })).html, '<img loading="lazy" src=a>');
});

test('an event only JS handlers take needs no JSON: a cyclic or BigInt payload reaches them as is', async () => {
  const cyclic = { n: 1n };
  cyclic.self = cyclic;
  let seen;
  const off = host.on('onJsOnly', (p) => { seen = p; });
  try {
    const out = await host.runHook('onJsOnly', cyclic);
    assert.equal(seen.self, cyclic);
    assert.equal(out.n, 1n);
    assert.equal(out.event, 'onJsOnly');
  } finally {
    off();
  }
});

test('runHook needs an event name and a payload object', async () => {
  for (const event of [undefined, null, 42, '', {}]) {
    const err = await rejectsWith(() => host.runHook(event, {}), INVALID_INPUT);
    assert.match(err.message, /runHook\(event, payload\) needs an event name string/, label(event));
  }
  for (const [payload, named] of [['<p>', /got string/], [42, /got number/], [null, /got null/], [['<p>'], /got an array/], [true, /got boolean/], [5n, /got bigint/]]) {
    const err = await rejectsWith(() => host.runHook('onContentTransformed', payload), INVALID_INPUT);
    assert.match(err.message, /needs a payload object/, label(payload));
    assert.match(err.message, named, label(payload));
  }
  // Left out, the payload is {}.
  assert.deepEqual(await host.runHook('onNobody'), { event: 'onNobody' });
});

test('on() needs an event name, a handler function and a finite priority', async () => {
  const handler = () => {};
  for (const [call, message] of [
    [() => host.on(42, handler), /needs an event name string/],
    [() => host.on('', handler), /needs an event name string/],
    [() => host.on('ev'), /needs a handler function/],
    [() => host.on('ev', { priority: 1 }, 'not a function'), /needs a handler function/],
    [() => host.on('ev', { priority: '1' }, handler), /finite number, got string/],
    [() => host.on('ev', { priority: NaN }, handler), /finite number/],
    [() => host.on('ev', { priority: Infinity }, handler), /finite number/],
  ]) {
    const err = await expectCode(call, INVALID_INPUT);
    assert.match(err.message, message);
  }
});

test('add() with a bad name or source: INVALID_INPUT, IO_ERROR or INVALID_MODULE, and nothing is registered', async () => {
  for (const source of [42, null, undefined, { path: 'x.wasm' }, new ArrayBuffer(8), ['x.wasm']]) {
    const err = await rejectsWith(() => host.add('bad-source', source), INVALID_INPUT, { plugin: 'bad-source' });
    assert.match(err.message, /needs a path string or a Buffer\/Uint8Array/, label(source));
  }
  const missing = await rejectsWith(() => host.add('missing', '/nonexistent/dir/plugin.wasm'), ErrorCodes.IO_ERROR);
  assert.match(missing.message, /nonexistent\/dir\/plugin\.wasm/);
  await rejectsWith(() => host.add('empty', new Uint8Array(0)), ErrorCodes.INVALID_MODULE, { plugin: 'empty' });
  await rejectsWith(() => host.add('text', Buffer.from('(module)')), ErrorCodes.INVALID_MODULE, { plugin: 'text' });
  await rejectsWith(() => host.add('echo', broken('trap')), ErrorCodes.DUPLICATE_PLUGIN, { plugin: 'echo' });
});

test('a string with a lone surrogate is converted as Buffer.from does (U+FFFD), not an error', async () => {
  for (const input of ['a\uD800b', '\uDC00', 'end\uD83D']) {
    const converted = Buffer.from(input, 'utf8').toString('utf8');
    assert.equal(host.filterSync('echo', input), converted);
    assert.equal(await host.filter('echo', input), converted);
  }
});

test('the errors above are PluginErrors with the fields set, and the host still serves every kind of call', async () => {
  const err = await expectCode(() => host.filterSync('echo', 42), INVALID_INPUT);
  assertPluginError(err, INVALID_INPUT, { plugin: 'echo', export: 'filter' });
  assert.equal(host.filterSync('echo', 'x'), 'x');
  assert.equal(await host.filter('echo', 'y'), 'y');
  assert.deepEqual(await host.filterMany('echo', ['1', '2']), ['1', '2']);
  assert.match(host.shortcodeSync('youtube', ['abc']), /embed\/abc/);
  assert.equal((await host.runHook('onContentTransformed', { html: '<img src=b>' })).html, '<img loading="lazy" src=b>');
});

test('a JS hook handler must return the payload object or undefined', async () => {
  const host = await PluginHost.create({ cacheDir: null });
  try {
    for (const bad of [null, 'text', 42, ['a']]) {
      const remove = host.on('ev', () => bad);
      await expectCode(() => host.runHook('ev', { html: 'x' }), ErrorCodes.INVALID_INPUT);
      remove();
    }
    const remove = host.on('ev', (p) => ({ ...p, seen: true }));
    assert.deepEqual(await host.runHook('ev', { html: 'x', event: 'other' }), { html: 'x', event: 'ev', seen: true },
      'the event name wins over a payload key of the same name');
    remove();
  } finally {
    await host.close();
  }
});
