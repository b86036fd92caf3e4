// The pulldown-cmark example plugin (examples/plugins/rust-markdown), built by
// `npm run build:fixtures` into build/fixtures/bench/markdown.wasm: real
// Markdown in, the exact HTML out, through the filter and the hook.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { PluginHost, ErrorCodes, expectCode, root } from './helpers.mjs';

const wasm = path.join(root, 'build/fixtures/bench/markdown.wasm');
let host;

before(async () => {
  host = await PluginHost.create({ cacheDir: null });
  await host.add('markdown', wasm);
});

after(() => host.close());

test('exports a filter and an onContentTransformed hook', () => {
  const info = host.plugins().find((plugin) => plugin.name === 'markdown');
  assert.deepEqual(info.exports, ['memory', 'alloc', 'filter', 'hooks', 'hook', 'last_error']);
  assert.deepEqual(info.hooks, ['onContentTransformed']);
});

test('headings, emphasis, links and entities', () => {
  const md = '# Title & <b>more</b>\n\n## Sub *em* **strong** `a<b`\n\n' +
    'See [the docs](https://example.com/?a=1&b=2 "Docs") and <https://example.org>. &copy; &#169; &amp; &nbsp;x &bogus;\n';
  assert.equal(host.filterSync('markdown', md),
    '<h1>Title &amp; <b>more</b></h1>\n' +
    '<h2>Sub <em>em</em> <strong>strong</strong> <code>a&lt;b</code></h2>\n' +
    '<p>See <a href="https://example.com/?a=1&amp;b=2" title="Docs">the docs</a> and ' +
    '<a href="https://example.org">https://example.org</a>. © © &amp; \u00a0x &amp;bogus;</p>\n');
});

test('nested lists, block quotes, rules and hard breaks', () => {
  const md = '- one\n- two\n  1. first\n  2. second\n- three\n\n> quoted\n> text\n\n---\n\nline  \nbreak\n';
  assert.equal(host.filterSync('markdown', md),
    '<ul>\n<li>one</li>\n<li>two\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n</li>\n<li>three</li>\n</ul>\n' +
    '<blockquote>\n<p>quoted\ntext</p>\n</blockquote>\n<hr />\n<p>line<br />\nbreak</p>\n');
});

test('fenced code blocks keep their text, escaped, with the language as a class', () => {
  const md = '```rust\nfn main() { println!("<&>"); }\n```\n\n~~~\nplain {{ not a template }}\n~~~\n';
  assert.equal(host.filterSync('markdown', md),
    '<pre><code class="language-rust">fn main() { println!("&lt;&amp;&gt;"); }\n</code></pre>\n' +
    '<pre><code>plain {{ not a template }}\n</code></pre>\n');
});

test('GFM tables with alignment, and strikethrough', () => {
  const md = '| name | n | note |\n|:-----|--:|:----:|\n| a \\| b | 1 | ~~old~~ |\n| c | 22 | |\n';
  assert.equal(host.filterSync('markdown', md),
    '<table><thead><tr><th style="text-align: left">name</th><th style="text-align: right">n</th>' +
    '<th style="text-align: center">note</th></tr></thead><tbody>\n' +
    '<tr><td style="text-align: left">a | b</td><td style="text-align: right">1</td><td style="text-align: center"><del>old</del></td></tr>\n' +
    '<tr><td style="text-align: left">c</td><td style="text-align: right">22</td><td style="text-align: center"></td></tr>\n' +
    '</tbody></table>\n');
});

test('UTF-8 text of every width comes back whole; raw HTML passes through', () => {
  const md = 'Ünïcödé — 日本語のテキスト, emoji 🦀👩‍💻, Ω≈ç√\n\n<div class="note">Raw <em>HTML</em></div>\n';
  assert.equal(host.filterSync('markdown', md),
    '<p>Ünïcödé — 日本語のテキスト, emoji 🦀👩‍💻, Ω≈ç√</p>\n<div class="note">Raw <em>HTML</em></div>\n');
});

test('an empty document renders to nothing; async and batch calls agree with the sync one', async () => {
  assert.equal(host.filterSync('markdown', ''), '');
  const docs = Array.from({ length: 20 }, (_, i) => `## Part ${i}\n\n- item ${i}\n`);
  const sync = docs.map((doc) => host.filterSync('markdown', doc));
  assert.deepEqual(await Promise.all(docs.map((doc) => host.filter('markdown', doc))), sync);
  assert.deepEqual(await host.filterMany('markdown', docs), sync);
});

test('the hook renders each <script type="text/markdown"> element in place and leaves the rest', async () => {
  const html = '<main><script type="text/markdown"># One\n\n*a* & b</script><hr>' +
    '<script type="text/markdown">- x\n- y</script><script>let a = "<b>";</script></main>';
  const out = await host.runHook('onContentTransformed', { html, url: '/p/' });
  assert.equal(out.html, '<main><h1>One</h1>\n<p><em>a</em> &amp; b</p>\n<hr><ul>\n<li>x</li>\n<li>y</li>\n</ul>\n' +
    '<script>let a = "<b>";</script></main>');
  assert.equal(out.url, '/p/');
  const plain = '<p>no markdown here</p>';
  assert.equal((await host.runHook('onContentTransformed', { html: plain, url: '/q/' })).html, plain);
});

test('an unclosed markdown element is a PLUGIN_ERROR naming the problem', async () => {
  const err = await expectCode(() => host.runHook('onContentTransformed', { html: '<script type="text/markdown"># x', url: '/' }),
    ErrorCodes.PLUGIN_ERROR, { plugin: 'markdown' });
  assert.match(err.message, /has no <\/script>/);
});
