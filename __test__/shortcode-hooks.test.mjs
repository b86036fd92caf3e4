import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { PluginHost, ErrorCodes, pluginsDir, expectCode } from './helpers.mjs';

let host;
before(async () => {
  host = await PluginHost.load(pluginsDir, { cacheDir: null });
});
after(() => host.close());

const IFRAME = (id) => `<iframe src="https://www.youtube-nocookie.com/embed/${id}" title="YouTube video" allowfullscreen></iframe>`;

test('the youtube shortcode, sync and async, with and without content', async () => {
  assert.equal(host.shortcodeSync('youtube', ['abc123'], ''), `<div class="youtube">${IFRAME('abc123')}</div>`);
  assert.equal(await host.shortcode('youtube', ['abc123']), `<div class="youtube">${IFRAME('abc123')}</div>`);
  assert.equal(
    await host.shortcode('youtube', ['x_Y-9'], 'A <em>caption</em> 😀'),
    `<div class="youtube">${IFRAME('x_Y-9')}<p class="caption">A <em>caption</em> 😀</p></div>`,
  );
});

test('a shortcode error carries the plugin\'s last_error text', async () => {
  const err = await expectCode(() => host.shortcode('youtube', ['bad id!']), ErrorCodes.PLUGIN_ERROR, { plugin: 'youtube', export: 'shortcode' });
  assert.match(err.message, /expected a video id/);
  await expectCode(() => host.shortcodeSync('youtube', []), ErrorCodes.PLUGIN_ERROR);
  assert.match(host.shortcodeSync('youtube', ['ok']), /embed\/ok/);
});

test('shortcode args must be strings and content a string', async () => {
  await expectCode(() => host.shortcode('youtube', [123]), ErrorCodes.INVALID_INPUT, { plugin: 'youtube' });
  await expectCode(() => host.shortcodeSync('youtube', 'abc'), ErrorCodes.INVALID_INPUT);
  await expectCode(() => host.shortcode('youtube', ['abc'], 5), ErrorCodes.INVALID_INPUT);
});

test('the lazy-images hook adds loading="lazy" to every <img> and keeps the rest of the payload', async () => {
  const payload = {
    html: '<p>日本 😀</p><img src="a.png"><div><img alt="x" src="b.png"></div>',
    url: '/blog/post/',
    inputPath: './src/post.md',
    outputPath: '_site/blog/post/index.html',
  };
  const out = await host.runHook('onContentTransformed', payload);
  assert.deepEqual(out, {
    event: 'onContentTransformed',
    ...payload,
    html: '<p>日本 😀</p><img loading="lazy" src="a.png"><div><img loading="lazy" alt="x" src="b.png"></div>',
  });
});

test('an event nobody handles resolves to the payload with its event', async () => {
  assert.deepEqual(await host.runHook('onNothing', { a: 1 }), { event: 'onNothing', a: 1 });
});

test('handlers run by priority, WASM at 50, ties in load order, each fed the previous output', async () => {
  const h = await PluginHost.load(pluginsDir, { cacheDir: null });
  const seen = [];
  const tag = (name) => (payload) => {
    seen.push(`${name}:${payload.html}`);
    return { ...payload, html: `${payload.html}|${name}` };
  };
  h.on('onContentTransformed', { priority: 60 }, tag('late'));
  h.on('onContentTransformed', { priority: 10 }, async (p) => {
    await new Promise((r) => setTimeout(r, 5));
    return tag('early')(p);
  });
  h.on('onContentTransformed', { priority: 50 }, tag('tie-after-wasm'));
  const off = h.on('onContentTransformed', tag('removed'));
  off();
  h.on('onContentTransformed', (p) => { seen.push(`undefined-return:${p.html}`); });
  const out = await h.runHook('onContentTransformed', { html: '<img src=x>' });
  assert.deepEqual(seen, [
    'early:<img src=x>',
    'tie-after-wasm:<img loading="lazy" src=x>|early',
    'undefined-return:<img loading="lazy" src=x>|early|tie-after-wasm',
    'late:<img loading="lazy" src=x>|early|tie-after-wasm',
  ]);
  assert.equal(out.html, '<img loading="lazy" src=x>|early|tie-after-wasm|late');
  await h.close();
});

test('a payload that cannot be serialized is INVALID_INPUT, and nothing crashes', async () => {
  const cyclic = { html: '<p>' };
  cyclic.self = cyclic;
  await expectCode(() => host.runHook('onContentTransformed', cyclic), ErrorCodes.INVALID_INPUT, { plugin: 'lazy-images' });
  await expectCode(() => host.runHook('onContentTransformed', { html: '', n: 10n }), ErrorCodes.INVALID_INPUT);
  await expectCode(() => host.runHook('onContentTransformed', 'html'), ErrorCodes.INVALID_INPUT);
  const out = await host.runHook('onContentTransformed', { html: '<img x>' });
  assert.equal(out.html, '<img loading="lazy" x>');
});

test('a JS handler that throws rejects runHook with its error', async () => {
  const h = await PluginHost.load(pluginsDir, { cacheDir: null });
  h.on('onContentTransformed', () => { throw new Error('handler broke'); });
  await assert.rejects(h.runHook('onContentTransformed', { html: '' }), /handler broke/);
  await h.close();
});

test('scopeHooks: a plugin\'s hooks get another priority and run only where applies() says; handles() says who listens', async () => {
  const scoped = await PluginHost.load(pluginsDir, { cacheDir: null });
  try {
    const order = [];
    scoped.on('onContentTransformed', { priority: 20 }, (p) => { order.push(`js20:${p.html.includes('loading=') ? 'lazy' : 'plain'}`); });
    const page = { html: '<img src="a.png">', url: '/blog/a/' };
    // Unscoped: the WASM hook at 50 runs after the JS handler at 20.
    await scoped.runHook('onContentTransformed', page);
    assert.deepEqual(order.splice(0), ['js20:plain']);
    // Priority 10: before it; applies() only on /blog/ pages.
    assert.equal(scoped.scopeHooks('lazy-images', { priority: 10, applies: (p) => p.url.startsWith('/blog/') }), true);
    const blog = await scoped.runHook('onContentTransformed', page);
    assert.equal(blog.html, '<img loading="lazy" src="a.png">');
    assert.deepEqual(order.splice(0), ['js20:lazy']);
    const other = await scoped.runHook('onContentTransformed', { ...page, url: '/docs/a/' });
    assert.equal(other.html, '<img src="a.png">', 'not on a page applies() refuses');
    // A plugin without hooks: false; an unknown name: INVALID_INPUT.
    assert.equal(scoped.scopeHooks('uppercase', { priority: 1 }), false);
    await expectCode(() => scoped.scopeHooks('nope', {}), ErrorCodes.INVALID_INPUT);
    assert.equal(scoped.handles('onContentTransformed'), true);
    assert.equal(scoped.handles('onPageRendered'), false);
    const off = scoped.on('onPageRendered', () => {});
    assert.equal(scoped.handles('onPageRendered'), true);
    off();
    assert.equal(scoped.handles('onPageRendered'), false);
  } finally {
    await scoped.close();
  }
});
