// A WASM hook's result becomes the next handler's payload: it must be a JSON
// object nested at most 127 levels deep, or INVALID_JSON naming the plugin
// that returned it (not the next handler). Checked natively, so the lone
// call (libuv task) and calls in flight together (the host's workers) are
// alike; each refusal is followed by a normal call that must still work.
// Fixture: __test__/fixtures/broken-src/hostile-hooks.wat (the event picks
// what hook() returns; "echo" returns its input).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PluginHost, ErrorCodes, broken, expectCode } from './helpers.mjs';

const REFUSED = [
  { event: 'null', message: /returned null, not a JSON object/ },
  { event: 'array', message: /returned an array, not a JSON object/ },
  { event: 'string', message: /returned a string, not a JSON object/ },
  { event: 'deep', message: /nested more than 127 levels/ },
  { event: 'in-object', message: /nested more than 127 levels/ },
];

async function hostileHost(options = {}) {
  const host = await PluginHost.create({ cacheDir: null, threads: 2, ...options });
  await host.add('hostile', broken('hostile-hooks'));
  return host;
}

/** `depth` objects nested inside one another: { a: { a: ... {} } }. */
function nested(depth) {
  let value = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

for (const { event, message } of REFUSED) {
  test(`a hook returning "${event}" is INVALID_JSON naming it, alone and with calls in flight; the next call works`, async () => {
    const host = await hostileHost();
    try {
      // Alone: the lone-call path.
      const err = await expectCode(() => host.runHook(event, { html: '<p>x</p>' }), ErrorCodes.INVALID_JSON, { plugin: 'hostile', export: 'hook' });
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /\n/, 'one line');
      assert.deepEqual(await host.runHook('echo', { html: '<p>x</p>' }), { event: 'echo', html: '<p>x</p>' });

      // Several in flight: the worker path; the good ones are unaffected.
      const calls = [];
      for (let i = 0; i < 6; i++) {
        calls.push(host.runHook(i % 2 === 0 ? event : 'echo', { html: `<p>${i}</p>` }));
      }
      const settled = await Promise.allSettled(calls);
      settled.forEach((result, i) => {
        if (i % 2 === 0) {
          assert.equal(result.status, 'rejected');
          assert.equal(result.reason.code, ErrorCodes.INVALID_JSON);
          assert.equal(result.reason.plugin, 'hostile');
          assert.match(result.reason.message, message);
        } else {
          assert.deepEqual(result.value, { event: 'echo', html: `<p>${i}</p>` });
        }
      });
      assert.deepEqual(await host.runHook('echo', { n: 1 }), { event: 'echo', n: 1 });
    } finally {
      await host.close();
    }
  });
}

test('the error blames the plugin that returned the result, not the handler after it', async () => {
  const host = await hostileHost();
  try {
    // A second copy, loaded after it (same priority), would get the deep payload next.
    await host.add('b_echo', broken('hostile-hooks'));
    host.on('deep', (page) => ({ ...page, js: true }));
    await expectCode(() => host.runHook('deep', { html: '<img src=a.png>' }), ErrorCodes.INVALID_JSON, { plugin: 'hostile', export: 'hook' });
    assert.deepEqual(await host.runHook('echo', { html: 'ok' }), { event: 'echo', html: 'ok' });
  } finally {
    await host.close();
  }
});

test('depth: 127 levels pass, 128 are refused (the payload itself is level 1)', async () => {
  const host = await hostileHost();
  try {
    const ok = await host.runHook('echo', { a: nested(126) });
    assert.deepEqual(ok, { event: 'echo', a: nested(126) });
    const err = await expectCode(() => host.runHook('echo', { a: nested(127) }), ErrorCodes.INVALID_JSON, { plugin: 'hostile' });
    assert.match(err.message, /nested more than 127 levels/);
    assert.deepEqual(await host.runHook('echo', { html: 'ok' }), { event: 'echo', html: 'ok' });
  } finally {
    await host.close();
  }
});
