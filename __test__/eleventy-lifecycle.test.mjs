// Alloy's lifecycle events and the `plugins` option in the Eleventy adapter,
// on real Eleventy 3 builds, one event at a time. The plugins are echo
// plugins (__test__/fixtures/lifecycle/echo-hooks.wat): each adds
// "seen_<name>" to the payload, holding the payload exactly as it received
// it, and a JS hook that runs after them records what they saw.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import Eleventy from '@11ty/eleventy';
import alloyWasm from '../js/eleventy.js';
import { build, buildFails } from './eleventy-helpers.mjs';
import { ErrorCodes, assertPluginError } from './helpers.mjs';
import { writeEchoPlugin, collectWarnings } from './lifecycle-helpers.mjs';

import lifecycle from '../js/lifecycle-events.js';

const { WARNING_CODE } = lifecycle;

const temp = mkdtempSync(path.join(os.tmpdir(), 'alloy-eleventy-life-'));
after(() => rmSync(temp, { recursive: true, force: true }));
let siteCount = 0;

const PAGES = {
  'index.njk': '<p>home</p>',
  'blog/one.njk': '<p>one</p>',
  'blog/deep/two.md': '# two',
  'docs/three.liquid': '<p>three</p>',
};

/** A site with `files` under src/ and echo plugins { name: [events] } in plugins/. */
async function makeSite(plugins, files = PAGES) {
  const dir = path.join(temp, `site-${++siteCount}`);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, 'src', file)), { recursive: true });
    writeFileSync(path.join(dir, 'src', file), text);
  }
  mkdirSync(path.join(dir, 'plugins'), { recursive: true });
  for (const [name, events] of Object.entries(plugins)) await writeEchoPlugin(path.join(dir, 'plugins'), name, events);
  return dir;
}

/** A JS hook at priority 99 (after every plugin) that records each payload of `event`. */
function recorder(event) {
  const seen = [];
  return { seen, hook: { event, priority: 99, handler: (payload) => { seen.push(structuredClone(payload)); } } };
}

/** The payload without the echo plugins' keys: what the first plugin received. */
function withoutSeen(payload) {
  return Object.fromEntries(Object.entries(payload).filter(([key]) => !key.startsWith('seen_')));
}

const read = (dir, file) => readFileSync(path.join(dir, '_site', file), 'utf8');

test('onConfig runs once per build at eleventy.before, with the run mode and the project folders', async () => {
  const dir = await makeSite({ config: ['onConfig'] });
  const { seen, hook } = recorder('onConfig');
  await build(dir, { hooks: [hook] });
  assert.equal(seen.length, 1);
  const [payload] = seen;
  assert.deepEqual(payload.seen_config, withoutSeen(payload), 'the plugin got the payload the JS hook sees');
  assert.deepEqual(Object.keys(payload.seen_config), ['event', 'runMode', 'outputMode', 'directories']);
  assert.equal(payload.event, 'onConfig');
  assert.equal(payload.runMode, 'build');
  assert.equal(payload.outputMode, 'fs');
  assert.equal(path.resolve(payload.directories.input), path.join(dir, 'src'));
  assert.equal(path.resolve(payload.directories.output), path.join(dir, '_site'));
  for (const key of ['includes', 'data']) assert.equal(typeof payload.directories[key], 'string', key);
});

test('onContentTransformed gets { html, url, inputPath, outputPath } for every HTML page', async () => {
  const dir = await makeSite({ transformed: ['onContentTransformed'] });
  const { seen, hook } = recorder('onContentTransformed');
  await build(dir, { hooks: [hook] });
  assert.deepEqual(seen.map((p) => p.url).sort(), ['/', '/blog/deep/two/', '/blog/one/', '/docs/three/']);
  const one = seen.find((p) => p.url === '/blog/one/');
  assert.deepEqual(one.seen_transformed, {
    event: 'onContentTransformed',
    html: '<p>one</p>',
    url: '/blog/one/',
    inputPath: one.inputPath,
    outputPath: one.outputPath,
  });
  assert.match(one.inputPath, /src\/blog\/one\.njk$/);
  assert.equal(path.resolve(one.outputPath), path.join(dir, '_site/blog/one/index.html'));
});

test('onPageRendered runs on every HTML page after onContentTransformed, and its html is the page', async () => {
  const dir = await makeSite({ rendered: ['onPageRendered'] });
  const { seen, hook } = recorder('onPageRendered');
  await build(dir, {
    hooks: [
      // onContentTransformed's result is what onPageRendered gets.
      { event: 'onContentTransformed', handler: (page) => ({ ...page, html: `${page.html}<!-- transformed -->` }) },
      { event: 'onPageRendered', priority: 90, handler: (page) => ({ ...page, html: `${page.html}<!-- rendered -->` }) },
      hook,
    ],
  });
  assert.equal(seen.length, 4);
  const home = seen.find((p) => p.url === '/');
  assert.deepEqual(Object.keys(home.seen_rendered), ['event', 'html', 'url', 'inputPath', 'outputPath']);
  assert.equal(home.seen_rendered.event, 'onPageRendered');
  assert.equal(home.seen_rendered.html, '<p>home</p><!-- transformed -->');
  assert.equal(read(dir, 'index.html'), '<p>home</p><!-- transformed --><!-- rendered -->');
});

test('onBuildComplete runs once at eleventy.after with OutputDir, PageCount, PagesSkipped and Duration (ns)', async () => {
  const dir = await makeSite({ complete: ['onBuildComplete'] });
  const { seen, hook } = recorder('onBuildComplete');
  await build(dir, { hooks: [hook] });
  assert.equal(seen.length, 1);
  const got = seen[0].seen_complete;
  assert.deepEqual(Object.keys(got), ['event', 'OutputDir', 'PageCount', 'PagesSkipped', 'Duration']);
  assert.equal(got.event, 'onBuildComplete');
  assert.equal(path.resolve(got.OutputDir), path.join(dir, '_site'));
  assert.equal(got.PageCount, 4);
  assert.equal(got.PagesSkipped, 0);
  assert.ok(Number.isInteger(got.Duration) && got.Duration > 0, String(got.Duration));
});

test('an event with no Eleventy counterpart is a warning naming the plugin, the event and the adapter', async () => {
  const dir = await makeSite({ mixed: ['onDataFetched', 'onContentTransformed', 'onMadeUp'] });
  const warnings = await collectWarnings(WARNING_CODE, () => build(dir, { hooks: [{ event: 'onDevServerStart', handler() {} }] }));
  const messages = warnings.map((w) => w.message);
  assert.equal(messages.length, 3, messages.join('\n'));
  assert.match(messages[0], /^\[alloy-wasm\] eleventy: plugin "mixed" lists the hook event "onDataFetched", which has no counterpart in Eleventy, so it never runs there \(Eleventy runs onConfig, onContentTransformed, onPageRendered, onBuildComplete, onFileChanged; see docs\/lifecycle-events\.md\)$/);
  assert.match(messages[1], /plugin "mixed" lists the hook event "onMadeUp", which is not an Alloy lifecycle event/);
  assert.match(messages[2], /JS hook #0 of the "hooks" option lists the hook event "onDevServerStart", which has no counterpart in Eleventy/);
  assert.ok(warnings.every((w) => w.name === 'AlloyWasmWarning'));
  // The mapped event still runs.
  assert.equal(read(dir, 'index.html'), '<p>home</p>');
});

test('plugins.<name>.pages: hooks run only on pages whose URL matches (a glob, a list, true, false)', async () => {
  const cases = [
    ['/blog/**', ['/blog/deep/two/', '/blog/one/']],
    [['/docs/*', '/'], ['/', '/docs/three/']],
    ['/blog/*', ['/blog/one/']],
    [true, ['/', '/blog/deep/two/', '/blog/one/', '/docs/three/']],
    ['**', ['/', '/blog/deep/two/', '/blog/one/', '/docs/three/']],
    [false, []],
  ];
  for (const [pages, expected] of cases) {
    const dir = await makeSite({ scoped: ['onContentTransformed', 'onPageRendered', 'onBuildComplete'] });
    const transformed = recorder('onContentTransformed');
    const rendered = recorder('onPageRendered');
    const complete = recorder('onBuildComplete');
    await build(dir, { plugins: { scoped: { pages } }, hooks: [transformed.hook, rendered.hook, complete.hook] });
    const ran = (seen) => seen.filter((p) => p.seen_scoped).map((p) => p.url).sort();
    assert.deepEqual(ran(transformed.seen), expected, `onContentTransformed, pages ${JSON.stringify(pages)}`);
    assert.deepEqual(ran(rendered.seen), expected, `onPageRendered, pages ${JSON.stringify(pages)}`);
    assert.equal(transformed.seen.length, 4, 'the JS hook still runs on every page');
    assert.ok(complete.seen[0].seen_scoped, 'a build event ignores pages');
  }
});

test('plugins.<name>.priority replaces 50 for that plugin\'s hooks', async () => {
  // Alphabetical load order: "a" runs before "b" at equal priorities; b's copy then holds a's key.
  const dir = await makeSite({ a: ['onContentTransformed'], b: ['onContentTransformed'] });
  const first = recorder('onContentTransformed');
  await build(dir, { hooks: [first.hook] });
  const home = first.seen.find((p) => p.url === '/');
  assert.ok(home.seen_b.seen_a, 'a ran before b');
  assert.equal(home.seen_a.seen_b, undefined);

  const second = recorder('onContentTransformed');
  await build(dir, { plugins: { b: { priority: 10 } }, hooks: [second.hook] });
  const again = second.seen.find((p) => p.url === '/');
  assert.ok(again.seen_a.seen_b, 'b (priority 10) ran before a (50)');
  assert.equal(again.seen_b.seen_a, undefined);

  // Priority places a plugin among JS hooks too: 95 runs after a JS hook at 90.
  const third = recorder('onContentTransformed');
  const marks = { event: 'onContentTransformed', priority: 90, handler: (p) => ({ ...p, mark: true }) };
  await build(dir, { plugins: { a: { priority: 95 } }, hooks: [marks, third.hook] });
  const last = third.seen.find((p) => p.url === '/');
  assert.equal(last.seen_a.mark, true);
  assert.equal(last.seen_b.mark, undefined);
});

test('the plugins option: unknown names, unknown keys, and unsupported scopes are INVALID_OPTIONS naming them', async () => {
  const dir = await makeSite({ a: ['onContentTransformed'] });
  const unknown = await buildFails(dir, { plugins: { a: {}, 'lazy-imgs': { priority: 1 } } });
  assertPluginError(unknown, ErrorCodes.INVALID_OPTIONS);
  assert.match(unknown.message, /^\[alloy-wasm\] eleventy: option "plugins" names "lazy-imgs", but there is no lazy-imgs\.wasm in the plugins folder \(loaded: a\)/);

  const fake = { addFilter() {}, versionCheck() {} };
  const cases = [
    [{ a: { pages: '/x/**', prio: 1 } }, /entry "a" has unknown key "prio" \(known: pages, priority, config\)/],
    [{ a: { data: ['navigation'] } }, /entry "a": key "data" is not supported: no payload of the adapters carries site data/],
    [{ a: { pageFields: ['url'] } }, /entry "a": key "pageFields" is not supported/],
    [{ a: { pages: 'blog/**' } }, /"blog\/\*\*" matches no page URL, which starts with "\/": write "\/blog\/\*\*"/],
    [{ a: { pages: { tags: ['x'] } } }, /a taxonomy filter like \{ tags: \[\.\.\.\] \} is not supported/],
    [{ a: { pages: [] } }, /pages must be true \(every page\), false \(none\), a glob/],
    [{ a: { priority: '10' } }, /entry "a": priority must be a finite number/],
    [{ a: 'yes' }, /entry "a" must be an object with any of pages, priority, config/],
    [['a'], /option "plugins" must be an object of plugin names/],
  ];
  for (const [plugins, pattern] of cases) {
    let err;
    try {
      alloyWasm(fake, { plugins });
    } catch (e) {
      err = e;
    }
    assert.ok(err, JSON.stringify(plugins));
    assertPluginError(err, ErrorCodes.INVALID_OPTIONS);
    assert.match(err.message, pattern);
  }
});

test('a JS build-event handler that throws fails the build, naming the event', async () => {
  const dir = await makeSite({});
  let caught;
  try {
    await build(dir, { hooks: [{ event: 'onConfig', handler: () => { throw new Error('no config for you'); } }] });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught);
  const chain = [];
  for (let e = caught; e; e = e.originalError ?? e.cause) chain.push(e.message);
  assert.ok(chain.some((m) => /^\[alloy-wasm\] eleventy: a JS onConfig handler threw: no config for you$/.test(m)), chain.join(' <- '));
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, check, limitMs = 20_000) {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if (check()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('--watch: onFileChanged gets each batch of changed files at eleventy.beforeWatch, before the rebuild', async () => {
  const dir = await makeSite({ watcher: ['onFileChanged'] }, { 'a.njk': '<p>a</p>', 'b.njk': '<p>b</p>' });
  const { seen, hook } = recorder('onFileChanged');
  const eleventy = new Eleventy(path.join(dir, 'src'), path.join(dir, '_site'), {
    quietMode: true,
    configPath: false,
    runMode: 'watch',
    config: (config) => config.addPlugin(alloyWasm, { dir: path.join(dir, 'plugins'), cacheDir: null, hooks: [hook] }),
  });
  await eleventy.init();
  await eleventy.watch();
  try {
    assert.equal(seen.length, 0, 'not on the first build');
    await sleep(500); // chokidar misses changes made right after it reports ready
    writeFileSync(path.join(dir, 'src/a.njk'), '<p>a2</p>');
    await waitFor('the rebuild', () => read(dir, 'a/index.html') === '<p>a2</p>');
    assert.equal(seen.length, 1);
    const got = seen[0].seen_watcher;
    assert.deepEqual(Object.keys(got), ['event', 'changes']);
    assert.equal(got.event, 'onFileChanged');
    assert.equal(got.changes.length, 1);
    assert.equal(path.resolve(got.changes[0].Path), path.join(dir, 'src/a.njk'));
    assert.equal(got.changes[0].IsRemove, false);
  } finally {
    await eleventy.stopWatch();
  }
});
