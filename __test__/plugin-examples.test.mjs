// The examples of the contract extensions, written with the alloy_plugin
// crate's macros (examples/plugins/rust-truncate, rust-img-attributes; built
// into build/fixtures/examples/ by scripts/build-fixtures.sh), called through
// the API: filter arguments (filter_args!) and plugin configuration (configure!).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { PluginHost, ErrorCodes, expectCode, root } from './helpers.mjs';

const example = (name) => path.join(root, 'build/fixtures/examples', `${name}.wasm`);

async function hostWith(name, addOptions) {
  const host = await PluginHost.create({ cacheDir: null });
  await host.add(name, example(name), addOptions);
  return host;
}

test('truncate: filter_args gets the input and each argument as its JSON value', async () => {
  const host = await hostWith('truncate');
  try {
    const info = host.plugins()[0];
    assert.ok(info.exports.includes('filter_args'), info.exports.join());
    assert.ok(!info.exports.includes('filter'));
    assert.equal(host.filterSync('truncate', 'Hello brave new world', [11, '...']), 'Hello brave...');
    assert.equal(host.filterSync('truncate', 'Hello brave new world', [6]), 'Hello…', 'trailing space trimmed, default ellipsis');
    assert.equal(await host.filter('truncate', 'Grüße aus Köln 😀😀', [16, '']), 'Grüße aus Köln 😀', 'cut on characters, not bytes');
    assert.equal(host.filterSync('truncate', 'short', [40, '…']), 'short');
    assert.deepEqual(await host.filterMany('truncate', ['abcdef', 'ab'], [3, '~']), ['abc~', 'ab']);
    // Only filter_args: without arguments it is called with "args": [] (default length 80).
    const long = 'x'.repeat(100);
    assert.equal(host.filterSync('truncate', long), `${'x'.repeat(80)}…`);
    assert.equal(host.filterSync('truncate', long, []), `${'x'.repeat(80)}…`);
  } finally {
    await host.close();
  }
});

test('truncate: a wrong argument is a PLUGIN_ERROR with the plugin\'s message', async () => {
  const host = await hostWith('truncate');
  try {
    const err = await expectCode(() => host.filterSync('truncate', 'text', ['forty']), ErrorCodes.PLUGIN_ERROR, { plugin: 'truncate' });
    assert.match(err.message, /the length \(first argument\) must be a whole number from 0 to 1000000, got "forty"/);
    const ellipsis = await expectCode(() => host.filter('truncate', 'text', [2, { dots: 3 }]), ErrorCodes.PLUGIN_ERROR);
    assert.match(ellipsis.message, /the ellipsis \(second argument\) must be a string, got \{"dots":3\}/);
    await expectCode(() => host.filterSync('truncate', 'text', [1, '', 3]), ErrorCodes.PLUGIN_ERROR);
    // The instance still serves calls after an error.
    assert.equal(host.filterSync('truncate', 'abc', [1, '.']), 'a.');
  } finally {
    await host.close();
  }
});

test('img-attributes: the configuration reaches the plugin through configure', async () => {
  const html = '<p><img src="a.png"> and <img alt="b" src="b.png"></p>';
  const plain = await hostWith('img-attributes');
  try {
    assert.ok(plain.plugins()[0].exports.includes('configure'));
    assert.equal(plain.filterSync('img-attributes', html), '<p><img loading="lazy" src="a.png"> and <img loading="lazy" alt="b" src="b.png"></p>');
  } finally {
    await plain.close();
  }
  const configured = await hostWith('img-attributes', { config: { loading: 'eager', decoding: 'async' } });
  try {
    assert.equal(configured.plugins()[0].configured, true);
    const expected = '<p><img loading="eager" decoding="async" src="a.png"> and <img loading="eager" decoding="async" alt="b" src="b.png"></p>';
    assert.equal(configured.filterSync('img-attributes', html), expected);
    // Async calls run on other instances; each was configured when it was made.
    assert.deepEqual(await configured.filterMany('img-attributes', [html, html, html]), [expected, expected, expected]);
    assert.equal(await configured.filter('img-attributes', html), expected);
  } finally {
    await configured.close();
  }
});

test('img-attributes: a configuration the plugin rejects fails the load with its message', async () => {
  const host = await PluginHost.create({ cacheDir: null });
  try {
    const err = await expectCode(
      () => host.add('img-attributes', example('img-attributes'), { config: { loading: 'later' } }),
      ErrorCodes.PLUGIN_ERROR,
      { plugin: 'img-attributes' },
    );
    assert.match(err.message, /img-attributes: "loading" must be one of \["lazy", "eager"\], got "later"/);
    const unknown = await expectCode(
      () => host.add('img-attributes', example('img-attributes'), { config: { lazy: true } }),
      ErrorCodes.PLUGIN_ERROR,
    );
    assert.match(unknown.message, /unknown configuration key "lazy" \(known: loading, decoding\)/);
    assert.deepEqual(host.plugins(), []);
  } finally {
    await host.close();
  }
});
