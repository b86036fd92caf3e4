// The plugin-authoring examples through the JS API: reading-time (written
// with the alloy_plugin helper crate, crates/alloy-plugin) and escape-html
// (plain C). Each result is checked against a JS reference implementation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { PluginHost, pluginsDir, ErrorCodes, expectCode } from './helpers.mjs';

let host;
before(async () => {
  host = await PluginHost.create({ cacheDir: null });
  await host.add('reading-time', path.join(pluginsDir, 'reading-time.wasm'));
  await host.add('escape-html', path.join(pluginsDir, 'escape-html.wasm'));
});
after(() => host.close());

// ---------------------------------------------------------------- references in JS

/** reading-time's rule: words outside tags, split on whitespace, 200 a minute, rounded up, at least 1. */
function readingTime(text, rate = 200) {
  const words = text.replace(/<[^>]*>?/g, ' ').split(/\s+/).filter((w) => w.length > 0).length;
  return `${Math.max(1, Math.ceil(words / rate))} min read`;
}

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const words = (n, word = 'word') => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');

const TEXTS = [
  '',
  'one',
  words(200),
  words(201),
  `<article class="a b c d e f"><h1>Title</h1><p>${words(399)}</p></article>`,
  `tabs\tand\nnewlines\r\nand\u00a0no-break\u2003em spaces ${words(650, 'ü')}`,
  '日本語 😀 🇯🇵 straße',
  '<p>a<br>b</p><img src="x.png" alt="many words in an attribute do not count">',
];

// ---------------------------------------------------------------- reading-time (helper crate)

test('reading-time: the helper crate exports the whole ABI from three macro calls', () => {
  const info = host.plugins().find((p) => p.name === 'reading-time');
  assert.deepEqual(info.exports, ['memory', 'alloc', 'filter', 'shortcode', 'hooks', 'hook', 'last_error']);
  assert.deepEqual(info.hooks, ['onContentTransformed']);
  assert.equal(info.results, 'i64');
  assert.equal(info.wasi, false);
});

test('reading-time filter matches the JS reference, sync and async', async () => {
  for (const text of TEXTS) {
    assert.equal(host.filterSync('reading-time', text), readingTime(text), text.slice(0, 40));
    assert.equal(await host.filter('reading-time', text), readingTime(text));
  }
  assert.equal(host.filterSync('reading-time', words(1000)), '5 min read');
  assert.deepEqual(await host.filterMany('reading-time', TEXTS), TEXTS.map((t) => readingTime(t)));
});

test('reading-time shortcode: rate argument, paired content, and an Err that reaches the user through last_error', async () => {
  assert.equal(host.shortcodeSync('reading-time', [], words(450)), `<span class="reading-time">3 min read</span>`);
  assert.equal(await host.shortcode('reading-time', ['150'], words(450)), `<span class="reading-time">3 min read</span>`);
  assert.equal(host.shortcodeSync('reading-time', [' 1000 '], words(450)), `<span class="reading-time">1 min read</span>`);
  for (const bad of ['0', 'fast', '10001', '-5', '']) {
    const err = await expectCode(() => host.shortcodeSync('reading-time', [bad], 'text'), ErrorCodes.PLUGIN_ERROR, { plugin: 'reading-time', export: 'shortcode' });
    assert.ok(err.message.includes(`whole number from 1 to 10000, got ${JSON.stringify(bad)}`), err.message);
  }
  // The error does not stick: the next call succeeds.
  assert.equal(host.shortcodeSync('reading-time', ['200'], 'a b'), `<span class="reading-time">1 min read</span>`);
});

test('reading-time hook fills <!-- reading-time --> markers and leaves other pages exactly as they were', async () => {
  const article = `<h1>Post</h1><!-- reading-time --><p>${words(420)}</p><footer><!-- reading-time --></footer>`;
  const page = { html: article, url: '/post/', inputPath: './post.md', outputPath: '_site/post/index.html', n: 1.5 };
  const out = await host.runHook('onContentTransformed', page);
  const time = readingTime(article.replaceAll('<!-- reading-time -->', ''));
  assert.equal(time, '3 min read');
  assert.equal(out.html, article.replaceAll('<!-- reading-time -->', time));
  assert.deepEqual(Object.keys(out), ['event', 'html', 'url', 'inputPath', 'outputPath', 'n'], 'key order kept');

  const plain = { html: '<p>日本語 "quoted" \\ back\\slash \u0001</p>', url: '/', nested: { a: [1, 2, { b: null }] } };
  assert.deepEqual(await host.runHook('onContentTransformed', plain), { event: 'onContentTransformed', ...plain });
});

test('the helper crate keeps memory bounded: one input buffer reused, each result freed on the next call', async () => {
  // 8 MiB of linear memory: a plugin that kept each 1 MiB input (or its
  // result) would run out within a few dozen calls (MEMORY_LIMIT).
  const small = await PluginHost.create({ cacheDir: null, memoryLimitMb: 8, threads: 1 });
  try {
    await small.add('reading-time', path.join(pluginsDir, 'reading-time.wasm'));
    const big = `${words(150_000)} `.slice(0, 1 << 20);
    const expected = readingTime(big);
    for (let i = 0; i < 60; i++) {
      assert.equal(small.filterSync('reading-time', big), expected);
      assert.equal(small.filterSync('reading-time', ''), '1 min read'); // alloc(0) between big ones
      assert.equal(small.shortcodeSync('reading-time', ['300'], big.slice(0, 300_000)), `<span class="reading-time">${readingTime(big.slice(0, 300_000), 300)}</span>`);
    }
    const html = `<!-- reading-time -->${big.slice(0, 500_000)}`;
    for (let i = 0; i < 20; i++) {
      const out = await small.runHook('onContentTransformed', { html });
      assert.ok(out.html.startsWith(readingTime(big.slice(0, 500_000))));
    }
  } finally {
    await small.close();
  }
});

// ---------------------------------------------------------------- escape-html (C)

test('escape-html (C) escapes & < > " \' and copies everything else byte for byte', async () => {
  const info = host.plugins().find((p) => p.name === 'escape-html');
  assert.deepEqual(info.exports, ['memory', 'alloc', 'filter', 'last_error']);
  assert.equal(info.wasi, false, 'a reactor that only uses malloc imports nothing');
  const samples = [...TEXTS, `<a href="/?a=1&b='2'">Tom & Jerry's</a>`, '&&&&<<>>""\'\'', '\u0000 nul and \uFEFF bom'];
  for (const text of samples) {
    assert.equal(host.filterSync('escape-html', text), escapeHtml(text), text.slice(0, 40));
    assert.equal(await host.filter('escape-html', text), escapeHtml(text));
  }
});

test('escape-html frees each input and result, so memory stays bounded over many large calls', async () => {
  const small = await PluginHost.create({ cacheDir: null, memoryLimitMb: 16, threads: 1 });
  try {
    await small.add('escape-html', path.join(pluginsDir, 'escape-html.wasm'));
    const big = '<p class="x">Tom & Jerry</p>'.repeat(40_000); // about 1.1 MB, escapes to about 2 MB
    const expected = escapeHtml(big);
    for (let i = 0; i < 40; i++) assert.equal(small.filterSync('escape-html', big), expected);
  } finally {
    await small.close();
  }
});
